/* SPDX-License-Identifier: MIT */
/*
 * policy/service.h - the policy service: the privileged thread that takes requests from
 * libsched's queue (sched/policy.h), decides by the profiles and rules of a manifest
 * (manifest.h) and answers through sched_policy_serve or sched_policy_deny
 * (docs/policy.md, "The service").
 *
 *     pol_service_init(&svc, &cfg);           storage, the port's callbacks
 *     pol_service_load(&svc, text, len, ...); a manifest (again at any time)
 *     pol_service_attach(&svc);               take over the queue (also after a restart)
 *     for (;;)
 *             while (pol_service_step(&svc) != -SCHED_EAGAIN) ;   then park until unparked
 *
 * The service remembers which profile each thread it served got (a uthash table by thread
 * id), so a reload can re-apply changed profiles to them; a restarted service rebuilds
 * that table from the threads the port enumerates and the rules, and finds the requests
 * its predecessor had taken pending again (sched_policy_attach): the library's state is
 * the truth, the service's is a cache of it.
 *
 * Freestanding: no libc (pol_std.h); every byte it uses is the port's (cfg.mem, the refill
 * arrays, the diagnostics buffer). One thread drives a service; nothing here locks.
 */
#ifndef POL_SERVICE_H
#define POL_SERVICE_H

#include <sched/explain.h>
#include <sched/policy.h>

#include "manifest.h"

/* A thread's attributes, as the port knows them (struct pol_port.attrs). */
struct pol_attrs {
	uint32_t tid;                 /* its id (sched_thread_params.id): explain records */
	char process[POL_NAME_MAX];   /* its process's name, "" for none */
	char service[POL_NAME_MAX];   /* the service it belongs to, "" for none */
	uint32_t session;             /* its session, 0 for none */
	struct sched_group *group;    /* owns the SCs made for it (its process) */
	sched_cpumask_t cpus;         /* where an SC made for it may run: non-empty, online,
				       * inside its affinity */
};

/* What the service asks the port. */
struct pol_port {
	void *ctx;
	/* *out for thread t: 0, or a negative SCHED_E* (-SCHED_ESTALE: it exited), which
	 * the request is then refused with. Required. */
	int (*attrs)(void *ctx, struct sched_ref t, struct pol_attrs *out);
	/* After an attach: the i-th live thread the port knows (i from 0), or false past the
	 * last. `profile` (SCHED_PROFILE_NAME_MAX bytes, "" on entry) may receive the name of
	 * the profile it was given by name, if the port kept it; else the rules decide.
	 * Optional (NULL: the table starts empty). */
	bool (*thread_at)(void *ctx, unsigned i, struct sched_ref *out, char *profile);
};

struct pol_service_config {
	struct sched_sys *sys;
	struct sched_policy *queue;       /* initialised (sched_policy_init) */
	struct sched_ref self;            /* the service's thread */
	struct sched_auth auth;           /* root, or SC_CONTROL | FAIR | LEASE | CORE | RT */
	struct sched_refill *refills;     /* nr_scs x refills_per_sc: the rings of the SCs it
					   * creates; a slot is reused once its SC is revoked */
	unsigned nr_scs;                  /* SCs it may have alive at once (0: none) */
	unsigned refills_per_sc;          /* 1 .. SCHED_SC_REFILLS_MAX (8 serves most) */
	void *mem;                        /* its memory: two manifest arenas and the tables */
	size_t mem_len;
	size_t manifest_bytes;            /* each manifest arena; 0 = mem_len / 4 */
	char *diag;                       /* EXPLAIN's lines, or NULL: not kept */
	size_t diag_len;
	struct pol_port port;
};

/* What a served thread got: the thread table's entry. */
struct pol_thread {
	uint32_t tid;                     /* the key */
	struct sched_ref ref;
	char profile[SCHED_PROFILE_NAME_MAX];
	bool by_name;                     /* asked by name (else the rules chose) */
	bool fair_known;                  /* it was given `fair` by this service; not for
					   * entries rebuilt after a restart, nor when the SC
					   * of its profile could not be configured or bound
					   * (the library then stopped before the fair
					   * parameters): a reload with `existing` sets theirs
					   * whatever they were */
	struct sched_fair_params fair;    /* what it was given */
	UT_hash_handle hh;
};

/* A stage of a task graph a requester had mapped (GRAPH), as asked. */
struct pol_node_key {
	uint32_t requester;               /* the requester's thread id */
	uint32_t index;                   /* the node's index in its graph */
};

