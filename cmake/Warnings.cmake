# moatmq_warnings: an interface target every moatmq target links to get the project's warning set.
add_library(moatmq_warnings INTERFACE)
target_compile_options(moatmq_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Wnon-virtual-dtor -Wold-style-cast)
if(MOATMQ_WERROR)
  target_compile_options(moatmq_warnings INTERFACE -Werror)
endif()

# GCC 12 reports -Wrestrict / -Warray-bounds / -Wstringop-overflow on std::string and std::vector
# inlined at -O2/-O3 where no such access exists (GCC bugs 105329, 105651, 106199). They stay visible
# as warnings but do not fail a -Werror build; every other warning does.
if(MOATMQ_WERROR AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(moatmq_warnings INTERFACE
    -Wno-error=restrict -Wno-error=array-bounds -Wno-error=stringop-overflow -Wno-error=maybe-uninitialized)
endif()
