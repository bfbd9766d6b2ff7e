#!/usr/bin/env bash
# spam-accuracy.sh - issue 14's accuracy table: mamori, bogofilter and
# SpamAssassin, each trained on the train split of the SpamAssassin public
# corpus (../shared/tools/make-corpus.py) and scored on its test split, in
# one run.  See bench/README.md (spam-accuracy.sh).
#
# usage: bash bench/spam-accuracy.sh            train on train, score test
#        bash bench/spam-accuracy.sh --cv K     K-fold cross-validation inside
#             the train split only (mamori and bogofilter): what to tune with
#        bash bench/spam-accuracy.sh --later    inside the train split only:
#             each group's lower-numbered half learned, the upper half scored
#             (later mail, as the test split is: the harsher check)
# Environment:
#   SA_DATA=DIR       an unpacked package's data/ dir (skips npm)
#   MAMORI=PATH       the binary (default build/mamori, built Release)
#   MAMORI_CONF=FILE  a configuration for `mamori learn` and `mamori scan`
#                     (default: the built-in one, MAMORI_CONFIG=/dev/null)
#   SYSTEMS="..."     which rows (default "mamori bogofilter spamassassin";
#                     with --cv "mamori bogofilter")
#   JOBS=N            scan threads / SpamAssassin processes (default nproc)
#   THRESHOLD=6       mamori's score whose FP rate and recall are printed
#                     too (its add_header default), beside SpamAssassin's
#                     at its required_score 5 and bogofilter's at 0.99
#
# The test split is held out: of its messages only the scores are kept
# (bench/.cache/spam-accuracy/scores/*.txt, "LABEL SCORE" lines), mamori's
# JSON reports are piped straight into spam_metrics.py, nothing of a
# message is printed.  SpamAssassin and bogofilter run in a network
# namespace of their own (unshare -n) when possible: nothing but loopback.
# Exit status: 0, 2 on an error.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=$ROOT/bench/.cache
WORK=$CACHE/spam-accuracy
JOBS=${JOBS:-$(nproc)}
THRESHOLD=${THRESHOLD:-6}
METRICS=$ROOT/bench/spam_metrics.py
export LC_NUMERIC=C # $EPOCHREALTIME and awk with a decimal point

say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

cv=0
later=0
while (($#)); do
	case $1 in
	--later) later=1; shift ;;
	--cv) [[ $# -ge 2 ]] || die "--cv needs K"; cv=$2; shift 2 ;;
	--cv=*) cv=${1#--cv=}; shift ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument $1 (--help)" ;;
	esac
done
((later == 0 || cv == 0)) || die "--cv and --later: one or the other"
if [[ $cv != 0 || $later == 1 ]]; then
	[[ $cv == 0 || ($cv =~ ^[0-9]+$ && $cv -ge 2) ]] || die "--cv K: K must be an integer >= 2"
	SYSTEMS=${SYSTEMS:-mamori bogofilter}
else
	SYSTEMS=${SYSTEMS:-mamori bogofilter spamassassin}
fi
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "JOBS must be a positive integer"
for s in $SYSTEMS; do
	case $s in mamori | bogofilter | spamassassin) ;; *) die "SYSTEMS: unknown system $s" ;; esac
done
want() { [[ " $SYSTEMS " == *" $1 "* ]]; }

mkdir -p "$WORK/logs" "$WORK/scores"
# this run's logs; what a failed run left (kept until now for a look) goes
rm -rf "$WORK"/logs/{mamori,sa,folds}*.* "$WORK"/mamori-state.* "$WORK"/bogofilter-db.* "$WORK/cv"

# seconds since START (an $EPOCHREALTIME), one decimal
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.0f", n / t; else print "-" }'; }
nfiles() { find "$@" -type f | wc -l; }

# No network for the peers: a namespace of their own, with not even
# loopback up.  Without it (not root), SpamAssassin's -L / local_tests_only
# and the configuration below still keep it off the network.
nonet=()
if unshare -n true 2>/dev/null; then
	nonet=(unshare -n)
else
	say "unshare -n not permitted: the peers run in this network namespace (local tests only)"
fi

