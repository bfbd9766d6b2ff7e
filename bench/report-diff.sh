#!/usr/bin/env bash
# report-diff.sh - "no behaviour change" check: the `mamori scan --json`
# reports of this tree and of a baseline revision, message by message, over
# the SpamAssassin train split, examples/ and the mail of tests/.  Every
# "time_ms" and "stage_ms" key (the timings) is removed; nothing else is normalised.  See bench/README.md.
#
# usage: bash bench/report-diff.sh [BASE_REV]
#   BASE_REV   the revision to compare with (default: the merge-base of HEAD
#              and main, the commit a branch started from; on main itself
#              that is HEAD, which compares uncommitted changes with it)
# Environment:
#   SA_DATA=DIR   an unpacked package's data/ dir (skips npm)
#   SHOW=20       differing messages printed with their diff
#   LINES=60      diff lines printed per message
#   MAMORI=PATH   the binary of "this tree" (default build/mamori, built as
#                 Release)
# Exit: 0 all reports identical, 1 some differ, 2 error.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=$ROOT/bench/.cache
RD=$CACHE/report-diff
SHOW=${SHOW:-20}
LINES=${LINES:-60}
NPROC=$(nproc)

say() { printf 'report-diff: %s\n' "$*"; }
die() { printf 'report-diff: %s\n' "$*" >&2; exit 2; }
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
# any failure not handled below is an error (2), not a "differ" (1)
trap 'die "failed at line $LINENO"' ERR

t_start=$(date +%s)
mkdir -p "$RD"

# ---- the two binaries -----------------------------------------------------
BASE=${1:-}
if [[ -z $BASE ]]; then
	BASE=$(git -C "$ROOT" merge-base HEAD main 2>/dev/null) || BASE=HEAD~1
fi
bench_baseline "$BASE" "$RD"
bench_this_build
# the built-in defaults, whatever /etc or the caller's environment say
export MAMORI_CONFIG=/dev/null

# ---- corpus (as bench/scan-throughput.sh) ---------------------------------
bench_corpus

# ---- the inputs: one list, the same paths for both binaries ---------------
# Paths relative to the tree (the reports' "source"), in name order, hidden
# files and directories left out.  examples/auth/*.args (the SMTP envelopes)
# are not used: without --ip no SPF/DKIM/DMARC is checked and no DNS query
# is sent.  tests/ mail is scanned with the built-in configuration, not the
# special configurations some cases run with.
cd "$ROOT"
list() { find "$1" -mindepth 1 -name '.*' -prune -o -type f -print | grep -E "$2" | LC_ALL=C sort || true; }
mapfile -t in_corpus < <(list "${corpus#"$ROOT"/}" .)
mapfile -t in_examples < <(list examples '\.(eml|mbox)$')
mapfile -t in_tests < <(list tests '\.eml$')
inputs=("${in_corpus[@]}" "${in_examples[@]}" "${in_tests[@]}")
((${#in_corpus[@]} > 0)) || die "no corpus files in $corpus"

say "baseline:  $BASE_BIN (${base_sha:0:12} $(git log -1 --format=%s "$base_sha" | cut -c1-60))"
say "this tree: $MAMORI ($(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench/.cache' || echo ', modified'))"
say "inputs: ${#in_corpus[@]} corpus files, ${#in_examples[@]} in examples/, ${#in_tests[@]} .eml in tests/"

# ---- scan with both -------------------------------------------------------
out=$RD/out
mkdir -p "$out"
scan() {
	local name=$1 bin=$2 rc=0
	"$bin" scan --json -j "$NPROC" "${inputs[@]}" >"$out/$name.jsonl" 2>"$out/$name.err" || rc=$?
	# 0 and 1 are verdicts; 2 is an input not read or a message not
	# scanned (an error report is printed for the latter): compared too
	if ((rc == 2)); then
		say "warning: the $name scan exited 2; its stderr ($out/$name.err):"
		head -n 5 "$out/$name.err" | sed 's/^/    /'
	elif ((rc > 2)); then
		die "the $name scan failed with exit $rc; stderr in $out/$name.err"
	fi
	say "$name: $(wc -l <"$out/$name.jsonl") reports"
}
scan base "$BASE_BIN"
scan this "$MAMORI"

# ---- compare --------------------------------------------------------------
trap - ERR
rc=0
python3 "$ROOT/bench/report_diff.py" --max "$SHOW" --lines "$LINES" \
	"$out/base.jsonl" "$out/this.jsonl" || rc=$?
((rc <= 1)) || die "comparison failed"
say "reports in $out/{base,this}.jsonl; $(($(date +%s) - t_start))s"
exit "$rc"
