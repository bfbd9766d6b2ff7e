# tests/yara: the shipped YARA rules (yara/) against their fixtures
# (tests/unit/data/yara/, expectations in expected.tsv), once through our
# engine (unit.test_yara) and once through Debian's yara tool.
target_compile_definitions(test_yara PRIVATE
  MAMORI_YARA_DIR="${PROJECT_SOURCE_DIR}/yara"
  MAMORI_TESTDATA="${CMAKE_CURRENT_SOURCE_DIR}/unit/data/yara"
  MAMORI_YARA_EXPECTED="${CMAKE_CURRENT_SOURCE_DIR}/yara/expected.tsv"
  MAMORI_SHARED_MALDOCS="${PROJECT_SOURCE_DIR}/../shared/testdata/maldocs")
target_link_libraries(test_yara PRIVATE PkgConfig::GLIB)

find_program(MAMORI_YARA_CLI yara)
if(MAMORI_YARA_CLI)
  add_test(NAME yara.cli_rules
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/yara/run_yara_cli.py
            ${MAMORI_YARA_CLI} ${PROJECT_SOURCE_DIR}/yara
            ${CMAKE_CURRENT_SOURCE_DIR}/unit/data/yara
            ${CMAKE_CURRENT_SOURCE_DIR}/yara/expected.tsv)
  set_tests_properties(yara.cli_rules PROPERTIES TIMEOUT 120 LABELS unit)
else()
  message(STATUS "yara tool not found: yara.cli_rules not built (Debian: apt install yara)")
endif()
