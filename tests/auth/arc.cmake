# tests/auth/arc.cmake - ARC chain validator tests (src/auth/arc.c):
#   unit.test_arc    cmocka: ARC-Seal parser, structure, pass results
#   auth.arc.suite   the ValiMail ARC validation suite (171 cases)
set(ARC_TEST_DIR ${CMAKE_CURRENT_SOURCE_DIR}/auth)

add_executable(test_arc auth/test_arc.c)
target_compile_options(test_arc PRIVATE ${MAMORI_WARNINGS})
target_compile_definitions(test_arc PRIVATE
  ARC_CORPUS_DIR="${PROJECT_SOURCE_DIR}/fuzz/corpus/arc")
target_include_directories(test_arc PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/unit)
target_link_libraries(test_arc PRIVATE mamori_arc PkgConfig::CMOCKA)
add_test(NAME unit.test_arc COMMAND test_arc)
set_tests_properties(unit.test_arc PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 120 LABELS unit)

add_executable(arc_driver auth/arc_driver.c auth/keyfile.c)
target_compile_options(arc_driver PRIVATE ${MAMORI_WARNINGS})
target_link_libraries(arc_driver PRIVATE mamori_arc)

add_test(NAME auth.arc.suite
  COMMAND /usr/bin/python3 ${ARC_TEST_DIR}/run_arc_suite.py
          --driver $<TARGET_FILE:arc_driver>
          --suite ${ARC_TEST_DIR}/data/arc/arc-draft-validation-tests.yml
          --work ${CMAKE_CURRENT_BINARY_DIR}/arc-suite)
set_tests_properties(auth.arc.suite PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 300 SKIP_RETURN_CODE 77 LABELS auth)
