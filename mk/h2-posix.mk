# mk/h2-posix.mk - the POSIX file-system semantics suite
# (tests/hammer2/posix): h2_posix runs against any directory; the suite
# tests/suites/hammer2-posix.sh runs it on tmpfs, ext4 and a read-write
# HAMMER2 FUSE mount (mount_hammer2, built by mk/hammer2.mk).

PX_DIR		:= tests/hammer2/posix
PX_BIN		:= $(O)/h2-posix/h2_posix
PX_SRCS		:= $(PX_DIR)/h2_posix.c $(PX_DIR)/px_names.c \
		   $(PX_DIR)/px_links.c $(PX_DIR)/px_data.c

ALL_TARGETS	+= $(PX_BIN)
TEST_DEPS	+= $(PX_BIN)

$(PX_BIN): $(PX_SRCS) $(PX_DIR)/h2_posix.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -D_GNU_SOURCE -I$(PX_DIR) $(PX_SRCS) -o $@
