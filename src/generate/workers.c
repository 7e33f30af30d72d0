/*
 * workers.c - the table scheduler: `concurrency` worker threads take the
 * next table from a shared counter, each with its own ODBC connection
 * (statement handles are never shared between threads), profile it and
 * ask for its comments. Profiling of one table overlaps the LM calls of
 * the others, and at most `concurrency` LM requests are in flight. The
 * first worker reuses the connection that listed the tables. The first
 * worker to reach a window of tables reads its columns (the others wait
 * for it); each finished table is checkpointed and, once the tables
 * before it are finished too, written to the run files (stream.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "generate/checkpoint.h"
#include "generate/generate_internal.h"
#include "warehouse/untrusted.h"
#include "util/util.h"

/* What the workers share. */
typedef struct pool {
	mgen__run *run;
	mgen_table_list *tables;
	mgen_profile_options po;
	size_t next; /* index of the next table to take */
	size_t done;
	int listing_taken;     /* one worker reuses the listing connection */
	unsigned long queries; /* statements run by worker connections */
	int rc;		       /* first run-stopping error */
} pool;

static void report(pool *p, mgen_progress_event ev, size_t done,
		   const mgen_table *t)
{
	const mgen_generate_options *o = p->run->opts;

	if (o->progress)
		o->progress(o->progress_userdata, ev, done, p->tables->n, t);
}

/* Profiles and comments one table on connection `wh`. */
static int one_table(pool *p, mgen_wh *wh, mgen_table *t)
{
	double t0 = mgen__now_ms();
	char reason[600];
	int rc = mgen__untrusted_names(t, reason, sizeof(reason));

	if (rc == 0 && !t->unreadable && mgen_wh_profile(wh, t, &p->po) != 0) {
		snprintf(reason, sizeof(reason), "profile failed: %s",
			 mgen_wh_errmsg(wh));
		rc = 1;
	}
	if (rc == -1 || mgen__untrusted_profile(t) != 0) {
		rc = MGEN_ENOMEM;
	} else if (rc == 1) {
		mgen__fail_unset(t, reason);
		mgen__log(p->run, MGEN_LOG_WARN, "%s.%s: %s",
			  t->schema ? t->schema : "", t->name, reason);
		rc = 0;
	} else {
		rc = mgen__comment_profiled(p->run, t, mgen_wh_dialect(wh));
	}
	if (rc == 0) /* e.g. a MySQL view: the rows say why */
		rc = mgen__mark_uncommentable(mgen_wh_dialect(wh), t);
	mgen_table_clear_sample(t); /* sample rows are not kept */
	t->elapsed_ms = mgen__now_ms() - t0;
	return rc;
}

/* Takes the next table index, or returns 0 when none is left or the run
 * must stop. Called with the run lock held. */
static int take(pool *p, size_t *i)
{
	const unsigned char *st = p->run->tstate;

	while (p->next < p->tables->n && (st[p->next] & MGEN__T_DONE))
		p->next++; /* restored from the checkpoint by --resume */
	if (p->rc || p->run->fatal || p->run->budget_hit ||
	    p->next >= p->tables->n)
		return 0;
	*i = p->next++;
	return 1;
}

/* Makes sure the window of table i has its columns: reads them when no
 * worker has, waits while another worker does. Called with the run lock
 * held (released while reading). Returns the window's state. */
static int window_ready(pool *p, mgen_wh *wh, size_t i)
{
	mgen__run *run = p->run;
	size_t w = i / MGEN__WINDOW;
	int rc;

	while (run->wstate[w] == MGEN__W_LOADING)
		pthread_cond_wait(&run->wcond, &run->lock);
	if (run->wstate[w] != MGEN__W_NONE)
		return run->wstate[w];
	run->wstate[w] = MGEN__W_LOADING;
	pthread_mutex_unlock(&run->lock);
	rc = mgen__load_window(run, wh, p->tables, w);
	pthread_mutex_lock(&run->lock);
	if (rc) {
		size_t end = (w + 1) * MGEN__WINDOW;
		run->werr[w] = mgen__strdup(mgen_wh_errmsg(wh));
		mgen__log(run, MGEN_LOG_WARN,
			  "cannot read the columns of "
			  "tables %zu-%zu: %s",
			  w * MGEN__WINDOW + 1,
			  end < p->tables->n ? end : p->tables->n,
			  mgen_wh_errmsg(wh));
	}
	run->wstate[w] = rc ? MGEN__W_FAILED : MGEN__W_LOADED;
	pthread_cond_broadcast(&run->wcond);
	return run->wstate[w];
}

/* 1 when every object of `t` has a status other than FAILED or FALLBACK:
 * the table is finished for good and goes into the checkpoint (a failed
 * table, or one the LM could not answer, is asked again by --resume). */
static int finished_ok(const mgen_table *t)
{
	size_t i;

	for (i = 0; i <= t->column_count; i++) {
		mgen_status s = i < t->column_count
				    ? t->columns[i].proposal.status
				    : t->proposal.status;
		if (s == MGEN_STATUS_NONE || s == MGEN_STATUS_FAILED ||
		    s == MGEN_STATUS_FALLBACK)
			return 0;
	}
	return 1;
}

