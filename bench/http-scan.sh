#!/usr/bin/env bash
# http-scan.sh - `POST /scan` throughput of `mamori serve`: wrk posts one
# fixed mail over CONNS connections for DURATION, and prints requests/s,
# latency p50/p99 and the server's RSS before and after.  Loopback only.
#
# Environment:
#   MAMORI=PATH      the binary (default build/mamori)
#   MAIL=FILE        the mail posted (default examples/01-*.eml)
#   DURATION=10s     wrk's -d
#   CONNS=16         wrk's -c (threads: min(CONNS, nproc))
#   THREADS=0        scan slots of the server (--threads; 0 = cores)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MAMORI=${MAMORI:-$ROOT/build/mamori}
MAIL=${MAIL:-$(ls "$ROOT"/examples/01-*.eml | head -1)}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-16}
THREADS=${THREADS:-0}

die() { printf 'bench: %s\n' "$*" >&2; exit 2; }
command -v wrk >/dev/null || die "wrk missing (scripts/install-deps.sh)"
[[ -x $MAMORI ]] || die "$MAMORI missing: build first"

tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
user=()
[[ $(id -u) == 0 ]] && { user=(--user nobody); chmod 755 "$tmp"; }
: > "$tmp/empty.conf"
"$MAMORI" serve --listen "127.0.0.1:$port" --config "$tmp/empty.conf" \
	--threads "$THREADS" "${user[@]}" 2> "$tmp/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do
	curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
	sleep 0.1
done
rss() { awk '/^VmRSS/ { print $2 " kB" }' /proc/$pid/status; }

# the body as a Lua string literal (every byte escaped)
python3 - "$MAIL" > "$tmp/post.lua" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
lit = "".join("\\%d" % b for b in data)
print('wrk.method = "POST"')
print('wrk.body = "%s"' % lit)
print('wrk.headers["X-Mamori-Mail-From"] = "bench@example.org"')
print('wrk.headers["X-Mamori-Rcpt"] = "user@example.com"')
print('function response(status, headers, body)')
print('  if status ~= 200 then errors = (errors or 0) + 1 end')
print('end')
print('done = function(summary, latency, requests)')
print('  io.write(string.format("requests/s %.1f\\n", summary.requests / (summary.duration / 1e6)))')
print('  io.write(string.format("latency p50 %.2f ms  p99 %.2f ms\\n",')
print('    latency:percentile(50) / 1000, latency:percentile(99) / 1000))')
print('  io.write(string.format("non-2xx %d  socket errors %d\\n", summary.errors.status,')
print('    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))')
print('end')
PY

nproc=$(nproc)
wt=$(( CONNS < nproc ? CONNS : nproc ))
printf 'mail %s (%d bytes), %s, %d connections, %d wrk threads\n' \
	"$(basename "$MAIL")" "$(stat -c %s "$MAIL")" "$DURATION" "$CONNS" "$wt"
printf 'RSS before: %s\n' "$(rss)"
wrk -t "$wt" -c "$CONNS" -d "$DURATION" -s "$tmp/post.lua" \
	"http://127.0.0.1:$port/scan" | grep -E '^(requests/s|latency|non-2xx)'
printf 'RSS after:  %s\n' "$(rss)"
curl -sf "http://127.0.0.1:$port/metrics" | grep -E '^mamori_messages_total' || true
