# e2e.cmake - the end-to-end test with a real Postfix (tests/e2e/): swaks ->
# a private Postfix on 127.0.0.1 with `mamori milter` -> an aiosmtpd sink.
# Needs root (postfix start) and Postfix, swaks, python3-aiosmtpd,
# python3-dnslib: skipped (77) otherwise.  /usr/bin/python3 for aiosmtpd.
add_test(NAME e2e.postfix
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/test_postfix_e2e.py
          --mamori $<TARGET_FILE:mamori_cli>)
set_tests_properties(e2e.postfix PROPERTIES SKIP_RETURN_CODE 77
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 600 LABELS e2e RUN_SERIAL TRUE)
# The PPAP two-mail pattern through the same set-up: hold, the password
# mail, release or quarantine by the verdict, and expiry (window 12 s).
add_test(NAME e2e.ppap
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/test_ppap_e2e.py
          --mamori $<TARGET_FILE:mamori_cli>)
set_tests_properties(e2e.ppap PROPERTIES SKIP_RETURN_CODE 77
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 600 LABELS e2e RUN_SERIAL TRUE)
# Issue 12: a 0600 root configuration with daemon.user = nobody, the milter
# on a unix socket that Postfix's smtpd (user postfix) connects to, and
# SIGHUP reloads (edit, rename, broken, removed) of milter and serve.
add_test(NAME e2e.privsep
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/test_privsep_e2e.py
          --mamori $<TARGET_FILE:mamori_cli>)
set_tests_properties(e2e.privsep PROPERTIES SKIP_RETURN_CODE 77
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 300 LABELS e2e RUN_SERIAL TRUE)
# Issue 17: the bec module's correspondent history through the milter
# (--state): a delivered thread, a hijacked reply tagged THREAD_HIJACK, the
# participant's reply clean; FIRST_CONTACT for a new sender, not a known one.
add_test(NAME e2e.bec_history
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/test_bec_history_e2e.py
          --mamori $<TARGET_FILE:mamori_cli>)
set_tests_properties(e2e.bec_history PROPERTIES SKIP_RETURN_CODE 77
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 300 LABELS e2e RUN_SERIAL TRUE)
