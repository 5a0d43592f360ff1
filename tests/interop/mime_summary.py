#!/usr/bin/env python3
"""Summarise MIME (.eml) text read on stdin as one JSON object.

Usage: tests/interop/msgconvert_dump.sh FILE.msg | python3 tests/interop/mime_summary.py

Parsed with Python's email package (policy=email.policy.default). Output:

  subject      str|null    decoded Subject header
  from         str|null    decoded From header
  to           [str]       one entry per address of To ("Name <addr>" or "addr")
  cc           [str]       same for Cc
  date         str|null    Date header as written (header values are
                           stripped of surrounding whitespace)
  message_id   str|null    Message-Id header
  content_type str         top-level content type, e.g. "multipart/mixed"
  body_text    str|null    the first text/plain part that is not an attachment
                           (the one get_body(("plain",)) picks), decoded,
                           line endings as in the part
  body_html    bool        whether there is a text/html body part
  html_sha256  str|null    sha256 of its decoded bytes (first such part)
  body_rtf     bool        whether there is an application/rtf body part
                           (msgconvert puts the decompressed RTF body there)
  rtf_sha256   str|null    sha256 of its decoded bytes (first such part)
  rtf_sha256_nocrlf  str|null  the same with every CR and LF byte removed:
                           msgconvert turns the RTF's CRLF into LF CR, so
                           compare this with extract_msg_dump's
                           rtf.sha256_nocrlf
  attachments  [{filename, size, sha256, content_type, content_id,
                 disposition}]  every leaf part that is an attachment, in
                           order: filename is the Content-Disposition filename
                           (falling back to Content-Type name; RFC 2231
                           continuations joined) or null; size and sha256 are
                           of the decoded payload; content_id is null when the
                           header is missing or empty
  nested       [summary]   one object, with these same keys (plus
                           part_content_id, the Content-ID of the enclosing
                           part), for each message/rfc822 part (an embedded
                           message), recursively; such parts are not listed
                           in attachments
  defects      [str]       parser defects the email package reported
  errors       [str]       anything that failed while summarising

The script never crashes: it always prints one JSON object and exits 0
(exit 2 only for a usage error).
"""

import email
import email.policy
import hashlib
import json
import re
import sys
import urllib.parse

MAX_DEPTH = 16

# The email package parses every message/* body other than rfc822 (e.g.
# message/delivery-status, which msgconvert writes base64-encoded for an NDR's
# attachment) as blocks of headers, losing the bytes. Such parts are renamed
# to this placeholder type before parsing and renamed back in the output.
_MSG_PLACEHOLDER = "application/x-mime-summary-message."
_MSG_CT = re.compile(rb"(?im)^(content-type:[ \t]*)message/(?!rfc822\b)([a-z0-9.+-]+)")


def content_type(part):
    ctype = part.get_content_type()
    if ctype.startswith(_MSG_PLACEHOLDER):
        ctype = "message/" + ctype[len(_MSG_PLACEHOLDER):]
    return ctype


_CONT_PARAM = re.compile(r'(?i);\s*([a-z0-9_-]+)\*(\d+)(\*?)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]+)')


