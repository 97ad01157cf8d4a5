/* SPDX-License-Identifier: MIT */
/*
 * fluid.c - weighted max-min fair CPU shares under affinity (see fluid.h).
 *
 * Each level of the progressive filling is found exactly by a discrete Newton iteration:
 * start with lambda high enough that every unfrozen thread is capped at 1; while the
 * max-flow falls short, the threads on the source side of the min cut ask more than the
 * CPUs they may use, so lower lambda to where that set fits exactly and try again. Lambda
 * only goes down and each step gives a different cut, so this ends after a few max-flows
 * (Dinic, in doubles).
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "fluid.h"

/*
 * Dinic augments only through residual capacities above EPS. A level is feasible when the
 * flow misses the demand by at most TOL, and a thread can still grow only through residual
 * capacities above TOL: a set made tight by fit() then shows residuals of about 1e-16.
 */
#define EPS 1e-12
#define TOL 1e-9

/* Nodes: source 0, thread i is 1 + i, CPU c is 1 + n + c, then the sink. */
struct graph {
	unsigned n, nr_cpus, nodes, sink, nr_edges, cpu_edges; /* cpu_edges: first CPU->sink */
	int *head, *next, *to, *level, *iter, *queue;
	double *cap; /* residual capacity; edge e ^ 1 is the reverse of e */
};

static void add_edge(struct graph *g, int from, int to)
{
	for (int k = 0; k < 2; k++) {
		unsigned e = g->nr_edges++;

		g->to[e] = k ? from : to;
		g->next[e] = g->head[k ? to : from];
		g->head[k ? to : from] = (int)e;
	}
}

static bool graph_init(struct graph *g, unsigned nr_cpus, const struct fluid_thread *t,
	unsigned n)
{
	unsigned edges = 2 * (n + nr_cpus);

	for (unsigned i = 0; i < n; i++)
		edges += 2 * (unsigned)__builtin_popcountll(t[i].cpus);
	*g = (struct graph){ .n = n, .nr_cpus = nr_cpus, .nodes = n + nr_cpus + 2,
		.sink = n + nr_cpus + 1 };
	g->head = malloc(g->nodes * sizeof(int));
	g->level = malloc(g->nodes * sizeof(int));
	g->iter = malloc(g->nodes * sizeof(int));
	g->queue = malloc(g->nodes * sizeof(int));
	g->next = malloc(edges * sizeof(int));
	g->to = malloc(edges * sizeof(int));
	g->cap = malloc(edges * sizeof(double));
	if (!g->head || !g->level || !g->iter || !g->queue || !g->next || !g->to || !g->cap)
		return false;
	for (unsigned v = 0; v < g->nodes; v++)
		g->head[v] = -1;
	for (unsigned i = 0; i < n; i++) /* source edge of thread i: edge 2 * i */
		add_edge(g, 0, (int)(1 + i));
	for (unsigned i = 0; i < n; i++)
		for (unsigned c = 0; c < nr_cpus; c++)
			if (t[i].cpus >> c & 1)
				add_edge(g, (int)(1 + i), (int)(1 + n + c));
	g->cpu_edges = g->nr_edges;
	for (unsigned c = 0; c < nr_cpus; c++)
		add_edge(g, (int)(1 + n + c), (int)g->sink);
	return true;
}

static void graph_free(struct graph *g)
{
	free(g->head);
	free(g->level);
	free(g->iter);
	free(g->queue);
	free(g->next);
	free(g->to);
	free(g->cap);
}

/* Level graph from the source; false once the sink cannot be reached. */
static bool bfs(struct graph *g)
{
	unsigned qh = 0, qt = 0;

	for (unsigned v = 0; v < g->nodes; v++)
		g->level[v] = -1;
	g->level[0] = 0;
	g->queue[qt++] = 0;
	while (qh < qt) {
		int v = g->queue[qh++];

		for (int e = g->head[v]; e >= 0; e = g->next[e]) {
			int u = g->to[e];

			if (g->cap[e] > EPS && g->level[u] < 0) {
				g->level[u] = g->level[v] + 1;
				g->queue[qt++] = u;
			}
		}
	}
	return g->level[g->sink] >= 0;
}

static double push(struct graph *g, int v, double f)
{
	if (v == (int)g->sink)
		return f;
	for (; g->iter[v] >= 0; g->iter[v] = g->next[g->iter[v]]) {
		int e = g->iter[v], u = g->to[e];

		if (g->cap[e] > EPS && g->level[u] == g->level[v] + 1) {
			double d = push(g, u, fmin(f, g->cap[e]));

			if (d > 0) {
				g->cap[e] -= d;
				g->cap[e ^ 1] += d;
				return d;
			}
		}
	}
	return 0;
}

/* Max-flow with thread i's source edge at want[i]; on return level[] >= 0 marks the
 * source side of a min cut. */
