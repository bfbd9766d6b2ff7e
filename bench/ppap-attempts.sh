#!/usr/bin/env bash
# ppap-attempts.sh - how long one mail with an encrypted attachment and
# 1,000 candidate password strings in its body takes to scan (issue 7:
# under 1 s), and what one password trial costs per cipher.  A benchmark:
# it prints figures, it does not fail.
#
# For each archive kind (ZipCrypto by `zip -P`, WinZip AES-256 and 7z AES by
# `7z`) the body carries 1,000 "PW: xxxxxxxx" lines, none of them right:
#   defaults   the shipped limits (ppap.max_candidates 32, max_attempts
#              100, time_ms 500): what a gateway does
#   unbounded  the same 1,000 strings as ppap.passwords (discovery takes at
#              most 100 from one text), max_attempts 100000, time_ms
#              600000: all 1,000 tried, which gives the cost of one trial;
#              "right" puts the right password last.
#
# Environment: RUNS=3 (best of), MAMORI=PATH (default build/mamori, else a
# Release build in build-bench/).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3}

say() { printf 'bench: %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }
for t in zip 7z python3; do command -v $t >/dev/null || die "$t missing (scripts/install-deps.sh)"; done

MAMORI=${MAMORI:-$ROOT/build/mamori}
if [[ ! -x $MAMORI ]]; then
	say "building Release in build-bench/"
	cmake -S "$ROOT" -B "$ROOT/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$ROOT/build-bench" >/dev/null
	MAMORI=$ROOT/build-bench/mamori
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$ROOT/tests/data/maldocs/oletools/xlm/excel4_sample_macro.xls" "$work/invoice.xls"
PW='Right-0ne!'
(cd "$work" && zip -q -P "$PW" zipcrypto.zip invoice.xls &&
	7z a -bso0 -tzip -mem=AES256 -p"$PW" aes256.zip invoice.xls &&
	7z a -bso0 -p"$PW" aes.7z invoice.xls)
cat >"$work/defaults.conf" <<EOF
ppap = { dictionary = []; };
EOF

python3 - "$work" "$PW" <<'EOF'
import os, random, string, sys
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
work, right = sys.argv[1], sys.argv[2]
rnd = random.Random(7)
cands = ["".join(rnd.choice(string.ascii_letters + string.digits) for _ in range(10))
         for _ in range(1000)]
for tag, last in (("wrong", cands[-1]), ("right", right)):
    pw = ", ".join('"%s"' % c for c in cands[:-1] + [last])
    open(os.path.join(work, f"unbounded-{tag}.conf"), "w").write(
        "ppap = { dictionary = []; max_candidates = 0; max_attempts = 100000; "
        "time_ms = 600000; passwords = [%s]; };\nlimits = { scan_time_ms = 600000; };\n" % pw)
for arc in ("zipcrypto.zip", "aes256.zip", "aes.7z"):
    for tag, last in (("wrong", cands[-1]), ("right", right)):
        lines = [f"PW: {c}" for c in cands[:-1]] + [f"PW: {last}"]
        m = MIMEMultipart()
        m.attach(MIMEText("\n".join(lines) + "\n", "plain", "utf-8"))
        a = MIMEApplication(open(os.path.join(work, arc), "rb").read(), "octet-stream")
        a.add_header("Content-Disposition", "attachment", filename=arc)
        m.attach(a)
        m["From"] = "a@example.com"; m["To"] = "b@example.org"; m["Subject"] = "PPAP"
        open(os.path.join(work, f"{arc}.{tag}.eml"), "wb").write(m.as_bytes())
EOF

# best wall time of RUNS scans, and the report's verdict
measure() { # conf eml
	local best=999999 out ms
	for ((i = 0; i < RUNS; i++)); do
		local t0=$(date +%s%N)
		out=$("$MAMORI" scan --config "$1" --json "$2" || true)
		local t1=$(date +%s%N)
		ms=$(((t1 - t0) / 1000000))
		((ms < best)) && best=$ms
	done
	local what
	what=$(printf '%s' "$out" | python3 -c '
import json, sys
r = json.load(sys.stdin); s = r["symbols"]
lim = [o for o in s.get("SCAN_LIMIT_EXCEEDED", {}).get("options", []) if "ppap" in o]
print(r["action"], "decrypted" if "PPAP_DECRYPTED" in s else "closed",
      ("limit " + lim[0]) if lim else "")')
	printf '%-20s %-16s %6d ms  %s\n' "$(basename "$2" .eml)" "$(basename "$1" .conf)" "$best" "$what"
}

say "one mail, 1,000 candidate strings in the body ($RUNS runs, best)"
for arc in zipcrypto.zip aes256.zip aes.7z; do
	measure "$work/defaults.conf" "$work/$arc.wrong.eml"
	measure "$work/unbounded-wrong.conf" "$work/$arc.wrong.eml"
	measure "$work/unbounded-right.conf" "$work/$arc.wrong.eml"
done
