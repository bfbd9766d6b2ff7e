# fuzz/bec_phrases.cmake - the bec_phrases fuzz target (fuzz_bec_phrases.c:
# a payment-change dictionary file through src/bec/phrases.c's parser and,
# when it loads, its Hyperscan database over a fixed text).  Included from
# fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS bec_phrases)
set(fuzz_libs_bec_phrases mamori_bec)
set(fuzz_secs_bec_phrases 20)
