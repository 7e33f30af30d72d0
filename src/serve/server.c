/*
 * server.c - `metagen serve` (include/metagen/serve.h) on libmicrohttpd:
 * one daemon with an internal thread pool; each request gets a context
 * (body buffer, request id, start time) on its first callback and is
 * answered once its body is complete. Auth, body limit and the bound on
 * requests in flight are checked before any route runs.
 */
#include <arpa/inet.h>
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

typedef struct server {
	const mgen_serve_options *opts;
	serve_metrics metrics;
	serve_health health; /* health.c */
	unsigned long long seq;
} server;

typedef struct request {
	mgen_buf body;
	double start_ms;
	int too_large;
	int counted;	    /* in metrics.inflight */
	int route;	    /* R_* */
	int status;	    /* the status queued, 0 = none */
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

	if (r == NULL)
		return MHD_NO;
	rq->status = status;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "X-Request-Id", rq->id);
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(r, "Retry-After", "1");
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

/* POST /invocations and /v1/chat/completions: the agent's answers
 * (invocations.c). */
static enum MHD_Result post_route(struct MHD_Connection *c, request *rq,
				  server *s, int r, const char *method)
{
	inv_result res;
	enum MHD_Result ok;

	if (strcmp(method, "POST") != 0)
		return error_reply(c, rq, 405, "method not allowed");
	if (r == R_CHAT)
		mgen__serve_chat_completions(
		    s->opts->agent, mgen_buf_str(&rq->body), rq->body.len,
		    MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						"X-Session-Id"),
		    &res);
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

/* The first callback of a request: its context, id, in-flight slot. */
static request *begin(struct MHD_Connection *c, server *s, int *busy)
{
	request *rq = calloc(1, sizeof(*rq));
	const char *given;

	if (rq == NULL)
		return NULL;
	mgen_buf_init(&rq->body, s->opts->max_body_bytes + 1);
	rq->start_ms = mgen__now_ms();
	given = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
	pthread_mutex_lock(&s->metrics.mu);
	if (id_ok(given))
		snprintf(rq->id, sizeof(rq->id), "%s", given);
	else
		snprintf(rq->id, sizeof(rq->id), "%llx-%llu",
			 (unsigned long long)time(NULL), ++s->seq);
	*busy = s->metrics.inflight >= s->opts->max_inflight;
	if (!*busy) {
		s->metrics.inflight++;
		rq->counted = 1;
	}
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
	int r = route_of(url), busy = 0;

	if (rq == NULL) {
		rq = begin(c, s, &busy);
		if (rq == NULL)
			return MHD_NO;
		*con_cls = rq;
		rq->route = r;
		rq->method = strcmp(method, "GET") == 0	   ? "GET"
			     : strcmp(method, "POST") == 0 ? "POST"
							   : "other";
		if (busy)
			return error_reply(c, rq, 503, "server busy; retry");
		if (!authorized(c, s, r))
			return error_reply(c, rq, 401,
					   "missing or wrong "
					   "bearer token");
		return MHD_YES;
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
			   (mgen__now_ms() - rq->start_ms) / 1000.0, rq->id);
	pthread_mutex_lock(&s->metrics.mu);
	if (rq->counted)
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
	if (o->trace_path != NULL && o->trace_path[0] != '\0') {
		s->metrics.trace = mgen__fopen_private(o->trace_path, "a");
		if (s->metrics.trace == NULL)
			return mgen_err_set(err, MGEN_EIO,
					    "serve.trace: cannot "
					    "open '%s'",
					    o->trace_path);
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

/* Stops accepting, then waits (bounded) for the requests in flight. */
static void drain(struct MHD_Daemon *d, server *s)
{
	double until = mgen__now_ms() + DRAIN_MS;
	long long left;

	MHD_quiesce_daemon(d);
	do {
		pthread_mutex_lock(&s->metrics.mu);
		left = s->metrics.inflight;
		pthread_mutex_unlock(&s->metrics.mu);
		if (left > 0)
			mgen__sleep_ms(20);
	} while (left > 0 && mgen__now_ms() < until);
	MHD_stop_daemon(d);
}

/* Threads answering requests. An agent's answer blocks its thread for
 * the LM's time, so with an agent there is one per request allowed in
 * flight (at most 64), and the routes that need no LM stay answered
 * while slow answers run; without one, 2. */
static unsigned pool_size(const mgen_serve_options *o)
{
	if (o->agent == NULL || o->max_inflight < 2)
		return 2u;
	return o->max_inflight > 64 ? 64u : (unsigned)o->max_inflight;
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
	if (rc != 0)
		goto done;
	d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL,
	    handle, &s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, &s,
	    MHD_OPTION_THREAD_POOL_SIZE, pool_size(opts),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)opts->timeout_seconds,
	    MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)(opts->max_inflight * 4 + 16), MHD_OPTION_END);
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
	if (s.metrics.trace != NULL)
		fclose(s.metrics.trace);
	pthread_mutex_destroy(&s.metrics.mu);
	mgen__serve_health_destroy(&s.health);
	return rc;
}
