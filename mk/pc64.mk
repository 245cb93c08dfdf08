# mk/pc64.mk - Anax on x86_64 hardware (QEMU): the pc64 platform.
#
#   $(O)/pc64/anax.elf   the kernel: KERN_MI_SRCS + sys/platform/pc64 +
#                        sys/libkern, linked twice (the second link embeds
#                        the symbol table made from the first)
#   $(O)/pc64/anax.iso   hybrid live ISO (BIOS+UEFI, CD+USB), GRUB with an
#                        empty command line (make iso)
#   make qemu            boot the ISO in QEMU, 4 cpus, serial on the terminal
#   make qemu-x2apic     the same on 256 cpus in x2APIC mode, with a private
#                        QEMU 10 (tools/fetch-qemu10.sh, under $(O)/qemu10)
#
# Test ISOs with other command lines are built by tests/suites/pc64.sh
# with sys/platform/pc64/tools/mkiso.sh.

PC64_PLAT	:= sys/platform/pc64
PC64_DIR	:= $(O)/pc64
PC64_CSRCS	:= $(KERN_MI_SRCS) $(sort $(wildcard $(addprefix $(PC64_PLAT)/, \
		   x86_64/*.c apic/*.c console/*.c))) \
		   $(sort $(wildcard sys/libkern/*.c))
PC64_ASRCS	:= $(PC64_PLAT)/boot/locore.S $(PC64_PLAT)/boot/mpboot.S \
		   $(PC64_PLAT)/x86_64/exception.S $(PC64_PLAT)/x86_64/swtch.S
PC64_OBJS	:= $(patsubst %.c,$(PC64_DIR)/k/%.o,$(PC64_CSRCS)) \
		   $(patsubst %.S,$(PC64_DIR)/k/%.o,$(PC64_ASRCS))
PC64_MDFLAGS	:= -mcmodel=kernel -mno-red-zone -mno-mmx -mno-sse -mno-sse2 \
		   -mno-avx -fno-pic -fno-pie -fno-stack-protector \
		   -fno-asynchronous-unwind-tables \
		   -fno-tree-loop-distribute-patterns
PC64_CFLAGS	= $(KERN_CFLAGS) $(PC64_MDFLAGS) -I$(PC64_DIR)/include
PC64_LDFLAGS	:= -nostdlib -static -z max-page-size=0x1000 \
		   -z noexecstack --no-warn-rwx-segments \
		   -T $(PC64_PLAT)/boot/kernel.ld
PC64_LIBGCC	= $(shell $(CC) -print-libgcc-file-name)
PC64_QEMU	:= qemu-system-x86_64
PC64_NCPUS	?= 4
PC64_MEM	?= 256M

$(PC64_DIR)/include/.links:
	@mkdir -p $(@D)
	@ln -sfn $(CURDIR)/$(PC64_PLAT)/include $(@D)/machine
	@ln -sfn $(CURDIR)/sys/cpu/x86_64/include $(@D)/cpu
	@touch $@

$(PC64_DIR)/k/%.o: %.c $(PC64_DIR)/include/.links
	@mkdir -p $(@D)
	@echo "  CC   $@"
	@$(CC) $(PC64_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(PC64_DIR)/k/%.o: %.S $(PC64_DIR)/include/.links
	@mkdir -p $(@D)
	@echo "  AS   $@"
	@$(CC) $(PC64_CFLAGS) $(DEPFLAGS) -c $< -o $@

# Pass 1 with an empty symbol table, pass 2 with the real one.  The
# table lives after all text (kernel.ld), so text must not move; the
# recipe checks that it did not.
$(PC64_DIR)/ksyms0.c: $(PC64_PLAT)/tools/ksyms.sh
	@mkdir -p $(@D)
	@sh $(PC64_PLAT)/tools/ksyms.sh - $@

$(PC64_DIR)/ksyms%.o: $(PC64_DIR)/ksyms%.c $(PC64_DIR)/include/.links
	@$(CC) $(PC64_CFLAGS) -c $< -o $@

$(PC64_DIR)/anax.pass1: $(PC64_OBJS) $(PC64_DIR)/ksyms0.o \
    $(PC64_PLAT)/boot/kernel.ld
	@echo "  LD   $@"
	@$(LD) $(PC64_LDFLAGS) -o $@ $(PC64_OBJS) $(PC64_DIR)/ksyms0.o \
	    $(PC64_LIBGCC)

$(PC64_DIR)/ksyms1.c: $(PC64_DIR)/anax.pass1
	@sh $(PC64_PLAT)/tools/ksyms.sh $< $@

$(PC64_DIR)/anax.elf: $(PC64_DIR)/anax.pass1 $(PC64_DIR)/ksyms1.o
	@echo "  LD   $@"
	@$(LD) $(PC64_LDFLAGS) -o $@ $(PC64_OBJS) $(PC64_DIR)/ksyms1.o \
	    $(PC64_LIBGCC)
	@sh $(PC64_PLAT)/tools/ksyms.sh $@ $(PC64_DIR)/ksyms2.c
	@cmp -s $(PC64_DIR)/ksyms1.c $(PC64_DIR)/ksyms2.c || \
	    { echo "pc64: text moved between links"; rm -f $@; exit 1; }

# The ISO carries a copy without debug information (faster to load).
$(PC64_DIR)/anax-boot.elf: $(PC64_DIR)/anax.elf
	@objcopy --strip-debug $< $@

$(PC64_DIR)/anax.iso: $(PC64_DIR)/anax-boot.elf $(PC64_PLAT)/tools/mkiso.sh
	@echo "  ISO  $@"
	@sh $(PC64_PLAT)/tools/mkiso.sh $< $@ ""

-include $(PC64_OBJS:.o=.d)

ALL_TARGETS	+= $(PC64_DIR)/anax.elf
TEST_DEPS	+= $(PC64_DIR)/anax-boot.elf $(PC64_DIR)/anax.iso

.PHONY: pc64 iso qemu qemu-x2apic
pc64: $(PC64_DIR)/anax.elf
iso: $(PC64_DIR)/anax.iso

qemu:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory $(PC64_DIR)/anax.iso
	$(PC64_QEMU) -machine q35 -cpu max -smp $(PC64_NCPUS) -m $(PC64_MEM) \
	    -cdrom $(PC64_DIR)/anax.iso -serial mon:stdio -display none \
	    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot || \
	    [ $$? -eq 1 ]	# "halt" (status 0) exits QEMU with 1

qemu-x2apic:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory $(PC64_DIR)/anax.iso
	q=$$(sh $(PC64_PLAT)/tools/fetch-qemu10.sh $(O)/qemu10) && \
	    { $$q -machine q35 -cpu max -smp 256 -m 1G \
	    -accel tcg,thread=single -cdrom $(PC64_DIR)/anax.iso \
	    -serial mon:stdio -display none -no-reboot \
	    -device isa-debug-exit,iobase=0xf4,iosize=0x04 || [ $$? -eq 1 ]; }

# Boot cost to the prompt, Anax against Linux+busybox (docs/performance).
BENCH_TARGETS	+= bench-pc64
.PHONY: bench-pc64
bench-pc64: $(PC64_DIR)/anax-boot.elf | deps-bench
	sh $(PC64_PLAT)/tools/bootbench.sh $< $(PC64_DIR)/bench
