/* SPDX-License-Identifier: MIT */
/*
 * ftrace.c - schedsim --trace (ftrace.h): libsched's trace events as the Linux kernel
 * prints its sched events in /sys/kernel/tracing/trace:
 *
 *   SWITCH  -> sched_switch, on the switching CPU, in the context of the previous thread
 *   WAKE    -> sched_wakeup, on the waking CPU (the one whose event is being handled)
 *   MIGRATE -> sched_migrate_task, on the CPU doing the move
 *   EXIT    -> sched_process_exit
 *
 * The other events (block, IPI, tick, lease, miss, island) have no kernel counterpart in
 * this format and are left out: a block shows as the prev_state of the next switch.
 *
 * pid: the simulated thread's id (its 1-based place in the report's thread list), 0 for a
 * CPU's idle thread, named swapper/N as in Linux. comm: the task's name from the workload,
 * cut to 15 characters, with blanks, control characters and '=' made '_' (so that the
 * key=value fields still split). prio as the kernel prints it: 120 + nice for the fair
 * policies, 99 - priority for SCHED_FIFO and SCHED_RR, -1 for a thread scheduled by a
 * SchedulingContext (SCHED_DEADLINE, or a realtime island's member).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftrace.h"

#define COMM_LEN 16 /* TASK_COMM_LEN: 15 characters and the terminator */
#define BUF_SIZE (1u << 20)

struct ftrace_out {
	struct trace_file tf;
	FILE *f;  /* tf.f */
	bool ns; /* timestamps to the nanosecond (9 decimals), else microseconds as Linux */
	uint32_t curr[SCHED_MAX_CPUS]; /* the thread each CPU runs, by the switches seen */
};

static struct sim_thread *thread_of(const struct sim *sim, uint32_t tid)
{
	return tid >= 1 && tid <= sim->nr_threads ? sim->threads[tid - 1] : NULL;
}

/* The comm of thread tid seen on `cpu` (the idle thread is the CPU's own swapper/N). */
static void comm_of(const struct sim *sim, uint32_t tid, unsigned cpu, char out[COMM_LEN])
{
	const struct sim_thread *t = thread_of(sim, tid);
	char num[32];
	const char *name = num;
	size_t i;

	if (tid == 0)
		snprintf(num, sizeof(num), "swapper/%u", cpu);
	else if (!t)
		snprintf(num, sizeof(num), "thread%u", (unsigned)tid);
	else
		name = t->task && t->task->name && t->task->name[0] ? t->task->name : "thread";
	for (i = 0; i < COMM_LEN - 1 && name[i]; i++) {
		unsigned char c = (unsigned char)name[i];

		out[i] = c <= ' ' || c == 0x7f || c == '=' ? '_' : (char)c;
	}
	out[i] = '\0';
}

static int prio_of(const struct sim *sim, uint32_t tid)
{
	const struct sim_thread *t = thread_of(sim, tid);

	if (!t || !t->task)
		return 120;
	if (t->task->phase_sched) /* its class now: a phase may have changed it */
		return t->sc_bound ? -1 : t->st.rt_prio ? 99 - t->st.rt_prio : 120 + t->st.nice;
	if (t->task->policy == WL_POLICY_DEADLINE || t->has_sc || t->island_bound)
		return -1;
	if (t->task->policy == WL_POLICY_FIFO || t->task->policy == WL_POLICY_RR)
		return 99 - t->task->rt_prio;
	return 120 + t->task->nice;
}

/* prev_state: R still runnable (preempted, yielded, moving), S blocked or sleeping, X
 * exited; the idle thread is always R. */
static char state_of(const struct sim *sim, uint32_t tid)
{
	const struct sim_thread *t = thread_of(sim, tid);

	if (!t)
		return 'R';
	switch (t->st.state) {
	case SCHED_BLOCKED:
	case SCHED_NEW:
		return 'S';
	case SCHED_EXITED:
		return 'X';
	default:
		return 'R';
	}
}

/* The common prefix of a line: who runs on cpu, the CPU, the flags and the timestamp. */
static void prefix(struct ftrace_out *o, const struct sim *sim, unsigned cpu, uint32_t tid,
		   const char *flags, sched_time_t time)
{
	char comm[COMM_LEN];
	unsigned long long t = (unsigned long long)time;

	comm_of(sim, tid, cpu, comm);
	if (o->ns)
		fprintf(o->f, "%16s-%-7u [%03u] %s %5llu.%09llu: ", comm, (unsigned)tid, cpu,
			flags, t / 1000000000, t % 1000000000);
	else
		fprintf(o->f, "%16s-%-7u [%03u] %s %5llu.%06llu: ", comm, (unsigned)tid, cpu,
			flags, t / 1000000000, t % 1000000000 / 1000);
}

