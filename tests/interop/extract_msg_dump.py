#!/usr/bin/env python3
"""Dump what Python's extract-msg reads from one .msg file, as one JSON object.

Usage: python3 tests/interop/extract_msg_dump.py FILE.msg

The interop tests run this on files that oxmsg reads or writes and compare
the result with oxmsg's own view. extract-msg is pinned in .ci/run (the
corpus expectations in shared/corpus/expected were made with 0.57).

The script never crashes and exits 0 after printing one JSON object (exit 2
only for a usage error). When extract-msg cannot open the file at all the
object is {"ok": false, "error": "ExcType: message", "extract_msg_version"}.
When one field fails, that field is null and "errors" gets
"field: ExcType: message" (a failing property in "props" becomes
{"error": "ExcType"}).

How it opens a file: extract_msg.openMsg(path, strict=False,
delayAttachments=True). S/MIME messages (IPM.Note.SMIME*), which openMsg
unwraps into the signed parts, are re-opened as a plain extract_msg Message so
that, like any MAPI reader, the dump shows the one multipart/signed or
smime.p7m attachment.

Output (keys sorted; every string has its trailing NUL characters stripped):

  ok               bool
  error            str, only when ok is false
  errors           [str]  per-field failures
  extract_msg_version  str (top level only)
  message_class    str|null    msg.classType (PR_MESSAGE_CLASS)
  subject          str|null    msg.subject (empty -> null, as for sender and body)
  sender           str|null    msg.sender: the From header when the message has
                               transport headers, else "NAME <SMTP>" from
                               0x0C1A/0x5D01
  sender_name      str|null    first of PR_SENDER_NAME 0x0C1A,
                               PR_SENT_REPRESENTING_NAME 0x0042
  sender_email     str|null    first of PR_SENDER_SMTP_ADDRESS 0x5D01,
                               PR_SENDER_EMAIL_ADDRESS 0x0C1F,
                               PR_SENT_REPRESENTING_EMAIL_ADDRESS 0x0065
  date             str|null    msg.date (PR_CLIENT_SUBMIT_TIME, only if sent)
  body             str|null    msg.body (PR_BODY; extract-msg falls back to
                               de-encapsulating the RTF body when it is absent,
                               see body_from_rtf)
  body_from_rtf    bool        true when there is no PR_BODY stream, so "body"
                               (if any) was made from the RTF
  html_sha256      str|null    sha256 of the stored PR_HTML stream 0x10130102
                               (NOT msg.htmlBody, which invents HTML from RTF
                               or plain text when the stream is absent)
  html             {present, size, sha256}  same stream, as in corpus/expected
  rtf              {present, compressed_size, size, sha256, sha256_nocrlf}
                               PR_RTF_COMPRESSED and its decompression
                               (msg.rtfBody); sha256_nocrlf is of the RTF with
                               CR and LF bytes removed (to compare with
                               msgconvert, which mangles line ends); just
                               {"present": false} when absent
  string_encoding  str|null    msg.stringEncoding
  recipients       [{name, email, smtp, type, props}]  msg.recipients; type is an int
                               (1 to, 2 cc, 3 bcc; for calendar classes
                               extract-msg's MeetingRecipientType: 1 required,
                               2 optional, 3 resource)
  attachments      [{long_filename, short_filename, display_name, mime,
                     content_id, attach_method, kind, size, sha256,
                     is_embedded, nested_subject, nested, props}]
                     size/sha256 are of the attachment data (null for embedded
                     messages and attachments without byte data); nested is the
                     same dump object, recursively, for an embedded message.
  named            [{guid, kind: "string"|"numeric", name, tag, type}]  the
                     named-property map (msg.named); numeric names are 4 hex
                     digits as extract-msg spells them ("8503"); tag is the
                     mapped id "0x8000"; type the property type found for that
                     id in the property stream ("0x000B") or null.
                     Embedded messages share their parent's map.
  props            {"0xTTTTTTTT": value}  every property of this message object
                     (property-stream entries; variable-length values read from
                     their streams): str, int, bool, float, list, datetimes as
                     ISO 8601 (UTC "+00:00" when extract-msg gives an aware
                     time; extract-msg's null dates and pre-1970 times are
                     naive and printed without offset), bytes as lower-case
                     hex, GUIDs as "{XXXXXXXX-...}", PT_OBJECT as null.
                     extract-msg reads PT_SHORT/PT_LONG/PT_I8 as UNSIGNED
                     (0xFFFFFFFF, not -1). Unlike corpus/expected's
                     "raw_props", binary values are always full hex (expected
                     abbreviates values over 64 bytes to {size, sha256}).
  props_filetime   {"0xTTTTTTTT": int}  raw FILETIME of every PT_SYSTIME entry
                     (from the property stream bytes), to compare dates exactly
  raw_string8      {"0xTTTTTTTT": hex}  undecoded bytes of every PT_STRING8
                     stream of this object (always full hex; expected/ may
                     abbreviate long ones to {size, sha256})
  appointment      {start, end, start_whole, end_whole, location}  only for
                     IPM.Appointment* (extract-msg's AppointmentMeeting):
                     start/end are PR_START_DATE 0x0060/PR_END_DATE 0x0061,
                     *_whole PidLidAppointmentStartWhole/EndWhole, location
                     PidLidLocation.
"""

