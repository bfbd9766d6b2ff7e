#!/usr/bin/env bash
# demo.sh - install what is needed, build mamori (Release, in build/) and
# scan the example messages in examples/.
#
# Exit status: 0 when the scan ran.  The scan itself exits 1 when some
# example was not accepted, which is expected (some examples are meant to
# be caught); only a scan error (exit 2 or worse) fails this script.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

section() { printf '\n==== %s ====\n' "$*"; }

section "dependencies (scripts/install-deps.sh)"
bash scripts/install-deps.sh

section "configure and build: Release in build/"
gen=(-G Ninja)
# an existing build/ keeps the generator it was made with
if [[ -f build/CMakeCache.txt ]]; then
	gen=()
fi
cmake -S . -B build "${gen[@]}" -DCMAKE_BUILD_TYPE=Release
cmake --build build

section "build/mamori scan examples/*.eml examples/*.mbox"
rc=0
# the mails only: examples/ also holds their generator and a README
build/mamori scan examples/*.eml examples/*.mbox || rc=$?
((rc <= 1)) || { echo "demo: scan FAILED (exit $rc)" >&2; exit "$rc"; }

# Sender authentication needs the SMTP envelope and DNS: each mail in
# examples/auth/ is scanned with the envelope in its .args file, against
# examples/auth/zone.json served by the project's test DNS server on
# 127.0.0.1 (nothing outside this machine is asked).
section "sender authentication: examples/auth/ with their SMTP envelopes"
portfile=$(mktemp)
/usr/bin/python3 tests/support/dnsserver.py examples/auth/zone.json --timeout 120 \
	--port-file "$portfile" >/dev/null &
dns_pid=$!
trap 'kill $dns_pid 2>/dev/null; rm -f "$portfile"' EXIT
for _ in $(seq 50); do [[ -s $portfile ]] && break; sleep 0.1; done
[[ -s $portfile ]] || { echo "demo: the test DNS server did not start" >&2; exit 2; }
for m in examples/auth/*.eml; do
	read -r -a envelope <"${m%.eml}.args"
	echo "\$ mamori scan ${envelope[*]} --dns 127.0.0.1:PORT $m"
	arc=0
	build/mamori scan "${envelope[@]}" --dns "127.0.0.1:$(cat "$portfile")" "$m" || arc=$?
	((arc <= 1)) || { echo "demo: scan FAILED (exit $arc)" >&2; exit "$arc"; }
	((arc > rc)) && rc=$arc
done

# DNS blocklists (examples/dnsbl/dnsbl.conf): zen.dnsbl.example, served
# from examples/dnsbl/zone.json by the same test DNS server, lists the
# sender of 01 and the hop before our own relay in 02.
section "DNS blocklists: examples/dnsbl/ (docs/spam.md, DNS blocklists)"
bl_portfile=$(mktemp)
/usr/bin/python3 tests/support/dnsserver.py examples/dnsbl/zone.json --timeout 120 \
	--port-file "$bl_portfile" >/dev/null &
bl_pid=$!
trap 'kill $dns_pid $bl_pid 2>/dev/null; rm -f "$portfile" "$bl_portfile"' EXIT
for _ in $(seq 50); do [[ -s $bl_portfile ]] && break; sleep 0.1; done
[[ -s $bl_portfile ]] || { echo "demo: the test DNS server did not start" >&2; exit 2; }
for m in examples/dnsbl/*.eml; do
	read -r -a envelope <"${m%.eml}.args"
	echo "\$ mamori scan -c examples/dnsbl/dnsbl.conf ${envelope[*]} --dns 127.0.0.1:PORT $m"
	brc=0
	build/mamori scan -c examples/dnsbl/dnsbl.conf "${envelope[@]}" \
		--dns "127.0.0.1:$(cat "$bl_portfile")" "$m" || brc=$?
	((brc <= 1)) || { echo "demo: scan FAILED (exit $brc)" >&2; exit "$brc"; }
	((brc > rc)) && rc=$brc
done
kill $bl_pid 2>/dev/null
rm -f "$bl_portfile"
trap 'kill $dns_pid 2>/dev/null; rm -f "$portfile"' EXIT

section "attachments and documents: examples/objects/ and examples/documents/"
orc=0
build/mamori scan examples/objects/*.eml examples/documents/*.eml || orc=$?
((orc <= 1)) || { echo "demo: scan FAILED (exit $orc)" >&2; exit "$orc"; }
((orc > rc)) && rc=$orc

# The static sandbox: droppers whose URL or command is hidden (Chr() codes,
# String.fromCharCode, reversed strings, an encoded PowerShell command)
# folded back, and an ordinary admin script that has nothing to hide.
section "static sandbox: examples/sandbox/ (docs/documents.md, the static sandbox)"
src=0
echo "\$ mamori scan examples/sandbox/*.eml"
build/mamori scan examples/sandbox/*.eml || src=$?
((src <= 1)) || { echo "demo: scan FAILED (exit $src)" >&2; exit "$src"; }
((src > rc)) && rc=$src

# Document formats droppers use besides .docm and .xls: an .xlsb's hidden
# Excel 4.0 sheet, SYLK, a macro sheet building its URL with FORMULA and
# CHAR, Word 2003 XML and MHT carrying an ActiveMime macro, an .odt macro
# run on open, a presentation's mouse-over program, a URL hidden in a
# UserForm, a stomped VBA project, a DOSfuscated batch file.
section "document formats: examples/formats/ (docs/documents.md)"
frc=0
echo "\$ mamori scan examples/formats/*.eml"
build/mamori scan examples/formats/*.eml || frc=$?
((frc <= 1)) || { echo "demo: scan FAILED (exit $frc)" >&2; exit "$frc"; }
((frc > rc)) && rc=$frc

# PPAP: encrypted ZIP/7z with the password in the body (decrypted and
# scanned), one whose password comes separately (held), and the password
# mail; the two-mail flow itself runs in the milter (ctest e2e.ppap).
# Every link of the body and of the attachments, Safe Links and URL Defense
# unwrapped (no URL is fetched, no DNS list configured: nothing leaves the
# machine).
section "URLs: examples/urls/ (docs/urls.md)"
urc=0
build/mamori scan examples/urls/*.eml || urc=$?
((urc <= 1)) || { echo "demo: scan FAILED (exit $urc)" >&2; exit "$urc"; }

# Impersonation (examples/bec/bec.conf names a VIP and the protected
# domains): a hijacked reply, the real correspondent's reply, CEO fraud,
# a partner's look-alike domain, the VIP posting to a mailing list; then,
# with a state directory, a colleague's mail and her name from outside.
section "impersonation and BEC: examples/bec/ (docs/bec.md)"
bec_rc=0
echo "\$ mamori scan -c examples/bec/bec.conf examples/bec/*.eml"
build/mamori scan -c examples/bec/bec.conf examples/bec/*.eml || bec_rc=$?
((bec_rc <= 1)) || { echo "demo: scan FAILED (exit $bec_rc)" >&2; exit "$bec_rc"; }
bec_state=$(mktemp -d)
for m in examples/bec/history/01-colleague.eml examples/bec/history/02-colleague-name-outside.eml; do
	echo "\$ mamori scan -c examples/bec/bec.conf --state STATE $m"
	build/mamori scan -c examples/bec/bec.conf --state "$bec_state" "$m" || bec_rc=$?
	((bec_rc <= 1)) || { rm -rf "$bec_state"; echo "demo: scan FAILED (exit $bec_rc)" >&2; exit "$bec_rc"; }
done
rm -rf "$bec_state"

section "PPAP: password-protected archives (examples/ppap/, docs/ppap.md)"
prc=0
build/mamori scan examples/ppap/*.eml || prc=$?
((prc <= 1)) || { echo "demo: scan FAILED (exit $prc)" >&2; exit "$prc"; }
((prc > rc)) && rc=$prc

# The spam classifier learns from the operator's mail (docs/spam.md).  The
# demo teaches it 40 Japanese spam and 40 ham mails written by
# tests/support/make_ja_mail.py into a fresh state directory (the
# configuration lowers bayes.min_learned from 200 to 20 for so few), then
# scans examples/spam/, which it has not seen.
section "spam classifier: mamori learn, then examples/spam/ (docs/spam.md)"
learn=$(mktemp -d)
python3 tests/support/make_ja_mail.py "$learn/mail" --seed 1 --spam 40 --ham 40
printf 'bayes = { min_learned = 20; };\n' >"$learn/demo.conf"
mkdir "$learn/state"
for class in spam ham; do
	echo "\$ mamori learn --$class --state STATE $class/"
	build/mamori learn --config "$learn/demo.conf" --state "$learn/state" --$class "$learn/mail/$class"
done
echo "\$ mamori scan --state STATE examples/spam/*.eml"
src=0
build/mamori scan --config "$learn/demo.conf" --state "$learn/state" examples/spam/*.eml || src=$?
rm -rf "$learn"
((src <= 1)) || { echo "demo: scan FAILED (exit $src)" >&2; exit "$src"; }
((src > rc)) && rc=$src

# SpamAssassin's rule files (docs/spam.md, "Rule files"): Debian's stock
# rules (installed by install-deps.sh as the differential test's peer)
# and a local file, examples/sa-rules/local.cf, with two rules of its own
# and a stock rule's score changed.  The first run compiles the patterns
# (about 30 s of CPU) into a cache; later runs read it.
section "SpamAssassin rule files: the stock rules and examples/sa-rules/local.cf"
sarc=0
printf 'spam = { sa_rules = ["/usr/share/spamassassin", "%s/examples/sa-rules/local.cf"];\n  cache_dir = "%s/build/sa-cache"; };\n' \
	"$PWD" "$PWD" >build/sa-demo.conf
echo "\$ mamori check-config (spam.sa_rules: /usr/share/spamassassin, examples/sa-rules/local.cf)"
build/mamori check-config build/sa-demo.conf | grep -E '^spam: (SpamAssassin|in use|body|[0-9]+ pattern)' || sarc=2
echo "\$ mamori scan examples/sa-rules/*.eml"
build/mamori scan --config build/sa-demo.conf examples/sa-rules/*.eml || sarc=$?
((sarc <= 1)) || { echo "demo: scan FAILED (exit $sarc)" >&2; exit "$sarc"; }
((sarc > rc)) && rc=$sarc

section "a 500 MB zero-padded Emotet-style document in a 525 KB ZIP"
work=$(mktemp -d)
trap 'kill $dns_pid 2>/dev/null; rm -rf "$portfile" "$work"' EXIT
python3 tests/support/make_fixtures.py -q --big "$work" --only padded_ole_zeros
ls -l "$work"/*.zip
prc=0
/usr/bin/time -f "scanned in %e s, peak RSS %M KB" build/mamori scan "$work/padded_ole_zeros.eml" || prc=$?
((prc <= 1)) || { echo "demo: scan FAILED (exit $prc)" >&2; exit "$prc"; }

section "clamd: clamav-testfiles through a real clamd (tests/support/clamd.py)"
if [[ -x /usr/sbin/clamd && -d /usr/share/clamav-testfiles ]]; then
	for f in clam.zip clam.cab clam.7z clam.tar.gz; do
		python3 - "$f" "$work/$f.eml" <<'PY'
import base64, sys
name, out = sys.argv[1], sys.argv[2]
data = open("/usr/share/clamav-testfiles/" + name, "rb").read()
open(out, "w").write(
    "From: a@example.com\nTo: b@example.jp\nSubject: " + name + "\n"
    "Date: Fri, 20 Nov 2026 09:30:00 +0900\nMessage-ID: <" + name + "@example.com>\n"
    "MIME-Version: 1.0\nContent-Type: application/octet-stream; name=" + name + "\n"
    "Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(data).decode())
PY
	done
	crc=0
	/usr/bin/python3 tests/support/clamd.py -- bash -c \
		'printf "clamd = { socket = \"%s\"; send = [\"objects\"]; };\n" "$MAMORI_CLAMD_SOCKET" >"$0/clamd.conf" &&
		 build/mamori scan --config "$0/clamd.conf" "$0"/clam.*.eml; r=$?; ((r <= 1))' "$work" || crc=$?
	((crc == 0)) || { echo "demo: scan FAILED (exit $crc)" >&2; exit "$crc"; }
	rc=1	# AV_VIRUS: rejected
else
	echo "(clamd or clamav-testfiles not installed: skipped)"
fi

section "the HTTP API: mamori serve on 127.0.0.1 (docs/api.md)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
servelog="$work/serve.log"
srv_user=()
((EUID == 0)) && srv_user=(--user nobody)
build/mamori serve --listen "127.0.0.1:$port" "${srv_user[@]}" 2>"$servelog" &
srv_pid=$!
trap 'kill $dns_pid $srv_pid 2>/dev/null; rm -rf "$portfile" "$work"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
echo "\$ curl http://127.0.0.1:$port/health"
curl -fsS "http://127.0.0.1:$port/health"; echo
for m in examples/01-iso2022jp-business.eml examples/documents/06-powershell-shortcut.eml; do
	echo "\$ curl --data-binary @$m http://127.0.0.1:$port/scan"
	curl -fsS --data-binary "@$m" -H "X-Mamori-Source: $m" \
		"http://127.0.0.1:$port/scan" | python3 -c 'import json, sys
r = json.load(sys.stdin)
print("  action:", r["action"], " score:", r["score"], " symbols:", " ".join(sorted(r["symbols"])))'
done
echo "\$ curl http://127.0.0.1:$port/metrics | grep mamori_messages_total"
curl -fsS "http://127.0.0.1:$port/metrics" | grep '^mamori_messages_total'
kill "$srv_pid" 2>/dev/null; wait "$srv_pid" 2>/dev/null || true

echo
case $rc in
0) echo "demo: scan done: every example accepted (exit 0)" ;;
*) echo "demo: scan done: some examples were not accepted (expected)" ;;
esac
