/* SPDX-License-Identifier: BSD-3-Clause
 * Start-up cost of EAL memory without hugepages (--no-huge, the built-in
 * offline form and every vdev setup on this kind of machine).
 *
 * DPDK 22.11 backs --no-huge memory with a memfd mapped MAP_SHARED (shmem),
 * for vhost-user backends that map it from another process. umbra has
 * none, and shmem costs it dearly: the kernel never backs it with
 * transparent huge pages here (shmem_enabled = never), so the few hundred
 * MB its pools, flow tables and memcaps touch when they are created fault
 * in 4 KiB at a time, through the page cache. perf on a 20-packet capture:
 * three quarters of umbra's 0.77 s were those faults.
 *
 * So umbra declines that one memfd: EAL then maps the same memory private
 * and anonymous (its documented fallback, "Falling back to anonymous
 * map"), and umb_memory_advise() asks for transparent huge pages on it
 * before anything large is created (MADV_HUGEPAGE: honoured when
 * /sys/kernel/mm/transparent_hugepage/enabled is "always" or "madvise").
 * Every other memfd (hugetlbfs ones, with --in-memory or
 * --single-file-segments) is created as usual. UMBRA_NOHUGE_MEMFD=1 keeps
 * DPDK's memfd (to share --no-huge memory with a vhost-user backend).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_memory.h>

#include "umbra.h"

/*
 * Found before libc's by EAL's call (the executable comes first in the
 * lookup scope); the name is the one eal_memory.c gives its --no-huge memfd.
 */
int
memfd_create(const char *name, unsigned int flags)
{
	if (name != NULL && strcmp(name, "nohuge") == 0 && flags == 0) {
		const char *keep = getenv("UMBRA_NOHUGE_MEMFD");

		if (keep == NULL || strcmp(keep, "1") != 0) {
			errno = ENOSYS;
			return -1;
		}
	}
	return (int)syscall(SYS_memfd_create, name, flags);
}

static int
advise_one(const struct rte_memseg_list *msl, void *arg)
{
	unsigned int *n = arg;

	if (msl->page_sz == RTE_PGSIZE_4K && msl->external == 0 &&
			msl->base_va != NULL && msl->len > 0 &&
			madvise(msl->base_va, msl->len, MADV_HUGEPAGE) == 0)
		(*n)++;
	return 0;
}

unsigned int
umb_memory_advise(void)
{
	unsigned int n = 0;

	rte_memseg_list_walk(advise_one, &n);
	return n;
}
