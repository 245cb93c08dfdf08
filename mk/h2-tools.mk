# mk/h2-tools.mk - test programs of the hammer2(8) offline commands
# (tests/suites/hammer2-tools.sh): h2_tools_helper puts files into a PFS
# through the vnops layer and checksums them through the read-only core.
# hammer2 itself and the core files hammer2_pfs*.c are built by
# mk/hammer2.mk (every sbin/hammer2/*.c, every sys/vfs/hammer2/*.c).
#
# NOTE: this fragment is read before mk/hammer2.mk, so targets and
# prerequisites spell out their paths; H2_* are used in recipes only.

TL_BIN		:= $(O)/hammer2/bin
TL_SRC		:= tests/hammer2/tools

TL_PROGS	:= $(TL_BIN)/h2_tools_helper.asan

ALL_TARGETS	+= $(TL_PROGS)
TEST_DEPS	+= $(TL_PROGS)

$(TL_BIN)/h2_tools_helper.asan: $(TL_SRC)/h2_tools_helper.c \
    $(O)/hammer2/libh2-asan.a
	@mkdir -p $(@D)
	$(CC) $(H2_ACFLAGS) $< $(H2_O)/libh2-asan.a -o $@

# hammer2(8) against the ASan/UBSan core, for the suite.
TL_PROGS	+= $(TL_BIN)/hammer2.asan
ALL_TARGETS	+= $(TL_BIN)/hammer2.asan
TEST_DEPS	+= $(TL_BIN)/hammer2.asan

$(TL_BIN)/hammer2.asan: $(wildcard sbin/hammer2/*.c sbin/hammer2/*.h) \
    $(O)/hammer2/libh2-asan.a
	@mkdir -p $(@D)
	$(CC) $(H2_ACFLAGS) -Isbin/hammer2 $(filter %.c,$^) \
	    $(H2_O)/libh2-asan.a -o $@

# Unsanitized helper for the snapshot benchmark (make bench-hammer2-tools).
TL_PROGS	+= $(TL_BIN)/h2_tools_helper
ALL_TARGETS	+= $(TL_BIN)/h2_tools_helper
BENCH_TARGETS	+= bench-hammer2-tools

.PHONY: bench-hammer2-tools

$(TL_BIN)/h2_tools_helper: $(TL_SRC)/h2_tools_helper.c \
    $(O)/hammer2/libh2.a
	@mkdir -p $(@D)
	$(CC) $(H2_CFLAGS) $< $(H2_O)/libh2.a -o $@

bench-hammer2-tools: $(TL_BIN)/h2_tools_helper $(O)/hammer2/bin/hammer2 \
    $(O)/hammer2/bin/fsck_hammer2 \
    $(O)/hammer2/bin/newfs_hammer2
	sh $(TL_SRC)/bench_snapshot.sh
