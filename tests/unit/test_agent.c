/*
 * test_agent.c - the ask agent (include/metagen/agent.h) against the test
 * LM (tests/server/fake_llm.py), a real retrieval index and a real
 * memory store: the program's declaration and file round trip, answers
 * with citations, two sessions interleaved (each follow-up's rewrite and
 * answer requests carry its own session's exchange and never the
 * other's), "does not know" without an LM call, refused inputs that
 * store nothing, an LM failure that leaves the session unchanged.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "metagen/agent.h"
#include "metagen/buf.h"
#include "util/json.h"
#include "util/util.h"

#define FAKE_SERVER_TAG "agent"
#include "fake_server.h"

#define CITE_ANSWER                                                            \
	"[[ ## answer ## ]]\\nOne row per hospital stay [1].\\n\\n[[ ## "      \
	"completed ## ]]"

static const char SCRIPT[] =
    "{\"rules\": ["
    "{\"when_all\": [\"FAILME\"], \"fault\": \"500\"},"
    "{\"when_all\": [\"`[[ ## answer ## ]]`\"], \"content\": \"" CITE_ANSWER
    "\"}"
    "]}";

typedef struct world {
	srv *s;
	char dir[64], index[128], mem[128];
	mgen_lm *lm;
	mgen_rag *rag;
	mgen_memory *memory;
	mgen_agent *agent;
} world;

static const char ADMISSIONS[] =
    "# Admissions\nThe admissions table holds one row per hospital stay. "
    "dischtime is the discharge time of the stay.\n";
static const char PATIENTS[] =
    "# Patients\nThe patients table holds one row per person; dob is "
    "the date of birth.\n";

static void world_open(world *w, srv *s, const char *program)
{
	mgen_lm_options lo = MGEN_LM_OPTIONS_INIT;
	mgen_agent_options ao = MGEN_AGENT_OPTIONS_INIT;
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag_status st;
	long long chunks;

	memset(w, 0, sizeof(*w));
	w->s = s;
	srv_start(s, SCRIPT, NULL, NULL);
	snprintf(w->dir, sizeof(w->dir), "/tmp/mgen-test-agent-w-XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	snprintf(w->index, sizeof(w->index), "%s/rag.sqlite", w->dir);
	snprintf(w->mem, sizeof(w->mem), "%s/memory.sqlite", w->dir);
	lo.model = "test-model";
	lo.api_base = s->base;
	lo.api_key = "k";
	lo.max_retries = 0;
	assert_int_equal(mgen_lm_new(&lo, &w->lm, &err), 0);
	assert_int_equal(mgen_rag_open(w->index, 1, NULL, &w->rag, &err), 0);
	assert_int_equal(mgen_rag_add_memory(w->rag, "/docs/admissions.md",
					     ADMISSIONS, strlen(ADMISSIONS),
					     &st, &chunks, &err),
			 0);
	assert_int_equal(mgen_rag_add_memory(w->rag, "/docs/patients.md",
					     PATIENTS, strlen(PATIENTS), &st,
					     &chunks, &err),
			 0);
	assert_int_equal(mgen_memory_open(w->mem, &w->memory, &err), 0);
	ao.lm = w->lm;
	ao.rag = w->rag;
	ao.memory = w->memory;
	ao.program_path = program;
	assert_int_equal(mgen_agent_new(&ao, &w->agent, &err), 0);
}

static void world_close(world *w)
{
	char cmd[128];

	mgen_agent_free(w->agent);
	mgen_memory_close(w->memory);
	mgen_rag_close(w->rag);
	mgen_lm_free(w->lm);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->dir);
	assert_int_equal(system(cmd), 0);
}

/* All message texts of record `i`, joined. */
static char *request_text(const srv *s, int i)
{
	cJSON *r = srv_records(s), *rec = cJSON_GetArrayItem(r, i), *m;
	cJSON *msgs =
	    cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "body"), "messages");
	mgen_buf b = MGEN_BUF_INIT;

	assert_non_null(msgs);
	cJSON_ArrayForEach(m, msgs)
	    mgen_buf_printf(&b, "%s\n", mgen__json_str(m, "content"));
	cJSON_Delete(r);
	return mgen_buf_detach(&b);
}

