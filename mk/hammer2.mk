# mk/hammer2.mk - HAMMER2 core (sys/vfs/hammer2), libhammer2, the tools
# (newfs_hammer2, fsck_hammer2, hammer2, mount_hammer2) and their tests.
#
# The core and the codec sources are compiled twice: plain -O2 for the
# tools, and with ASan/UBSan for the test programs (corruption and fuzz
# tests run against the sanitized build).  mount_hammer2 needs libfuse3
# (tools/deps.d/hammer2.pkgs).

H2_O		:= $(O)/hammer2
H2_BIN		:= $(H2_O)/bin
H2_SYS		:= sys/vfs/hammer2
H2_LIB		:= lib/libhammer2
H2_CODEC	:= hammer2_check hammer2_lz4 hammer2_inflate hammer2_deflate \
		   hammer2_block
# The core is every other source of sys/vfs/hammer2: a new core file needs
# no makefile edit (it is also compiled as kernel code below).
H2_CORE		:= $(filter-out $(H2_CODEC), \
		   $(basename $(notdir $(wildcard $(H2_SYS)/*.c))))
H2_HOST		:= h2_host h2_wlog
H2_OBJS		:= $(H2_CORE:%=$(H2_O)/o/%.o) $(H2_CODEC:%=$(H2_O)/o/%.o) \
		   $(H2_HOST:%=$(H2_O)/o/%.o)
H2_AOBJS	:= $(H2_OBJS:$(H2_O)/o/%=$(H2_O)/asan/%)
H2_INC		:= -I$(H2_SYS) -I$(H2_LIB)
H2_CFLAGS	:= $(HOST_CFLAGS) $(H2_INC) $(DEPFLAGS)
H2_ACFLAGS	:= $(CWARNFLAGS) $(GCC_ONLY) -O1 -g $(SAN_ASAN) $(H2_INC) \
		   $(DEPFLAGS)
H2_CLANG	?= clang

H2_TOOLS	:= $(H2_BIN)/fsck_hammer2 $(H2_BIN)/hammer2 \
		   $(H2_BIN)/mount_hammer2 $(H2_BIN)/newfs_hammer2
H2_TESTS	:= $(H2_BIN)/h2_manifest $(H2_BIN)/h2_manifest.asan \
		   $(H2_BIN)/h2_corrupt.asan $(H2_BIN)/fsck_hammer2.asan \
		   $(H2_BIN)/h2_unit.asan \
		   $(H2_BIN)/h2_fuzz

# The core compiled as kernel code (freestanding, small frames), with gcc
# and clang, to keep it fit for sys/ while only host programs use it.
H2_KOBJS	:= $(H2_CORE:%=$(H2_O)/kern-gcc/%.o) \
		   $(H2_CORE:%=$(H2_O)/kern-clang/%.o)

ALL_TARGETS	+= $(H2_TOOLS) $(H2_KOBJS)
TEST_DEPS	+= $(H2_TOOLS) $(H2_TESTS)
BENCH_TARGETS	+= bench-hammer2

.PHONY: bench-hammer2

$(H2_O)/o/%.o: $(H2_SYS)/%.c
	@mkdir -p $(@D)
	$(CC) $(H2_CFLAGS) -c $< -o $@

$(H2_O)/o/%.o: $(H2_LIB)/%.c
	@mkdir -p $(@D)
	$(CC) $(H2_CFLAGS) -c $< -o $@

$(H2_O)/asan/%.o: $(H2_SYS)/%.c
	@mkdir -p $(@D)
	$(CC) $(H2_ACFLAGS) -c $< -o $@

$(H2_O)/asan/%.o: $(H2_LIB)/%.c
	@mkdir -p $(@D)
	$(CC) $(H2_ACFLAGS) -c $< -o $@

$(H2_O)/kern-gcc/%.o: $(H2_SYS)/%.c
	@mkdir -p $(@D)
	$(CC) $(CWARNFLAGS) $(GCC_ONLY) $(KERNFLAGS) -O2 $(DEPFLAGS) -c $< -o $@

$(H2_O)/kern-clang/%.o: $(H2_SYS)/%.c
	@mkdir -p $(@D)
	$(H2_CLANG) $(CWARNFLAGS) -Wcomma -Wunreachable-code \
	    -Wconditional-uninitialized $(KERNFLAGS) -O2 $(DEPFLAGS) -c $< -o $@

$(H2_O)/libh2.a: $(H2_OBJS)
	rm -f $@ && ar rcs $@ $^

$(H2_O)/libh2-asan.a: $(H2_AOBJS)
	rm -f $@ && ar rcs $@ $^

$(H2_BIN)/fsck_hammer2: sbin/fsck_hammer2/fsck_hammer2.c $(H2_O)/libh2.a
	@mkdir -p $(@D)
	$(CC) $(H2_CFLAGS) $< $(H2_O)/libh2.a -o $@

$(H2_BIN)/fsck_hammer2.asan: sbin/fsck_hammer2/fsck_hammer2.c \
    $(H2_O)/libh2-asan.a
	@mkdir -p $(@D)
	$(CC) $(H2_ACFLAGS) $< $(H2_O)/libh2-asan.a -o $@

$(H2_BIN)/hammer2: $(wildcard sbin/hammer2/*.c) $(H2_O)/libh2.a
	@mkdir -p $(@D)
	$(CC) $(H2_CFLAGS) -Isbin/hammer2 $(filter %.c,$^) $(H2_O)/libh2.a \
	    -o $@

$(H2_BIN)/newfs_hammer2: sbin/newfs_hammer2/newfs_hammer2.c \
    $(H2_O)/libh2.a
	@mkdir -p $(@D)
	$(CC) $(H2_CFLAGS) $< $(H2_O)/libh2.a -o $@

# pkg-config runs when the recipe runs, after tools/install-deps.sh.
$(H2_BIN)/mount_hammer2: sbin/mount_hammer2/mount_hammer2.c \
    $(H2_O)/libh2.a
	@mkdir -p $(@D)
	$(CC) $(H2_CFLAGS) $$(pkg-config --cflags fuse3) $< $(H2_O)/libh2.a \
	    $$(pkg-config --libs fuse3) -o $@

$(H2_BIN)/h2_manifest: tests/hammer2/h2_manifest.c $(H2_O)/libh2.a
	@mkdir -p $(@D)
	$(CC) $(H2_CFLAGS) $< $(H2_O)/libh2.a -o $@

$(H2_BIN)/h2_manifest.asan: tests/hammer2/h2_manifest.c $(H2_O)/libh2-asan.a
	@mkdir -p $(@D)
	$(CC) $(H2_ACFLAGS) $< $(H2_O)/libh2-asan.a -o $@

$(H2_BIN)/h2_unit.asan: tests/hammer2/h2_unit.c $(H2_O)/libh2-asan.a
	@mkdir -p $(@D)
	$(CC) $(H2_ACFLAGS) $< $(H2_O)/libh2-asan.a -o $@

$(H2_BIN)/h2_corrupt.asan: tests/hammer2/h2_corrupt.c \
    tests/hammer2/h2_readall.c $(H2_O)/libh2-asan.a
	@mkdir -p $(@D)
	$(CC) $(H2_ACFLAGS) -Itests/hammer2 $(filter %.c,$^) $(H2_O)/libh2-asan.a \
	    -o $@

# libFuzzer (clang + libclang-rt-14-dev) over whole images; the core and
# codec are compiled straight into it with the fuzzer instrumentation.
$(H2_BIN)/h2_fuzz: tests/hammer2/h2_fuzz.c tests/hammer2/h2_readall.c \
    $(H2_CORE:%=$(H2_SYS)/%.c) \
    $(H2_CODEC:%=$(H2_SYS)/%.c)
	@mkdir -p $(@D)
	$(H2_CLANG) -std=gnu11 -Wall -Wextra -Werror -O1 -g \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -Itests/hammer2 $(H2_INC) $(filter %.c,$^) -o $@

bench-hammer2: $(H2_TOOLS)
	sh tests/hammer2/bench.sh

-include $(H2_OBJS:.o=.d) $(H2_AOBJS:.o=.d) $(H2_KOBJS:.o=.d)
