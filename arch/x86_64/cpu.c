/* SPDX-License-Identifier: MIT */
/*
 * cpu.c - per-CPU descriptor tables and the interrupt dispatcher.
 *
 * Every CPU has its own GDT (null, kernel code/data, user data/code, its TSS), its own TSS
 * (rsp0 for entries from ring 3; IST1..3 for #DF, NMI and #MC so that a blown kernel stack
 * still gets a report) and its own struct percpu, reached through GS base. The IDT is one
 * table for all CPUs: interrupt gates (IF cleared on entry, so handlers run with
 * interrupts off), DPL 0 except VEC_SYSCALL, which ring 3 may raise with int 0x80.
 * The user selectors come in the order SYSRET expects (data at +8, code at +16), should
 * anyone add syscall/sysret later.
 */
#include <stddef.h>

#include "platform_internal.h"

#define IST_STACK_SIZE 4096

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct idt_gate {
	uint16_t off_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;             /* P | DPL | 0xe (64-bit interrupt gate) */
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));

struct dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "TSS layout");
_Static_assert(sizeof(struct regs) == 22 * 8, "struct regs must match isr.asm");
_Static_assert(offsetof(struct regs, vector) == 15 * 8, "struct regs must match isr.asm");
_Static_assert(offsetof(struct regs, rip) == 17 * 8, "struct regs must match isr.asm");
_Static_assert(offsetof(struct percpu, cpu) == 8, "this_cpu() reads %gs:8");

enum { GDT_NULL, GDT_KCODE, GDT_KDATA, GDT_UDATA, GDT_UCODE, GDT_TSS, GDT_TSS_HI, GDT_N };
_Static_assert(KERNEL_CS == GDT_KCODE * 8 && KERNEL_DS == GDT_KDATA * 8, "selectors");
_Static_assert(USER_DS == (GDT_UDATA * 8 | 3) && USER_CS == (GDT_UCODE * 8 | 3), "selectors");
#define GDT_TSS_SEL (GDT_TSS * 8)

struct cpu_tables {
	uint64_t gdt[GDT_N];
	struct tss tss;
} __attribute__((aligned(64)));

uint8_t cpu_stacks[MAX_CPUS][CPU_STACK_SIZE] __attribute__((aligned(4096)));
static uint8_t ist_stacks[MAX_CPUS][3][IST_STACK_SIZE] __attribute__((aligned(4096)));
static struct cpu_tables tables[MAX_CPUS];
static struct percpu percpus[MAX_CPUS] __attribute__((aligned(64)));
static struct idt_gate idt[256] __attribute__((aligned(16)));
static void (*handlers[256])(struct regs *r);
static void (*entry_hook)(struct regs *r), (*exit_hook)(struct regs *r);
static void (*nmi_handler)(struct regs *r);
static bool percpu_ready;
unsigned nr_cpus = 1;

extern const uint64_t isr_stub_table[256];

struct percpu *percpu_of(unsigned cpu) { return &percpus[cpu]; }
unsigned platform_nr_cpus(void) { return nr_cpus; }
bool cpu_percpu_ready(void) { return percpu_ready; }

/* Dense CPU numbers, BSP = 0, in the order given; called once ACPI is parsed. */
void cpu_set_count(unsigned n, const unsigned *apic_ids)
{
	unsigned i;

	nr_cpus = n;
	for (i = 0; i < n; i++) {
		percpus[i].self = &percpus[i];
		percpus[i].cpu = i;
		percpus[i].apic_id = apic_ids[i];
		percpus[i].kernel_stack = (uint64_t)&cpu_stacks[i][CPU_STACK_SIZE];
	}
}

