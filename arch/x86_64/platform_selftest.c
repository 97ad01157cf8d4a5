/* SPDX-License-Identifier: MIT */
/*
 * platform_selftest.c - kernel_main of platform_selftest.elf: checks the machine layer on
 * its own, without the scheduler, and reports TAP over serial.
 *
 * Every CPU (the BSP, and each AP through platform_start_aps): GS/percpu/LAPIC id agree,
 * the clock never runs backwards across CPUs (a time published by one CPU is never later
 * than what a CPU reading it sees afterwards), a cancelled timer stays silent, a timer
 * 1 ms ahead fires not before its deadline, a past deadline is programmed to fire at once
 * (the LAPIC's initial count is one tick, or the TSC deadline is already behind the TSC)
 * and fires, an interrupt raised for a deadline that was re-armed meanwhile never reaches
 * the handler (one call per deadline, no duplicates), one VEC_RESCHED IPI from CPU 0
 * arrives, and a page from the pool is zeroed and can be freed.
 * CPU 0 also checks the CPU count against QEMU's fw_cfg, the topology against an optional
 * `expect_core=0,0,1,1 expect_llc=...` on the command line (-append), the exception stubs
 * (#UD without and #GP with an error code, registers intact), the pool, and ring 3: int
 * 0x80 through the DPL-3 gate arriving on TSS.rsp0, a LAPIC timer interrupt taken in ring 3,
 * a read of kernel memory and an instruction fetch from a no-execute page both faulting
 * with the right error codes. Then qemu_exit(0) if everything passed, else qemu_exit(1).
 *
 * `-append crash` instead ends in an unhandled page fault, to show the exception report.
 *
 * No check depends on how fast the host runs the vCPUs (docs/x86_64.md "On a busy
 * machine"): timers are checked for order (never before the deadline) and for how they
 * were programmed, latencies are printed, and the only time limit is CPU 0's wait for the
 * others (WAIT_NS), against a CPU that hangs.
 */
#include "platform_internal.h"

#define MS 1000000ull
#define WAIT_NS (30000 * MS) /* CPU 0 gives up on the others after this: a hang */
#define USER_CODE 0x400000ull
#define USER_STACK 0x7ff000ull

struct cpu_result {
	volatile bool ready, done;
	bool gs_ok, cancel_ok, timer_ok, past_ok, stale_ok, ipi_ok, page_ok;
	uint64_t timer_late_ns, past_late_ns, past_programmed, clock_back_ns, page_pa;
	volatile unsigned timer_hits, resched_hits;
	volatile uint64_t timer_fired_at;
};

/* What the ring-0 and ring-3 trap handlers saw. */
struct trap_seen {
	uint64_t vector, error, rbx, rax, cs, cr2, frame;
	unsigned cpu;
	bool from_user_timer;
};

extern uint64_t user_roundtrip(uint64_t rip, uint64_t rsp);
extern const char user_resume[];
extern uint64_t user_kernel_rsp;

static struct cpu_result res[MAX_CPUS];
static volatile uint64_t clock_pub;
static struct trap_seen trap;
static uint8_t rsp0_stack[8192] __attribute__((aligned(16)));
static unsigned tap_n, tap_failed;

/* --- helpers ------------------------------------------------------------------------------- */

static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	tap_failed += !ok;
	kprintf("%s %u - ", ok ? "ok" : "not ok", tap_n);
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
}

