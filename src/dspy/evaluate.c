/*
 * evaluate.c - DSPy's Evaluate (dspy/evaluate/evaluate.py; optimize.h
 * mgen_evaluate): predict every devset example in a pool of pthreads
 * sharing one thread-safe mgen_lm, score each with the metric, failures
 * score 0, aggregate with mgen_metric_evaluate_score.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/metric.h"
#include "metagen/optimize.h"

typedef struct eval_job {
	mgen_lm *lm;
	const mgen_signature *sig;
	const mgen_example *const *demos;
	size_t ndemos;
	const mgen_example *const *devset;
	size_t n;
	mgen_metric_fn metric;
	void *ud;
	const mgen_predict_options *popts;
	mgen_evaluate_result *out;
	pthread_mutex_t mu;
	size_t next; /* next example to take */
	int oom;     /* an MGEN_ENOMEM happened */
} eval_job;

/* Scores example i; records its cost and failure under the lock. */
static void eval_one(eval_job *j, size_t i)
{
	mgen_example *pred = NULL;
	mgen_predict_info info;
	mgen_err err = MGEN_ERR_INIT;
	double score = 0;
	int rc;

	rc = mgen_predict(j->lm, j->sig, j->demos, j->ndemos, j->devset[i],
			  j->popts, &pred, &info, &err);
	if (rc == 0)
		score = j->metric(j->ud, j->devset[i], pred, 0);
	mgen_example_free(pred);
	pthread_mutex_lock(&j->mu);
	j->out->scores[i] = score;
	j->out->lm_calls += info.lm_calls;
	j->out->prompt_tokens += info.prompt_tokens;
	j->out->completion_tokens += info.completion_tokens;
	if (rc != 0) {
		j->out->failures++;
		if (rc == MGEN_ENOMEM)
			j->oom = 1;
		if (j->out->first_error[0] == '\0')
			snprintf(j->out->first_error,
				 sizeof(j->out->first_error), "example %zu: %s",
				 i, err.msg);
	}
	pthread_mutex_unlock(&j->mu);
}

static void *eval_worker(void *arg)
{
	eval_job *j = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&j->mu);
		i = j->next++;
		pthread_mutex_unlock(&j->mu);
		if (i >= j->n)
			break;
		eval_one(j, i);
	}
	return NULL;
}

/* Runs the pool; threads that cannot start leave the work to others. */
static void run_pool(eval_job *j, int threads)
{
	pthread_t *tids = calloc((size_t)threads, sizeof(*tids));
	int started = 0, t;

	if ((size_t)threads > j->n)
		threads = (int)j->n;
	for (t = 0; tids && t < threads; t++) {
		if (pthread_create(&tids[t], NULL, eval_worker, j) != 0)
			break;
		started++;
	}
	eval_worker(j); /* the caller helps (and finishes alone if need be) */
	for (t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	free(tids);
}

int mgen_evaluate(mgen_lm *lm, const mgen_signature *sig,
		  const mgen_example *const *demos, size_t ndemos,
		  const mgen_example *const *devset, size_t n,
		  mgen_metric_fn metric, void *ud,
		  const mgen_evaluate_options *opts, mgen_evaluate_result *out,
		  mgen_err *err)
{
	mgen_evaluate_options def = MGEN_EVALUATE_OPTIONS_INIT;
	eval_job j;
	int threads;

	memset(out, 0, sizeof(*out));
	if (opts == NULL)
		opts = &def;
	if (metric == NULL || opts->version != MGEN_EVALUATE_OPTIONS_VERSION)
		return mgen_err_set(err, MGEN_EINVAL,
				    "evaluate: no metric or bad options "
				    "version");
	out->n = n;
	if (n == 0)
		return 0;
	out->scores = calloc(n, sizeof(*out->scores));
	if (out->scores == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "evaluate: oom");
	memset(&j, 0, sizeof(j));
	j.lm = lm;
	j.sig = sig;
	j.demos = demos;
	j.ndemos = ndemos;
	j.devset = devset;
	j.n = n;
	j.metric = metric;
	j.ud = ud;
	j.popts = &opts->predict;
	j.out = out;
	pthread_mutex_init(&j.mu, NULL);
	threads = opts->threads > 0 ? opts->threads : 8;
	/* the calling thread is one of the workers */
	run_pool(&j, threads - 1);
	pthread_mutex_destroy(&j.mu);
	out->score = mgen_metric_evaluate_score(out->scores, n);
	if (j.oom)
		return mgen_err_set(err, MGEN_ENOMEM, "evaluate: oom");
	return 0;
}

void mgen_evaluate_result_release(mgen_evaluate_result *r)
{
	if (r == NULL)
		return;
	free(r->scores);
	memset(r, 0, sizeof(*r));
}
