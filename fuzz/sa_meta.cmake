# fuzz/sa_meta.cmake - the sa_meta fuzz target (fuzz_sa_meta.c: SpamAssassin
# meta rule expressions, src/spam/sa_meta.c: compile, evaluate, order).
# Included from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS sa_meta)
set(fuzz_libs_sa_meta mamori_sa_meta)
set(fuzz_secs_sa_meta 60)
