/*
 * profile.c - profiles one table with at most two queries: the statistics
 * query (dialect_stats.c) and the sample query. A table wider than the
 * dialect's select list gets one statistics query per column range; a
 * column whose statistics the engine refuses all the same keeps its counts
 * only (found by halving the range) and the table says so in its
 * profile_note: profiling never fails a table for a type.
 *
 * Sampling follows dbxmetagen (../shared/reference/dbxmetagen.md): rows
 * with half or more of their cells NULL are passed over, falling back to
 * them when too few others exist; cells are cut to word_limit_per_cell
 * words and 10x as many bytes. Here the sample query asks for 4x the
 * wanted rows so the mostly-NULL rule has rows to choose from.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/warehouse.h"
#include "util/util.h"
#include "warehouse/warehouse_internal.h"

/* Bytes of a binary cell shown: base64 of 36 bytes is 48 characters. */
#define BINARY_PREFIX 36

char *mgen_wh__cut_cell(char *s, size_t words)
{
	size_t len, i = 0, n = 0, keep;
	mgen_buf b = MGEN_BUF_INIT;

	if (s == NULL || words == 0)
		return s;
	len = strlen(s);
	keep = len;
	while (i < len) {
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i >= len)
			break;
		if (n == words) {
			keep = i;
			break;
		}
		while (i < len && !isspace((unsigned char)s[i]))
			i++;
		n++;
	}
	while (keep < len && keep > 0 && isspace((unsigned char)s[keep - 1]))
		keep--;
	if (keep > words * 10)
		keep = mgen__utf8_prefix(s, len, words * 10);
	if (keep == len)
		return s;
	mgen_buf_append(&b, s, keep);
	mgen_buf_puts(&b, "...");
	free(s);
	return mgen_buf_detach(&b);
}

static long long parse_count(const char *s)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return -1;
	v = strtoll(s, &end, 10);
	return end == s ? -1 : v;
}

/* 1 when dialect `d` counts distinct values approximately. */
static int approx_distinct(mgen_dialect d)
{
	return d == MGEN_DIALECT_DATABRICKS || d == MGEN_DIALECT_SNOWFLAKE ||
	       d == MGEN_DIALECT_DUCKDB;
}

/* Fills column `c`'s statistics from its five values `v` (taken). */
static int set_stats(mgen_column *c, char **v, int approx,
		     const mgen_profile_options *o)
{
	c->non_null_count = parse_count(v[0]);
	c->distinct_count = parse_count(v[1]);
	c->distinct_approx = approx && c->distinct_count >= 0;
	if (c->non_null_count >= 0 && c->distinct_count > c->non_null_count)
		c->distinct_count = c->non_null_count; /* HLL overshoot */
	free(c->min_value);
	free(c->max_value);
	c->min_value = mgen_wh__cut_cell(v[2], o->word_limit_per_cell);
	c->max_value = mgen_wh__cut_cell(v[3], o->word_limit_per_cell);
	c->avg_length = v[4] ? strtod(v[4], NULL) : -1;
	if ((v[2] && !c->min_value) || (v[3] && !c->max_value))
		return MGEN_ENOMEM;
	v[2] = v[3] = NULL;
	return 0;
}

/* The columns whose statistics one query asks for, and how. */
typedef struct range {
	size_t lo, hi;		   /* columns [lo, hi) */
	const unsigned char *drop; /* counts only where set */
} range;

/* Runs the statistics query of one column range into `t`. 0, MGEN_EDB
 * (message on the connection) or MGEN_ENOMEM. */
static int stats_range(mgen_wh *wh, mgen_table *t,
		       const mgen_profile_options *o, range r)
{
	mgen_dialect d = mgen_wh_dialect(wh);
	mgen_buf sql = MGEN_BUF_INIT;
	mgen_wh_stmt *st = NULL;
	char *v[5] = {NULL};
	size_t i;
	int rc, j, approx;

	rc = mgen_wh__stats_sql(d, t, r.lo, r.hi, o->allow_data, r.drop, &sql);
	if (rc == 0)
		rc = mgen_wh__query(wh, "cannot compute statistics",
				    mgen_buf_str(&sql), &st);
	if (rc == 0 && (rc = mgen_wh__fetch(st)) == 0) {
		mgen_wh__set_error(wh, "statistics query returned no row");
		rc = MGEN_EDB;
	}
	if (rc == 1 && (rc = mgen_wh__get_text(st, 0, 0, &v[0])) == 0)
		t->row_count = parse_count(v[0]);
	free(v[0]);
	v[0] = NULL;
	for (i = r.lo; rc == 0 && i < r.hi; i++) {
		mgen_column *c = &t->columns[i];

		for (j = 0; rc == 0 && j < 5; j++)
			rc = mgen_wh__get_text(
			    st, (int)(1 + 5 * (i - r.lo)) + j, 0, &v[j]);
		approx = approx_distinct(d) && !(r.drop && r.drop[i]) &&
			 (mgen_wh__column_stats(d, c) & MGEN_STATS_DISTINCT);
		if (rc == 0)
			rc = set_stats(c, v, approx, o);
		for (j = 0; j < 5; j++) {
			free(v[j]);
			v[j] = NULL;
		}
	}
	mgen_wh__stmt_free(st);
	mgen_buf_release(&sql);
	return rc;
}

