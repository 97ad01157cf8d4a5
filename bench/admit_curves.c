/* SPDX-License-Identifier: MIT */
/*
 * admit_curves.c - acceptance ratio against utilisation for every admission test and for
 * simulation (the reference): the table docs/admission.md shows.
 *
 * One CPU: random sets of 2..10 tasks (UUniFast-discard, periods log-uniform in 1..1000 ms,
 * constrained deadlines drawn between budget and period, deadline-monotonic priorities):
 * EDF exact, fixed-priority response times, and the two simulations. Four CPUs: sets of
 * 5..10 tasks with periods from {10, 20, 25, 40, 50, 100} ms (a hyperperiod of 200 ms, so
 * the global simulation is exact): partitioned EDF by first, best and worst fit
 * decreasing, global EDF by GFB, by BCL or BAK beyond it, and any, and the global-EDF
 * simulation.
 *
 *   admit_curves [SETS_PER_POINT]     (default 500)
 */
#include <stdio.h>
#include <stdlib.h>

#include <sched/admit.h>
#include <sched/sched.h>

#include "rt_oracle.h"
#include "rt_sets.h"

#define MS 1000000ull

static struct rt_rng rng = { 0x2545f4914f6cdd1dull };

static void one_cpu(unsigned sets)
{
	printf("one CPU, %u sets a point: fraction accepted\n", sets);
	printf("%5s %8s %8s %8s %8s\n", "U", "EDF", "EDF_sim", "FP_RTA", "FP_sim");
	for (int k = 1; k <= 20; k++) {
		double u = 0.05 * k;
		unsigned done = 0, e = 0, es = 0, f = 0, fs = 0;

		while (done < sets) {
			struct sched_rt_task ts[16];
			struct rt_task os[16];
			struct rt_result r;
			unsigned n = 2 + (unsigned)(rt_next(&rng) % 9);

			if (!rt_make_set(&rng, ts, os, n, u, NULL, 0))
				continue;
			done++;
			e += sched_rt_edf_check(ts, n, 1000000, NULL) == 0;
			f += sched_rt_fp_check(ts, n, 1000000, NULL) == 0;
			rt_sim_edf(os, n, 3600000 * MS, &r);
			es += !r.miss && !r.capped;
			rt_sim_fp(os, n, 3600000 * MS, &r);
			fs += !r.miss && !r.capped;
		}
		printf("%5.2f %8.3f %8.3f %8.3f %8.3f\n", u, (double)e / sets, (double)es / sets,
		       (double)f / sets, (double)fs / sets);
	}
}

static void four_cpus(unsigned sets)
{
	static const uint64_t periods[] = { 10, 20, 25, 40, 50, 100 };
	const unsigned m = 4;

	printf("\n4 CPUs, %u sets a point: fraction accepted (U: total utilisation / 4)\n", sets);
	printf("%5s %8s %8s %8s %8s %8s %8s %8s\n", "U/m", "FFD", "BFD", "WFD", "GFB", "BCL+BAK",
	       "global", "G_sim");
	for (int k = 1; k <= 20; k++) {
		double u = 0.05 * k;
		unsigned done = 0, fit[3] = { 0 }, gfb = 0, any = 0, gs = 0;

		while (done < sets) {
			struct sched_rt_task ts[16], scratch[16];
			struct rt_task os[16];
			struct sched_rt_verdict v;
			struct rt_result r;
			uint16_t cpu[16];
			uint32_t order[16];
			unsigned n = 5 + (unsigned)(rt_next(&rng) % 6);

			if (!rt_make_set(&rng, ts, os, n, u * m, periods, 6))
				continue;
			done++;
			for (int f = 0; f < 3; f++)
				fit[f] += sched_rt_partition(ts, n, m, 1000000, (enum sched_rt_fit)f, cpu,
							     order, scratch, NULL) == 0;
			if (sched_rt_gedf_check(ts, n, m, 1000000, &v) == 0) { /* GFB, else BCL */
				any++;
				gfb += v.test == SCHED_RT_GEDF_GFB;
			}
			rt_sim_gedf(os, n, m, 200 * MS, &r);
			gs += !r.miss && !r.capped;
		}
		printf("%5.2f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f\n", u,
		       (double)fit[0] / sets, (double)fit[1] / sets, (double)fit[2] / sets,
		       (double)gfb / sets, (double)(any - gfb) / sets, (double)any / sets,
		       (double)gs / sets);
	}
	printf("(BCL+BAK: sets BCL or BAK admit that GFB does not; global: any of the three)\n");
}

int main(int argc, char **argv)
{
	unsigned sets = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 500;

	one_cpu(sets);
	four_cpus(sets);
	return 0;
}
