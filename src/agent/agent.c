/*
 * agent.c - the ask agent (include/metagen/agent.h): history from
 * memory, the rewrite and respond predictors through mgen_predict,
 * BM25 retrieval under a word budget, citations read back from the
 * answer, both messages stored with their metadata.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_internal.h"
#include "agent/trace_internal.h"
#include "metagen/optimize.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/text.h"
#include "util/util.h"

#define MAX_TOP_K 128

struct mgen_agent {
	mgen_agent_options o;
	mgen__agent_predictor rewrite, respond;
	pthread_mutex_t rag_lock; /* a rag handle is one thread's at a time */
};

/* What one question gathers on its way. */
typedef struct turn {
	char *history; /* JSON array text */
	size_t nhist;
	char *query;
	mgen_rag_hit *hits; /* the chunks kept, in context order */
	size_t nhits;
	char *context; /* the numbered passages */
	mgen_agent_answer *out;
} turn;

static int check_options(const mgen_agent_options *o, mgen_err *err)
{
	if (o == NULL || o->version != MGEN_AGENT_OPTIONS_VERSION)
		return mgen_err_set(err, MGEN_EINVAL,
				    "agent: options version "
				    "%d, expected %d",
				    o ? o->version : 0,
				    MGEN_AGENT_OPTIONS_VERSION);
	if (o->lm == NULL || o->memory == NULL)
		return mgen_err_set(err, MGEN_EINVAL, "agent: %s is required",
				    o->lm == NULL ? "an LM" : "a memory store");
	if (o->top_k < 1 || o->top_k > MAX_TOP_K)
		return mgen_err_set(err, MGEN_EINVAL,
				    "rag.top_k: %d is not in "
				    "1..%d",
				    o->top_k, MAX_TOP_K);
	if (o->max_context_tokens < 1)
		return mgen_err_set(err, MGEN_EINVAL,
				    "rag.max_context_tokens: "
				    "%d is not positive",
				    o->max_context_tokens);
	if (o->history_messages < 0 || o->history_messages > 1000)
		return mgen_err_set(err, MGEN_EINVAL,
				    "memory.history_messages: "
				    "%d is not in 0..1000",
				    o->history_messages);
	return 0;
}

static int load_program(mgen_agent *a, const char *path, mgen_err *err)
{
	return mgen__agent_program_load(path, &a->rewrite, &a->respond, err);
}

