# mk/h2-crash.mk - HAMMER2 crash-safety harness: the write recorder in
# libhammer2 (lib/libhammer2/h2_wlog.c), the replayer, the synthetic
# copy-on-write writer that tests the harness itself, and the workload
# driver over the core's ops layer (tests/hammer2/crash).
#
# NOTE: this fragment is read before mk/hammer2.mk (sorted), so targets
# and prerequisites name the paths themselves; the H2_* flags are used
# only in recipes, which expand late.  h2_wlog.o is part of the core
# archives (H2_HOST in mk/hammer2.mk): h2_host.c calls it.

CR_H2O		:= $(O)/hammer2
CR_BIN		:= $(CR_H2O)/bin
CR_SRC		:= tests/hammer2/crash

CR_TOOLS	:= $(CR_BIN)/h2_crashreplay.asan $(CR_BIN)/h2_fakewriter.asan \
		   $(CR_BIN)/h2_wlog_test.asan $(CR_BIN)/h2_wlog_mark

ALL_TARGETS	+= $(CR_TOOLS)
TEST_DEPS	+= $(CR_TOOLS)

$(CR_BIN)/h2_crashreplay.asan: $(CR_SRC)/h2_crashreplay.c \
    $(CR_H2O)/libh2-asan.a
	@mkdir -p $(@D)
	$(CC) $(H2_ACFLAGS) $< $(H2_O)/libh2-asan.a -o $@

$(CR_BIN)/h2_fakewriter.asan: $(CR_SRC)/h2_fakewriter.c \
    $(CR_H2O)/libh2-asan.a
	@mkdir -p $(@D)
	$(CC) $(H2_ACFLAGS) $< $(H2_O)/libh2-asan.a -o $@

$(CR_BIN)/h2_wlog_mark: $(CR_SRC)/h2_wlog_mark.c $(CR_H2O)/libh2.a
	@mkdir -p $(@D)
	$(CC) $(H2_CFLAGS) $< $(H2_O)/libh2.a -o $@

$(CR_BIN)/h2_wlog_test.asan: $(CR_SRC)/h2_wlog_test.c $(CR_H2O)/libh2-asan.a
	@mkdir -p $(@D)
	$(CC) $(H2_ACFLAGS) $< $(H2_O)/libh2-asan.a -o $@

# The workload driver over the ops layer.
ALL_TARGETS	+= $(CR_BIN)/h2_crashload.asan
TEST_DEPS	+= $(CR_BIN)/h2_crashload.asan

$(CR_BIN)/h2_crashload.asan: $(CR_SRC)/h2_crashload.c $(CR_H2O)/libh2-asan.a
	@mkdir -p $(@D)
	$(CC) $(H2_ACFLAGS) $< $(H2_O)/libh2-asan.a -o $@

# Longer runs by hand (several seeds, more cuts): not part of make test.
.PHONY: h2-crash-torture
h2-crash-torture: $(CR_TOOLS) $(CR_BIN)/h2_crashload.asan \
    $(CR_BIN)/fsck_hammer2 $(CR_BIN)/newfs_hammer2
	sh $(CR_SRC)/torture.sh
