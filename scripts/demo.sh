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
echo
case $rc in
0) echo "demo: scan done: every example accepted (exit 0)" ;;
1) echo "demo: scan done: some examples were not accepted (exit 1, expected)" ;;
*)
	echo "demo: scan FAILED (exit $rc)" >&2
	exit "$rc"
	;;
esac
