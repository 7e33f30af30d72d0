/*
 * opt_knn.c - KNNFewShot (dspy/teleprompt/knn_fewshot.py with the
 * retriever of dspy/predict/knn.py): the compiled program keeps the whole
 * trainset (its predictor's "train") and k; at prediction time the k
 * training examples nearest to a call's inputs become that call's demos.
 *
 * "Nearest" is the RAG retriever's BM25 (rag.h: SQLite FTS5, Porter over
 * unicode61, any text safe) over a private in-memory index that holds one
 * chunk per training example: its key text (the caller's key function,
 * else the values of the signature's input fields, " | " between), cut
 * at MGEN_KNN_KEY_BYTES. Ties go to the earlier training example (FTS5
 * rowid order = trainset order); examples sharing no word with the query
 * follow, in trainset order, so a call gets min(k, n) demos. The choice
 * depends on the saved file alone (no index, no embeddings model, no LM).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dspy/optimize_internal.h"
#include "metagen/buf.h"
#include "metagen/rag.h"

struct mgen_knn {
	mgen_rag *rag; /* ":memory:", one chunk per example with a key */
	size_t n, k;
	mgen_knn_key_fn key;
	void *ud;
	const mgen_signature *sig;
	pthread_mutex_t lock; /* one SQLite handle, one thread at a time */
};

/* The values of the inputs present, " | " between. Deviation: DSPy's
 * KNN writes "name: value"; for BM25 a field name shared by every example
 * is a word that matches them all (ranking the rest by length). */
static int default_key(const mgen_signature *sig, const mgen_example *ex,
		       mgen_buf *out)
{
	mgen_sig_field f;
	char *v = NULL;
	size_t i, nin = mgen_signature_n_inputs(sig);

	for (i = 0; i < nin; i++) {
		mgen_signature_field(sig, i, &f);
		if (!mgen_example_has(ex, f.name))
			continue;
		if (out->len)
			mgen_buf_puts(out, " | ");
		if (mgen_example_get_str(ex, f.name))
			mgen_buf_puts(out, mgen_example_get_str(ex, f.name));
		else if (mgen_example_get_json(ex, f.name, &v) == 0)
			mgen_buf_puts(out, v);
		free(v);
		v = NULL;
	}
	return mgen_buf_error(out) ? MGEN_ENOMEM : 0;
}

/* The key text of `ex`, at most MGEN_KNN_KEY_BYTES (cut after a space
 * when there is one; a cut UTF-8 sequence is sanitised by the index). */
static int key_text(const mgen_knn *knn, const mgen_example *ex, char **out)
{
	mgen_buf b = MGEN_BUF_INIT;
	int rc = knn->key ? knn->key(knn->ud, ex, &b)
			  : default_key(knn->sig, ex, &b);
	size_t cut;

	*out = NULL;
	if (rc == 0 && mgen_buf_error(&b))
		rc = MGEN_ENOMEM;
	if (rc == 0 && b.len > MGEN_KNN_KEY_BYTES) {
		cut = MGEN_KNN_KEY_BYTES;
		while (cut > 0 && b.data[cut] != ' ')
			cut--;
		b.len = cut ? cut : MGEN_KNN_KEY_BYTES;
		b.data[b.len] = '\0';
	}
	if (rc == 0 && (*out = mgen_buf_detach(&b)) == NULL)
		rc = MGEN_ENOMEM;
	mgen_buf_release(&b);
	return rc;
}

/* Indexes every example's key as one entry (ref = its position). */
static int index_train(mgen_knn *knn, const mgen_example *const *train,
		       mgen_err *err)
{
	mgen_rag_entry *e = calloc(knn->n + 1, sizeof(*e));
	char **keys = calloc(knn->n + 1, sizeof(*keys));
	char(*refs)[24] = calloc(knn->n + 1, sizeof(*refs));
	size_t i;
	int rc = e && keys && refs ? 0 : MGEN_ENOMEM;

	for (i = 0; rc == 0 && i < knn->n; i++) {
		rc = key_text(knn, train[i], &keys[i]);
		snprintf(refs[i], sizeof(refs[i]), "%zu", i);
		e[i].title = "";
		e[i].ref = refs[i];
		e[i].text = keys[i];
	}
	if (rc == MGEN_ENOMEM)
		mgen_err_set(err, rc, "knn: out of memory");
	else if (rc != 0)
		mgen_err_set(err, rc, "knn: the key of training example %zu",
			     i - 1);
	else if (knn->n > 0)
		rc = mgen_rag_add_entries(knn->rag, "knn:trainset", e, knn->n,
					  NULL, NULL, err);
	for (i = 0; keys && i < knn->n; i++)
		free(keys[i]);
	free(keys);
	free(refs);
	free(e);
	return rc;
}

