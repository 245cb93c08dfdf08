# mk/h2-ops.mk - tests of the HAMMER2 vnops layer (sys/vfs/hammer2/
# hammer2_vnops.h): h2_ops_test.asan, run by tests/suites/hammer2-ops.sh.
#
# This fragment is read before mk/hammer2.mk (sorted), so targets and
# prerequisites name their paths; H2_ACFLAGS is only used in the recipe,
# which expands late.

OPS_H2O		:= $(O)/hammer2
OPS_BIN		:= $(OPS_H2O)/bin
OPS_TESTS	:= $(OPS_BIN)/h2_ops_test.asan

ALL_TARGETS	+= $(OPS_TESTS)
TEST_DEPS	+= $(OPS_TESTS)

$(OPS_BIN)/h2_ops_test.asan: tests/hammer2/h2_ops_test.c \
    $(OPS_H2O)/libh2-asan.a
	@mkdir -p $(@D)
	$(CC) $(H2_ACFLAGS) $< $(H2_O)/libh2-asan.a -o $@

# make bench-hammer2-ops: the vnops layer next to the host file system
# (docs/performance/hammer2-ops.md).
BENCH_TARGETS	+= bench-hammer2-ops
.PHONY: bench-hammer2-ops

$(OPS_BIN)/bench_ops: tests/hammer2/bench_ops.c $(OPS_H2O)/libh2.a
	@mkdir -p $(@D)
	$(CC) $(H2_CFLAGS) $< $(H2_O)/libh2.a -o $@

bench-hammer2-ops: $(OPS_BIN)/bench_ops $(OPS_BIN)/newfs_hammer2
	sh tests/hammer2/bench_ops.sh