static double max_flow(struct graph *g, const double *want)
{
	double flow = 0, f;

	for (unsigned e = 0; e < g->nr_edges; e += 2) {
		g->cap[e] = e < 2 * g->n ? want[e / 2] : e < g->cpu_edges ? INFINITY : 1.0;
		g->cap[e + 1] = 0;
	}
	while (bfs(g)) {
		for (unsigned v = 0; v < g->nodes; v++)
			g->iter[v] = g->head[v];
		while ((f = push(g, 0, INFINITY)) > 0)
			flow += f;
	}
	return flow;
}

/*
 * The lambda at which the threads in cut (the source side of the last min cut) ask exactly
 * as much as the CPUs they may use: solve sum_i min(1, w_i * lambda) = CPUs, frozen threads
 * counting at their rates. Capping a thread only raises the solution, so cap until none
 * more is over 1.
 */
static double fit(const struct fluid_thread *t, unsigned n, const bool *frozen,
	const double *rate, const bool *cut, double lam)
{
	bool capped[FLUID_MAX_THREADS] = { false };
	uint64_t cpus = 0;
	bool more = true;

	for (unsigned i = 0; i < n; i++)
		if (cut[i])
			cpus |= t[i].cpus;
	while (more) {
		double fixed = 0, w = 0;

		for (unsigned i = 0; i < n; i++) {
			if (!cut[i])
				continue;
			if (frozen[i] || capped[i])
				fixed += frozen[i] ? rate[i] : 1.0;
			else
				w += (double)t[i].weight;
		}
		if (w == 0)
			return lam;
		lam = ((double)__builtin_popcountll(cpus) - fixed) / w;
		more = false;
		for (unsigned i = 0; i < n; i++)
			if (cut[i] && !frozen[i] && !capped[i] && (double)t[i].weight * lam >= 1.0)
				capped[i] = more = true;
	}
	return lam;
}

/* Mark the nodes that can still send flow to the sink without taking any from the source
 * edge of another thread (residuals above TOL), in level[]. */
static void reach_sink(struct graph *g)
{
	unsigned qh = 0, qt = 0;

	for (unsigned v = 0; v < g->nodes; v++)
		g->level[v] = 0;
	g->level[g->sink] = 1;
	g->queue[qt++] = (int)g->sink;
	while (qh < qt) {
		int v = g->queue[qh++];

		for (int e = g->head[v]; e >= 0; e = g->next[e]) {
			int u = g->to[e];

			if (u != 0 && !g->level[u] && g->cap[e ^ 1] > TOL) {
				g->level[u] = 1;
				g->queue[qt++] = u;
			}
		}
	}
}

int fluid_rates(unsigned nr_cpus, const struct fluid_thread *t, unsigned n, double *rate)
{
	bool frozen[FLUID_MAX_THREADS] = { false }, cut[FLUID_MAX_THREADS];
	double want[FLUID_MAX_THREADS];
	uint64_t all = nr_cpus >= 64 ? ~0ull : (1ull << nr_cpus) - 1;
	unsigned left = n;
	struct graph g;

	if (!t || !rate || n == 0 || n > FLUID_MAX_THREADS || nr_cpus == 0 || nr_cpus > 64)
		return -1;
	for (unsigned i = 0; i < n; i++)
		if (t[i].weight == 0 || t[i].cpus == 0 || (t[i].cpus & ~all))
			return -1;
	if (!graph_init(&g, nr_cpus, t, n)) {
		graph_free(&g);
		return -1;
	}
	while (left) {
		double lam = 0;
		unsigned got = 0;

		for (unsigned i = 0; i < n; i++) {
			if (!frozen[i])
				lam = fmax(lam, 1.0 / (double)t[i].weight);
			cut[i] = false;
		}
		/* Each step cuts off a different set of threads; the bound only guards rounding. */
		for (unsigned step = 0; step < 2 * n + 8; step++) {
			double sum = 0, next;

			for (unsigned i = 0; i < n; i++) {
				want[i] = frozen[i] ? rate[i] : fmin(1, (double)t[i].weight * lam);
				sum += want[i];
			}
			if (max_flow(&g, want) >= sum - TOL)
				break;
			for (unsigned i = 0; i < n; i++)
				cut[i] = g.level[1 + i] >= 0;
			next = fit(t, n, frozen, rate, cut, lam);
			if (!(next < lam))
				break;
			lam = next;
		}
		/*
		 * Freeze the threads that are capped or cannot reach a CPU with time to spare.
		 * Only rounding can leave none of them: then the last cut is the tight set.
		 */
		reach_sink(&g);
		for (int pass = 0; pass < 3 && !got; pass++) {
			for (unsigned i = 0; i < n; i++) {
				if (frozen[i] || !(pass == 2 || (pass == 1 && cut[i]) ||
						want[i] >= 1.0 || !g.level[1 + i]))
					continue;
				frozen[i] = true;
				rate[i] = want[i];
				got++;
			}
		}
		left -= got;
	}
	graph_free(&g);
	return 0;
}
