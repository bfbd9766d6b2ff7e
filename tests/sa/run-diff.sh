#!/usr/bin/env bash
# run-diff.sh - issue 15's differential test: the SpamAssassin rules that
# fire in mamori against those that fire in SpamAssassin itself, on N
# messages of the corpus's train split.  See tests/sa/README.md.
#
# usage: tests/sa/run-diff.sh               mamori against SpamAssassin
#        tests/sa/run-diff.sh --self-test   the harness against itself (no
#             mamori): SpamAssassin against a second run of itself (must
#             agree on every pair), against a copy with one rule's hits
#             dropped (must fail), and its Perl API against `spamassassin
#             -t` on SELF_CLI messages (same named rules), and this
#             script's mamori path with tests/sa/fake_mamori.py replaying
#             SpamAssassin's hits as mamori's reports (pass, then fail
#             with one rule dropped)
# Environment:
#   N=1000            messages (half spam, as far as the split has them;
#                     each class's files sorted by name, N spread evenly)
#   MAMORI=PATH       the binary (default build/mamori)
#   SA_RULES_DIR=DIR  the rule files, for both (default /usr/share/spamassassin)
#   CORPUS=DIR        the train split (DIR/ham, DIR/spam; default
#                     bench/.cache/corpus/train, fetched by bench/lib.sh)
#   MAMORI_RULES=FILE mamori's loaded rules, a name a line (compare_hits.py
#                     --rules); by default what `mamori check-config --rules`
#                     says is in use
#   JOBS=2            SpamAssassin processes and mamori threads
#   THRESHOLD=0.99    the agreement required (pooled and per rule)
#   KNOWN=FILE        known differences (default tests/sa/known-differences.tsv)
#   WORK=DIR          scratch and cache (default bench/.cache/sa-diff)
#   SELF_CLI=20       messages checked with `spamassassin -t` in --self-test
#
# The test split is never read: CORPUS must be a train split (a path with
# a "test" component is refused).  SpamAssassin runs in a network namespace
# of its own when permitted (unshare -n), local tests only in any case, with
# a private HOME, Debian's plugin list (/etc/spamassassin/*.pre) and no
# Bayes.  Its results are cached in WORK, keyed by the messages, the rules,
# the site configuration, SpamAssassin's version and sa_hits.pl.
# Exit status: 0 agreement, 1 disagreement, 2 error, 77 skipped (no
# SpamAssassin, no corpus, or a mamori without spam.sa_rules).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
N=${N:-1000}
JOBS=${JOBS:-2}
THRESHOLD=${THRESHOLD:-0.99}
SA_RULES_DIR=${SA_RULES_DIR:-/usr/share/spamassassin}
KNOWN=${KNOWN:-$HERE/known-differences.tsv}
WORK=${WORK:-$ROOT/bench/.cache/sa-diff}
SELF_CLI=${SELF_CLI:-20}
export LC_ALL=C

say() { printf 'sa-diff: %s\n' "$*" >&2; }
die() { printf 'sa-diff: %s\n' "$*" >&2; exit 2; }
skip() { printf 'sa-diff: SKIP: %s\n' "$*" >&2; exit 77; }

self=0
case ${1:-} in
'') ;;
--self-test) self=1 ;;
-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
*) die "unknown argument $1 (--help)" ;;
esac
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer"
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "JOBS must be a positive integer"
[[ -d $SA_RULES_DIR || -f $SA_RULES_DIR ]] || skip "no rules at $SA_RULES_DIR"

# ---- the peers ------------------------------------------------------------
perl -MMail::SpamAssassin -e 1 2>/dev/null ||
	skip "SpamAssassin's Perl modules missing (apt-get install spamassassin)"
