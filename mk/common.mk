# mk/common.mk - flags and conventions shared by every fragment in mk/.
#
# Every build output goes under $(O) (obj/ by default), never beside the
# sources.  Each subsystem owns one fragment mk/<subsystem>.mk that:
#   - adds its default outputs to ALL_TARGETS,
#   - adds what its test suites need built to TEST_DEPS,
#   - adds benchmark targets to BENCH_TARGETS,
#   - lists the Debian packages it needs in tools/deps.d/<subsystem>.pkgs.
# Test suites are scripts tests/suites/*.sh run by tests/run.sh.

O		?= obj
CC		?= gcc
HOSTCC		?= gcc

CWARNFLAGS	= -std=gnu11 -Wall -Wextra -Werror -Wstrict-prototypes \
		  -Wmissing-prototypes -Wmissing-declarations \
		  -Wold-style-definition -Wshadow -Wpointer-arith -Wcast-qual \
		  -Wwrite-strings -Wundef -Wformat=2 -Wimplicit-fallthrough \
		  -Wvla -Wnested-externs -Wredundant-decls
GCC_ONLY	= -Wlogical-op -Wduplicated-cond -Wduplicated-branches \
		  -Wjump-misses-init
KERNFLAGS	= -ffreestanding -fno-common -Wframe-larger-than=2048

# Hosted programs (host tools, unit tests, the vkernel).
HOST_CFLAGS	= $(CWARNFLAGS) $(GCC_ONLY) -O2 -g -fno-common
SAN_ASAN	= -fsanitize=address,undefined -fno-sanitize-recover=all \
		  -fno-omit-frame-pointer
SAN_TSAN	= -fsanitize=thread -fno-omit-frame-pointer

# Dependency files for every object compiled with $(DEPFLAGS).
DEPFLAGS	= -MMD -MP

ALL_TARGETS	:=
TEST_DEPS	:=
BENCH_TARGETS	:=
