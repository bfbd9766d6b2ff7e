# fuzz/url.cmake - the url fuzz target (fuzz_url.c: src/url/url.c's parser
# and normaliser, unwrapping, registrable domains, homographs and data:
# URIs).  Included from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS url)
set(fuzz_libs_url mamori_url)
set(fuzz_secs_url 20)
