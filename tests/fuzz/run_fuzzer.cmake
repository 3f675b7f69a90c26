# Runs one libFuzzer target for a bounded time (see CMakeLists.txt). Invoked as
#   cmake -DFUZZER=... -DWORK_DIR=... -DARTIFACT_DIR=... -DSEED_DIR=... -DSECONDS=... -P run_fuzzer.cmake
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR} ${ARTIFACT_DIR})
execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -print_final_stats=1 -artifact_prefix=${ARTIFACT_DIR}/
          ${WORK_DIR} ${SEED_DIR}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${result}); crashing input in ${ARTIFACT_DIR}")
endif()
