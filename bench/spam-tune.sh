#!/usr/bin/env bash
# spam-tune.sh - how the SpamAssassin rules and the classifier add up
# (issue 15, "one score"): K-fold cross-validation inside the TRAIN split
# only (bench/spam-accuracy.sh --cv K, mamori alone), each message's score
# split into the rules', the classifier's and the other symbols' parts,
# then bench/spam_tune.py's choice of the rules' scale (spam.rules_scale)
# and the classifier's (the BAYES_SPAM, BAYES_HAM weights) on those
# out-of-fold scores.  The test split is never read.  See bench/README.md.
#
# usage: bash bench/spam-tune.sh
# Environment:
#   K=5               folds
#   MAMORI_CONF=FILE  the configuration tuned (default: the stock rules of
#                     /usr/share/spamassassin with score_set bayes, the
#                     compiled databases kept in bench/.cache/hsdb)
#   TUNE_ARGS="..."   arguments for spam_tune.py (default "--fixed-b 1": the
#                     classifier's weights stay as issue 14 set them, since
#                     they also serve without rule files; "" tunes both)
#   SA_DATA, MAMORI, JOBS as for bench/spam-accuracy.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
K=${K:-5}
WORK=$ROOT/bench/.cache/spam-accuracy
if [[ -z ${MAMORI_CONF:-} ]]; then
	[[ -d /usr/share/spamassassin ]] ||
		{ echo "bench: /usr/share/spamassassin missing (Debian package spamassassin)" >&2; exit 2; }
	mkdir -p "$ROOT/bench/.cache/hsdb"
	MAMORI_CONF=$ROOT/bench/.cache/spam-tune.conf
	printf 'spam = { sa_rules = ["/usr/share/spamassassin"]; score_set = "bayes"; cache_dir = "%s"; };\n' \
		"$ROOT/bench/.cache/hsdb" >"$MAMORI_CONF"
fi
export MAMORI_CONF
SYSTEMS=mamori bash "$ROOT/bench/spam-accuracy.sh" --cv "$K"
echo
# shellcheck disable=SC2086
python3 "$ROOT/bench/spam_tune.py" ${TUNE_ARGS---fixed-b 1} "$WORK/scores/cv$K-mamori.txt.parts"
