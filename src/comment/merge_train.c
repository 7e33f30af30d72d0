/*
 * merge_train.c - the merge predictor's training data and metric
 * (include/metagen/train.h): merge examples traced from the comment
 * examples of wide tables, as DSPy's bootstrap traces a multi-stage
 * program (the comment predictor writes each chunk's table description,
 * the gold table comment is the merge's gold), the merge metric (token
 * F1 of the merged description against the gold) and its GEPA feedback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comment/train_internal.h"
#include "metagen/answer.h"
#include "metagen/buf.h"
#include "metagen/comment_program.h"
#include "metagen/metric.h"
#include "metagen/train.h"
#include "util/json.h"
#include "util/util.h"

/* The gold table comment of a comment example ("" when none; caller
 * frees; NULL on ENOMEM). */
static char *gold_table(const mgen_example *ex)
{
	char *gj = NULL, *out = NULL;
	mgen_answer a;

	memset(&a, 0, sizeof(a));
	if (mgen_example_get_json(ex, "comments", &gj) == 0 &&
	    mgen_answer_parse(gj, 0, &a, NULL) == 0 && a.table_comment)
		out = mgen__strdup(a.table_comment);
	else
		out = mgen__strdup("");
	mgen_answer_release(&a);
	free(gj);
	return out;
}

size_t mgen_merge_chunks(const mgen_example *ex, size_t per)
{
	size_t n = 0, i, k;
	char **asked = mgen__train_asked(ex, &n), *gold;

	for (i = 0; asked && i < n; i++)
		free(asked[i]);
	free(asked);
	k = per ? (n + per - 1) / per : 0;
	if (k < 2)
		return 0;
	gold = gold_table(ex);
	if (gold == NULL || !gold[0])
		k = 0;
	free(gold);
	return k;
}

/* Keeps the cells first..first+per of each row of `data`. */
static void slice_rows(cJSON *data, size_t first, size_t per)
{
	cJSON *row;

	cJSON_ArrayForEach(row, data)
	{
		int n = cJSON_GetArraySize(row), j;
		if (!cJSON_IsArray(row))
			continue;
		for (j = n - 1; j >= 0; j--)
			if ((size_t)j < first || (size_t)j >= first + per)
				cJSON_DeleteItemFromArray(row, j);
	}
}

/* The inputs of chunk [first, first+per) of comment example `ex`, as
 * generate builds them for that chunk: table_data with those columns
 * (and their cells), column_metadata with their entries. */
static int chunk_inputs(const mgen_example *ex, size_t first, size_t per,
			mgen_example **out, mgen_err *err)
{
	char *td = NULL, *cm = NULL, *tdo = NULL, *cmo = NULL;
	cJSON *data = NULL, *meta = NULL, *cols, *c, *keep = NULL;
	int rc = MGEN_ENOMEM, j, bad = 0;

	*out = NULL;
	mgen_example_get_json(ex, "table_data", &td);
	mgen_example_get_json(ex, "column_metadata", &cm);
	data = td ? cJSON_Parse(td) : NULL;
	meta = cm ? cJSON_Parse(cm) : cJSON_CreateObject();
	keep = cJSON_CreateObject();
	cols = cJSON_GetObjectItemCaseSensitive(data, "columns");
	if (data == NULL || meta == NULL || keep == NULL)
		goto done;
	if (!cJSON_IsArray(cols)) { /* not a split-shape table_data */
		rc =
		    mgen_err_set(err, MGEN_EINVAL, "table_data has no columns");
		goto done;
	}
	for (c = cols->child, j = 0; c; c = c->next, j++) {
		cJSON *m;
		if ((size_t)j < first || (size_t)j >= first + per ||
		    !cJSON_IsString(c))
			continue;
		m = cJSON_DetachItemFromObjectCaseSensitive(meta,
							    c->valuestring);
		if (m)
			mgen__json_add(&bad, keep, c->valuestring, m);
	}
	if (bad)
		goto done;
	for (j = cJSON_GetArraySize(cols) - 1; j >= 0; j--)
		if ((size_t)j < first || (size_t)j >= first + per)
			cJSON_DeleteItemFromArray(cols, j);
	slice_rows(cJSON_GetObjectItemCaseSensitive(data, "data"), first, per);
	if (keep == NULL || mgen__json_py_floats(keep, "avg_length") != 0)
		goto done;
	tdo = mgen__json_print(data);
	cmo = mgen__json_print(keep);
	if (tdo == NULL || cmo == NULL || mgen_example_copy(ex, out) != 0)
		goto done;
	rc = mgen_example_set_json(*out, "table_data", tdo, err);
	if (rc == 0)
		rc = mgen_example_set_json(*out, "column_metadata", cmo, err);
	if (rc == 0)
		mgen_example_remove(*out, "comments");
done:
	if (rc == MGEN_ENOMEM)
		mgen_err_set(err, rc, "out of memory");
	if (rc != 0) {
		mgen_example_free(*out);
		*out = NULL;
	}
	cJSON_Delete(data);
	cJSON_Delete(meta);
	cJSON_Delete(keep);
	free(td);
	free(cm);
	free(tdo);
	free(cmo);
	return rc;
}

/* The table description the comment predictor wrote for one chunk
 * (*out NULL when it gave none); *calls += the LM calls made. */
