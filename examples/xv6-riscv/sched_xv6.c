/* SPDX-License-Identifier: MIT */
/*
 * sched_xv6.c - the libsched arch hooks for xv6-riscv on QEMU's virt machine, and the
 * boot and interrupt entries xv6 calls (docs/porting.md, docs/xv6.md).
 *
 * The machine, as xv6 runs it: the kernel is in S-mode, M-mode only keeps a tiny trap
 * vector (machvec in kernelvec.S). So:
 *  - clock: the time CSR (mcounteren.TM lets S-mode read it), one clock for all harts;
 *  - one-shot timer: the Sstc extension's stimecmp, written from S-mode (menvcfg.STCE);
 *  - IPI: S-mode writes the target's CLINT MSIP word (mapped in the kernel page table);
 *    the machine software interrupt lands in machvec, which clears MSIP and raises the
 *    target's SSIP; the supervisor software interrupt then calls xsched_ipi_intr();
 *  - CPU id: tp holds the hart id (start.c), as xv6's cpuid() reads it;
 *  - interrupts: sstatus.SIE, saved and restored directly (they nest; xv6's push_off
 *    is not a save/restore pair and keeps per-CPU counts we must not disturb).
 */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "defs.h"
#include "sched_xv6.h"

#include <sched/arch.h>

#define CSR_STIMECMP "0x14d"

struct sched_sys xsched;
static struct sched_rq xrq[NCPU];
static struct sched_thread xidle[NCPU];

static inline uint64 read_time(void)
{
	uint64 t;

	asm volatile("csrr %0, time" : "=r"(t));
	return t;
}

static inline void write_stimecmp(uint64 v)
{
	asm volatile("csrw " CSR_STIMECMP ", %0" : : "r"(v));
}

sched_time_t sched_arch_now(void)
{
	return read_time() * XSCHED_NS_PER_COUNT;
}

unsigned sched_arch_cpu_id(void)
{
	return (unsigned)r_tp();
}

unsigned long sched_arch_irq_save(void)
{
	unsigned long s;

	asm volatile("csrrc %0, sstatus, %1" : "=r"(s) : "r"(SSTATUS_SIE) : "memory");
	return s & SSTATUS_SIE;
}

void sched_arch_irq_restore(unsigned long flags)
{
	if (flags & SSTATUS_SIE)
		asm volatile("csrs sstatus, %0" : : "r"(SSTATUS_SIE) : "memory");
	else
		asm volatile("" : : : "memory");
}

void sched_arch_cpu_relax(void)
{
	asm volatile("nop" : : : "memory");
}

/*
 * stimecmp compares against the time CSR: round the deadline up so the interrupt never
 * comes before it (an early one is harmless, but costs a trip). A past value fires at once.
 */
void sched_arch_set_timer(sched_time_t deadline)
{
	if (deadline == SCHED_TIME_NEVER)
		write_stimecmp(~0ULL);
	else
		write_stimecmp((deadline + XSCHED_NS_PER_COUNT - 1) / XSCHED_NS_PER_COUNT);
}

/*
 * Ring `cpu`'s doorbell: its CLINT MSIP word. The fence orders every earlier store (the
 * run-queue state the target will read) before the doorbell.
 */
static void ring(unsigned cpu)
{
	__sync_synchronize();
	*(volatile uint32 *)(CLINT + 4 * (uint64)cpu) = 1;
}

void sched_arch_send_resched(unsigned cpu)
{
	ring(cpu);
}

void sched_arch_assert_fail(const char *expr, const char *file, unsigned line)
{
	printf("libsched assertion failed: %s at %s:%d\n", expr, file, (int)line);
	panic("libsched");
}

/*
 * Make `cpu` take an interrupt, for xv6's kill() of a process running there: with no
 * periodic tick nothing else would bring it into the kernel. It rings the same doorbell
 * as a reschedule IPI; the handler's sched_ipi() call is harmless when libsched sent
 * nothing (it only re-arms IPIs and the timer, and reports no pick due).
 */
void xsched_kick(unsigned cpu)
{
	ring(cpu);
}

/*
 * Time scale. The defaults suit real hardware (a 3 ms slice, a balance every 4 ms). Under
 * QEMU's TCG a hart runs perhaps a hundred times slower, while the time CSR follows the
 * host clock. With the defaults, sampled harts were mostly in timer-driven balancing,
 * spinning on each other's run-queue locks, and usertests' reparent2 had not finished
 * after 3 minutes (the unmodified kernel needs about 2 on the same loaded host); with
 * these it took 113 s. Slices and balancing nearer xv6's own time scale.
 */
static const struct sched_config xsched_cfg = {
	.base_slice_ns = 10000000,          /* 10 ms */
	.tick_ns = 10000000,                /* interrupt latency the lag clamp allows */
	.balance_interval_ns = 50000000,    /* 50 ms */
	.cache_hot_ns = 5000000,            /* 5 ms */
};

/* The harts QEMU starts are 0 .. CPUS-1 with one shared cache; the rest never come online. */
void xsched_boot(void)
{
	struct sched_topology topo = { .nr_cpus = NCPU };
	int err = sched_init(&xsched, xrq, &topo, &xsched_cfg);

	if (err < 0)
		panic("sched_init");
}

/* On the hart itself: its boot stack (scheduler() in proc.c) becomes its idle thread. */
void xsched_cpu_online(void)
{
	unsigned cpu = sched_arch_cpu_id();

	if (sched_cpu_online(&xsched, cpu, &xidle[cpu]) < 0)
		panic("sched_cpu_online");
}

/*
 * Sstc keeps STIP pending while time >= stimecmp: disarm first, so the timer behaves as
 * the one-shot libsched expects; sched_timer() re-arms it for the next event.
 */
void xsched_timer_intr(void)
{
	write_stimecmp(~0ULL);
	sched_timer(&xsched, sched_arch_cpu_id());
}

void xsched_ipi_intr(void)
{
	sched_ipi(&xsched, sched_arch_cpu_id());
}

int xsched_need_resched(void)
{
	return sched_need_resched(&xsched, sched_arch_cpu_id());
}

int xsched_is_idle(struct sched_thread *t)
{
	return t >= &xidle[0] && t < &xidle[NCPU];
}

sched_time_t xsched_now(void)
{
	return sched_arch_now();
}
