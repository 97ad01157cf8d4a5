/* SPDX-License-Identifier: MIT */
/*
 * platform_internal.h - what the machine-layer files (boot, cpu, lapic, smp, mem, acpi,
 * serial) share among themselves: CPU instruction wrappers, a spinlock, and the functions
 * one file calls in another. Not part of the interface the scheduler side uses
 * (platform.h); the self-test includes it to reach a few internals it checks.
 */
#ifndef X86_PLATFORM_INTERNAL_H
#define X86_PLATFORM_INTERNAL_H

#include "platform.h"

__extension__ typedef unsigned __int128 u128;

/* --- instructions ---------------------------------------------------------------------- */

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

struct cpuid { uint32_t a, b, c, d; };

static inline struct cpuid cpuid(uint32_t leaf, uint32_t sub)
{
	struct cpuid r;

	__asm__ volatile("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d) : "a"(leaf), "c"(sub));
	return r;
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void cpu_relax(void) { __asm__ volatile("pause" : : : "memory"); }

static inline uint64_t irq_save(void)
{
	uint64_t f;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(f) : : "memory");
	return f;
}

static inline void irq_restore(uint64_t f)
{
	if (f & 0x200)
		__asm__ volatile("sti" : : : "memory");
}

#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_EFER 0xc0000080
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define EFER_NXE (1u << 11)

/* --- spinlock (interrupts must be off while held: handlers print too) ---------------- */

struct spinlock {
	volatile unsigned locked;
};

static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();
}

static inline void spin_unlock(struct spinlock *l) { __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE); }

/* --- page-table entry bits ---------------------------------------------------------------- */
#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

/* --- between the files --------------------------------------------------------------------- */

#define CPU_STACK_SIZE 16384

/* boot.asm -> platform.c: the BSP's first C code, on cpu_stacks[0]. */
__attribute__((noreturn)) void platform_boot(uint32_t start_info_pa);
/* isr.asm -> cpu.c */
void isr_dispatch(struct regs *r);
/* trampoline.asm -> smp.c: an AP's first C code, on its own stack. */
__attribute__((noreturn)) void ap_main(unsigned cpu);

/* platform.c: what the PVH loader told us. */
const char *platform_cmdline(void);   /* "" when none */
uint64_t platform_rsdp_hint(void);    /* 0 when none */
uint64_t platform_ram_end(uint64_t pa); /* end of the RAM range holding pa; 0 if unknown */

/* serial.c */
void serial_init(void);

/* cpu.c */
extern uint8_t cpu_stacks[MAX_CPUS][CPU_STACK_SIZE];
extern unsigned nr_cpus;
void cpu_set_count(unsigned n, const unsigned *apic_ids); /* BSP first; before cpu_init_ap */
void cpu_init_bsp(unsigned apic_id);
void cpu_init_ap(unsigned cpu);
bool cpu_percpu_ready(void);
__attribute__((noreturn)) void exception_report(const struct regs *r);
const char *exception_name(unsigned vector);

/* topology.c */
void topo_init(void);          /* BSP, after the APIC ids are known */
void topo_check_ap(unsigned cpu); /* on each AP: its own CPUID against the prediction */
const char *topo_source(void);

/* acpi.c: fills ids[] with the enabled CPUs' APIC ids, BSP not necessarily first. */
unsigned acpi_find_cpus(unsigned *ids, unsigned max);

/* lapic.c */
void lapic_init_bsp(void);     /* map, enable, calibrate TSC and LAPIC timer vs PIT */
void lapic_init_ap(void);
unsigned lapic_id(void);
bool lapic_timer_due(void);    /* timer vector arrived: true if the armed deadline passed */
bool lapic_tsc_deadline(void);
uint64_t lapic_timer_hz(void);
void lapic_send_init(unsigned apic_id);
void lapic_send_sipi(unsigned apic_id, uint8_t page);
void lapic_lint0_extint(void); /* the 8259 through LINT0 (virtual wire), boot CPU */
void delay_us(uint64_t us);

/* mem.c */
void mem_init(void);           /* drop the boot identity map, set up the page pool */
uint64_t mem_trampoline_cr3(void); /* kernel PML4 plus the identity map, for APs */
uint64_t mem_pool_end(void);
unsigned mem_pool_free_pages(void);

/* klib.c: besides platform.h's memset/memcpy/strlen (gcc may emit these calls itself) */
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
int strncmp(const char *a, const char *b, size_t n);

#endif