static int trace_chunk(mgen_lm *lm, const mgen_signature *sig,
		       const mgen_example *const *demos, size_t ndemos,
		       const mgen_example *inputs,
		       const mgen_predict_options *po, char **out,
		       long long *calls)
{
	mgen_example *pred = NULL;
	mgen_predict_info info;
	mgen_answer a;
	char *json = NULL;
	int rc;

	*out = NULL;
	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	rc = mgen_predict(lm, sig, demos, ndemos, inputs, po, &pred, &info,
			  NULL);
	*calls += info.lm_calls;
	if (rc == 0 && mgen_example_get_json(pred, "comments", &json) == 0 &&
	    mgen_answer_parse(json, 0, &a, NULL) == 0 && a.table_comment &&
	    a.table_comment[0]) {
		*out = mgen__strdup(a.table_comment);
		if (*out == NULL)
			rc = MGEN_ENOMEM;
	}
	mgen_answer_release(&a);
	mgen_example_free(pred);
	free(json);
	return rc == MGEN_ENOMEM ? rc : 0;
}

/* The merge example of one wide comment example, or *out NULL when fewer
 * than two chunks gave a table description. */
static int one_merge_example(mgen_lm *lm, const mgen_merge_trace *tr,
			     const mgen_example *ex, size_t nchunks,
			     mgen_example **out, long long *calls,
			     mgen_err *err)
{
	char **parts = calloc(nchunks + 1, sizeof(*parts)), *abbr = NULL;
	char *gold = gold_table(ex);
	size_t k, nparts = 0;
	int rc = parts && gold ? 0 : MGEN_ENOMEM;

	*out = NULL;
	for (k = 0; rc == 0 && k < nchunks; k++) {
		mgen_example *in = NULL;
		rc = chunk_inputs(ex, k * tr->per, tr->per, &in, err);
		if (rc == MGEN_EINVAL) { /* a malformed example: no part */
			rc = 0;
			continue;
		}
		if (rc == 0)
			rc = trace_chunk(lm, tr->sig, tr->demos, tr->ndemos, in,
					 tr->predict, &parts[nparts], calls);
		if (rc == 0 && parts[nparts])
			nparts++;
		mgen_example_free(in);
	}
	if (rc == 0 && nparts >= 2)
		rc = mgen_merge_inputs(mgen_example_get_str(ex, "table_name"),
				       (const char *const *)parts, nparts, NULL,
				       out, err);
	if (rc == 0 && *out &&
	    mgen_example_get_json(ex, "abbreviations", &abbr) == 0)
		rc = mgen_example_set_json(*out, "abbreviations", abbr, err);
	if (rc == 0 && *out)
		rc = mgen_example_set_str(*out, "table", gold);
	if (rc != 0) {
		mgen_example_free(*out);
		*out = NULL;
		if (rc == MGEN_ENOMEM)
			mgen_err_set(err, rc, "out of memory");
	}
	for (k = 0; parts && k < nchunks; k++)
		free(parts[k]);
	free(parts);
	free(abbr);
	free(gold);
	return rc;
}

long long mgen_merge_trace_bound(mgen_example *const *ex, size_t n, size_t per,
				 int no_json_fallback)
{
	long long calls = 0;
	size_t i;

	for (i = 0; i < n; i++)
		calls += (long long)mgen_merge_chunks(ex[i], per);
	return calls * (no_json_fallback ? 1 : 2);
}

int mgen_merge_examples(mgen_lm *lm, const mgen_merge_trace *tr,
			mgen_example *const *ex, size_t n, mgen_example ***out,
			size_t *nout, long long *calls, mgen_err *err)
{
	mgen_example **m = calloc(n + 1, sizeof(*m));
	size_t i, k = 0;
	int rc = m ? 0 : mgen_err_set(err, MGEN_ENOMEM, "out of memory");

	*out = NULL;
	*nout = 0;
	for (i = 0; rc == 0 && i < n; i++) {
		size_t nchunks = mgen_merge_chunks(ex[i], tr->per);
		if (nchunks == 0)
			continue;
		rc = one_merge_example(lm, tr, ex[i], nchunks, &m[k], calls,
				       err);
		if (rc == 0 && m[k])
			k++;
	}
	if (rc != 0) {
		mgen_train_examples_free(m, k);
		return rc;
	}
	*out = m;
	*nout = k;
	return 0;
}

/* The `table` of a merge prediction, normalised as generate takes it
 * (caller frees; "" when none). */
static char *pred_table(const mgen_example *prediction)
{
	const char *v =
	    prediction ? mgen_example_get_str(prediction, "table") : NULL;

	return mgen_merge_table_text(v ? v : "");
}

double mgen_merge_metric(void *ud, const mgen_example *example,
			 const mgen_example *prediction, int has_trace)
{
	const char *gold = mgen_example_get_str(example, "table");
	char *pred = pred_table(prediction);
	double f1 = 0;

	(void)ud;
	(void)has_trace;
	if (pred && pred[0] && gold && gold[0])
		mgen_metric_token_f1(gold, pred, &f1);
	free(pred);
	return f1;
}

int mgen_merge_feedback(void *ud, const mgen_example *example,
			const mgen_example *prediction, char **feedback)
{
	const char *gold = mgen_example_get_str(example, "table");
	char *pred = pred_table(prediction);
	mgen_buf b = MGEN_BUF_INIT;
	double f1 = mgen_merge_metric(ud, example, prediction, 0);

	*feedback = NULL;
	mgen_buf_printf(&b,
			"Score %.2f (token F1 of the merged description "
			"against the gold one).\n",
			f1);
	if (pred == NULL || !pred[0])
		mgen_buf_puts(&b, "The answer gave no table description.\n");
	mgen_buf_printf(&b, "Gold table description: \"%.500s\"\n",
			gold ? gold : "");
	if (pred && pred[0])
		mgen_buf_printf(&b, "The answer said: \"%.500s\"\n", pred);
	free(pred);
	if (mgen_buf_error(&b)) {
		mgen_buf_release(&b);
		return MGEN_ENOMEM;
	}
	*feedback = mgen_buf_detach(&b);
	return *feedback ? 0 : MGEN_ENOMEM;
}
