/*
 * agent_trace.c - the agent's steps for tracing (agent.h
 * mgen_agent_observe_thread): the observer and the question's step
 * counter live in thread-local storage, so that one agent shared by a
 * server's threads reports each request's steps to that request's
 * observer, and the agent's functions need no extra parameter. Costs
 * nothing but a branch without an observer.
 */
#include <string.h>

#include "agent/trace_internal.h"
#include "util/util.h"

typedef struct atrace {
	mgen_agent_step_fn fn;
	void *ud;
	int next_id; /* last id given in this question */
	int cur;     /* the step in progress: parent of new ones */
} atrace;

static _Thread_local atrace tl;

void mgen_agent_observe_thread(mgen_agent_step_fn fn, void *ud)
{
	memset(&tl, 0, sizeof(tl));
	tl.fn = fn;
	tl.ud = ud;
}

void mgen__atrace_begin(mgen__astep *s, const char *name)
{
	memset(s, 0, sizeof(*s));
	if (tl.fn == NULL)
		return;
	if (strcmp(name, "ask") == 0)
		tl.next_id = tl.cur = 0;
	s->name = name;
	s->id = ++tl.next_id;
	s->parent = tl.cur;
	s->start_ms = mgen__now_ms();
	tl.cur = s->id;
}

void mgen__atrace_end(mgen__astep *s, int rc, mgen_agent_step *attrs)
{
	mgen_agent_step st;

	if (tl.fn == NULL || s->name == NULL)
		return;
	if (attrs == NULL) {
		memset(&st, 0, sizeof(st));
		attrs = &st;
	}
	attrs->name = s->name;
	attrs->id = s->id;
	attrs->parent = s->parent;
	attrs->start_ms = s->start_ms;
	attrs->ms = mgen__now_ms() - s->start_ms;
	attrs->rc = rc;
	tl.cur = s->parent;
	tl.fn(tl.ud, attrs);
}

void mgen__atrace_ask_end(mgen__astep *s, int rc, const mgen_err *err,
			  const mgen_agent_answer *a)
{
	mgen_agent_step st;

	if (tl.fn == NULL)
		return;
	memset(&st, 0, sizeof(st));
	st.error = rc != 0 && err != NULL ? err->msg : NULL;
	st.session_id = a->session_id;
	st.prompt_tokens = a->prompt_tokens;
	st.completion_tokens = a->completion_tokens;
	st.lm_calls = a->lm_calls;
	mgen__atrace_end(s, rc, &st);
}

/* One LM call of a prediction as an "lm" step under the current one. */
static void on_call(void *ud, const mgen_predict_call *c)
{
	mgen_agent_step st;

	(void)ud;
	if (tl.fn == NULL)
		return;
	memset(&st, 0, sizeof(st));
	st.name = "lm";
	st.id = ++tl.next_id;
	st.parent = tl.cur;
	st.start_ms = c->start_ms;
	st.ms = c->ms;
	st.rc = c->rc;
	st.adapter = c->adapter == MGEN_ADAPTER_JSON ? "json" : "chat";
	st.prompt_tokens = c->response->prompt_tokens;
	st.completion_tokens = c->response->completion_tokens;
	st.attempts = c->response->attempts;
	st.http_status = c->response->http_status;
	st.cache_hit = c->response->cache_hit;
	tl.fn(tl.ud, &st);
}

void mgen__atrace_predict_options(mgen_predict_options *po)
{
	if (tl.fn != NULL)
		po->on_call = on_call;
}
