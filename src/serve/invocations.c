/*
 * invocations.c - POST /invocations (include/metagen/serve.h): the MLflow
 * scoring protocol (mlflow/pyfunc/scoring_server: exactly one of
 * dataframe_records, dataframe_split, instances, inputs, plus optional
 * params; answered {"predictions": [...]} in input order) and the MLflow
 * ChatAgent request ({"messages": [...], "custom_inputs"}) answered in
 * ChatAgent's response shape; and POST /v1/chat/completions, the OpenAI
 * chat completions request answered as a chat.completion. A record is a
 * question ("query") for the agent or a table for the comment program
 * (comment_records.c). Every row is checked (and every table profiled)
 * before the first LM call; a malformed body or row is a 400 naming the
 * field.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve/serve_internal.h"
#include "util/hash.h"
#include "util/json.h"

#define MAX_ROWS 100

static const char *const shapes[] = {"dataframe_records", "dataframe_split",
				     "instances", "inputs"};
#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

/* One record taken from the body (strings borrowed from it): a
 * question, or a table for the comment program. */
typedef struct row {
	const char *query;
	const char *session_id; /* NULL = a new session */
	mgen_table *table;	/* a comment record, profiled (owned) */
	const char *table_name; /* its name as the client gave it */
} row;

typedef struct req {
	row rows[MAX_ROWS];
	size_t n;
	size_t ntables;		 /* rows that are comment records */
	mgen_profile_options po; /* how comment records are profiled */
	char where[96];		 /* the field a refusal names */
} req;

