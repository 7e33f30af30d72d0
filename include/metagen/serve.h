/*
 * serve.h - `metagen serve`: the HTTP server (libmicrohttpd) in front of
 * metagen's programs. Routes so far: GET /ping (no auth), GET /health
 * (the index, the memory store and the LM endpoint, each {"status",
 * "required"}; 503 when a required one is not "ok"; the LM checked by
 * mgen_lm_preflight, reused for lm_check_seconds), GET /version, GET /metrics
 * (Prometheus text format 0.0.4: requests by route and status, latency
 * histograms by route, requests in flight), POST /invocations (the ask
 * agent, agent.h, behind the MLflow scoring protocol and the MLflow
 * ChatAgent request shape; see docs/metagen.1 and the README).
 *
 * POST /invocations bodies (JSON, at most max_body_bytes):
 *   {"dataframe_records": [{"query", "session_id"?} | {"table_name",
 *        "table_data": {"columns", "data", "index"?}, "column_metadata"?,
 *        "table_comment"?}, ...]}
 *   {"dataframe_split": {"columns": [...], "data": [[...], ...]}}
 *   {"instances": [{"query", ...} | "question", ...]}
 *   {"inputs": [...] | {"query": [...], "session_id": [...]}}
 * exactly one of them, plus optional "params" (an object, unused), at
 * most 100 records -> 200 {"predictions": [{"answer", "session_id",
 * "search_query", "sources", "usage"} | {"table_name", "table",
 * "columns", "column_contents", "comments": [{"column", "comment",
 * "status", "path", "reason"}], "usage", "ddl"?}, ...]} in input order
 * (a comment record gets what generate writes for that table: see
 * commenter.h, the README for the fields and limits); or the chat
 * request {"messages": [{"role", "content"}, ...], "custom_inputs":
 * {"session_id"}?} (the last message is the user's question; the history
 * comes from the session's memory) -> {"messages": [{"role":
 * "assistant", "content", "id"}], "custom_outputs": {"session_id",
 * "search_query", "sources"}}. Every record is checked before the first
 * LM call (and every table profiled): a malformed body or record is 400
 * {"error": {"code", "message"}} naming the field; an LM failure 502 (no
 * endpoint detail in the body); a question without an agent, or a table
 * without a commenter, 503.
 *
 * POST /v1/chat/completions (OpenAI-compatible, for any OpenAI client):
 * {"model"?, "messages": [{"role", "content": string}, ...], "user"?,
 * "stream"?} -> {"id", "object": "chat.completion", "created", "model"
 * (echoed; "metagen-ask" when none), "choices": [{"index": 0, "message":
 * {"role": "assistant", "content"}, "finish_reason": "stop"}], "usage",
 * "metagen": {"session_id", "search_query", "sources"}}. The session is
 * "user", else the X-Session-Id header, else a new one; the last message
 * is the question. "stream": true and content parts are refused (400).
 *
 * Every response carries X-Request-Id (the client's when it is 1-64
 * characters of A-Z a-z 0-9 _ -, else a new one).
 *
 * Threads and limits: one thread per connection (at most
 * max_connections; more are refused at accept) reads the request and
 * answers GET routes itself. POST /invocations and /v1/chat/completions
 * go to a pool of max_inflight worker threads through a queue of at
 * most max_queue waiting requests: a full queue is 503 with
 * Retry-After (seconds: the queue's expected wait, 1..60); a request not
 * answered request_timeout_seconds after its first byte is 504, and one
 * whose body is still arriving then has its connection closed when its
 * next bytes come (counted and traced as 408; a client that sends
 * nothing meets timeout_seconds); a body over max_body_bytes is 413. The
 * worker of a 504 finishes its LM call (bounded by the LM's own timeout)
 * and its answer is dropped.
 *
 * Trace (opts->trace_path, JSON lines, appended, 0600): one span per
 * line, {"time" (start, UTC ISO 8601 ms), "request_id", "span_id",
 * "parent_id" (null for the root), "name", "offset_ms" (start after the
 * request's), "ms", "status": "ok"|"error", attributes...}. Spans per
 * request: "request" (span 1: method, route, http_status), and for a
 * pooled route "queue" (2: the wait for a worker) and "route" (3: route,
 * http_status) under it, with each record's agent steps (agent.h
 * mgen_agent_step: "ask" under "route", then memory.read, rewrite,
 * retrieve with chunk_ids, respond, lm with usage, memory.write).
 * Lines hold ids, counts, times and fixed words only: never a header
 * value, query string, body, question, answer or token. The file is
 * renamed to <path>.1 when it would pass trace_max_bytes; a write that
 * fails is logged once and never fails the request.
 */
#ifndef METAGEN_SERVE_H
#define METAGEN_SERVE_H

#include <signal.h>
#include <stddef.h>

#include "metagen.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Server settings; strings borrowed for the duration of the call. */
typedef struct mgen_serve_options {
	const char *host;	  /* IPv4 address to bind ("127.0.0.1") */
	int port;		  /* TCP port; 0 = any free port */
	const char *token;	  /* bearer token; NULL/"" = no auth (loopback
				     only: a non-loopback host without a token is
				     refused) */
	const char *memory_path;  /* memory store for /health; NULL = none */
	size_t max_body_bytes;	  /* larger bodies get 413 */
	int timeout_seconds;	  /* idle connection timeout */
	int max_inflight;	  /* POST requests answered at once (worker
				     threads, 1..1024) */
	const char *trace_path;	  /* JSONL trace file (appended, 0600);
				     NULL = none */
	const char *port_file;	  /* when set, the bound port is written there
				     once listening (for tests and scripts) */
	struct mgen_agent *agent; /* answers query records and chats of POST
				     /invocations (borrowed; thread-safe);
				     NULL = 503 for them */
	struct mgen_commenter *commenter; /* answers comment records of
				     POST /invocations (commenter.h;
				     borrowed; thread-safe); NULL = 503 */
	struct mgen_lm *lm;		  /* the endpoint GET /health checks
					     (borrowed); NULL = no LM configured */
	const char *index_path;	     /* retrieval index /health opens; NULL =
					none configured */
	int lm_check_seconds;	     /* /health reuses an LM check this long;
					0 = 5 */
	int max_queue;		     /* POST requests waiting for a worker;
					more get 503 + Retry-After */
	int request_timeout_seconds; /* 504 (or 408) after this; 0 = 60 */
	int max_connections;	     /* open connections; 0 = max_inflight
					+ max_queue + 64 */
	long long trace_max_bytes;   /* rotate the trace at this size;
					0 = 64 MiB */
	mgen_log_fn log;	     /* warnings (a 502's cause with its
					endpoint masked and the token
					scrubbed; a trace write failure,
					once); NULL = none */
	void *log_userdata;
} mgen_serve_options;

/*
 * Listens on opts->host:opts->port and serves until *stop becomes
 * non-zero (a SIGTERM/SIGINT handler sets it), then stops accepting,
 * waits up to 30 s for the requests in flight to finish, and returns 0.
 * A bad host, a refused bind or a missing token on a non-loopback host is
 * MGEN_EINVAL / MGEN_EIO with the reason in `err`, before anything is
 * served.
 */
int mgen_serve_run(const mgen_serve_options *opts, volatile sig_atomic_t *stop,
		   mgen_err *err);

/*
 * 1 when `given` equals `expected`: both are hashed (SHA-256) and the
 * digests compared without an early exit, so the time does not depend on
 * where they differ or on the expected length. NULL is never equal.
 */
int mgen_serve_token_equal(const char *given, const char *expected);

#ifdef __cplusplus
}
#endif

#endif