static void ask(world *w, const char *sid, const char *q, mgen_agent_answer *a)
{
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(mgen_agent_ask(w->agent, sid, q, a, &err), 0);
	assert_non_null(a->answer);
}

static void test_declare_and_file(void **state)
{
	srv *s = *state;
	mgen_program *p = NULL;
	mgen_err err = MGEN_ERR_INIT;
	mgen_agent_options ao = MGEN_AGENT_OPTIONS_INIT;
	mgen_agent *a = NULL;
	world w;
	char path[160];
	const char *bad = "{\"foo\": {\"traces\": [], \"train\": [], "
			  "\"demos\": [], \"signature\": {\"instructions\": "
			  "\"x\", \"fields\": []}, \"lm\": null}}";

	assert_int_equal(mgen_agent_program_declare(&p, &err), 0);
	assert_int_equal(mgen_program_count(p), 2);
	assert_string_equal(mgen_program_name(p, 0), MGEN_AGENT_REWRITE);
	assert_string_equal(mgen_program_name(p, 1), MGEN_AGENT_RESPOND);
	assert_int_equal(mgen_program_field_count(p, 0), 3);
	assert_int_equal(mgen_program_field_count(p, 1), 4);
	assert_non_null(strstr(mgen_program_instructions(p, 1), "[n]"));
	/* a saved program with a demo loads back onto the declaration */
	assert_int_equal(
	    mgen_program_add_demo(
		p, 1,
		"{\"context\": [\"c\"], \"question\": \"q\", \"history\": [], "
		"\"answer\": \"DEMO-ANSWER [1]\"}",
		&err),
	    0);
	world_open(&w, s, NULL);
	snprintf(path, sizeof(path), "%s/ask.json", w.dir);
	assert_int_equal(mgen_program_save(p, path, &err), 0);
	ao.lm = w.lm;
	ao.memory = w.memory;
	ao.rag = w.rag;
	ao.program_path = path;
	assert_int_equal(mgen_agent_new(&ao, &a, &err), 0);
	mgen_agent_free(w.agent);
	w.agent = a;
	{
		mgen_agent_answer r;
		char *t;

		ask(&w, NULL, "what does the admissions table hold?", &r);
		t = request_text(s, srv_count(s) - 1);
		assert_non_null(strstr(t, "DEMO-ANSWER [1]")); /* the demo */
		free(t);
		mgen_agent_answer_release(&r);
	}
	/* a file without the two predictors is refused, naming what it has */
	assert_int_equal(mgen__write_file_atomic(path, bad, strlen(bad)), 0);
	assert_int_equal(mgen_agent_new(&ao, &a, &err), MGEN_EINVAL);
	assert_null(a);
	assert_non_null(strstr(err.msg, "no predictor 'rewrite'"));
	assert_non_null(strstr(err.msg, "'foo'"));
	assert_non_null(strstr(err.msg, path));
	mgen_program_free(p);
	world_close(&w);
}

static void test_answer_cites(void **state)
{
	world w;
	mgen_agent_answer a;
	mgen_memory_msg *m = NULL;
	mgen_err err = MGEN_ERR_INIT;
	char *t, *json = NULL;
	size_t n = 0;

	world_open(&w, *state, NULL);
	ask(&w, NULL, "what does the admissions table hold?", &a);
	assert_true(mgen_memory_session_valid(a.session_id));
	assert_int_equal(a.lm_calls, 1); /* no history: no rewrite call */
	assert_string_equal(a.answer, "One row per hospital stay [1].");
	assert_true(a.nsources >= 1);
	assert_string_equal(a.sources[0].source, "/docs/admissions.md");
	assert_int_equal(a.sources[0].cited, 1);
	assert_true(a.prompt_tokens > 0);
	t = request_text(w.s, 0); /* the chunk went in as context [1] */
	assert_non_null(strstr(t, "[1] \xc2\xab"
				  "Admissions (admissions.md)"));
	free(t);
	assert_int_equal(mgen_agent_answer_json(&a, &json), 0);
	assert_non_null(strstr(json, "\"cited\":true"));
	free(json);
	/* both messages stored, the answer's with its chunk ids and usage */
	assert_int_equal(
	    mgen_memory_history(w.memory, a.session_id, 0, &m, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].role, "user");
	assert_string_equal(m[1].role, "assistant");
	assert_non_null(strstr(m[1].metadata, "\"chunk_ids\":["));
	assert_non_null(strstr(m[1].metadata, "\"cited\":[1]"));
	assert_non_null(strstr(m[1].metadata, "\"prompt_tokens\":"));
	mgen_memory_msgs_free(m, n);
	mgen_agent_answer_release(&a);
	world_close(&w);
}

