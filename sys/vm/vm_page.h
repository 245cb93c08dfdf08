/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * vm_page.h - the physical page allocator and kernel memory (kmem).
 *
 * The platform hands every usable RAM range to vm_page_startup() as
 * kernel-virtual addresses (pc64: the direct map; vkernel64: the memfd
 * that backs its "physical" RAM).  kmem_alloc() returns page-aligned
 * blocks whose size is rounded up to a power-of-two number of pages and
 * which are naturally aligned to that size, which is what the slab
 * allocator needs for its zones and what thread stacks need for guard
 * checks.
 */
#ifndef _VM_VM_PAGE_H_
#define _VM_VM_PAGE_H_

#include <sys/types.h>

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(PAGE_SIZE - 1)

#ifdef _KERNEL
void	vm_page_startup(vm_offset_t base, vm_size_t bytes);
void	*kmem_alloc(vm_size_t bytes, int flags);	/* M_* from malloc.h */
void	kmem_free(void *ptr, vm_size_t bytes);
vm_size_t vm_page_free_bytes(void);
vm_size_t vm_page_total_bytes(void);

/*
 * Owner tags: the owner of a kmem block (the slab allocator) may tag it so
 * that any pointer can be classified without a lock.  kmem_free() refuses
 * a tagged block.  vm_page_kmem_tag() returns VM_KMEM_NOT_A_BLOCK when ptr
 * is not the start of an allocated block.
 */
#define VM_KMEM_TAG_NONE	0u
#define VM_KMEM_NOT_A_BLOCK	(~0u)
u_int	vm_page_kmem_tag(const void *ptr, vm_size_t *bytesp, void **ownerp);
bool	vm_page_kmem_settag(void *ptr, u_int otag, u_int ntag, void *owner);
#endif

#endif /* !_VM_VM_PAGE_H_ */
