/*
 * rag_bm25_query.c - BM25 top-k over the impact index (rag_bm25.h): the
 * query's words as FTS5 tokenizes them, and MaxScore document-at-a-time
 * evaluation with block-max bounds over the bm25_blocks rows.
 *
 * The score is FTS5's bm25() (ext/fts5/fts5_aux.c, fts5Bm25Function):
 * for each phrase i of the query in order, score += idf_i * (f * (k1 +
 * 1)) / (f + k1 * (1 - b + b * D / avgdl)), k1 = 1.2, b = 0.75, idf_i =
 * log((N - n_i + 0.5) / (n_i + 0.5)) or 1e-6 when that is <= 0, with N
 * the rows, n_i the rows holding the phrase, avgdl the tokens per row.
 * The same expressions in the same order give the same doubles.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "rag/rag_bm25.h"
#include "rag/rag_bm25_post.h"
#include "rag/rag_internal.h"
#include "rag/rag_store.h"

#define K1 1.2
#define B 0.75
#define END_ID ((long long)0x7fffffffffffffff)
/* bounds are inflated by this much against rounding in their sums */
#define SLACK (1.0 + 1e-9)

typedef struct phrase_ctx {
	const char *q;
	mgen__bm25_phrase *v;
	size_t n;
	int stops, failed;
} phrase_ctx;

static int on_phrase(void *p, const char *tok, int n, int start, int end)
{
	phrase_ctx *c = p;
	mgen__bm25_phrase *x;

	if (!c->stops && mgen__rag_is_stop(c->q + start, (size_t)(end - start)))
		return 0;
	if (c->n == MGEN__BM25_MAX_PHRASES)
		return 1;
	x = &c->v[c->n];
	if ((x->tok = malloc((size_t)n + 1)) == NULL) {
		c->failed = 1;
		return 1;
	}
	memcpy(x->tok, tok, (size_t)n);
	x->tok[n] = '\0';
	x->n = n;
	x->start = start;
	x->end = end;
	c->n++;
	return 0;
}

void mgen__bm25_phrases_free(mgen__bm25_phrase *p, size_t n)
{
	size_t i;

	for (i = 0; p && i < n; i++)
		free(p[i].tok);
	free(p);
}

