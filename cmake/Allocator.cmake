# The moatmq executable's memory allocator: mimalloc (Debian's libmimalloc-dev), linked so that it
# replaces malloc/free/operator new process-wide, for OpenSSL, RocksDB and the standard library too.
# Off in sanitizer and fuzz builds: ASan and UBSan bring their own malloc and must see every allocation.
include(CMakeDependentOption)

set(moatmq_sanitized OFF)
if(MOATMQ_FUZZ OR CMAKE_CXX_FLAGS MATCHES "-fsanitize" OR CMAKE_EXE_LINKER_FLAGS MATCHES "-fsanitize")
  set(moatmq_sanitized ON)
endif()
cmake_dependent_option(MOATMQ_MIMALLOC
  "Link mimalloc into the moatmq executable, replacing malloc process-wide (forced OFF with sanitizers)"
  ON "NOT moatmq_sanitized" OFF)

# moatmq_allocator: an interface target the moatmq executable links first. Empty with glibc malloc.
add_library(moatmq_allocator INTERFACE)
if(MOATMQ_MIMALLOC)
  find_library(MIMALLOC_LIBRARY NAMES mimalloc)
  find_path(MIMALLOC_INCLUDE_DIR NAMES mimalloc.h)
  if(NOT MIMALLOC_LIBRARY OR NOT MIMALLOC_INCLUDE_DIR)
    message(FATAL_ERROR
      "MOATMQ_MIMALLOC is ON but mimalloc was not found (library: ${MIMALLOC_LIBRARY}, header: "
      "${MIMALLOC_INCLUDE_DIR}). Install Debian's libmimalloc-dev (scripts/deps.sh does), or configure "
      "with -DMOATMQ_MIMALLOC=OFF to build with glibc's malloc.")
  endif()
  # A shared libmimalloc interposes malloc only if the dynamic linker finds it before libc: it must be
  # a direct dependency of the executable (never dropped by --as-needed, which it cannot be while the
  # executable calls mi_version()) and precede libc in DT_NEEDED, which the compiler driver adds last.
  target_link_libraries(moatmq_allocator INTERFACE ${MIMALLOC_LIBRARY})
  target_include_directories(moatmq_allocator SYSTEM INTERFACE ${MIMALLOC_INCLUDE_DIR})
  target_compile_definitions(moatmq_allocator INTERFACE MOATMQ_WITH_MIMALLOC=1)
  message(STATUS "moatmq allocator: mimalloc (${MIMALLOC_LIBRARY})")
elseif(moatmq_sanitized)
  message(STATUS "moatmq allocator: the C library's malloc (sanitizer or fuzz build)")
else()
  message(STATUS "moatmq allocator: the C library's malloc (MOATMQ_MIMALLOC=OFF)")
endif()
