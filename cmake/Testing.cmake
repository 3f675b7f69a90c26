include(GoogleTest)

# moatmq_unit_test(NAME <name> SOURCES <files...> LIBS <targets...>)
# A GoogleTest binary whose cases are registered one by one with CTest, labelled "unit".
function(moatmq_unit_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main GTest::gmock moatmq_warnings)
  gtest_discover_tests(${T_NAME} DISCOVERY_MODE PRE_TEST PROPERTIES LABELS unit)
endfunction()
