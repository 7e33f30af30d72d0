/*
 * server.c - `metagen serve` (include/metagen/serve.h) on libmicrohttpd:
 * one daemon with a thread per connection; each request gets a context
 * (body buffer, request id, start time) on its first callback and is
 * answered once its body is complete. Auth, the body limit and the
 * request deadline are checked before any route runs; the POST routes
 * wait for a worker of the pool (pool.c) on their connection's thread,
 * so a slow answer never holds up another connection.
 */
#include <arpa/inet.h>
#include <sys/resource.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "metagen/memory.h"
#include "metagen/serve.h"
#include "serve/serve_internal.h"
#include "util/hash.h"
#include "util/util.h"

#define DRAIN_MS 30000
#define TIMEOUT_DEFAULT_S 60
#define STACK_BYTES (512 * 1024) /* a connection thread's stack */

typedef struct server {
	const mgen_serve_options *opts;
	serve_metrics metrics;
	serve_health health; /* health.c */
	serve_trace trace;
	serve_pool pool;
	double timeout_ms; /* request deadline after its first byte */
	unsigned long long seq;
} server;

typedef struct request {
	mgen_buf body;
	double start_ms;      /* CLOCK_MONOTONIC */
	double start_real_ms; /* epoch, for the trace */
	int too_large;
	int route;	    /* R_* */
	int status;	    /* the status queued, 0 = none */
	int retry_after;    /* seconds, for a 503 */
	const char *method; /* "GET", "POST" or "other" (static) */
	char id[72];
} request;

int mgen_serve_token_equal(const char *given, const char *expected)
{
	char a[65], b[65];
	unsigned char diff = 0;
	size_t i;

	if (given == NULL || expected == NULL ||
	    mgen__sha256_hex(given, strlen(given), a) != 0 ||
	    mgen__sha256_hex(expected, strlen(expected), b) != 0)
		return 0;
	for (i = 0; i < 64; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

static int id_ok(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i]; i++)
		if (i >= 64 || !((s[i] >= 'a' && s[i] <= 'z') ||
				 (s[i] >= 'A' && s[i] <= 'Z') ||
				 (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
				 s[i] == '_'))
			return 0;
	return 1;
}

static int route_of(const char *url)
{
	if (strcmp(url, "/ping") == 0)
		return R_PING;
	if (strcmp(url, "/health") == 0)
		return R_HEALTH;
	if (strcmp(url, "/version") == 0)
		return R_VERSION;
	if (strcmp(url, "/metrics") == 0)
		return R_METRICS;
	if (strcmp(url, "/invocations") == 0)
		return R_INVOCATIONS;
	if (strcmp(url, "/v1/chat/completions") == 0)
		return R_CHAT;
	return R_OTHER;
}

/* Queues a response with `body` (copied) and the common headers. */
static enum MHD_Result reply(struct MHD_Connection *c, request *rq, int status,
			     const char *type, const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    strlen(body), (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ok;
	char retry[16];

	if (r == NULL)
		return MHD_NO;
	rq->status = status;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "X-Request-Id", rq->id);
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE) {
		snprintf(retry, sizeof(retry), "%d",
			 rq->retry_after > 0 ? rq->retry_after : 1);
		MHD_add_response_header(r, "Retry-After", retry);
	}
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, "WWW-Authenticate",
					"Bearer realm=\"metagen\"");
	ok = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result error_reply(struct MHD_Connection *c, request *rq,
				   int status, const char *msg)
{
	mgen_buf b = MGEN_BUF_INIT;
	enum MHD_Result ok;

	/* msg is one of this file's fixed texts: no escaping needed */
	mgen_buf_printf(&b, "{\"error\":{\"code\":%d,\"message\":\"%s\"}}\n",
			status, msg);
	ok = reply(c, rq, status, "application/json",
		   mgen_buf_error(&b) ? "{}" : mgen_buf_str(&b));
	mgen_buf_release(&b);
	return ok;
}

static enum MHD_Result health(struct MHD_Connection *c, request *rq, server *s)
{
	inv_result res;
	enum MHD_Result ok;

	mgen__serve_health(s->opts, &s->health, &res);
	if (res.body == NULL)
		return error_reply(c, rq, 500, "out of memory");
	ok = reply(c, rq, res.status, "application/json", res.body);
	free(res.body);
	return ok;
}

