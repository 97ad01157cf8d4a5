/* SPDX-License-Identifier: MIT */
/*
 * ksample.c - guest-PC sampling for the benchmark boot: where the CPUs' time goes, by
 * class and by PC. Linked into kernel-bench.elf only; the test and demo boots have neither
 * the buffers nor the interrupts.
 *
 * Each sample is the interrupted RIP and its class:
 *   user     CPL 3 in the frame (a ring-3 program)
 *   idle     the idle loop's halt: the RIP is one of kidle_pcs (thread.c)
 *   library  the PC inside libsched's code: [__sched_text_start, __sched_text_end), where
 *            linker.ld puts the .text of the libsched archive
 *   arch     the rest of the kernel's text (platform, glue, switch, the benchmarks)
 *
 * Three sources, each sample tagged with its own:
 *   nmi    CPUs 1..: an NMI the boot CPU sends them at each PIT tick. Instants no scheduler
 *          decision chose, taken wherever the CPU is, interrupts off or not.
 *   pit    the boot CPU: the PIT tick itself, a maskable interrupt.
 *   timer  every CPU: each scheduler timer interrupt (thread.c's timer_irq calls the
 *          sampler), maskable; instants libsched chose (slice ends, timeouts, sleeps).
 * Why these: the LAPIC timer is libsched's (one-shot, re-armed at every pick), and sharing
 * it would move the scheduler's own deadlines; the HPET needs its ACPI table and an IO APIC
 * route this kernel does not program. The PIT is there and already reaches the boot CPU
 * through the 8259 that cpu.c remaps; one NMI per tick carries it to the others. NMIs,
 * because libsched runs every entry point with interrupts off: a maskable sample due there
 * is taken where interrupts come back on (the kernel's irq_restore after the call, the
 * first ring-3 instruction after a system call), so maskable sampling never sees the
 * library at all (the first version of this sampler, with a fixed-vector IPI, counted 0
 * library samples in 33,579). The boot CPU cannot NMI itself usefully (the NMI would land
 * in the PIT handler), so its "pit" samples keep that bias; the benchmarks run on the last
 * CPU. SAMPLE_HZ, 997: faster than the scheduler's tick, one short handler per CPU per
 * millisecond, and prime, so no period of the benchmarks (1 ms sleeps, 50 us waits)
 * divides it and locks the samples to one phase.
 *
 * The samples change no scheduling decision: the handlers only record (and the boot CPU's
 * acknowledges and forwards), never call libsched nor take a lock.
 *
 * Buffers: one per CPU, written only by that CPU, in a maskable handler or an NMI that may
 * land inside it: a slot is claimed by an atomic add on the CPU's count (one instruction,
 * so an NMI sees it before or after), the count going on past the end to count the dropped.
 * `busy` brackets each record, so ksample_stop can wait for the last one to finish (it
 * clears `recording`, then waits for busy == 0: a record that starts after that sees
 * `recording` clear; both sides seq_cst). The report sorts the buffers in place.
 */
#include "kernel.h"

#define SAMPLE_HZ 997
#define KSAMPLE_CPUS 4      /* the CPUs sampled (the benchmark boot uses 2) */
#define KSAMPLE_LEN 65536   /* samples kept per CPU: a minute of ticks, with the timer's */
#define KSAMPLE_TOP 10      /* PCs listed per source in the report */

enum { KS_LIBRARY, KS_ARCH, KS_IDLE, KS_USER, KS_CLASSES };
enum { KS_NMI, KS_PIT, KS_TIMER, KS_SOURCES };
static const char *const class_name[KS_CLASSES] = { "library", "arch", "idle", "user" };
static const char *const source_name[KS_SOURCES] = { "nmi", "pit", "timer" };

extern const char __sched_text_start[], __sched_text_end[]; /* linker.ld */

struct ksample {
	uint64_t rip;
	uint8_t src, cls;
};

struct ksample_cpu {
	uint32_t n;          /* slots claimed, past KSAMPLE_LEN too [this CPU, atomic] */
	uint32_t busy;       /* records under way on this CPU [atomic] */
	struct ksample s[KSAMPLE_LEN];
} __attribute__((aligned(64)));

static struct ksample_cpu kbuf[KSAMPLE_CPUS];
static unsigned sampled_cpus;     /* CPUs 0 .. sampled_cpus-1, set before the start */
static bool running;              /* the PIT ticks are forwarded [atomic] */
static bool recording;            /* the handlers keep what they see [atomic, seq_cst] */
static uint32_t periodic_mhz;     /* the PIT's rate as set */

static unsigned classify(const struct regs *r)
{
	if (r->cs & 3)
		return KS_USER;
	if (r->rip == kidle_pcs[0] || r->rip == kidle_pcs[1])
		return KS_IDLE;
	if (r->rip >= (uint64_t)__sched_text_start && r->rip < (uint64_t)__sched_text_end)
		return KS_LIBRARY;
	return KS_ARCH;
}