/* Finds, by halving, the columns of [lo, hi) whose statistics the engine
 * refuses (their range query just failed) and leaves them counts only
 * (drop set); the others keep every statistic. */
static int degrade(mgen_wh *wh, mgen_table *t, const mgen_profile_options *o,
		   size_t lo, size_t hi, unsigned char *drop)
{
	size_t mid = lo + (hi - lo) / 2;
	range half[2] = {{lo, mid, drop}, {mid, hi, drop}};
	int i, rc = 0;

	if (hi - lo == 1) {
		drop[lo] = 1;
		return stats_range(wh, t, o, half[1]);
	}
	for (i = 0; i < 2 && rc == 0; i++) {
		rc = stats_range(wh, t, o, half[i]);
		if (rc == MGEN_EDB)
			rc = degrade(wh, t, o, half[i].lo, half[i].hi, drop);
	}
	return rc;
}

/* The profile note naming the columns left with counts only. */
static int note_dropped(mgen_table *t, const unsigned char *drop,
			const char *why)
{
	mgen_buf b = MGEN_BUF_INIT;
	size_t i, n = 0;

	for (i = 0; i < t->column_count; i++) {
		if (!drop[i])
			continue;
		if (n < 10)
			mgen_buf_printf(&b, "%s%s", n ? ", " : "",
					t->columns[i].name);
		n++;
	}
	if (n == 0)
		return 0;
	if (n > 10)
		mgen_buf_printf(&b, " and %zu more", n - 10);
	mgen_buf_printf(&b, ": statistics other than counts dropped (%s)", why);
	free(t->profile_note);
	t->profile_note = mgen_buf_detach(&b);
	return t->profile_note ? 0 : MGEN_ENOMEM;
}

/* One statistics range query whose failure degrades the range: when the
 * range's counts alone work, the refused columns are found and dropped;
 * else the table cannot be read (the first error stays). */
static int stats_degrading(mgen_wh *wh, mgen_table *t,
			   const mgen_profile_options *o, range r,
			   unsigned char *drop, mgen_buf *why)
{
	size_t i;
	int rc = stats_range(wh, t, o, r);

	if (rc != MGEN_EDB)
		return rc;
	if (why->len == 0)
		mgen_buf_puts(why, mgen_wh_errmsg(wh));
	memset(drop + r.lo, 1, r.hi - r.lo);
	rc = stats_range(wh, t, o, r);
	memset(drop + r.lo, 0, r.hi - r.lo);
	if (rc == 0)
		rc = degrade(wh, t, o, r.lo, r.hi, drop);
	if (rc == MGEN_EDB)
		mgen_wh__set_error(wh, "%s", mgen_buf_str(why));
	for (i = r.lo; rc == 0 && i < r.hi; i++)
		if (drop[i])
			t->columns[i].distinct_approx = 0;
	return rc;
}

/* Reads the statistics into `t`: one query, or one per column range
 * when the table is wider than the dialect's select list. */
static int read_stats(mgen_wh *wh, mgen_table *t, const mgen_profile_options *o)
{
	size_t per = (mgen_wh__max_select(mgen_wh_dialect(wh)) - 1) / 5;
	unsigned char *drop = calloc(t->column_count + 1, 1);
	mgen_buf why = MGEN_BUF_INIT;
	range r = {0, 0, drop};
	int rc = drop ? 0 : MGEN_ENOMEM;

	free(t->profile_note);
	t->profile_note = NULL;
	do {
		r.lo = r.hi;
		r.hi =
		    t->column_count - r.lo < per ? t->column_count : r.lo + per;
		if (rc == 0)
			rc = stats_degrading(wh, t, o, r, drop, &why);
	} while (rc == 0 && r.hi < t->column_count);
	if (rc == 0 && why.len > 0)
		rc = note_dropped(t, drop, mgen_buf_str(&why));
	mgen_buf_release(&why);
	free(drop);
	return rc;
}

/* Rows fetched by the sample query, before choosing. */
typedef struct rows {
	char **cells; /* n * ncols */
	int *sparse;  /* 1 when half or more of the row's cells are NULL */
	size_t n;
	size_t cap; /* rows allocated */
} rows;

