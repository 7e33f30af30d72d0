/*
 * route.c - the optimized path of a run (DESIGN.md "route: optimized or
 * legacy"): which tables take it (path, prompts.optimized,
 * rollout.optimized), loading the comment program once per run, and one
 * attempt at a chunk through the DSPy adapters (ChatAdapter, then once
 * the JSONAdapter when the answer does not parse), and the merge call of
 * a wide table through the program's merge predictor the same way.
 */
#include <stdlib.h>
#include <string.h>

#include "generate/generate_internal.h"
#include "util/util.h"

int mgen__use_optimized(const mgen__run *run, const mgen_table *t)
{
	const mgen_config *cfg = run->cfg;
	size_t i;

	if (run->route == MGEN__ROUTE_LEGACY)
		return 0;
	if (run->route == MGEN__ROUTE_OPTIMIZED)
		return 1;
	if (cfg->prompts_optimized == NULL || !cfg->prompts_optimized[0])
		return 0;
	for (i = 0; i < cfg->rollout_optimized.n; i++)
		if (mgen__scope_match(cfg->rollout_optimized.items[i],
				      t->catalog, t->schema, t->name))
			return 1;
	return 0;
}

int mgen__load_program(mgen__run *run, mgen_err *err)
{
	const mgen_config *cfg = run->cfg;
	const char *file = cfg->prompts_optimized;
	mgen_err e = MGEN_ERR_INIT;
	int rc;

	run->route = MGEN__ROUTE_AUTO;
	if (cfg->path && strcmp(cfg->path, "optimized") == 0)
		run->route = MGEN__ROUTE_OPTIMIZED;
	else if (cfg->path && strcmp(cfg->path, "legacy") == 0)
		run->route = MGEN__ROUTE_LEGACY;
	run->program_error[0] = '\0';
	if (run->lm == NULL || run->route == MGEN__ROUTE_LEGACY)
		return 0;
	if (file && file[0])
		rc = mgen_comment_program_load(file, &run->program, &e);
	else if (run->route == MGEN__ROUTE_OPTIMIZED)
		rc = mgen_comment_program_new(&run->program, &e);
	else
		return 0;
	if (rc == MGEN_ENOMEM)
		return mgen_err_set(err, rc, "out of memory");
	if (rc == 0)
		return 0;
	/* a program the run was told to use is a configuration error */
	if (run->route == MGEN__ROUTE_OPTIMIZED || cfg->rollout_optimized.n)
		return mgen_err_set(err, MGEN_EINVAL,
				    "the program for the optimized path "
				    "(%s) did not load: %s",
				    run->route == MGEN__ROUTE_OPTIMIZED
					? "--path optimized"
					: "rollout.optimized",
				    e.msg);
	snprintf(run->program_error, sizeof(run->program_error),
		 "program did not load: %s", e.msg);
	mgen__log(run, MGEN_LOG_WARN, "%s; the legacy path is used",
		  run->program_error);
	return 0;
}

/* What one optimized-path call asks: the comment predictor for a chunk
 * or the merge predictor for a wide table's chunk descriptions. */
typedef struct opt_ask {
	int merge;		   /* 0: comment, 1: merge */
	int chunk;		   /* the chunk number (0 for the merge) */
	int attempt;		   /* the attempt (traced) */
	const char *context_trace; /* JSON of the context, or NULL */
	char *why;		   /* the problem, when nothing came back */
	size_t whysz;
	int stop;     /* set: the LM could not answer (no next adapter) */
	int lm_error; /* set: that was an LM error, not a budget stop */
} opt_ask;

/* One call rendered with the ChatAdapter (json 0) or the JSONAdapter;
 * *out gets the parsed `comments` JSON (or the merged `table` text), or
 * stays NULL with the problem in q->why. */
