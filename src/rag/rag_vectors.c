/*
 * rag_vectors.c - dense vectors over any store (include/metagen/rag.h,
 * the store interface in rag_store.h): embedding the chunks that have
 * none through an attached embeddings client, exact ranking of vectors
 * held in memory, and the dense and hybrid search modes.
 */
#include <stdlib.h>
#include <string.h>

#include "metagen/buf.h"
#include "metagen/lm.h"
#include "rag/rag_internal.h"
#include "rag/rag_store.h"
#include "util/util.h"

#define EMBED_GROUP 256 /* chunks per transaction of embed_pending */
#define RRF_K 60.0
#define FUSION_DEPTH 100

void mgen__rag_vec_forget(mgen_rag *r)
{
	free(r->vec_ids);
	free(r->vec);
	r->vec_ids = NULL;
	r->vec = NULL;
	r->vec_count = 0;
	r->vec_loaded = 0;
}

int mgen_rag_mode_parse(const char *name)
{
	static const char *const names[] = {"bm25", "dense", "hybrid", "auto"};
	int i;

	for (i = 0; name && i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

int mgen_rag_set_embedder(mgen_rag *r, struct mgen_lm *lm, size_t batch,
			  mgen_err *err)
{
	char *model = NULL;
	long long n;
	int rc = 0;

	r->lm = NULL;
	if (lm == NULL)
		return 0;
	n = r->ops->count_vectors(r, err);
	if (n < 0 ||
	    (rc = r->ops->meta_get(r, "embed_model", &model, err)) != 0)
		return n < 0 ? MGEN_EDB : rc;
	if (n > 0 && model && strcmp(model, mgen_lm_model(lm)) != 0)
		rc = mgen_err_set(err, MGEN_ECONFIG,
				  "rag index '%s' holds "
				  "vectors of model '%s', not of '%s' "
				  "(rag.embeddings.model); use another index "
				  "file or remove this one to embed again",
				  r->path, model, mgen_lm_model(lm));
	free(model);
	if (rc == 0) {
		r->lm = lm;
		r->batch = batch ? batch : MGEN_LM_EMBED_BATCH;
	}
	return rc;
}

int mgen__rag_stored_dim(mgen_rag *r, int *dim, mgen_err *err)
{
	char *v = NULL, *end = NULL;
	int rc = r->ops->meta_get(r, "embed_dim", &v, err);
	long d = v ? strtol(v, &end, 10) : 0;

	*dim = 0;
	if (rc == 0 && v && (*end || d < 1 || d > 65536))
		rc = mgen_err_set(err, MGEN_EDB,
				  "rag index '%s': bad "
				  "embed_dim '%.20s' in rag_meta",
				  r->path, v);
	else if (rc == 0)
		*dim = (int)d;
	free(v);
	return rc;
}

int mgen_rag_embed_pending(mgen_rag *r, long long *embedded, mgen_err *err)
{
	long long ids[EMBED_GROUP];
	char *texts[EMBED_GROUP];
	float *v = NULL;
	size_t n = 0, i;
	int dim = 0, rc;

	*embedded = 0;
	if (r->lm == NULL)
		return mgen_err_set(err, MGEN_EINVAL,
				    "rag: no embeddings model "
				    "(rag.embeddings.model) to embed with");
	rc = mgen__rag_stored_dim(r, &dim, err);
	while (rc == 0) {
		rc = r->ops->pending(r, ids, texts, EMBED_GROUP, &n, err);
		if (rc == 0 && n > 0)
			rc = mgen_lm_embed(r->lm, (const char *const *)texts, n,
					   r->batch, &dim, &v, err);
		if (rc == 0 && n > 0)
			rc = r->ops->store_vectors(r, ids, v, n, dim, err);
		for (i = 0; i < n; i++)
			free(texts[i]);
		free(v);
		v = NULL;
		if (rc != 0 || n == 0)
			break;
		*embedded += (long long)n;
	}
	return rc;
}

/* The ids of the BM25 hits of `q`, at most `depth`. */
static int bm25_ids(mgen_rag *r, const char *q, size_t depth, long long **ids,
		    size_t *n, mgen_err *err)
{
	mgen_rag_hit *h = NULL;
	size_t i;
	int rc = mgen_rag_search(r, q, depth, &h, n, err);

	*ids = malloc((*n + 1) * sizeof(**ids));
	if (rc == 0 && *ids == NULL)
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	for (i = 0; rc == 0 && i < *n; i++)
		(*ids)[i] = h[i].id;
	mgen_rag_hits_free(h, *n);
	return rc;
}

int mgen__rag_dense_memory(mgen_rag *r, const float *q, size_t k,
			   mgen__rag_scored *out, size_t *m, mgen_err *err)
{
	(void)err;
	*m =
	    mgen__rag_topk(r->vec, r->vec_ids, r->vec_count, r->dim, q, k, out);
	return 0;
}

/* Dense (and, when `hybrid`, fused) ranking of `q` into s[0..*m). */
static int dense_rank(mgen_rag *r, const char *q, int hybrid, size_t top_k,
		      mgen__rag_scored *s, size_t *m, mgen_err *err)
{
	size_t depth = hybrid && top_k < FUSION_DEPTH ? FUSION_DEPTH : top_k;
	long long *dense = NULL, *bm = NULL;
	float *qv = NULL;
	size_t nb = 0, i;
	int dim = r->dim, rc;

	rc = mgen_lm_embed(r->lm, &q, 1, 1, &dim, &qv, err);
	if (rc != 0)
		return rc;
	mgen__rag_normalize(qv, dim);
	rc = dim == r->dim ? r->ops->dense(r, qv, depth, s, m, err)
			   : mgen_err_set(err, MGEN_EPARSE,
					  "rag index '%s': the query's vector "
					  "has %d numbers, the index's %d",
					  r->path, dim, r->dim);
	free(qv);
	if (rc != 0 || !hybrid)
		return rc;
	dense = malloc((*m + 1) * sizeof(*dense));
	if (dense == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	for (i = 0; i < *m; i++)
		dense[i] = s[i].id;
	rc = bm25_ids(r, q, depth, &bm, &nb, err);
	if (rc == 0) {
		*m = mgen__rag_rrf(bm, nb, dense, *m, RRF_K, top_k, s);
		if (*m == (size_t)-1)
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	free(dense);
	free(bm);
	return rc;
}

/* 1 when `q` has a letter, digit or byte >= 0x80 (a word to match). */
static int has_word(const char *q)
{
	for (; *q; q++)
		if ((*q >= '0' && *q <= '9') ||
		    ((*q | 32) >= 'a' && (*q | 32) <= 'z') ||
		    (unsigned char)*q >= 0x80)
			return 1;
	return 0;
}

int mgen_rag_search_mode(mgen_rag *r, const char *query, mgen_rag_mode mode,
			 size_t top_k, mgen_rag_hit **out, size_t *n,
			 mgen_err *err)
{
	mgen__rag_scored *s = NULL;
	long long count = 0;
	size_t m = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (mode == MGEN_RAG_AUTO) {
		long long nv = r->lm ? r->ops->count_vectors(r, err) : 0;
		if (nv < 0)
			return MGEN_EDB;
		mode = nv > 0 ? MGEN_RAG_HYBRID : MGEN_RAG_BM25;
	}
	if (mode == MGEN_RAG_BM25)
		return mgen_rag_search(r, query, top_k, out, n, err);
	if ((rc = mgen__rag_check_top_k(top_k, err)) != 0)
		return rc;
	if (r->lm == NULL)
		return mgen_err_set(err, MGEN_EINVAL,
				    "rag: %s search needs an "
				    "embeddings model (rag.embeddings.model)",
				    mode == MGEN_RAG_DENSE ? "dense"
							   : "hybrid");
	if ((rc = r->ops->dense_prepare(r, &count, err)) != 0)
		return rc;
	if (count == 0)
		return mgen_err_set(err, MGEN_EINVAL,
				    "rag index '%s' has no "
				    "vectors yet (metagen index add with "
				    "rag.embeddings.model set embeds it)",
				    r->path);
	if (query == NULL || !has_word(query))
		return 0; /* no word: no hits, as in BM25 */
	s = malloc((top_k < FUSION_DEPTH ? FUSION_DEPTH : top_k) * sizeof(*s));
	if (s == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	rc = dense_rank(r, query, mode == MGEN_RAG_HYBRID, top_k, s, &m, err);
	if (rc == 0)
		rc = r->ops->fetch(r, s, m < top_k ? m : top_k, out, n, err);
	free(s);
	return rc;
}

int mgen_rag_evaluate_mode(mgen_rag *r, mgen_rag_mode mode, const char *queries,
			   const char *qrels, mgen_rag_eval *out, mgen_err *err)
{
	mgen_rag_mode saved = r->eval_mode;
	int rc;

	r->eval_mode = mode;
	rc = mgen_rag_evaluate(r, queries, qrels, out, err);
	r->eval_mode = saved;
	return rc;
}
