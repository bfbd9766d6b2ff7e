# tests/deob/deob.cmake - the static sandbox's evaluators (src/deob/)
# against independent Python references (python3, stdlib only):
#   deob.screnc_oracle  an encoder of its own encodes random VBScript and
#                       JScript; deob_screnc() must give the originals back
#                       (and the published samples it cites)
#   deob.js_oracle      obfuscations of random URLs and commands built by
#                       Python; deob_js() must recover each
add_executable(screnc_driver ${CMAKE_CURRENT_LIST_DIR}/screnc_driver.c)
target_compile_options(screnc_driver PRIVATE ${MAMORI_WARNINGS})
target_link_libraries(screnc_driver PRIVATE mamori_deob)
add_test(NAME deob.screnc_oracle
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/screnc_oracle.py
          --driver $<TARGET_FILE:screnc_driver> --work ${CMAKE_CURRENT_BINARY_DIR}/screnc-oracle)
set_tests_properties(deob.screnc_oracle PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 300 LABELS unit)

add_executable(js_driver ${CMAKE_CURRENT_LIST_DIR}/js_driver.c)
target_compile_options(js_driver PRIVATE ${MAMORI_WARNINGS})
target_link_libraries(js_driver PRIVATE mamori_deob mamori_util)
add_test(NAME deob.js_oracle
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/js_oracle.py
          --driver $<TARGET_FILE:js_driver> --work ${CMAKE_CURRENT_BINARY_DIR}/js-oracle)
set_tests_properties(deob.js_oracle PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 300 LABELS unit)
