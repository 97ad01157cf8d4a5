/* SPDX-License-Identifier: MIT */
/*
 * user_policy.c - the policy service as a ring-3 process: the service library of policy/
 * (manifests, profiles and rules, pol_service_step) over the kernel's policy system calls
 * (usched.c). The kernel keeps everything that is authority: the queue, the SCs, the
 * service's token; this process keeps a manifest and a cache of what it gave whom, and
 * when it dies nothing it gave is lost (docs/x86_64.md "The policy service").
 *
 * It starts with the manifest in force (the kernel got it from fw_cfg at boot), attaches
 * (taking over what a predecessor left taken), then takes, decides and answers until it is
 * killed. Between requests it reads its control block in the shared page (upol_test.h):
 * load another manifest for the threads already served too, or, for the test, stall or
 * crash while holding the next request.
 */
#include "ulib.h"
#include "upol_test.h"
#include "usched.h"

#include "service.h"

#define MEM_BYTES (256u * 1024)
#define NR_SCS 8
#define REFILLS_PER_SC 8

static struct pol_service svc;
static uint8_t mem[MEM_BYTES] __attribute__((aligned(16)));
static struct sched_refill refills[NR_SCS * REFILLS_PER_SC]; /* unused: the kernel's */
static char diag[4096];
static char text[4096];
static struct uctl *const ctl = UCTL(0);

static void copy_name(char *dst, const char *src, size_t cap)
{
	size_t i = 0;

	for (; src[i] && i + 1 < cap; i++)
		dst[i] = src[i];
	dst[i] = 0;
}

/* The port: a thread's attributes, from the kernel. */
static int port_attrs(void *ctx, struct sched_ref t, struct pol_attrs *out)
{
	struct kpol_attrs a;
	int r = (int)usys(SYS_POLICY_ATTRS, usched_handle(t), (uint64_t)&a, 0);

	(void)ctx;
	if (r < 0)
		return r;
	memset(out, 0, sizeof(*out));
	out->tid = a.tid;
	out->session = a.session;
	out->group = (struct sched_group *)(uintptr_t)a.group; /* a handle, never read */
	out->cpus.w[0] = a.cpus;
	copy_name(out->process, a.process, sizeof(out->process));
	copy_name(out->service, a.service, sizeof(out->service));
	return 0;
}

/* The port: the requesters' live threads, for a restart to rebuild its table. */
static bool port_thread_at(void *ctx, unsigned i, struct sched_ref *out, char *profile)
{
	struct kpol_thread_at k;

	(void)ctx;
	if (usys(SYS_POLICY_THREAD_AT, i, (uint64_t)&k, 0) <= 0)
		return false;
	*out = usched_ref(k.thread, k.has_sc);
	copy_name(profile, k.profile, SCHED_PROFILE_NAME_MAX);
	return true;
}

/* The test's failures, holding the request just taken. */
static void after_take(const struct sched_request *r)
{
	(void)r;
	if (ctl->cmd == UPOL_CMD_STALL) {
		ctl->state = UPOL_SVC_STALLED;
		for (;;)
			ctl->progress++; /* no system call: only a kill ends this */
	}
	if (ctl->cmd == UPOL_CMD_CRASH) {
		ctl->state = UPOL_SVC_CRASHING;
		*(volatile int *)0 = 1; /* a page fault in ring 3: the kernel ends the thread */
	}
}

/* Manifest `index` (KPOL_MANIFEST_CURRENT: the one in force), with the threads already
 * served following it when `existing`. Threads changed, or the error (printed). */
static int load(uint64_t index, bool existing)
{
	struct pol_error err;
	int64_t n = usys(SYS_POLICY_MANIFEST, index, (uint64_t)text, sizeof(text));
	int r;

	if (n < 0 || n > (int64_t)sizeof(text)) {
		uprintf("# policy service: no manifest %llu (%lld)\n", (unsigned long long)index,
			(long long)n);
		return n < 0 ? (int)n : -SCHED_EFULL;
	}
	err.msg[0] = 0;
	r = pol_service_load(&svc, text, (size_t)n, existing, &err);
	if (r < 0) {
		uprintf("# policy service: %s\n", err.msg);
		return r;
	}
	if (index != KPOL_MANIFEST_CURRENT)
		usys(SYS_POLICY_MANIFEST, index, 0, 0); /* in force now, for a restart too */
	return r;
}

/* A command from the kernel, between requests. */
static void command(void)
{
	uint64_t cmd = ctl->cmd;
	int r;

	if (cmd != UPOL_CMD_LOAD)
		return;
	r = load(ctl->handle, true);
	uprintf("# policy service: manifest %llu loaded, %d threads given their new profile\n",
		(unsigned long long)ctl->handle, r);
	ctl->error = (uint64_t)(int64_t)r;
	ctl->cmd = UPOL_CMD_NONE;
}

/* The lines an EXPLAIN produced, on the console. */
static void print_diag(void)
{
	size_t len;
	const char *d = pol_service_diag(&svc, &len);
	size_t i = 0;

	while (i < len) {
		char line[200];
		size_t n = 0;

		for (; i < len && d[i] != '\n'; i++)
			if (n + 1 < sizeof(line))
				line[n++] = d[i];
		line[n] = 0;
		uprintf("# explain: %s\n", line);
		i++;
	}
}

static int init(void)
{
	struct pol_service_config cfg = {
		.sys = usched_sys(), .queue = usched_queue(), .self = usched_self(),
		.auth = usched_auth(), .refills = refills, .nr_scs = NR_SCS,
		.refills_per_sc = REFILLS_PER_SC, .mem = mem, .mem_len = sizeof(mem),
		.diag = diag, .diag_len = sizeof(diag),
		.port = { .attrs = port_attrs, .thread_at = port_thread_at },
	};

	return pol_service_init(&svc, &cfg);
}

int umain(const uint64_t *argv)
{
	uint64_t explained = 0;
	unsigned failed = 0;
	int r;

	(void)argv;
	usched_after_take = after_take;
	if ((r = init()) < 0 || (r = load(KPOL_MANIFEST_CURRENT, false)) < 0 ||
	    (r = pol_service_attach(&svc)) < 0) {
		uprintf("# policy service: cannot start: %d\n", r);
		ctl->state = UPOL_SVC_FAILED;
		return 2;
	}
	uprintf("# policy service t%u: %u profiles, %u rules; attached, %d requests pending\n",
		usched_self().t->id, pol_service_manifest(&svc)->nr_profiles,
		pol_service_manifest(&svc)->nr_rules, r);
	ctl->extra = (uint64_t)r;
	ctl->state = UPOL_SVC_READY;
	for (;;) {
		command();
		r = pol_service_step(&svc);
		if (r == -SCHED_EAGAIN)
			continue; /* the kernel poked: read the control block */
		/* the take's -SCHED_EPERM, again and again: another service attached */
		failed = r == -SCHED_EPERM ? failed + 1 : 0;
		if (failed == 3) {
			uprintf("# policy service: no longer the attached service: leaving\n");
			return 3;
		}
		if (r < 0) { /* a refused serve: the request's default will answer it */
			uprintf("# policy service: a request failed: %d\n", r);
			continue;
		}
		ctl->progress++;
		if (svc.stats.served[SCHED_REQ_EXPLAIN] != explained) {
			explained = svc.stats.served[SCHED_REQ_EXPLAIN];
			print_diag();
		}
	}
}