/* After a table: checkpoint it (`line`, NULL when it is not finished for
 * good; *sync says whether the caller must fsync), or mark what a budget
 * stop left open; then write what is ready. Called with the run lock held. */
static int settle(pool *p, size_t i, int rc, const char *line, int *sync)
{
	mgen__run *run = p->run;
	mgen_table *t = &p->tables->items[i];
	mgen_err e = MGEN_ERR_INIT;

	*sync = 0;
	if (rc == MGEN_ELIMIT) {
		mgen__fail_unset(t,
				 "not finished: the budget was reached (finish "
				 "it with --resume and a larger budget)");
		rc = 0;
	} else if (rc == 0 && line) {
		*sync = mgen__checkpoint_write(run->checkpoint, line) == 0;
		if (!*sync)
			mgen__log(run, MGEN_LOG_WARN,
				  "cannot write the checkpoint: --resume will "
				  "redo %s",
				  t->name);
	}
	if (rc)
		return rc;
	run->tstate[i] |= MGEN__T_SETTLED;
	report(p, MGEN_PROGRESS_TABLE_DONE, p->done + 1, t);
	rc = mgen__write_ready(run, p->tables, &e);
	if (rc && !run->fatal) { /* the run files cannot be written */
		run->fatal = 1;
		run->fatal_err = e;
	}
	return rc;
}

static void *worker(void *arg)
{
	pool *p = arg;
	mgen__run *run = p->run;
	mgen_wh *wh = NULL;
	mgen_err e = MGEN_ERR_INIT;
	size_t i;
	char *line;
	int rc = 0, own = 1, sync;

	pthread_mutex_lock(&run->lock);
	if (!p->listing_taken) { /* saves a connection (and its caches) */
		p->listing_taken = 1;
		wh = run->wh;
		own = 0;
	}
	pthread_mutex_unlock(&run->lock);
	if (own)
		rc = mgen_wh_connect(run->cfg->connection,
				     mgen_wh_dialect(run->wh), &wh, &e);
	pthread_mutex_lock(&run->lock);
	if (rc && !p->rc) {
		p->rc = rc;
		mgen_err_set(&run->fatal_err, rc, "%s", e.msg);
	}
	while (rc == 0 && take(p, &i)) {
		mgen_table *t = &p->tables->items[i];
		int ws = window_ready(p, wh, i);
		report(p, MGEN_PROGRESS_TABLE_START, p->done, t);
		pthread_mutex_unlock(&run->lock);
		if (ws == MGEN__W_LOADED) {
			rc = one_table(p, wh, t);
		} else {
			char reason[600];
			snprintf(reason, sizeof(reason),
				 "cannot read its columns: %s",
				 run->werr[i / MGEN__WINDOW]
				     ? run->werr[i / MGEN__WINDOW]
				     : "out of memory");
			mgen__fail_unset(t, reason);
		}
		line = rc == 0 && !run->estimate && run->checkpoint &&
			       finished_ok(t)
			   ? mgen__checkpoint_line(t)
			   : NULL;
		pthread_mutex_lock(&run->lock);
		rc = settle(p, i, rc, line, &sync);
		p->done++;
		if (rc && !p->rc)
			p->rc = rc;
		free(line);
		if (sync) { /* durable before this worker takes another */
			pthread_mutex_unlock(&run->lock);
			if (fsync(fileno(run->checkpoint)) != 0)
				mgen__log(run, MGEN_LOG_WARN,
					  "cannot sync the checkpoint");
			pthread_mutex_lock(&run->lock);
		}
	}
	if (own) {
		p->queries += wh ? mgen_wh_query_count(wh) : 0;
		pthread_mutex_unlock(&run->lock);
		mgen_wh_close(wh);
	} else {
		pthread_mutex_unlock(&run->lock);
	}
	return NULL;
}

int mgen__run_tables(mgen__run *run, mgen_table_list *tables,
		     unsigned long *queries, mgen_err *err)
{
	const mgen_config *cfg = run->cfg;
	size_t nworkers = (size_t)(cfg->concurrency > 0 ? cfg->concurrency : 1);
	pthread_t *tids;
	pool p;
	size_t k, started = 0;

	memset(&p, 0, sizeof(p));
	p.run = run;
	p.tables = tables;
	for (k = 0; k < tables->n; k++)
		p.done += run->tstate[k] & MGEN__T_DONE; /* --resume */
	p.po = mgen_profile_options_from_config(cfg);
	if (nworkers > tables->n)
		nworkers = tables->n ? tables->n : 1;
	tids = calloc(nworkers, sizeof(*tids));
	if (tids == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	for (k = 0; k < nworkers; k++) {
		if (pthread_create(&tids[k], NULL, worker, &p) != 0)
			break;
		started++;
	}
	for (k = 0; k < started; k++)
		pthread_join(tids[k], NULL);
	free(tids);
	*queries += p.queries;
	if (started == 0)
		return mgen_err_set(err, MGEN_ENOMEM, "cannot start workers");
	if (p.rc && run->fatal_err.code)
		mgen_err_set(err, p.rc, "%s", run->fatal_err.msg);
	return p.rc;
}
