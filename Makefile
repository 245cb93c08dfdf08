# Anax top-level Makefile.
#
#   make          build everything that exists (warnings are errors)
#   make run      boot the virtual kernel (vkernel64) on this terminal
#   make test     run every test suite; ends with "N passed, N failed, N skipped"
#   make bench    run the benchmarks (results go to docs/PERFORMANCE.md by hand)
#
# Each subsystem adds itself through one fragment in mk/ (see mk/common.mk).

.DEFAULT_GOAL := all
include mk/common.mk
include $(sort $(wildcard mk/[a-z]*.mk))

DEPS_STAMP := $(O)/.deps-installed

.PHONY: all build-all test build-test bench build-bench deps deps-bench clean

# Packages first, then the real work, so that "make -j" never compiles
# before a needed -dev package is there.
all:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory build-all

build-all: $(ALL_TARGETS)

# Install what a fresh Debian 12 machine lacks (apt-get as root), once per
# change of the package lists.
$(DEPS_STAMP): tools/install-deps.sh $(wildcard tools/deps.d/*.pkgs)
	@mkdir -p $(O)
	@sh tools/install-deps.sh
	@touch $@

deps: $(DEPS_STAMP)

# Packages only the benchmarks need (tools/deps.d/bench/).
deps-bench: $(DEPS_STAMP)
	@sh tools/install-deps.sh --bench

test:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory build-all build-test
	@sh tests/run.sh

build-test: $(TEST_DEPS)

bench:
	@$(MAKE) --no-print-directory deps-bench
	@$(MAKE) --no-print-directory build-bench

build-bench: $(BENCH_TARGETS)

clean:
	rm -rf $(O)
