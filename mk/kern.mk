# mk/kern.mk - the machine-independent kernel, shared by every platform.
#
# KERN_MI_SRCS is every MI kernel source: sys/kern, sys/vm and the
# in-kernel tests (tests/kern, KTEST()).  Platform fragments compile the
# very same list with KERN_CFLAGS plus their own flags and include links
# (machine/ -> sys/platform/<p>/include, cpu/ -> sys/cpu/x86_64/include).

KERN_MI_SRCS	:= $(sort $(wildcard sys/kern/*.c sys/vm/*.c tests/kern/*.c))
KERN_CFLAGS	= $(CWARNFLAGS) $(GCC_ONLY) $(KERNFLAGS) -D_KERNEL -O2 -g \
		  -fno-omit-frame-pointer -Isys

# STYLE.md R10 (no platform conditionals in MI code) and R11 (headers
# compile alone) are checked by tests/suites/style.sh.
