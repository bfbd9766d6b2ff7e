# tests/auth/dmarc.cmake - unit tests of src/auth/dmarc.c (mamori_dmarc).
# Included from tests/CMakeLists.txt (needs MAMORI_TEST_ENV and cmocka from
# there).  Data: tests/auth/data/dmarc/ (see its README).
add_executable(test_dmarc ${CMAKE_CURRENT_LIST_DIR}/test_dmarc.c)
target_compile_options(test_dmarc PRIVATE ${MAMORI_WARNINGS})
target_include_directories(test_dmarc PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../unit)
target_compile_definitions(test_dmarc PRIVATE
  DMARC_DATA_DIR="${CMAKE_CURRENT_LIST_DIR}/data/dmarc")
target_link_libraries(test_dmarc PRIVATE mamori_dmarc PkgConfig::CMOCKA)
add_test(NAME unit.test_dmarc COMMAND test_dmarc)
set_tests_properties(unit.test_dmarc PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 120 LABELS unit)
