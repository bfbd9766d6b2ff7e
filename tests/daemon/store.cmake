# tests/daemon/store.cmake - the quarantine store end to end: release to a
# real SMTP sink (aiosmtpd on 127.0.0.1) and to a fake sendmail, and a put
# that survives kill -9 (qput.c).
add_executable(qput daemon/qput.c)
target_compile_options(qput PRIVATE ${MAMORI_WARNINGS})
target_link_libraries(qput PRIVATE mamori_store)
add_test(NAME daemon.store_release
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/daemon/store_release.py
          --mamori $<TARGET_FILE:mamori_cli> --qput $<TARGET_FILE:qput>
          --work ${CMAKE_CURRENT_BINARY_DIR}/store-release)
set_tests_properties(daemon.store_release PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 120 LABELS daemon)
# Held PPAP messages by hand: quarantine password / expire / release /
# delete, and POST /quarantine/ID/password, against an aiosmtpd sink.
add_test(NAME daemon.ppap_cli
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/daemon/ppap_cli.py
          --mamori $<TARGET_FILE:mamori_cli> --qput $<TARGET_FILE:qput>
          --work ${CMAKE_CURRENT_BINARY_DIR}/ppap-cli)
set_tests_properties(daemon.ppap_cli PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 180 LABELS daemon)
# Release exactly once: 3 CLI releases + an HTTP release + deletes against
# a sink that holds DATA 3 s; failed and killed releases, reset; file
# modes, stale .tmp-* files, the CLI as root on nobody's state directory.
add_test(NAME daemon.release_race
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/daemon/release_race.py
          --mamori $<TARGET_FILE:mamori_cli> --qput $<TARGET_FILE:qput>
          --work ${CMAKE_CURRENT_BINARY_DIR}/release-race)
set_tests_properties(daemon.release_race PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 180 LABELS daemon)
