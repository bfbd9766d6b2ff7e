#!/usr/bin/env bash
# test.sh - the whole test run, as CI does it (.ci/run execs this).
#
#   1. RelWithDebInfo with -DMAMORI_WERROR=ON in build-test/: every ctest.
#   2. ASan+UBSan (build type Asan) in build-asan/: every ctest, leaks
#      checked (scripts/lsan.supp holds the leaks of libraries, not ours).
#   3. clang + libFuzzer (-DMAMORI_FUZZ=ON) in build-fuzz/: each fuzz target
#      fuzzed under ASan+UBSan for a bounded time from its seed corpus
#      (FUZZ_SECONDS per target; default 60 s for parse, 20 s for the
#      others), and the corpora replayed.
#
# Stops at the first failing step, so the last lines are the summary of the
# ctest run that failed, or of the last one.
# Environment: FUZZ_SECONDS (see above), CTEST_JOBS (default 2),
# SKIP_FUZZ=1 to leave out step 3, KEEP_GOING=1 to go on with the next
# step after failing tests (exit status 1 at the end all the same).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

CTEST_JOBS=${CTEST_JOBS:-2}
START=$SECONDS

section() {
	printf '\n==== %s  [%ds elapsed] ====\n' "$*" $((SECONDS - START))
}

FAILED=()
# ctest ARGS...: fails the script, or with KEEP_GOING=1 notes the failure
run_ctest() {
	local rc=0
	ctest "$@" || rc=$?
	if ((rc != 0)); then
		[[ ${KEEP_GOING:-0} == 1 ]] || exit "$rc"
		FAILED+=("$CURRENT")
	fi
}

# cmake -S . -B DIR with Ninja, unless DIR exists with another generator
configure() {
	local dir=$1
	shift
	local gen=(-G Ninja)
	if [[ -f $dir/CMakeCache.txt ]]; then
		gen=()
	fi
	cmake -S . -B "$dir" "${gen[@]}" "$@"
}

if [[ ${SKIP_FUZZ:-0} == 1 ]]; then
	echo "test.sh: SKIP_FUZZ=1: step 3 (fuzzing) will be left out"
fi
section "dependencies (scripts/install-deps.sh)"
bash scripts/install-deps.sh

# ---------------------------------------------------------------------------
section "1/3 build-test: RelWithDebInfo, -DMAMORI_WERROR=ON"
configure build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAMORI_WERROR=ON
cmake --build build-test
section "1/3 build-test: ctest"
CURRENT=build-test
run_ctest --test-dir build-test --output-on-failure -j"$CTEST_JOBS"

# ---------------------------------------------------------------------------
# (the fuzz replays ask for full allocation stacks themselves: see
# fuzz/CMakeLists.txt)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$ROOT/scripts/lsan.supp:print_suppressions=0
export G_SLICE=always-malloc

section "2/3 build-asan: ASan + UBSan (CMAKE_BUILD_TYPE=Asan)"
configure build-asan -DCMAKE_BUILD_TYPE=Asan
cmake --build build-asan
section "2/3 build-asan: ctest under ASan, UBSan and LSan"
CURRENT=build-asan
run_ctest --test-dir build-asan --output-on-failure -j"$CTEST_JOBS"

# ---------------------------------------------------------------------------
if [[ ${SKIP_FUZZ:-0} == 1 ]]; then
	((${#FAILED[@]} == 0)) || { echo "test.sh: failed: ${FAILED[*]}"; exit 1; }
	exit 0
fi
section "3/3 build-fuzz: clang, libFuzzer, ASan + UBSan (-DMAMORI_FUZZ=ON)"
configure build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DMAMORI_FUZZ=ON
# only what the fuzz tests need (the rest is built and tested above)
cmake --build build-fuzz --target fuzzers
section "3/3 build-fuzz: ctest -L fuzz (FUZZ_SECONDS=${FUZZ_SECONDS:-default})"
if ((${#FAILED[@]} == 0)); then
	echo "test.sh: every step before this one passed"
else
	echo "test.sh: failed before this step: ${FAILED[*]}"
fi
CURRENT=build-fuzz
run_ctest --test-dir build-fuzz --output-on-failure -j"$CTEST_JOBS" -L fuzz
if ((${#FAILED[@]} != 0)); then
	echo "test.sh: failed: ${FAILED[*]} ($((SECONDS - START))s)"
	exit 1
fi
