#!/bin/sh
# run-fuzzer.sh BINARY DEFAULT_SECONDS SEED_DIR REGRESS_DIR WORK_DIR [LIBFUZZER_ARG...]
#
# Runs one libFuzzer binary for $FUZZ_SECONDS seconds (DEFAULT_SECONDS if
# unset) on a writable copy of its seed corpus, WORK_DIR/corpus, which is
# kept between runs so that coverage accumulates.  Crashing inputs are
# written to WORK_DIR/artifacts/; copy them into fuzz/regress/<target>/ so
# the replay tests keep them fixed (see fuzz/README.md).
set -eu
bin=$1 secs=${FUZZ_SECONDS:-$2} seed=$3 regress=$4 work=$5
shift 5

mkdir -p "$work/corpus" "$work/artifacts"
cp -R "$seed"/. "$work/corpus"/
chmod -R u+w "$work/corpus"
set -- "$@" "$work/corpus"
if [ -d "$regress" ]; then
	set -- "$@" "$regress"
fi

echo "fuzz: $(basename "$bin") for ${secs}s, corpus $work/corpus"
status=0
"$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$work/artifacts/" "$@" \
	|| status=$?
if [ "$status" -ne 0 ]; then
	echo "fuzz: $(basename "$bin") failed (exit $status); inputs in $work/artifacts/:"
	ls -l "$work/artifacts/"
	echo "fuzz: to keep one as a regression test: cp ARTIFACT fuzz/regress/<target>/"
fi
exit "$status"
