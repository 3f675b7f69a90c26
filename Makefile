# moatmq — the two commands a new user needs are `make run` and `make test`.
# Everything goes through CMake presets (CMakePresets.json); this file only sequences them.

JOBS   ?= $(shell nproc)
# CI sets CI=true: warnings become errors there.
WERROR ?= $(if $(CI),ON,OFF)
CONFIG ?=
# ccache (used when installed) shares hits between clones: paths are hashed relative to the tree.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all deps build run test test-unit test-asan test-fuzz bench format format-check clean

all: build

deps:
	@bash scripts/deps.sh

# Release build of everything; the broker binary is build/moatmq.
build: deps
	cmake --preset release -DMOATMQ_WERROR=$(WERROR) >/dev/null
	cmake --build --preset release -j $(JOBS)
	@ln -sf release/moatmq build/moatmq

# Starts the broker on the embedded default configuration (or CONFIG=file).
run: build
	./build/moatmq serve $(if $(CONFIG),-c $(CONFIG),)

# Format check, unit tests under ASan+UBSan, a bounded fuzz run, then every test on the release build.
# The last thing printed is CTest's summary of the full suite.
test: build format-check test-asan test-fuzz
	ctest --preset release -j $(JOBS)

test-asan: deps
	cmake --preset asan -DMOATMQ_WERROR=$(WERROR) >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

test-fuzz: deps
	cmake --preset fuzz -DMOATMQ_WERROR=$(WERROR) >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	ctest --preset fuzz -j $(JOBS)

bench: build
	./build/release/bench/moatmq_micro_bench
	bash bench/compare.sh

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

format-check:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

clean:
	rm -rf build
