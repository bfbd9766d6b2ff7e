#!/bin/sh
# tests/sa/meta-perl.sh - the differential test of the meta rule compiler
# (src/spam/sa_meta.c) against SpamAssassin: meta-perl.pl evaluates the
# stock meta rules and tests/sa/meta-exprs.txt with SpamAssassin's own
# compiled subs on random hit counts, test_sa_meta --perl compares every
# line with sa_meta_eval().  Exit 77 (skipped) without perl or
# SpamAssassin.
# usage: meta-perl.sh TEST_SA_META OUTFILE [ROUNDS_STOCK ROUNDS_SYNTHETIC SEED]
set -e
bin=$1
out=$2
here=$(dirname "$0")
command -v perl >/dev/null 2>&1 || { echo "meta-perl.sh: no perl, skipped"; exit 77; }
perl -MMail::SpamAssassin -e 1 2>/dev/null || { echo "meta-perl.sh: no Mail::SpamAssassin, skipped"; exit 77; }
[ -d /usr/share/spamassassin ] || { echo "meta-perl.sh: no /usr/share/spamassassin, skipped"; exit 77; }
perl "$here/meta-perl.pl" "$here/meta-exprs.txt" "${3:-3}" "${4:-20}" "${5:-15}" > "$out"
exec "$bin" --perl "$out"
