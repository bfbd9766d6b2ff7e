#!/usr/bin/env bash
# padded-doc.sh - wall time and peak memory of `mamori scan` on the Emotet
# 2023 case: a macro workbook padded with 500 MiB (zeros, then junk) inside a
# ~500 KB ZIP, mailed as an attachment.  Target (issue 4): under 3 s and
# under 200 MB peak RSS.  A benchmark: it prints figures, it does not fail.
#
# Environment:
#   RUNS=5          timed runs per fixture (best and median reported)
#   MAMORI=PATH     the binary to measure (default build/mamori; when
#                   missing, a Release build in build-bench/)
#   FIXTURES=DIR    where make_fixtures.py writes (default: a temp dir)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-5}
TIME=/usr/bin/time
CASES=(padded_ole_zeros padded_ole_junk padded_docm_entry)

say() { printf 'bench: %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }

[[ -x $TIME ]] || die "$TIME missing (Debian package time; scripts/install-deps.sh)"

# ---- binary ---------------------------------------------------------------
MAMORI=${MAMORI:-$ROOT/build/mamori}
if [[ ! -x $MAMORI ]]; then
	say "building Release in build-bench/"
	cmake -S "$ROOT" -B "$ROOT/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$ROOT/build-bench" >/dev/null
	MAMORI=$ROOT/build-bench/mamori
fi
# the built-in defaults, whatever /etc or the caller's environment say
export MAMORI_CONFIG=/dev/null

# ---- fixtures -------------------------------------------------------------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fx=${FIXTURES:-$work/fixtures}
t0=$(date +%s%N)
python3 "$ROOT/tests/support/make_fixtures.py" -q "$fx" --only "${CASES[@]}"
t1=$(date +%s%N)
say "fixtures: $fx ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')s to generate)"

# Run one scan; sets WALL (s), RSS (KiB), SYMS (symbol names).  Exit 0 and 1
# are verdicts; 2 is an error.  /usr/bin/time -v gives the peak RSS.
run_scan() {
	local eml=$1 rc=0 t0 t1
	t0=$(date +%s%N)
	"$TIME" -v -o "$work/time" "$MAMORI" scan --json "$eml" >"$work/out.json" || rc=$?
	t1=$(date +%s%N)
	((rc > 1)) && die "mamori scan $eml failed with exit $rc"
	WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time")
	SYMS=$(python3 -c 'import json, sys
r = json.loads(open(sys.argv[1]).readline())
print(" ".join(sorted(r.get("symbols", {}))) or "-")' "$work/out.json" 2>/dev/null || echo "(no JSON report)")
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

say "binary:  $MAMORI"
echo
summary=()
for c in "${CASES[@]}"; do
	eml=$fx/$c.eml
	[[ -f $eml ]] || die "$eml not generated"
	walls=() rsss=()
	say "$c: $(python3 -c 'import json, sys
for e in json.load(open(sys.argv[1]))["fixtures"]:
    if e["name"] == sys.argv[2]:
        print("%s, %d bytes, %s padding bytes" % (e["file"], e["size"], e["findings"]["padded"]["padding_bytes"]))' "$fx/fixtures.json" "$c")"
	for ((i = 1; i <= RUNS; i++)); do
		run_scan "$eml"
		walls+=("$WALL")
		rsss+=("$(awk -v k="$RSS" 'BEGIN { printf "%.1f", k / 1024 }')")
		printf '  run %d: %6ss wall  %7s MiB peak RSS  %s\n' "$i" "$WALL" "${rsss[-1]}" "$SYMS"
	done
	best=$(printf '%s\n' "${walls[@]}" | sort -g | head -n 1)
	med=$(printf '%s\n' "${walls[@]}" | median)
	rbest=$(printf '%s\n' "${rsss[@]}" | sort -g | head -n 1)
	rmed=$(printf '%s\n' "${rsss[@]}" | median)
	summary+=("$(printf '%-18s %10s %10s %14s %14s' "$c" "$best" "$med" "$rbest" "$rmed")")
done
echo
printf '%-18s %10s %10s %14s %14s\n' "mamori scan --json" "best s" "median s" "best RSS MiB" "median RSS MiB"
printf '%s\n' "${summary[@]}"
echo
say "target: < 3 s wall and < 200 MiB peak RSS per scan"
exit 0
