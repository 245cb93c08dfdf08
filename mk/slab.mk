# mk/slab.mk - the kernel slab allocator's benchmark against glibc.
#
# The allocator itself (sys/kern/kern_slaballoc.c, sys/vm/vm_page.c) and
# its kernel tests (tests/kern/test_slab.c, test_vm_page.c) are built into
# the vkernel by mk/kern.mk; its host suite is tests/suites/slab-panics.sh.
# Here only the host half of "make bench-slab": glibc measured the same
# way as "bench kmalloc" in the vkernel, printed side by side.

$(O)/tools/slab_host: tools/bench/slab_host.c
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $<

BENCH_TARGETS	+= bench-slab

.PHONY: bench-slab
bench-slab: $(O)/vkernel64/vkernel $(O)/tools/slab_host
	sh tools/bench/slab.sh $(O)/vkernel64/vkernel $(O)/tools/slab_host