import datetime
import decimal
import enum
import hashlib
import json
import logging
import math
import os
import struct
import sys
import traceback

# extract-msg logs through the logging module; keep stderr quiet unless asked.
if not os.environ.get("EXTRACT_MSG_DUMP_DEBUG"):
    logging.disable(logging.CRITICAL)

MAX_DEPTH = 16


def strip_nul(s):
    return s.rstrip("\x00") if isinstance(s, str) else s


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def fmt_datetime(d):
    if d.tzinfo is not None:
        try:
            d = d.astimezone(datetime.timezone.utc)
        except (OverflowError, ValueError):
            pass
    return d.isoformat()


def to_json(v):
    """Turn whatever extract-msg returned into a JSON value."""
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, enum.Enum):
        v = v.value
    if isinstance(v, str):
        return strip_nul(v)
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, datetime.datetime):
        return fmt_datetime(v)
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).hex()
    if isinstance(v, (list, tuple)):
        return [to_json(x) for x in v]
    if isinstance(v, dict):
        return {str(k): to_json(x) for k, x in v.items()}
    return repr(v)


def exc_text(e):
    return f"{type(e).__name__}: {e}"


class Dumper:
    def __init__(self):
        self.errors = []

    def field(self, name, fn, default=None):
        """Run fn(); on any exception record it under name and return default."""
        try:
            return fn()
        except Exception as e:  # noqa: BLE001 - never crash
            self.errors.append(f"{name}: {exc_text(e)}")
            if os.environ.get("EXTRACT_MSG_DUMP_DEBUG"):
                traceback.print_exc()
            return default


def string_prop(msg, id4):
    """A string property through extract-msg's stream API (None if absent or empty)."""
    v = msg.getStringStream("__substg1.0_" + id4)
    v = strip_nul(v)
    return v if v else None


def first_string(msg, ids):
    for id4 in ids:
        v = string_prop(msg, id4)
        if v:
            return v
    return None


def dump_props(msg, d):
    """Every entry of the object's property stream, valued through extract-msg."""
    from extract_msg.properties.prop import FixedLengthProp

    props = {}
    for name, prop in sorted(msg.props.items()):
        key = "0x" + name.upper()
        try:
            if isinstance(prop, FixedLengthProp):
                props[key] = to_json(prop.value)
            else:
                ptype = name[4:].upper()
                if ptype == "000D":
                    props[key] = None  # PT_OBJECT: a storage (attachment data)
                    continue
                found, value = msg._getTypedStream("__substg1.0_" + name[:4].upper(), True, ptype)
                if found and value is None:
                    # extract-msg reports an empty stream as None: an empty
                    # value of the property's type is what the file holds.
                    value = [] if ptype.startswith("1") else ("" if ptype in ("001E", "001F") else b"")
                props[key] = to_json(value) if found else None
        except Exception as e:  # noqa: BLE001
            props[key] = {"error": type(e).__name__}
            d.errors.append(f"props[{key}]: {exc_text(e)}")
    return props


def dump_filetimes(msg, embedded):
    """Raw FILETIME of every PT_SYSTIME property-stream entry."""
    raw = msg.getStream("__properties_version1.0") or b""
    skip = 24 if embedded else 32
    out = {}
    for off in range(skip, len(raw) - 15, 16):
        ptype, pid = struct.unpack_from("<HH", raw, off)
        if ptype == 0x0040:
            out[f"0x{pid:04X}{ptype:04X}"] = struct.unpack_from("<Q", raw, off + 8)[0]
    return out


def dump_raw_string8(msg):
    out = {}
    for path in msg.listDir(True, False, False):
        leaf = path[-1]
        if len(path) == 1 and leaf.upper().startswith("__SUBSTG1.0_") and leaf.upper().endswith("001E"):
            data = msg.getStream(leaf)
            if data is not None:
                out["0x" + leaf[-8:].upper()] = data.hex()
    return out


