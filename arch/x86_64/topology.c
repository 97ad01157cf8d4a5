/* SPDX-License-Identifier: MIT */
/*
 * topology.c - which CPUs are SMT siblings (share a core) and which share the last-level
 * cache, from CPUID.
 *
 * An APIC id is a bit field: SMT bits, then core bits, then package bits. CPUID says how
 * wide the fields are: leaf 0xB (extended topology: the shift past the SMT level), or on
 * older CPUs leaf 1 (logical CPUs per package) with leaf 4 (cores per package) or AMD's
 * 0x8000001E (threads per core); the LLC comes from the deterministic cache leaf (4, or
 * AMD's 0x8000001D) as "APIC ids sharing this cache", else the package. So core = apic_id
 * >> smt_shift and llc = apic_id >> llc_shift.
 *
 * The BSP computes every CPU's ids at boot from its own shifts and the MADT's APIC ids, so
 * the topology is known before any AP runs (the scheduler is set up first). Each AP then
 * reads CPUID itself (topo_check_ap); if its APIC id or shifts differ from the prediction,
 * it says so and its entry is recomputed from its own values.
 *
 * The ids handed out are dense, in CPU order (0, 1, ...), so they are < nr_cpus as
 * struct sched_topology requires: with -smp 4,sockets=1,cores=2,threads=2 the cores are
 * 0,0,1,1.
 */
#include "platform_internal.h"

struct topo_shifts {
	unsigned smt, llc;
	uint32_t apic_id;
};

static struct topo_shifts cpu_shifts[MAX_CPUS];
static uint16_t core_id[MAX_CPUS], llc_id[MAX_CPUS];
static const char *source = "none";

unsigned platform_core_of(unsigned cpu) { return core_id[cpu]; }
unsigned platform_llc_of(unsigned cpu) { return llc_id[cpu]; }
const char *topo_source(void) { return source; }

static unsigned log2_ceil(unsigned n)
{
	unsigned s = 0;

	while ((1u << s) < n)
		s++;
	return s;
}

/* Leaf 0xB: SMT shift, package shift, x2APIC id. */
static bool leaf_0b(struct topo_shifts *t, unsigned *pkg)
{
	unsigned sub;

	if (cpuid(0, 0).a < 0xb || cpuid(0xb, 0).b == 0)
		return false;
	t->smt = 0;
	t->apic_id = cpuid(0xb, 0).d;
	for (sub = 0; sub < 8; sub++) {
		struct cpuid r = cpuid(0xb, sub);
		unsigned type = (r.c >> 8) & 0xff;

		if (!type)
			break;
		if (type == 1)
			t->smt = r.a & 0x1f;
		*pkg = r.a & 0x1f;   /* the last level's shift reaches the package */
	}
	return true;
}

static bool amd_topoext(void)
{
	return cpuid(0x80000000, 0).a >= 0x8000001e && (cpuid(0x80000001, 0).c >> 22) & 1;
}

/* Without leaf 0xB: leaf 1 logical count, split by leaf 4 cores or AMD threads per core. */
static void legacy_smt(struct topo_shifts *t, unsigned *pkg)
{
	struct cpuid r1 = cpuid(1, 0);
	unsigned logical = (r1.d >> 28) & 1 ? (r1.b >> 16) & 0xff : 1;

	t->apic_id = r1.b >> 24;
	*pkg = log2_ceil(logical);
	t->smt = 0;
	if (amd_topoext())
		t->smt = log2_ceil(((cpuid(0x8000001e, 0).b >> 8) & 0xff) + 1);
	else if (cpuid(0, 0).a >= 4 && (cpuid(4, 0).a & 0x1f)) {
		unsigned core_bits = log2_ceil((cpuid(4, 0).a >> 26) + 1);

		t->smt = *pkg > core_bits ? *pkg - core_bits : 0;
	}
}

/* The highest cache level in a deterministic cache leaf: shift for the ids sharing it. */
static bool cache_leaf_llc(uint32_t leaf, unsigned *shift)
{
	unsigned sub, best = 0;

	for (sub = 0; sub < 16; sub++) {
		struct cpuid r = cpuid(leaf, sub);
		unsigned type = r.a & 0x1f, level = (r.a >> 5) & 7;

		if (!type)
			break;
		if (level >= best) {
			best = level;
			*shift = log2_ceil(((r.a >> 14) & 0xfff) + 1);
		}
	}
	return best > 0;
}

static const char *read_shifts(struct topo_shifts *t)
{
	unsigned pkg = 0;
	bool b = leaf_0b(t, &pkg);

	if (!b)
		legacy_smt(t, &pkg);
	t->llc = pkg;
	if (cpuid(0, 0).a >= 4 && cache_leaf_llc(4, &t->llc))
		return b ? "CPUID 0xB + 4" : "CPUID 1 + 4";
	if (amd_topoext() && cache_leaf_llc(0x8000001d, &t->llc))
		return b ? "CPUID 0xB + 0x8000001D" : "CPUID 1 + 0x8000001E/D";
	return b ? "CPUID 0xB (LLC = package)" : "CPUID 1 (LLC = package)";
}

/* Dense ids in CPU order: the first CPU of each core (LLC) names it. */
static void renumber(void)
{
	unsigned i, j, cores = 0, llcs = 0, n = platform_nr_cpus();

	for (i = 0; i < n; i++) {
		uint32_t ci = percpu_of(i)->apic_id >> cpu_shifts[i].smt;
		uint32_t li = percpu_of(i)->apic_id >> cpu_shifts[i].llc;

		core_id[i] = (uint16_t)cores;
		llc_id[i] = (uint16_t)llcs;
		for (j = 0; j < i && (percpu_of(j)->apic_id >> cpu_shifts[j].smt) != ci; j++)
			;
		if (j < i)
			core_id[i] = core_id[j];
		else
			cores++;
		for (j = 0; j < i && (percpu_of(j)->apic_id >> cpu_shifts[j].llc) != li; j++)
			;
		if (j < i)
			llc_id[i] = llc_id[j];
		else
			llcs++;
	}
}

void topo_init(void)
{
	struct topo_shifts bsp;
	unsigned i;

	source = read_shifts(&bsp);
	for (i = 0; i < platform_nr_cpus(); i++)
		cpu_shifts[i] = bsp;
	renumber();
}

void topo_check_ap(unsigned cpu)
{
	struct topo_shifts own;

	read_shifts(&own);
	if (own.apic_id == percpu_of(cpu)->apic_id && own.smt == cpu_shifts[cpu].smt &&
	    own.llc == cpu_shifts[cpu].llc)
		return;
	kprintf("cpu%u: CPUID topology differs from the boot CPU's (APIC id %u/%u, SMT shift "
		"%u/%u, LLC shift %u/%u); using this CPU's\n", cpu, own.apic_id,
		percpu_of(cpu)->apic_id, own.smt, cpu_shifts[cpu].smt, own.llc, cpu_shifts[cpu].llc);
	cpu_shifts[cpu].smt = own.smt;
	cpu_shifts[cpu].llc = own.llc;
	renumber();
}
