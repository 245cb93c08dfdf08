# mk/hammer2-codec.mk - HAMMER2 compression codecs and check codes.
#
# The codec sources (sys/vfs/hammer2/hammer2_{check,lz4,inflate,deflate,
# block}.c) are built three ways:
#   - freestanding objects with gcc and clang and the kernel flags (and
#     once more with pc64's -mno-sse -mcmodel=kernel), to prove they need
#     nothing but <stdint.h>/<stddef.h>/<stdbool.h>/<string.h> and fit
#     -Wframe-larger-than=2048 (ALL_TARGETS);
#   - linked into the unit tests under ASan/UBSan, cross-checked against
#     Debian's liblz4 and zlib (TEST_DEPS);
#   - a libFuzzer target (clang) over both decoders (TEST_DEPS);
#   - an -O2 benchmark against liblz4 and zlib (make bench-hammer2-codec,
#     results in docs/performance/hammer2-codec.md).

H2C_DIR		:= sys/vfs/hammer2
H2C_TDIR	:= tests/hammer2-codec
H2C_O		:= $(O)/hammer2-codec
H2C_NAMES	:= hammer2_check hammer2_lz4 hammer2_inflate hammer2_deflate \
		   hammer2_block
H2C_SRCS	:= $(H2C_NAMES:%=$(H2C_DIR)/%.c)
H2C_HDRS	:= $(H2C_DIR)/hammer2_codec.h $(H2C_DIR)/hammer2_crc32c_table.h
H2C_CLANG	?= clang
H2C_KOBJS	:= $(H2C_NAMES:%=$(H2C_O)/kern-gcc/%.o) \
		   $(H2C_NAMES:%=$(H2C_O)/kern-clang/%.o) \
		   $(H2C_NAMES:%=$(H2C_O)/kern-pc64/%.o)
# pc64's code generation flags: no SSE/MMX registers, kernel code model.
H2C_PC64FLAGS	:= -fno-pic -mcmodel=kernel -mno-red-zone -mno-mmx -mno-sse \
		   -mno-sse2
H2C_CLANG_ONLY	:= -Wcomma -Wunreachable-code -Wconditional-uninitialized
H2C_TCFLAGS	:= $(CWARNFLAGS) $(GCC_ONLY) -O1 -g $(SAN_ASAN) -I$(H2C_DIR)
H2C_TESTS	:= $(H2C_O)/test_check $(H2C_O)/test_codec \
		   $(H2C_O)/test_fixture $(H2C_O)/fuzz_decoders

ALL_TARGETS	+= $(H2C_KOBJS)
TEST_DEPS	+= $(H2C_TESTS)
BENCH_TARGETS	+= bench-hammer2-codec

.PHONY: bench-hammer2-codec

$(H2C_O)/kern-gcc/%.o: $(H2C_DIR)/%.c $(H2C_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CWARNFLAGS) $(GCC_ONLY) $(KERNFLAGS) -O2 -c $< -o $@

$(H2C_O)/kern-clang/%.o: $(H2C_DIR)/%.c $(H2C_HDRS)
	@mkdir -p $(@D)
	$(H2C_CLANG) $(CWARNFLAGS) $(H2C_CLANG_ONLY) $(KERNFLAGS) -O2 \
	    -c $< -o $@

$(H2C_O)/kern-pc64/%.o: $(H2C_DIR)/%.c $(H2C_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CWARNFLAGS) $(GCC_ONLY) $(KERNFLAGS) $(H2C_PC64FLAGS) -O2 \
	    -c $< -o $@

$(H2C_O)/test_check: $(H2C_TDIR)/test_check.c $(H2C_SRCS) $(H2C_HDRS)
	@mkdir -p $(@D)
	$(CC) $(H2C_TCFLAGS) $(H2C_TDIR)/test_check.c $(H2C_SRCS) -o $@

$(H2C_O)/test_codec: $(H2C_TDIR)/test_codec.c $(H2C_SRCS) $(H2C_HDRS)
	@mkdir -p $(@D)
	$(CC) $(H2C_TCFLAGS) $(H2C_TDIR)/test_codec.c $(H2C_SRCS) \
	    -llz4 -lz -o $@

$(H2C_O)/test_fixture: $(H2C_TDIR)/test_fixture.c $(H2C_SRCS) $(H2C_HDRS)
	@mkdir -p $(@D)
	$(CC) $(H2C_TCFLAGS) $(H2C_TDIR)/test_fixture.c $(H2C_SRCS) -o $@

# libFuzzer comes with clang's runtime (libclang-rt-14-dev).
$(H2C_O)/fuzz_decoders: $(H2C_TDIR)/fuzz_decoders.c $(H2C_SRCS) $(H2C_HDRS)
	@mkdir -p $(@D)
	$(H2C_CLANG) -std=gnu11 -Wall -Wextra -Werror -O1 -g \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -I$(H2C_DIR) $(H2C_TDIR)/fuzz_decoders.c $(H2C_SRCS) \
	    -llz4 -lz -o $@

$(H2C_O)/bench_codec: $(H2C_TDIR)/bench_codec.c $(H2C_SRCS) $(H2C_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CWARNFLAGS) $(GCC_ONLY) -O2 -I$(H2C_DIR) \
	    $(H2C_TDIR)/bench_codec.c $(H2C_SRCS) -llz4 -lz -o $@

bench-hammer2-codec: $(H2C_O)/bench_codec
	$(H2C_O)/bench_codec
