# tests/daemon/store.cmake - the quarantine store end to end: release to a
# real SMTP sink (aiosmtpd on 127.0.0.1) and to a fake sendmail, and a put
# that survives kill -9 (qput.c).
add_executable(qput daemon/qput.c)
target_compile_options(qput PRIVATE ${MAMORI_WARNINGS})
target_link_libraries(qput PRIVATE mamori_store)
# daemon_store_test(NAME SCRIPT TIMEOUT): a script of tests/daemon run with
# the binary, qput and a work dir of its own (build dir/NAME).
function(daemon_store_test name script timeout)
  add_test(NAME daemon.${name}
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/daemon/${script}
            --mamori $<TARGET_FILE:mamori_cli> --qput $<TARGET_FILE:qput>
            --work ${CMAKE_CURRENT_BINARY_DIR}/${name})
  set_tests_properties(daemon.${name} PROPERTIES
    ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT ${timeout} LABELS daemon)
endfunction()
daemon_store_test(store_release store_release.py 120)
# Held PPAP messages by hand: quarantine password / expire / release /
# delete, and POST /quarantine/ID/password, against an aiosmtpd sink.
daemon_store_test(ppap_cli ppap_cli.py 180)
# Release exactly once: 3 CLI releases + an HTTP release + deletes against
# a sink that holds DATA 3 s; failed and killed releases, reset; file
# modes, stale .tmp-* files, the CLI as root on nobody's state directory.
daemon_store_test(release_race release_race.py 180)
