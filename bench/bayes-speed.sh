#!/usr/bin/env bash
# bayes-speed.sh - what the spam classifier costs (issue 14): the CPU time a
# scan spends in it (the bayes module on against off, same binary, same
# state, runs interleaved), and how fast `mamori learn` learns, beside
# bogofilter's learning of the same messages in the same run.  See
# bench/README.md (bayes-speed.sh).
#
# usage: bash bench/bayes-speed.sh
# Environment:
#   RUNS=7          rounds (min and median reported)
#   SA_DATA=DIR     an unpacked package's data/ dir (skips npm)
#   MAMORI=PATH     the binary (default build/mamori)
#   BASE_CONF=FILE  configuration both arms share (default: none, the
#                   built-in one): e.g. spam.sa_rules, to measure the
#                   classifier where the rules render the text anyway
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=$ROOT/bench/.cache
RUNS=${RUNS:-7}
TIME=/usr/bin/time
say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

[[ -x $TIME ]] || die "$TIME missing (Debian package time)"
bench_corpus
bench_this_build
export MAMORI_CONFIG=/dev/null
work=$CACHE/bayes-speed
rm -rf "$work"
mkdir -p "$work"
tfile=$work/time
nspam=$(find "$corpus/spam" -type f | wc -l)
nham=$(find "$corpus/ham" -type f | wc -l)
n=$((nspam + nham))
# BASE_CONF: the rest of the configuration both arms share (e.g. the
# stock SpamAssassin rules of the shipped configuration, whose body rules
# read the rendered text too)
base=""
if [[ -n ${BASE_CONF:-} ]]; then
	[[ -r $BASE_CONF ]] || die "BASE_CONF=$BASE_CONF: not readable"
	base=$(cat "$BASE_CONF")
fi
printf '%s\nbayes = { enabled = false; };\n' "$base" >"$work/off.conf"
printf '%s\nbayes = { enabled = true; };\n' "$base" >"$work/on.conf"

# CPU seconds (user + system) of a command; exit 0 and 1 are verdicts
cpu() {
	"$TIME" -f '%U %S' -o "$tfile" "$@" >/dev/null 2>"$work/stderr" || (($? <= 1)) ||
		die "$* failed: $(head -c 300 "$work/stderr")"
	tail -n 1 "$tfile" | awk '{ printf "%.3f", $1 + $2 }'
}
median() { bench_median; }
minimum() { bench_minimum; }

# ---- learning: a fresh store each round, spam then ham, one core -------------
learn_rates=() bogo_rates=()
have_bogo=0
command -v bogofilter >/dev/null && have_bogo=1
for ((i = 1; i <= RUNS; i++)); do
	st=$work/state-$i
	mkdir -p "$st"
	a=$(cpu "$MAMORI" learn --state "$st" --spam "$corpus/spam")
	b=$(cpu "$MAMORI" learn --state "$st" --ham "$corpus/ham")
	r=$(awk -v n="$n" -v a="$a" -v b="$b" 'BEGIN { printf "%.0f", n / (a + b) }')
	learn_rates+=("$r")
	line="round $i: mamori learn $r msg/cpu-s"
	if ((have_bogo)); then
		bd=$work/bogo-$i
		mkdir -p "$bd"
		a=$(cpu sh -c "find '$corpus/spam' -type f | bogofilter -d '$bd' -s -b")
		b=$(cpu sh -c "find '$corpus/ham' -type f | bogofilter -d '$bd' -n -b")
		r=$(awk -v n="$n" -v a="$a" -v b="$b" 'BEGIN { printf "%.0f", n / (a + b) }')
		bogo_rates+=("$r")
		line+=", bogofilter $r msg/cpu-s"
		rm -rf "$bd"
	fi
	say "$line"
	((i == RUNS)) || rm -rf "$st"
done
state=$work/state-$RUNS

