# tests/auth/dkim.cmake - DKIM verifier tests (src/auth/dkim.c):
#   unit.test_dkim        cmocka: tag lists, canonicalisation, RFC 8463 App. A
#   auth.dkim.crosscheck  >= 1000 generated messages, dkimpy vs mamori_dkim
#   auth.dkim.maildkim    the Mail::DKIM verifier corpus
set(DKIM_TEST_DIR ${CMAKE_CURRENT_SOURCE_DIR}/auth)
set(DKIM_PY /usr/bin/python3)

add_executable(test_dkim auth/test_dkim.c)
target_compile_options(test_dkim PRIVATE ${MAMORI_WARNINGS})
target_compile_definitions(test_dkim PRIVATE
  DKIM_DATA_DIR="${DKIM_TEST_DIR}/data/dkim")
target_include_directories(test_dkim PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/unit)
target_link_libraries(test_dkim PRIVATE mamori_dkim PkgConfig::CMOCKA)
add_test(NAME unit.test_dkim COMMAND test_dkim)
set_tests_properties(unit.test_dkim PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 120 LABELS unit)

add_executable(dkim_driver auth/dkim_driver.c auth/keyfile.c)
target_compile_options(dkim_driver PRIVATE ${MAMORI_WARNINGS})
target_link_libraries(dkim_driver PRIVATE mamori_dkim)

add_test(NAME auth.dkim.crosscheck
  COMMAND ${DKIM_PY} ${DKIM_TEST_DIR}/dkim_crosscheck.py
          --driver $<TARGET_FILE:dkim_driver>
          --keys ${DKIM_TEST_DIR}/data/dkim/keys
          --work ${CMAKE_CURRENT_BINARY_DIR}/dkim-crosscheck)
set_tests_properties(auth.dkim.crosscheck PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 300 SKIP_RETURN_CODE 77 LABELS auth)

add_test(NAME auth.dkim.maildkim
  COMMAND ${DKIM_PY} ${DKIM_TEST_DIR}/dkim_maildkim.py
          --driver $<TARGET_FILE:dkim_driver>
          --data ${DKIM_TEST_DIR}/data/dkim/mail-dkim)
set_tests_properties(auth.dkim.maildkim PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 120 SKIP_RETURN_CODE 77 LABELS auth)
