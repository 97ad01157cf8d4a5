/* SPDX-License-Identifier: MIT */
/*
 * smp.c - application processor bring-up (INIT-SIPI-SIPI) and each AP's first C code.
 *
 * APs start one at a time: the trampoline at 0x8000 has one parameter block (CR3, CR4,
 * EFER bits, stack, entry, CPU number), so the BSP waits until an AP is in C before it
 * rewrites the block for the next. Per the MP/SDM sequence: INIT, 10 ms, SIPI, 200 us, a
 * second SIPI only if the AP has not shown up. An AP that does not arrive within 30 s is a
 * panic: a machine whose MADT lists a CPU that cannot start is not worth running on (the
 * bound is that long because under emulation on a busy host a vCPU may wait over a second
 * for a host CPU).
 *
 * Each AP, in ap_main: kernel CR3 (drops the trampoline's identity map), GDT/TSS/IDT/GS,
 * LAPIC on (timer mode set, nothing armed), topology check, then it reports and calls the
 * entry function with interrupts off. If the entry function returns, the AP halts with
 * interrupts on forever, so it still takes IPIs and timer interrupts.
 */
#include "platform_internal.h"

#define TRAMP_BASE 0x8000
#define AP_START_TIMEOUT_US 30000000

struct tramp_params {
	uint64_t cr3, cr4, efer, stack, entry, cpu;
};

extern const char trampoline_start[], trampoline_end[], trampoline_params[];

static void (*ap_entry)(unsigned cpu);
static volatile unsigned ap_arrived;      /* number of APs that reached their entry */

void ap_main(unsigned cpu)
{
	as_switch(as_kernel());
	cpu_init_ap(cpu);
	lapic_init_ap();
	topo_check_ap(cpu);
	__atomic_fetch_add(&ap_arrived, 1, __ATOMIC_RELEASE);
	ap_entry(cpu);
	for (;;)
		__asm__ volatile("sti; hlt; cli" : : : "memory");
}

static bool wait_arrived(unsigned want, uint64_t us)
{
	uint64_t end = clock_ns() + us * 1000;

	while (__atomic_load_n(&ap_arrived, __ATOMIC_ACQUIRE) < want)
		if (clock_ns() > end)
			return false;
		else
			cpu_relax();
	return true;
}

static void start_one(struct tramp_params *p, unsigned cpu)
{
	unsigned apic = percpu_of(cpu)->apic_id, before = ap_arrived;

	p->stack = percpu_of(cpu)->kernel_stack;
	p->cpu = cpu;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	lapic_send_init(apic);
	delay_us(10000);
	lapic_send_sipi(apic, TRAMP_BASE >> 12);
	if (!wait_arrived(before + 1, 200)) {
		lapic_send_sipi(apic, TRAMP_BASE >> 12);
		if (!wait_arrived(before + 1, AP_START_TIMEOUT_US))
			panic("cpu%u (APIC id %u) did not start", cpu, apic);
	}
}

void platform_start_aps(void (*entry)(unsigned cpu))
{
	size_t size = (size_t)(trampoline_end - trampoline_start);
	struct tramp_params *p;
	unsigned cpu;

	if (platform_nr_cpus() == 1 || ap_entry)
		return; /* nothing to start, or already started */
	if (size > PAGE_SIZE)
		panic("AP trampoline is %zu bytes, more than a page", size);
	ap_entry = entry;
	memcpy(phys_to_virt(TRAMP_BASE), trampoline_start, size);
	p = phys_to_virt(TRAMP_BASE + (uint64_t)(trampoline_params - trampoline_start));
	p->cr3 = mem_trampoline_cr3();
	p->cr4 = read_cr4();
	p->efer = rdmsr(MSR_EFER) & EFER_NXE; /* the trampoline adds LME */
	p->entry = (uint64_t)ap_main;
	for (cpu = 1; cpu < platform_nr_cpus(); cpu++)
		start_one(p, cpu);
}
