# tests/daemon/http.cmake - `mamori serve` (tests/daemon/http_test.py); the
# quarantine entries are put with qput (tests/daemon/store.cmake), released
# to an aiosmtpd sink: /usr/bin/python3, as store_release.py.
add_test(NAME daemon.http
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/daemon/http_test.py
          --mamori $<TARGET_FILE:mamori_cli> --qput $<TARGET_FILE:qput>
          --repo ${PROJECT_SOURCE_DIR}
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/daemon-http)
set_tests_properties(daemon.http PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 600 LABELS daemon)
