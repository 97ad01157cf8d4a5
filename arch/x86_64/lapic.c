/* SPDX-License-Identifier: MIT */
/*
 * lapic.c - local APIC (xAPIC, MMIO through the uncached direct map), the TSC clock, the
 * one-shot timer and IPIs.
 *
 * Clock: clock_ns() = (TSC - TSC at calibration) scaled by a 32.32 fixed-point factor.
 * The TSC is assumed invariant and synchronised across CPUs (what QEMU and KVM provide);
 * lfence before rdtsc keeps the read from running ahead of earlier loads, so a time
 * published by one CPU is never later than what another CPU reads after seeing it.
 *
 * Calibration: PIT channel 2 (gated through port 0x61, output not wired to any IRQ) counts
 * down from 0xffff at 1.193182 MHz while the TSC and the LAPIC timer (divide by 1, counting
 * down from 0xffffffff, masked) run. Each end of the ~20 ms window is the tightest of
 * several (TSC, PIT, LAPIC) samples bracketed by two TSC reads, so a vCPU preempted in
 * the middle of a sample does not skew the result.
 *
 * Timer: TSC-deadline mode when CPUID.1:ECX[24] says so (the deadline is an absolute TSC
 * value, exact, no range limit), else the LAPIC one-shot count-down, whose 32-bit count
 * limits one shot to ~4 s at 1 GHz. Either way the armed deadline is remembered per CPU,
 * and isr_dispatch asks lapic_timer_due() before calling the VEC_TIMER handler: an
 * interrupt that comes early (clamped count, calibration error) re-arms for the rest, and
 * one that is stale (cancelled or re-armed after it was raised) is dropped, both with EOI.
 */
#include "platform_internal.h"

#define LAPIC_ID 0x020
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define LVT_MASKED (1u << 16)
#define LVT_TSC_DEADLINE (2u << 17)
#define LVT_EXTINT (7u << 8)
#define ICR_PENDING (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_NMI (4u << 8)

#define PIT_HZ 1193182u
#define NS_PER_S 1000000000ull

static volatile uint32_t *lapic;
static bool use_tsc_deadline;
static uint64_t tsc_freq, lapic_freq;   /* Hz */
struct x86_clock x86_clock;             /* TSC at clock_ns() == 0; ns = dtsc * mult >> 32
					 * (platform_inline.h reads it inline) */
static uint64_t ns_to_tsc_mult;         /* dtsc = ns * mult >> 32 */
static uint64_t tsc_to_lapic_mult;      /* lapic ticks = dtsc * mult >> 32 */
static volatile uint64_t deadline_ns[MAX_CPUS]; /* armed deadline, UINT64_MAX = none */
static uint64_t timer_vectors[MAX_CPUS];        /* VEC_TIMER deliveries (lapic_timer_irqs) */

static uint32_t lapic_read(unsigned reg) { return lapic[reg / 4]; }
static void lapic_write(unsigned reg, uint32_t v) { lapic[reg / 4] = v; }

uint64_t tsc_read(void) { return x86_tsc(); } /* lfence; rdtsc */

uint64_t tsc_hz(void) { return tsc_freq; }
uint64_t lapic_timer_hz(void) { return lapic_freq; }
bool lapic_tsc_deadline(void) { return use_tsc_deadline; }
unsigned lapic_id(void) { return lapic_read(LAPIC_ID) >> 24; }
void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

static uint64_t clock_of(uint64_t tsc) { return x86_clock_of(tsc); }

uint64_t clock_ns(void) { return x86_clock_ns(); }

/* A TSC value at which clock_ns() >= ns, at most a few ticks after the first one
 * (saturating far in the future). */
static uint64_t ns_to_tsc(uint64_t ns)
{
	u128 d = (((u128)ns * ns_to_tsc_mult) >> 32) + x86_clock.tsc_base;
	uint64_t t, c;

	if (d >= UINT64_MAX / 2)
		return UINT64_MAX / 2;
	t = (uint64_t)d;
	/* both factors round down: close the gap of a few ns (one or two rounds) */
	while ((c = clock_of(t)) < ns)
		t += (ns - c) * tsc_freq / NS_PER_S + 1;
	return t;
}

