// The one translation unit that compiles toml++'s implementation (the library is built with
// TOML_HEADER_ONLY=0 and TOML_EXCEPTIONS=0; see CMakeLists.txt). Every other file includes declarations only.
#define TOML_IMPLEMENTATION
#include "config/toml.hpp"