/* On the interrupted CPU, in a handler (interrupts off) or an NMI. */
static void record(const struct regs *r, unsigned src)
{
	unsigned cpu = this_cpu();
	struct ksample_cpu *b;

	if (cpu >= sampled_cpus)
		return;
	b = &kbuf[cpu];
	__atomic_fetch_add(&b->busy, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&recording, __ATOMIC_SEQ_CST)) {
		uint32_t n = __atomic_fetch_add(&b->n, 1, __ATOMIC_RELAXED);

		if (n < KSAMPLE_LEN)
			b->s[n] = (struct ksample){ .rip = r->rip, .src = (uint8_t)src,
						    .cls = (uint8_t)classify(r) };
	}
	__atomic_fetch_sub(&b->busy, 1, __ATOMIC_RELEASE);
}

static void on_timer(const struct regs *r)
{
	record(r, KS_TIMER);
}

/* The boot CPU's PIT tick: its own sample, then the others' NMIs. */
static void pit_irq(struct regs *r)
{
	pit_eoi();
	if (!__atomic_load_n(&running, __ATOMIC_ACQUIRE))
		return;
	record(r, KS_PIT);
	for (unsigned c = 1; c < sampled_cpus; c++)
		lapic_send_nmi(c);
}

static void on_nmi(struct regs *r)
{
	record(r, KS_NMI);
}

/* On the boot CPU. Returns the PIT's rate in mHz (0: it could not start; the timer
 * samples are still taken). */
uint32_t ksample_start(void)
{
	sampled_cpus = ksys.nr_cpus < KSAMPLE_CPUS ? ksys.nr_cpus : KSAMPLE_CPUS;
	idt_set_handler(VEC_PIT, pit_irq);
	idt_set_nmi_handler(on_nmi); /* for good: an NMI still on its way at the stop is kept out */
	ktimer_sampler = on_timer;
	__atomic_store_n(&recording, true, __ATOMIC_SEQ_CST);
	__atomic_store_n(&running, true, __ATOMIC_RELEASE);
	periodic_mhz = pit_periodic_start(SAMPLE_HZ);
	return periodic_mhz;
}

/* Keep (true) or ignore (false) what the interrupts see; they keep coming either way, so a
 * run that is left out pays the same interrupt cost as one that is sampled. */
void ksample_record(bool on)
{
	__atomic_store_n(&recording, on && __atomic_load_n(&running, __ATOMIC_ACQUIRE),
			 __ATOMIC_SEQ_CST);
}

/* On the boot CPU. Returns once no record is under way on any CPU. */
void ksample_stop(void)
{
	__atomic_store_n(&recording, false, __ATOMIC_SEQ_CST);
	__atomic_store_n(&running, false, __ATOMIC_RELEASE);
	pit_periodic_stop();
	ktimer_sampler = NULL;
	for (unsigned cpu = 0; cpu < sampled_cpus; cpu++)
		while (__atomic_load_n(&kbuf[cpu].busy, __ATOMIC_SEQ_CST))
			__asm__ volatile("pause");
}

/* --- the report ------------------------------------------------------------------------------ */

static uint64_t permille(uint64_t part, uint64_t whole)
{
	return whole ? part * 1000 / whole : 0;
}

/* One source's split on one CPU or all; nothing for a source without samples there. */
static void print_split(const char *who, unsigned src, const uint64_t *count)
{
	uint64_t total = 0;

	for (unsigned c = 0; c < KS_CLASSES; c++)
		total += count[c];
	if (!total)
		return;
	kprintf("# sample: %s %s %llu", who, source_name[src], total);
	for (unsigned c = 0; c < KS_CLASSES; c++)
		kprintf(" %s %llu (%llu permille)", class_name[c], count[c],
			permille(count[c], total));
	kprintf("\n");
}

/* The class split per CPU and in all, per source; `n`: the samples kept per CPU. */
static void report_split(const uint32_t *n)
{
	uint64_t all[KS_SOURCES][KS_CLASSES] = { { 0 } };
	char who[8] = "cpu?";

	for (unsigned cpu = 0; cpu < sampled_cpus; cpu++) {
		uint64_t mine[KS_SOURCES][KS_CLASSES] = { { 0 } };
		uint32_t claimed = __atomic_load_n(&kbuf[cpu].n, __ATOMIC_ACQUIRE);

		for (uint32_t i = 0; i < n[cpu]; i++)
			mine[kbuf[cpu].s[i].src][kbuf[cpu].s[i].cls]++;
		who[3] = (char)('0' + cpu);
		for (unsigned s = 0; s < KS_SOURCES; s++) {
			print_split(who, s, mine[s]);
			for (unsigned c = 0; c < KS_CLASSES; c++)
				all[s][c] += mine[s][c];
		}
		if (claimed > n[cpu])
			kprintf("# sample: %s dropped %u (its buffer of %u was full)\n", who,
				claimed - n[cpu], (unsigned)KSAMPLE_LEN);
	}
	for (unsigned s = 0; s < KS_SOURCES; s++)
		print_split("all", s, all[s]);
}

