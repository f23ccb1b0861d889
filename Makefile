# SPDX-License-Identifier: Apache-2.0
# Front door of the build. Everything goes through CMake; this file only names the jobs.
#   make          build everything (build/)
#   make test     build and run every test with ctest (SANITIZE=1: under ASan+UBSan)
#   make demo     the main job end to end: a CA, a simulated device, provisioning, the verdict
#   make asan     build and run every test under ASan+UBSan (build-asan/)
#   make fuzz     build the libFuzzer targets with clang and fuzz each for FUZZ_SECONDS (default 30)
#   make bench    build and run the benchmarks; they print figures
#   make target-test  only the device tests on the emulated Cortex-M4 board (ctest label `target`)
#   make size     the device library's flash/RAM/stack/heap footprint on Cortex-M4 and x86-64 (-Os)
# Every target that needs packages installs the missing ones first (scripts/install-deps.sh).

MAKEFLAGS += --no-print-directory
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
SANITIZE ?= 0
FUZZ_SECONDS ?= 30
CMAKE_FLAGS ?=

ifeq ($(SANITIZE),1)
BUILD ?= build-asan
SAN_FLAGS = -DFCC_SANITIZE=ON
else
BUILD ?= build
SAN_FLAGS =
endif

.PHONY: all deps configure build test asan fuzz bench demo clean

all: build

deps:
	@bash scripts/install-deps.sh --quiet

configure: deps
	@cmake -S . -B $(BUILD) $(SAN_FLAGS) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j $(JOBS)

asan:
	@$(MAKE) --no-print-directory test SANITIZE=1

fuzz: deps
	@CC=clang cmake -S . -B build-fuzz -DFCC_FUZZ=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) cmake --build build-fuzz --target run_fuzz

bench: deps
	@cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-bench -j $(JOBS)
	@cmake --build build-bench --target run_bench

# The demo needs only the two tools, not the tests and benchmarks.
demo: configure
	@cmake --build $(BUILD) -j $(JOBS) --target fcu fcc-device
	@bash scripts/demo.sh $(BUILD)

# The device tests on the emulated Cortex-M4 board (tests/target/; part of `make test` too).
.PHONY: target-test size
target-test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L '^target$$'

# Footprint of the device library (scripts/size.sh; docs/port-cortex-m.md).
size: deps
	@bash scripts/size.sh build-size

clean:
	rm -rf build build-asan build-fuzz build-bench build-size
