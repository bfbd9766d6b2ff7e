# fuzz/sa_match.cmake - the sa_match fuzz target (fuzz_sa_match.c: a few
# SpamAssassin patterns and a text from the input, compiled into one
# database with tight limits and scanned, src/spam/sa_match.c).  Included
# from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS sa_match)
set(fuzz_libs_sa_match mamori_sa_match)
set(fuzz_secs_sa_match 60)
set(fuzz_dict_sa_match ${CMAKE_CURRENT_SOURCE_DIR}/dict/sa_match.dict)