static void on_trace(struct sim *sim, const struct sched_trace_event *ev, void *arg)
{
	struct ftrace_out *o = arg;
	unsigned cpu = ev->cpu < sim->cfg.cpus ? ev->cpu : 0;
	unsigned here = sim->cur_cpu < sim->cfg.cpus ? sim->cur_cpu : cpu;
	char a[COMM_LEN], b[COMM_LEN];

	switch (ev->type) {
	case SCHED_TR_SWITCH: {
		uint32_t prev = (uint32_t)ev->arg;

		prefix(o, sim, cpu, prev, "d..2.", ev->time);
		comm_of(sim, prev, cpu, a);
		comm_of(sim, ev->tid, cpu, b);
		fprintf(o->f, "sched_switch: prev_comm=%s prev_pid=%u prev_prio=%d prev_state=%c"
			" ==> next_comm=%s next_pid=%u next_prio=%d\n", a, (unsigned)prev,
			prio_of(sim, prev), state_of(sim, prev), b, (unsigned)ev->tid,
			prio_of(sim, ev->tid));
		o->curr[cpu] = ev->tid;
		break;
	}
	case SCHED_TR_WAKE:
		prefix(o, sim, here, o->curr[here], "d..5.", ev->time);
		comm_of(sim, ev->tid, cpu, a);
		fprintf(o->f, "sched_wakeup: comm=%s pid=%u prio=%d target_cpu=%03u\n", a,
			(unsigned)ev->tid, prio_of(sim, ev->tid), (unsigned)ev->arg);
		break;
	case SCHED_TR_MIGRATE:
		prefix(o, sim, here, o->curr[here], "d..2.", ev->time);
		comm_of(sim, ev->tid, cpu, a);
		fprintf(o->f, "sched_migrate_task: comm=%s pid=%u prio=%d orig_cpu=%u "
			"dest_cpu=%u\n", a, (unsigned)ev->tid, prio_of(sim, ev->tid),
			(unsigned)ev->aux, (unsigned)ev->arg);
		break;
	case SCHED_TR_EXIT:
		prefix(o, sim, cpu, o->curr[cpu], "....1", ev->time);
		comm_of(sim, ev->tid, cpu, a);
		fprintf(o->f, "sched_process_exit: comm=%s pid=%u prio=%d\n", a,
			(unsigned)ev->tid, prio_of(sim, ev->tid));
		break;
	default:
		break;
	}
}

int trace_file_open(struct trace_file *tf, const char *path)
{
	tf->path = path;
	if (!(tf->buf = malloc(BUF_SIZE))) {
		fprintf(stderr, "schedsim: --trace: out of memory\n");
		return -1;
	}
	if (!(tf->f = fopen(path, "w"))) {
		fprintf(stderr, "schedsim: --trace: cannot create %s: %s\n", path, strerror(errno));
		free(tf->buf);
		return -1;
	}
	setvbuf(tf->f, tf->buf, _IOFBF, BUF_SIZE);
	return 0;
}

int trace_file_close(struct trace_file *tf)
{
	int bad = ferror(tf->f) != 0;

	if (fclose(tf->f) != 0)
		bad = 1;
	if (bad)
		fprintf(stderr, "schedsim: --trace: writing %s failed\n", tf->path);
	free(tf->buf);
	return bad ? -1 : 0;
}

struct ftrace_out *ftrace_open(struct sim *sim, const char *path, bool ns)
{
	struct ftrace_out *o = calloc(1, sizeof(*o));

	if (!o || trace_file_open(&o->tf, path) < 0) {
		if (!o)
			fprintf(stderr, "schedsim: --trace: out of memory\n");
		free(o);
		return NULL;
	}
	o->f = o->tf.f;
	o->ns = ns;
	fputs("# tracer: nop\n"
	      "#\n"
	      "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
	      "#              | |         |   |||||     |         |\n", o->f);
	sim->on_trace = on_trace;
	sim->trace_arg = o;
	return o;
}

int ftrace_close(struct sim *sim, struct ftrace_out *o)
{
	int bad;

	if (!o)
		return 0;
	if (sim && sim->trace_arg == o) {
		sim->on_trace = NULL;
		sim->trace_arg = NULL;
	}
	bad = trace_file_close(&o->tf) < 0;
	free(o);
	return bad ? -1 : 0;
}