int mgen_agent_new(const mgen_agent_options *o, mgen_agent **out, mgen_err *err)
{
	mgen_agent *a;
	int rc = check_options(o, err);

	*out = NULL;
	if (rc != 0)
		return rc;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (pthread_mutex_init(&a->rag_lock, NULL) != 0) {
		free(a);
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	a->o = *o;
	a->o.program_path = NULL; /* borrowed only for the load */
	rc = load_program(a, o->program_path, err);
	if (rc != 0) {
		mgen_agent_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

void mgen_agent_free(mgen_agent *a)
{
	if (a == NULL)
		return;
	mgen__agent_predictor_release(&a->rewrite);
	mgen__agent_predictor_release(&a->respond);
	pthread_mutex_destroy(&a->rag_lock);
	free(a);
}

void mgen_agent_answer_release(mgen_agent_answer *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nsources; i++) {
		free(r->sources[i].source);
		free(r->sources[i].title);
	}
	free(r->sources);
	free(r->session_id);
	free(r->answer);
	free(r->search_query);
	memset(r, 0, sizeof(*r));
}

static int check_question(const char *q, mgen_err *err)
{
	size_t len = q ? strlen(q) : 0;

	if (len == 0)
		return mgen_err_set(err, MGEN_EINVAL, "question: empty");
	if (len > MGEN_AGENT_QUESTION_MAX)
		return mgen_err_set(err, MGEN_EINVAL,
				    "question: %zu bytes, at "
				    "most %d",
				    len, MGEN_AGENT_QUESTION_MAX);
	if (mgen__utf8_invalid(q, len) != 0)
		return mgen_err_set(err, MGEN_EINVAL,
				    "question: not valid "
				    "UTF-8");
	return 0;
}

/* The session id: the caller's (checked) or a new random one. */
static int session_of(const char *given, char **out, mgen_err *err)
{
	char id[24];

	if (given != NULL) {
		if (!mgen_memory_session_valid(given))
			return mgen_err_set(err, MGEN_EINVAL,
					    "session_id: "
					    "expected 1-%d characters of "
					    "A-Z a-z 0-9 . _ : -",
					    MGEN_MEMORY_SESSION_MAX);
		*out = mgen__strdup(given);
	} else {
		snprintf(id, sizeof(id), "s-%016" PRIx64, mgen__random_seed());
		*out = mgen__strdup(id);
	}
	return *out ? 0 : mgen_err_set(err, MGEN_ENOMEM, "out of memory");
}

/* The session's last messages as [{"role", "content"}] JSON text. */
static int read_history(mgen_agent *a, const char *sid, turn *t, mgen_err *err)
{
	mgen_memory_msg *m = NULL;
	size_t i, n = 0;
	cJSON *arr;
	int rc = 0, jerr = 0;

	if (a->o.history_messages > 0)
		rc = mgen_memory_history(a->o.memory, sid,
					 (size_t)a->o.history_messages, &m, &n,
					 err);
	if (rc != 0)
		return rc;
	arr = cJSON_CreateArray();
	jerr = arr ? 0 : MGEN_ENOMEM;
	for (i = 0; i < n && !jerr; i++) {
		cJSON *o = mgen__json_add_object(&jerr, arr, NULL);

		mgen__json_add(&jerr, o, "role", cJSON_CreateString(m[i].role));
		mgen__json_add(&jerr, o, "content",
			       cJSON_CreateString(m[i].content));
	}
	t->history = jerr ? NULL : mgen__json_print(arr);
	t->nhist = n;
	cJSON_Delete(arr);
	mgen_memory_msgs_free(m, n);
	return t->history ? 0 : mgen_err_set(err, MGEN_ENOMEM, "out of memory");
}

/* One prediction; `field` of the outputs into *value. */
static int predict(mgen_agent *a, const mgen__agent_predictor *p,
		   const mgen_example *in, const char *field, char **value,
		   mgen_agent_answer *out, mgen_err *err)
{
	mgen_example *res = NULL;
	mgen_predict_info info;
	mgen_predict_options po = MGEN_PREDICT_OPTIONS_INIT;
	const char *v;
	int rc;

	memset(&info, 0, sizeof(info));
	mgen__atrace_predict_options(&po);
	rc =
	    mgen_predict(a->o.lm, p->sig, (const mgen_example *const *)p->demos,
			 p->ndemos, in, &po, &res, &info, err);
	out->lm_calls += info.lm_calls;
	out->prompt_tokens += info.prompt_tokens;
	out->completion_tokens += info.completion_tokens;
	if (rc != 0)
		return rc;
	v = mgen_example_get_str(res, field);
	*value = mgen__strdup(v ? v : "");
	mgen_example_free(res);
	return *value ? 0 : mgen_err_set(err, MGEN_ENOMEM, "out of memory");
}

/* An example holding the given string and JSON fields (NULL = left out). */
static int inputs(mgen_example **ex, const char *question, const char *history,
		  const char *context, mgen_err *err)
{
	int rc = mgen_example_new(ex);

	if (rc == 0 && context)
		rc = mgen_example_set_str(*ex, "context", context);
	if (rc == 0)
		rc = mgen_example_set_str(*ex, "question", question);
	if (rc == 0)
		rc = mgen_example_set_json(*ex, "history", history, err);
	if (rc == MGEN_ENOMEM)
		mgen_err_set(err, rc, "out of memory");
	return rc;
}

static int rewrite(mgen_agent *a, const char *question, turn *t, mgen_err *err)
{
	mgen_example *in = NULL;
	int rc;

	if (t->nhist == 0) { /* nothing to resolve: the question is the query */
		t->query = mgen__strdup(question);
		return t->query
			   ? 0
			   : mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	rc = inputs(&in, question, t->history, NULL, err);
	if (rc == 0)
		rc = predict(a, &a->rewrite, in, "search_query", &t->query,
			     t->out, err);
	mgen_example_free(in);
	if (rc == 0 && t->query[0] == '\0') { /* an empty query: the question */
		free(t->query);
		t->query = mgen__strdup(question);
		if (t->query == NULL)
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	return rc;
}

static int retrieve(mgen_agent *a, turn *t, mgen_err *err)
{
	return mgen__agent_retrieve(a->o.rag, &a->rag_lock, t->query,
				    a->o.top_k, a->o.max_context_tokens,
				    &t->hits, &t->nhits, &t->context, err);
}

/* Marks the sources the answer cites as [n] or [n, m, ...]. */
static void mark_cited(mgen_agent_answer *r)
{
	const char *s = r->answer;

	while ((s = strchr(s, '[')) != NULL) {
		const char *p = s + 1;
		char *end;
		long v;

		for (;;) {
			while (*p == ' ')
				p++;
			if (*p < '0' || *p > '9')
				break;
			v = strtol(p, &end, 10);
			if (v >= 1 && (size_t)v <= r->nsources)
				r->sources[v - 1].cited = 1;
			p = end;
			while (*p == ' ')
				p++;
			if (*p != ',')
				break;
			p++;
		}
		s++;
	}
}

static int respond(mgen_agent *a, const char *question, turn *t, mgen_err *err)
{
	mgen_example *in = NULL;
	int rc;

	if (t->nhits == 0) { /* nothing retrieved: nothing to answer from */
		t->out->answer = mgen__strdup(MGEN_AGENT_UNKNOWN);
		return t->out->answer
			   ? 0
			   : mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	rc = inputs(&in, question, t->history, t->context, err);
	if (rc == 0)
		rc = predict(a, &a->respond, in, "answer", &t->out->answer,
			     t->out, err);
	mgen_example_free(in);
	return rc;
}

/* Moves the kept hits into the answer's sources. */
static int take_sources(turn *t, mgen_err *err)
{
	mgen_agent_answer *r = t->out;
	size_t i;

	r->sources = t->nhits ? calloc(t->nhits, sizeof(*r->sources)) : NULL;
	if (t->nhits && r->sources == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	for (i = 0; i < t->nhits; i++) {
		mgen_agent_source *s = &r->sources[i];

		s->n = (int)i + 1;
		s->id = t->hits[i].id;
		s->score = t->hits[i].score;
		s->source = t->hits[i].source;
		s->title = t->hits[i].title;
		t->hits[i].source = t->hits[i].title = NULL;
		r->nsources++;
	}
	mark_cited(r);
	return 0;
}

/* Metadata of the two stored messages (JSON object texts). */
static int metadata(const mgen_agent_answer *r, char **user, char **asst)
{
	cJSON *u = cJSON_CreateObject(), *m = cJSON_CreateObject(), *ids,
	      *cited;
	size_t i;
	int jerr = u && m ? 0 : MGEN_ENOMEM;

	mgen__json_add(&jerr, u, "search_query",
		       cJSON_CreateString(r->search_query));
	mgen__json_add(&jerr, m, "search_query",
		       cJSON_CreateString(r->search_query));
	ids = mgen__json_add_array(&jerr, m, "chunk_ids");
	cited = mgen__json_add_array(&jerr, m, "cited");
	for (i = 0; i < r->nsources && !jerr; i++) {
		mgen__json_add(&jerr, ids, NULL,
			       cJSON_CreateNumber((double)r->sources[i].id));
		if (r->sources[i].cited)
			mgen__json_add(&jerr, cited, NULL,
				       cJSON_CreateNumber(r->sources[i].n));
	}
	mgen__json_add(&jerr, m, "prompt_tokens",
		       cJSON_CreateNumber((double)r->prompt_tokens));
	mgen__json_add(&jerr, m, "completion_tokens",
		       cJSON_CreateNumber((double)r->completion_tokens));
	mgen__json_add(&jerr, m, "lm_calls", cJSON_CreateNumber(r->lm_calls));
	*user = jerr ? NULL : mgen__json_print(u);
	*asst = jerr ? NULL : mgen__json_print(m);
	cJSON_Delete(u);
	cJSON_Delete(m);
	return *user && *asst ? 0 : MGEN_ENOMEM;
}

static int store(mgen_agent *a, const char *question, mgen_agent_answer *r,
		 mgen_err *err)
{
	char *um = NULL, *am = NULL;
	int rc = metadata(r, &um, &am);

	if (rc != 0)
		rc = mgen_err_set(err, rc, "out of memory");
	if (rc == 0)
		rc = mgen_memory_append(a->o.memory, r->session_id, "user",
					question, um, 0, NULL, err);
	if (rc == 0)
		rc = mgen_memory_append(a->o.memory, r->session_id, "assistant",
					r->answer, am, 0, NULL, err);
	free(um);
	free(am);
	return rc;
}

typedef int (*step_fn)(mgen_agent *a, const char *question, turn *t,
		       mgen_err *err);

static int step_history(mgen_agent *a, const char *question, turn *t,
			mgen_err *err)
{
	(void)question;
	return read_history(a, t->out->session_id, t, err);
}

static int step_retrieve(mgen_agent *a, const char *question, turn *t,
			 mgen_err *err)
{
	(void)question;
	return retrieve(a, t, err);
}

static int step_store(mgen_agent *a, const char *question, turn *t,
		      mgen_err *err)
{
	return store(a, question, t->out, err);
}

/* Runs step `name` of a question, reported to the thread's observer
 * (agent_trace.c) with its counts and chunk ids; no text. */
static int step(mgen_agent *a, const char *name, step_fn fn,
		const char *question, turn *t, mgen_err *err)
{
	mgen__astep s;
	mgen_agent_step at;
	long long ids[MAX_TOP_K];
	size_t i;
	int rc;

	mgen__atrace_begin(&s, name);
	rc = fn(a, question, t, err);
	memset(&at, 0, sizeof(at));
	if (fn == step_history)
		at.count = t->nhist;
	else if (fn == rewrite)
		at.skipped = t->nhist == 0;
	else if (fn == respond)
		at.skipped = t->nhits == 0;
	else if (fn == step_store)
		at.count = rc == 0 ? 2 : 0;
	else if (fn == step_retrieve) {
		for (i = 0; i < t->nhits && i < MAX_TOP_K; i++)
			ids[i] = t->hits[i].id;
		at.count = i;
		at.chunk_ids = ids;
	}
	mgen__atrace_end(&s, rc, &at);
	return rc;
}

int mgen_agent_ask(mgen_agent *a, const char *session_id, const char *question,
		   mgen_agent_answer *out, mgen_err *err)
{
	mgen__astep ask;
	turn t;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&t, 0, sizeof(t));
	t.out = out;
	mgen__atrace_begin(&ask, "ask");
	rc = check_question(question, err);
	if (rc == 0)
		rc = session_of(session_id, &out->session_id, err);
	if (rc == 0)
		rc = step(a, "memory.read", step_history, question, &t, err);
	if (rc == 0)
		rc = step(a, "rewrite", rewrite, question, &t, err);
	if (rc == 0)
		rc = step(a, "retrieve", step_retrieve, question, &t, err);
	if (rc == 0)
		rc = step(a, "respond", respond, question, &t, err);
	if (rc == 0) {
		out->search_query = t.query;
		t.query = NULL;
		rc = take_sources(&t, err);
	}
	if (rc == 0)
		rc = step(a, "memory.write", step_store, question, &t, err);
	mgen__atrace_ask_end(&ask, rc, err, out);
	if (rc != 0)
		mgen_agent_answer_release(out);
	mgen_rag_hits_free(t.hits, t.nhits);
	free(t.history);
	free(t.query);
	free(t.context);
	return rc;
}

int mgen_agent_answer_json(const mgen_agent_answer *r, char **out)
{
	cJSON *o = cJSON_CreateObject(), *arr, *u;
	size_t i;
	int jerr = o ? 0 : MGEN_ENOMEM;

	mgen__json_add(&jerr, o, "answer", cJSON_CreateString(r->answer));
	mgen__json_add(&jerr, o, "session_id",
		       cJSON_CreateString(r->session_id));
	mgen__json_add(&jerr, o, "search_query",
		       cJSON_CreateString(r->search_query));
	arr = mgen__json_add_array(&jerr, o, "sources");
	for (i = 0; i < r->nsources && !jerr; i++) {
		const mgen_agent_source *s = &r->sources[i];
		cJSON *x = mgen__json_add_object(&jerr, arr, NULL);

		mgen__json_add(&jerr, x, "n", cJSON_CreateNumber(s->n));
		mgen__json_add(&jerr, x, "id",
			       cJSON_CreateNumber((double)s->id));
		mgen__json_add(&jerr, x, "source",
			       cJSON_CreateString(s->source));
		mgen__json_add(&jerr, x, "title", cJSON_CreateString(s->title));
		mgen__json_add(&jerr, x, "score", cJSON_CreateNumber(s->score));
		mgen__json_add(&jerr, x, "cited", cJSON_CreateBool(s->cited));
	}
	u = mgen__json_add_object(&jerr, o, "usage");
	mgen__json_add(&jerr, u, "prompt_tokens",
		       cJSON_CreateNumber((double)r->prompt_tokens));
	mgen__json_add(&jerr, u, "completion_tokens",
		       cJSON_CreateNumber((double)r->completion_tokens));
	mgen__json_add(&jerr, u, "lm_calls", cJSON_CreateNumber(r->lm_calls));
	*out = jerr ? NULL : mgen__json_print(o);
	cJSON_Delete(o);
	return *out ? 0 : MGEN_ENOMEM;
}
