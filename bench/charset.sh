#!/usr/bin/env bash
# charset.sh - CPU time per message of `mamori scan` on Japanese mail
# (ISO-2022-JP, Shift_JIS, EUC-JP), this tree against a baseline revision
# built in the same run, runs interleaved.  See bench/README.md.
#
# usage: bash bench/charset.sh [BASE_REV]
#   BASE_REV   the revision to compare with (default: the parent of the
#              commit that added src/mime/iconv_cache.c, i.e. before
#              converters were cached)
# Environment:
#   RUNS=7        timed runs per (mail, binary)
#   N=2000        messages per run (the same mail given N times)
#   MAMORI=PATH   the binary to measure (default build/mamori, built as
#                 Release when missing)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=$ROOT/bench/.cache/charset
RUNS=${RUNS:-7}
N=${N:-2000}

say() { printf 'bench: %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

mkdir -p "$CACHE"

# ---- the two binaries -----------------------------------------------------
BASE=${1:-}
if [[ -z $BASE ]]; then
	added=$(git -C "$ROOT" log --diff-filter=A --format=%H -- src/mime/iconv_cache.c | tail -n 1)
	[[ -n $added ]] || die "no commit adds src/mime/iconv_cache.c: give BASE_REV"
	BASE=$added^
fi
bench_baseline "$BASE" "$CACHE"
bench_this_build
# the built-in defaults, whatever /etc or the caller's environment say
export MAMORI_CONFIG=/dev/null

# ---- the mail -------------------------------------------------------------
mail=$CACHE/mail
python3 "$ROOT/bench/make_charset_mail.py" "$mail"
cp "$ROOT/examples/01-iso2022jp-business.eml" "$mail/example-01-iso-2022-jp.eml"
mails=("$mail/iso-2022-jp.eml" "$mail/shift_jis.eml" "$mail/euc-jp.eml" "$mail/example-01-iso-2022-jp.eml")

# Both binaries must read the mail alike: `mamori dump` (decoded headers,
# text, defects) byte for byte.
for m in "${mails[@]}"; do
	if ! cmp -s <("$BASE_BIN" dump "$m") <("$MAMORI" dump "$m"); then
		die "$(basename "$m"): mamori dump differs between the baseline and this tree"
	fi
done

# ---- timing ---------------------------------------------------------------
tfile=$(mktemp)
trap 'rm -f "$tfile"' EXIT
# CPU (user + system seconds) of one `mamori scan -j 1` over args, from
# the child's rusage in microseconds (/usr/bin/time prints centiseconds)
cpu_of() {
	local bin=$1 rc=0
	shift
	python3 - "$tfile" "$bin" scan -j 1 "$@" <<'PY' || rc=$?
import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:], stdout=subprocess.DEVNULL)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.6f\n" % (ru.ru_utime + ru.ru_stime))
sys.exit(rc)
PY
	((rc <= 1)) || die "$bin scan failed with exit $rc"
	cat "$tfile"
}
# "min median" of a blank-separated list of numbers
min_median() {
	tr ' ' '\n' <<<"$1" | grep . | sort -g |
		awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print v[1], m }'
}

say "baseline: $BASE_BIN (${base_sha:0:12})"
say "this:     $MAMORI ($(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src || echo ', modified'))"
say "$N messages per run, $RUNS runs per (mail, binary), interleaved; CPU = user + sys of the process"
say "per message = (CPU of N messages - CPU of 1 message) / (N - 1): start-up excluded"

declare -A SAMPLES
for ((r = 1; r <= RUNS; r++)); do
	for m in "${mails[@]}"; do
		args=()
		for ((i = 0; i < N; i++)); do args+=("$m"); done
		for which in base this; do
			bin=$BASE_BIN
			[[ $which == this ]] && bin=$MAMORI
			one=$(cpu_of "$bin" "$m")
			all=$(cpu_of "$bin" "${args[@]}")
			us=$(awk -v a="$all" -v o="$one" -v n="$N" 'BEGIN { printf "%.1f", (a - o) * 1e6 / (n - 1) }')
			SAMPLES[$m,$which]+="$us "
			say "  run $r $(basename "$m") $which: ${all}s cpu for $N, ${one}s for 1: $us us/msg"
		done
	done
done

echo
printf '%-30s %12s %12s %12s %12s %9s\n' "CPU us per message (-j 1)" "base min" "base median" "this min" "this median" "speed-up"
for m in "${mails[@]}"; do
	read -r bmin bmed < <(min_median "${SAMPLES[$m,base]}")
	read -r tmin tmed < <(min_median "${SAMPLES[$m,this]}")
	printf '%-30s %12s %12s %12s %12s %8.2fx\n' "$(basename "$m" .eml)" "$bmin" "$bmed" "$tmin" "$tmed" \
		"$(awk -v a="$bmed" -v b="$tmed" 'BEGIN { print (b > 0) ? a / b : 0 }')"
done