sa_version=$(perl -MMail::SpamAssassin -e 'print Mail::SpamAssassin::Version()')
mkdir -p "$WORK"
mconf=$WORK/mamori.conf
if ((self == 0)); then
	MAMORI=${MAMORI:-$ROOT/build/mamori}
	[[ -x $MAMORI ]] || die "$MAMORI missing (build it, or MAMORI=PATH)"
	# before the long part: a mamori without the SpamAssassin rules is skipped
	# score set 0 (plain), as SpamAssassin runs here (no network, no Bayes)
	printf 'spam = { sa_rules = ["%s"]; score_set = "plain"; cache_dir = "%s"; };\n' "$SA_RULES_DIR" "$WORK/hsdb" >"$mconf"
	if ! out=$("$MAMORI" check-config --rules "$mconf" 2>&1); then
		if grep -Eq 'unknown (section spam|key spam\.sa_rules)' <<<"$out"; then
			skip "$MAMORI does not load SpamAssassin rules (spam.sa_rules): $out"
		fi
		die "mamori check-config $mconf: $out"
	fi
	# the rules mamori has in use (check-config --rules: "spam: rule NAME TYPE")
	# (none from a stand-in such as fake_mamori.py: then every rule that fired)
	if [[ -z ${MAMORI_RULES:-} ]] && grep -q '^spam: rule ' <<<"$out"; then
		MAMORI_RULES=$WORK/mamori-rules.txt
		awk '$1 == "spam:" && $2 == "rule" { print $3 }' <<<"$out" >"$MAMORI_RULES"
	fi
fi

# ---- the messages ---------------------------------------------------------
if [[ -z ${CORPUS:-} ]]; then
	corpus=$ROOT/bench/.cache/corpus/train
	if [[ ! -d $corpus/ham || ! -d $corpus/spam ]]; then
		# bench_corpus fetches with npm: skipped when it cannot
		(
			# shellcheck source=bench/lib.sh
			. "$ROOT/bench/lib.sh"
			bench_corpus
		) || skip "the train split is missing and could not be fetched (bench/lib.sh bench_corpus)"
	fi
else
	corpus=$(realpath "$CORPUS") 2>/dev/null || skip "CORPUS=$CORPUS missing"
fi
case /$corpus/ in */test/* | */corpus-full/test*) die "$corpus: the test split is held out" ;; esac
[[ -d $corpus/ham && -d $corpus/spam ]] || skip "$corpus/{ham,spam} missing"

mkdir -p "$WORK"
list=$WORK/messages.txt
# each class sorted by name, K of it spread evenly (every group of the
# split is represented, not only its first: easy-ham-1 fills the first 2,500)
python3 - "$corpus" "$N" >"$list" <<'EOF' || die "not enough messages in $corpus"
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
cls = {c: sorted(f for f in os.listdir(os.path.join(root, c))
                 if not f.startswith('.') and os.path.isfile(os.path.join(root, c, f)))
       for c in ('ham', 'spam')}