void delay_us(uint64_t us)
{
	uint64_t end = clock_ns() + us * 1000;

	while (clock_ns() < end)
		cpu_relax();
}

/* --- calibration ------------------------------------------------------------------------------ */

struct sample {
	uint64_t tsc;
	uint32_t lapic;
	uint16_t pit;
};

static uint16_t pit2_read(void)
{
	uint8_t lo, hi;

	outb(0x43, 0x80);          /* latch channel 2 */
	lo = inb(0x42);
	hi = inb(0x42);
	return (uint16_t)(hi << 8 | lo);
}

static struct sample sample_take(void)
{
	struct sample best = { 0, 0, 0 };
	uint64_t best_width = UINT64_MAX;
	unsigned i;

	for (i = 0; i < 8; i++) {
		uint64_t t0 = tsc_read();
		uint32_t l = lapic_read(LAPIC_TIMER_CUR);
		uint16_t p = pit2_read();
		uint64_t t1 = tsc_read();

		if (t1 - t0 < best_width) {
			best_width = t1 - t0;
			best = (struct sample){ t0 + (t1 - t0) / 2, l, p };
		}
	}
	return best;
}

static void calibrate(void)
{
	const uint16_t window = PIT_HZ / 50;          /* 20 ms of PIT ticks */
	struct sample a, b;
	uint64_t pit_ticks;

	outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01)); /* gate on, speaker off */
	outb(0x43, 0xb0);          /* channel 2, lo/hi byte, mode 0, binary */
	outb(0x42, 0xff);
	outb(0x42, 0xff);
	lapic_write(LAPIC_TIMER_DIV, 0xb);            /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffff);

	while (pit2_read() > 0xfff0)                  /* let the count get going */
		cpu_relax();
	a = sample_take();
	while ((uint16_t)(a.pit - pit2_read()) < window)
		cpu_relax();
	b = sample_take();
	lapic_write(LAPIC_TIMER_INIT, 0);

	pit_ticks = (uint16_t)(a.pit - b.pit);
	tsc_freq = (b.tsc - a.tsc) * PIT_HZ / pit_ticks;
	lapic_freq = (uint64_t)(a.lapic - b.lapic) * PIT_HZ / pit_ticks;
	if (tsc_freq < 1000000 || lapic_freq < 1000)
		panic("timer calibration failed: TSC %lu Hz, LAPIC timer %lu Hz", tsc_freq, lapic_freq);

	x86_clock.tsc_base = b.tsc;
	x86_clock.tsc_to_ns_mult = (NS_PER_S << 32) / tsc_freq;
	/* tsc_freq * 2^32 / 1e9 without a 128-bit division: long division in two steps */
	ns_to_tsc_mult = (((tsc_freq << 24) / NS_PER_S) << 8) +
			 (((tsc_freq << 24) % NS_PER_S) << 8) / NS_PER_S;
	tsc_to_lapic_mult = (lapic_freq << 32) / tsc_freq;
}

/* --- per-CPU setup ----------------------------------------------------------------------------- */

static void lapic_enable(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	wrmsr(MSR_APIC_BASE, base | (1u << 11));      /* global enable (xAPIC) */
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);  /* software enable */
	lapic_eoi();
}

static void timer_mode_init(void)
{
	deadline_ns[this_cpu()] = UINT64_MAX;
	if (use_tsc_deadline) {
		lapic_write(LAPIC_LVT_TIMER, LVT_TSC_DEADLINE | VEC_TIMER);
		/* the LVT write must be ordered before any IA32_TSC_DEADLINE write */
		__asm__ volatile("mfence" : : : "memory");
		wrmsr(MSR_TSC_DEADLINE, 0);
	} else {
		lapic_write(LAPIC_TIMER_DIV, 0xb);
		lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);     /* one-shot */
		lapic_write(LAPIC_TIMER_INIT, 0);
	}
}

