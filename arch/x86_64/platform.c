/* SPDX-License-Identifier: MIT */
/*
 * platform.c - the BSP's bring-up in C, in dependency order, then kernel_main().
 *
 * boot.asm arrives here on CPU 0's stack (cpu_stacks[0], higher half) with the boot page
 * tables (identity map still present), a boot GDT, no IDT and interrupts off. The PVH
 * start_info is read first, before anything could overwrite the low memory it lives in.
 */
#include "platform_internal.h"

#define PVH_MAGIC 0x336ec578u
#define E820_RAM 1

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;    /* version >= 1 */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

#define MAX_MEMMAP 32

static char cmdline[256];
static uint64_t rsdp_hint;
static struct hvm_memmap_entry memmap[MAX_MEMMAP];
static unsigned memmap_n;

const char *platform_cmdline(void) { return cmdline; }
uint64_t platform_rsdp_hint(void) { return rsdp_hint; }

uint64_t platform_ram_end(uint64_t pa)
{
	unsigned i;

	for (i = 0; i < memmap_n; i++)
		if (memmap[i].type == E820_RAM && pa >= memmap[i].addr &&
		    pa - memmap[i].addr < memmap[i].size)
			return memmap[i].addr + memmap[i].size;
	return 0;
}

/* Copies what we need out of start_info (via the direct map; all of it is below 4 GiB). */
static void pvh_parse(uint32_t pa)
{
	const struct hvm_start_info *si = phys_to_virt(pa);
	unsigned i;

	if (!pa || si->magic != PVH_MAGIC) {
		kprintf("boot: no PVH start_info (ebx=%#x); using defaults\n", pa);
		return;
	}
	if (si->cmdline_paddr && si->cmdline_paddr < (4ull << 30)) {
		const char *s = phys_to_virt(si->cmdline_paddr);

		for (i = 0; i + 1 < sizeof(cmdline) && s[i]; i++)
			cmdline[i] = s[i];
	}
	rsdp_hint = si->rsdp_paddr;
	if (si->version >= 1 && si->memmap_paddr && si->memmap_paddr < (4ull << 30)) {
		const struct hvm_memmap_entry *m = phys_to_virt(si->memmap_paddr);

		memmap_n = si->memmap_entries < MAX_MEMMAP ? si->memmap_entries : MAX_MEMMAP;
		memcpy(memmap, m, memmap_n * sizeof(*m));
	}
}

static void banner(void)
{
	unsigned i;

	kprintf("x86_64: %u CPU%s, APIC ids", nr_cpus, nr_cpus == 1 ? "" : "s");
	for (i = 0; i < nr_cpus; i++)
		kprintf(" %u", percpu_of(i)->apic_id);
	kprintf("; topology from %s\n", topo_source());
	kprintf("x86_64: TSC %lu kHz, timer %s", tsc_hz() / 1000,
		lapic_tsc_deadline() ? "TSC-deadline" : "LAPIC one-shot");
	if (!lapic_tsc_deadline())
		kprintf(" (%lu kHz)", lapic_timer_hz() / 1000);
	kprintf(", page pool %lu-%lu MiB (%u pages free)\n", PAGE_POOL_START >> 20,
		mem_pool_end() >> 20, mem_pool_free_pages());
}

void platform_boot(uint32_t start_info_pa)
{
	unsigned ids[MAX_CPUS], n, i, bsp;

	serial_init();
	pvh_parse(start_info_pa);
	bsp = cpuid(1, 0).b >> 24;      /* initial APIC id (xAPIC: 8 bits) */
	cpu_init_bsp(bsp);              /* GDT, TSS, IDT, GS base: exceptions report from here */
	mem_init();                     /* identity map gone, page pool ready */

	n = acpi_find_cpus(ids, MAX_CPUS);
	if (n == 0) {
		kprintf("x86_64: no usable MADT; running on the boot CPU only\n");
		ids[n++] = bsp;
	}
	/* BSP first, the others in MADT order */
	for (i = 0; i < n && ids[i] != bsp; i++)
		;
	if (i == n)
		panic("the boot CPU (APIC id %u) is not in the MADT", bsp);
	for (; i > 0; i--)
		ids[i] = ids[i - 1];
	ids[0] = bsp;
	cpu_set_count(n, ids);

	lapic_init_bsp();               /* LAPIC on, TSC and LAPIC timer calibrated */
	topo_init();
	banner();
	kernel_main();
	panic("kernel_main returned");
}
