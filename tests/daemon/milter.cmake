# tests/daemon/milter.cmake - `mamori milter` driven by a minimal milter
# protocol client on 127.0.0.1 (no MTA): actions, quarantine, hostile
# peers, SIGHUP reload, SIGTERM.
add_test(NAME daemon.milter
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/daemon/milter_test.py
          --mamori $<TARGET_FILE:mamori_cli>
          --work ${CMAKE_CURRENT_BINARY_DIR}/milter-test)
set_tests_properties(daemon.milter PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 120 LABELS daemon)
