# tests/deob/powershell.cmake - the PowerShell evaluator's oracle
# (src/deob/powershell.c): powershell_driver prints what deob_powershell()
# recovers from a file; powershell_oracle.py generates seeded random
# EncodedCommands (base64 + UTF-16LE, nested) and obfuscated URLs and
# checks the driver recovers Python's originals.  Included from
# tests/CMakeLists.txt.
add_executable(deob_powershell_driver ${CMAKE_CURRENT_SOURCE_DIR}/deob/powershell_driver.c)
target_compile_options(deob_powershell_driver PRIVATE ${MAMORI_WARNINGS})
target_link_libraries(deob_powershell_driver PRIVATE mamori_deob)
add_test(NAME deob.powershell_oracle
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/deob/powershell_oracle.py
          --driver $<TARGET_FILE:deob_powershell_driver>
          ${CMAKE_CURRENT_BINARY_DIR}/deob-powershell-oracle)
set_tests_properties(deob.powershell_oracle PROPERTIES
  ENVIRONMENT "${MAMORI_TEST_ENV}" TIMEOUT 300 LABELS unit)
