/*
 * comment_knn.c - KNNFewShot for the comment program: the trainset a KNN
 * program file keeps (its predictor's "train", docs/dspy.md) read back
 * into examples, and per call the k examples nearest to the table being
 * described as its demos (mgen_knn, src/dspy/opt_knn.c). The key of an
 * example is its table's and columns' names and current table comment:
 * the tables' own words, not their sample values or statistics.
 */
#include <stdlib.h>
#include <string.h>

#include "comment/comment_knn.h"
#include "util/json.h"

int mgen__comment_knn_key(void *ud, const mgen_example *ex, mgen_buf *out)
{
	const char *name = mgen_example_get_str(ex, "table_name");
	char *data = NULL;
	cJSON *root = NULL, *cols, *c, *tc;

	(void)ud;
	mgen_buf_puts(out, name ? name : "");
	if (mgen_example_get_json(ex, "table_data", &data) == 0)
		root = cJSON_Parse(data);
	cols = cJSON_GetObjectItemCaseSensitive(root, "columns");
	cJSON_ArrayForEach(c, cols)
	{
		if (cJSON_IsString(c))
			mgen_buf_printf(out, " %s", c->valuestring);
	}
	tc = cJSON_GetObjectItemCaseSensitive(root, "table_comment");
	if (cJSON_IsString(tc))
		mgen_buf_printf(out, " %s", tc->valuestring);
	cJSON_Delete(root);
	free(data);
	return mgen_buf_error(out) ? MGEN_ENOMEM : 0;
}

/* The name of the first field of `sig` that `ex` lacks (`reasoning`, which
 * a labeled example never has, excepted), or NULL. */
static const char *missing_field(const mgen_signature *sig,
				 const mgen_example *ex)
{
	mgen_sig_field f;
	size_t i, nf = mgen_signature_n_fields(sig);

	for (i = 0; i < nf; i++) {
		mgen_signature_field(sig, i, &f);
		if (strcmp(f.name, "reasoning") != 0 &&
		    !mgen_example_has(ex, f.name))
			return f.name;
	}
	return NULL;
}

static int read_train(const mgen_program *prog, size_t p,
		      const mgen_signature *sig, mgen__comment_knn *s,
		      mgen_err *err)
{
	const char *pname = mgen_program_name(prog, p), *miss;
	size_t t, n = mgen_program_train_count(prog, p);
	mgen_err e = MGEN_ERR_INIT;

	if (n == 0)
		return mgen_err_set(err, MGEN_EINVAL,
				    "predictor '%s': metadata.metagen.knn_k is "
				    "set but \"train\" is empty",
				    pname);
	s->train = calloc(n, sizeof(*s->train));
	if (s->train == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	for (t = 0; t < n; t++) {
		int rc = mgen_example_from_json(mgen_program_train(prog, p, t),
						&s->train[t], &e);
		if (rc != 0)
			return mgen_err_set(err, rc,
					    "predictor '%s': train "
					    "%zu: %s",
					    pname, t, e.msg);
		s->ntrain++;
		if ((miss = missing_field(sig, s->train[t])) != NULL)
			return mgen_err_set(err, MGEN_EINVAL,
					    "predictor '%s': train %zu has no "
					    "field '%s'",
					    pname, t, miss);
	}
	return 0;
}

int mgen__comment_knn_load(const mgen_program *prog, size_t p,
			   const mgen_signature *sig, mgen__comment_knn *out,
			   mgen_err *err)
{
	long long k = mgen_program_knn(prog);
	int rc;

	memset(out, 0, sizeof(*out));
	if (k <= 0)
		return 0;
	rc = read_train(prog, p, sig, out, err);
	if (rc == 0)
		rc = mgen_knn_new(sig, (const mgen_example *const *)out->train,
				  out->ntrain, (size_t)k, mgen__comment_knn_key,
				  NULL, &out->knn, err);
	if (rc != 0)
		mgen__comment_knn_release(out);
	return rc;
}

int mgen__comment_knn_demos(const mgen__comment_knn *s,
			    const mgen_example *inputs,
			    const mgen_example **demos, size_t *n,
			    mgen_err *err)
{
	size_t idx[MGEN_KNN_MAX_K], i;
	int rc = mgen_knn_nearest(s->knn, inputs, idx, n, err);

	for (i = 0; rc == 0 && i < *n; i++)
		demos[i] = s->train[idx[i]];
	return rc;
}

void mgen__comment_knn_release(mgen__comment_knn *s)
{
	size_t i;

	mgen_knn_free(s->knn);
	for (i = 0; i < s->ntrain; i++)
		mgen_example_free(s->train[i]);
	free(s->train);
	memset(s, 0, sizeof(*s));
}
