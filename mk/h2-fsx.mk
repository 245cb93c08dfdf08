# mk/h2-fsx.mk - the fsx exerciser (tests/hammer2/fsx), the HAMMER2
# fixture round trip and the read-write benchmarks.
#
#   h2_fsx             fsx on a path (any file system, FUSE mounts too)
#   h2_fsx_core(.asan) fsx straight on the core's vnops layer, no FUSE
#   h2_fsx_rt.asan     fixture round trip through the vnops layer
#   h2_fsx_fill        write N MiB into an image (benchmark set-up)
#   make torture       longer fsx runs with random seeds (not in make test)
#   make bench-hammer2-rw   HAMMER2 vs ext4 (fuse2fs) through FUSE
#
# This fragment is read before mk/hammer2.mk, so its prerequisites name
# the core libraries by path instead of through H2_O.

FSX_DIR		:= tests/hammer2/fsx
FSX_H2O		:= $(O)/hammer2
FSX_BIN		:= $(FSX_H2O)/bin
FSX_HDRS	:= $(FSX_DIR)/h2_fsx.h
FSX_CFLAGS	:= $(CWARNFLAGS) $(GCC_ONLY) -O2 -g -fno-common
FSX_INC		:= -I$(FSX_DIR) -Isys/vfs/hammer2 -Ilib/libhammer2
FSX_ACFLAGS	:= $(CWARNFLAGS) $(GCC_ONLY) -O1 -g $(SAN_ASAN) $(FSX_INC)

FSX_PROGS	:= $(FSX_BIN)/h2_fsx $(FSX_BIN)/h2_fsx_core \
		   $(FSX_BIN)/h2_fsx_core.asan $(FSX_BIN)/h2_fsx_fill \
		   $(FSX_BIN)/h2_fsx_rt.asan

ALL_TARGETS	+= $(FSX_PROGS)
TEST_DEPS	+= $(FSX_PROGS)
BENCH_TARGETS	+= bench-hammer2-rw

.PHONY: torture bench-hammer2-rw

$(FSX_BIN)/h2_fsx: $(FSX_DIR)/h2_fsx.c $(FSX_DIR)/h2_fsx_posix.c $(FSX_HDRS)
	@mkdir -p $(@D)
	$(CC) $(FSX_CFLAGS) -I$(FSX_DIR) $(filter %.c,$^) -o $@

$(FSX_BIN)/h2_fsx_core: $(FSX_DIR)/h2_fsx.c $(FSX_DIR)/h2_fsx_core.c \
    $(FSX_HDRS) $(FSX_H2O)/libh2.a
	@mkdir -p $(@D)
	$(CC) $(FSX_CFLAGS) $(FSX_INC) $(filter %.c,$^) $(FSX_H2O)/libh2.a \
	    -o $@

$(FSX_BIN)/h2_fsx_core.asan: $(FSX_DIR)/h2_fsx.c $(FSX_DIR)/h2_fsx_core.c \
    $(FSX_HDRS) $(FSX_H2O)/libh2-asan.a
	@mkdir -p $(@D)
	$(CC) $(FSX_ACFLAGS) $(filter %.c,$^) $(FSX_H2O)/libh2-asan.a -o $@

$(FSX_BIN)/h2_fsx_fill: $(FSX_DIR)/h2_fsx_fill.c $(FSX_H2O)/libh2.a
	@mkdir -p $(@D)
	$(CC) $(FSX_CFLAGS) $(FSX_INC) $(filter %.c,$^) $(FSX_H2O)/libh2.a -o $@

$(FSX_BIN)/h2_fsx_rt.asan: $(FSX_DIR)/h2_fsx_rt.c $(FSX_H2O)/libh2-asan.a
	@mkdir -p $(@D)
	$(CC) $(FSX_ACFLAGS) $(filter %.c,$^) $(FSX_H2O)/libh2-asan.a -o $@

torture: $(FSX_PROGS) $(FSX_BIN)/newfs_hammer2 \
    $(FSX_BIN)/fsck_hammer2
	sh $(FSX_DIR)/torture.sh

bench-hammer2-rw: $(FSX_PROGS) $(FSX_BIN)/mount_hammer2 \
    $(FSX_BIN)/newfs_hammer2 $(FSX_BIN)/hammer2
	sh tests/hammer2/bench_rw.sh