static void rows_free(rows *r, size_t ncols)
{
	size_t i;

	for (i = 0; r->cells && i < r->cap * ncols; i++)
		free(r->cells[i]);
	free(r->cells);
	free(r->sparse);
}

/* Reads one row into r->cells[r->n]; marks binary columns. */
static int read_sample_row(mgen_wh_stmt *st, mgen_table *t, rows *r,
			   const int *binary, size_t words)
{
	char **row = &r->cells[r->n * t->column_count];
	size_t i, nulls = 0;
	int rc;

	for (i = 0; i < t->column_count; i++) {
		rc = mgen_wh__get_text(st, (int)i,
				       binary[i] ? BINARY_PREFIX : 0, &row[i]);
		if (rc != 0)
			return rc;
		if (row[i] == NULL) {
			nulls++;
			continue;
		}
		if (!binary[i] &&
		    (row[i] = mgen_wh__cut_cell(row[i], words)) == NULL)
			return MGEN_ENOMEM;
	}
	r->sparse[r->n] = nulls * 2 >= t->column_count;
	r->n++;
	return 0;
}

int mgen_wh__choose_rows(mgen_table *t, char **cells, const int *sparse,
			 size_t nrows, size_t want)
{
	size_t pass, i, k = 0, nc = t->column_count;
	size_t n = nrows < want ? nrows : want;

	if (n == 0)
		return 0;
	t->sample = calloc(n * nc, sizeof(char *));
	if (t->sample == NULL)
		return MGEN_ENOMEM;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < nrows && k < n; i++) {
			if (sparse[i] != (int)pass)
				continue;
			memcpy(&t->sample[k * nc], &cells[i * nc],
			       nc * sizeof(char *));
			memset(&cells[i * nc], 0, nc * sizeof(char *));
			k++;
		}
	t->sample_row_count = k;
	return 0;
}

static int read_sample(mgen_wh *wh, mgen_table *t,
		       const mgen_profile_options *o)
{
	mgen_buf sql = MGEN_BUF_INIT;
	mgen_wh_stmt *st = NULL;
	rows r = {NULL, NULL, 0, 0};
	size_t i, dense = 0, limit = 4 * o->sample_size;
	int *binary = calloc(t->column_count, sizeof(int));
	int rc;

	r.cells = calloc(limit * t->column_count, sizeof(char *));
	r.sparse = calloc(limit, sizeof(int));
	r.cap = r.cells ? limit : 0;
	rc = binary && r.cells && r.sparse ? 0 : MGEN_ENOMEM;
	if (rc == 0)
		rc = mgen_dialect_sample_sql(mgen_wh_dialect(wh), t, limit,
					     &sql);
	if (rc == 0)
		rc = mgen_wh__query(wh, "cannot sample rows",
				    mgen_buf_str(&sql), &st);
	for (i = 0; rc == 0 && i < t->column_count; i++) {
		binary[i] = mgen_wh__col_is_binary(st, (int)i) ||
			    (mgen_wh__column_stats(mgen_wh_dialect(wh),
						   &t->columns[i]) &
			     MGEN_STATS_BINARY);
		t->columns[i].is_binary = binary[i];
	}
	/* stop early once enough rows with data are in */
	while (rc == 0 && r.n < limit && dense < o->sample_size &&
	       (rc = mgen_wh__fetch(st)) == 1) {
		rc = read_sample_row(st, t, &r, binary, o->word_limit_per_cell);
		if (rc == 0 && !r.sparse[r.n - 1])
			dense++;
	}
	if (rc == 0)
		rc = mgen_wh__choose_rows(t, r.cells, r.sparse, r.n,
					  o->sample_size);
	mgen_wh__stmt_free(st);
	mgen_buf_release(&sql);
	rows_free(&r, t->column_count);
	free(binary);
	return rc;
}

int mgen_wh_profile(mgen_wh *wh, mgen_table *t,
		    const mgen_profile_options *opts)
{
	mgen_profile_options o = MGEN_PROFILE_OPTIONS_INIT;
	int rc;

	if (opts)
		o = *opts;
	mgen_table_clear_sample(t);
	t->profiled = 0;
	t->row_count = -1;
	rc = read_stats(wh, t, &o);
	if (rc == 0 && o.allow_data && o.sample_size > 0 && t->row_count != 0 &&
	    t->column_count > 0)
		rc = read_sample(wh, t, &o);
	if (rc == MGEN_ENOMEM)
		mgen_wh__set_error(wh, "out of memory profiling a table");
	if (rc != 0) {
		mgen_table_clear_sample(t);
		return rc == MGEN_ENOMEM ? rc : MGEN_EDB;
	}
	t->profiled = 1;
	return 0;
}
