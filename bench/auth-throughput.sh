#!/usr/bin/env bash
# auth-throughput.sh - the sender-authentication stage: messages per second
# of `mamori scan` with SPF, DKIM and DMARC evaluated against a DNS server
# on 127.0.0.1 (warm: the resolver's cache is shared by all scans of the
# process), and DKIM verifications per second of the verifier alone.
#
# The messages are real ones (the SpamAssassin train split, fetched by
# bench/scan-throughput.sh, which this script runs first if needed)
# re-signed with dkimpy as d=example.com, half rsa-sha256 (2048 bits), half
# ed25519-sha256; DNS data for example.com is served by
# tests/support/dnsserver.py.  No address outside 127.0.0.1 is contacted.
#
# Environment: N=1000 messages, RUNS=3, MAMORI=PATH (default build/mamori).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=$ROOT/bench/.cache
N=${N:-1000}
RUNS=${RUNS:-3}
NPROC=$(nproc)
say() { printf 'bench: %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }

if [[ ! -d $CACHE/corpus/train ]]; then
	say "no train corpus yet: running bench/scan-throughput.sh first (RUNS=1)"
	RUNS=1 bash "$ROOT/bench/scan-throughput.sh" >/dev/null
fi
MAMORI=${MAMORI:-$ROOT/build/mamori}
DRIVER=$(dirname "$MAMORI")/tests/dkim_driver
[[ -x $MAMORI ]] || die "$MAMORI missing: build first (scripts/demo.sh)"
[[ -x $DRIVER ]] || die "$DRIVER missing (the build's tests)"

auth=$CACHE/auth-$N
if [[ ! -f $auth/zone.json ]]; then
	say "signing $N messages with dkimpy into bench/.cache/auth-$N"
	rm -rf "$auth"
	/usr/bin/python3 "$ROOT/bench/make_auth_corpus.py" "$CACHE/corpus/train" "$auth" "$N" >/dev/null
fi
nmsg=$(find "$auth/msg" -type f | wc -l)

portfile=$(mktemp)
/usr/bin/python3 "$ROOT/tests/support/dnsserver.py" "$auth/zone.json" --timeout 900 \
	--port-file "$portfile" >/dev/null &
server=$!
trap 'kill $server 2>/dev/null; rm -f "$portfile"' EXIT
for _ in $(seq 50); do [[ -s $portfile ]] && break; sleep 0.1; done
port=$(cat "$portfile")
[[ -n $port ]] || die "dnsserver.py did not start"
export MAMORI_CONFIG=/dev/null

rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", (b - a) / 1e9 }'; }

env_args=(--ip 192.0.2.25 --helo mx.example.com --from bounce@example.com
	--rcpt user@example.jp --dns "127.0.0.1:$port")

# check once that authentication really ran and passed
out=$("$MAMORI" scan --json "${env_args[@]}" "$auth/msg/00000.eml" || true)
for s in SPF_PASS DKIM_PASS; do
	grep -q "\"$s\"" <<<"$out" || die "first message lacks $s: $out"
done

declare -A BEST
for j in 1 "$NPROC"; do
	best=0
	for ((i = 1; i <= RUNS; i++)); do
		t0=$(now)
		"$MAMORI" scan --json -j "$j" "${env_args[@]}" "$auth/msg" >/dev/null || true
		t1=$(now)
		r=$(rate "$nmsg" "$(secs "$t0" "$t1")")
		say "  scan with authentication -j $j run $i: $r msg/s"
		((r > best)) && best=$r
	done
	BEST[$j]=$best
done

dbest=0
for ((i = 1; i <= RUNS; i++)); do
	t0=$(now)
	"$DRIVER" "$auth/keys" --list <(find "$auth/msg" -type f | sort) >/dev/null
	t1=$(now)
	r=$(rate "$nmsg" "$(secs "$t0" "$t1")")
	say "  dkim_verify alone run $i: $r verifications/s"
	((r > dbest)) && dbest=$r
done

echo
printf '%-46s %10s\n' "authentication ($nmsg signed messages)" "best"
printf '%-46s %10s\n' "mamori scan --json, SPF+DKIM+DMARC, -j 1" "${BEST[1]} msg/s"
printf '%-46s %10s\n' "mamori scan --json, SPF+DKIM+DMARC, -j $NPROC" "${BEST[$NPROC]} msg/s"
printf '%-46s %10s\n' "DKIM verifications (rsa-2048 + ed25519), 1 core" "$dbest /s"