need_pkg() { # COMMAND PACKAGE
	command -v "$1" >/dev/null && return
	[[ $EUID == 0 ]] || die "$1 missing: apt-get install $2"
	say "installing $2 (apt-get; log: bench/.cache/spam-accuracy/logs/apt.log)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$2" \
		>>"$WORK/logs/apt.log" 2>&1 || die "apt-get install $2 failed: $WORK/logs/apt.log"
}

# ---- the systems ----------------------------------------------------------
# Each run_X LEARN SCORE OUT: learn LEARN/{ham,spam}, score every message of
# SCORE/{ham,spam}, append "LABEL SCORE" lines to OUT; sets learn_s and
# score_s (wall seconds).

mamori_ok=0 mamori_name=mamori
mconf=() learn_conf=()
mamori_setup() {
	bench_this_build
	mamori_name="mamori $("$MAMORI" version 2>/dev/null | awk '{ print $NF }')"
	if [[ -n ${MAMORI_CONF:-} ]]; then
		[[ -f $MAMORI_CONF && -r $MAMORI_CONF ]] || die "MAMORI_CONF=$MAMORI_CONF: not a readable file"
		MAMORI_CONF=$(realpath "$MAMORI_CONF")
		export MAMORI_CONFIG=$MAMORI_CONF
		mconf=(--config "$MAMORI_CONF")
		mamori_name+=" ($(basename "$MAMORI_CONF"))"
	else
		export MAMORI_CONFIG=/dev/null # the built-in configuration
	fi
	if "$MAMORI" learn --help >"$WORK/logs/mamori-learn-help.txt" 2>&1; then
		mamori_ok=1
		# MAMORI_CONFIG is read anyway; --config too if learn takes it
		if grep -q -- '--config' "$WORK/logs/mamori-learn-help.txt"; then
			learn_conf=("${mconf[@]}")
		fi
	else
		say "$MAMORI has no 'learn' command: mamori's row is 'not available'"
	fi
}

run_mamori() {
	local learn=$1 score=$2 out=$3 state t rc n
	state=$(mktemp -d "$WORK/mamori-state.XXXXXX") # fresh, absolute
	t=$EPOCHREALTIME
	for kind in spam ham; do
		"$MAMORI" learn "${learn_conf[@]}" --state "$state" "--$kind" "$learn/$kind" \
			>>"$WORK/logs/mamori-learn.log" 2>&1 ||
			die "mamori learn --$kind failed (exit $?): $WORK/logs/mamori-learn.log"
		say "  mamori learn: $(tail -n 1 "$WORK/logs/mamori-learn.log")"
	done
	learn_s=$(since "$t")
	t=$EPOCHREALTIME
	n=$(wc -l <"$out")
	# the reports go straight into the scores: never stored, never printed
	set +e
	# (and the score's parts, OUT.parts: rules, classifier, the rest, for
	# bench/spam_tune.py)
	"$MAMORI" scan --json "${mconf[@]}" --state "$state" -j "$JOBS" "$score/ham" "$score/spam" \
		2>>"$WORK/logs/mamori-scan.log" | python3 "$METRICS" mamori-parts |
		tee -a "$out.parts" | awk '{ print $1, $2 }' >>"$out"
	local st=("${PIPESTATUS[@]}")
	set -e
	score_s=$(since "$t")
	((st[1] == 0 && st[2] == 0 && st[3] == 0)) ||
		die "reading mamori's reports failed (a report without a score?)"
	((st[0] <= 1)) || die "mamori scan exited ${st[0]}: $WORK/logs/mamori-scan.log"
	rc=$(($(wc -l <"$out") - n))
	[[ $rc == "$(nfiles "$score")" ]] || die "mamori: $rc reports for $(nfiles "$score") messages"
	rm -rf "$state"
}

bogo_name=bogofilter
bogofilter_setup() {
	need_pkg bogofilter bogofilter
	bogo_name="bogofilter $(bogofilter -V 2>&1 | awk 'NR == 1 { print $3 }') (Debian)"
}

