# mk/h2-chainidx.mk - the HAMMER2 chain layer's sorted slot index and
# directory indirect-block policy (sys/vfs/hammer2/hammer2_chain.c,
# hammer2_chain_create.c; the sources are part of the core built by
# mk/hammer2.mk).
#
#   h2_chain_index_test.asan  random inserts/deletes/range lookups in a
#                             huge directory against a model (ASan);
#                             run by tests/suites/hammer2-chain.sh
#   h2_dir_bench              creates/lookups in one huge directory
#                             (make bench-h2-dir; results in
#                             docs/performance/hammer2-ops.md)
#
# This fragment is read before mk/hammer2.mk, so the core library is
# named by path.

H2X_H2O		:= $(O)/hammer2
H2X_TEST	:= $(H2X_H2O)/bin/h2_chain_index_test.asan
H2X_BENCH	:= $(H2X_H2O)/bin/h2_dir_bench
H2X_ACFLAGS	:= $(CWARNFLAGS) $(GCC_ONLY) -O1 -g $(SAN_ASAN) \
		   -Isys/vfs/hammer2 -Ilib/libhammer2
H2X_CFLAGS	:= $(HOST_CFLAGS) -Isys/vfs/hammer2 -Ilib/libhammer2

TEST_DEPS	+= $(H2X_TEST)
ALL_TARGETS	+= $(H2X_BENCH)
BENCH_TARGETS	+= bench-h2-dir

.PHONY: bench-h2-dir

$(H2X_TEST): tests/hammer2/h2_chain_index_test.c $(H2X_H2O)/libh2-asan.a
	@mkdir -p $(@D)
	$(CC) $(H2X_ACFLAGS) $< $(H2X_H2O)/libh2-asan.a -o $@

$(H2X_BENCH): tests/hammer2/h2_dir_bench.c $(H2X_H2O)/libh2.a
	@mkdir -p $(@D)
	$(CC) $(H2X_CFLAGS) $< $(H2X_H2O)/libh2.a -o $@

bench-h2-dir: $(H2X_BENCH) $(H2X_H2O)/bin/newfs_hammer2
	for n in 10000 60000 200000; do \
	    rm -f $(H2X_H2O)/dir-bench.img && \
	    $(H2X_H2O)/bin/newfs_hammer2 -L DATA -s 2g \
		$(H2X_H2O)/dir-bench.img > /dev/null && \
	    timeout 600 $(H2X_BENCH) $(H2X_H2O)/dir-bench.img $$n || exit 1; \
	done; rm -f $(H2X_H2O)/dir-bench.img
