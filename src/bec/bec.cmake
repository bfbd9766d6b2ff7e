# src/bec/bec.cmake - what the bec module (src/checks/bec/, issue 17:
# impersonation, business e-mail compromise, hijacked threads) judges from,
# without mail knowledge: lookalike.c, look-alikes of the protected domains
# (libidn2 for IDNA, libpsl for registrable domains, ICU's spoof checker
# for UTS #39 skeletons); quote.c, the earlier messages a body quotes and
# their authors (THREAD_HIJACK); phrases.c, the payment-change dictionary
# (rules/bec-phrases.txt, BEC_PAYMENT_CHANGE; matched with Hyperscan).
include(GNUInstallDirs)
pkg_check_modules(LIBIDN2 REQUIRED IMPORTED_TARGET libidn2)
pkg_check_modules(LIBPSL REQUIRED IMPORTED_TARGET libpsl)
pkg_check_modules(HYPERSCAN REQUIRED IMPORTED_TARGET libhs)
mamori_layer(mamori_bec
  SOURCES src/bec/lookalike.c src/bec/quote.c src/bec/phrases.c
  DEPS mamori_util PkgConfig::GLIB PkgConfig::LIBIDN2 PkgConfig::LIBPSL PkgConfig::ICU
    PkgConfig::HYPERSCAN)
# the shipped dictionary (rules/, installed as yara/ is): installed, or
# read from the source tree (bec_phrases_default_path())
target_compile_definitions(mamori_bec PRIVATE
  MAMORI_RULES_INSTALL_DIR="${CMAKE_INSTALL_FULL_DATADIR}/mamori/rules"
  MAMORI_RULES_SOURCE_DIR="${PROJECT_SOURCE_DIR}/rules")

# bench/bec-bench.c: the cost of both on decoded bodies and what they find
# (bench/README.md); built with the tests, not installed.
if(MAMORI_TESTS)
  add_executable(bench_bec bench/bec-bench.c)
  target_compile_options(bench_bec PRIVATE ${MAMORI_WARNINGS})
  target_link_libraries(bench_bec PRIVATE mamori_bec)
endif()
