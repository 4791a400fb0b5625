# swrr: record-and-replay debugging for Linux x86-64.
#
#   make demo    install what is missing, build release binaries, record and replay an example
#   make test    install what is missing, build, run the whole test suite (the recording suites,
#                the real runtimes' among them, twice: with and without syscall buffering)
#   make deps    install the Debian packages swrr needs (only those missing)
#   make build   release build (.build/release/swrr)
#   make bench   record/replay overhead benchmark (benchmarks/record-overhead)
#   make fuzz    build the libFuzzer harnesses (Fuzz/) and run each for FUZZ_SECONDS (default 60);
#                fails, naming the input, if one crashed (not part of `make test`; docs/FUZZING.md)
#   make vsix    the VS Code extension package $(BUILD_DIR)/swrr-<version>.vsix (no npm: adapter-manifest/
#                pack-vsix.py); WITH_ADAPTER=1 bundles the release swrr-dap (extension/bin/swrr-dap)
#   make clean   remove build products
#
# BUILD_DIR picks the build directory (default .build), e.g. `make test BUILD_DIR=.build-mine`.

SHELL := /bin/bash
BUILD_DIR ?= .build
SWIFT ?= $(shell command -v swift || echo /opt/swift/usr/bin/swift)
SWIFT_BUILD_FLAGS := --scratch-path $(BUILD_DIR)

# Debian packages: system libraries the package links (libdw/libelf, zstd, zlib), the C
# compiler and static C library the tests compile fixtures with, gdb, python3 (tests, bench,
# the demo's DAP client) with jsonschema (the DAP tests validate every message against the
# schema), Emacs with dap-mode (a real DAP client drives swrr-dap in the tests), and the Go
# toolchain and a headless JDK (Tests/SwrrRuntimeTests build and record Go and Java programs;
# node, rustc/cargo and swiftc come from the machine where present, and those tests say what is
# missing otherwise), LuaJIT, Neovim's Lua (NvimDapSnippetTests run adapter-manifest/nvim-dap.lua),
# and the rr paper's workloads (PaperWorkloadTests, benchmarks/paper-workloads): make, binutils (ar),
# Node.js (nodejs: the octane workload fails without it), Redis's server and tools, and Python's
# own test suite, valgrind (ValgrindTests record it running a fixture) and openssl (OuterLoopPositionTests
# record `openssl speed`).
DEB_PACKAGES := libelf-dev libdw-dev libzstd-dev zlib1g-dev gcc libc6-dev pkg-config gdb strace python3 \
                python3-jsonschema emacs-nox elpa-dap-mode golang-go openjdk-17-jdk-headless luajit \
                make binutils nodejs redis-server redis-tools libpython3.11-testsuite libc6-dbg valgrind openssl
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build debug demo test bench fuzz vsix clean

all: build

deps:
	@if ! command -v dpkg-query >/dev/null; then \
	    echo "make deps: not a Debian-based system; install the equivalents of: $(DEB_PACKAGES)"; exit 0; \
	fi; \
	missing=""; \
	for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then \
	    echo "make deps: all needed Debian packages are installed"; \
	else \
	    echo "make deps: installing$$missing"; \
	    $(SUDO) apt-get update && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS)

debug: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

demo: build
	examples/run-demo $(BUILD_DIR)/release/swrr $(BUILD_DIR)/demo

# `swift test` alone may not build the swrr executable the end-to-end tests run: build it first
# (debug, next to the test bundle). The suites that record run a second time without syscall
# buffering (SWRR_SYSCALLBUF=0, as `swrr record -n`): both ways must pass. SwrrRuntimeTests
# (real runtimes) run in both passes: the two ways are different code paths for the many
# syscalls runtimes make, and the suite costs 30 s a pass (29 s without buffering; measured on 2
# shared cores, debug build; it took 2.5-3 min a pass while replays hung to their time-outs).
test: debug
	$(SWIFT) test $(SWIFT_BUILD_FLAGS)
	SWRR_SYSCALLBUF=0 $(SWIFT) test $(SWIFT_BUILD_FLAGS) --skip-build \
	    --skip SwrrTraceTests --skip SwrrKernelTests --skip SwrrDebugInfoTests

bench: build
	SWRR_BIN=$(BUILD_DIR)/release/swrr benchmarks/record-overhead

# The harnesses are declared in Package.swift only when SWRR_FUZZ=1, and built with every module
# instrumented (-sanitize=fuzzer) in their own build directory, .build-fuzz.
FUZZ_SECONDS ?= 60
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) SWIFT=$(SWIFT) Fuzz/run-fuzz

# The .vsix goes beside the build products (not in the repository's tree). With WITH_ADAPTER=1
# swrr-dap is built for release with the Swift runtime linked in (--static-swift-stdlib, in its own
# build directory): a normal build's swrr-dap finds libswiftCore.so through a RUNPATH into this
# machine's toolchain (/opt/swift/usr/lib/swift/linux here), which a user's machine lacks. It still
# needs libdw, libelf, libzstd and zlib (the Debian packages of `make deps`). It is packed at
# extension/bin/swrr-dap, where the extension looks when neither the setting swrr.adapterPath nor
# PATH has one.
VSIX_DIR ?= $(BUILD_DIR)
VSIX_ADAPTER_BUILD := $(BUILD_DIR)-vsix
vsix:
	@if [ "$(WITH_ADAPTER)" = 1 ]; then \
	    $(MAKE) deps && \
	    $(SWIFT) build -c release --static-swift-stdlib --product swrr-dap --scratch-path $(VSIX_ADAPTER_BUILD) && \
	    python3 adapter-manifest/pack-vsix.py --output-dir $(VSIX_DIR) --adapter $(VSIX_ADAPTER_BUILD)/release/swrr-dap; \
	else \
	    python3 adapter-manifest/pack-vsix.py --output-dir $(VSIX_DIR); \
	fi

clean:
	rm -rf $(BUILD_DIR)
