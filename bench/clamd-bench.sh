#!/usr/bin/env bash
# clamd-bench.sh - scans per second of the clamd client (src/engines/clamd.c)
# against a real clamd started by tests/support/clamd.py on a private unix
# socket with the test signature database (tests/support/clamav-db/):
# a 2 KB clean buffer and clam.exe (a virus, 544 bytes), on one thread and
# on eight, and clam.tar.gz (the virus inside an archive) on one.  One
# connection per scan, as in production.  Prints clamd's start-up time too.
#
# Environment: BUILD=DIR (default build), the build holding tests/test_clamd.
# Exits 0 whatever the figures (a measurement, not a test), 2 when a scan
# gives the wrong verdict or clamd is missing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
BIN=$BUILD/tests/test_clamd
[[ -x $BIN ]] || { echo "bench: $BIN missing: build first" >&2; exit 2; }
[[ -x /usr/sbin/clamd ]] || { echo "bench: /usr/sbin/clamd missing (clamav-daemon)" >&2; exit 2; }
exec /usr/bin/python3 "$ROOT/tests/support/clamd.py" -- "$BIN" --bench
