/*
 * trace.c - the JSONL trace of `metagen serve` (include/metagen/serve.h):
 * the file (bounded by rotation to <path>.1; a failed write reported
 * once, never failing the request), span lines, and the agent observer
 * turning each step of a question (agent.h) into a span. A span line
 * holds ids, counts, times and fixed words: the request id and session
 * ids are from fixed alphabets, everything else is a number or a word
 * of this file, so nothing needs escaping and no text of a request or an
 * answer can reach the file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve/serve_internal.h"
#include "util/secret.h"
#include "util/util.h"

#define TRACE_MAX_DEFAULT (64LL * 1024 * 1024)
#define SPANS_MAX (256 * 1024) /* bytes of spans kept per request */

static void tlog(mgen_log_fn log, void *ud, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void tlog(mgen_log_fn log, void *ud, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log(ud, MGEN_LOG_WARN, msg);
}

int mgen__serve_trace_open(serve_trace *t, const mgen_serve_options *o,
			   mgen_err *err)
{
	memset(t, 0, sizeof(*t));
	if (pthread_mutex_init(&t->mu, NULL) != 0)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	t->path = o->trace_path;
	t->max =
	    o->trace_max_bytes > 0 ? o->trace_max_bytes : TRACE_MAX_DEFAULT;
	t->log = o->log;
	t->log_ud = o->log_userdata;
	t->f = mgen__fopen_private(t->path, "a");
	if (t->f == NULL) {
		pthread_mutex_destroy(&t->mu);
		memset(t, 0, sizeof(*t));
		return mgen_err_set(err, MGEN_EIO,
				    "serve.trace: cannot open '%s'",
				    o->trace_path);
	}
	fseek(t->f, 0, SEEK_END);
	t->size = ftell(t->f) > 0 ? ftell(t->f) : 0;
	return 0;
}

void mgen__serve_trace_close(serve_trace *t)
{
	if (t == NULL || t->f == NULL)
		return;
	fclose(t->f);
	pthread_mutex_destroy(&t->mu);
	memset(t, 0, sizeof(*t));
}

/* <path> becomes <path>.1 (replacing it) and a new <path> is opened. */
static void rotate(serve_trace *t)
{
	mgen_buf old = MGEN_BUF_INIT;
	FILE *f;

	mgen_buf_printf(&old, "%s.1", t->path);
	if (mgen_buf_error(&old) || rename(t->path, mgen_buf_str(&old)) != 0 ||
	    (f = mgen__fopen_private(t->path, "a")) == NULL) {
		mgen_buf_release(&old);
		return; /* keep appending; the write reports a failure */
	}
	fclose(t->f);
	t->f = f;
	t->size = 0;
	mgen_buf_release(&old);
}

void mgen__serve_trace_write(serve_trace *t, const char *text, size_t len)
{
	int ok;

	if (t == NULL || t->f == NULL || len == 0)
		return;
	pthread_mutex_lock(&t->mu);
	if (t->size > 0 && t->size + (long long)len > t->max)
		rotate(t);
	errno = 0;
	ok = fwrite(text, 1, len, t->f) == len && fflush(t->f) == 0;
	if (ok) {
		t->size += (long long)len;
		t->failing = 0;
	} else {
		clearerr(t->f);
		if (!t->failing)
			tlog(t->log, t->log_ud,
			     "serve.trace: cannot write '%s': %s; requests "
			     "go on untraced until a write succeeds",
			     t->path, errno ? strerror(errno) : "short write");
		t->failing = 1;
	}
	pthread_mutex_unlock(&t->mu);
}

double mgen__serve_real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void mgen__serve_span(serve_spans *s, const char *name, int id, int parent,
		      double start_ms, double ms, int ok, const char *attrs)
{
	double real = s->t0_real_ms + (start_ms - s->t0_ms);
	time_t sec = (time_t)(real / 1000.0);
	struct tm tm;
	char when[32], par[16];

	if (id > s->top)
		s->top = id;
	if (s->buf.len >= SPANS_MAX)
		return;
	gmtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	if (parent > 0)
		snprintf(par, sizeof(par), "%d", parent);
	else
		snprintf(par, sizeof(par), "null");
	mgen_buf_printf(&s->buf,
			"{\"time\":\"%s.%03dZ\",\"request_id\":\"%s\","
			"\"span_id\":%d,\"parent_id\":%s,\"name\":\"%s\","
			"\"offset_ms\":%.3f,\"ms\":%.3f,\"status\":\"%s\"%s}\n",
			when, (int)((long long)real % 1000), s->request_id, id,
			par, name, start_ms - s->t0_ms, ms, ok ? "ok" : "error",
			attrs);
}

/* The attributes of an agent step (fixed-alphabet JSON). */
static void step_attrs(const mgen_agent_step *st, mgen_buf *a)
{
	size_t i;

	if (st->rc != 0)
		mgen_buf_printf(a, ",\"error\":\"%s\"", mgen_strerror(st->rc));
	if (st->skipped)
		mgen_buf_puts(a, ",\"skipped\":true");
	if (st->session_id != NULL && mgen_memory_session_valid(st->session_id))
		mgen_buf_printf(a, ",\"session_id\":\"%s\"", st->session_id);
	if (strcmp(st->name, "lm") == 0)
		mgen_buf_printf(a,
				",\"adapter\":\"%s\",\"attempts\":%d,"
				"\"http_status\":%d,\"cache_hit\":%s",
				st->adapter ? st->adapter : "chat",
				st->attempts, st->http_status,
				st->cache_hit ? "true" : "false");
	if (strcmp(st->name, "lm") == 0 || strcmp(st->name, "ask") == 0)
		mgen_buf_printf(a,
				",\"prompt_tokens\":%ld,"
				"\"completion_tokens\":%ld",
				st->prompt_tokens, st->completion_tokens);
	if (strcmp(st->name, "ask") == 0)
		mgen_buf_printf(a, ",\"lm_calls\":%d", st->lm_calls);
	if (strncmp(st->name, "memory.", 7) == 0)
		mgen_buf_printf(a, ",\"messages\":%zu", st->count);
	if (st->chunk_ids != NULL) {
		mgen_buf_puts(a, ",\"chunk_ids\":[");
		for (i = 0; i < st->count; i++)
			mgen_buf_printf(a, "%s%lld", i ? "," : "",
					st->chunk_ids[i]);
		mgen_buf_puts(a, "]");
	}
}

/* Logs why a question failed: the request id and the message, the
 * token scrubbed (endpoints are already shown masked by the LM). */
static void log_failure(const serve_spans *s, const mgen_agent_step *st)
{
	mgen__secrets sec = MGEN__SECRETS_INIT;
	char msg[512];

	if (s->log == NULL || st->rc == MGEN_EINVAL)
		return; /* a refused question is the client's 400 */
	snprintf(msg, sizeof(msg), "%s", st->error ? st->error : "");
	if (s->token != NULL && mgen__secrets_add(&sec, s->token) == 0)
		mgen__secrets_scrub(&sec, msg, sizeof(msg));
	mgen__secrets_release(&sec);
	tlog(s->log, s->log_ud, "serve: request %s: the agent failed (%s): %s",
	     s->request_id, mgen_strerror(st->rc), msg);
}

void mgen__serve_agent_step(void *ud, const mgen_agent_step *st)
{
	serve_spans *s = ud;
	mgen_buf a = MGEN_BUF_INIT;
	int id = s->base + st->id;

	step_attrs(st, &a);
	mgen__serve_span(s, st->name, id,
			 st->parent > 0 ? s->base + st->parent : s->parent,
			 st->start_ms, st->ms, st->rc == 0,
			 mgen_buf_error(&a) ? "" : mgen_buf_str(&a));
	mgen_buf_release(&a);
	if (strcmp(st->name, "lm") == 0)
		s->lm_ms += st->ms;
	if (st->parent == 0) { /* the question is over: the next one's ids */
		if (st->rc != 0)
			log_failure(s, st);
		s->base = s->top;
	}
}
