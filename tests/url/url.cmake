# tests/url: the URL library (src/url/) against an independent oracle.
#
# url_tool (tests/support/url_tool.c): url_parse() as a filter, one URL a
# line in, one JSON object a line out.  url.oracle (tests/url/oracle.py):
# the URLs of the corpus' train split (MAMORI_SA_CORPUS, as for
# unit.test_sa_match.oracle) through url_tool and through Python's
# urllib.parse, idna (UTS #46) and ipaddress/inet_aton; every difference
# must fall in a class of tests/url/oracle-differences.txt.  Skipped (77)
# when the corpus is missing, like the other corpus oracles.
add_executable(url_tool ${CMAKE_CURRENT_SOURCE_DIR}/support/url_tool.c)
target_compile_options(url_tool PRIVATE ${MAMORI_WARNINGS})
target_link_libraries(url_tool PRIVATE mamori_url)

add_test(NAME url.oracle
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/url/oracle.py
          --tool $<TARGET_FILE:url_tool>
          --differences ${CMAKE_CURRENT_SOURCE_DIR}/url/oracle-differences.txt
          --extra ${CMAKE_CURRENT_SOURCE_DIR}/url/extra-urls.txt
          ${MAMORI_SA_CORPUS})
set_tests_properties(url.oracle PROPERTIES SKIP_RETURN_CODE 77
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 600 LABELS unit)