/* A POST route answered by a worker of the pool, waited for here until
 * the request's deadline. */
static enum MHD_Result pooled(struct MHD_Connection *c, request *rq, server *s,
			      int r)
{
	serve_job *j = mgen__serve_job_new(
	    r, &rq->body,
	    r == R_CHAT ? MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      "X-Session-Id")
			: NULL,
	    rq->start_ms + s->timeout_ms);
	enum MHD_Result ok;
	char msg[96];
	int st;

	if (j == NULL)
		return error_reply(c, rq, 500, "out of memory");
	snprintf(j->id, sizeof(j->id), "%s", rq->id);
	j->spans.request_id = j->id;
	j->spans.t0_ms = rq->start_ms;
	j->spans.t0_real_ms = rq->start_real_ms;
	j->spans.log = s->opts->log;
	j->spans.log_ud = s->opts->log_userdata;
	j->spans.token = s->opts->token;
	if (mgen__serve_pool_submit(&s->pool, j, &rq->retry_after) != 0) {
		mgen__serve_job_unref(&s->pool, j);
		return error_reply(c, rq, 503,
				   "server busy: the request queue is full; "
				   "retry after the Retry-After seconds");
	}
	st = mgen__serve_pool_wait(&s->pool, j);
	if (st == JOB_DONE && j->res.body != NULL)
		ok = reply(c, rq, j->res.status, "application/json",
			   j->res.body);
	else if (st == JOB_DONE)
		ok = error_reply(c, rq, 500, "out of memory");
	else if (st == JOB_CANCELLED)
		ok = error_reply(c, rq, 503, "server stopping; retry");
	else {
		snprintf(msg, sizeof(msg),
			 "request timed out after %.0f s (serve.request_"
			 "timeout_seconds)",
			 s->timeout_ms / 1000.0);
		ok = error_reply(c, rq, 504, msg);
	}
	mgen__serve_job_unref(&s->pool, j);
	return ok;
}

/* POST /invocations and /v1/chat/completions: the agent's and the
 * comment program's answers (invocations.c), from the pool; with
 * neither, the 503 saying so at once. */
static enum MHD_Result post_route(struct MHD_Connection *c, request *rq,
				  server *s, int r, const char *method)
{
	inv_result res;
	enum MHD_Result ok;

	if (strcmp(method, "POST") != 0)
		return error_reply(c, rq, 405, "method not allowed");
	if (s->pool.threads != NULL)
		return pooled(c, rq, s, r);
	if (r == R_CHAT)
		mgen__serve_chat_completions(NULL, mgen_buf_str(&rq->body),
					     rq->body.len, NULL, &res);
	else
		mgen__serve_invocations(s->opts, mgen_buf_str(&rq->body),
					rq->body.len, &res);
	if (res.body == NULL)
		return error_reply(c, rq, 500, "out of memory");
	ok = reply(c, rq, res.status, "application/json", res.body);
	free(res.body);
	return ok;
}

static enum MHD_Result route(struct MHD_Connection *c, request *rq, server *s,
			     int r, const char *method)
{
	mgen_buf b = MGEN_BUF_INIT;
	enum MHD_Result ok;

	if (r == R_OTHER)
		return error_reply(c, rq, 404, "no such route");
	if (r == R_INVOCATIONS || r == R_CHAT)
		return post_route(c, rq, s, r, method);
	if (strcmp(method, "GET") != 0)
		return error_reply(c, rq, 405, "method not allowed");
	if (r == R_PING)
		return reply(c, rq, 200, "text/plain", "pong\n");
	if (r == R_VERSION)
		return reply(c, rq, 200, "application/json",
			     "{\"name\":\"metagen\",\"version\":\"" MGEN_VERSION
			     "\"}\n");
	if (r == R_HEALTH)
		return health(c, rq, s);
	if (mgen__serve_metrics_text(&s->metrics, &b) != 0) {
		mgen_buf_release(&b);
		return error_reply(c, rq, 500, "out of memory");
	}
	ok = reply(c, rq, 200, "text/plain; version=0.0.4", mgen_buf_str(&b));
	mgen_buf_release(&b);
	return ok;
}

