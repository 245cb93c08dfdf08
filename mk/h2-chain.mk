# mk/h2-chain.mk - tests of the HAMMER2 chain layer and commit
# (sys/vfs/hammer2/hammer2_chain.c, hammer2_flush.c; the sources are part
# of the core built by mk/hammer2.mk).
#
#   h2_chain_test.asan   create/lookup/modify/delete/write_data/flush
#                        scenarios, crash cuts, errors, fixtures (ASan);
#                        run by tests/suites/hammer2-chain.sh
#
# This fragment is read before mk/hammer2.mk, so the core library is
# named by path.

H2C_H2O		:= $(O)/hammer2
H2C_TEST	:= $(H2C_H2O)/bin/h2_chain_test.asan
H2C_ACFLAGS	:= $(CWARNFLAGS) $(GCC_ONLY) -O1 -g $(SAN_ASAN) \
		   -Isys/vfs/hammer2 -Ilib/libhammer2

TEST_DEPS	+= $(H2C_TEST)

$(H2C_TEST): tests/hammer2/h2_chain_test.c $(H2C_H2O)/libh2-asan.a
	@mkdir -p $(@D)
	$(CC) $(H2C_ACFLAGS) $< $(H2C_H2O)/libh2-asan.a -o $@

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