static uint64_t tss_descriptor_lo(uint64_t base, uint32_t limit)
{
	return (limit & 0xffffull) | (base & 0xffffffull) << 16 | 0x89ull << 40 |
	       (uint64_t)((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
}

static void gdt_build(unsigned cpu)
{
	struct cpu_tables *t = &tables[cpu];
	uint64_t tss = (uint64_t)&t->tss;
	unsigned i;

	t->gdt[GDT_NULL] = 0;
	t->gdt[GDT_KCODE] = 0x00af9a000000ffffull;  /* P, DPL 0, code, L */
	t->gdt[GDT_KDATA] = 0x00cf92000000ffffull;  /* P, DPL 0, data */
	t->gdt[GDT_UDATA] = 0x00cff2000000ffffull;  /* P, DPL 3, data */
	t->gdt[GDT_UCODE] = 0x00affa000000ffffull;  /* P, DPL 3, code, L */
	t->gdt[GDT_TSS] = tss_descriptor_lo(tss, sizeof(t->tss) - 1);
	t->gdt[GDT_TSS_HI] = tss >> 32;

	memset(&t->tss, 0, sizeof(t->tss));
	t->tss.rsp[0] = percpus[cpu].kernel_stack;
	for (i = 0; i < 3; i++)
		t->tss.ist[i] = (uint64_t)&ist_stacks[cpu][i][IST_STACK_SIZE];
	t->tss.iomap_base = sizeof(t->tss); /* no I/O bitmap: ring 3 has no port access */
}

/* lgdt, reload every segment register, ltr. Selectors before GS base: loading GS zeroes it. */
static void gdt_load(unsigned cpu)
{
	struct dtr d = { sizeof(tables[cpu].gdt) - 1, (uint64_t)tables[cpu].gdt };

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %2, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 "ltr %w3"
			 : : "m"(d), "i"(KERNEL_CS), "i"(KERNEL_DS), "r"((uint16_t)GDT_TSS_SEL)
			 : "rax", "memory");
}

static void idt_load(void)
{
	struct dtr d = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ volatile("lidt %0" : : "m"(d) : "memory");
}

static void idt_build(void)
{
	unsigned v;

	for (v = 0; v < 256; v++) {
		uint64_t fn = isr_stub_table[v];
		unsigned dpl = v == VEC_SYSCALL ? 3 : 0;

		idt[v].off_lo = fn & 0xffff;
		idt[v].selector = KERNEL_CS;
		idt[v].ist = v == 8 ? 1 : v == 2 ? 2 : v == 18 ? 3 : 0; /* #DF, NMI, #MC */
		idt[v].type = 0x8e | dpl << 5;
		idt[v].off_mid = (fn >> 16) & 0xffff;
		idt[v].off_hi = fn >> 32;
		idt[v].reserved = 0;
	}
}

/* GS base and KERNEL_GS_BASE both point at the percpu block (see isr.asm on SWAPGS). */
static void percpu_load(unsigned cpu)
{
	wrmsr(MSR_FS_BASE, 0);
	wrmsr(MSR_GS_BASE, (uint64_t)&percpus[cpu]);
	wrmsr(MSR_KERNEL_GS_BASE, (uint64_t)&percpus[cpu]);
}

/* The 8259 PICs: remap to 0x20..0x2f (off the exception vectors) and mask every line. */
static void pic_disable(void)
{
	static const uint8_t init[2][4] = {
		{ 0x11, 0x20, 0x04, 0x01 }, /* master: ICW1, base 0x20, slave on IRQ2, 8086 */
		{ 0x11, 0x28, 0x02, 0x01 }, /* slave: ICW1, base 0x28, cascade id 2, 8086 */
	};
	unsigned i;

	for (i = 0; i < 4; i++) {
		outb(0x20 + (i ? 1 : 0), init[0][i]);
		outb(0xa0 + (i ? 1 : 0), init[1][i]);
	}
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

/* The 8259 lines left unmasked reach the boot CPU (virtual-wire mode, through its LINT0);
 * pic_disable masks them all, so this reads 0 unless someone unmasked one since. */
unsigned platform_device_irqs(unsigned cpu)
{
	unsigned open = 0;
	uint16_t mask;

	if (cpu != 0)
		return 0;
	mask = (uint16_t)(inb(0xa1) << 8 | inb(0x21));
	for (unsigned line = 0; line < 16; line++)
		open += line != 2 && !(mask >> line & 1); /* line 2 is the cascade */
	return open;
}

void cpu_init_bsp(unsigned apic_id)
{
	unsigned id = apic_id;

	cpu_set_count(1, &id);
	pic_disable();
	idt_build();
	gdt_build(0);
	gdt_load(0);
	idt_load();
	percpu_load(0);
	percpu_ready = true;
}

void cpu_init_ap(unsigned cpu)
{
	gdt_build(cpu);
	gdt_load(cpu);
	idt_load();
	percpu_load(cpu);
}

void tss_set_rsp0(uint64_t rsp0)
{
	tables[this_cpu()].tss.rsp[0] = rsp0;
}

void idt_set_handler(uint8_t vector, void (*fn)(struct regs *r))
{
	__atomic_store_n(&handlers[vector], fn, __ATOMIC_RELEASE);
}

void idt_set_nmi_handler(void (*fn)(struct regs *r))
{
	__atomic_store_n(&nmi_handler, fn, __ATOMIC_RELEASE);
}

void idt_set_entry_hooks(void (*enter)(struct regs *r), void (*leave)(struct regs *r))
{
	__atomic_store_n(&entry_hook, enter, __ATOMIC_RELEASE);
	__atomic_store_n(&exit_hook, leave, __ATOMIC_RELEASE);
}

/* --- dispatch ------------------------------------------------------------------------------ */

static void dispatch(struct regs *r)
{
	unsigned v = (unsigned)r->vector;
	void (*fn)(struct regs *);

	/* A timer interrupt that is early (count-down clamped) or stale (cancelled, re-armed)
	 * is absorbed here: handlers only see the deadline they armed, passed. */
	if (v == VEC_TIMER && !lapic_timer_due())
		return;
	fn = __atomic_load_n(&handlers[v], __ATOMIC_ACQUIRE);
	if (fn) {
		fn(r);
		return;
	}
	if (v < 32)
		exception_report(r);
	if (v == VEC_SPURIOUS || (v >= 0x20 && v < 0x30))
		return; /* LAPIC spurious, or a masked PIC's spurious IRQ 7/15: no EOI */
	kprintf("cpu%u: unexpected interrupt, vector %u (no handler)\n", this_cpu(), v);
	lapic_eoi();
}

/* Every entry, the absorbed ones included, passes the kernel's entry and exit hooks (the
 * first and last C code of the entry; `r` is the frame the CPU returns through, possibly
 * much later and on another CPU if the handler switched threads). Except an NMI with a
 * handler: it may land anywhere, inside those hooks' own bookkeeping included, so it goes
 * to its handler alone. */
void isr_dispatch(struct regs *r)
{
	void (*enter)(struct regs *) = __atomic_load_n(&entry_hook, __ATOMIC_ACQUIRE);
	void (*leave)(struct regs *) = __atomic_load_n(&exit_hook, __ATOMIC_ACQUIRE);
	void (*nmi)(struct regs *) = __atomic_load_n(&nmi_handler, __ATOMIC_ACQUIRE);

	if (r->vector == VEC_NMI && nmi) {
		nmi(r);
		return;
	}
	if (enter)
		enter(r);
	dispatch(r);
	if (leave)
		leave(r);
}

/* --- exception report --------------------------------------------------------------------- */

static const char *const exc_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack-segment fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 floating point", "#AC alignment check",
	"#MC machine check", "#XM SIMD floating point", "#VE virtualization",
	"#CP control protection", "reserved 22", "reserved 23", "reserved 24", "reserved 25",
	"reserved 26", "reserved 27", "#HV hypervisor injection", "#VC VMM communication",
	"#SX security", "reserved 31",
};

const char *exception_name(unsigned vector)
{
	return vector < 32 ? exc_names[vector] : "interrupt";
}

static void report_pf_error(uint64_t e)
{
	kprintf("  page fault: %s, %s, %s mode%s%s\n", e & 1 ? "protection violation" : "not present",
		e & 2 ? "write" : e & 16 ? "instruction fetch" : "read", e & 4 ? "user" : "kernel",
		e & 8 ? ", reserved bit set" : "", e & 32 ? ", protection key" : "");
	kprintf("  CR2 %016lx (faulting address)\n", read_cr2());
}

void exception_report(const struct regs *r)
{
	unsigned v = (unsigned)r->vector;

	kprintf("\n*** cpu%u: EXCEPTION %s (vector %u) in %s mode, error code %#lx\n",
		cpu_percpu_ready() ? this_cpu() : 0, exception_name(v), v,
		(r->cs & 3) ? "user" : "kernel", r->error);
	if (v == 14)
		report_pf_error(r->error);
	kprintf("  RIP %016lx  CS %04lx  RFLAGS %016lx\n", r->rip, r->cs, r->rflags);
	kprintf("  RSP %016lx  SS %04lx\n", r->rsp, r->ss);
	kprintf("  RAX %016lx  RBX %016lx  RCX %016lx  RDX %016lx\n", r->rax, r->rbx, r->rcx, r->rdx);
	kprintf("  RSI %016lx  RDI %016lx  RBP %016lx  R8  %016lx\n", r->rsi, r->rdi, r->rbp, r->r8);
	kprintf("  R9  %016lx  R10 %016lx  R11 %016lx  R12 %016lx\n", r->r9, r->r10, r->r11, r->r12);
	kprintf("  R13 %016lx  R14 %016lx  R15 %016lx  CR3 %016lx\n", r->r13, r->r14, r->r15, read_cr3());
	kprintf("*** unhandled exception: exiting QEMU with failure\n");
	qemu_exit(1);
}