def dump_named(msg, d):
    out = []
    for key, np in msg.named.items():
        kind = "string" if type(np).__name__ == "StringNamedProperty" else "numeric"
        name = np.name if kind == "string" else np.propertyID
        stream_id = np.propertyStreamID
        ptype = None
        try:
            full = msg.props._mapId(stream_id)
            if full:
                ptype = "0x" + full[4:].upper()
        except Exception as e:  # noqa: BLE001
            d.errors.append(f"named[{stream_id}].type: {exc_text(e)}")
        out.append(
            {
                "guid": np.guid,
                "kind": kind,
                "name": strip_nul(name),
                "tag": "0x" + stream_id.upper(),
                "type": ptype,
            }
        )
    return out


def dump_object_props(obj, encoding, d, where):
    """Every property-stream entry of a recipient or an attachment: fixed
    values as extract-msg decodes them, strings decoded from their streams
    (PT_UNICODE as UTF-16LE, PT_STRING8 with the message's encoding), other
    stream values as lower-case hex, PT_OBJECT as null."""
    from extract_msg.properties.prop import FixedLengthProp

    out = {}
    for name, prop in sorted(obj.props.items()):
        key = "0x" + name.upper()
        try:
            if isinstance(prop, FixedLengthProp):
                out[key] = to_json(prop.value)
                continue
            ptype = name[4:].upper()
            data = None if ptype == "000D" else obj.getStream("__substg1.0_" + name.upper())
            if data is None:
                out[key] = None
            elif ptype == "001F":
                out[key] = strip_nul(data.decode("utf-16-le", "replace"))
            elif ptype == "001E":
                out[key] = strip_nul(data.decode(encoding or "cp1252", "replace"))
            else:
                out[key] = data.hex()
        except Exception as e:  # noqa: BLE001
            out[key] = {"error": type(e).__name__}
            d.errors.append(f"{where}.props[{key}]: {exc_text(e)}")
    return out


def dump_recipient(r, encoding, index, d):
    typ = r.type
    return {
        "name": strip_nul(r.name),
        "email": strip_nul(r.email),
        "smtp": strip_nul(r.smtpAddress),
        "type": int(typ) if typ is not None else None,
        "props": dump_object_props(r, encoding, d, f"recipients[{index}]"),
    }


def dump_attachment(att, index, depth, d):
    a = {}
    at = f"attachments[{index}]"
    a["long_filename"] = d.field(at + ".long_filename", lambda: strip_nul(att.longFilename))
    a["short_filename"] = d.field(at + ".short_filename", lambda: strip_nul(att.shortFilename))
    a["display_name"] = d.field(at + ".display_name", lambda: strip_nul(att.displayName))
    a["mime"] = d.field(at + ".mime", lambda: strip_nul(att.mimetype))
    a["content_id"] = d.field(at + ".content_id", lambda: strip_nul(att.contentId))
    a["attach_method"] = d.field(at + ".attach_method", lambda: att.props.getValue("37050003"))
    a["props"] = d.field(at + ".props", lambda: dump_object_props(att, att.msg.stringEncoding, d, at))
    kind = d.field(at + ".kind", lambda: att.type.name)
    a["kind"] = kind
    a["is_embedded"] = kind == "MSG"
    a["size"] = None
    a["sha256"] = None
    a["nested"] = None
    a["nested_subject"] = None
    if kind == "MSG":
        inner = d.field(at + ".data", lambda: att.data)
        if inner is not None:
            a["nested"] = dump_msg(inner, depth + 1)
            a["nested_subject"] = a["nested"].get("subject")
    elif kind != "WEB":
        data = d.field(at + ".data", lambda: att.data)
        if isinstance(data, (bytes, bytearray)):
            a["size"] = len(data)
            a["sha256"] = sha256(bytes(data))
    return a


