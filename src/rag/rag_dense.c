/*
 * rag_dense.c - the arithmetic of dense retrieval: L2 normalisation, the
 * dot product, exact top-k with a min-heap, and reciprocal rank fusion
 * (Cormack, Clarke and Buettcher, "Reciprocal Rank Fusion outperforms
 * Condorcet and individual Rank Learning Methods", SIGIR 2009).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rag/rag_internal.h"

int mgen__rag_normalize(float *v, int dim)
{
	double s = 0;
	int i;

	for (i = 0; i < dim; i++)
		s += (double)v[i] * (double)v[i];
	if (s <= 0 || !isfinite(s))
		return 1;
	s = 1.0 / sqrt(s);
	for (i = 0; i < dim; i++)
		v[i] = (float)((double)v[i] * s);
	return 0;
}

float mgen__rag_dot(const float *a, const float *b, int dim)
{
	float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
	int i = 0, j;

	/* eight independent sums: the compiler keeps them in vector
	 * registers (no reassociation of one sum is needed) */
	for (; i + 8 <= dim; i += 8)
		for (j = 0; j < 8; j++)
			acc[j] += a[i + j] * b[i + j];
	for (; i < dim; i++)
		acc[0] += a[i] * b[i];
	return ((acc[0] + acc[1]) + (acc[2] + acc[3])) +
	       ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* 1 when x ranks below y: lower score, or the same score and higher id. */
static int worse(const mgen__rag_scored *x, const mgen__rag_scored *y)
{
	return x->score < y->score || (x->score == y->score && x->id > y->id);
}

/* Restores the min-heap (worst at the root) below position i. */
static void sift_down(mgen__rag_scored *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		mgen__rag_scored t;
		if (l < n && worse(&h[l], &h[m]))
			m = l;
		if (r < n && worse(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		t = h[i], h[i] = h[m], h[m] = t;
		i = m;
	}
}

static void sift_up(mgen__rag_scored *h, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		mgen__rag_scored t;
		if (!worse(&h[i], &h[p]))
			return;
		t = h[i], h[i] = h[p], h[p] = t;
		i = p;
	}
}

static int by_rank(const void *a, const void *b)
{
	const mgen__rag_scored *x = a, *y = b;

	return worse(x, y) ? 1 : worse(y, x) ? -1 : 0;
}

size_t mgen__rag_topk(const float *mat, const long long *ids, size_t n, int dim,
		      const float *q, size_t k, mgen__rag_scored *out)
{
	size_t i, m = 0;

	if (k == 0)
		return 0;
	for (i = 0; i < n; i++) {
		mgen__rag_scored s;
		s.id = ids[i];
		s.score = mgen__rag_dot(mat + i * (size_t)dim, q, dim);
		if (m < k) {
			out[m] = s;
			sift_up(out, m++);
		} else if (worse(&out[0], &s)) {
			out[0] = s;
			sift_down(out, m, 0);
		}
	}
	qsort(out, m, sizeof(*out), by_rank);
	return m;
}

static int by_id(const void *a, const void *b)
{
	const mgen__rag_scored *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

size_t mgen__rag_rrf(const long long *a, size_t na, const long long *b,
		     size_t nb, double k, size_t top, mgen__rag_scored *out)
{
	mgen__rag_scored *all = malloc((na + nb + 1) * sizeof(*all));
	size_t i, n = 0, m = 0;

	if (all == NULL)
		return (size_t)-1;
	for (i = 0; i < na; i++)
		all[n].id = a[i], all[n++].score = 1.0 / (k + (double)(i + 1));
	for (i = 0; i < nb; i++)
		all[n].id = b[i], all[n++].score = 1.0 / (k + (double)(i + 1));
	qsort(all, n, sizeof(*all), by_id);
	for (i = 0; i < n; i++) { /* sum the contributions of each id */
		if (m > 0 && all[m - 1].id == all[i].id)
			all[m - 1].score += all[i].score;
		else
			all[m++] = all[i];
	}
	qsort(all, m, sizeof(*all), by_rank);
	if (m > top)
		m = top;
	memcpy(out, all, m * sizeof(*out));
	free(all);
	return m;
}