static int opt_call(mgen__run *run, mgen_table *t, const char *fullname,
		    const mgen_example *inputs, int json, opt_ask *q,
		    char **out)
{
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;
	mgen_chat chat;
	mgen_lm_response resp;
	mgen_err e = MGEN_ERR_INIT;
	char *rf = NULL;
	int rc;

	memset(&chat, 0, sizeof(chat));
	memset(&resp, 0, sizeof(resp));
	/* the request optimize and evaluate send for the same inputs */
	rc = q->merge ? mgen_comment_program_merge_request(run->program, inputs,
							   json, &m, &rf, &e)
		      : mgen_comment_program_request(run->program, inputs, json,
						     &m, &rf, &e);
	if (rc != 0) {
		snprintf(q->why, q->whysz, "%s", e.msg);
		q->stop = 1;
		return rc == MGEN_ENOMEM ? rc : 0;
	}
	chat.msgs = m.msgs;
	chat.n = m.n;
	rc = mgen__ask_rf(run, t, fullname, q->merge ? "merge" : "comment",
			  "optimized", q->chunk, q->attempt, &chat,
			  q->context_trace, rf, &resp, &e);
	if (rc != 0) {
		snprintf(q->why, q->whysz, "%s", e.msg);
		q->stop = 1;
		if (rc != MGEN_ELIMIT)
			q->lm_error = 1;
		rc =
		    (rc == MGEN_EAUTH || rc == MGEN_ENOMEM || rc == MGEN_ELIMIT)
			? rc
			: 0;
		goto done;
	}
	rc = q->merge ? mgen_comment_program_merge_parse(
			    run->program, resp.content, json, out, &e)
		      : mgen_comment_program_parse(run->program, resp.content,
						   json, out, &e);
	if (rc == MGEN_EPARSE) {
		snprintf(q->why, q->whysz, "answer did not parse: %s", e.msg);
		/* not for the re-ask, nor for a re-run */
		mgen_lm_cache_drop(run->lm, chat.msgs, chat.n, rf, NULL);
		rc = 0;
	}
done:
	mgen_lm_response_release(&resp);
	mgen_sig_messages_release(&m);
	free(rf);
	return rc;
}

/* The ChatAdapter call, then once the JSONAdapter call when the answer
 * did not parse (DSPy's ChatAdapter fallback). */
static int opt_calls(mgen__run *run, mgen_table *t, const char *fullname,
		     const mgen_example *inputs, opt_ask *q, char **out)
{
	int rc = opt_call(run, t, fullname, inputs, 0, q, out);

	if (rc == 0 && *out == NULL && !q->stop)
		rc = opt_call(run, t, fullname, inputs, 1, q, out);
	return rc;
}

int mgen__opt_merge(mgen__run *run, mgen_table *t, const char *fullname,
		    char *const *parts, size_t nparts, char **out, char *why,
		    size_t whysz)
{
	mgen_example *inputs = NULL;
	mgen_err e = MGEN_ERR_INIT;
	opt_ask q = {1, 0, 1, NULL, why, whysz, 0, 0};
	int rc;

	*out = NULL;
	rc = mgen_merge_inputs(fullname, (const char *const *)parts, nparts,
			       run->popts.abbreviations, &inputs, &e);
	if (rc == 0)
		rc = opt_calls(run, t, fullname, inputs, &q, out);
	mgen_example_free(inputs);
	return rc;
}

int mgen__opt_attempt(mgen__run *run, mgen_table *t, const char *fullname,
		      mgen__chunk *cs, int chunk, int attempt, int *stop)
{
	mgen_example *inputs = NULL;
	mgen_answer a;
	mgen_err e = MGEN_ERR_INIT;
	char *comments = NULL;
	size_t rows = run->popts.allow_data ? t->sample_row_count : 0;
	opt_ask q = {0, 0, 0, NULL, NULL, 0, 0, 0};
	int rc;

	memset(&a, 0, sizeof(a));
	rc = mgen_comment_inputs(t, cs->pending, cs->npending, cs->popts, rows,
				 &inputs, &e);
	if (rc != 0)
		return rc;
	q.chunk = chunk;
	q.attempt = attempt;
	q.context_trace = cs->context_trace;
	q.why = cs->reason;
	q.whysz = sizeof(cs->reason);
	rc = opt_calls(run, t, fullname, inputs, &q, &comments);
	*stop |= q.stop;
	cs->lm_error |= q.lm_error;
	mgen_example_free(inputs);
	if (rc != 0 || comments == NULL)
		goto done;
	rc = mgen_answer_parse_capped(
	    comments, 0, mgen_answer_entry_cap(cs->npending), &a, &e);
	if (rc == 0)
		rc = mgen__take_answer(run, t, cs, &a, fullname);
	else if (rc != MGEN_ENOMEM) {
		snprintf(cs->reason, sizeof(cs->reason),
			 "answer did not parse: %s", e.msg);
		rc = 0;
	}
done:
	mgen_answer_release(&a);
	free(comments);
	return rc;
}