def dump_msg(msg, depth=0):
    """The dump object of an opened extract-msg MSGFile (top-level or embedded)."""
    d = Dumper()
    out = {"ok": True}
    if depth > MAX_DEPTH:
        return {"ok": False, "error": "nesting deeper than %d" % MAX_DEPTH, "errors": []}
    embedded = bool(d.field("prefix", lambda: msg.prefix, ""))

    out["message_class"] = d.field("message_class", lambda: strip_nul(msg.classType))
    out["string_encoding"] = d.field("string_encoding", lambda: msg.stringEncoding)
    out["subject"] = d.field("subject", lambda: strip_nul(getattr(msg, "subject", None)) or None)
    out["sender"] = d.field("sender", lambda: strip_nul(getattr(msg, "sender", None)) or None)
    out["sender_name"] = d.field("sender_name", lambda: first_string(msg, ("0C1A", "0042")))
    out["sender_email"] = d.field("sender_email", lambda: first_string(msg, ("5D01", "0C1F", "0065")))
    out["date"] = d.field("date", lambda: to_json(getattr(msg, "date", None)))
    out["body"] = d.field("body", lambda: strip_nul(to_json(getattr(msg, "body", None))) or None)
    out["body_from_rtf"] = d.field("body_from_rtf", lambda: not msg.exists("__substg1.0_1000001F") and not msg.exists("__substg1.0_1000001E"))

    def html():
        data = msg.getStream("__substg1.0_10130102")
        if data is None:
            return {"present": False, "size": None, "sha256": None}
        return {"present": True, "size": len(data), "sha256": sha256(data)}

    out["html"] = d.field("html", html)
    out["html_sha256"] = (out["html"] or {}).get("sha256")

    def rtf():
        comp = msg.getStream("__substg1.0_10090102")
        if comp is None:
            return {"present": False}
        r = {"present": True, "compressed_size": len(comp), "size": None, "sha256": None, "sha256_nocrlf": None}
        body = getattr(msg, "rtfBody", None)
        if body is not None:
            r["size"] = len(body)
            r["sha256"] = sha256(body)
            r["sha256_nocrlf"] = sha256(body.replace(b"\r", b"").replace(b"\n", b""))
        return r

    out["rtf"] = d.field("rtf", rtf)

    out["recipients"] = d.field(
        "recipients",
        lambda: [
            dump_recipient(r, msg.stringEncoding, i, d) for i, r in enumerate(getattr(msg, "recipients", None) or [])
        ],
    )

    def attachments():
        res = []
        for index, att in enumerate(msg.attachments):
            res.append(dump_attachment(att, index, depth, d))
        return res

    out["attachments"] = d.field("attachments", attachments)
    out["named"] = d.field("named", lambda: dump_named(msg, d))
    out["props"] = d.field("props", lambda: dump_props(msg, d))
    out["props_filetime"] = d.field("props_filetime", lambda: dump_filetimes(msg, embedded))
    out["raw_string8"] = d.field("raw_string8", lambda: dump_raw_string8(msg))

    cls = (out.get("message_class") or "").lower()
    if cls.startswith("ipm.appointment"):

        def appointment():
            return {
                "start": to_json(getattr(msg, "startDate", None)),
                "end": to_json(getattr(msg, "endDate", None)),
                "start_whole": to_json(getattr(msg, "appointmentStartWhole", None)),
                "end_whole": to_json(getattr(msg, "appointmentEndWhole", None)),
                "location": to_json(getattr(msg, "location", None)),
            }

        out["appointment"] = d.field("appointment", appointment)

    out["errors"] = d.errors
    return out


def main(argv):
    if len(argv) != 2:
        print("usage: extract_msg_dump.py FILE.msg", file=sys.stderr)
        return 2
    path = argv[1]
    try:
        import extract_msg

        # strict=False: an unknown message class still opens as a plain
        # MSGFile. delayAttachments: a broken attachment must not stop the
        # rest from being read (attachments are loaded, with errors caught,
        # in dump_msg).
        msg = extract_msg.openMsg(path, strict=False, delayAttachments=True)
        if isinstance(msg, extract_msg.msg_classes.MessageSignedBase):
            # openMsg unwraps S/MIME (IPM.Note.SMIME*) into the signed parts;
            # a MAPI reader sees one attachment (the multipart/signed or
            # smime.p7m blob), so read such a message as a plain Message.
            msg.close()
            msg = extract_msg.msg_classes.Message(path, delayAttachments=True)
    except Exception as e:  # noqa: BLE001
        result = {"ok": False, "error": exc_text(e)}
    else:
        try:
            result = dump_msg(msg)
        except Exception as e:  # noqa: BLE001 - dump_msg should not raise, but never crash
            result = {"ok": False, "error": exc_text(e)}
        try:
            msg.close()
        except Exception:  # noqa: BLE001
            pass
    try:
        import extract_msg

        result["extract_msg_version"] = extract_msg.__version__
    except Exception:  # noqa: BLE001
        result["extract_msg_version"] = None
    sys.stdout.write(json.dumps(result, sort_keys=True))
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
