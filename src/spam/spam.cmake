# src/spam/spam.cmake - the spam classifier's library (docs/spam.md): the
# tokeniser (tokenize.c: the features of a message).  Above the content
# layer, whose text and links it reads (and the object tree, for the
# attachments' true types); below the modules, which alone call it.
# ICU segments the words, xxHash (XXH3) names the features, libpsl gives
# the registrable domain of a link's host.
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(PSL REQUIRED IMPORTED_TARGET libpsl)
mamori_layer(mamori_spam
  SOURCES src/spam/tokenize.c
  DEPS mamori_content mamori_objects mamori_mime PkgConfig::ICU PkgConfig::XXHASH
       PkgConfig::PSL PkgConfig::GLIB)

# bench/tokenize-speed.c: CPU time of the tokeniser per message
# (bench/tokenize-speed.sh); built with the tests, not installed.
if(MAMORI_TESTS)
  add_executable(bench_tokenize bench/tokenize-speed.c)
  target_compile_options(bench_tokenize PRIVATE ${MAMORI_WARNINGS})
  target_link_libraries(bench_tokenize PRIVATE mamori_spam mamori_spam_model mamori_store)
endif()
