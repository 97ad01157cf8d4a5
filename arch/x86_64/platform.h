/* SPDX-License-Identifier: MIT */
/*
 * platform.h - the machine layer of the x86_64 example kernel (boot, CPUs, interrupts,
 * LAPIC, serial, memory). The scheduler glue (sched_port.c, thread.c, ...) is written
 * against this header only. Everything runs in ring 0 unless said otherwise.
 *
 * Memory layout (docs/x86_64.md):
 *   physical 0x100000           kernel image (loaded by QEMU's -kernel loader)
 *   virtual  0xffffffff80000000 + phys   kernel image (higher half, -mcmodel=kernel)
 *   virtual  0xffff800000000000 + phys   direct map of the first 4 GiB (2 MiB pages;
 *                                        the LAPIC page uncached)
 *   physical 0x8000             AP trampoline (real mode -> long mode)
 *   physical PAGE_POOL_START .. PAGE_POOL_END   page allocator pool
 *   user space: 0x0000000000400000 .. 0x00007fffffffffff, per process page tables whose
 *   upper half (PML4 entries 256..511) is shared with the kernel.
 */
#ifndef X86_PLATFORM_H
#define X86_PLATFORM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform_inline.h"

#define MAX_CPUS 64
#define PAGE_SIZE 4096ull
#define DIRECT_MAP_BASE 0xffff800000000000ull
#define KERNEL_BASE 0xffffffff80000000ull
#define PAGE_POOL_START (16ull << 20)
#define PAGE_POOL_END (120ull << 20)

static inline void *phys_to_virt(uint64_t pa) { return (void *)(DIRECT_MAP_BASE + pa); }
static inline uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;

	return v >= KERNEL_BASE ? v - KERNEL_BASE : v - DIRECT_MAP_BASE;
}

/* --- segment selectors (GDT layout: null, kernel code, kernel data, user data, user code,
 * TSS per CPU); user selectors carry RPL 3 ---------------------------------------------- */
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_DS 0x1b
#define USER_CS 0x23

/* --- interrupt vectors ----------------------------------------------------------------- */
#define VEC_TIMER 0x40     /* LAPIC timer */
#define VEC_RESCHED 0x41   /* reschedule IPI */
#define VEC_CALL 0x42      /* cross-CPU function call IPI (platform_call_on) */
#define VEC_NMI 2          /* NMI (an exception vector; IST stack 2) */
#define VEC_PIT 0x20       /* the 8259's line 0 (PIT channel 0), as cpu.c remaps it */
#define VEC_SPURIOUS 0xff
#define VEC_SYSCALL 0x80   /* int 0x80 from ring 3 (DPL 3 gate) */

/*
 * Saved state on interrupt/exception/syscall entry, pushed by the common stub: the
 * handler may read and change it (a syscall returns its result in rax). Layout fixed:
 * the assembly stub and the context switch rely on it.
 */
struct regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU (rsp, ss always in 64-bit) */
};

/* Install a C handler for a vector (interrupts and int 0x80). Called before interrupts
 * are enabled; handlers run with interrupts off and must send EOI themselves for LAPIC
 * vectors (lapic_eoi). Unhandled vectors < 32 print a report and exit QEMU with failure. */
void idt_set_handler(uint8_t vector, void (*fn)(struct regs *r));
/* A handler for NMIs (vector 2, on the CPU's IST stack), NULL for none (an NMI is then
 * reported as an unhandled exception). It runs alone: no entry or exit hook, since an NMI
 * can land inside them, and it must touch nothing an interrupted context may hold (no
 * lock, no libsched). GS is the kernel's even in the few instructions around an entry's or
 * exit's SWAPGS: cpu.c gives both GS base MSRs the per-CPU block. No EOI. */
void idt_set_nmi_handler(void (*fn)(struct regs *r));
/* Functions run on every interrupt, exception and int 0x80 before the vector's handler
 * (`enter`) and after it, just before the return through `r` (`leave`), interrupts off.
 * `r->cs & 3` tells where the entry came from and where the return goes. The kernel uses
 * them for core-scheduling kernel protection (kernel/thread.c). NULL: none. */
void idt_set_entry_hooks(void (*enter)(struct regs *r), void (*leave)(struct regs *r));

/* --- per-CPU ------------------------------------------------------------------------------ */

/* Per-CPU block; GS base points at it on each CPU. The first field points to itself. */
struct percpu {
	struct percpu *self;
	unsigned cpu;            /* dense index 0 .. nr_cpus-1 (BSP = 0) */
	unsigned apic_id;
	uint64_t kernel_stack;   /* top of this CPU's boot/interrupt stack (also TSS.rsp0
				  * until the scheduler sets a thread's kernel stack) */
	void *sched_data;        /* for the scheduler glue */
};

static inline unsigned this_cpu(void)
{
	return x86_cpu_id(); /* %gs:8: offsetof(struct percpu, cpu), checked in cpu.c */
}

