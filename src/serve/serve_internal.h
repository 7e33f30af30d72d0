/*
 * serve_internal.h - what the server's files share: the route table
 * index, the metrics (metrics.c), the trace file and spans (trace.c)
 * and the worker pool of the POST routes (pool.c).
 */
#ifndef METAGEN_SERVE_INTERNAL_H
#define METAGEN_SERVE_INTERNAL_H

#include <pthread.h>
#include <stdio.h>

#include "metagen/agent.h"
#include "metagen/buf.h"
#include "metagen/commenter.h"
#include "metagen/serve.h"
#include "util/json.h"

/* Routes counted in /metrics; anything else is "other". */
enum {
	R_PING,
	R_HEALTH,
	R_VERSION,
	R_METRICS,
	R_INVOCATIONS,
	R_CHAT,
	R_OTHER,
	R_COUNT
};
#define SERVE_BUCKETS 10
#define SERVE_STATUSES 8 /* distinct statuses kept per route */

typedef struct serve_metrics {
	pthread_mutex_t mu;
	struct {
		int status[SERVE_STATUSES];
		long long count[SERVE_STATUSES];
		long long bucket[SERVE_BUCKETS]; /* cumulative at render */
		long long n;
		double sum_s;
	} route[R_COUNT];
	long long inflight;
	struct serve_trace *trace; /* NULL = no trace */
} serve_metrics;

/* The route's name ("/ping", ..., "other"). */
const char *mgen__serve_route_name(int route);

/* Counts one finished request and writes its "request" span (started
 * at `start_real_ms`, epoch milliseconds). */
void mgen__serve_record(serve_metrics *m, int route, const char *method,
			int status, double seconds, const char *request_id,
			double start_real_ms);

/* The Prometheus text exposition of `m` appended to `out`. */
int mgen__serve_metrics_text(serve_metrics *m, mgen_buf *out);

/* What a POST route answers: status and JSON body (owned). */
typedef struct inv_result {
	int status;
	char *body;
} inv_result;

/* POST /invocations (invocations.c) on the `len` bytes of `body`, with
 * opts->agent for query records and chats and opts->commenter for
 * comment records: r->status 200 with the predictions (or the ChatAgent
 * response), 400 naming the field, 502 when an LM failed, 503 when the
 * agent or commenter a record needs is missing; r->body always set
 * (caller frees) unless out of memory. */
void mgen__serve_invocations(const mgen_serve_options *opts, const char *body,
			     size_t len, inv_result *r);

/* 1 when record object `o` is the comment program's: it has one of
 * table_name, table_data, column_metadata, table_comment (not null). */
int mgen__serve_is_comment_record(const cJSON *o);

/* Comment record `o` (named `where` in refusals, e.g.
 * "dataframe_records[2]") checked field by field and profiled with `po`
 * (comment_records.c): 0 and *out a profiled table (caller releases and
 * frees), or 400 (a field is wrong) / 500 (out of memory) with the
 * message naming the field in msg. No LM is called. */
int mgen__serve_comment_take(const cJSON *o, const char *where,
			     const mgen_profile_options *po, mgen_table **out,
			     char *msg, size_t msgsz);

/* Table `t` (from mgen__serve_comment_take) commented by `c`: the
 * prediction object (caller deletes) {"table_name": `name`, "table",
 * "columns", "column_contents", "comments", "usage", "ddl"?}, or NULL
 * with *status 502 (the endpoint refused the key), 503 (budget spent),
 * 500 (out of memory) and msg set. */
cJSON *mgen__serve_comment_answer(mgen_commenter *c, mgen_table *t,
				  const char *name, int *status, char *msg,
				  size_t msgsz);

/* /health's state: the last LM check (health.c). */
typedef struct serve_health {
	pthread_mutex_t mu;
	int lm_rc;    /* mgen_lm_preflight's code; -1 = never checked */
	double lm_at; /* when (mgen__now_ms) */
	int checking; /* a check is running */
} serve_health;

/* Initialises / destroys `h`. Init returns 0 or MGEN_ENOMEM. */
int mgen__serve_health_init(serve_health *h);
void mgen__serve_health_destroy(serve_health *h);

/* GET /health: {"status": "ok"|"error", "index", "memory", "lm": each
 * {"status", "required"} (lm also "checked_seconds_ago")}; r->status
 * 503 when a required component is not "ok", else 200. r->body NULL
 * only when out of memory. */
void mgen__serve_health(const mgen_serve_options *o, serve_health *h,
			inv_result *r);

/* POST /v1/chat/completions: the OpenAI request ({"model", "messages",
 * "user"}; "stream": true refused) answered as a chat.completion with
 * metagen's session and sources under "metagen"; the session from
 * "user", else `header_session` (X-Session-Id; may be NULL), else new.
 * Statuses and ownership as mgen__serve_invocations. */
void mgen__serve_chat_completions(mgen_agent *agent, const char *body,
				  size_t len, const char *header_session,
				  inv_result *r);

/* ---- trace.c: the JSONL trace file ---- */

