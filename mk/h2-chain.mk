# mk/h2-chain.mk - tests of the HAMMER2 chain layer and commit
# (sys/vfs/hammer2/hammer2_chain.c, hammer2_flush.c; the sources are part
# of the core built by mk/hammer2.mk).
#
#   h2_chain_test.asan   create/lookup/modify/delete/write_data/flush
#                        scenarios, crash cuts, errors, fixtures (ASan);
#                        run by tests/suites/hammer2-chain.sh
#   h2_chain_index_test.asan  the sorted live-slot index and directory
#                        split policy: random inserts/deletes/range
#                        lookups in a huge directory against a model
#                        (ASan); run by tests/suites/hammer2-chain.sh
#   h2_dir_bench         creates/lookups in one huge directory
#                        (make bench-h2-dir; docs/performance/hammer2-ops.md)
#
# Both tests share tests/hammer2/h2_chain_testlib.c.
#
# This fragment is read before mk/hammer2.mk, so the core library is
# named by path.

H2C_H2O		:= $(O)/hammer2
H2C_TEST	:= $(H2C_H2O)/bin/h2_chain_test.asan
H2C_ACFLAGS	:= $(CWARNFLAGS) $(GCC_ONLY) -O1 -g $(SAN_ASAN) \
		   -Isys/vfs/hammer2 -Ilib/libhammer2

H2C_ITEST	:= $(H2C_H2O)/bin/h2_chain_index_test.asan
H2C_LIB		:= tests/hammer2/h2_chain_testlib.c tests/hammer2/h2_chain_testlib.h

TEST_DEPS	+= $(H2C_TEST) $(H2C_ITEST)

$(H2C_TEST): tests/hammer2/h2_chain_test.c $(H2C_LIB) $(H2C_H2O)/libh2-asan.a
	@mkdir -p $(@D)
	$(CC) $(H2C_ACFLAGS) $< tests/hammer2/h2_chain_testlib.c \
	    $(H2C_H2O)/libh2-asan.a -o $@

$(H2C_ITEST): tests/hammer2/h2_chain_index_test.c $(H2C_LIB) \
    $(H2C_H2O)/libh2-asan.a
	@mkdir -p $(@D)
	$(CC) $(H2C_ACFLAGS) $< tests/hammer2/h2_chain_testlib.c \
	    $(H2C_H2O)/libh2-asan.a -o $@

# Benchmark (make bench): commit cost batched vs. per create, lookups
# through the chain cache vs. the read-only path; -O2, not sanitized.
# Results: docs/performance/h2-chain.md.
H2C_BENCH	:= $(H2C_H2O)/bin/h2_chain_bench
H2C_CFLAGS	:= $(HOST_CFLAGS) -Isys/vfs/hammer2 -Ilib/libhammer2

BENCH_TARGETS	+= bench-h2-chain

.PHONY: bench-h2-chain

$(H2C_BENCH): tests/hammer2/h2_chain_bench.c $(H2C_H2O)/libh2.a
	@mkdir -p $(@D)
	$(CC) $(H2C_CFLAGS) $< $(H2C_H2O)/libh2.a -o $@

bench-h2-chain: $(H2C_BENCH) $(H2C_H2O)/bin/newfs_hammer2
	$(H2C_BENCH) $(H2C_H2O)/chain-bench.img \
	    "rm -f $(H2C_H2O)/chain-bench.img && $(H2C_H2O)/bin/newfs_hammer2 -s 1g $(H2C_H2O)/chain-bench.img > /dev/null"
	rm -f $(H2C_H2O)/chain-bench.img

H2C_DBENCH	:= $(H2C_H2O)/bin/h2_dir_bench

ALL_TARGETS	+= $(H2C_DBENCH)
BENCH_TARGETS	+= bench-h2-dir

.PHONY: bench-h2-dir

$(H2C_DBENCH): tests/hammer2/h2_dir_bench.c $(H2C_H2O)/libh2.a
	@mkdir -p $(@D)
	$(CC) $(H2C_CFLAGS) $< $(H2C_H2O)/libh2.a -o $@

bench-h2-dir: $(H2C_DBENCH) $(H2C_H2O)/bin/newfs_hammer2
	for n in 10000 60000 200000; do \
	    rm -f $(H2C_H2O)/dir-bench.img && \
	    $(H2C_H2O)/bin/newfs_hammer2 -L DATA -s 2g \
		$(H2C_H2O)/dir-bench.img > /dev/null && \
	    timeout 600 $(H2C_DBENCH) $(H2C_H2O)/dir-bench.img $$n || exit 1; \
	done; rm -f $(H2C_H2O)/dir-bench.img
