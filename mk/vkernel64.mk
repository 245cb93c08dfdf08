# mk/vkernel64.mk - the virtual kernel: Anax as a Linux process.
#
# Built three ways from the same sources:
#   $(O)/vkernel64/vkernel       plain (make run)
#   $(O)/vkernel64-asan/vkernel  AddressSanitizer + UBSan
#   $(O)/vkernel64-tsan/vkernel  ThreadSanitizer
# Kernel-side objects (MI sources + machdep.c, cpu_switch.c, switch.S) are
# built freestanding against sys/; host-side objects (host/*.c) against
# glibc.  The two meet only through sys/platform/vkernel64/vk_host.h.

VK_PLAT		:= sys/platform/vkernel64
VK_KSRCS	:= $(KERN_MI_SRCS) $(VK_PLAT)/machdep.c $(VK_PLAT)/cpu_switch.c
VK_ASRCS	:= $(VK_PLAT)/switch.S
VK_HSRCS	:= $(sort $(wildcard $(VK_PLAT)/host/*.c))
VK_LIBS		:= -lpthread -rdynamic
VK_NCPUS	?= 4

# $(1): output directory suffix, $(2): sanitizer flags
define VK_VARIANT
VK_DIR$(1)	:= $(O)/vkernel64$(1)
VK_OBJS$(1)	:= $$(patsubst %.c,$$(VK_DIR$(1))/k/%.o,$(VK_KSRCS)) \
		   $$(patsubst %.S,$$(VK_DIR$(1))/k/%.o,$(VK_ASRCS)) \
		   $$(patsubst %.c,$$(VK_DIR$(1))/h/%.o,$(VK_HSRCS))

$$(VK_DIR$(1))/include/.links:
	@mkdir -p $$(@D)
	@ln -sfn $(CURDIR)/$(VK_PLAT)/include $$(@D)/machine
	@ln -sfn $(CURDIR)/sys/cpu/x86_64/include $$(@D)/cpu
	@touch $$@

$$(VK_DIR$(1))/k/%.o: %.c $$(VK_DIR$(1))/include/.links
	@mkdir -p $$(@D)
	@echo "  CC   $$@"
	@$$(CC) $$(KERN_CFLAGS) $(2) -I$$(VK_DIR$(1))/include $$(DEPFLAGS) \
	    -c $$< -o $$@

$$(VK_DIR$(1))/k/%.o: %.S
	@mkdir -p $$(@D)
	$$(CC) -c $$< -o $$@

$$(VK_DIR$(1))/h/%.o: %.c
	@mkdir -p $$(@D)
	@echo "  CC   $$@"
	@$$(CC) $$(HOST_CFLAGS) $(2) $$(DEPFLAGS) -c $$< -o $$@

$$(VK_DIR$(1))/vkernel: $$(VK_OBJS$(1))
	$$(CC) $(2) -o $$@ $$^ $(VK_LIBS)

-include $$(VK_OBJS$(1):.o=.d)
endef

$(eval $(call VK_VARIANT,,))
$(eval $(call VK_VARIANT,-asan,$(SAN_ASAN)))
$(eval $(call VK_VARIANT,-tsan,$(SAN_TSAN)))

ALL_TARGETS	+= $(O)/vkernel64/vkernel
TEST_DEPS	+= $(O)/vkernel64-asan/vkernel $(O)/vkernel64-tsan/vkernel
BENCH_TARGETS	+= bench-lwkt

.PHONY: run vkernel bench-lwkt
vkernel: $(O)/vkernel64/vkernel

# make run: boot the vkernel on this terminal (VK_NCPUS virtual cpus).
run:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory $(O)/vkernel64/vkernel
	$(O)/vkernel64/vkernel -n $(VK_NCPUS)

$(O)/tools/hostbench: tools/bench/hostbench.c
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -o $@ $< -lpthread

bench-lwkt: $(O)/vkernel64/vkernel $(O)/tools/hostbench
	sh tools/bench/lwkt.sh $(O)/vkernel64/vkernel $(O)/tools/hostbench 2