/* Sample order: by source, then PC, then class (one PC can be idle and arch). */
static bool before(const struct ksample *a, const struct ksample *b)
{
	if (a->src != b->src)
		return a->src < b->src;
	if (a->rip != b->rip)
		return a->rip < b->rip;
	return a->cls < b->cls;
}

static bool same(const struct ksample *a, const struct ksample *b)
{
	return a->src == b->src && a->rip == b->rip && a->cls == b->cls;
}

static void swap(struct ksample *a, struct ksample *b)
{
	struct ksample t = *a;

	*a = *b;
	*b = t;
}

static void sift_down(struct ksample *s, uint32_t root, uint32_t n)
{
	for (;;) {
		uint32_t child = 2 * root + 1, big = root;

		if (child < n && before(&s[big], &s[child]))
			big = child;
		if (child + 1 < n && before(&s[big], &s[child + 1]))
			big = child + 1;
		if (big == root)
			return;
		swap(&s[root], &s[big]);
		root = big;
	}
}

/* In place and bounded (no allocation), O(n log n): heapsort. */
static void sort_samples(struct ksample *s, uint32_t n)
{
	for (uint32_t i = n / 2; i-- > 0;)
		sift_down(s, i, n);
	for (uint32_t end = n; end-- > 1;) {
		swap(&s[0], &s[end]);
		sift_down(s, 0, end);
	}
}

struct ktop {
	uint64_t rip, count;
	uint8_t cls;
};

static void top_insert(struct ktop *top, const struct ksample *k, uint64_t count)
{
	unsigned i = KSAMPLE_TOP;

	if (count <= top[KSAMPLE_TOP - 1].count)
		return;
	while (i > 0 && top[i - 1].count < count) {
		if (i < KSAMPLE_TOP)
			top[i] = top[i - 1];
		i--;
	}
	top[i] = (struct ktop){ .rip = k->rip, .count = count, .cls = k->cls };
}

/* The least head of the sorted buffers, or NULL when all are consumed. */
static const struct ksample *least_head(const uint32_t *pos, const uint32_t *n)
{
	const struct ksample *best = NULL;

	for (unsigned cpu = 0; cpu < sampled_cpus; cpu++)
		if (pos[cpu] < n[cpu] && (!best || before(&kbuf[cpu].s[pos[cpu]], best)))
			best = &kbuf[cpu].s[pos[cpu]];
	return best;
}

/*
 * Every distinct (source, PC, class) over all CPUs with its count, one "# pc:" line each
 * (bench/pc_hist.py symbolises them with the kernel's nm), merging the sorted buffers;
 * the top PCs per source on the way.
 */
static void report_pcs(const uint32_t *n, uint64_t *total, struct ktop top[][KSAMPLE_TOP])
{
	uint32_t pos[KSAMPLE_CPUS] = { 0 };
	const struct ksample *head;

	while ((head = least_head(pos, n))) {
		struct ksample key = *head;
		uint64_t count = 0;

		for (unsigned cpu = 0; cpu < sampled_cpus; cpu++)
			while (pos[cpu] < n[cpu] && same(&kbuf[cpu].s[pos[cpu]], &key)) {
				pos[cpu]++;
				count++;
			}
		kprintf("# pc: %s %lx %s %llu\n", source_name[key.src], key.rip,
			class_name[key.cls], count);
		total[key.src] += count;
		top_insert(top[key.src], &key, count);
	}
}

/* After ksample_stop, on any CPU. */
void ksample_report(void)
{
	uint32_t n[KSAMPLE_CPUS] = { 0 };
	uint64_t total[KS_SOURCES] = { 0 };
	struct ktop top[KS_SOURCES][KSAMPLE_TOP] = { { { 0, 0, 0 } } };

	kprintf("# sample: %u CPUs; nmi: an NMI per PIT tick (%u.%03u Hz) on cpu1..; pit: that"
		" tick on cpu0; timer: libsched's timer interrupts; library text %p..%p\n",
		sampled_cpus, periodic_mhz / 1000, periodic_mhz % 1000,
		(const void *)__sched_text_start, (const void *)__sched_text_end);
	for (unsigned cpu = 0; cpu < sampled_cpus; cpu++) {
		n[cpu] = __atomic_load_n(&kbuf[cpu].n, __ATOMIC_ACQUIRE);
		if (n[cpu] > KSAMPLE_LEN)
			n[cpu] = KSAMPLE_LEN;
		sort_samples(kbuf[cpu].s, n[cpu]);
	}
	report_split(n);
	report_pcs(n, total, top);
	for (unsigned s = 0; s < KS_SOURCES; s++)
		for (unsigned i = 0; i < KSAMPLE_TOP && top[s][i].count; i++)
			kprintf("# sample: top %s pc %lx %s %llu (%llu permille)\n", source_name[s],
				top[s][i].rip, class_name[top[s][i].cls], top[s][i].count,
				permille(top[s][i].count, total[s]));
}