/* Everything but /ping needs the bearer token when one is set. */
static int authorized(struct MHD_Connection *c, const server *s, int r)
{
	const char *h;

	if (s->opts->token == NULL || s->opts->token[0] == '\0' || r == R_PING)
		return 1;
	h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					MHD_HTTP_HEADER_AUTHORIZATION);
	if (h == NULL || strncmp(h, "Bearer ", 7) != 0)
		return 0;
	return mgen_serve_token_equal(h + 7, s->opts->token);
}

/* The first callback of a request: its context and id. */
static request *begin(struct MHD_Connection *c, server *s)
{
	request *rq = calloc(1, sizeof(*rq));
	const char *given;

	if (rq == NULL)
		return NULL;
	mgen_buf_init(&rq->body, s->opts->max_body_bytes + 1);
	rq->start_ms = mgen__now_ms();
	rq->start_real_ms = mgen__serve_real_ms();
	given = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
	pthread_mutex_lock(&s->metrics.mu);
	if (id_ok(given))
		snprintf(rq->id, sizeof(rq->id), "%s", given);
	else
		snprintf(rq->id, sizeof(rq->id), "%llx-%llu",
			 (unsigned long long)time(NULL), ++s->seq);
	s->metrics.inflight++;
	pthread_mutex_unlock(&s->metrics.mu);
	return rq;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	server *s = cls;
	request *rq = *con_cls;
	int r = route_of(url);

	if (rq == NULL) {
		rq = begin(c, s);
		if (rq == NULL)
			return MHD_NO;
		*con_cls = rq;
		rq->route = r;
		rq->method = strcmp(method, "GET") == 0	   ? "GET"
			     : strcmp(method, "POST") == 0 ? "POST"
							   : "other";
		if (!authorized(c, s, r))
			return error_reply(c, rq, 401,
					   "missing or wrong "
					   "bearer token");
		return MHD_YES;
	}
	if (rq->status != 0) { /* answered early: drop what still comes */
		*upload_size = 0;
		return MHD_YES;
	}
	if (mgen__now_ms() - rq->start_ms > s->timeout_ms) {
		/* past the deadline with the body still arriving (checked
		 * as bytes come; a silent client meets the idle timeout):
		 * libmicrohttpd sends no answer queued mid-body, so the
		 * connection is closed, counted as 408 */
		rq->status = 408;
		return MHD_NO;
	}
	if (*upload_size > 0) {
		if (!rq->too_large &&
		    mgen_buf_append(&rq->body, upload, *upload_size) != 0)
			rq->too_large = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->too_large)
		return error_reply(c, rq, 413, "request body too large");
	return route(c, rq, s, r, method);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	server *s = cls;
	request *rq = *con_cls;

	(void)c;
	(void)toe;
	if (rq == NULL)
		return;
	mgen__serve_record(&s->metrics, rq->route, rq->method, rq->status,
			   (mgen__now_ms() - rq->start_ms) / 1000.0, rq->id,
			   rq->start_real_ms);
	pthread_mutex_lock(&s->metrics.mu);
	s->metrics.inflight--;
	pthread_mutex_unlock(&s->metrics.mu);
	mgen_buf_release(&rq->body);
	free(rq);
	*con_cls = NULL;
}

static int is_loopback(const struct in_addr *a)
{
	return (ntohl(a->s_addr) >> 24) == 127;
}

/* Checks the options; opens the trace file. */
static int prepare(server *s, struct sockaddr_in *sa, mgen_err *err)
{
	const mgen_serve_options *o = s->opts;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)o->port);
	if (o->host == NULL || inet_pton(AF_INET, o->host, &sa->sin_addr) != 1)
		return mgen_err_set(err, MGEN_EINVAL,
				    "serve.host: '%s' is not "
				    "an IPv4 address",
				    o->host ? o->host : "");
	if (o->port < 0 || o->port > 65535)
		return mgen_err_set(err, MGEN_EINVAL,
				    "serve.port: %d is not a "
				    "TCP port",
				    o->port);
	if (!is_loopback(&sa->sin_addr) &&
	    (o->token == NULL || o->token[0] == '\0'))
		return mgen_err_set(err, MGEN_EINVAL,
				    "serve: refusing to listen "
				    "on %s without a token (set serve.token, "
				    "METAGEN_SERVE_TOKEN or serve.token_file)",
				    o->host);
	s->timeout_ms = 1000.0 * (o->request_timeout_seconds > 0
				      ? o->request_timeout_seconds
				      : TIMEOUT_DEFAULT_S);
	if (o->trace_path != NULL && o->trace_path[0] != '\0') {
		if (mgen__serve_trace_open(&s->trace, o, err) != 0)
			return MGEN_EIO;
		s->metrics.trace = &s->trace;
	}
	return 0;
}

