/*
 * profile_rows.c - mgen_profile_rows (include/metagen/warehouse.h): a
 * table's profile from rows a client handed over (a serving request's
 * table_data) instead of rows read from a warehouse. The statistics are
 * what the statistics query would compute over those rows; the sample
 * follows the same rules as mgen_wh_profile's (cells cut to
 * word_limit_per_cell words, mostly-NULL rows last, sample_size rows,
 * nothing without allow_data), through the same helpers (profile.c).
 */
#include <stdlib.h>
#include <string.h>

#include "metagen/warehouse.h"
#include "util/util.h"
#include "warehouse/warehouse_internal.h"

/* Cells of one column, for sorting. */
typedef struct colv {
	const char **v;
	size_t n;
	int numeric;
} colv;

static int cmp_text(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_num(const void *a, const void *b)
{
	double x = strtod(*(const char *const *)a, NULL);
	double y = strtod(*(const char *const *)b, NULL);

	if (x < y)
		return -1;
	return x > y;
}

/* Copies `s` cut to `words` words (NULL in, NULL out); *oom on failure. */
static char *cut_copy(const char *s, size_t words, int *oom)
{
	char *c;

	if (s == NULL)
		return NULL;
	c = mgen_wh__cut_cell(mgen__strdup(s), words);
	if (c == NULL)
		*oom = 1;
	return c;
}

/* Column `c`'s statistics from the non-NULL cells in `cv` (sorted
 * here; `cv->v` is scratch space). */
static int column_stats(mgen_column *c, colv *cv, int minmax,
			const mgen_profile_options *o)
{
	size_t i, distinct = 0;
	double chars = 0;
	int oom = 0;

	c->non_null_count = (long long)cv->n;
	c->avg_length = -1;
	c->distinct_approx = 0;
	free(c->min_value);
	free(c->max_value);
	c->min_value = c->max_value = NULL;
	if (cv->n == 0) {
		c->distinct_count = 0;
		return 0;
	}
	qsort(cv->v, cv->n, sizeof(*cv->v), cmp_text);
	for (i = 0; i < cv->n; i++) {
		if (i == 0 || strcmp(cv->v[i], cv->v[i - 1]) != 0)
			distinct++;
		chars += (double)mgen__utf8_len(cv->v[i]);
	}
	c->distinct_count = (long long)distinct;
	if (cv->numeric) /* numbers compare by value, the rest bytewise */
		qsort(cv->v, cv->n, sizeof(*cv->v), cmp_num);
	else
		c->avg_length = chars / (double)cv->n;
	if (minmax) {
		c->min_value = cut_copy(cv->v[0], o->word_limit_per_cell, &oom);
		c->max_value =
		    cut_copy(cv->v[cv->n - 1], o->word_limit_per_cell, &oom);
	}
	return oom ? MGEN_ENOMEM : 0;
}

/* The sample: cells cut, sparse rows marked, then chosen. */
static int take_sample(mgen_table *t, char **cells, size_t nrows,
		       const mgen_profile_options *o)
{
	size_t r, k, nc = t->column_count, nulls;
	int *sparse = calloc(nrows ? nrows : 1, sizeof(int));
	int rc = 0;

	if (sparse == NULL)
		return MGEN_ENOMEM;
	for (r = 0; r < nrows && rc == 0; r++) {
		for (k = 0, nulls = 0; k < nc; k++) {
			char **cell = &cells[r * nc + k];
			if (*cell == NULL) {
				nulls++;
				continue;
			}
			*cell =
			    mgen_wh__cut_cell(*cell, o->word_limit_per_cell);
			if (*cell == NULL)
				rc = MGEN_ENOMEM;
		}
		sparse[r] = nulls * 2 >= nc;
	}
	if (rc == 0)
		rc = mgen_wh__choose_rows(t, cells, sparse, nrows,
					  o->sample_size);
	free(sparse);
	return rc;
}

char *mgen_profile_cut(char *s, size_t words)
{
	return mgen_wh__cut_cell(s, words);
}

int mgen_profile_rows(mgen_table *t, char **cells, size_t nrows,
		      const unsigned char *numeric,
		      const mgen_profile_options *opts)
{
	mgen_profile_options o = MGEN_PROFILE_OPTIONS_INIT;
	size_t r, k, nc = t->column_count;
	colv cv;
	int rc = 0;

	if (opts)
		o = *opts;
	mgen_table_clear_sample(t);
	t->profiled = 0;
	t->row_count = (long long)nrows;
	cv.v = calloc(nrows ? nrows : 1, sizeof(*cv.v));
	if (cv.v == NULL)
		return MGEN_ENOMEM;
	for (k = 0; k < nc && rc == 0; k++) {
		cv.n = 0;
		for (r = 0; r < nrows; r++)
			if (cells[r * nc + k] != NULL)
				cv.v[cv.n++] = cells[r * nc + k];
		cv.numeric = numeric != NULL && numeric[k];
		rc = column_stats(&t->columns[k], &cv, o.allow_data, &o);
	}
	free(cv.v);
	if (rc == 0 && o.allow_data && o.sample_size > 0 && nrows > 0 && nc > 0)
		rc = take_sample(t, cells, nrows, &o);
	if (rc != 0) {
		mgen_table_clear_sample(t);
		return rc;
	}
	t->profiled = 1;
	return 0;
}