int mgen__bm25_phrases(mgen__bm25 *b, const char *query,
		       mgen__bm25_phrase **out, size_t *n)
{
	phrase_ctx c;
	size_t len = strlen(query);
	int rc = 0, pass;

	*out = NULL;
	*n = 0;
	if (len > 0x7fffffff)
		len = 0x7fffffff;
	memset(&c, 0, sizeof(c));
	c.q = query;
	c.v = calloc(MGEN__BM25_MAX_PHRASES, sizeof(*c.v));
	if (c.v == NULL)
		return MGEN_ENOMEM;
	for (pass = 0; pass < 2 && rc == 0 && c.n == 0 && !c.failed; pass++) {
		c.stops = pass; /* only stop words: search them after all */
		rc = mgen__bm25_tokenize(b, 1, query, (int)len, on_phrase, &c);
		if (rc == MGEN_EDB && (c.n == MGEN__BM25_MAX_PHRASES))
			rc = 0; /* stopped at the bound */
	}
	if (c.failed)
		rc = MGEN_ENOMEM;
	if (rc != 0 || c.n == 0) {
		mgen__bm25_phrases_free(c.v, c.n);
		return rc;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

/* A query term: its postings read block by block. */
typedef struct cursor {
	sqlite3_stmt *st; /* blocks of the term with last >= ?2 */
	const char *tok;
	int n;
	double idf_sum; /* idf of each phrase of this term, summed */
	double ub;	/* bound of its contribution to any row */
	int maxf, mind; /* of the term */
	long long last; /* of the current block; END_ID when done */
	int bmaxf, bmind, bn;
	double bub;	    /* bound of its contribution in the current block */
	int memo_f, memo_d; /* the last quotient computed, and its f, D */
	double memo_q;
	int decoded, pos;
	long long doc; /* current posting's id (when decoded) */
	mgen__bm25_post p[MGEN__BM25_BLOCK];
} cursor;

typedef struct query {
	mgen_rag *r;
	mgen_err *err;
	double avgdl;
	long long rows;
} query;

/* FTS5's per-phrase quotient for weighted frequency f and length d. */
static double tf_part(const query *q, double f, double d)
{
	return (f * (K1 + 1.0)) / (f + K1 * (1 - B + B * d / q->avgdl));
}

static int damaged(const query *q)
{
	return mgen_err_set(q->err, MGEN_EDB,
			    "rag index '%s': damaged bm25 block", q->r->path);
}

/* Steps to the next block row (not decoded). */
static int cur_step(const query *q, cursor *c)
{
	int s = sqlite3_step(c->st);

	c->decoded = 0;
	if (s == SQLITE_DONE) {
		c->last = c->doc = END_ID;
		return 0;
	}
	if (s != SQLITE_ROW)
		return mgen__rag_db_err(q->r, q->err, "cannot search");
	c->last = sqlite3_column_int64(c->st, 0);
	c->bn = sqlite3_column_int(c->st, 1);
	c->bmaxf = sqlite3_column_int(c->st, 2);
	c->bmind = sqlite3_column_int(c->st, 3);
	if (c->bn < 1 || c->bn > MGEN__BM25_BLOCK)
		return damaged(q);
	c->bub = c->idf_sum * tf_part(q, c->bmaxf, c->bmind) * SLACK;
	return 0;
}

/* Moves to the first block with last >= x (rows are stepped a few
 * times, then sought). */
static int cur_seek_block(const query *q, cursor *c, long long x)
{
	int i, rc;

	for (i = 0; i < 4 && c->last < x; i++)
		if ((rc = cur_step(q, c)) != 0)
			return rc;
	if (c->last >= x)
		return 0;
	sqlite3_reset(c->st);
	sqlite3_bind_int64(c->st, 2, x);
	return cur_step(q, c);
}

static int cur_decode(const query *q, cursor *c)
{
	if (c->decoded || c->last == END_ID)
		return 0;
	if (mgen__bm25_decode(sqlite3_column_blob(c->st, 4),
			      (size_t)sqlite3_column_bytes(c->st, 4),
			      (size_t)c->bn, c->p) != 0 ||
	    c->p[c->bn - 1].id != c->last)
		return damaged(q);
	c->decoded = 1;
	c->pos = 0;
	c->doc = c->p[0].id;
	return 0;
}

/* Moves to the first posting with id >= x. */
static int cur_seek(const query *q, cursor *c, long long x)
{
	int rc = cur_seek_block(q, c, x);

	if (rc == 0)
		rc = cur_decode(q, c);
	while (rc == 0 && c->doc != END_ID && c->p[c->pos].id < x)
		c->doc = c->p[++c->pos].id; /* last >= x: stops in the block */
	return rc;
}

static int cur_next(const query *q, cursor *c)
{
	int rc;

	if (++c->pos < c->bn) {
		c->doc = c->p[c->pos].id;
		return 0;
	}
	if ((rc = cur_step(q, c)) != 0)
		return rc;
	return cur_decode(q, c);
}

static int cur_open(query *q, cursor *c, sqlite3 *db)
{
	if (sqlite3_prepare_v2(db,
			       "SELECT last, n, maxf, mind, data FROM"
			       " bm25_blocks WHERE term = ?1 AND last >= ?2"
			       " ORDER BY last",
			       -1, &c->st, NULL) != SQLITE_OK)
		return mgen__rag_db_err(q->r, q->err, "cannot search");
	sqlite3_bind_blob(c->st, 1, c->tok, c->n, SQLITE_STATIC);
	sqlite3_bind_int64(c->st, 2, 0);
	c->last = -1;
	c->decoded = 0;
	return cur_seek(q, c, 0);
}

/* Rows and tokens of the index (bm25_stats). */
static int read_stats(query *q, long long *tokens)
{
	sqlite3_stmt *st = NULL;
	int s, rc = 0;

	q->rows = 0;
	*tokens = 0;
	if (sqlite3_prepare_v2(q->r->db, "SELECT rows, tokens FROM bm25_stats",
			       -1, &st, NULL) != SQLITE_OK)
		return mgen__rag_db_err(q->r, q->err, "cannot search");
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		q->rows = sqlite3_column_int64(st, 0);
		*tokens = sqlite3_column_int64(st, 1);
	} else if (s != SQLITE_DONE) {
		rc = mgen__rag_db_err(q->r, q->err, "cannot search");
	}
	sqlite3_finalize(st);
	return rc;
}

/* The distinct terms of the phrases that have postings, into cs[] with
 * their idf sums and bounds; term_of[i] = the cursor of phrase i or -1;
 * idf[i] = phrase i's idf. */
static int read_terms(query *q, const mgen__bm25_phrase *p, size_t np,
		      cursor *cs, size_t *nc, int *term_of, double *idf)
{
	sqlite3_stmt *st = NULL;
	size_t i, j;
	int rc = 0, s;

	*nc = 0;
	if (sqlite3_prepare_v2(q->r->db,
			       "SELECT df, maxf, mind FROM bm25_terms WHERE"
			       " term = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return mgen__rag_db_err(q->r, q->err, "cannot search");
	for (i = 0; rc == 0 && i < np; i++) {
		long long df = 0;
		term_of[i] = -1;
		for (j = 0; j < i; j++)
			if (p[j].n == p[i].n &&
			    memcmp(p[j].tok, p[i].tok, (size_t)p[i].n) == 0)
				break;
		sqlite3_reset(st);
		sqlite3_bind_blob(st, 1, p[i].tok, p[i].n, SQLITE_STATIC);
		s = sqlite3_step(st);
		if (s == SQLITE_ROW)
			df = sqlite3_column_int64(st, 0);
		else if (s != SQLITE_DONE)
			rc = mgen__rag_db_err(q->r, q->err, "cannot search");
		idf[i] = log(((double)q->rows - (double)df + 0.5) /
			     ((double)df + 0.5));
		if (idf[i] <= 0.0)
			idf[i] = 1e-6;
		if (rc != 0 || df <= 0)
			continue;
		if (j < i) { /* a repeated word: a phrase of its own */
			term_of[i] = term_of[j];
			cs[term_of[i]].idf_sum += idf[i];
			continue;
		}
		memset(&cs[*nc], 0, sizeof(cs[*nc]));
		cs[*nc].tok = p[i].tok;
		cs[*nc].n = p[i].n;
		cs[*nc].idf_sum = idf[i];
		cs[*nc].maxf = sqlite3_column_int(st, 1);
		cs[*nc].mind = sqlite3_column_int(st, 2);
		cs[*nc].memo_f = -1;
		term_of[i] = (int)(*nc)++;
	}
	sqlite3_finalize(st);
	return rc;
}

/* A k-entry min-heap of (id, score), worst at the root. */
typedef struct heap {
	mgen__rag_scored *v;
	size_t n, k;
} heap;

static int worse(const mgen__rag_scored *x, const mgen__rag_scored *y)
{
	return x->score < y->score || (x->score == y->score && x->id > y->id);
}

static void heap_push(heap *h, long long id, double score)
{
	mgen__rag_scored s, t;
	size_t i, l, m;

	s.id = id;
	s.score = score;
	if (h->n < h->k) {
		for (i = h->n++; i > 0 && worse(&s, &h->v[(i - 1) / 2]);
		     i = (i - 1) / 2)
			h->v[i] = h->v[(i - 1) / 2];
		h->v[i] = s;
		return;
	}
	if (!worse(&h->v[0], &s))
		return;
	h->v[0] = s;
	for (i = 0;; i = m) { /* sift down */
		l = 2 * i + 1;
		m = i;
		if (l < h->n && worse(&h->v[l], &h->v[m]))
			m = l;
		if (l + 1 < h->n && worse(&h->v[l + 1], &h->v[m]))
			m = l + 1;
		if (m == i)
			break;
		t = h->v[i];
		h->v[i] = h->v[m];
		h->v[m] = t;
	}
}

static int by_rank(const void *a, const void *b)
{
	const mgen__rag_scored *x = a, *y = b;
	return worse(x, y) ? 1 : worse(y, x) ? -1 : 0;
}
/* The evaluation state: cursors in bound order, prefix sums of the
 * bounds, the current row's quotients. */
typedef struct eval {
	query *q;
	cursor *cs;
	int *ord;	 /* cursor indexes, bound ascending */
	double *ubsum;	 /* ubsum[i] = bounds of ord[0..i] */
	double *qv;	 /* quotient of each cursor's term in the row */
	long long *mark; /* row the quotient is of */
	size_t nc, fe;	 /* cursors; first essential (MaxScore) */
	heap h;
	double theta; /* the k-th score once the heap is full */
} eval;

static void take(eval *e, int t, long long doc, double *partial)
{
	cursor *c = &e->cs[t];
	const mgen__bm25_post *p = &c->p[c->pos];

	if (p->f != c->memo_f ||
	    p->d != c->memo_d) { /* same inputs, same bits */
		c->memo_q = tf_part(e->q, p->f, p->d);
		c->memo_f = p->f;
		c->memo_d = p->d;
	}
	e->qv[t] = c->memo_q;
	e->mark[t] = doc;
	*partial += c->idf_sum * e->qv[t];
}

/* Adds the non-essential terms of `doc` to *partial, most valuable
 * first; 0 when the row cannot reach the heap. */
static int probe(eval *e, long long doc, double *partial, int *rc)
{
	size_t i;
	int full = e->h.n == e->h.k;

	for (i = e->fe; i-- > 0;) {
		cursor *c = &e->cs[e->ord[i]];
		double rest = i ? e->ubsum[i - 1] : 0;
		if (full && (*partial + e->ubsum[i]) * SLACK < e->theta)
			return 0;
		if ((*rc = cur_seek_block(e->q, c, doc)) != 0)
			return 0;
		if (c->last == END_ID)
			continue;
		if (full && (*partial + rest + c->bub) * SLACK < e->theta)
			return 0; /* block-max: not even this block's best */
		if ((*rc = cur_seek(e->q, c, doc)) != 0)
			return 0;
		if (c->doc == doc)
			take(e, e->ord[i], doc, partial);
	}
	return 1;
}

/* The smallest current id of the essential cursors. */
static long long next_doc(const eval *e)
{
	long long d = END_ID;
	size_t i;

	for (i = e->fe; i < e->nc; i++)
		if (e->cs[e->ord[i]].doc < d)
			d = e->cs[e->ord[i]].doc;
	return d;
}

/* Block-max MaxScore (the block bounds of Ding and Suel 2011 applied to
 * the essential lists): when the current blocks of the essential cursors
 * and the bounds of the other terms cannot reach theta, no row up to
 * the first end of those blocks can (an essential cursor's postings
 * there are all in its current block), so each essential cursor moves
 * past it. 1 when they moved. */
static int skip_blocks(eval *e, int *rc)
{
	double bound = e->fe ? e->ubsum[e->fe - 1] : 0;
	long long lim = END_ID;
	size_t i;

	if (e->h.n < e->h.k)
		return 0;
	for (i = e->fe; i < e->nc; i++) {
		const cursor *c = &e->cs[e->ord[i]];
		if (c->doc == END_ID)
			continue;
		bound += c->bub;
		if (c->last < lim)
			lim = c->last;
	}
	if (lim == END_ID || bound * SLACK >= e->theta)
		return 0;
	for (i = e->fe; i < e->nc && *rc == 0; i++) {
		cursor *c = &e->cs[e->ord[i]];
		if (c->doc <= lim)
			*rc = cur_seek(e->q, c, lim + 1);
	}
	return 1;
}

/* MaxScore, document at a time over the essential cursors. */
static int run(eval *e, const mgen__bm25_phrase *p, size_t np,
	       const int *term_of, const double *idf)
{
	long long doc = next_doc(e);
	size_t i;
	int rc = 0;

	(void)p;
	while (doc != END_ID && rc == 0) {
		double partial = 0, score = 0;
		if (skip_blocks(e, &rc)) {
			doc = next_doc(e);
			continue;
		}
		for (i = e->fe; i < e->nc && rc == 0; i++) {
			cursor *c = &e->cs[e->ord[i]];
			if (c->doc != doc)
				continue;
			take(e, e->ord[i], doc, &partial);
			rc = cur_next(e->q, c);
		}
		if (rc != 0 || !probe(e, doc, &partial, &rc)) {
			doc = next_doc(e);
			continue;
		}
		for (i = 0; i < np; i++) /* FTS5's order and operations */
			if (term_of[i] >= 0 && e->mark[term_of[i]] == doc)
				score += idf[i] * e->qv[term_of[i]];
		heap_push(&e->h, doc, score);
		if (e->h.n == e->h.k) {
			e->theta = e->h.v[0].score;
			while (e->fe < e->nc &&
			       e->ubsum[e->fe] * SLACK < e->theta)
				e->fe++;
		}
		doc = next_doc(e);
	}
	return rc;
}

/* Orders the cursors by bound and sums the bounds; opens them. */
static int prepare(eval *e)
{
	size_t i, j;
	int rc = 0;

	for (i = 0; i < e->nc; i++) {
		cursor *c = &e->cs[i];
		c->ub = c->idf_sum * tf_part(e->q, c->maxf, c->mind) * SLACK;
		for (j = i; j > 0 && e->cs[e->ord[j - 1]].ub > c->ub; j--)
			e->ord[j] = e->ord[j - 1];
		e->ord[j] = (int)i;
		e->mark[i] = -1;
	}
	for (i = 0; i < e->nc; i++)
		e->ubsum[i] = (i ? e->ubsum[i - 1] : 0) + e->cs[e->ord[i]].ub;
	for (i = 0; i < e->nc && rc == 0; i++)
		rc = cur_open(e->q, &e->cs[i], e->q->r->db);
	return rc;
}

static int topk_in(eval *e, const mgen__bm25_phrase *p, size_t np)
{
	int *term_of = malloc(np * sizeof(*term_of));
	double *idf = malloc(np * sizeof(*idf));
	long long tokens = 0;
	size_t i;
	int rc = read_stats(e->q, &tokens);

	if (term_of == NULL || idf == NULL || e->cs == NULL || e->ord == NULL ||
	    e->ubsum == NULL || e->qv == NULL || e->mark == NULL)
		rc = mgen_err_set(e->q->err, MGEN_ENOMEM, "out of memory");
	if (rc == 0 && e->q->rows > 0) {
		e->q->avgdl = (double)tokens / (double)e->q->rows;
		rc = read_terms(e->q, p, np, e->cs, &e->nc, term_of, idf);
		if (rc == 0)
			rc = prepare(e);
		if (rc == 0)
			rc = run(e, p, np, term_of, idf);
	}
	for (i = 0; i < e->nc; i++)
		sqlite3_finalize(e->cs[i].st);
	free(term_of);
	free(idf);
	return rc;
}

int mgen__bm25_topk(mgen_rag *r, const mgen__bm25_phrase *p, size_t np,
		    size_t k, mgen__rag_scored *out, size_t *n, mgen_err *err)
{
	query q;
	eval e;
	int rc;

	*n = 0;
	memset(&q, 0, sizeof(q));
	memset(&e, 0, sizeof(e));
	q.r = r;
	q.err = err;
	e.q = &q;
	e.h.v = out;
	e.h.k = k;
	if (np == 0 || k == 0)
		return 0;
	e.cs = calloc(np, sizeof(*e.cs));
	e.ord = malloc(np * sizeof(*e.ord));
	e.ubsum = malloc(np * sizeof(*e.ubsum));
	e.qv = malloc(np * sizeof(*e.qv));
	e.mark = malloc(np * sizeof(*e.mark));
	/* one read transaction: counts and blocks of the same commit */
	if (sqlite3_exec(r->db, "SAVEPOINT bm25_search", NULL, NULL, NULL) !=
	    SQLITE_OK)
		rc = mgen__rag_db_err(r, err, "cannot search");
	else
		rc = topk_in(&e, p, np);
	sqlite3_exec(r->db, "RELEASE bm25_search", NULL, NULL, NULL);
	free(e.cs);
	free(e.ord);
	free(e.ubsum);
	free(e.qv);
	free(e.mark);
	if (rc != 0)
		return rc;
	qsort(out, e.h.n, sizeof(*out), by_rank);
	*n = e.h.n;
	return 0;
}
