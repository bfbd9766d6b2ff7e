# fuzz/bec_quote.cmake - the bec_quote fuzz target (fuzz_bec_quote.c: a
# body text through src/bec/quote.c's quoted-author finder and
# src/bec/phrases.c's payment-change matcher).  Included from
# fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS bec_quote)
set(fuzz_libs_bec_quote mamori_bec)
set(fuzz_secs_bec_quote 20)