# bogofilter's stock parameters (-C: no configuration file); a file a
# message (-b: names on stdin); -TT: the spamicity to 16 digits.
run_bogofilter() {
	local learn=$1 score=$2 out=$3 db t kind rc
	db=$(mktemp -d "$WORK/bogofilter-db.XXXXXX")
	t=$EPOCHREALTIME
	find "$learn/spam" -type f | sort | "${nonet[@]}" bogofilter -C -d "$db" -s -b ||
		die "bogofilter -s failed"
	find "$learn/ham" -type f | sort | "${nonet[@]}" bogofilter -C -d "$db" -n -b ||
		die "bogofilter -n failed"
	learn_s=$(since "$t")
	t=$EPOCHREALTIME
	for kind in ham spam; do
		set +e
		find "$score/$kind" -type f | sort | "${nonet[@]}" bogofilter -C -d "$db" -TT -b |
			awk -v k="$kind" 'NF { print k, $NF }' >>"$out"
		rc=${PIPESTATUS[2]}
		set -e
		((rc <= 2)) || die "bogofilter -TT exited $rc"
	done
	score_s=$(since "$t")
	rm -rf "$db"
}

sa_name=SpamAssassin sa_dir=$WORK/spamassassin
spamassassin_setup() {
	need_pkg sa-learn spamassassin
	sa_name="SpamAssassin $(perl -MMail::SpamAssassin -e 'print Mail::SpamAssassin::Version()'), stock rules + Bayes, no network"
}

