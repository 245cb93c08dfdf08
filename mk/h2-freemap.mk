# mk/h2-freemap.mk - tests of the HAMMER2 freemap (hammer2_freemap.c,
# hammer2_bulkfree.c, hammer2_growfs.c; the sources themselves are part
# of the core built by mk/hammer2.mk).
#
#   h2_freemap_test.asan   allocator, rotation, recovery, bulkfree and
#                          growfs on newfs'd and fixture images (ASan)
#
# This fragment is read before mk/hammer2.mk, so the core library is
# named by path.  Until the chain layer defines hammer2_flush(), the
# test supplies its own freemap-only commit under that name.

FM_H2O		:= $(O)/hammer2
FM_BIN		:= $(FM_H2O)/bin
FM_ACFLAGS	:= $(CWARNFLAGS) $(GCC_ONLY) -O1 -g $(SAN_ASAN) \
		   -Isys/vfs/hammer2 -Ilib/libhammer2
FM_HAVE_FLUSH	:= $(shell grep -lsw '^hammer2_flush' sys/vfs/hammer2/*.c)
ifneq ($(FM_HAVE_FLUSH),)
FM_ACFLAGS	+= -DH2_FM_HAVE_FLUSH
endif

ALL_TARGETS	+= $(FM_BIN)/h2_freemap_test.asan
TEST_DEPS	+= $(FM_BIN)/h2_freemap_test.asan

$(FM_BIN)/h2_freemap_test.asan: tests/hammer2/h2_freemap_test.c \
    $(FM_H2O)/libh2-asan.a
	@mkdir -p $(@D)
	$(CC) $(FM_ACFLAGS) $< $(FM_H2O)/libh2-asan.a -o $@

# The benchmark: the same program without sanitizers (make bench).
BENCH_TARGETS	+= bench-hammer2-freemap
.PHONY: bench-hammer2-freemap

$(FM_BIN)/h2_freemap_bench: tests/hammer2/h2_freemap_test.c \
    $(FM_H2O)/libh2.a
	@mkdir -p $(@D)
	$(CC) $(subst $(SAN_ASAN),,$(subst -O1,-O2,$(FM_ACFLAGS))) $< \
	    $(FM_H2O)/libh2.a -o $@

bench-hammer2-freemap: $(FM_BIN)/h2_freemap_bench \
    $(FM_H2O)/bin/newfs_hammer2
	mkdir -p $(FM_H2O)/freemap-bench
	$(FM_BIN)/h2_freemap_bench -b $(FM_H2O)/bin/newfs_hammer2 \
	    $(FM_H2O)/freemap-bench $(wildcard $(FM_H2O)/fixtures/medium.img)
	rm -rf $(FM_H2O)/freemap-bench
