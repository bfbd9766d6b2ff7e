# fuzz/tokenize.cmake - the tokenize fuzz target (fuzz_tokenize.c: the spam
# tokeniser, src/spam/tokenize.c, over a whole message, with the default and
# tight limits, with and without the object tree).  Included from
# fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS tokenize)
set(fuzz_libs_tokenize mamori_spam)
set(fuzz_secs_tokenize 30)
