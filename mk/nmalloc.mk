# mk/nmalloc.mk - nmalloc, the C allocator of Anax's libc, built for Linux.
#
# lib/libc/stdlib/nmalloc*.c is built:
#   - as $(O)/lib/libnmalloc.so, a drop-in malloc for any Linux program
#     (LD_PRELOAD) (ALL_TARGETS);
#   - into test programs: the API tests, the threaded stress test and the
#     bad-use cases, run against libnmalloc.so; and with nmalloc linked in
#     under prefixed names (nm_malloc, ...) for ASan+UBSan and TSan, whose
#     runtimes own malloc itself (TEST_DEPS);
#   - into a benchmark driver compared with glibc, jemalloc, mimalloc and
#     tcmalloc (make bench-malloc: times; make bench-malloc-callgrind:
#     instruction counts at one thread, which the machine's load does not
#     disturb; about 10 minutes, so not in BENCH_TARGETS; make
#     bench-malloc-lineshare: how often each malloc hands two threads
#     blocks in one cache line, counted from addresses, a few seconds;
#     $(O)/nmalloc/lineshim.so, an LD_PRELOAD shim that counts the same
#     in any workload: see docs/performance/nmalloc.md).

NM_DIR		:= lib/libc/stdlib
NM_TDIR		:= tests/nmalloc
NM_BDIR		:= tests/bench/malloc
NM_O		:= $(O)/nmalloc
NM_NAMES	:= nmalloc nmalloc_big nmalloc_os_linux
NM_SRCS		:= $(NM_NAMES:%=$(NM_DIR)/%.c)
NM_HDRS		:= $(NM_DIR)/nmalloc.h $(NM_DIR)/nmalloc_impl.h \
		   $(NM_DIR)/nmalloc_os.h
NM_SO		:= $(O)/lib/libnmalloc.so
# Never let gcc turn the allocator's own code into calls to malloc.
NM_CFLAGS	:= $(HOST_CFLAGS) -fPIC -fvisibility=hidden \
		   -fno-semantic-interposition -fno-builtin-malloc \
		   -fno-builtin-calloc -fno-builtin-realloc -fno-builtin-free
NM_SAN_DEFS	:= -DNMALLOC_PREFIX '-DNM_ARENA_MAX_BYTES=(4UL << 30)' \
		   -I$(NM_DIR)
NM_TCFLAGS	:= $(HOST_CFLAGS) -pthread
NM_TESTS	:= $(NM_O)/unit $(NM_O)/stress $(NM_O)/baduse \
		   $(NM_O)/unit-asan $(NM_O)/stress-asan $(NM_O)/stress-tsan
NM_BENCH	:= $(NM_O)/mbench
NM_LINESHARE	:= $(NM_O)/lineshare
NM_LINESHIM	:= $(NM_O)/lineshim.so

ALL_TARGETS	+= $(NM_SO)
TEST_DEPS	+= $(NM_SO) $(NM_TESTS)
BENCH_TARGETS	+= bench-malloc

.PHONY: bench-malloc bench-malloc-callgrind bench-malloc-lineshare

$(NM_O)/pic/%.o: $(NM_DIR)/%.c $(NM_HDRS)
	@mkdir -p $(@D)
	$(CC) $(NM_CFLAGS) -c $< -o $@

$(NM_SO): $(NM_NAMES:%=$(NM_O)/pic/%.o)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libnmalloc.so -Wl,-z,now -o $@ $^ -pthread

$(NM_O)/%: $(NM_TDIR)/%.c $(NM_TDIR)/nmt.h
	@mkdir -p $(@D)
	$(CC) $(NM_TCFLAGS) -o $@ $< -ldl

$(NM_O)/unit-asan: $(NM_TDIR)/unit.c $(NM_TDIR)/nmt.h $(NM_SRCS) $(NM_HDRS)
	@mkdir -p $(@D)
	$(CC) $(NM_TCFLAGS) $(SAN_ASAN) $(NM_SAN_DEFS) -o $@ $< $(NM_SRCS) -ldl

$(NM_O)/stress-asan: $(NM_TDIR)/stress.c $(NM_TDIR)/nmt.h $(NM_SRCS) $(NM_HDRS)
	@mkdir -p $(@D)
	$(CC) $(NM_TCFLAGS) $(SAN_ASAN) $(NM_SAN_DEFS) -o $@ $< $(NM_SRCS)

$(NM_O)/stress-tsan: $(NM_TDIR)/stress.c $(NM_TDIR)/nmt.h $(NM_SRCS) $(NM_HDRS)
	@mkdir -p $(@D)
	$(CC) $(NM_TCFLAGS) $(SAN_TSAN) $(NM_SAN_DEFS) -o $@ $< $(NM_SRCS)

$(NM_BENCH): $(NM_BDIR)/mbench.c
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -pthread -o $@ $<

$(NM_LINESHARE): $(NM_BDIR)/lineshare.c
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -pthread -o $@ $<

bench-malloc: $(NM_SO) $(NM_BENCH)
	sh $(NM_BDIR)/run.sh $(NM_BENCH) $(NM_SO) $(NM_O)/bench

bench-malloc-callgrind: $(NM_SO) $(NM_BENCH)
	sh $(NM_BDIR)/callgrind.sh $(NM_BENCH) $(NM_SO) $(NM_O)/bench

$(NM_LINESHIM): $(NM_BDIR)/lineshim.c
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -fPIC -shared -pthread -o $@ $< -ldl

bench-malloc-lineshare: $(NM_SO) $(NM_LINESHARE) $(NM_LINESHIM)
	sh $(NM_BDIR)/lineshare.sh $(NM_LINESHARE) $(NM_SO)