/* *status and *out for a 400/4xx/5xx: {"error": {"code", "message"}}. */
static int refuse(inv_result *r, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int refuse(inv_result *r, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	cJSON *o = cJSON_CreateObject(), *e;
	int jerr = o ? 0 : MGEN_ENOMEM;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e = mgen__json_add_object(&jerr, o, "error");
	mgen__json_add(&jerr, e, "code", cJSON_CreateNumber(status));
	mgen__json_add(&jerr, e, "message", cJSON_CreateString(msg));
	free(r->body);
	r->body = jerr ? NULL : mgen__json_print(o);
	r->status = r->body ? status : 500;
	cJSON_Delete(o);
	return -1;
}

/* A comment record (comment_records.c) as row q->n. */
static int take_table(req *q, const cJSON *o, const char *where, inv_result *r)
{
	char msg[400];
	int st;

	if (q->n >= MAX_ROWS)
		return refuse(r, 400, "%s: more than %d records in one request",
			      where, MAX_ROWS);
	st = mgen__serve_comment_take(o, where, &q->po, &q->rows[q->n].table,
				      msg, sizeof(msg));
	if (st != 0)
		return refuse(r, st, "%s", msg);
	q->rows[q->n].table_name =
	    cJSON_GetObjectItemCaseSensitive(o, "table_name")->valuestring;
	q->n++;
	q->ntables++;
	return 0;
}

/* Takes one row object: `query` (+ `session_id`), or a comment record
 * (table_name, table_data, ...); refuses anything else, and a record
 * that is both, naming `where`. */
static int take_row(req *q, const cJSON *o, const char *where, inv_result *r)
{
	const cJSON *query = cJSON_GetObjectItemCaseSensitive(o, "query");
	const cJSON *sid = cJSON_GetObjectItemCaseSensitive(o, "session_id");

	if (!cJSON_IsObject(o))
		return refuse(r, 400,
			      "%s: expected an object with \"query\" or "
			      "with \"table_name\" and \"table_data\"",
			      where);
	if (cJSON_IsNull(query))
		query = NULL; /* a column of a mixed batch left empty */
	if (mgen__serve_is_comment_record(o)) {
		if (query != NULL || (sid != NULL && !cJSON_IsNull(sid)))
			return refuse(r, 400,
				      "%s: both a question (query, "
				      "session_id) and a table (table_name, "
				      "table_data); send one per record",
				      where);
		return take_table(q, o, where, r);
	}
	if (!cJSON_IsString(query) || query->valuestring[0] == '\0')
		return refuse(r, 400, "%s.query: expected a non-empty string",
			      where);
	if (sid != NULL && !cJSON_IsNull(sid) &&
	    (!cJSON_IsString(sid) ||
	     !mgen_memory_session_valid(sid->valuestring)))
		return refuse(r, 400,
			      "%s.session_id: expected 1-%d characters "
			      "of A-Z a-z 0-9 . _ : -",
			      where, MGEN_MEMORY_SESSION_MAX);
	if (q->n >= MAX_ROWS)
		return refuse(r, 400, "%s: more than %d records in one request",
			      where, MAX_ROWS);
	q->rows[q->n].query = query->valuestring;
	q->rows[q->n].session_id =
	    cJSON_IsString(sid) ? sid->valuestring : NULL;
	q->n++;
	return 0;
}

/* A list of rows: objects, or strings (each a query). */
static int take_list(req *q, const cJSON *arr, const char *name, inv_result *r)
{
	const cJSON *it;
	char where[64];
	int i = 0;

	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
		return refuse(r, 400, "%s: expected a non-empty array", name);
	cJSON_ArrayForEach(it, arr)
	{
		snprintf(where, sizeof(where), "%s[%d]", name, i++);
		if (cJSON_IsString(it) && it->valuestring[0] != '\0') {
			if (q->n >= MAX_ROWS)
				return refuse(r, 400,
					      "%s: more than %d "
					      "records in one request",
					      where, MAX_ROWS);
			q->rows[q->n].query = it->valuestring;
			q->rows[q->n++].session_id = NULL;
		} else if (take_row(q, it, where, r) != 0)
			return -1;
	}
	return 0;
}

/* Row `i` of a columnar table as an object (caller deletes): columns
 * named by `cols` (strings), values at [i] of each column array, or of
 * the row array `data[i]` (split). */
static cJSON *row_object(const cJSON *cols, const cJSON *vals)
{
	cJSON *o = cJSON_CreateObject();
	int k, n = cJSON_GetArraySize(cols);

	for (k = 0; o && k < n; k++) {
		const cJSON *c = cJSON_GetArrayItem(cols, k);
		cJSON *v = cJSON_Duplicate(cJSON_GetArrayItem(vals, k), 1);

		if (!cJSON_IsString(c) || v == NULL ||
		    !cJSON_AddItemToObject(o, c->valuestring, v)) {
			cJSON_Delete(v);
			cJSON_Delete(o);
			return NULL;
		}
	}
	return o;
}

/* Rows of a table held as `data` arrays under `cols`, kept in `keep`
 * (the rows' objects must outlive the row pointers). */
static int take_columnar(req *q, const cJSON *cols, const cJSON *data,
			 const char *name, cJSON *keep, inv_result *r)
{
	const cJSON *d;
	char where[64];
	int i = 0, ncols = cJSON_GetArraySize(cols);

	if (!cJSON_IsArray(data) || cJSON_GetArraySize(data) == 0)
		return refuse(r, 400, "%s.data: expected a non-empty array",
			      name);
	cJSON_ArrayForEach(d, data)
	{
		cJSON *o;

		snprintf(where, sizeof(where), "%s.data[%d]", name, i++);
		if (!cJSON_IsArray(d) || cJSON_GetArraySize(d) != ncols)
			return refuse(r, 400,
				      "%s: expected an array of %d "
				      "values (one per column)",
				      where, ncols);
		o = row_object(cols, d);
		if (o == NULL)
			return refuse(r, 500, "out of memory");
		cJSON_AddItemToArray(keep, o);
		if (take_row(q, o, where, r) != 0)
			return -1;
	}
	return 0;
}

static int columns_ok(const cJSON *cols, const char *name, inv_result *r)
{
	const cJSON *c;

	if (!cJSON_IsArray(cols) || cJSON_GetArraySize(cols) == 0)
		return refuse(r, 400,
			      "%s.columns: expected a non-empty array "
			      "of names",
			      name);
	cJSON_ArrayForEach(c, cols) if (!cJSON_IsString(c)) return refuse(
	    r, 400, "%s.columns: expected strings", name);
	return 0;
}

/* dataframe_split {"columns", "data", "index"?}. */
static int take_split(req *q, const cJSON *v, cJSON *keep, inv_result *r)
{
	const cJSON *cols = cJSON_GetObjectItemCaseSensitive(v, "columns");

	if (!cJSON_IsObject(v))
		return refuse(r, 400,
			      "dataframe_split: expected an object with "
			      "columns and data");
	if (columns_ok(cols, "dataframe_split", r) != 0)
		return -1;
	return take_columnar(q, cols,
			     cJSON_GetObjectItemCaseSensitive(v, "data"),
			     "dataframe_split", keep, r);
}

/* inputs: a list (as instances) or columns {"query": [...], ...}. */
static int take_inputs(req *q, const cJSON *v, cJSON *keep, inv_result *r)
{
	const cJSON *c;
	char where[64];
	int i, n = -1;

	if (cJSON_IsArray(v))
		return take_list(q, v, "inputs", r);
	if (!cJSON_IsObject(v) || v->child == NULL)
		return refuse(r, 400,
			      "inputs: expected a list of records or "
			      "an object of equal-length columns");
	for (c = v->child; c != NULL; c = c->next) {
		if (!cJSON_IsArray(c) || cJSON_GetArraySize(c) == 0 ||
		    (n >= 0 && cJSON_GetArraySize(c) != n))
			return refuse(r, 400,
				      "inputs.%.40s: expected a "
				      "non-empty array as long as the other "
				      "columns",
				      c->string);
		n = cJSON_GetArraySize(c);
	}
	for (i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		if (o == NULL || !cJSON_AddItemToArray(keep, o))
			return refuse(r, 500, "out of memory");
		for (c = v->child; c != NULL; c = c->next)
			if (!cJSON_AddItemToObject(
				o, c->string,
				cJSON_Duplicate(cJSON_GetArrayItem(c, i), 1)))
				return refuse(r, 500, "out of memory");
		snprintf(where, sizeof(where), "inputs[%d]", i);
		if (take_row(q, o, where, r) != 0)
			return -1;
	}
	return 0;
}

/* The one scoring shape of the body, or a refusal naming the problem. */
static int take_shape(req *q, const cJSON *root, cJSON *keep, inv_result *r)
{
	const cJSON *v = NULL, *params;
	size_t i, found = NSHAPES;

	for (i = 0; i < NSHAPES; i++) {
		if (cJSON_GetObjectItemCaseSensitive(root, shapes[i]) == NULL)
			continue;
		if (found != NSHAPES)
			return refuse(r, 400,
				      "body: both %s and %s; send "
				      "exactly one",
				      shapes[found], shapes[i]);
		found = i;
		v = cJSON_GetObjectItemCaseSensitive(root, shapes[i]);
	}
	if (found == NSHAPES)
		return refuse(r, 400,
			      "body: expected exactly one of "
			      "dataframe_records, dataframe_split, instances, "
			      "inputs (or a chat request with messages)");
	params = cJSON_GetObjectItemCaseSensitive(root, "params");
	if (params != NULL && !cJSON_IsObject(params))
		return refuse(r, 400, "params: expected an object");
	if (found == 0 || found == 2)
		return take_list(q, v, shapes[found], r);
	if (found == 1)
		return take_split(q, v, keep, r);
	return take_inputs(q, v, keep, r);
}

/* The question of a chat: the last of `msgs` ({"role", "content"}
 * strings each), which must be the user's. The earlier messages are the
 * client's copy of the conversation; the history comes from memory. */
static int take_messages(req *q, const cJSON *msgs, inv_result *r)
{
	const cJSON *m, *last = NULL;
	int i = 0;

	if (!cJSON_IsArray(msgs) || cJSON_GetArraySize(msgs) == 0)
		return refuse(r, 400, "messages: expected a non-empty array");
	cJSON_ArrayForEach(m, msgs)
	{
		if (!cJSON_IsString(
			cJSON_GetObjectItemCaseSensitive(m, "role")))
			return refuse(r, 400,
				      "messages[%d].role: expected a "
				      "string",
				      i);
		if (!cJSON_IsString(
			cJSON_GetObjectItemCaseSensitive(m, "content")))
			return refuse(r, 400,
				      "messages[%d].content: expected a "
				      "string (content parts are not "
				      "supported)",
				      i);
		last = m;
		i++;
	}
	if (strcmp(cJSON_GetObjectItemCaseSensitive(last, "role")->valuestring,
		   "user") != 0)
		return refuse(r, 400,
			      "messages[%d].role: the last message must "
			      "be the user's question",
			      i - 1);
	q->rows[0].query =
	    cJSON_GetObjectItemCaseSensitive(last, "content")->valuestring;
	q->n = 1;
	return 0;
}

/* The session of a chat from `sid` (a JSON string or null/absent),
 * named `name` in a refusal. */
static int take_session(req *q, const cJSON *sid, const char *name,
			inv_result *r)
{
	if (sid != NULL && !cJSON_IsNull(sid) &&
	    (!cJSON_IsString(sid) ||
	     !mgen_memory_session_valid(sid->valuestring)))
		return refuse(r, 400,
			      "%s: expected 1-%d characters of A-Z a-z "
			      "0-9 . _ : -",
			      name, MGEN_MEMORY_SESSION_MAX);
	q->rows[0].session_id = cJSON_IsString(sid) ? sid->valuestring : NULL;
	return 0;
}

/* An MLflow ChatAgent request. */
static int take_chat(req *q, const cJSON *root, inv_result *r)
{
	const cJSON *ci =
	    cJSON_GetObjectItemCaseSensitive(root, "custom_inputs");
	size_t i;

	for (i = 0; i < NSHAPES; i++)
		if (cJSON_GetObjectItemCaseSensitive(root, shapes[i]))
			return refuse(r, 400,
				      "body: both messages and %s; send "
				      "one",
				      shapes[i]);
	if (take_messages(q, cJSON_GetObjectItemCaseSensitive(root, "messages"),
			  r) != 0)
		return -1;
	if (ci != NULL && !cJSON_IsObject(ci))
		return refuse(r, 400, "custom_inputs: expected an object");
	return take_session(q,
			    cJSON_GetObjectItemCaseSensitive(ci, "session_id"),
			    "custom_inputs.session_id", r);
}

/* Row i answered: its JSON object (caller deletes), or a refusal. */
static cJSON *answer_row(const mgen_serve_options *opts, const row *w, size_t i,
			 inv_result *r)
{
	mgen_agent_answer a;
	mgen_err err = MGEN_ERR_INIT;
	char *text = NULL, msg[300];
	cJSON *o = NULL;
	int rc, st;

	if (w->table != NULL) { /* generate's path for this one table */
		o = mgen__serve_comment_answer(opts->commenter, w->table,
					       w->table_name, &st, msg,
					       sizeof(msg));
		if (o == NULL)
			refuse(r, st, "record %zu: %s", i, msg);
		return o;
	}
	rc = mgen_agent_ask(opts->agent, w->session_id, w->query, &a, &err);
	if (rc == MGEN_EINVAL) {
		refuse(r, 400, "record %zu: %s", i, err.msg);
		return NULL;
	}
	if (rc != 0) { /* the detail (endpoint URL, status) stays inside */
		refuse(r, rc == MGEN_ENOMEM ? 500 : 502,
		       "record %zu: the "
		       "agent failed: %s",
		       i, mgen_strerror(rc));
		return NULL;
	}
	if (mgen_agent_answer_json(&a, &text) == 0)
		o = cJSON_Parse(text);
	free(text);
	mgen_agent_answer_release(&a);
	if (o == NULL)
		refuse(r, 500, "out of memory");
	return o;
}

/* A ChatAgent id for the answer message: a random UUID (version 4). */
static void message_id(char *out, size_t n)
{
	uint64_t a = mgen__random_seed(), b = mgen__random_seed();

	snprintf(out, n,
		 "%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-%04" PRIx64
		 "-%012" PRIx64,
		 a >> 32, (a >> 16) & 0xffff, a & 0xfff,
		 ((b >> 48) & 0x3fff) | 0x8000, b & (uint64_t)0xffffffffffff);
}

/* Moves the answer's session_id, search_query and sources into a new
 * object `key` of `o`, frees `ans`, and returns `o` (NULL, everything
 * freed, when `jerr` or an add failed). */
static cJSON *finish(cJSON *o, const char *key, cJSON *ans, int jerr)
{
	cJSON *x = mgen__json_add_object(&jerr, o, key);

	mgen__json_add(&jerr, x, "session_id",
		       cJSON_DetachItemFromObject(ans, "session_id"));
	mgen__json_add(&jerr, x, "search_query",
		       cJSON_DetachItemFromObject(ans, "search_query"));
	mgen__json_add(&jerr, x, "sources",
		       cJSON_DetachItemFromObject(ans, "sources"));
	cJSON_Delete(ans);
	if (jerr) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* {"messages": [{"role": "assistant", "content", "id"}],
 *  "custom_outputs": {"session_id", "search_query", "sources"}}. */
static cJSON *chat_response(cJSON *ans)
{
	cJSON *o = cJSON_CreateObject(), *msgs, *m;
	char id[40];
	int jerr = o ? 0 : MGEN_ENOMEM;

	message_id(id, sizeof(id));
	msgs = mgen__json_add_array(&jerr, o, "messages");
	m = mgen__json_add_object(&jerr, msgs, NULL);
	mgen__json_add(&jerr, m, "role", cJSON_CreateString("assistant"));
	mgen__json_add(&jerr, m, "content",
		       cJSON_DetachItemFromObject(ans, "answer"));
	mgen__json_add(&jerr, m, "id", cJSON_CreateString(id));
	return finish(o, "custom_outputs", ans, jerr);
}

/* The OpenAI chat.completion object for one answer (`model` echoed),
 * with metagen's session and sources under "metagen". */
static cJSON *openai_response(cJSON *ans, const char *model)
{
	cJSON *o = cJSON_CreateObject(), *ch, *c, *m, *u;
	double pt = mgen__json_num(cJSON_GetObjectItem(ans, "usage"),
				   "prompt_tokens", 0);
	double ct = mgen__json_num(cJSON_GetObjectItem(ans, "usage"),
				   "completion_tokens", 0);
	char id[48];
	int jerr = o ? 0 : MGEN_ENOMEM;

	snprintf(id, sizeof(id), "chatcmpl-%016" PRIx64, mgen__random_seed());
	mgen__json_add(&jerr, o, "id", cJSON_CreateString(id));
	mgen__json_add(&jerr, o, "object",
		       cJSON_CreateString("chat.completion"));
	mgen__json_add(&jerr, o, "created",
		       cJSON_CreateNumber((double)time(NULL)));
	mgen__json_add(&jerr, o, "model", cJSON_CreateString(model));
	ch = mgen__json_add_array(&jerr, o, "choices");
	c = mgen__json_add_object(&jerr, ch, NULL);
	mgen__json_add(&jerr, c, "index", cJSON_CreateNumber(0));
	m = mgen__json_add_object(&jerr, c, "message");
	mgen__json_add(&jerr, m, "role", cJSON_CreateString("assistant"));
	mgen__json_add(&jerr, m, "content",
		       cJSON_DetachItemFromObject(ans, "answer"));
	mgen__json_add(&jerr, c, "finish_reason", cJSON_CreateString("stop"));
	u = mgen__json_add_object(&jerr, o, "usage");
	mgen__json_add(&jerr, u, "prompt_tokens", cJSON_CreateNumber(pt));
	mgen__json_add(&jerr, u, "completion_tokens", cJSON_CreateNumber(ct));
	mgen__json_add(&jerr, u, "total_tokens", cJSON_CreateNumber(pt + ct));
	return finish(o, "metagen", ans, jerr);
}

enum { K_SCORING, K_CHATAGENT, K_OPENAI };

/* Answers every row in order into {"predictions": [...]}, or the one
 * question of a chat into its response shape (`model`: OpenAI's). */
static void answer_all(const mgen_serve_options *opts, const req *q, int kind,
		       const char *model, inv_result *r)
{
	cJSON *out = cJSON_CreateObject(), *preds = NULL, *o;
	size_t i;
	int jerr = out ? 0 : MGEN_ENOMEM;

	if (kind == K_SCORING)
		preds = mgen__json_add_array(&jerr, out, "predictions");
	for (i = 0; i < q->n && !jerr; i++) {
		o = answer_row(opts, &q->rows[i], i, r);
		if (o == NULL)
			goto done;
		if (kind != K_SCORING) {
			cJSON_Delete(out);
			out = kind == K_CHATAGENT ? chat_response(o)
						  : openai_response(o, model);
			jerr = out ? 0 : MGEN_ENOMEM;
		} else
			mgen__json_add(&jerr, preds, NULL, o);
	}
	r->body = jerr ? NULL : mgen__json_print(out);
	r->status = r->body ? 200 : 500;
	if (r->body == NULL)
		refuse(r, 500, "out of memory");
done:
	cJSON_Delete(out);
}

/* The body as a JSON object, or NULL after a refusal. */
static cJSON *parse_body(const char *body, size_t len, inv_result *r)
{
	cJSON *root = NULL;

	if (len == 0)
		refuse(r, 400, "body: expected a JSON object");
	else if (mgen__json_nul_escape(body, len) < len)
		refuse(r, 400,
		       "body: a NUL character (raw or \\u0000) would "
		       "cut a string short");
	else if ((root = cJSON_ParseWithLength(body, len)) == NULL)
		refuse(r, 400, "body: not valid JSON");
	else if (!cJSON_IsObject(root)) {
		refuse(r, 400, "body: expected a JSON object");
		cJSON_Delete(root);
		root = NULL;
	}
	return root;
}

/* 0 when every record has its answerer: questions the agent, tables
 * the commenter; else a 503 saying which is missing. */
static int answerers(const mgen_serve_options *opts, const req *q,
		     inv_result *r)
{
	if (q->n > q->ntables && opts->agent == NULL)
		return refuse(r, 503,
			      "no agent: the server was started without a "
			      "model (set --model and --api-base)");
	if (q->ntables > 0 && opts->commenter == NULL)
		return refuse(r, 503,
			      "no comment program: the server was started "
			      "without one");
	return 0;
}

static void req_free(req *q)
{
	size_t i;

	for (i = 0; q && i < q->n; i++) {
		mgen_table_release(q->rows[i].table);
		free(q->rows[i].table);
	}
	free(q);
}

void mgen__serve_invocations(const mgen_serve_options *opts, const char *body,
			     size_t len, inv_result *r)
{
	cJSON *root = NULL, *keep = cJSON_CreateArray();
	req *q = calloc(1, sizeof(*q));
	int chat = 0;

	memset(r, 0, sizeof(*r));
	if (q != NULL)
		q->po = opts->commenter
			    ? mgen_commenter_profile_options(opts->commenter)
			    : (mgen_profile_options)MGEN_PROFILE_OPTIONS_INIT;
	if (q == NULL || keep == NULL)
		refuse(r, 500, "out of memory");
	else if ((root = parse_body(body, len, r)) == NULL)
		;
	else if ((chat = cJSON_GetObjectItemCaseSensitive(root, "messages") !=
			 NULL)
		     ? take_chat(q, root, r) == 0
		     : take_shape(q, root, keep, r) == 0) {
		if (answerers(opts, q, r) == 0)
			answer_all(opts, q, chat ? K_CHATAGENT : K_SCORING,
				   NULL, r);
	}
	cJSON_Delete(root);
	cJSON_Delete(keep);
	req_free(q);
}

/* An OpenAI chat completions request: stream refused, the session from
 * `user` or the X-Session-Id header. */
static int take_openai(req *q, const cJSON *root, const char *header_sid,
		       inv_result *r)
{
	const cJSON *user = cJSON_GetObjectItemCaseSensitive(root, "user");
	const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");

	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "stream")))
		return refuse(r, 400,
			      "stream: streamed answers are not "
			      "supported; send \"stream\": false");
	if (model != NULL && !cJSON_IsString(model))
		return refuse(r, 400, "model: expected a string");
	if (take_messages(q, cJSON_GetObjectItemCaseSensitive(root, "messages"),
			  r) != 0)
		return -1;
	if (user != NULL && !cJSON_IsNull(user))
		return take_session(q, user, "user", r);
	if (header_sid == NULL)
		return take_session(q, NULL, "user", r);
	if (!mgen_memory_session_valid(header_sid))
		return refuse(r, 400,
			      "X-Session-Id: expected 1-%d characters "
			      "of A-Z a-z 0-9 . _ : -",
			      MGEN_MEMORY_SESSION_MAX);
	q->rows[0].session_id = header_sid; /* outlives the request */
	return 0;
}

void mgen__serve_chat_completions(mgen_agent *agent, const char *body,
				  size_t len, const char *header_session,
				  inv_result *r)
{
	cJSON *root = NULL;
	req *q = calloc(1, sizeof(*q));
	const char *model;
	mgen_serve_options o;

	memset(r, 0, sizeof(*r));
	memset(&o, 0, sizeof(o));
	o.agent = agent;
	if (q == NULL)
		refuse(r, 500, "out of memory");
	else if (agent == NULL)
		refuse(r, 503,
		       "no agent: the server was started without a "
		       "model (set --model and --api-base)");
	else if ((root = parse_body(body, len, r)) != NULL &&
		 take_openai(q, root, header_session, r) == 0) {
		model = mgen__json_str(root, "model");
		answer_all(&o, q, K_OPENAI, model ? model : "metagen-ask", r);
	}
	cJSON_Delete(root);
	free(q);
}
