// One id newtype per kind: an `AttachmentId` is not a `RowId`.
use oxmsg::Session;

fn main() {
    let session = Session::new();
    let msg = session.opener().path("in.msg").unwrap();
    let att = msg.open_attachment(0).unwrap();
    let _ = msg.recipient(att.id());
}