# A private site configuration: Debian's plugin loads (*.pre) and its
# 65_debian.cf, not the host's local.cf, plus the overrides below; the
# stock rules of /usr/share/spamassassin (not sa-update's); a private HOME
# with the Bayes database.  sa-learn learns it; bench/sa_score.pl scores
# with JOBS forked processes (spamd's model, full-precision scores).
run_spamassassin() {
	local learn=$1 score=$2 out=$3 t site home
	rm -rf "$sa_dir"
	site=$sa_dir/site home=$sa_dir/home
	mkdir -p "$site" "$home"
	cp /etc/spamassassin/*.pre "$site/"
	[[ ! -f /etc/spamassassin/65_debian.cf ]] || cp /etc/spamassassin/65_debian.cf "$site/"
	cat >"$site/zz-bench.cf" <<-EOF
		# bench/spam-accuracy.sh: no network, Bayes learned from the train split only
		dns_available no
		skip_rbl_checks 1
		use_bayes 1
		bayes_path $home/bayes
		bayes_auto_learn 0
		bayes_auto_expire 0
		bayes_learn_to_journal 0
	EOF
	: >"$home/user_prefs"
	local sal=(env HOME="$home" "${nonet[@]}" sa-learn -L --siteconfigpath "$site"
		--configpath /usr/share/spamassassin)
	t=$EPOCHREALTIME
	"${sal[@]}" --spam "$learn/spam" >>"$WORK/logs/sa-learn.log" 2>&1 || die "sa-learn --spam failed"
	"${sal[@]}" --ham "$learn/ham" >>"$WORK/logs/sa-learn.log" 2>&1 || die "sa-learn --ham failed"
	learn_s=$(since "$t")
	t=$EPOCHREALTIME
	env HOME="$home" "${nonet[@]}" perl "$ROOT/bench/sa_score.pl" "$site" /usr/share/spamassassin \
		"$JOBS" "$score/ham" "$score/spam" >>"$out" 2>>"$WORK/logs/sa-score.log" ||
		die "sa_score.pl failed: $WORK/logs/sa-score.log"
	score_s=$(since "$t")
}

# ---- runs -----------------------------------------------------------------
rows=() times=() at=()
# one system over FOLDS (a list of "LEARN SCORE" pairs); a row and timings
evaluate() { # SYSTEM NAME OUT PAIR...
	local sys=$1 name=$2 out=$3 pair learn score nl=0 ns=0 tl=0 ts=0
	shift 3
	: >"$out"
	rm -f "$out.parts"
	for pair in "$@"; do
		learn=${pair% *} score=${pair#* }
		say "$sys: learning $(nfiles "$learn") messages, scoring $(nfiles "$score")"
		"run_$sys" "$learn" "$score" "$out"
		nl=$((nl + $(nfiles "$learn"))) ns=$((ns + $(nfiles "$score")))
		tl=$(awk -v a="$tl" -v b="$learn_s" 'BEGIN { printf "%.1f", a + b }')
		ts=$(awk -v a="$ts" -v b="$score_s" 'BEGIN { printf "%.1f", a + b }')
	done
	[[ $(wc -l <"$out") == "$ns" ]] || die "$sys: $(wc -l <"$out") scores for $ns messages"
	local r
	r=$(python3 "$METRICS" --row "$name" "$out") || die "spam_metrics.py failed on $out"
	rows+=("$r")
	local bar=$THRESHOLD
	case $sys in spamassassin) bar=5 ;; bogofilter) bar=0.99 ;; esac
	at+=("$name: $(python3 "$METRICS" --at "$bar" "$out")")
	times+=("| $name | $nl | $tl | $(rate "$nl" "$tl") | $ns | $ts | $(rate "$ns" "$ts") |")
}

pairs=()
if ((later)); then
	bench_corpus_full
	python3 "$METRICS" later "$corpus_full/train" "$WORK/cv" >"$WORK/logs/folds.txt" ||
		die "making the later split failed"
	pairs=("$WORK/cv/later/learn $WORK/cv/later/score")
	title="Inside the train split: each group's lower-numbered half learned ($(nfiles "$WORK/cv/later/learn/ham") ham, $(nfiles "$WORK/cv/later/learn/spam") spam), the upper half scored ($(nfiles "$WORK/cv/later/score/ham") ham, $(nfiles "$WORK/cv/later/score/spam") spam)"
	tag=later
elif [[ $cv == 0 ]]; then
	bench_corpus_full
	pairs=("$corpus_full/train $corpus_full/test")
	title="Trained on the train split ($(nfiles "$corpus_full/train/ham") ham, $(nfiles "$corpus_full/train/spam") spam), scored on the test split ($(nfiles "$corpus_full/test/ham") ham, $(nfiles "$corpus_full/test/spam") spam)"
	tag="test"
else
	bench_corpus_full
	python3 "$METRICS" folds "$cv" "$corpus_full/train" "$WORK/cv" >"$WORK/logs/folds.txt" ||
		die "making the folds failed"
	for ((i = 0; i < cv; i++)); do pairs+=("$WORK/cv/$cv-$i/learn $WORK/cv/$cv-$i/score"); done
	title="$cv-fold cross-validation inside the train split ($(nfiles "$corpus_full/train/ham") ham, $(nfiles "$corpus_full/train/spam") spam; folds by sha256 of the file name), scores of the $cv folds pooled"
	tag=cv$cv
fi

t0=$EPOCHREALTIME
na_rows=()
if want mamori; then
	mamori_setup
	if ((mamori_ok)); then
		evaluate mamori "$mamori_name" "$WORK/scores/$tag-mamori.txt" "${pairs[@]}"
	else
		na_rows+=("| $mamori_name | not available (no \`mamori learn\` in $MAMORI) | — | — | — |")
	fi
fi
if want bogofilter; then
	bogofilter_setup
	evaluate bogofilter "$bogo_name" "$WORK/scores/$tag-bogofilter.txt" "${pairs[@]}"
fi
if want spamassassin; then
	spamassassin_setup
	evaluate spamassassin "$sa_name" "$WORK/scores/$tag-spamassassin.txt" "${pairs[@]}"
fi
[[ $cv == 0 && $later == 0 ]] || rm -rf "$WORK/cv"

echo
echo "$title:"
echo
python3 "$METRICS" --header
for r in "${na_rows[@]}" "${rows[@]}"; do echo "$r"; done
echo
echo "At each system's default verdict threshold (mamori: THRESHOLD=$THRESHOLD, its add_header; SpamAssassin: required_score 5; bogofilter: spam_cutoff 0.99):"
echo
for r in "${at[@]}"; do echo "- $r"; done
echo
echo "Wall time (learning: all messages of the learn sets, both classes; scoring: JOBS=$JOBS):"
echo
echo "| system | learned | learn s | learned msg/s | scored | score s | scored msg/s |"
echo "|---|---|---|---|---|---|---|"
for r in "${times[@]}"; do echo "$r"; done
echo
echo "Total $(since "$t0") s. Scores: ${WORK#"$ROOT"/}/scores/$tag-*.txt (spam_metrics.py FILE for the thresholds)"
