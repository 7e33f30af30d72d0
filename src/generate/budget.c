/*
 * budget.c - what the run's LM calls cost: one LM call within the budget
 * (budget_max_tokens / budget_max_cost, estimates reserved while a call
 * is in flight on another worker), with its trace and usage accounting
 * (mgen__ask, mgen__ask_rf); and --estimate's count of calls and tokens
 * per table, from the prompts rendered as the run would send them,
 * calling nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "generate/generate_internal.h"

double mgen__cost(const mgen_config *cfg, double prompt, double completion)
{
	return prompt / 1000.0 * cfg->price_prompt_per_1k +
	       completion / 1000.0 * cfg->price_completion_per_1k;
}

/* Approximate tokens of a prompt: 4 characters a token (OpenAI's rule of
 * thumb for English text). */
static long long prompt_tokens_estimate(const mgen_chat *chat)
{
	size_t i, chars = 0;

	for (i = 0; i < chat->n; i++)
		chars += strlen(chat->msgs[i].content);
	return (long long)(chars / 4 + 1);
}

/* Completion tokens expected for an answer about `ncols` columns. */
static long long completion_estimate(size_t ncols)
{
	return 60 + 45 * (long long)ncols;
}

/* 1 when the next call (estimated from its prompt) would take the run's
 * tokens or cost over the budget, counting what calls in flight on other
 * workers have reserved; sets run->budget_hit. Otherwise reserves the
 * estimate in *reserved (released by settle_budget after the call). */
typedef struct reservation {
	long long tokens;
	double cost;
} reservation;

static int over_budget(mgen__run *run, const mgen_chat *chat,
		       reservation *reserved)
{
	const mgen_config *cfg = run->cfg;
	long long p, c, tokens;
	double cost;
	int over = 0;

	reserved->tokens = 0;
	reserved->cost = 0;
	if (cfg->budget_max_tokens <= 0 && cfg->budget_max_cost <= 0)
		return 0;
	p = prompt_tokens_estimate(chat);
	c = completion_estimate((size_t)run->cfg->columns_per_call);
	pthread_mutex_lock(&run->lock);
	tokens = run->spent_tokens + run->reserved_tokens + p + c;
	cost = run->spent_cost + run->reserved_cost +
	       mgen__cost(cfg, (double)p, (double)c);
	if (cfg->budget_max_tokens > 0 && tokens > cfg->budget_max_tokens)
		over = 1;
	if (cfg->budget_max_cost > 0 && cost > cfg->budget_max_cost)
		over = 1;
	if (!over) {
		reserved->tokens = p + c;
		reserved->cost = mgen__cost(cfg, (double)p, (double)c);
		run->reserved_tokens += reserved->tokens;
		run->reserved_cost += reserved->cost;
	}
	run->budget_hit |= over;
	pthread_mutex_unlock(&run->lock);
	return over;
}

/* Books a finished call: drops its reservation, adds what it used. */
static void settle_budget(mgen__run *run, const reservation *reserved,
			  const mgen_lm_response *resp, int ok)
{
	const mgen_config *cfg = run->cfg;

	pthread_mutex_lock(&run->lock);
	run->reserved_tokens -= reserved->tokens;
	run->reserved_cost -= reserved->cost;
	if (ok) {
		run->spent_tokens +=
		    resp->prompt_tokens + resp->completion_tokens;
		run->spent_cost += mgen__cost(cfg, (double)resp->prompt_tokens,
					      (double)resp->completion_tokens);
	}
	pthread_mutex_unlock(&run->lock);
}

int mgen__ask(mgen__run *run, mgen_table *t, const char *fullname,
	      const char *kind, const char *path, int chunk, int attempt,
	      const mgen_chat *chat, const char *context_trace,
	      mgen_lm_response *resp, mgen_err *e)
{
	return mgen__ask_rf(run, t, fullname, kind, path, chunk, attempt, chat,
			    context_trace, NULL, resp, e);
}

