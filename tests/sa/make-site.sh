#!/usr/bin/env bash
# make-site.sh - the SpamAssassin site configuration the differential test
# (run-diff.sh) and bench/sa-rules-speed.sh run SpamAssassin with: Debian's
# plugin loads (/etc/spamassassin/*.pre) without the auto-welcomelist and
# TxRep (they keep state), local tests only, no Bayes (score set 0), and
# an empty HOME with empty user_prefs.
#
# usage: make-site.sh SITE_DIR HOME_DIR   (both made afresh)
set -euo pipefail
site=$1 home=$2
rm -rf "$site"
mkdir -p "$site" "$home"
: >"$home/user_prefs"
for f in /etc/spamassassin/*.pre; do
	sed -E 's/^[[:space:]]*(loadplugin[[:space:]]+Mail::SpamAssassin::Plugin::(AWL|TxRep)\b)/# \1/' \
		"$f" >"$site/$(basename "$f")"
done
cat >"$site/zz-sa-diff.cf" <<'CF'
# tests/sa/make-site.sh: local tests only, no learned state (score set 0)
dns_available no
skip_rbl_checks 1
use_bayes 0
bayes_auto_learn 0
CF
