#!/usr/bin/env bash
# Convert one .msg file to MIME (.eml) text with msgconvert and print it.
#
# Usage: tests/interop/msgconvert_dump.sh FILE.msg > out.eml
#
# msgconvert comes from Debian's libemail-outlook-message-perl (Perl
# Email::Outlook::Message 0.921 on Debian 12); .ci/run installs it. Pipe the
# output into tests/interop/mime_summary.py for a JSON summary.
#
# Exit status: 0 with the MIME text on stdout; 2 on a usage error; 127 when
# msgconvert is not installed; otherwise non-zero with a message on stderr
# (msgconvert's own status, 124 on timeout, or 1 for empty output). Nothing is
# printed on stdout when it fails.
#
# Environment:
#   MSGCONVERT_TIMEOUT  seconds before msgconvert is killed (default 60)
#
# msgconvert formats dates in local time but labels them "+0000", so TZ is
# forced to UTC here.
set -euo pipefail

prog=$(basename "$0")

if [ "$#" -ne 1 ]; then
    echo "usage: $prog FILE.msg" >&2
    exit 2
fi
input=$1

if [ ! -f "$input" ]; then
    echo "$prog: no such file: $input" >&2
    exit 1
fi
if ! command -v msgconvert >/dev/null 2>&1; then
    echo "$prog: msgconvert not found (apt-get install libemail-outlook-message-perl)" >&2
    exit 127
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

status=0
TZ=UTC LC_ALL=C timeout "${MSGCONVERT_TIMEOUT:-60}" \
    msgconvert --outfile - "$input" >"$tmp/out.eml" 2>"$tmp/err" || status=$?

if [ "$status" -ne 0 ]; then
    if [ "$status" -eq 124 ]; then
        echo "$prog: msgconvert timed out after ${MSGCONVERT_TIMEOUT:-60}s on $input" >&2
    else
        echo "$prog: msgconvert failed (exit $status) on $input" >&2
    fi
    # msgconvert (OLE::Storage_Lite) can print thousands of warnings on a
    # damaged file: show only the last few lines.
    tail -n 20 "$tmp/err" >&2
    exit "$status"
fi
if [ ! -s "$tmp/out.eml" ]; then
    echo "$prog: msgconvert produced no output for $input" >&2
    tail -n 20 "$tmp/err" >&2
    exit 1
fi
# Warnings of a successful run (e.g. "Value for 'Subject' header with wide
# characters", unknown OLE parts) go to stderr, capped.
if [ -s "$tmp/err" ]; then
    tail -n 20 "$tmp/err" >&2
fi
cat "$tmp/out.eml"
