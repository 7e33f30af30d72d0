/*
 * pool.c - the worker threads of the POST routes (serve.h "Threads and
 * limits"): a FIFO of at most max_queue waiting jobs, max_inflight
 * workers, and per job a condition its connection's thread waits on
 * until the answer or the deadline. A job is shared by the waiting
 * thread and the pool (a reference each): whichever lets go last frees
 * it, so a 504 can be answered while the worker still runs; the
 * worker's answer is then dropped. Each job's spans (queue, route, the
 * agent's steps) are written by its worker when the answer is ready.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve/serve_internal.h"
#include "util/util.h"

#define MAX_WORKERS 1024
#define RETRY_MAX_S 60

serve_job *mgen__serve_job_new(int route, mgen_buf *body, const char *session,
			       double deadline_ms)
{
	serve_job *j = calloc(1, sizeof(*j));
	pthread_condattr_t ca;

	if (j == NULL)
		return NULL;
	if (pthread_condattr_init(&ca) != 0) {
		free(j);
		return NULL;
	}
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (pthread_cond_init(&j->cv, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		free(j);
		return NULL;
	}
	pthread_condattr_destroy(&ca);
	j->session = session ? mgen__strdup(session) : NULL;
	if (session != NULL && j->session == NULL) {
		pthread_cond_destroy(&j->cv);
		free(j);
		return NULL;
	}
	j->route = route;
	j->body = *body; /* taken over */
	mgen_buf_init(body, body->max);
	j->deadline_ms = deadline_ms;
	j->refs = 1;
	mgen_buf_init(&j->spans.buf, 0);
	return j;
}

static void job_free(serve_job *j)
{
	mgen_buf_release(&j->body);
	mgen_buf_release(&j->spans.buf);
	free(j->session);
	free(j->res.body);
	pthread_cond_destroy(&j->cv);
	free(j);
}

void mgen__serve_job_unref(serve_pool *p, serve_job *j)
{
	int last;

	pthread_mutex_lock(&p->mu);
	last = --j->refs == 0;
	pthread_mutex_unlock(&p->mu);
	if (last)
		job_free(j);
}

/* Seconds a refused client should wait: the queue's expected drain. */
static int retry_after(const serve_pool *p)
{
	double s = p->avg_ms * (p->queued + 1) / (p->nthreads * 1000.0);
	int r = (int)s + 1;

	return r < 1 ? 1 : r > RETRY_MAX_S ? RETRY_MAX_S : r;
}

