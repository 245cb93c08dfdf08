# mk/h2-posix.mk - the POSIX file-system semantics suite
# (tests/hammer2/posix): h2_posix runs against any directory; the suite
# tests/suites/hammer2-posix.sh runs it on tmpfs, ext4 and a read-write
# HAMMER2 FUSE mount.  mount_hammer2 itself is built by mk/hammer2.mk;
# this fragment builds a second copy with ASan/UBSan over the sanitized
# core for the suite.  mk/hammer2.mk is read after this fragment, so the
# core library is named by its path.

PX_DIR		:= tests/hammer2/posix
PX_O		:= $(O)/h2-posix
PX_BIN		:= $(PX_O)/h2_posix
PX_MOUNT_ASAN	:= $(PX_O)/mount_hammer2.asan
PX_SRCS		:= $(PX_DIR)/h2_posix.c $(PX_DIR)/px_names.c \
		   $(PX_DIR)/px_links.c $(PX_DIR)/px_data.c

ALL_TARGETS	+= $(PX_BIN)
TEST_DEPS	+= $(PX_BIN) $(PX_MOUNT_ASAN)

$(PX_BIN): $(PX_SRCS) $(PX_DIR)/h2_posix.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -D_GNU_SOURCE -I$(PX_DIR) $(PX_SRCS) -o $@

# pkg-config runs when the recipe runs, after tools/install-deps.sh.
$(PX_MOUNT_ASAN): sbin/mount_hammer2/mount_hammer2.c $(O)/hammer2/libh2-asan.a
	@mkdir -p $(@D)
	$(CC) $(CWARNFLAGS) $(GCC_ONLY) -O1 -g $(SAN_ASAN) -Isys/vfs/hammer2 \
	    -Ilib/libhammer2 $$(pkg-config --cflags fuse3) $< \
	    $(O)/hammer2/libh2-asan.a $$(pkg-config --libs fuse3) -o $@