static int write_port(struct MHD_Daemon *d, const char *path, mgen_err *err)
{
	const union MHD_DaemonInfo *di =
	    MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	char text[16];

	if (path == NULL)
		return 0;
	snprintf(text, sizeof(text), "%u\n", di ? (unsigned)di->port : 0u);
	if (mgen__write_file_atomic(path, text, strlen(text)) != 0)
		return mgen_err_set(err, MGEN_EIO,
				    "serve: cannot write the "
				    "port file '%s'",
				    path);
	return 0;
}

/* Stops accepting, waits (bounded) for the requests in flight, then
 * answers what is left 503 and stops the connection threads. */
static void drain(struct MHD_Daemon *d, server *s)
{
	double until = mgen__now_ms() + DRAIN_MS;
	MHD_socket ls = MHD_quiesce_daemon(d);
	long long left;

	do {
		pthread_mutex_lock(&s->metrics.mu);
		left = s->metrics.inflight;
		pthread_mutex_unlock(&s->metrics.mu);
		if (left > 0)
			mgen__sleep_ms(20);
	} while (left > 0 && mgen__now_ms() < until);
	if (s->pool.threads != NULL)
		mgen__serve_pool_cancel(&s->pool);
	MHD_stop_daemon(d);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
}

/* Connections at once: the option, else every worker and queue slot
 * plus room for the GET routes; the open-file limit raised to fit
 * (each connection holds a socket, each worker one to the LM). */
static unsigned connection_limit(const mgen_serve_options *o)
{
	long want = o->max_connections > 0
			? o->max_connections
			: (long)o->max_inflight + o->max_queue + 64;
	long files = want + 2L * o->max_inflight + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < files) {
		rl.rlim_cur =
		    rl.rlim_max == RLIM_INFINITY || (long)rl.rlim_max > files
			? (rlim_t)files
			: rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
		    (long)rl.rlim_cur < files)
			want = (long)rl.rlim_cur - 2L * o->max_inflight - 64;
	}
	return want < 1 ? 1u : (unsigned)want;
}

static struct MHD_Daemon *start_daemon(server *s, struct sockaddr_in *sa)
{
	return MHD_start_daemon(
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
		MHD_USE_POLL | MHD_USE_ITC,
	    0, NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)sa, MHD_OPTION_NOTIFY_COMPLETED, completed, s,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->opts->timeout_seconds,
	    MHD_OPTION_CONNECTION_LIMIT, connection_limit(s->opts),
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_THREAD_STACK_SIZE,
	    (size_t)STACK_BYTES, MHD_OPTION_END);
}

int mgen_serve_run(const mgen_serve_options *opts, volatile sig_atomic_t *stop,
		   mgen_err *err)
{
	server s;
	struct sockaddr_in sa;
	struct MHD_Daemon *d = NULL;
	int rc;

	memset(&s, 0, sizeof(s));
	s.opts = opts;
	if (pthread_mutex_init(&s.metrics.mu, NULL) != 0)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (mgen__serve_health_init(&s.health) != 0) {
		pthread_mutex_destroy(&s.metrics.mu);
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	rc = prepare(&s, &sa, err);
	if (rc == 0 && (opts->agent != NULL || opts->commenter != NULL))
		rc = mgen__serve_pool_start(&s.pool, opts, &s.trace, err);
	if (rc != 0)
		goto done;
	d = start_daemon(&s, &sa);
	if (d == NULL) {
		rc = mgen_err_set(err, MGEN_EIO,
				  "serve: cannot listen on "
				  "%s:%d",
				  opts->host, opts->port);
		goto done;
	}
	rc = write_port(d, opts->port_file, err);
	while (rc == 0 && !*stop)
		mgen__sleep_ms(100);
	drain(d, &s);
done:
	mgen__serve_pool_stop(&s.pool);
	mgen__serve_trace_close(&s.trace);
	pthread_mutex_destroy(&s.metrics.mu);
	mgen__serve_health_destroy(&s.health);
	return rc;
}