int mgen_knn_new(const mgen_signature *sig, const mgen_example *const *train,
		 size_t n, size_t k, mgen_knn_key_fn key, void *ud,
		 mgen_knn **out, mgen_err *err)
{
	mgen_rag_options o = MGEN_RAG_OPTIONS_INIT;
	mgen_knn *knn;
	int rc;

	*out = NULL;
	if (k < 1 || k > MGEN_KNN_MAX_K || n > MGEN_PROGRAM_MAX_TRAIN ||
	    (sig == NULL && key == NULL))
		return mgen_err_set(err, MGEN_EINVAL,
				    "knn: k must be from 1 to %d (got %zu) "
				    "and the trainset at most %d examples "
				    "(got %zu)",
				    MGEN_KNN_MAX_K, k, MGEN_PROGRAM_MAX_TRAIN,
				    n);
	knn = calloc(1, sizeof(*knn));
	if (knn == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "knn: out of memory");
	knn->n = n;
	knn->k = k;
	knn->key = key;
	knn->ud = ud;
	knn->sig = sig;
	pthread_mutex_init(&knn->lock, NULL);
	/* one window per example: a key is shorter than chunk_tokens */
	o.chunk_tokens = 100000;
	o.chunk_overlap = 0;
	rc = mgen_rag_open(":memory:", 1, &o, &knn->rag, err);
	if (rc == 0)
		rc = index_train(knn, train, err);
	if (rc != 0) {
		mgen_knn_free(knn);
		return rc;
	}
	*out = knn;
	return 0;
}

void mgen_knn_free(mgen_knn *knn)
{
	if (knn == NULL)
		return;
	mgen_rag_close(knn->rag);
	pthread_mutex_destroy(&knn->lock);
	free(knn);
}

size_t mgen_knn_k(const mgen_knn *knn)
{
	return knn->k;
}

/* The BM25 hits of `query` as example positions into idx (marking
 * taken[]); *m counts them. */
static int ranked(mgen_knn *knn, const char *query, size_t *idx, char *taken,
		  size_t *m, mgen_err *err)
{
	mgen_rag_hit *h = NULL;
	size_t nh = 0, i;
	char *end;
	unsigned long long x;
	int rc;

	pthread_mutex_lock(&knn->lock);
	rc = mgen_rag_search(knn->rag, query, knn->k, &h, &nh, err);
	pthread_mutex_unlock(&knn->lock);
	for (i = 0; rc == 0 && i < nh && *m < knn->k; i++) {
		x = strtoull(h[i].ref, &end, 10);
		if (*end != '\0' || x >= knn->n || taken[x])
			continue; /* not written by index_train */
		taken[x] = 1;
		idx[(*m)++] = (size_t)x;
	}
	mgen_rag_hits_free(h, nh);
	return rc;
}

int mgen_knn_nearest(mgen_knn *knn, const mgen_example *inputs, size_t *idx,
		     size_t *n, mgen_err *err)
{
	char *query = NULL, *taken = NULL;
	size_t i, m = 0;
	int rc;

	*n = 0;
	if (knn->n == 0)
		return 0;
	rc = key_text(knn, inputs, &query);
	if (rc == 0 && (taken = calloc(knn->n, 1)) == NULL)
		rc = MGEN_ENOMEM;
	if (rc != 0) {
		free(query);
		return mgen_err_set(err, rc, "knn: %s",
				    rc == MGEN_ENOMEM
					? "out of memory"
					: "the key of the inputs");
	}
	rc = ranked(knn, query, idx, taken, &m, err);
	for (i = 0; rc == 0 && i < knn->n && m < knn->k; i++)
		if (!taken[i]) /* no shared word: trainset order */
			idx[m++] = i;
	if (rc == 0)
		*n = m;
	free(query);
	free(taken);
	return rc;
}

int mgen__opt_knn_program(const opt_ctx *c, mgen_program *p, mgen_err *err)
{
	char *json = NULL;
	size_t i;
	int rc = 0;

	if (c->ntrain > MGEN_PROGRAM_MAX_TRAIN)
		return mgen_err_set(err, MGEN_ELIMIT,
				    "knn: %zu training examples, more than "
				    "%d",
				    c->ntrain, MGEN_PROGRAM_MAX_TRAIN);
	for (i = 0; rc == 0 && i < c->ntrain; i++) {
		rc = mgen_example_to_json(c->train[i], &json);
		if (rc == 0)
			rc = mgen_program_add_train(p, 0, json, err);
		free(json);
		json = NULL;
	}
	if (rc != 0)
		return mgen_err_set(err, rc, "knn: cannot keep the trainset");
	mgen_program_set_knn(p, (long long)c->o.k);
	return 0;
}