void lapic_init_bsp(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) & PTE_ADDR;

	if (base >= (4ull << 30))
		panic("LAPIC at %#lx is outside the direct map", base);
	if (rdmsr(MSR_APIC_BASE) & (1u << 10))
		panic("LAPIC is in x2APIC mode; this kernel drives xAPIC");
	lapic = phys_to_virt(base);
	use_tsc_deadline = (cpuid(1, 0).c >> 24) & 1;
	lapic_enable();
	calibrate();
	timer_mode_init();
}

void lapic_init_ap(void)
{
	lapic_enable();
	timer_mode_init();
}

/* --- timer ---------------------------------------------------------------------------------------- */

static void timer_program(uint64_t dl_ns)
{
	uint64_t when = ns_to_tsc(dl_ns), now, ticks;

	if (use_tsc_deadline) {
		wrmsr(MSR_TSC_DEADLINE, when ? when : 1);   /* a past deadline fires at once */
		return;
	}
	now = tsc_read();
	ticks = when > now ? (uint64_t)(((u128)(when - now) * tsc_to_lapic_mult) >> 32) + 1 : 1;
	lapic_write(LAPIC_TIMER_INIT, ticks > 0xffffffffu ? 0xffffffffu : (uint32_t)ticks);
}

static void timer_stop(void)
{
	if (use_tsc_deadline)
		wrmsr(MSR_TSC_DEADLINE, 0);
	else
		lapic_write(LAPIC_TIMER_INIT, 0);
}

void lapic_timer_at(uint64_t dl_ns)
{
	uint64_t f = irq_save();

	deadline_ns[this_cpu()] = dl_ns;
	if (dl_ns == UINT64_MAX)
		timer_stop();
	else
		timer_program(dl_ns);
	irq_restore(f);
}

uint64_t lapic_timer_irqs(unsigned cpu)
{
	return cpu < MAX_CPUS ? __atomic_load_n(&timer_vectors[cpu], __ATOMIC_ACQUIRE) : 0;
}

/* Called once per VEC_TIMER delivery (isr_dispatch), so it also counts them all. */
bool lapic_timer_due(void)
{
	unsigned cpu = this_cpu();
	uint64_t dl = deadline_ns[cpu];

	__atomic_store_n(&timer_vectors[cpu], timer_vectors[cpu] + 1, __ATOMIC_RELEASE);
	if (dl != UINT64_MAX && clock_ns() >= dl) {
		deadline_ns[cpu] = UINT64_MAX;  /* one shot: a later duplicate is stale */
		return true;
	}
	if (dl != UINT64_MAX)
		timer_program(dl);
	lapic_eoi();
	return false;
}

/* The 8259's output reaches this CPU through LINT0 in ExtINT mode (virtual wire): the
 * reset state QEMU gives the boot CPU, written here so that a firmware that left it
 * masked does not silently stop PIT interrupts (pit.c). ExtINT deliveries take no LAPIC
 * EOI: the 8259 is acknowledged instead. */
void lapic_lint0_extint(void)
{
	lapic_write(LAPIC_LVT_LINT0, LVT_EXTINT);
}

/* --- IPIs ------------------------------------------------------------------------------------------ */

/* ICR high then low; the low write sends. Interrupts off so a handler cannot send in between. */
static void icr_send(unsigned apic_id, uint32_t lo)
{
	uint64_t f = irq_save();

	while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
		cpu_relax();
	__asm__ volatile("mfence" : : : "memory"); /* earlier stores visible before the doorbell */
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, lo);
	irq_restore(f);
}

void lapic_send_ipi(unsigned cpu, uint8_t vector)
{
	icr_send(percpu_of(cpu)->apic_id, ICR_ASSERT | vector);
}

void lapic_send_nmi(unsigned cpu)
{
	icr_send(percpu_of(cpu)->apic_id, ICR_ASSERT | ICR_NMI);
}

void lapic_send_init(unsigned apic_id) { icr_send(apic_id, ICR_ASSERT | ICR_INIT); }
void lapic_send_sipi(unsigned apic_id, uint8_t page) { icr_send(apic_id, ICR_ASSERT | ICR_STARTUP | page); }
