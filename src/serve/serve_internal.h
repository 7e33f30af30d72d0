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

/* POST /invocations (invocations.c) on the `len` bytes of `body`:
 * r->status 200 with the predictions (or the ChatAgent response), 400
 * naming the field, 502 when the agent's LM failed, 503 without an
 * agent; r->body always set (caller frees) unless out of memory. */
void mgen__serve_invocations(mgen_agent *agent, const char *body, size_t len,
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
