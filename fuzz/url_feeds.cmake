# fuzz/url_feeds.cmake - the feed reader (fuzz_url_feeds.c: src/url/feeds.c
# reading one feed file: hosts, URLs, hosts-file lines, URLhaus CSV).
# Included from fuzz/CMakeLists.txt after MAMORI_FUZZ_TARGETS is set.
list(APPEND MAMORI_FUZZ_TARGETS url_feeds)
set(fuzz_libs_url_feeds mamori_url)
set(fuzz_secs_url_feeds 20)
