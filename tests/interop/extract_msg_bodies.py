#!/usr/bin/env python3
"""Print, as one JSON object, the HTML body that extract-msg reads from a
.msg in its two ways: `html_stored` (PR_HTML, decoded) and `html_from_rtf`
(the RTF body de-encapsulated by RTFDE), each as its visible text, folded.

Usage: extract_msg_bodies.py FILE.msg

Visible text: Python html.parser with entity unescaping; script, style and
head content and comments dropped; br/p/div/tr/li tags give a line break;
then every run of whitespace becomes one space, trimmed. The script prints
{"error": ...} instead of crashing.
"""
import json
import sys
from html.parser import HTMLParser


class Visible(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self.skip += 1
        if tag in ("br", "p", "div", "tr", "li"):
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head") and self.skip:
            self.skip -= 1
        if tag in ("br", "p", "div", "tr", "li"):
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)


def visible(html):
    if html is None:
        return None
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    p = Visible()
    p.feed(html)
    return " ".join("".join(p.out).split())


def main():
    import extract_msg
    from extract_msg.enums import DeencapType

    out = {}
    try:
        msg = extract_msg.openMsg(sys.argv[1])
        stored = msg.getStream("__substg1.0_10130102")
        out["html_stored"] = visible(stored)
        rtf = msg.rtfBody
        out["rtf_present"] = rtf is not None
        out["html_from_rtf"] = visible(msg.deencapsulateBody(rtf, DeencapType.HTML)) if rtf else None
        out["html_body"] = visible(msg.htmlBody)
    except Exception as e:  # noqa: BLE001 - report, never crash
        out["error"] = f"{type(e).__name__}: {e}"
    print(json.dumps(out))


if __name__ == "__main__":
    main()