def continued_param(part, header, name):
    """An RFC 2231 continued parameter (name*0=...; name*1=...), joined.

    Email::MIME (msgconvert) writes long file names both as continuations and
    as a truncated plain parameter; the email package then returns a truncated
    name, so the continuations are joined here from the raw header.
    """
    raw = None
    for k, v in part.raw_items():
        if k.lower() == header:
            raw = re.sub(r"\r?\n", "", str(v))
            break
    if raw is None:
        return None
    pieces = {}
    charset = "utf-8"
    for m in _CONT_PARAM.finditer(raw):
        if m.group(1).lower() != name:
            continue
        idx, encoded, val = int(m.group(2)), bool(m.group(3)), m.group(4)
        if val.startswith('"'):
            val = re.sub(r"\\(.)", r"\1", val[1:-1])
        if encoded:
            if idx == 0 and val.count("'") >= 2:
                cs, _lang, val = val.split("'", 2)
                charset = cs or charset
            pieces[idx] = urllib.parse.unquote_to_bytes(val)
        else:
            pieces[idx] = val.encode("utf-8", "surrogateescape")
    if not pieces:
        return None
    data = b"".join(pieces[i] for i in sorted(pieces))
    try:
        return data.decode(charset, "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def filename(part):
    return (
        continued_param(part, "content-disposition", "filename")
        or part.get_filename()
        or continued_param(part, "content-type", "name")
        or part.get_param("name")
    )


def hdr(msg, name, errors):
    try:
        v = msg.get(name)
        return None if v is None else str(v).strip()
    except Exception as e:  # noqa: BLE001
        errors.append(f"{name}: {type(e).__name__}: {e}")
        return None


def addresses(msg, name, errors):
    out = []
    try:
        for v in msg.get_all(name) or []:
            addrs = getattr(v, "addresses", None)
            if addrs is None:
                out.append(str(v))
                continue
            for a in addrs:
                out.append(str(a))
    except Exception as e:  # noqa: BLE001
        errors.append(f"{name}: {type(e).__name__}: {e}")
    return out


def payload_bytes(part):
    data = part.get_payload(decode=True)
    if data is None:
        p = part.get_payload()
        data = p.encode("utf-8", "surrogateescape") if isinstance(p, str) else b""
    return data


def is_attachment_leaf(part):
    """A leaf part that is not one of the message's own body parts."""
    disp = part.get_content_disposition()
    ctype = part.get_content_type()
    if disp == "attachment":
        return True
    if part.get_filename() or part.get_param("name"):
        return True
    return ctype not in ("text/plain", "text/html", "application/rtf", "text/rtf")


def summarise(msg, depth, errors):
    out = {
        "subject": hdr(msg, "subject", errors),
        "from": hdr(msg, "from", errors),
        "to": addresses(msg, "to", errors),
        "cc": addresses(msg, "cc", errors),
        "date": hdr(msg, "date", errors),
        "message_id": hdr(msg, "message-id", errors),
        "content_type": content_type(msg),
        "body_text": None,
        "body_html": False,
        "body_rtf": False,
        "html_sha256": None,
        "rtf_sha256": None,
        "rtf_sha256_nocrlf": None,
        "attachments": [],
        "nested": [],
        "defects": [type(d).__name__ for d in msg.defects],
    }
    try:
        body = msg.get_body(preferencelist=("plain",))
        if body is not None:
            out["body_text"] = body.get_content()
    except Exception as e:  # noqa: BLE001
        errors.append(f"body_text: {type(e).__name__}: {e}")

    def walk(part):
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if depth >= MAX_DEPTH:
                errors.append("nested: deeper than %d" % MAX_DEPTH)
            elif isinstance(inner, email.message.Message):
                sub_errors = []
                s = summarise(inner, depth + 1, sub_errors)
                s["errors"] = sub_errors
                s["part_content_id"] = hdr(part, "content-id", errors)
                out["nested"].append(s)
            return
        if part.is_multipart():
            for sub in part.get_payload():
                walk(sub)
            return
        body_part = part.get_content_disposition() != "attachment" and not filename(part)
        if ctype == "text/html" and body_part and not out["body_html"]:
            out["body_html"] = True
            out["html_sha256"] = hashlib.sha256(payload_bytes(part)).hexdigest()
        if ctype in ("application/rtf", "text/rtf") and body_part and not out["body_rtf"]:
            out["body_rtf"] = True
            rtf = payload_bytes(part)
            out["rtf_sha256"] = hashlib.sha256(rtf).hexdigest()
            out["rtf_sha256_nocrlf"] = hashlib.sha256(rtf.replace(b"\r", b"").replace(b"\n", b"")).hexdigest()
        if part is msg or not is_attachment_leaf(part):
            return
        try:
            data = payload_bytes(part)
            out["attachments"].append(
                {
                    "filename": filename(part),
                    "size": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "content_type": content_type(part),
                    "content_id": (hdr(part, "content-id", errors) or "").strip() or None,
                    "disposition": part.get_content_disposition(),
                }
            )
        except Exception as e:  # noqa: BLE001
            errors.append(f"attachment: {type(e).__name__}: {e}")

    try:
        walk(msg)
    except Exception as e:  # noqa: BLE001
        errors.append(f"walk: {type(e).__name__}: {e}")
    return out


def main(argv):
    if len(argv) != 1:
        print("usage: mime_summary.py < message.eml", file=sys.stderr)
        return 2
    errors = []
    try:
        raw = sys.stdin.buffer.read()
        raw = _MSG_CT.sub(lambda m: m.group(1) + _MSG_PLACEHOLDER.encode() + m.group(2), raw)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        out = summarise(msg, 0, errors)
    except Exception as e:  # noqa: BLE001
        out = {"subject": None, "from": None, "to": [], "cc": [], "body_text": None,
               "attachments": [], "nested": []}
        errors.append(f"parse: {type(e).__name__}: {e}")
    out["errors"] = errors
    sys.stdout.write(json.dumps(out, sort_keys=True))
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