int mgen__ask_rf(mgen__run *run, mgen_table *t, const char *fullname,
		 const char *kind, const char *path, int chunk, int attempt,
		 const mgen_chat *chat, const char *context_trace,
		 const char *response_format, mgen_lm_response *resp,
		 mgen_err *e)
{
	mgen__trace tr;
	reservation reserved;
	int rc;

	if (over_budget(run, chat, &reserved)) {
		mgen_err_set(e, MGEN_ELIMIT, "budget reached");
		return MGEN_ELIMIT;
	}
	rc = mgen_lm_chat(run->lm, chat->msgs, chat->n, response_format, resp,
			  e);
	settle_budget(run, &reserved, resp, rc == 0);
	if (rc != 0 || !resp->cache_hit)
		t->lm_calls++; /* answers from the cache cost no call */
	if (rc == 0) {
		t->prompt_tokens += resp->prompt_tokens;
		t->completion_tokens += resp->completion_tokens;
	}
	memset(&tr, 0, sizeof(tr));
	tr.table = fullname;
	tr.kind = kind;
	tr.path = path;
	tr.chunk = chunk;
	tr.attempt = attempt;
	tr.chat = chat;
	tr.context = context_trace;
	tr.resp = rc == 0 ? resp : NULL;
	tr.error = rc == 0 ? NULL : e->msg;
	(void)mgen__trace_write(run, &tr); /* logged there; not fatal */
	if (rc == MGEN_EAUTH) {
		pthread_mutex_lock(&run->lock);
		run->fatal = 1;
		mgen_err_set(&run->fatal_err, rc, "%s", e->msg);
		pthread_mutex_unlock(&run->lock);
	}
	return rc;
}

/* The prompt of one chunk as the run would send it: the comment
 * program's (ChatAdapter) when `optimized`, else the legacy template's.
 * Returns 0 with *tokens set, or the renderer's code. */
static int chunk_prompt_tokens(mgen__run *run, mgen_table *t,
			       const size_t *cols, size_t n, int optimized,
			       long long *tokens)
{
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;
	mgen_example *inputs = NULL;
	mgen_err e = MGEN_ERR_INIT;
	mgen_chat chat;
	size_t rows = run->popts.allow_data ? t->sample_row_count : 0;
	int rc;

	memset(&chat, 0, sizeof(chat));
	if (!optimized) {
		rc = mgen_prompt_render_comment(run->prompts, t, cols, n,
						&run->popts, &chat, &e);
		if (rc == 0)
			*tokens = prompt_tokens_estimate(&chat);
		mgen_chat_release(&chat);
		return rc;
	}
	rc = mgen_comment_inputs(t, cols, n, &run->popts, rows, &inputs, &e);
	if (rc == 0)
		rc = mgen_comment_program_render(run->program, inputs, 0, &m,
						 &e);
	if (rc == 0) {
		chat.msgs = m.msgs;
		chat.n = m.n;
		*tokens = prompt_tokens_estimate(&chat);
	}
	mgen_sig_messages_release(&m);
	mgen_example_free(inputs);
	return rc;
}

int mgen__estimate_table(mgen__run *run, mgen_table *t)
{
	size_t per = (size_t)run->cfg->columns_per_call, first, i, n;
	size_t *cols = calloc(per + 1, sizeof(*cols));
	long long calls = 0, prompt = 0, completion = 0, tokens = 0;
	int rc = 0;
	int optimized = run->program != NULL && mgen__use_optimized(run, t);

	if (cols == NULL)
		return MGEN_ENOMEM;
	for (first = 0; rc == 0 && first < t->column_count; first += per) {
		for (n = 0, i = first; i < t->column_count && i < first + per;
		     i++)
			cols[n++] = i;
		rc = chunk_prompt_tokens(run, t, cols, n, optimized, &tokens);
		if (rc == 0) {
			calls++;
			prompt += tokens;
			completion += completion_estimate(n);
		}
		rc = rc == MGEN_ENOMEM ? rc : 0;
	}
	if (t->column_count > per) { /* the merge call */
		calls++;
		prompt += 300;
		completion += 100;
	}
	free(cols);
	pthread_mutex_lock(&run->lock);
	run->est_calls += calls;
	run->est_prompt += prompt;
	run->est_completion += completion;
	pthread_mutex_unlock(&run->lock);
	return rc;
}
