# tests/daemon/http.cmake - `mamori serve` (tests/daemon/http_test.py).
add_test(NAME daemon.http
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/daemon/http_test.py
          --mamori $<TARGET_FILE:mamori_cli> --repo ${PROJECT_SOURCE_DIR}
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/daemon-http)
set_tests_properties(daemon.http PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 600 LABELS daemon)