int mgen__serve_pool_submit(serve_pool *p, serve_job *j, int *retry)
{
	pthread_mutex_lock(&p->mu);
	if (p->stopping ||
	    p->queued >= p->max_queue + (p->nthreads - p->running)) {
		*retry = retry_after(p);
		pthread_mutex_unlock(&p->mu);
		return -1;
	}
	j->state = JOB_QUEUED;
	j->queued_ms = mgen__now_ms();
	j->refs++;
	j->next = NULL;
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	p->queued++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

/* Takes `j` out of the queue (under the lock); 1 when it was there. */
static int unqueue(serve_pool *p, serve_job *j)
{
	serve_job **pp, *prev = NULL;

	for (pp = &p->head; *pp != NULL; prev = *pp, pp = &(*pp)->next) {
		if (*pp != j)
			continue;
		*pp = j->next;
		if (p->tail == j)
			p->tail = prev;
		p->queued--;
		j->refs--; /* the queue's */
		return 1;
	}
	return 0;
}

int mgen__serve_pool_wait(serve_pool *p, serve_job *j)
{
	struct timespec ts;
	int st;

	ts.tv_sec = (time_t)(j->deadline_ms / 1000.0);
	ts.tv_nsec =
	    (long)((j->deadline_ms - (double)ts.tv_sec * 1000.0) * 1e6);
	if (ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 0;
	pthread_mutex_lock(&p->mu);
	while ((j->state == JOB_QUEUED || j->state == JOB_RUNNING) &&
	       mgen__now_ms() < j->deadline_ms)
		pthread_cond_timedwait(&j->cv, &p->mu, &ts);
	if (j->state == JOB_QUEUED || j->state == JOB_RUNNING) {
		unqueue(p, j);
		j->state = JOB_DROPPED;
	}
	st = j->state;
	pthread_mutex_unlock(&p->mu);
	return st;
}

/* Answers one job: the route with the agent observing into its spans,
 * then the queue and route spans, written to the trace at once. */
static void run_job(serve_pool *p, serve_job *j, double started)
{
	serve_spans *s = &j->spans;
	double t1;
	char attrs[96];

	s->base = s->top = 3;
	s->parent = 3;
	mgen_agent_observe_thread(mgen__serve_agent_step, s);
	if (j->route == R_CHAT)
		mgen__serve_chat_completions(p->opts->agent,
					     mgen_buf_str(&j->body),
					     j->body.len, j->session, &j->res);
	else
		mgen__serve_invocations(p->opts, mgen_buf_str(&j->body),
					j->body.len, &j->res);
	mgen_agent_observe_thread(NULL, NULL);
	t1 = mgen__now_ms();
	mgen__serve_span(s, "queue", 2, 1, j->queued_ms, started - j->queued_ms,
			 1, "");
	snprintf(attrs, sizeof(attrs),
		 ",\"route\":\"%s\",\"http_status\":%d,\"lm_ms\":%.3f",
		 mgen__serve_route_name(j->route), j->res.status, s->lm_ms);
	mgen__serve_span(s, "route", 3, 1, started, t1 - started,
			 j->res.status < 500, attrs);
	if (!mgen_buf_error(&s->buf))
		mgen__serve_trace_write(p->trace, mgen_buf_str(&s->buf),
					s->buf.len);
}

/* Takes running job `j` off the active list (under the lock). */
static void unlink_active(serve_pool *p, serve_job *j)
{
	serve_job **pp;

	for (pp = &p->active; *pp != NULL; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	j->next = NULL;
}

static void *worker(void *arg)
{
	serve_pool *p = arg;
	serve_job *j;
	double started, ran;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->head == NULL && !p->stopping)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->head == NULL)
			break;
		j = p->head;
		p->head = j->next;
		if (p->head == NULL)
			p->tail = NULL;
		p->queued--;
		p->running++;
		j->state = JOB_RUNNING;
		j->next = p->active;
		p->active = j;
		pthread_mutex_unlock(&p->mu);
		started = mgen__now_ms();
		run_job(p, j, started);
		ran = mgen__now_ms() - started;
		pthread_mutex_lock(&p->mu);
		p->running--;
		unlink_active(p, j);
		p->avg_ms = p->avg_ms > 0 ? 0.9 * p->avg_ms + 0.1 * ran : ran;
		if (j->state == JOB_RUNNING)
			j->state = JOB_DONE; /* else dropped: nobody waits */
		pthread_cond_signal(&j->cv);
		if (--j->refs == 0) {
			pthread_mutex_unlock(&p->mu);
			job_free(j);
			pthread_mutex_lock(&p->mu);
		}
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int mgen__serve_pool_start(serve_pool *p, const mgen_serve_options *o,
			   serve_trace *trace, mgen_err *err)
{
	int n = o->max_inflight < 1		? 1
		: o->max_inflight > MAX_WORKERS ? MAX_WORKERS
						: o->max_inflight;

	memset(p, 0, sizeof(*p));
	p->opts = o;
	p->trace = trace;
	p->max_queue = o->max_queue > 0 ? o->max_queue : 0;
	if (pthread_mutex_init(&p->mu, NULL) != 0)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (pthread_cond_init(&p->work, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	p->threads = calloc((size_t)n, sizeof(*p->threads));
	if (p->threads == NULL) {
		pthread_cond_destroy(&p->work);
		pthread_mutex_destroy(&p->mu);
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	for (; p->nthreads < n; p->nthreads++)
		if (pthread_create(&p->threads[p->nthreads], NULL, worker, p) !=
		    0) {
			mgen__serve_pool_stop(p);
			return mgen_err_set(err, MGEN_EIO,
					    "serve: cannot start worker "
					    "thread %d of %d",
					    p->nthreads + 1, n);
		}
	return 0;
}

void mgen__serve_pool_cancel(serve_pool *p)
{
	serve_job *j;

	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	while ((j = p->head) != NULL) {
		p->head = j->next;
		p->queued--;
		j->state = JOB_CANCELLED;
		j->refs--; /* the queue's; its handler still holds one */
		pthread_cond_signal(&j->cv);
	}
	p->tail = NULL;
	for (j = p->active; j != NULL; j = j->next) {
		j->state = JOB_CANCELLED; /* its worker drops the answer */
		pthread_cond_signal(&j->cv);
	}
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
}

void mgen__serve_pool_stop(serve_pool *p)
{
	int i;

	if (p->threads == NULL)
		return;
	mgen__serve_pool_cancel(p);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	memset(p, 0, sizeof(*p));
}
