/* SPDX-License-Identifier: MIT */
/*
 * mem.c - physical page pool and address spaces.
 *
 * Memory layout (set up by boot.asm; platform.h has the constants):
 *
 *   virtual                         physical              what
 *   0xffffffff80000000 + p          p < 1 GiB             kernel image (from 1 MiB), .bss
 *                                                         holds per-CPU stacks and tables
 *   0xffff800000000000 + p          p < 4 GiB             direct map (2 MiB pages); the
 *                                                         top GiB (LAPIC, IOAPIC) uncached
 *   0x0000000000400000 ..
 *   0x00007fffffffffff              pool pages            user space, per address space
 *   physical 0x8000                                       AP trampoline (smp.c)
 *   physical 16 MiB .. 120 MiB                            page pool (capped by the RAM
 *                                                         that the PVH memory map reports)
 *
 * The kernel PML4 (boot_pml4) has entries 256 (direct map) and 511 (image) only, and never
 * gets more: every address space copies entries 256..511 when it is created, so kernel
 * mappings must never need a new PML4 entry. The boot identity map (entry 0) is removed
 * here, so a kernel null-pointer dereference faults; APs still need it for the few
 * instructions they run at 0x8000 after enabling paging, so they start on a private copy
 * of the kernel PML4 that keeps it (mem_trampoline_cr3) and switch to the real one at once.
 *
 * The pool is a bitmap under a spinlock (interrupts off while held); pages are handed out
 * zeroed. All page tables come from the pool and are reached through the direct map.
 */
#include "platform_internal.h"

#define POOL_MAX_PAGES ((PAGE_POOL_END - PAGE_POOL_START) / PAGE_SIZE)
#define USER_START 0x400000ull
#define USER_END 0x0000800000000000ull

extern uint64_t boot_pml4[512];

static uint64_t pool_bitmap[POOL_MAX_PAGES / 64]; /* bit set = allocated */
static uint64_t pool_end = PAGE_POOL_END;
static unsigned pool_pages, pool_free, pool_hint;
static struct spinlock pool_lock, as_lock;
static uint64_t tramp_pml4[512] __attribute__((aligned(4096)));
static bool nx_enabled;

uint64_t as_kernel(void) { return virt_to_phys(boot_pml4); }
uint64_t mem_trampoline_cr3(void) { return virt_to_phys(tramp_pml4); }
uint64_t mem_pool_end(void) { return pool_end; }
unsigned mem_pool_free_pages(void) { return pool_free; }

void as_switch(uint64_t pml4)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(pml4) : "memory");
}

static void pool_init(void)
{
	uint64_t ram_end = platform_ram_end(PAGE_POOL_START);

	if (ram_end && ram_end < pool_end)
		pool_end = ram_end & ~(PAGE_SIZE - 1);
	if (pool_end <= PAGE_POOL_START + 64 * PAGE_SIZE)
		panic("not enough RAM above %lu MiB for the page pool (RAM ends at %#lx)",
		      PAGE_POOL_START >> 20, ram_end);
	pool_pages = (unsigned)((pool_end - PAGE_POOL_START) / PAGE_SIZE);
	pool_free = pool_pages;
	/* pages past pool_end (less RAM than the default) are marked used for good */
	for (unsigned i = pool_pages; i < POOL_MAX_PAGES; i++)
		pool_bitmap[i / 64] |= 1ull << (i % 64);
}

void mem_init(void)
{
	nx_enabled = rdmsr(MSR_EFER) & EFER_NXE;
	memcpy(tramp_pml4, boot_pml4, sizeof(tramp_pml4));
	boot_pml4[0] = 0;               /* the identity map was only for the jump to high */
	as_switch(as_kernel());
	pool_init();
}

/* --- page pool ---------------------------------------------------------------------------- */

static int pool_take_locked(void)
{
	unsigned words = POOL_MAX_PAGES / 64, w, i;

	for (i = 0; i < words; i++) {
		w = (pool_hint + i) % words;
		if (pool_bitmap[w] != ~0ull) {
			unsigned bit = (unsigned)__builtin_ctzll(~pool_bitmap[w]);

			pool_bitmap[w] |= 1ull << bit;
			pool_hint = w;
			pool_free--;
			return (int)(w * 64 + bit);
		}
	}
	return -1;
}