struct percpu *percpu_of(unsigned cpu);
unsigned platform_nr_cpus(void);
/* Core and last-level-cache ids per CPU from CPUID topology (SMT siblings share a core). */
unsigned platform_core_of(unsigned cpu);
unsigned platform_llc_of(unsigned cpu);

/* Set the TSS rsp0 of the calling CPU (the stack used on entry from ring 3). */
void tss_set_rsp0(uint64_t rsp0);

/* Start every AP; each runs `entry(cpu)` on its own stack with interrupts off, its LAPIC
 * enabled, GDT/IDT/TSS loaded, GS base set. Returns once all have called entry. */
void platform_start_aps(void (*entry)(unsigned cpu));

/* --- time ---------------------------------------------------------------------------------- */

/* Nanoseconds since boot from the TSC (invariant TSC assumed; calibrated against the PIT
 * at boot). Monotonic, synchronised across CPUs to within the calibration error. The same
 * as x86_clock_ns() (platform_inline.h), which callers on hot paths may inline. */
uint64_t clock_ns(void);
uint64_t tsc_read(void);
uint64_t tsc_hz(void);

/* One-shot local timer at absolute clock_ns() time; UINT64_MAX cancels. Uses TSC-deadline
 * mode when CPUID offers it, else the LAPIC one-shot count-down. Calling CPU only. */
void lapic_timer_at(uint64_t deadline_ns);
void lapic_send_ipi(unsigned cpu, uint8_t vector); /* directed fixed IPI */
void lapic_send_nmi(unsigned cpu);                 /* directed NMI (interrupts off or not) */
void lapic_eoi(void);
/* Timer interrupts that arrived on `cpu` since boot: every VEC_TIMER delivery, the early and
 * stale ones the dispatcher absorbs included (the hardware's count, not the handler's). */
uint64_t lapic_timer_irqs(unsigned cpu);
/* Device interrupt lines the platform lets reach `cpu`: the 8259's unmasked lines for the
 * boot CPU (they arrive through its LINT0), none elsewhere (no IO APIC is programmed). */
unsigned platform_device_irqs(unsigned cpu);

/* PIT channel 0 as a periodic interrupt of about `hz` on the boot CPU (vector VEC_PIT, the
 * 8259's line 0 through LINT0): returns the rate set in mHz (1.193182 MHz over a whole
 * divisor), 0 if hz is out of range (19 Hz .. 596 kHz). The handler must call pit_eoi()
 * (not lapic_eoi: the 8259 delivers it). Boot CPU only; off until started. */
uint32_t pit_periodic_start(uint32_t hz);
void pit_periodic_stop(void);        /* masks the line again */
void pit_eoi(void);

/* The kernel command line (QEMU -append), "" when none. */
const char *platform_cmdline(void);
/* The file QEMU passes as `-fw_cfg name=NAME,file=PATH` (fwcfg.c): at most len bytes of it
 * copied into buf; returns its whole size (more than len: cut), or -1 when there is no such
 * file or no fw_cfg device. Boot CPU only, before the APs start (the device is not locked). */
long platform_fw_file(const char *name, void *buf, size_t len);

/* --- console, exit -------------------------------------------------------------------------- */

void serial_write(const char *s, size_t n);      /* COM1 16550, polled, spinlocked */
void kprintf(const char *fmt, ...);              /* %d %u %x %lx %llu %lld %s %c %p %% */
void kvprintf(const char *fmt, va_list ap);
__attribute__((noreturn)) void qemu_exit(int code); /* isa-debug-exit: status (code<<1)|1 */
__attribute__((noreturn)) void panic(const char *fmt, ...);
/* The report of an exception no handler took (vector, registers, CR2, CR3), then a failing
 * QEMU exit; a handler the kernel installs for an exception vector may fall back on it. */
__attribute__((noreturn)) void exception_report(const struct regs *r);
const char *exception_name(unsigned vector);

/* --- memory --------------------------------------------------------------------------------- */

/* Physical page allocator over [PAGE_POOL_START, PAGE_POOL_END): zeroed 4 KiB pages. */
uint64_t page_alloc(void);         /* physical address, 0 when exhausted */
void page_free(uint64_t pa);

/* A new address space: a PML4 whose upper half is the kernel's. Returns its physical addr. */
uint64_t as_create(void);
/* Map one user page (user, writable) at `va` to physical `pa` in address space `pml4`. */
bool as_map_user(uint64_t pml4, uint64_t va, uint64_t pa, bool writable, bool exec);
/* The physical address behind user address `va` in `pml4`, or 0 when no ring-3 page is
 * mapped there (or it is read-only and `write` is asked). For copying system call
 * arguments: a bad user pointer is then an error, never a kernel page fault. */
uint64_t as_user_page(uint64_t pml4, uint64_t va, bool write);
void as_switch(uint64_t pml4);      /* load CR3 */
uint64_t as_kernel(void);           /* the kernel's own PML4 (no user mappings) */

/* --- small libc for the kernel --------------------------------------------------------------- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* Entry point the platform calls on the BSP after bring-up of the BSP itself. */
void kernel_main(void);

#endif
