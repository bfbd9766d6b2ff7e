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
# the HTTP API under abuse (tests/daemon/http_abuse_test.py): slowloris with
# 1,100 connections, the per-client cap and the /health reserve, the body
# budget (RSS bound), http.scan_requires_token; loopback only, about 40 s.
add_test(NAME daemon.http_abuse
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/daemon/http_abuse_test.py
          --mamori $<TARGET_FILE:mamori_cli> --repo ${PROJECT_SOURCE_DIR}
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/daemon-http-abuse)
set_tests_properties(daemon.http_abuse PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 300 LABELS daemon)