typedef struct serve_trace {
	pthread_mutex_t mu;
	FILE *f;
	const char *path; /* borrowed from the options */
	long long size, max;
	int failing; /* a failed write was reported; cleared on success */
	mgen_log_fn log;
	void *log_ud;
} serve_trace;

/* Opens (appends, 0600) `path`; 0 or MGEN_EIO naming it. */
int mgen__serve_trace_open(serve_trace *t, const mgen_serve_options *o,
			   mgen_err *err);

/* Closes the file; a zeroed or closed `t` is harmless. */
void mgen__serve_trace_close(serve_trace *t);

/* Appends `len` bytes of whole lines at once: rotates to <path>.1 first
 * when the file would pass its bound; a failure is logged once (until a
 * write succeeds again) and otherwise ignored. */
void mgen__serve_trace_write(serve_trace *t, const char *text, size_t len);

/* Spans of one request being built (bounded; see serve.h). */
typedef struct serve_spans {
	mgen_buf buf;		/* JSON lines */
	const char *request_id; /* borrowed */
	double t0_ms;		/* request start, CLOCK_MONOTONIC ms */
	double t0_real_ms;	/* the same instant, epoch ms */
	int base;		/* agent step id k is span base + k */
	int top;		/* highest span id given */
	int parent;		/* span the next "ask" hangs under */
	double lm_ms;		/* summed time of the "lm" spans */
	mgen_log_fn log;	/* for an "ask" that failed */
	void *log_ud;
	const char *token; /* scrubbed from logged messages; may be NULL */
} serve_spans;

/* CLOCK_REALTIME in epoch milliseconds. */
double mgen__serve_real_ms(void);

/* Appends one span line: `attrs` is "" or ",\"k\":v..." of fixed-alphabet
 * JSON. `parent` 0 = none (the root). */
void mgen__serve_span(serve_spans *s, const char *name, int id, int parent,
		      double start_ms, double ms, int ok, const char *attrs);

/* The agent observer (agent.h mgen_agent_step_fn) with `ud` a
 * serve_spans: each step a span; a failed "ask" (not a refusal of the
 * question) logged at MGEN_LOG_WARN with the request id. */
void mgen__serve_agent_step(void *ud, const mgen_agent_step *st);

/* ---- pool.c: the worker threads of the POST routes ---- */

enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_DROPPED, JOB_CANCELLED };

typedef struct serve_job {
	int route;		/* R_INVOCATIONS or R_CHAT */
	char id[72];		/* the request id (spans.request_id) */
	mgen_buf body;		/* owned */
	char *session;		/* X-Session-Id copy; NULL = none */
	serve_spans spans;	/* the queue, route and agent spans */
	double queued_ms;	/* when submitted (monotonic) */
	double deadline_ms;	/* 504 after this (monotonic) */
	inv_result res;		/* when JOB_DONE: the answer (owned) */
	int state;		/* JOB_* (under the pool's lock) */
	int refs;		/* the handler's and the pool's */
	pthread_cond_t cv;	/* signalled when the state leaves RUNNING */
	struct serve_job *next; /* in the queue */
} serve_job;

typedef struct serve_pool {
	pthread_mutex_t mu;
	pthread_cond_t work;
	serve_job *head, *tail; /* waiting, oldest first */
	serve_job *active;	/* running (linked through next) */
	int queued, running, max_queue, nthreads, stopping;
	pthread_t *threads;
	double avg_ms;			/* moving average of a job's run time */
	const mgen_serve_options *opts; /* the agent and the commenter */
	serve_trace *trace;
} serve_pool;

/* Starts o->max_inflight workers answering with o->agent and
 * o->commenter (`o` borrowed while the pool runs); 0 or
 * MGEN_ENOMEM/EIO. */
int mgen__serve_pool_start(serve_pool *p, const mgen_serve_options *o,
			   serve_trace *trace, mgen_err *err);

/* A new job (refs 1: the caller's) taking `body` over. NULL on ENOMEM. */
serve_job *mgen__serve_job_new(int route, mgen_buf *body, const char *session,
			       double deadline_ms);

/* Drops one reference (the last frees). Under no lock. */
void mgen__serve_job_unref(serve_pool *p, serve_job *j);

/* Queues `j` (the pool takes a reference): 0, or -1 when the queue is
 * full or stopping with *retry_after the seconds a client should wait. */
int mgen__serve_pool_submit(serve_pool *p, serve_job *j, int *retry_after);

/* Waits for `j` until its deadline: JOB_DONE (j->res is the answer),
 * JOB_DROPPED (timed out; a running worker's answer will be dropped) or
 * JOB_CANCELLED (the server is stopping). */
int mgen__serve_pool_wait(serve_pool *p, serve_job *j);

/* Cancels every job, queued or running (their handlers answer 503; a
 * running worker's answer is dropped); no job is taken after. */
void mgen__serve_pool_cancel(serve_pool *p);

/* Cancels what is queued, lets the running jobs finish, joins the
 * workers. A zeroed pool is harmless. */
void mgen__serve_pool_stop(serve_pool *p);

#endif
