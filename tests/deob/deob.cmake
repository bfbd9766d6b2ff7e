# tests/deob/deob.cmake - the static sandbox's evaluators (src/deob/)
# against independent Python references (stdlib only), each through a
# small driver that prints what an evaluator recovers from a file
# (driver.c: the JSON lines all the drivers share).  Included from
# tests/CMakeLists.txt.
#   deob.powershell_oracle  seeded random EncodedCommands (base64 +
#                       UTF-16LE, nested) and obfuscated URLs: the driver
#                       must recover Python's originals
#   deob.vba_oracle     an independent Python evaluator over seeded random
#                       obfuscated macros hiding URLs and command lines
#   deob.screnc_oracle  an encoder of its own encodes random VBScript and
#                       JScript; deob_screnc() must give the originals back
#                       (and the published samples it cites)
#   deob.js_oracle      obfuscations of random URLs and commands built by
#                       Python; deob_js() must recover each
#   deob.xlm_oracle     an independent Python evaluator over seeded random
#                       obfuscated macro sheets (CHAR, &, MID, FORMULA
#                       writing cells, GOTO, RUN); deob_xlm_lines() must
#                       recover the EXEC and CALL arguments it computes
#   deob.cmd_oracle     batch files and cmd /c lines hiding a command and
#                       its URL (substrings of a scrambled alphabet,
#                       replacements, carets, delayed expansion); a Python
#                       expander of its own must agree with deob_cmd()
function(deob_driver name)
  add_executable(${name} ${ARGN} ${CMAKE_CURRENT_LIST_DIR}/driver.c)
  target_compile_options(${name} PRIVATE ${MAMORI_WARNINGS})
  target_link_libraries(${name} PRIVATE mamori_deob mamori_util)
endfunction()

deob_driver(deob_powershell_driver ${CMAKE_CURRENT_LIST_DIR}/powershell_driver.c)
add_test(NAME deob.powershell_oracle
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/powershell_oracle.py
          --driver $<TARGET_FILE:deob_powershell_driver>
          ${CMAKE_CURRENT_BINARY_DIR}/deob-powershell-oracle)
set_tests_properties(deob.powershell_oracle PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 300 LABELS unit)

deob_driver(vba_driver ${CMAKE_CURRENT_LIST_DIR}/vba_driver.c)
add_test(NAME deob.vba_oracle
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/vba_oracle.py
          --driver $<TARGET_FILE:vba_driver> --cases 300)
set_tests_properties(deob.vba_oracle PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV};TMPDIR=${CMAKE_CURRENT_BINARY_DIR}" TIMEOUT 300 LABELS unit)

deob_driver(screnc_driver ${CMAKE_CURRENT_LIST_DIR}/screnc_driver.c)
add_test(NAME deob.screnc_oracle
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/screnc_oracle.py
          --driver $<TARGET_FILE:screnc_driver> --work ${CMAKE_CURRENT_BINARY_DIR}/screnc-oracle)
set_tests_properties(deob.screnc_oracle PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 300 LABELS unit)

deob_driver(js_driver ${CMAKE_CURRENT_LIST_DIR}/js_driver.c)
add_test(NAME deob.js_oracle
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/js_oracle.py
          --driver $<TARGET_FILE:js_driver> --work ${CMAKE_CURRENT_BINARY_DIR}/js-oracle)
set_tests_properties(deob.js_oracle PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 300 LABELS unit)

deob_driver(xlm_driver ${CMAKE_CURRENT_LIST_DIR}/xlm_driver.c)
add_test(NAME deob.xlm_oracle
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/xlm_oracle.py
          --driver $<TARGET_FILE:xlm_driver> --work ${CMAKE_CURRENT_BINARY_DIR}/xlm-oracle)
set_tests_properties(deob.xlm_oracle PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 300 LABELS unit)

deob_driver(cmd_driver ${CMAKE_CURRENT_LIST_DIR}/cmd_driver.c)
add_test(NAME deob.cmd_oracle
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/cmd_oracle.py
          --driver $<TARGET_FILE:cmd_driver> --work ${CMAKE_CURRENT_BINARY_DIR}/cmd-oracle)
set_tests_properties(deob.cmd_oracle PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 300 LABELS unit)
