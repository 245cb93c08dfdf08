/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * host_san.c - telling the sanitizers about LWKT stack switches.
 *
 * AddressSanitizer and ThreadSanitizer each track "the current stack".
 * Our context switch replaces the stack under them, so every switch is
 * announced through their fiber interfaces: ASan's
 * __sanitizer_start/finish_switch_fiber and TSan's __tsan_*_fiber.  In a
 * build without sanitizers all of these are empty.
 */

#define _GNU_SOURCE
#include <pthread.h>
#include <stddef.h>

#include "../vk_host.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define VK_ASAN 1
#else
#define VK_ASAN 0
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define VK_TSAN 1
#else
#define VK_TSAN 0
#endif

#if VK_TSAN
void *
vk_host_fiber_create(void)
{
	return (__tsan_create_fiber(0));
}

void *
vk_host_fiber_current(void)
{
	return (__tsan_get_current_fiber());
}

void
vk_host_fiber_destroy(void *fiber)
{
	__tsan_destroy_fiber(fiber);
}

static void
tsan_switch(void *to_fiber)
{
	__tsan_switch_to_fiber(to_fiber, 0);
}
#else
void *
vk_host_fiber_create(void)
{
	return (NULL);
}

void *
vk_host_fiber_current(void)
{
	return (NULL);
}

void
vk_host_fiber_destroy(void *fiber)
{
	(void)fiber;
}

static void
tsan_switch(void *to_fiber)
{
	(void)to_fiber;
}
#endif /* VK_TSAN */

#if VK_ASAN
static void
asan_switch_begin(void **fake_stack_save, const void *bottom,
    unsigned long size)
{
	__sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
}

void
vk_host_switch_end(void *fake_stack_save)
{
	__sanitizer_finish_switch_fiber(fake_stack_save, NULL, NULL);
}
#else
static void
asan_switch_begin(void **fake_stack_save, const void *bottom,
    unsigned long size)
{
	(void)fake_stack_save;
	(void)bottom;
	(void)size;
}

void
vk_host_switch_end(void *fake_stack_save)
{
	(void)fake_stack_save;
}
#endif /* VK_ASAN */

void
vk_host_switch_begin(void *to_fiber, void **fake_stack_save,
    const void *to_stack_bottom, unsigned long to_stack_size)
{
	asan_switch_begin(fake_stack_save, to_stack_bottom, to_stack_size);
	tsan_switch(to_fiber);
}

void
vk_host_current_stack(const void **bottomp, unsigned long *sizep)
{
	pthread_attr_t attr;
	void *addr = NULL;
	size_t size = 0;

	if (pthread_getattr_np(pthread_self(), &attr) == 0) {
		pthread_attr_getstack(&attr, &addr, &size);
		pthread_attr_destroy(&attr);
	}
	*bottomp = addr;
	*sizep = size;
}
