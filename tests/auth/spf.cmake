# tests/auth: SPF over real DNS (tests/support/dnsserver.py, run with
# /usr/bin/python3 for Debian's python3-dnslib and python3-yaml).
set(MAMORI_SYS_PYTHON /usr/bin/python3)

add_executable(spf_driver ${CMAKE_CURRENT_SOURCE_DIR}/auth/spf_driver.c)
target_compile_options(spf_driver PRIVATE ${MAMORI_WARNINGS})
target_link_libraries(spf_driver PRIVATE mamori_spf)

add_test(NAME auth.spf.rfc7208
  COMMAND ${MAMORI_SYS_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/auth/run_spf_suite.py
          --driver $<TARGET_FILE:spf_driver>
          --server ${CMAKE_CURRENT_SOURCE_DIR}/support/dnsserver.py
          ${CMAKE_CURRENT_SOURCE_DIR}/auth/data/spf/rfc7208-tests.yml)
set_tests_properties(auth.spf.rfc7208 PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 600 LABELS auth)

# The resolver against the test server: timeouts, cache, budget, parsing.
add_executable(test_dns ${CMAKE_CURRENT_SOURCE_DIR}/auth/test_dns.c)
target_compile_options(test_dns PRIVATE ${MAMORI_WARNINGS})
target_link_libraries(test_dns PRIVATE mamori_dns PkgConfig::CMOCKA)
foreach(group timeout resolver)
  add_test(NAME auth.dns.${group}
    COMMAND ${MAMORI_SYS_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/support/with_dnsserver.py
            ${CMAKE_CURRENT_SOURCE_DIR}/auth/data/dns/zone.yml --
            $<TARGET_FILE:test_dns> ${group})
  set_tests_properties(auth.dns.${group} PROPERTIES
    ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 60 LABELS auth)
endforeach()
