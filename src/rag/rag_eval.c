/*
 * rag_eval.c - retrieval quality on a BEIR-format set (queries.jsonl +
 * qrels TSV): nDCG@10 and recall@100 over documents ranked by their best
 * chunk, as BEIR's EvaluateRetrieval reports them (pytrec_eval).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/buf.h"
#include "rag/rag_store.h"
#include "util/json.h"
#include "util/util.h"

typedef struct qrel {
	char *qid, *doc;
	double score;
} qrel;

typedef struct qrels {
	qrel *v;
	size_t n, cap;
} qrels;

static void qrels_release(qrels *q)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		free(q->v[i].qid);
		free(q->v[i].doc);
	}
	free(q->v);
}

/* Reads "qid<TAB>doc<TAB>score" lines (first line a header when its
 * score is not a number; CR stripped). */
static int read_qrels(const char *path, qrels *q, mgen_err *err)
{
	char *data = NULL, *line, *save = NULL;
	size_t len = 0, lineno = 0;
	int rc = mgen__read_file(path, &data, &len);

	if (rc != 0)
		return mgen_err_set(err, MGEN_EIO, "%s: cannot read", path);
	for (line = data; line && *line; line = save) {
		char *nl = strchr(line, '\n'), *t1, *t2, *end;
		double s;
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		line[strcspn(line, "\r")] = '\0';
		if (line[0] == '\0')
			continue;
		t1 = strchr(line, '\t');
		t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		s = t2 ? strtod(t2 + 1, &end) : 0;
		if (t2 == NULL || end == t2 + 1) {
			if (lineno == 1)
				continue; /* header */
			rc = mgen_err_set(err, MGEN_EPARSE,
					  "%s:%zu: expected "
					  "query-id, corpus-id, score",
					  path, lineno);
			break;
		}
		if (q->n == q->cap) {
			size_t cap = q->cap ? q->cap * 2 : 256;
			qrel *v = realloc(q->v, cap * sizeof(*v));
			if (v == NULL) {
				rc = mgen_err_set(err, MGEN_ENOMEM,
						  "out of memory");
				break;
			}
			q->v = v;
			q->cap = cap;
		}
		q->v[q->n].qid = mgen__strndup(line, (size_t)(t1 - line));
		q->v[q->n].doc = mgen__strndup(t1 + 1, (size_t)(t2 - t1 - 1));
		q->v[q->n].score = s;
		if (!q->v[q->n].qid || !q->v[q->n].doc) {
			free(q->v[q->n].qid);
			free(q->v[q->n].doc);
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
			break;
		}
		q->n++;
	}
	free(data);
	return rc;
}

/* Relevance of `doc` for `qid` (0 when not judged). */
static double rel(const qrels *q, const char *qid, const char *doc)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		if (strcmp(q->v[i].qid, qid) == 0 &&
		    strcmp(q->v[i].doc, doc) == 0)
			return q->v[i].score;
	return 0;
}

static int cmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* nDCG@10 and recall@100 of one query; hits ranked, deduplicated by ref
 * (a document's best chunk counts). Returns 0 when qid has no relevant
 * document. */
static int score_query(const qrels *q, const char *qid, const mgen_rag_hit *h,
		       size_t n, double *ndcg, double *recall)
{
	double ideal[128], dcg = 0, idcg = 0, found = 0;
	size_t nrel = 0, i, j, rank = 0;

	for (i = 0; i < q->n; i++)
		if (strcmp(q->v[i].qid, qid) == 0 && q->v[i].score > 0 &&
		    nrel < 128)
			ideal[nrel++] = q->v[i].score;
	if (nrel == 0)
		return 0;
	qsort(ideal, nrel, sizeof(double), cmp_desc);
	for (i = 0; i < nrel && i < 10; i++)
		idcg += ideal[i] / log2((double)i + 2);
	for (i = 0; i < n && rank < 100; i++) {
		double g;
		for (j = 0; j < i; j++)
			if (strcmp(h[j].ref, h[i].ref) == 0)
				break;
		if (j < i)
			continue; /* a later chunk of a ranked document */
		g = rel(q, qid, h[i].ref);
		if (rank < 10)
			dcg += g / log2((double)rank + 2);
		if (g > 0)
			found++;
		rank++;
	}
	*ndcg = idcg > 0 ? dcg / idcg : 0;
	*recall = found / (double)nrel;
	return 1;
}

/* 1 when some qrel names `qid`. */
static int judged(const qrels *q, const char *qid)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		if (strcmp(q->v[i].qid, qid) == 0)
			return 1;
	return 0;
}

static int eval_line(mgen_rag *r, const qrels *q, const char *line, size_t n,
		     mgen_rag_eval *out, mgen_err *err)
{
	cJSON *j = cJSON_ParseWithLength(line, n);
	const char *id = mgen__json_str(j, "_id");
	const char *text = mgen__json_str(j, "text");
	mgen_rag_hit *h = NULL;
	size_t nh = 0;
	double ndcg = 0, recall = 0, t0;
	int rc = 0;

	if (id == NULL || text == NULL || !judged(q, id))
		goto done;
	t0 = mgen__now_ms();
	rc = mgen_rag_search_mode(r, text, r->eval_mode, 300, &h, &nh, err);
	out->ms += mgen__now_ms() - t0;
	if (rc == 0 && score_query(q, id, h, nh, &ndcg, &recall)) {
		out->queries++;
		out->ndcg10 += ndcg;
		out->recall100 += recall;
	}
done:
	mgen_rag_hits_free(h, nh);
	cJSON_Delete(j);
	return rc;
}

int mgen_rag_evaluate(mgen_rag *r, const char *queries, const char *qrelf,
		      mgen_rag_eval *out, mgen_err *err)
{
	qrels q = {0};
	char *data = NULL;
	size_t len = 0, pos = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = read_qrels(qrelf, &q, err)) != 0)
		goto done;
	if (mgen__read_file(queries, &data, &len) != 0) {
		rc = mgen_err_set(err, MGEN_EIO, "%s: cannot read", queries);
		goto done;
	}
	while (pos < len && rc == 0) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - data) : len;
		rc = eval_line(r, &q, data + pos, end - pos, out, err);
		pos = end + 1;
	}
	if (rc == 0 && out->queries > 0) {
		out->ndcg10 /= (double)out->queries;
		out->recall100 /= (double)out->queries;
	}
done:
	free(data);
	qrels_release(&q);
	return rc;
}
