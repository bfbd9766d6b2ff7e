#!/usr/bin/env bash
# demo.sh - install what is needed, build mamori (Release, in build/) and
# scan the example messages in examples/.
#
# Exit status: 0 when the scan ran.  The scan itself exits 1 when some
# example was not accepted, which is expected (some examples are meant to
# be caught); only a scan error (exit 2 or worse) fails this script.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

section() { printf '\n==== %s ====\n' "$*"; }

section "dependencies (scripts/install-deps.sh)"
bash scripts/install-deps.sh

section "configure and build: Release in build/"
gen=(-G Ninja)
# an existing build/ keeps the generator it was made with
if [[ -f build/CMakeCache.txt ]]; then
	gen=()
fi
cmake -S . -B build "${gen[@]}" -DCMAKE_BUILD_TYPE=Release
cmake --build build

section "build/mamori scan examples/*.eml examples/*.mbox"
rc=0
# the mails only: examples/ also holds their generator and a README
build/mamori scan examples/*.eml examples/*.mbox || rc=$?
((rc <= 1)) || { echo "demo: scan FAILED (exit $rc)" >&2; exit "$rc"; }

# Sender authentication needs the SMTP envelope and DNS: each mail in
# examples/auth/ is scanned with the envelope in its .args file, against
# examples/auth/zone.json served by the project's test DNS server on
# 127.0.0.1 (nothing outside this machine is asked).
section "sender authentication: examples/auth/ with their SMTP envelopes"
portfile=$(mktemp)
/usr/bin/python3 tests/support/dnsserver.py examples/auth/zone.json --timeout 120 \
	--port-file "$portfile" >/dev/null &
dns_pid=$!
trap 'kill $dns_pid 2>/dev/null; rm -f "$portfile"' EXIT
for _ in $(seq 50); do [[ -s $portfile ]] && break; sleep 0.1; done
[[ -s $portfile ]] || { echo "demo: the test DNS server did not start" >&2; exit 2; }
for m in examples/auth/*.eml; do
	read -r -a envelope <"${m%.eml}.args"
	echo "\$ mamori scan ${envelope[*]} --dns 127.0.0.1:PORT $m"
	arc=0
	build/mamori scan "${envelope[@]}" --dns "127.0.0.1:$(cat "$portfile")" "$m" || arc=$?
	((arc <= 1)) || { echo "demo: scan FAILED (exit $arc)" >&2; exit "$arc"; }
	((arc > rc)) && rc=$arc
done

echo
case $rc in
0) echo "demo: scan done: every example accepted (exit 0)" ;;
*) echo "demo: scan done: some examples were not accepted (expected)" ;;
esac
