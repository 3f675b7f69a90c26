# moatmq_warnings: an interface target every moatmq target links to get the project's warning set.
add_library(moatmq_warnings INTERFACE)
target_compile_options(moatmq_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Wnon-virtual-dtor -Wold-style-cast)
if(MOATMQ_WERROR)
  target_compile_options(moatmq_warnings INTERFACE -Werror)
endif()
