#!/usr/bin/env python3
"""Times Python extract-msg reading the summary that benches/read.rs's
"oxmsg: summary" reads (subject, sender, date, recipients' addresses,
attachment names and sizes), over the corpus files given on the command
line, best of 5 runs. Prints seconds per pass.

Usage: python3 benches/extract_msg_summary.py FILE.msg...
"""
import logging
import sys
import time

import extract_msg

logging.disable(logging.CRITICAL)


def summary(path):
    m = extract_msg.openMsg(path, strict=False, delayAttachments=False)
    try:
        n = len(m.subject or "") + len(getattr(m, "sender", None) or "")
        _ = getattr(m, "date", None)
        for r in m.recipients:
            n += len(r.email or "")
        for a in m.attachments:
            n += len(getattr(a, "longFilename", None) or "")
            data = getattr(a, "data", None)
            n += len(data) if isinstance(data, (bytes, bytearray)) else 0
        return n
    finally:
        m.close()


def main():
    files = sys.argv[1:]
    best = None
    for _ in range(5):
        t = time.perf_counter()
        for f in files:
            try:
                summary(f)
            except Exception:
                pass
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    print(f"extract-msg {extract_msg.__version__}: {len(files)} files, best pass {best * 1000:.1f} ms")


if __name__ == "__main__":
    main()
