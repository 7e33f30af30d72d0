/*
 * serve_internal.h - what the server's files share: the route table
 * index, the metrics (metrics.c) and the trace writer.
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
	FILE *trace;
} serve_metrics;

/* The route's name ("/ping", ..., "other"). */
const char *mgen__serve_route_name(int route);

/* Counts one finished request and writes its trace line. */
void mgen__serve_record(serve_metrics *m, int route, const char *method,
			int status, double seconds, const char *request_id);

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

#endif