uint64_t page_alloc(void)
{
	uint64_t f = irq_save(), pa;
	int idx;

	spin_lock(&pool_lock);
	idx = pool_take_locked();
	spin_unlock(&pool_lock);
	irq_restore(f);
	if (idx < 0)
		return 0;
	pa = PAGE_POOL_START + (uint64_t)idx * PAGE_SIZE;
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

void page_free(uint64_t pa)
{
	uint64_t f, idx = (pa - PAGE_POOL_START) / PAGE_SIZE, bit = 1ull << (idx % 64);

	if (pa < PAGE_POOL_START || pa >= pool_end || pa % PAGE_SIZE)
		panic("page_free(%#lx): not a pool page", pa);
	f = irq_save();
	spin_lock(&pool_lock);
	if (!(pool_bitmap[idx / 64] & bit)) {
		spin_unlock(&pool_lock);
		panic("page_free(%#lx): double free", pa);
	}
	pool_bitmap[idx / 64] &= ~bit;
	pool_free++;
	spin_unlock(&pool_lock);
	irq_restore(f);
}

/* --- address spaces ------------------------------------------------------------------------- */

uint64_t as_create(void)
{
	uint64_t pa = page_alloc();
	uint64_t *pml4;

	if (!pa)
		return 0;
	pml4 = phys_to_virt(pa);
	memcpy(&pml4[256], &boot_pml4[256], 256 * sizeof(uint64_t));
	return pa;
}

/* The next level's table for `va` at `level` (3 = PDPT ... 1 = PT), created if missing.
 * Intermediate entries are user + writable: the leaf alone decides the access. */
static uint64_t *table_next(uint64_t *table, uint64_t va, int level)
{
	uint64_t *e = &table[(va >> (12 + 9 * level)) & 511];

	if (!(*e & PTE_P)) {
		uint64_t pa = page_alloc();

		if (!pa)
			return NULL;
		*e = pa | PTE_P | PTE_W | PTE_U;
	}
	return phys_to_virt(*e & PTE_ADDR);
}

bool as_map_user(uint64_t pml4, uint64_t va, uint64_t pa, bool writable, bool exec)
{
	uint64_t *t = phys_to_virt(pml4), f;
	int level;
	bool ok = false;

	if (va < USER_START || va >= USER_END || (va | pa) % PAGE_SIZE || pa >= (1ull << 52))
		return false;
	f = irq_save();
	spin_lock(&as_lock);
	for (level = 3; level >= 1 && t; level--)
		t = table_next(t, va, level);
	if (t && !(t[(va >> 12) & 511] & PTE_P)) { /* an existing mapping is not replaced */
		t[(va >> 12) & 511] = pa | PTE_P | PTE_U | (writable ? PTE_W : 0) |
				      (!exec && nx_enabled ? PTE_NX : 0);
		ok = true;
	}
	spin_unlock(&as_lock);
	irq_restore(f);
	return ok;
}

/* The physical page behind user address `va` in `pml4` (offset kept), or 0 when it is not
 * mapped for ring 3 (or not writable, when `write`). Reads the tables only: a system call
 * checks every user page it copies through this, so a bad pointer is an error, not a fault
 * in the kernel. Entries are read without as_lock: a mapping is never removed while its
 * process has threads, and a new one only fills an empty entry. */
uint64_t as_user_page(uint64_t pml4, uint64_t va, bool write)
{
	uint64_t *t = phys_to_virt(pml4), e = 0;

	if (va < USER_START || va >= USER_END)
		return 0;
	for (int level = 3; level >= 0; level--) {
		e = __atomic_load_n(&t[(va >> (12 + 9 * level)) & 511], __ATOMIC_ACQUIRE);
		if (!(e & PTE_P) || !(e & PTE_U) || (e & PTE_PS))
			return 0;
		if (level)
			t = phys_to_virt(e & PTE_ADDR);
	}
	if (write && !(e & PTE_W))
		return 0;
	return (e & PTE_ADDR) | (va & (PAGE_SIZE - 1));
}