/* Record i's text holds `yes` and not `no`. */
static void request_has(const srv *s, int i, const char *yes, const char *no)
{
	char *t = request_text(s, i);

	assert_non_null(strstr(t, yes));
	assert_null(strstr(t, no));
	free(t);
}

static void test_two_sessions_interleaved(void **state)
{
	world w;
	mgen_agent_answer a1, b1, a2, b2;
	char *sa, *sb;

	world_open(&w, *state, NULL);
	ask(&w, "session-A", "what does the admissions table hold?", &a1);
	ask(&w, "session-B", "what does the patients table hold?", &b1);
	assert_int_equal(srv_count(w.s), 2);
	ask(&w, "session-A", "and its discharge time?", &a2);
	assert_int_equal(a2.lm_calls, 2); /* rewrite + respond */
	assert_int_equal(srv_count(w.s), 4);
	/* A's rewrite and answer requests carry A's first exchange only */
	request_has(w.s, 2, "what does the admissions table hold?",
		    "patients table");
	request_has(w.s, 2, "One row per hospital stay [1].", "patients");
	request_has(w.s, 3, "what does the admissions table hold?",
		    "what does the patients table hold?");
	ask(&w, "session-B", "and its date of birth?", &b2);
	request_has(w.s, 4, "what does the patients table hold?",
		    "admissions table hold");
	request_has(w.s, 5, "what does the patients table hold?", "discharge");
	assert_string_equal(b2.session_id, "session-B");
	sa = a2.search_query;
	sb = b2.search_query;
	assert_string_equal(sa, "and its discharge time?");
	assert_string_equal(sb, "and its date of birth?");
	mgen_agent_answer_release(&a1);
	mgen_agent_answer_release(&b1);
	mgen_agent_answer_release(&a2);
	mgen_agent_answer_release(&b2);
	world_close(&w);
}

/* Only the last history_messages messages go into the prompt; 0 sends
 * none (and so makes no rewrite call). */
static void test_history_window(void **state)
{
	world w;
	mgen_agent_answer a;
	mgen_agent_options ao = MGEN_AGENT_OPTIONS_INIT;
	mgen_err err = MGEN_ERR_INIT;
	mgen_agent *two = NULL, *none = NULL;

	world_open(&w, *state, NULL);
	ao.lm = w.lm;
	ao.rag = w.rag;
	ao.memory = w.memory;
	ao.history_messages = 2;
	assert_int_equal(mgen_agent_new(&ao, &two, &err), 0);
	ao.history_messages = 0;
	assert_int_equal(mgen_agent_new(&ao, &none, &err), 0);
	ask(&w, "h", "FIRST admissions question", &a);
	mgen_agent_answer_release(&a);
	ask(&w, "h", "SECOND admissions question", &a);
	mgen_agent_answer_release(&a);
	assert_int_equal(srv_count(w.s), 3);
	assert_int_equal(
	    mgen_agent_ask(two, "h", "THIRD admissions question", &a, &err), 0);
	mgen_agent_answer_release(&a);
	/* its rewrite request: the second exchange, not the first */
	request_has(w.s, 3, "SECOND admissions question", "FIRST");
	assert_int_equal(
	    mgen_agent_ask(none, "h", "FOURTH admissions question", &a, &err),
	    0);
	assert_int_equal(a.lm_calls, 1);
	mgen_agent_answer_release(&a);
	request_has(w.s, 5, "FOURTH", "THIRD");
	mgen_agent_free(two);
	mgen_agent_free(none);
	world_close(&w);
}

