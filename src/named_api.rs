//! Named properties on messages, attachments and recipients (issue in progress).
