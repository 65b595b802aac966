# The README's words.  `make check` and `make run` install what is missing
# (Debian packages), configure, build, and then test or run.
BUILD ?= build
SRC := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))
JOBS ?= $(shell nproc)

.PHONY: all deps build build-clang check run fuzz clean distclean bench

all: build

deps:
	@$(SRC)scripts/install-deps

$(BUILD)/build.ninja:
	@$(SRC)scripts/install-deps
	cd $(SRC) && ./configure --builddir=$(BUILD) --enable-asan

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Plain (no sanitizer) build with clang too, so both compilers stay clean.
build-clang: deps
	@[ -f build-clang/build.ninja ] || (cd $(SRC) && ./configure --builddir=build-clang --cc=clang)
	ninja -C build-clang

check: build
	@$(SRC)scripts/check-all $(BUILD)

run: build
	@$(SRC)scripts/run-main-job $(BUILD)

fuzz: deps
	@[ -f build-fuzz/build.ninja ] || (cd $(SRC) && ./configure --builddir=build-fuzz --cc=clang --enable-fuzzing)
	ninja -C build-fuzz

# Benchmarks of issues 3 and 4, side by side with Debian's QEMU
# (bench/README.md); the KVM parts run through scripts/kvm-run.  They use
# their own plain, statically linked build (no sanitizers, no shared
# libraries: the figures in bench/README.md come from such a build).
bench: deps
	@[ -f build-bench/build.ninja ] || (cd $(SRC) && ./configure --builddir=build-bench --static)
	ninja -C build-bench
	@$(SRC)bench/run-all build-bench

clean:
	-ninja -C $(BUILD) clean

distclean:
	rm -rf $(BUILD) build-clang build-fuzz build-bench
