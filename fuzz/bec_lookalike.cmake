# fuzz/bec_lookalike.cmake - the bec_lookalike fuzz target
# (fuzz_bec_lookalike.c: src/bec/lookalike.c's normalisation, registrable
# domains, folds, distances and skeletons, on protected sets and candidate
# domains from the input).  Included from fuzz/CMakeLists.txt after
# MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS bec_lookalike)
set(fuzz_libs_bec_lookalike mamori_bec)
set(fuzz_secs_bec_lookalike 20)