static void test_does_not_know(void **state)
{
	world w;
	mgen_agent_answer a;

	world_open(&w, *state, NULL);
	ask(&w, NULL, "zyxwv qqqq", &a);
	assert_string_equal(a.answer, MGEN_AGENT_UNKNOWN);
	assert_int_equal(a.lm_calls, 0);
	assert_int_equal(a.nsources, 0);
	assert_int_equal(srv_count(w.s), 0);
	mgen_agent_answer_release(&a);
	world_close(&w);
}

static void test_refused_inputs_store_nothing(void **state)
{
	world w;
	mgen_agent_answer a;
	mgen_err err = MGEN_ERR_INIT;
	mgen_memory_session *ss = NULL;
	size_t n = 99, len = MGEN_AGENT_QUESTION_MAX + 1;
	char *big = malloc(len + 1);
	const char *bad_ids[] = {"", "a b", "x'; DROP TABLE conversations;--",
				 "../etc", "\xc3\xa9"};
	size_t i;

	assert_non_null(big);
	memset(big, 'a', len);
	big[len] = '\0';
	world_open(&w, *state, NULL);
	assert_int_equal(mgen_agent_ask(w.agent, NULL, "", &a, &err),
			 MGEN_EINVAL);
	assert_int_equal(mgen_agent_ask(w.agent, NULL, big, &a, &err),
			 MGEN_EINVAL);
	mgen_err_clear(&err);
	assert_int_equal(
	    mgen_agent_ask(w.agent, NULL, "bad \xff utf8", &a, &err),
	    MGEN_EINVAL);
	assert_non_null(strstr(err.msg, "UTF-8"));
	for (i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
		mgen_err_clear(&err);
		assert_int_equal(
		    mgen_agent_ask(w.agent, bad_ids[i], "hello", &a, &err),
		    MGEN_EINVAL);
		assert_non_null(strstr(err.msg, "session_id"));
		assert_null(a.answer);
	}
	/* an LM failure: the error comes back, the session stays empty */
	assert_int_equal(
	    mgen_agent_ask(w.agent, "s1", "FAILME admissions table", &a, &err),
	    MGEN_EHTTP);
	assert_int_equal(mgen_memory_sessions(w.memory, &ss, &n, &err), 0);
	assert_int_equal(n, 0);
	mgen_memory_sessions_free(ss, n);
	free(big);
	world_close(&w);
}

static void test_bad_options(void **state)
{
	mgen_agent_options o = MGEN_AGENT_OPTIONS_INIT;
	mgen_agent *a = NULL;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(mgen_agent_new(&o, &a, &err), MGEN_EINVAL);
	assert_non_null(strstr(err.msg, "LM"));
	o.lm = (mgen_lm *)(uintptr_t)1; /* never used: refused before */
	o.memory = (mgen_memory *)(uintptr_t)1;
	o.top_k = 0;
	mgen_err_clear(&err);
	assert_int_equal(mgen_agent_new(&o, &a, &err), MGEN_EINVAL);
	assert_non_null(strstr(err.msg, "rag.top_k"));
	o.top_k = 5;
	o.history_messages = -1;
	mgen_err_clear(&err);
	assert_int_equal(mgen_agent_new(&o, &a, &err), MGEN_EINVAL);
	assert_non_null(strstr(err.msg, "memory.history_messages"));
	assert_null(a);
}

/* Steps seen by the observer (names are static strings). */
typedef struct seen {
	const char *name[64];
	int id[64], parent[64], rc[64], skipped[64], lm_calls[64];
	size_t count[64], n;
	long long chunk0[64];
	long tokens[64];
	char error[256];
} seen;

static void observe(void *ud, const mgen_agent_step *st)
{
	seen *v = ud;

	assert_true(v->n < 64);
	assert_true(st->ms >= 0 && st->start_ms > 0);
	v->name[v->n] = st->name;
	v->id[v->n] = st->id;
	v->parent[v->n] = st->parent;
	v->rc[v->n] = st->rc;
	v->skipped[v->n] = st->skipped;
	v->count[v->n] = st->count;
	v->chunk0[v->n] = st->chunk_ids && st->count ? st->chunk_ids[0] : -1;
	v->tokens[v->n] = st->prompt_tokens;
	v->lm_calls[v->n] = st->lm_calls;
	if (st->error)
		snprintf(v->error, sizeof(v->error), "%s", st->error);
	v->n++;
}