static void *gs_self(void)
{
	void *p;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/* Publish this CPU's time, and check the last published one is not ahead of ours. */
static void clock_check(struct cpu_result *c, unsigned rounds)
{
	while (rounds--) {
		uint64_t seen = __atomic_load_n(&clock_pub, __ATOMIC_ACQUIRE), now = clock_ns();

		if (now < seen && seen - now > c->clock_back_ns)
			c->clock_back_ns = seen - now;
		__atomic_store_n(&clock_pub, clock_ns(), __ATOMIC_RELEASE);
	}
}

/* Halt with interrupts on until an interrupt handler has made *v >= want. sti;hlt is
 * atomic (an interrupt pending at the sti wakes the hlt), and halting rather than spinning
 * leaves the host's CPUs to the vCPUs that have work: with TCG, many vCPUs share few host
 * cores. No timeout here: CPU 0's wait for every CPU's `done` is the one timeout. */
static void idle_until(volatile unsigned *v, unsigned want)
{
	while (*v < want)
		__asm__ volatile("sti; hlt; cli" : : : "memory");
}

static void busy_ns(uint64_t ns)
{
	uint64_t end = clock_ns() + ns;

	while (clock_ns() < end)
		cpu_relax();
}

static void spin_ns(uint64_t ns)
{
	uint64_t end = clock_ns() + ns;

	__asm__ volatile("sti");
	while (clock_ns() < end)
		cpu_relax();
	__asm__ volatile("cli");
}

/* --- interrupt handlers ------------------------------------------------------------------------- */

/* Ring 3 -> ring 0 exit for the user tests: resume in user_roundtrip's caller. */
static void back_to_kernel(struct regs *r, uint64_t result)
{
	r->rip = (uint64_t)user_resume;
	r->cs = KERNEL_CS;
	r->ss = KERNEL_DS;
	r->rsp = user_kernel_rsp;
	r->rflags = 0x2;
	r->rax = result;
}

static void note_trap(const struct regs *r)
{
	trap.vector = r->vector;
	trap.error = r->error;
	trap.rbx = r->rbx;
	trap.rax = r->rax;
	trap.cs = r->cs;
	trap.frame = (uint64_t)r;
	trap.cpu = this_cpu();
}

static void on_timer(struct regs *r)
{
	struct cpu_result *c = &res[this_cpu()];

	c->timer_fired_at = clock_ns();
	c->timer_hits++;
	if (r->cs & 3) {                /* the ring-3 interrupt test */
		note_trap(r);
		trap.from_user_timer = true;
		back_to_kernel(r, 0);
	}
	lapic_eoi();
}

static void on_resched(struct regs *r)
{
	(void)r;
	res[this_cpu()].resched_hits++;
	lapic_eoi();
}

static void on_syscall(struct regs *r)
{
	note_trap(r);
	back_to_kernel(r, r->rax);
}

static void on_user_fault(struct regs *r)
{
	if (!(r->cs & 3))
		exception_report(r);    /* a kernel fault is a real one */
	note_trap(r);
	trap.cr2 = read_cr2();
	back_to_kernel(r, 0);
}

/* #UD / #GP raised on purpose in ring 0: resume at the address the test left in RCX. */
static void on_kernel_trap(struct regs *r)
{
	note_trap(r);
	r->rip = r->rcx;
}

/* --- per-CPU checks -------------------------------------------------------------------------------- */

/* What this CPU's LAPIC timer was last programmed with: the TSC deadline (0 once it fired)
 * in TSC-deadline mode, else the one-shot initial count (read through the direct map). */
static uint64_t timer_programmed(void)
{
	volatile uint32_t *lapic_regs;

	if (lapic_tsc_deadline())
		return rdmsr(MSR_TSC_DEADLINE);
	lapic_regs = phys_to_virt(rdmsr(MSR_APIC_BASE) & PTE_ADDR);
	return lapic_regs[0x380 / 4]; /* timer initial count */
}

static void timer_checks(struct cpu_result *c)
{
	uint64_t dl;

	lapic_timer_at(clock_ns() + MS);
	lapic_timer_at(UINT64_MAX);
	spin_ns(3 * MS);
	c->cancel_ok = c->timer_hits == 0;

	dl = clock_ns() + MS;
	lapic_timer_at(dl);
	idle_until(&c->timer_hits, 1);
	c->timer_ok = c->timer_fired_at >= dl;
	c->timer_late_ns = c->timer_fired_at - dl;

	dl = clock_ns();
	lapic_timer_at(dl - 1000);
	c->past_programmed = timer_programmed();
	c->past_ok = lapic_tsc_deadline() ? c->past_programmed <= tsc_read()
					  : c->past_programmed == 1;
	idle_until(&c->timer_hits, 2); /* and it fires (else this CPU never reports back) */
	c->past_late_ns = c->timer_fired_at - dl;

	/* Raised while interrupts are off, then re-armed later: the pending interrupt is stale
	 * and the platform must absorb it; the handler runs once, for the new deadline. */
	lapic_timer_at(clock_ns() + 100000);
	busy_ns(MS);
	dl = clock_ns() + MS;
	lapic_timer_at(dl);
	idle_until(&c->timer_hits, 3);
	c->stale_ok = c->timer_fired_at >= dl;
	spin_ns(MS / 2);
	c->timer_ok = c->timer_ok && c->timer_hits == 3; /* no duplicates */
}

static void page_check(struct cpu_result *c, unsigned cpu)
{
	uint64_t pa = page_alloc(), *p, i, nonzero = 0;

	c->page_pa = pa;
	if (!pa || pa % PAGE_SIZE || pa < PAGE_POOL_START || pa >= mem_pool_end())
		return;
	p = phys_to_virt(pa);
	for (i = 0; i < PAGE_SIZE / 8; i++) {
		nonzero |= p[i];
		p[i] = cpu;             /* dirty it: the next user must still get zeroes */
	}
	page_free(pa);
	c->page_ok = nonzero == 0;
}

static void cpu_phase1(unsigned cpu)
{
	struct cpu_result *c = &res[cpu];

	c->gs_ok = this_cpu() == cpu && gs_self() == percpu_of(cpu) &&
		   percpu_of(cpu)->self == percpu_of(cpu) && lapic_id() == percpu_of(cpu)->apic_id;
	clock_check(c, 200);
	timer_checks(c);
	page_check(c, cpu);
	clock_check(c, 200);
	__atomic_store_n(&c->ready, true, __ATOMIC_RELEASE);
}

static void ap_entry(unsigned cpu)
{
	struct cpu_result *c = &res[cpu];

	cpu_phase1(cpu);
	idle_until(&c->resched_hits, 1);
	c->ipi_ok = true;
	clock_check(c, 200);
	__atomic_store_n(&c->done, true, __ATOMIC_RELEASE);
	/* returning: the platform halts this CPU with interrupts on */
}

/* CPU 0: wait for `flag` of every CPU, publishing the clock meanwhile. */
static bool wait_all(size_t flag_offset)
{
	uint64_t end = clock_ns() + WAIT_NS;
	unsigned cpu;

	for (cpu = 0; cpu < platform_nr_cpus(); cpu++) {
		volatile bool *flag = (volatile bool *)((char *)&res[cpu] + flag_offset);

		while (!*flag && clock_ns() < end)
			clock_check(&res[0], 1);
		if (!*flag)
			return false;
	}
	return true;
}

/* --- CPU 0's checks ------------------------------------------------------------------------------- */

/* QEMU's fw_cfg (ports 0x510/0x511): the number of CPUs QEMU started, or 0 if absent. */
static unsigned fwcfg_cpus(void)
{
	char sig[4];
	unsigned i, lo, hi;

	outw(0x510, 0x0000);            /* FW_CFG_SIGNATURE */
	for (i = 0; i < 4; i++)
		sig[i] = (char)inb(0x511);
	if (memcmp(sig, "QEMU", 4))
		return 0;
	outw(0x510, 0x0005);            /* FW_CFG_NB_CPUS, 16 bits little endian */
	lo = inb(0x511);
	hi = inb(0x511);
	return lo | hi << 8;
}

static const char *cmdline_value(const char *key)
{
	const char *s = platform_cmdline(), *p;
	size_t k = strlen(key);

	for (p = s; *p; p++)
		if ((p == s || p[-1] == ' ') && !strncmp(p, key, k) && p[k] == '=')
			return p + k + 1;
	return NULL;
}

/* "expect_core=0,0,1,1": true when absent or when every CPU's id matches. */
static bool expect_ids(const char *key, unsigned (*of)(unsigned))
{
	const char *v = cmdline_value(key);
	unsigned cpu = 0;

	if (!v)
		return true;
	while (*v >= '0' && *v <= '9') {
		unsigned want = 0;

		while (*v >= '0' && *v <= '9')
			want = want * 10 + (unsigned)(*v++ - '0');
		if (cpu >= platform_nr_cpus() || of(cpu) != want)
			return false;
		cpu++;
		if (*v == ',')
			v++;
	}
	return cpu == platform_nr_cpus();
}

static void test_cpus_and_topology(void)
{
	unsigned n = platform_nr_cpus(), q = fwcfg_cpus(), cpu;
	bool sane = true;

	tap(n >= 1 && (q == 0 || q == n), "CPUs: %u from the ACPI MADT, %u per QEMU fw_cfg", n, q);
	for (cpu = 0; cpu < n; cpu++) {
		unsigned sib = cpu + 1 < n && platform_core_of(cpu + 1) == platform_core_of(cpu);

		kprintf("# cpu%u: APIC id %u, core %u, LLC %u\n", cpu, percpu_of(cpu)->apic_id,
			platform_core_of(cpu), platform_llc_of(cpu));
		sane = sane && platform_core_of(cpu) < n && platform_llc_of(cpu) < n;
		/* SMT siblings share every cache */
		sane = sane && (!sib || platform_llc_of(cpu + 1) == platform_llc_of(cpu));
	}
	tap(sane && expect_ids("expect_core", platform_core_of) &&
	    expect_ids("expect_llc", platform_llc_of),
	    "topology: ids dense and < nr_cpus, siblings share the LLC%s",
	    cmdline_value("expect_core") ? ", matches expect_core/expect_llc" : "");
}

static void test_clock(void)
{
	uint64_t worst = 0, a = clock_ns(), b = clock_ns();
	unsigned cpu;

	for (cpu = 0; cpu < platform_nr_cpus(); cpu++)
		if (res[cpu].clock_back_ns > worst)
			worst = res[cpu].clock_back_ns;
	tap(tsc_hz() > 10000000 && b >= a && worst == 0,
	    "clock: TSC %lu kHz, monotonic, never behind across CPUs (worst %lu ns)",
	    tsc_hz() / 1000, worst);
}

#define MAGIC_UD 0x5555aaaa0000d6d6ull
#define MAGIC_GP 0x1234567812345678ull

static void test_exceptions(void)
{
	bool ud, gp;

	idt_set_handler(6, on_kernel_trap);
	idt_set_handler(13, on_kernel_trap);
	__asm__ volatile("leaq 1f(%%rip), %%rcx\n\tud2\n1:" : : "b"(MAGIC_UD) : "rcx", "memory");
	ud = trap.vector == 6 && trap.error == 0 && trap.rbx == MAGIC_UD;
	/* selector 0x1230 is past the GDT's end: #GP with the selector as error code */
	__asm__ volatile("leaq 1f(%%rip), %%rcx\n\tmovw %%ax, %%ds\n1:"
			 : : "a"(0x1230), "b"(MAGIC_GP) : "rcx", "memory");
	gp = trap.vector == 13 && trap.error == 0x1230 && trap.rbx == MAGIC_GP;
	idt_set_handler(6, NULL);
	idt_set_handler(13, NULL);
	tap(ud && gp, "exception stubs: #UD (vector 6, error 0) and #GP (vector 13, error %#lx), "
	    "registers intact", trap.error);
}

static void test_pool(void)
{
	uint64_t pages[64];
	unsigned i, j, before = mem_pool_free_pages();
	bool ok = true;

	for (i = 0; i < 64; i++) {
		pages[i] = page_alloc();
		ok = ok && pages[i];
		for (j = 0; j < i; j++)
			ok = ok && pages[j] != pages[i];
	}
	for (i = 0; i < 64; i++)
		if (pages[i])
			page_free(pages[i]);
	tap(ok && mem_pool_free_pages() == before,
	    "page pool: 64 distinct pages allocated and freed, %u of %lu free", before,
	    (mem_pool_end() - PAGE_POOL_START) / PAGE_SIZE);
}

static void per_cpu_lines(void)
{
	unsigned cpu;

	for (cpu = 0; cpu < platform_nr_cpus(); cpu++) {
		const struct cpu_result *c = &res[cpu];

		tap(c->done && c->gs_ok && c->cancel_ok && c->timer_ok && c->past_ok && c->stale_ok &&
		    c->ipi_ok && c->page_ok,
		    "cpu%u: GS/percpu %s, timer cancel %s, 1 ms timer %s (+%lu us), past deadline %s "
		    "(programmed %lu, fired +%lu us), stale dropped %s, resched IPI %s, page %#lx %s%s",
		    cpu, c->gs_ok ? "ok" : "BAD", c->cancel_ok ? "ok" : "FIRED",
		    c->timer_ok ? "ok" : "BAD", c->timer_late_ns / 1000, c->past_ok ? "ok" : "BAD",
		    c->past_programmed, c->past_late_ns / 1000, c->stale_ok ? "ok" : "BAD",
		    c->ipi_ok ? "ok" : "MISSED", c->page_pa, c->page_ok ? "ok" : "BAD",
		    c->done ? "" : " (did not report back: stuck waiting for an interrupt?)");
	}
}

/* --- ring 3 ------------------------------------------------------------------------------------- */

static const uint8_t user_code[] = {
	/* 0x00: */ 0xb8, 42, 0, 0, 0,       /* mov eax, 42 */
	0xcd, 0x80,                          /* int 0x80 */
	0xeb, 0xfe,                          /* jmp $ */
	0, 0, 0, 0, 0, 0, 0,
	/* 0x10: */ 0x48, 0xa1, 0, 0, 0, 0, 0, 0, 0, 0, /* mov rax, [moffs64] (patched) */
	0xeb, 0xfe,
	0, 0, 0, 0,
	/* 0x20: */ 0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, /* mov rax, imm64 (patched) */
	0xff, 0xe0,                          /* jmp rax */
	0, 0, 0, 0,
	/* 0x30: */ 0xeb, 0xfe,              /* jmp $ (waits for the timer) */
};

static bool rsp0_used(void)
{
	return trap.frame >= (uint64_t)rsp0_stack && trap.frame < (uint64_t)&rsp0_stack[sizeof(rsp0_stack)];
}

static uint64_t user_run(uint64_t offset)
{
	memset(&trap, 0, sizeof(trap));
	return user_roundtrip(USER_CODE + offset, USER_STACK + PAGE_SIZE);
}

static void user_tests(uint64_t as)
{
	uint64_t r, fault_ip = USER_CODE + 0x10;
	bool nx = rdmsr(MSR_EFER) & EFER_NXE;

	as_switch(as);
	r = user_run(0x00);
	tap(r == 42 && trap.vector == VEC_SYSCALL && (trap.cs & 3) == 3 && rsp0_used() &&
	    trap.cpu == 0 && this_cpu() == 0,
	    "ring 3: int 0x80 (DPL-3 gate) arrives on TSS.rsp0 with rax = %lu, GS intact%s", r,
	    trap.vector == VEC_SYSCALL ? "" : " (got an exception instead)");
	if (trap.vector != VEC_SYSCALL)
		kprintf("# got vector %lu (%s), error %#lx at ring %lu\n", trap.vector,
			exception_name((unsigned)trap.vector), trap.error, trap.cs & 3);

	lapic_timer_at(clock_ns() + MS); /* IF is off until the iretq: it fires in ring 3 */
	user_run(0x30);
	tap(trap.from_user_timer && (trap.cs & 3) == 3 && rsp0_used(),
	    "ring 3: LAPIC timer interrupt taken from user mode on TSS.rsp0");

	user_run(0x10);
	tap(trap.vector == 14 && trap.error == 0x5 && trap.cr2 == KERNEL_BASE + 0x100000,
	    "ring 3: reading kernel memory faults (#PF error %#lx, CR2 %#lx, from %#lx)",
	    trap.error, trap.cr2, fault_ip);

	user_run(0x20);
	if (nx)
		tap(trap.vector == 14 && trap.error == 0x15 && trap.cr2 == USER_STACK,
		    "ring 3: executing the no-execute stack page faults (#PF error %#lx)", trap.error);
	else
		tap(true, "# SKIP no NX on this CPU");
	as_switch(as_kernel());
}

static void test_user_mode(void)
{
	uint64_t as = as_create(), code = page_alloc(), stack = page_alloc();
	uint64_t kaddr = KERNEL_BASE + 0x100000, target = USER_STACK;
	uint8_t *c = phys_to_virt(code);
	unsigned v;

	if (!as || !code || !stack || !as_map_user(as, USER_CODE, code, false, true) ||
	    !as_map_user(as, USER_STACK, stack, true, false) ||
	    as_map_user(as, USER_STACK, stack, true, false) /* a second mapping must fail */) {
		tap(false, "ring 3: address space set-up (as_create, as_map_user)");
		return;
	}
	memcpy(c, user_code, sizeof(user_code));
	memcpy(c + 0x12, &kaddr, 8);
	memcpy(c + 0x22, &target, 8);

	idt_set_handler(VEC_SYSCALL, on_syscall);
	for (v = 0; v < 32; v++)        /* any user fault comes back as a failed check */
		idt_set_handler(v, on_user_fault);
	tss_set_rsp0((uint64_t)&rsp0_stack[sizeof(rsp0_stack)]);
	user_tests(as);
	tss_set_rsp0(percpu_of(0)->kernel_stack);
	for (v = 0; v < 32; v++)
		idt_set_handler(v, NULL);
	idt_set_handler(VEC_SYSCALL, NULL);
}

/* --- main ----------------------------------------------------------------------------------------- */

static void crash_on_purpose(void)
{
	uint64_t a = 0x10;

	__asm__ volatile("" : "+r"(a)); /* an address gcc cannot see through */
	kprintf("# crash requested: reading address 0x10\n");
	(void)*(volatile uint64_t *)a;
}

void kernel_main(void)
{
	uint64_t t;
	unsigned n = platform_nr_cpus(), cpu;
	bool all;

	kprintf("# platform self-test, command line \"%s\"\n", platform_cmdline());
	if (cmdline_value("crash") || !strncmp(platform_cmdline(), "crash", 5))
		crash_on_purpose();
	kprintf("1..%u\n", 9 + n);
	idt_set_handler(VEC_TIMER, on_timer);
	idt_set_handler(VEC_RESCHED, on_resched);
	test_cpus_and_topology();

	t = clock_ns();
	platform_start_aps(ap_entry);
	kprintf("# %u AP%s started in %lu ms\n", n - 1, n == 2 ? "" : "s", (clock_ns() - t) / MS);

	cpu_phase1(0);
	all = wait_all(offsetof(struct cpu_result, ready));
	for (cpu = 0; cpu < n; cpu++)
		lapic_send_ipi(cpu, VEC_RESCHED);
	idle_until(&res[0].resched_hits, 1);
	res[0].ipi_ok = true;
	res[0].done = true;
	all = wait_all(offsetof(struct cpu_result, done)) && all;
	if (!all)
		kprintf("# not every CPU reported back\n");

	test_clock();
	per_cpu_lines();
	test_exceptions();
	test_pool();
	test_user_mode();

	kprintf("# %s: %u of %u passed\n", tap_failed ? "FAIL" : "PASS", tap_n - tap_failed, tap_n);
	qemu_exit(tap_failed ? 1 : 0);
}
