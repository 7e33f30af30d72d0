/*
 * train.c - gold examples as comment-program examples, the comment metric
 * and the legacy-vs-optimized comparison (include/metagen/train.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comment/train_internal.h"
#include "metagen/answer.h"
#include "metagen/metric.h"
#include "metagen/optimize.h"
#include "metagen/prompt.h"
#include "metagen/train.h"
#include "util/json.h"
#include "util/util.h"

/* The answer JSON {"table", "columns", "column_contents"}, in that
 * order (the order the signature's instructions give them), for a table
 * comment and column comments (a kvlist of column -> comment); NULL on
 * out of memory (checked adds: never an answer missing a column). */
static char *answer_json(const char *table_comment, const mgen_kvlist *cols)
{
	cJSON *o = cJSON_CreateObject(), *names, *texts;
	int err = o ? 0 : MGEN_ENOMEM;
	char *text = NULL;
	size_t i;

	mgen__json_add_str(&err, o, "table",
			   table_comment ? table_comment : "");
	names = mgen__json_add_array(&err, o, "columns");
	texts = mgen__json_add_array(&err, o, "column_contents");
	for (i = 0; cols && i < cols->n; i++) {
		mgen__json_add_str(&err, names, NULL, cols->items[i].key);
		mgen__json_add_str(&err, texts, NULL, cols->items[i].value);
	}
	if (err == 0)
		text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

void mgen_train_examples_free(mgen_example **ex, size_t n)
{
	size_t i;

	for (i = 0; ex && i < n; i++)
		mgen_example_free(ex[i]);
	free(ex);
}

/* One gold example: the profile's inputs plus the gold `comments`. */
static int one_example(const mgen_gold_example *g, const char *source,
		       mgen_example **out, mgen_err *err)
{
	cJSON *extra = g->extra ? cJSON_Parse(g->extra) : NULL;
	cJSON *prof = cJSON_GetObjectItemCaseSensitive(extra, "profile");
	char *text = NULL, *gold = NULL;
	int rc;

	*out = NULL;
	if (!cJSON_IsObject(prof)) {
		cJSON_Delete(extra);
		return mgen_err_set(err, MGEN_EINVAL,
				    "%s:%zu: table %s has no profile: write "
				    "the file with metagen harvest",
				    source, g->line, g->table);
	}
	/* the spelling generate's inputs have (mgen_comment_inputs) */
	if (mgen__json_py_floats(
		cJSON_GetObjectItemCaseSensitive(prof, "column_metadata"),
		"avg_length") == 0)
		text = cJSON_PrintUnformatted(prof);
	gold = answer_json(g->table_comment, &g->columns);
	rc =
	    text && gold ? mgen_example_from_json(text, out, err) : MGEN_ENOMEM;
	if (rc == 0)
		rc = mgen_example_set_json(*out, "comments", gold, err);
	if (rc) {
		mgen_example_free(*out);
		*out = NULL;
	}
	free(text);
	free(gold);
	cJSON_Delete(extra);
	return rc;
}

int mgen_train_examples(const mgen_dataset *ds, const char *source,
			mgen_example ***out, size_t *n, mgen_err *err)
{
	mgen_example **ex = calloc(ds->n + 1, sizeof(*ex));
	size_t i;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (ex == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	for (i = 0; i < ds->n && rc == 0; i++)
		rc = one_example(&ds->items[i], source ? source : "dataset",
				 &ex[i], err);
	if (rc) {
		mgen_train_examples_free(ex, ds->n);
		return rc;
	}
	*out = ex;
	*n = ds->n;
	return 0;
}

/* The items of an answer JSON text (columns paired with contents). */
typedef struct items {
	mgen_answer a;
	mgen_metric_item *it;
	int valid;
} items;

static void items_from(const char *json, items *x)
{
	size_t i;

	memset(x, 0, sizeof(*x));
	if (json == NULL || mgen_answer_parse(json, 0, &x->a, NULL) != 0)
		return;
	x->it = calloc(x->a.n + 1, sizeof(*x->it));
	if (x->it == NULL)
		return;
	for (i = 0; i < x->a.n; i++) {
		x->it[i].column = x->a.columns[i];
		x->it[i].comment = x->a.contents[i];
	}
	x->valid = 1;
}

static void items_release(items *x)
{
	free(x->it);
	mgen_answer_release(&x->a);
}

char **mgen__train_asked(const mgen_example *ex, size_t *n)
{
	char *json = NULL, **names = NULL;
	cJSON *o, *c;
	size_t k = 0;

	*n = 0;
	if (mgen_example_get_json(ex, "table_data", &json) != 0)
		return NULL;
	o = cJSON_Parse(json);
	free(json);
	c = cJSON_GetObjectItemCaseSensitive(o, "columns");
	names = calloc((size_t)cJSON_GetArraySize(c) + 1, sizeof(*names));
	for (c = c ? c->child : NULL; names && c; c = c->next)
		if (cJSON_IsString(c))
			names[k++] = mgen__strdup(c->valuestring);
	cJSON_Delete(o);
	*n = k;
	return names;
}

double mgen_train_metric(void *ud, const mgen_example *example,
			 const mgen_example *prediction, int has_trace)
{
	char *gj = NULL, *pj = NULL, **asked;
	items g, p;
	mgen_metric_gold gold;
	mgen_metric_pred pred;
	size_t asked_count, i;
	double score = 0;

	(void)ud;
	(void)has_trace;
	mgen_example_get_json(example, "comments", &gj);
	if (prediction)
		mgen_example_get_json(prediction, "comments", &pj);
	items_from(gj, &g);
	items_from(pj, &p);
	asked = mgen__train_asked(example, &asked_count);
	memset(&gold, 0, sizeof(gold));
	memset(&pred, 0, sizeof(pred));
	gold.table_comment = g.a.table_comment;
	gold.columns = g.it;
	gold.column_count = g.valid ? g.a.n : 0;
	gold.asked = (const char *const *)asked;
	gold.asked_count = asked_count;
	pred.valid = p.valid;
	pred.table_comment = p.a.table_comment;
	pred.columns = p.it;
	pred.column_count = p.valid ? p.a.n : 0;
	if (g.valid)
		mgen_metric_comment(&gold, &pred, MGEN_SIM_TOKEN_F1, &score);
	for (i = 0; asked && i < asked_count; i++)
		free(asked[i]);
	free(asked);
	items_release(&g);
	items_release(&p);
	free(gj);
	free(pj);
	return score;
}

/* Sets a column's statistics from its column_metadata entry. */
static int column_from_meta(mgen_column *c, const cJSON *m)
{
	const char *type = mgen__json_str(m, "data_type");
	const cJSON *v;

	c->data_type = mgen__strdup(type ? type : "");
	c->non_null_count = (long long)mgen__json_num(m, "non_null_count", -1);
	c->distinct_count = (long long)mgen__json_num(m, "distinct_count", -1);
	c->avg_length = mgen__json_num(m, "avg_length", -1);
	v = cJSON_GetObjectItemCaseSensitive(m, "min");
	if (cJSON_IsString(v))
		c->min_value = mgen__strdup(v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(m, "max");
	if (cJSON_IsString(v))
		c->max_value = mgen__strdup(v->valuestring);
	return c->data_type ? 0 : MGEN_ENOMEM;
}

/* The sample rows of table_data ("data": rows of cells). */
static int sample_from(mgen_table *t, const cJSON *data)
{
	const cJSON *row, *cell;
	size_t r = 0, n = (size_t)cJSON_GetArraySize(data), k;

	if (n == 0 || t->column_count == 0)
		return 0;
	t->sample = calloc(n * t->column_count, sizeof(*t->sample));
	if (t->sample == NULL)
		return MGEN_ENOMEM;
	cJSON_ArrayForEach(row, data)
	{
		k = 0;
		cJSON_ArrayForEach(cell, row)
		{
			if (k < t->column_count && cJSON_IsString(cell))
				t->sample[r * t->column_count + k] =
				    mgen__strdup(cell->valuestring);
			k++;
		}
		r++;
	}
	t->sample_row_count = r;
	return 0;
}

/* Rebuilds a profiled table from an example's inputs (the profile that
 * harvest wrote), so the legacy templates can be rendered for it. */
static int table_from_example(const mgen_example *ex, mgen_table *t)
{
	char *td = NULL, *cm = NULL;
	cJSON *data = NULL, *meta = NULL, *c;
	const char *name = mgen_example_get_str(ex, "table_name");
	int rc = MGEN_EINVAL;

	memset(t, 0, sizeof(*t));
	t->row_count = -1;
	mgen_example_get_json(ex, "table_data", &td);
	mgen_example_get_json(ex, "column_metadata", &cm);
	data = td ? cJSON_Parse(td) : NULL;
	meta = cm ? cJSON_Parse(cm) : NULL;
	if (name == NULL || data == NULL)
		goto done;
	t->name = mgen__strdup(name); /* the full name, as in the prompt */
	rc = t->name ? 0 : MGEN_ENOMEM;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(data, "columns"))
	{
		mgen_column *col;
		const cJSON *m;
		if (rc || !cJSON_IsString(c))
			continue;
		rc = mgen_table_add_column(t, &col);
		if (rc == 0)
			col->name = mgen__strdup(c->valuestring);
		m = cJSON_GetObjectItemCaseSensitive(meta, c->valuestring);
		if (rc == 0)
			rc = column_from_meta(col, m);
		if (rc == 0 && t->row_count < 0)
			t->row_count =
			    (long long)mgen__json_num(m, "row_count", -1);
	}
	if (rc == 0)
		rc = sample_from(
		    t, cJSON_GetObjectItemCaseSensitive(data, "data"));
	t->profiled = rc == 0;
done:
	cJSON_Delete(data);
	cJSON_Delete(meta);
	free(td);
	free(cm);
	return rc;
}

/* The legacy path's prediction for one example: one LM call over all
 * columns; the answer normalised into a `comments` output. */
static double legacy_score(mgen_lm *lm, const mgen_prompt_set *ps,
			   const mgen_prompt_options *po,
			   const mgen_example *ex, char **answer)
{
	mgen_table t;
	mgen_chat chat;
	mgen_lm_response resp;
	mgen_answer a;
	mgen_kvlist cols = {NULL, 0, 0};
	mgen_example *pred = NULL;
	size_t *idx = NULL, i;
	char *json = NULL;
	double score = 0;

	memset(&chat, 0, sizeof(chat));
	memset(&resp, 0, sizeof(resp));
	memset(&a, 0, sizeof(a));
	if (table_from_example(ex, &t) != 0)
		goto done;
	idx = calloc(t.column_count + 1, sizeof(*idx));
	for (i = 0; idx && i < t.column_count; i++)
		idx[i] = i;
	if (idx == NULL ||
	    mgen_prompt_render_comment(ps, &t, idx, t.column_count, po, &chat,
				       NULL) != 0 ||
	    mgen_lm_chat(lm, chat.msgs, chat.n, NULL, &resp, NULL) != 0 ||
	    mgen_answer_parse_capped(
		resp.content ? resp.content : "",
		resp.finish_reason && strcmp(resp.finish_reason, "length") == 0,
		mgen_answer_entry_cap(t.column_count), &a, NULL) != 0)
		goto done;
	for (i = 0; i < a.n; i++)
		mgen_kvlist_add(&cols, a.columns[i], a.contents[i]);
	json = answer_json(a.table_comment, &cols);
	if (json && mgen_example_new(&pred) == 0 &&
	    mgen_example_set_json(pred, "comments", json, NULL) == 0)
		score = mgen_train_metric(NULL, ex, pred, 0);
	*answer = json; /* the caller's */
	json = NULL;
done:
	mgen_example_free(pred);
	free(json);
	mgen_kvlist_release(&cols);
	mgen_answer_release(&a);
	mgen_lm_response_release(&resp);
	mgen_chat_release(&chat);
	free(idx);
	mgen_table_release(&t);
	return score;
}

int mgen_train_compare(mgen_lm *lm, const mgen_config *cfg,
		       const mgen_comment_program *cp, mgen_example *const *dev,
		       size_t n, mgen_train_score *scores, mgen_err *err)
{
	const mgen_signature *sig =
	    cp ? mgen_comment_program_signature(cp) : NULL;
	const mgen_example *room[MGEN_KNN_MAX_K];
	const mgen_example *const *demos = NULL;
	size_t ndemos = 0;
	mgen_prompt_set *ps = NULL;
	mgen_prompt_options po;
	size_t i;
	int rc;

	rc = mgen_prompt_set_load(cfg->prompts_dir, &ps, err);
	if (rc)
		return rc;
	mgen_prompt_options_from_config(cfg, &po);
	for (i = 0; i < n; i++) {
		mgen_example *out = NULL;
		scores[i].table = mgen_example_get_str(dev[i], "table_name");
		scores[i].legacy_answer = scores[i].optimized_answer = NULL;
		scores[i].legacy =
		    legacy_score(lm, ps, &po, dev[i], &scores[i].legacy_answer);
		scores[i].optimized = -1;
		if (sig == NULL)
			continue;
		scores[i].optimized = 0;
		/* a KNN program's demos are the nearest to this table */
		rc = mgen_comment_program_demos_for(cp, dev[i], &demos, &ndemos,
						    room, err);
		if (rc != 0)
			break;
		if (mgen_predict(lm, sig, demos, ndemos, dev[i], NULL, &out,
				 NULL, NULL) == 0) {
			scores[i].optimized =
			    mgen_train_metric(NULL, dev[i], out, 0);
			mgen_example_get_json(out, "comments",
					      &scores[i].optimized_answer);
		}
		mgen_example_free(out);
	}
	mgen_prompt_set_free(ps);
	return rc;
}