struct pol_node {
	struct pol_node_key key;
	struct sched_graph_node node;
	uint64_t period_ns, deadline_ns;  /* its graph's */
	UT_hash_handle hh;
};

/* An SC the service created: its refill ring is slot i of cfg.refills while it lives. */
struct pol_sc_slot {
	struct sched_sc_cap cap;
	bool used;
};

struct pol_service_stats {
	uint64_t taken;                   /* requests taken */
	uint64_t served[SCHED_REQ_NR];    /* answered with a decision, by kind */
	uint64_t denied[SCHED_REQ_NR];    /* refused, by kind */
	uint64_t late;                    /* serve or deny found the deadline passed (the
					   * library applied the default) */
	uint64_t stale;                   /* ... or the ticket stale (a newer service took over) */
	uint64_t reapplied;               /* threads given changed profiles by reloads */
	uint64_t forgotten;               /* table entries dropped: their thread exited */
	uint64_t table_full;              /* threads served but not remembered (no memory) */
	uint64_t scs_created, scs_reused;
	uint64_t loads, load_errors;
};

#define POL_EXPLAIN_MAX 16 /* records an EXPLAIN formats, the newest */

struct pol_service {
	struct pol_service_config cfg;
	struct pol_manifests ms;
	struct pol_arena reg;             /* the thread and node tables, the SC slots */
	struct pol_thread *threads;       /* uthash head, by tid */
	struct pol_node *nodes;           /* uthash head, by (requester, index) */
	struct pol_sc_slot *slots;        /* cfg.nr_scs */
	struct pol_buf diag;
	struct sched_why why[POL_EXPLAIN_MAX];
	struct pol_service_stats stats;
};

/*
 * Set up a service over cfg (copied). -SCHED_EINVAL for NULL or missing parts (sys, queue,
 * self, port.attrs, refills for nr_scs > 0, refills_per_sc out of range, mem) or memory too
 * small for the two manifest arenas and the SC slots; -SCHED_ESTALE for a stale token;
 * -SCHED_EPERM for a token without SC_CONTROL, FAIR, LEASE, CORE and RT. Loads nothing,
 * attaches nothing.
 */
int pol_service_init(struct pol_service *svc, const struct pol_service_config *cfg);

/*
 * Load a manifest: it replaces the live one only if it parses (errors as
 * pol_manifest_parse, *err says where and why, and nothing changed). With `existing`,
 * every thread in the table is given its profile under the new manifest (by name if it
 * asked by name and the name still exists, else by the rules) with sched_set_fair and the
 * service's authority, if that changes its fair parameters; threads found exited are
 * dropped. Returns the number of threads changed. SCs, cookies, leases and islands given
 * before are kept (the thread asks again for new ones). -SCHED_EINVAL for NULL.
 */
int pol_service_load(struct pol_service *svc, const char *text, size_t len, bool existing,
		     struct pol_error *err);

/*
 * Become the queue's service (sched_policy_attach: requests a predecessor took and did not
 * answer are pending again) and rebuild the thread table from the port (thread_at): each
 * live thread with the profile the port kept for it, or the rules'. Returns the number of
 * pending requests. Errors of sched_policy_attach; -SCHED_EINVAL for NULL.
 */
int pol_service_attach(struct pol_service *svc);

/*
 * Take one request, decide, answer. 0 when one was answered (served or refused; the
 * figures say which), -SCHED_EAGAIN when none is pending (park: submissions unpark the
 * service), -SCHED_ESTATE before a manifest is loaded (requests wait, and get their
 * defaults when they time out), -SCHED_EPERM when another service attached since,
 * -SCHED_EINVAL for NULL.
 */
int pol_service_step(struct pol_service *svc);

/* The last EXPLAIN's lines (one per record, '\n'-separated), "" if none; *len its length
 * (may be NULL). NULL for NULL svc. */
const char *pol_service_diag(const struct pol_service *svc, size_t *len);

/* The table entry of thread `tid`, or the graph node (requester, index); NULL if none. */
const struct pol_thread *pol_service_thread(const struct pol_service *svc, uint32_t tid);
const struct pol_node *pol_service_node(const struct pol_service *svc, uint32_t requester,
					uint32_t index);

/* The live manifest, or NULL before a load. */
const struct pol_manifest *pol_service_manifest(const struct pol_service *svc);

#endif