/* Index of step `name` seen from `from` on; fails when missing. */
static size_t step_at(const seen *v, size_t from, const char *name)
{
	size_t i;

	for (i = from; i < v->n; i++)
		if (strcmp(v->name[i], name) == 0)
			return i;
	fail_msg("step %s not reported", name);
	return 0;
}

static void *ask_unobserved(void *arg)
{
	world *w = arg;
	mgen_agent_answer a;

	ask(w, NULL, "what does the patients table hold?", &a);
	mgen_agent_answer_release(&a);
	return NULL;
}

/* The observer gets every step of a question, children before their
 * parent, with ids, parents, counts and usage; only on its own thread;
 * a failed question reports its error and no memory write. */
static void test_steps_observed(void **state)
{
	world w;
	mgen_agent_answer a, b;
	mgen_err err = MGEN_ERR_INIT;
	seen v;
	size_t i, k;
	pthread_t th;

	memset(&v, 0, sizeof(v));
	world_open(&w, *state, NULL);
	mgen_agent_observe_thread(observe, &v);
	ask(&w, NULL, "what does the admissions table hold?", &a);
	assert_int_equal(v.n, 7); /* read, rewrite, retrieve, lm, respond,
				     write, ask */
	assert_string_equal(v.name[6], "ask");
	assert_int_equal(v.id[6], 1);
	assert_int_equal(v.parent[6], 0);
	assert_int_equal(v.lm_calls[6], 1);
	assert_int_equal(v.tokens[6], a.prompt_tokens);
	k = step_at(&v, 0, "rewrite");
	assert_int_equal(v.skipped[k], 1);
	k = step_at(&v, 0, "retrieve");
	assert_int_equal(v.count[k], a.nsources);
	assert_int_equal(v.chunk0[k], a.sources[0].id);
	k = step_at(&v, 0, "lm");
	assert_int_equal(v.parent[k], v.id[step_at(&v, 0, "respond")]);
	assert_true(v.tokens[k] > 0);
	for (i = 0; i < 6; i++)
		assert_int_equal(
		    v.parent[i] == 1 || strcmp(v.name[i], "lm") == 0, 1);
	assert_int_equal(v.count[step_at(&v, 0, "memory.write")], 2);
	/* the follow-up: history read, the rewrite calls the LM */
	ask(&w, a.session_id, "and its discharge time?", &b);
	k = step_at(&v, 7, "rewrite");
	assert_int_equal(v.skipped[k], 0);
	assert_int_equal(v.id[step_at(&v, 7, "lm")] > 1, 1);
	assert_int_equal(v.parent[step_at(&v, 7, "lm")], v.id[k]);
	assert_int_equal(v.count[step_at(&v, 7, "memory.read")], 2);
	mgen_agent_answer_release(&b);
	/* another thread has no observer */
	k = v.n;
	assert_int_equal(pthread_create(&th, NULL, ask_unobserved, &w), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(v.n, k);
	/* a failure: the error, no memory write */
	assert_int_not_equal(
	    mgen_agent_ask(w.agent, NULL, "FAILME admissions table", &b, &err),
	    0);
	assert_string_equal(v.name[v.n - 1], "ask");
	assert_int_not_equal(v.rc[v.n - 1], 0);
	assert_non_null(strstr(v.error, "HTTP 500"));
	for (i = k; i < v.n; i++)
		assert_string_not_equal(v.name[i], "memory.write");
	mgen_agent_observe_thread(NULL, NULL);
	k = v.n;
	ask(&w, NULL, "what does the admissions table hold?", &b);
	assert_int_equal(v.n, k);
	mgen_agent_answer_release(&b);
	mgen_agent_answer_release(&a);
	world_close(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SRV_TEST(test_declare_and_file),
	    SRV_TEST(test_answer_cites),
	    SRV_TEST(test_two_sessions_interleaved),
	    SRV_TEST(test_history_window),
	    SRV_TEST(test_does_not_know),
	    SRV_TEST(test_refused_inputs_store_nothing),
	    SRV_TEST(test_steps_observed),
	    cmocka_unit_test(test_bad_options),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
