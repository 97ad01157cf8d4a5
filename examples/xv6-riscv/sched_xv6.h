/* SPDX-License-Identifier: MIT */
/*
 * sched_xv6.h - what xv6's kernel sees of libsched: the scheduler state, the per-hart
 * entry points the trap code calls, and what proc.c uses to map a
 * struct sched_thread back to its struct proc. See README.md for the locking rules.
 */
#ifndef SCHED_XV6_H
#define SCHED_XV6_H

#include <sched/sched.h>

/* QEMU virt: the time CSR counts at 10 MHz, 100 ns a count. */
#define XSCHED_NS_PER_COUNT 100ULL
/* xv6's old tick (1000000 counts, 0.1 s): uptime() and sleep() keep counting in it. */
#define XSCHED_TICK_NS      100000000ULL

extern struct sched_sys xsched;

void xsched_boot(void);                 /* hart 0, once, before userinit() */
void xsched_cpu_online(void);           /* each hart, interrupts off */
void xsched_timer_intr(void);           /* S-mode timer interrupt (sstc) */
void xsched_ipi_intr(void);             /* S-mode software interrupt: the resched IPI */
int xsched_need_resched(void);          /* a pick is due on this hart */
void xsched_kick(unsigned cpu);         /* make another hart trap (kill) */
int xsched_is_idle(struct sched_thread *t);
sched_time_t xsched_now(void);

#endif