# ---- classification: the module on and off, interleaved, one core -------------
# Each run over the corpus is paired with a run over one message, whose CPU
# time (process start, configuration, the model's load from the store:
# what a daemon pays once, not per message) is subtracted: the figures are
# per message scanned after the first.
one=$(find "$corpus/ham" -type f | sort | sed -n 1p)
run_pair() { # conf -> "µs per message after the first" and the one-message CPU
	local all single
	all=$(cpu "$MAMORI" scan --json -j 1 -c "$1" --state "$state" "$corpus")
	single=$(cpu "$MAMORI" scan --json -j 1 -c "$1" --state "$state" "$one")
	awk -v t="$all" -v o="$single" -v n="$n" 'BEGIN { printf "%.1f %.3f\n", (t - o) * 1e6 / (n - 1), o }'
}
on=() off=() once_on=() once_off=()
for ((i = 1; i <= RUNS; i++)); do
	if ((i % 2)); then
		read -r x xo < <(run_pair "$work/on.conf")
		read -r y yo < <(run_pair "$work/off.conf")
	else
		read -r y yo < <(run_pair "$work/off.conf")
		read -r x xo < <(run_pair "$work/on.conf")
	fi
	on+=("$x") off+=("$y") once_on+=("$xo") once_off+=("$yo")
	say "round $i: scan with bayes $x µs cpu/msg, without $y µs cpu/msg (one message: $xo s and $yo s of CPU)"
done
# the added cost, round by round (the pair shares the machine's load)
added=()
for ((i = 0; i < RUNS; i++)); do
	added+=("$(awk -v a="${on[$i]}" -v b="${off[$i]}" 'BEGIN { printf "%.1f", a - b }')")
done

echo
echo "corpus: $corpus ($nspam spam, $nham ham; the model learned from it), $RUNS rounds, -j 1"
echo
printf '| %-34s | %10s | %10s |\n' "" min median
printf '|%s|%s|%s|\n' "------------------------------------" "------------" "------------"
bench_row 34 "mamori learn, msg per CPU-second" "${learn_rates[@]}"
((!have_bogo)) || bench_row 34 "bogofilter -s/-n -b, msg per CPU-s" "${bogo_rates[@]}"
bench_row 34 "scan, bayes on: µs CPU per msg" "${on[@]}"
bench_row 34 "scan, bayes off: µs CPU per msg" "${off[@]}"
bench_row 34 "added by the classifier: µs per msg" "${added[@]}"
loads=()
for ((i = 0; i < RUNS; i++)); do
	loads+=("$(awk -v a="${once_on[$i]}" -v b="${once_off[$i]}" 'BEGIN { printf "%.3f", a - b }')")
done
printf '| %-34s | %10s | %10s |\n' "once per process (model load): CPU s" \
	"$(printf '%s\n' "${loads[@]}" | minimum)" "$(printf '%s\n' "${loads[@]}" | median)"
# ---- the same in one process: bench/scan-ab.c scans every message with the
# module off and on, one right after the other, so that the machine's load
# hits both alike (separate runs over the corpus vary by more than the
# classifier costs on a shared host)
ab_med="" ab_min=""
if [[ $MAMORI == "$ROOT/build/mamori" ]] &&
	cmake --build "$ROOT/build" -j 2 --target bench_scan_ab >/dev/null 2>&1; then
	"$ROOT/build/bench_scan_ab" -q -r "$(((RUNS + 1) / 2 * 2))" -s "$state" "$work/off.conf" "$work/on.conf" \
		"$corpus" >"$work/ab.txt" || die "bench_scan_ab failed"
	read -r ab_min ab_med < <(awk '/^B - A:/ { print $4, $5 }' "$work/ab.txt")
	printf '| %-34s | %10s | %10s |\n' "added, pairs in one process: µs/msg" "$ab_min" "$ab_med"
else
	say "bench_scan_ab not built (MAMORI names another binary, or tests are off)"
fi
# ---- where the added time goes: bench/tokenize-speed.c on the same state -----
# (the families of the default configuration: bayes.features and lr_features)
if [[ $MAMORI == "$ROOT/build/mamori" ]] &&
	cmake --build "$ROOT/build" -j 2 --target bench_tokenize >/dev/null 2>&1; then
	echo "where it goes (bench_tokenize, µs CPU per message, $RUNS runs in one process):"
	"$ROOT/build/bench_tokenize" -r "$RUNS" -f 0x3b -s 0x84 -m "$state" "$corpus" | sed 's/^/  /'
else
	say "bench_tokenize not built (MAMORI names another binary, or tests are off): no breakdown"
fi
echo
med=$(printf '%s\n' "${added[@]}" | median)
[[ -z $ab_med ]] || med=$ab_med	# the pairs: the precise figure
lmed=$(printf '%s\n' "${learn_rates[@]}" | median)
say "target: classification adds <= 50 µs CPU per message: median $med: $(awk -v m="$med" 'BEGIN { print (m <= 50) ? "MET" : "NOT MET" }')"
say "target: learning >= 2000 msg/s on one core: median $lmed: $(awk -v m="$lmed" 'BEGIN { print (m >= 2000) ? "MET" : "NOT MET" }')"
