#!/usr/bin/env bash
# url-feeds.sh - the URL feeds index (src/url/feeds.c) with a feed of a
# million entries: load CPU time, memory, lookup cost per URL
# (bench/url-feeds.c, built Release in build-bench/).  See bench/README.md.
#
# usage: bash bench/url-feeds.sh
# Environment:
#   RUNS=5          loads and lookup passes (min and median reported)
#   ENTRIES=1000000 entries of the generated feed (70 % hosts, 30 % URLs)
#   LOOKUPS=1000000 URLs looked up per pass, half of them listed
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-5}
ENTRIES=${ENTRIES:-1000000}
LOOKUPS=${LOOKUPS:-1000000}

say() { printf 'bench: %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

build=$ROOT/build-bench
cmake -S "$ROOT" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target bench_url_feeds >/dev/null
bench_url_feed "$ENTRIES" "$build/bench_url_feeds"
say "feed: $feed ($(wc -l <"$feed") lines, $(du -h "$feed" | cut -f1))"
"$build/bench_url_feeds" -r "$RUNS" -l "$LOOKUPS" "$feed" 1