k_spam = min(len(cls['spam']), n // 2)
k_ham = n - k_spam
if k_ham > len(cls['ham']):
    sys.exit(1)
for c, k in (('ham', k_ham), ('spam', k_spam)):
    names = cls[c]
    for i in range(k):
        print(os.path.join(root, c, names[i * len(names) // k]))
EOF
say "$(grep -c /ham/ "$list") ham and $(grep -c /spam/ "$list") spam of $corpus"

# ---- SpamAssassin ----------------------------------------------------------
nonet=()
if unshare -n true 2>/dev/null; then nonet=(unshare -n); fi

site=$WORK/site home=$WORK/home
bash "$HERE/make-site.sh" "$site" "$home"

sa_hits=(env HOME="$home" "${nonet[@]}" perl "$HERE/sa_hits.pl" --site "$site"
	--rules "$SA_RULES_DIR")
key=$({
	echo "$sa_version"
	cat "$list" "$HERE/sa_hits.pl" "$site"/*
	find "$SA_RULES_DIR" -type f -print0 | sort -z | xargs -0 sha256sum
} | sha256sum | cut -c1-16)
sa_out=$WORK/sa-$key.jsonl sa_rules=$WORK/sa-rules-$key.tsv
if [[ ! -s $sa_rules ]]; then
	"${sa_hits[@]}" --list-rules >"$sa_rules.tmp" || die "sa_hits.pl --list-rules failed"
	mv "$sa_rules.tmp" "$sa_rules"
fi
if [[ ! -s $sa_out ]]; then
	say "SpamAssassin $sa_version: $N messages, $JOBS processes"
	t0=$EPOCHREALTIME
	"${sa_hits[@]}" --jobs "$JOBS" --files-from "$list" >"$sa_out.tmp" ||
		die "sa_hits.pl failed"
	mv "$sa_out.tmp" "$sa_out"
	say "SpamAssassin took $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
else
	say "SpamAssassin's hits from the cache: ${sa_out#"$ROOT"/}"
fi
python3 - "$sa_out" "$sa_rules" <<'EOF' >&2
import json, statistics, sys, collections
cpu = [json.loads(l)['cpu_ms'] for l in open(sys.argv[1])]
cpu.sort()
print(f'sa-diff: SpamAssassin CPU per message: mean {statistics.mean(cpu):.1f} ms, '
      f'median {statistics.median(cpu):.1f}, p95 {cpu[int(0.95 * (len(cpu) - 1))]:.1f}, '
      f'max {cpu[-1]:.1f} (sa_hits.pl, parse + check)')
c = collections.Counter()
for line in open(sys.argv[2]):
    p = line.rstrip('\n').split('\t')
    c[(p[1], p[2])] += 1
print('sa-diff: rules defined: ' + ', '.join(f'{t} {k} {n}' for (t, k), n in sorted(c.items())))
EOF

compare=(python3 "$HERE/compare_hits.py" --sa-rules "$sa_rules" --threshold "$THRESHOLD"
	--per-rule "$WORK/per-rule.tsv")

# ---- self-test -------------------------------------------------------------
if ((self)); then
	fails=0
	# 1. a second run, one process (other message order per process: also
	#    catches state carried from one message to the next)
	say "self-test 1: SpamAssassin against a second run of itself (1 process)"
	"${sa_hits[@]}" --jobs 1 --files-from "$list" >"$WORK/self-b.jsonl" || die "sa_hits.pl failed"
	"${compare[@]}" "$sa_out" "$WORK/self-b.jsonl" >"$WORK/self-1.txt" || true
	if grep -q '^PASS$' "$WORK/self-1.txt" && grep -q 'disagreeing 0,' "$WORK/self-1.txt"; then
		say "  ok: $(grep '^pairs' "$WORK/self-1.txt")"
	else
		say "  FAILED: two SpamAssassin runs differ:"; cat "$WORK/self-1.txt" >&2; fails=1
	fi
	# 2. one rule's hits dropped: the most frequent compared rule
	victim=$(awk -F'\t' 'NR > 1 && $5 > 0 { print $5 "\t" $1 }' "$WORK/per-rule.tsv" |
		sort -k1,1nr -k2,2 | awk -F'\t' 'NR == 1 { print $2 }')
	[[ -n $victim ]] || die "no rule fired"
	say "self-test 2: $victim's hits dropped from the second side (must fail)"
	python3 - "$WORK/self-b.jsonl" "$victim" >"$WORK/self-perturbed.jsonl" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    r['hits'].pop(sys.argv[2], None)
    print(json.dumps(r, sort_keys=True))
EOF
	set +e
	"${compare[@]}" --per-rule /dev/null "$sa_out" "$WORK/self-perturbed.jsonl" >"$WORK/self-2.txt"
	rc=$?
	set -e
	if ((rc == 1)) && grep -q "FAIL: .*$victim" "$WORK/self-2.txt"; then
		say "  ok: exit 1, $(grep '^FAIL' "$WORK/self-2.txt" | cut -c1-160)"
	else
		say "  FAILED: exit $rc, the perturbation went unnoticed:"; cat "$WORK/self-2.txt" >&2; fails=1
	fi
	# 3. the Perl API as sa_hits.pl drives it against the command line
	say "self-test 3: sa_hits.pl against \`spamassassin -t\` on $SELF_CLI messages"
	# spread over the list: ham and spam
	awk -v n="$(wc -l <"$list")" -v k="$SELF_CLI" 'int((NR - 1) * k / n) != int(NR * k / n)' \
		"$list" >"$WORK/cli-list.txt"
	: >"$WORK/cli.jsonl"
	while IFS= read -r f; do
		env HOME="$home" "${nonet[@]}" spamassassin -L -t -x --siteconfigpath "$site" \
			-C "$SA_RULES_DIR" -p "$home/user_prefs" <"$f" >"$WORK/cli.out" 2>>"$WORK/cli.log" ||
			die "spamassassin -t failed on $f ($WORK/cli.log)"
		python3 "$HERE/status_hits.py" "$f" "$WORK/cli.out" >>"$WORK/cli.jsonl" ||
			die "no X-Spam-Status for $f"
	done <"$WORK/cli-list.txt"
	# sa_hits.pl's named rules (the CLI lists no sub-rules) on those messages
	python3 - "$sa_out" "$WORK/cli-list.txt" >"$WORK/api-named.jsonl" <<'EOF'
import json, sys
want = set(l.strip() for l in open(sys.argv[2]))
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r['file'] in want:
        print(json.dumps({'file': r['file'], 'hits': {k: v for k, v in r['hits'].items()
                                                      if not k.startswith('__')}}))
EOF
	if cmp -s <(python3 -c 'import json,sys
for l in open(sys.argv[1]): r=json.loads(l); print(r["file"], " ".join(sorted(r["hits"])))' "$WORK/cli.jsonl" | sort) \
		<(python3 -c 'import json,sys
for l in open(sys.argv[1]): r=json.loads(l); print(r["file"], " ".join(sorted(r["hits"])))' "$WORK/api-named.jsonl" | sort); then
		say "  ok: the same named rules on all $SELF_CLI messages ($(python3 -c 'import json,sys
print(sum(len(json.loads(l)["hits"]) for l in open(sys.argv[1])))' "$WORK/cli.jsonl") hits)"
	else
		say "  FAILED: the CLI and the API differ:"
		"${compare[@]}" --per-rule /dev/null "$WORK/api-named.jsonl" "$WORK/cli.jsonl" >&2 || true
		fails=1
	fi
	# 4. run-diff.sh's own mamori path, with fake_mamori.py replaying
	#    SpamAssassin's hits as mamori's reports: must pass, and fail with a
	#    rule dropped
	say "self-test 4: the mamori path with SpamAssassin's hits replayed (fake_mamori.py)"
	fake=(env -u MAMORI_RULES MAMORI="$HERE/fake_mamori.py" FAKE_SA_HITS="$sa_out" KNOWN=/dev/null
		N="$N" WORK="$WORK" SA_RULES_DIR="$SA_RULES_DIR" CORPUS="$corpus" bash "$0")
	set +e
	"${fake[@]}" >"$WORK/self-4a.txt" 2>&1
	rc_a=$?
	FAKE_DROP=$victim "${fake[@]}" >"$WORK/self-4b.txt" 2>&1
	rc_b=$?
	set -e
	if ((rc_a == 0 && rc_b == 1)) && grep -q "disagreeing 0," "$WORK/self-4a.txt" &&
		grep -q "FAIL: .*$victim" "$WORK/self-4b.txt"; then
		say "  ok: replayed exit 0, with $victim dropped exit 1"
	else
		say "  FAILED: replayed exit $rc_a, dropped exit $rc_b:"
		cat "$WORK/self-4a.txt" "$WORK/self-4b.txt" >&2
		fails=1
	fi
	exit $((fails ? 1 : 0))
fi

# ---- mamori ----------------------------------------------------------------
say "mamori: $N messages ($MAMORI)"
set +e
t0=$EPOCHREALTIME
mapfile -t files <"$list"
MAMORI_CONFIG=$mconf "$MAMORI" scan --json -j "$JOBS" "${files[@]}" \
	>"$WORK/mamori.jsonl" 2>"$WORK/mamori.log"
rc=$?
set -e
((rc <= 1)) || die "mamori scan failed (exit $rc): $WORK/mamori.log"
say "mamori took $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
known=()
[[ ! -f $KNOWN ]] || known=(--known "$KNOWN")
rules=()
if [[ -n ${MAMORI_RULES:-} ]]; then
	[[ -f $MAMORI_RULES ]] || die "MAMORI_RULES=$MAMORI_RULES: no such file"
	rules=(--rules "$MAMORI_RULES")
fi
"${compare[@]}" "${known[@]}" "${rules[@]}" "$sa_out" "$WORK/mamori.jsonl"
