/*
 * comment_records.c - the comment program's records of POST /invocations
 * (include/metagen/serve.h): {"table_name", "table_data": {"columns",
 * "data", "index"?} (pandas' split orient, the shape dbxmetagen puts a
 * table's sample in), "column_metadata"?, "table_comment"?} checked field
 * by field and turned into a profiled mgen_table (mgen_profile_rows), then
 * commented by generate's own per-table path (mgen_commenter_table) and
 * answered as dbxmetagen's answer shape {"table", "columns",
 * "column_contents"} plus each comment's status, path and reason, usage,
 * and the DDL when the target dialect is configured.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/output.h"
#include "serve/serve_internal.h"
#include "util/json.h"
#include "util/util.h"

/* What one record may hold. PostgreSQL allows 1600 columns a table. */
#define MAX_COLUMNS 1600
#define MAX_ROWS_GIVEN 10000
#define MAX_CELLS 1000000
#define MAX_CELL_BYTES 65536
#define MAX_NAME_BYTES 1024
#define MAX_COUNT 9007199254740991.0 /* 2^53 - 1: exact in a double */

/* A refusal: status 400 (500 out of memory) with the message. */
typedef struct why {
	char *msg;
	size_t n;
} why;

static int bad(why *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int bad(why *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->msg, w->n, fmt, ap);
	va_end(ap);
	return 400;
}

static int oom(why *w)
{
	snprintf(w->msg, w->n, "out of memory");
	return 500;
}

/* The member `key` of `o` unless absent or JSON null. */
static const cJSON *member(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNull(v) ? NULL : v;
}

int mgen__serve_is_comment_record(const cJSON *o)
{
	return member(o, "table_name") || member(o, "table_data") ||
	       member(o, "column_metadata") || member(o, "table_comment");
}

/* 1 when `s` is a name: 1-MAX_NAME_BYTES bytes, no control character. */
static int name_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= MAX_NAME_BYTES || (unsigned char)s[i] < 0x20 ||
		    s[i] == 0x7f)
			return 0;
	return i > 0;
}

/* Fields of `o` not in `known` (JSON null ones are absent). */
static int only_known(const cJSON *o, const char *const *known,
		      const char *where, why *w)
{
	const cJSON *m;
	size_t i;

	for (m = o->child; m != NULL; m = m->next) {
		for (i = 0; known[i] && strcmp(known[i], m->string) != 0; i++)
			;
		if (known[i] == NULL && !cJSON_IsNull(m))
			return bad(w, "%s.%.64s: unknown field", where,
				   m->string);
	}
	return 0;
}

/* table_name "[[catalog.]schema.]table" into t's three names. */
static int take_name(mgen_table *t, const cJSON *v, const char *where, why *w)
{
	char *p[3] = {NULL, NULL, NULL}, *s, *dot;
	int n = 0, ok = 1;

	if (!cJSON_IsString(v) || !name_ok(v->valuestring))
		return bad(w,
			   "%s.table_name: expected a name (1-%d bytes, "
			   "no control characters)",
			   where, MAX_NAME_BYTES);
	s = mgen__strdup(v->valuestring);
	if (s == NULL)
		return oom(w);
	for (dot = s; ok; n++) { /* split at each '.' */
		char *next = strchr(dot, '.');
		if (n == 3 || dot[0] == '.' || dot[0] == '\0')
			ok = 0; /* a fourth or an empty part */
		else
			p[n] = dot;
		if (next == NULL)
			break;
		*next = '\0';
		dot = next + 1;
	}
	if (ok) {
		n++; /* parts */
		t->name = mgen__strdup(p[n - 1]);
		t->schema = n > 1 ? mgen__strdup(p[n - 2]) : NULL;
		t->catalog = n > 2 ? mgen__strdup(p[0]) : NULL;
		ok = t->name && (n < 2 || t->schema) && (n < 3 || t->catalog)
			 ? 1
			 : -1;
	}
	free(s);
	if (ok == -1)
		return oom(w);
	if (!ok)
		return bad(w,
			   "%s.table_name: expected table, schema.table or "
			   "catalog.schema.table with no empty part",
			   where);
	return 0;
}

/* table_data.columns: distinct names, each a column of `t`. */
static int take_columns(mgen_table *t, const cJSON *cols, const char *where,
			why *w)
{
	const cJSON *c;
	mgen_column *col;
	size_t i;
	int k = 0;

	if (!cJSON_IsArray(cols) || cJSON_GetArraySize(cols) == 0 ||
	    cJSON_GetArraySize(cols) > MAX_COLUMNS)
		return bad(w,
			   "%s.table_data.columns: expected an array of 1-%d "
			   "column names",
			   where, MAX_COLUMNS);
	cJSON_ArrayForEach(c, cols)
	{
		if (!cJSON_IsString(c) || !name_ok(c->valuestring))
			return bad(w,
				   "%s.table_data.columns[%d]: expected a "
				   "name (1-%d bytes, no control characters)",
				   where, k, MAX_NAME_BYTES);
		for (i = 0; i < t->column_count; i++)
			if (strcmp(t->columns[i].name, c->valuestring) == 0)
				return bad(w,
					   "%s.table_data.columns[%d]: the "
					   "same name as columns[%zu]",
					   where, k, i);
		if (mgen_table_add_column(t, &col) != 0 ||
		    (col->name = mgen__strdup(c->valuestring)) == NULL)
			return oom(w);
		col->ordinal = ++k;
	}
	return 0;
}

/* A JSON scalar as warehouse text: strings as they are, numbers in the
 * shortest form that reads back the same, booleans as true/false, null
 * as NULL. *kind: 0 text, 1 number, 2 other. -1 when `v` is not a
 * scalar, -2 when a string is too long, -3 out of memory. */
static int cell_text(const cJSON *v, char **out, int *kind)
{
	char num[40];

	*out = NULL;
	*kind = 2;
	if (cJSON_IsNull(v))
		return 0;
	if (cJSON_IsString(v)) {
		if (strlen(v->valuestring) > MAX_CELL_BYTES)
			return -2;
		*kind = 0;
		*out = mgen__strdup(v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		if (!isfinite(v->valuedouble))
			return -1;
		snprintf(num, sizeof(num), "%.15g", v->valuedouble);
		if (strtod(num, NULL) != v->valuedouble)
			snprintf(num, sizeof(num), "%.17g", v->valuedouble);
		*kind = 1;
		*out = mgen__strdup(num);
	} else if (cJSON_IsBool(v)) {
		*out = mgen__strdup(cJSON_IsTrue(v) ? "true" : "false");
	} else {
		return -1;
	}
	return *out ? 0 : -3;
}

/* One row of table_data.data into cells[0..ncols). */
static int take_row_cells(const cJSON *row, size_t ncols, char **cells,
			  unsigned char *numeric, const char *where, int r,
			  why *w)
{
	const cJSON *v;
	int k = 0, kind, rc;

	if (!cJSON_IsArray(row) || (size_t)cJSON_GetArraySize(row) != ncols)
		return bad(w,
			   "%s.table_data.data[%d]: expected an array of %zu "
			   "values (one per column)",
			   where, r, ncols);
	cJSON_ArrayForEach(v, row)
	{
		rc = cell_text(v, &cells[k], &kind);
		if (rc == -3)
			return oom(w);
		if (rc != 0)
			return bad(w,
				   "%s.table_data.data[%d][%d]: expected a "
				   "string of at most %d bytes, a finite "
				   "number, a boolean or null",
				   where, r, k, MAX_CELL_BYTES);
		if (cells[k] != NULL && kind != 1)
			numeric[k] = 0;
		k++;
	}
	return 0;
}

/* The rows of table_data.data, row-major, into *cells (owned). */
static int take_data(const cJSON *td, size_t ncols, char ***cells,
		     size_t *nrows, unsigned char *numeric, const char *where,
		     why *w)
{
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(td, "data");
	const cJSON *index = member(td, "index"), *row;
	size_t n;
	int r = 0, rc;

	if (!cJSON_IsArray(data) || cJSON_GetArraySize(data) > MAX_ROWS_GIVEN)
		return bad(w,
			   "%s.table_data.data: expected an array of at "
			   "most %d rows",
			   where, MAX_ROWS_GIVEN);
	n = (size_t)cJSON_GetArraySize(data);
	if (n * ncols > MAX_CELLS)
		return bad(w,
			   "%s.table_data.data: %zu rows of %zu columns is "
			   "more than %d cells",
			   where, n, ncols, MAX_CELLS);
	if (index != NULL &&
	    (!cJSON_IsArray(index) || (size_t)cJSON_GetArraySize(index) != n))
		return bad(w,
			   "%s.table_data.index: expected an array as long "
			   "as data",
			   where);
	*cells = calloc(n * ncols + 1, sizeof(char *));
	if (*cells == NULL)
		return oom(w);
	*nrows = n;
	memset(numeric, 1, ncols);
	cJSON_ArrayForEach(row, data)
	{
		rc = take_row_cells(row, ncols, *cells + (size_t)r * ncols,
				    numeric, where, r, w);
		if (rc != 0)
			return rc;
		r++;
	}
	return 0;
}

static const char *const meta_keys[] = {"data_type",
					"row_count",
					"non_null_count",
					"distinct_count",
					"distinct_count_approximate",
					"min",
					"max",
					"avg_length",
					"existing_comment",
					NULL};

/* A count member: absent (-1) or an integer 0..2^53-1 (else -2). */
static double count_of(const cJSON *m, const char *key)
{
	const cJSON *v = member(m, key);

	if (v == NULL)
		return -1;
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > MAX_COUNT ||
	    v->valuedouble != floor(v->valuedouble))
		return -2;
	return v->valuedouble;
}

/* The counts of one column's metadata: whole numbers that fit together
 * (distinct <= non-null <= rows), row_count the same for every column
 * and not below the rows given; *row_count takes it. */
static int check_counts(const cJSON *m, const char *where, const char *col,
			size_t nrows, double *row_count, why *w)
{
	static const char *const counts[] = {"row_count", "non_null_count",
					     "distinct_count"};
	double c[3];
	int i;

	for (i = 0; i < 3; i++)
		if ((c[i] = count_of(m, counts[i])) == -2)
			return bad(w,
				   "%s.column_metadata.%.64s.%s: expected a "
				   "whole number from 0 to 2^53-1",
				   where, col, counts[i]);
	if (c[0] >= 0 && c[0] < (double)nrows)
		return bad(w,
			   "%s.column_metadata.%.64s.row_count: smaller "
			   "than the %zu rows in table_data.data",
			   where, col, nrows);
	if (c[0] >= 0 && *row_count >= 0 && c[0] != *row_count)
		return bad(w,
			   "%s.column_metadata.%.64s.row_count: not the "
			   "row_count another column gives",
			   where, col);
	if (c[0] >= 0)
		*row_count = c[0];
	if ((c[1] >= 0 && c[0] >= 0 && c[1] > c[0]) ||
	    (c[2] >= 0 && c[1] >= 0 && c[2] > c[1]))
		return bad(w,
			   "%s.column_metadata.%.64s: counts do not fit "
			   "(distinct_count <= non_null_count <= row_count)",
			   where, col);
	return 0;
}

/* One column's metadata object, checked (nothing taken yet). */
static int check_meta(const cJSON *m, const char *where, const char *col,
		      size_t nrows, double *row_count, why *w)
{
	const cJSON *v;
	char *text, sub[200];
	int i, kind, rc;

	if (!cJSON_IsObject(m))
		return bad(w, "%s.column_metadata.%.64s: expected an object",
			   where, col);
	snprintf(sub, sizeof(sub), "%s.column_metadata.%.64s", where, col);
	if ((rc = only_known(m, meta_keys, sub, w)) != 0)
		return rc;
	v = member(m, "data_type");
	if (v != NULL && (!cJSON_IsString(v) || !name_ok(v->valuestring)))
		return bad(w,
			   "%s.column_metadata.%.64s.data_type: expected a "
			   "type name (1-%d bytes, no control characters)",
			   where, col, MAX_NAME_BYTES);
	if ((rc = check_counts(m, where, col, nrows, row_count, w)) != 0)
		return rc;
	v = member(m, "distinct_count_approximate");
	if (v != NULL && !cJSON_IsBool(v))
		return bad(w,
			   "%s.column_metadata.%.64s."
			   "distinct_count_approximate: expected a boolean",
			   where, col);
	v = member(m, "avg_length");
	if (v != NULL && (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
			  v->valuedouble < 0 || v->valuedouble > MAX_COUNT))
		return bad(w,
			   "%s.column_metadata.%.64s.avg_length: expected a "
			   "number >= 0",
			   where, col);
	for (i = 0; i < 3; i++) { /* min, max: scalars; a comment: text */
		static const char *const texts[] = {"min", "max",
						    "existing_comment"};
		v = member(m, texts[i]);
		if (v == NULL)
			continue;
		rc = cell_text(v, &text, &kind);
		free(text);
		if (rc == -3)
			return oom(w);
		if (rc != 0 || (i == 2 && !cJSON_IsString(v)))
			return bad(w,
				   "%s.column_metadata.%.64s.%s: expected %s "
				   "(of at most %d bytes)",
				   where, col, texts[i],
				   i == 2 ? "a string"
					  : "a string, a number or a boolean",
				   MAX_CELL_BYTES);
	}
	return 0;
}

/* column_metadata: an object keyed by the columns of table_data; each
 * column's object kept in meta[] (borrowed). */
static int take_meta(const mgen_table *t, const cJSON *cm, const cJSON **meta,
		     size_t nrows, double *row_count, const char *where, why *w)
{
	const cJSON *m;
	size_t i;
	int rc;

	*row_count = -1;
	if (cm == NULL)
		return 0;
	if (!cJSON_IsObject(cm))
		return bad(w,
			   "%s.column_metadata: expected an object keyed by "
			   "column name",
			   where);
	for (m = cm->child; m != NULL; m = m->next) {
		for (i = 0; i < t->column_count; i++)
			if (strcmp(t->columns[i].name, m->string) == 0)
				break;
		if (i == t->column_count)
			return bad(w,
				   "%s.column_metadata.%.64s: not a column "
				   "of table_data.columns",
				   where, m->string);
		if (meta[i] != NULL)
			return bad(w, "%s.column_metadata.%.64s: given twice",
				   where, m->string);
		rc = check_meta(m, where, m->string, nrows, row_count, w);
		if (rc != 0)
			return rc;
		meta[i] = m;
	}
	return 0;
}

/* The text of member `key` (cut to `words` words), replacing *dst. */
static int set_text(char **dst, const cJSON *m, const char *key, size_t words)
{
	const cJSON *v = member(m, key);
	char *text = NULL;
	int kind;

	if (v == NULL)
		return 0;
	if (cell_text(v, &text, &kind) != 0)
		return MGEN_ENOMEM; /* checked before: only out of memory */
	free(*dst);
	*dst = text;
	return 0;
}

/* What column_metadata gives replaces what the rows gave. */
static int apply_meta(mgen_column *c, const cJSON *m,
		      const mgen_profile_options *po)
{
	double v;
	int rc = 0;

	if (m == NULL)
		return 0;
	if ((v = count_of(m, "non_null_count")) >= 0)
		c->non_null_count = (long long)v;
	if ((v = count_of(m, "distinct_count")) >= 0)
		c->distinct_count = (long long)v;
	c->distinct_approx =
	    cJSON_IsTrue(member(m, "distinct_count_approximate"));
	if (member(m, "avg_length") != NULL)
		c->avg_length = member(m, "avg_length")->valuedouble;
	rc |= set_text(&c->data_type, m, "data_type", 0);
	rc |= set_text(&c->existing_comment, m, "existing_comment", 0);
	if (po->allow_data) { /* never kept without allow_data */
		rc |= set_text(&c->min_value, m, "min", 0);
		rc |= set_text(&c->max_value, m, "max", 0);
	}
	if (rc == 0 && c->min_value)
		c->min_value =
		    mgen_profile_cut(c->min_value, po->word_limit_per_cell);
	if (rc == 0 && c->max_value)
		c->max_value =
		    mgen_profile_cut(c->max_value, po->word_limit_per_cell);
	if (rc == 0 && ((member(m, "min") && po->allow_data && !c->min_value) ||
			(member(m, "max") && po->allow_data && !c->max_value)))
		rc = MGEN_ENOMEM;
	return rc ? MGEN_ENOMEM : 0;
}

static const char *const record_keys[] = {
    "table_name", "table_data", "column_metadata", "table_comment", NULL};
static const char *const data_keys[] = {"columns", "data", "index", NULL};

/* Names, columns and cells of record `o`; *cells owned by the caller. */
static int take_shape(mgen_table *t, const cJSON *o, const char *where,
		      char ***cells, size_t *nrows, unsigned char **numeric,
		      why *w)
{
	const cJSON *td = member(o, "table_data"), *tc;
	int rc = only_known(o, record_keys, where, w);

	if (rc == 0 && member(o, "table_name") == NULL)
		rc = bad(w,
			 "%s.table_name: missing (a comment record needs "
			 "table_name and table_data)",
			 where);
	if (rc == 0)
		rc = take_name(t, member(o, "table_name"), where, w);
	if (rc == 0 && !cJSON_IsObject(td))
		rc = bad(w,
			 "%s.table_data: expected an object {\"columns\": "
			 "[...], \"data\": [[...], ...]} (pandas split "
			 "orient)",
			 where);
	if (rc == 0) {
		char sub[160];
		snprintf(sub, sizeof(sub), "%s.table_data", where);
		rc = only_known(td, data_keys, sub, w);
	}
	if (rc == 0)
		rc = take_columns(
		    t, cJSON_GetObjectItemCaseSensitive(td, "columns"), where,
		    w);
	tc = member(o, "table_comment");
	if (rc == 0 && tc != NULL &&
	    (!cJSON_IsString(tc) || strlen(tc->valuestring) > MAX_CELL_BYTES))
		rc = bad(w,
			 "%s.table_comment: expected a string of at most %d "
			 "bytes (the table's existing comment)",
			 where, MAX_CELL_BYTES);
	if (rc == 0 && tc != NULL &&
	    (t->existing_comment = mgen__strdup(tc->valuestring)) == NULL)
		rc = oom(w);
	if (rc == 0 && (*numeric = calloc(t->column_count, 1)) == NULL)
		rc = oom(w);
	if (rc == 0)
		rc = take_data(td, t->column_count, cells, nrows, *numeric,
			       where, w);
	return rc;
}

static void free_cells(char **cells, size_t n)
{
	size_t i;

	for (i = 0; cells && i < n; i++)
		free(cells[i]);
	free(cells);
}

int mgen__serve_comment_take(const cJSON *o, const char *where,
			     const mgen_profile_options *po, mgen_table **out,
			     char *msg, size_t msgsz)
{
	mgen_table *t = calloc(1, sizeof(*t));
	char **cells = NULL;
	unsigned char *numeric = NULL;
	const cJSON **meta = NULL;
	size_t i, nrows = 0;
	double row_count = -1;
	why w = {msg, msgsz};
	int rc =
	    t ? take_shape(t, o, where, &cells, &nrows, &numeric, &w) : oom(&w);

	if (rc == 0 && (meta = calloc(t->column_count, sizeof(*meta))) == NULL)
		rc = oom(&w);
	if (rc == 0)
		rc = take_meta(t, member(o, "column_metadata"), meta, nrows,
			       &row_count, where, &w);
	if (rc == 0 && mgen_profile_rows(t, cells, nrows, numeric, po) != 0)
		rc = oom(&w);
	if (rc == 0 && row_count >= 0)
		t->row_count = (long long)row_count;
	for (i = 0; rc == 0 && i < t->column_count; i++)
		if (apply_meta(&t->columns[i], meta[i], po) != 0)
			rc = oom(&w);
	free_cells(cells, nrows * (t ? t->column_count : 0));
	free(numeric);
	free(meta);
	if (rc != 0) {
		mgen_table_release(t);
		free(t);
		t = NULL;
	}
	*out = t;
	return rc;
}

/* {"column": NAME|null, "comment", "status", "path", "reason"}. */
static void add_comment(int *jerr, cJSON *arr, const char *column,
			const mgen_proposal *p)
{
	cJSON *o = mgen__json_add_object(jerr, arr, NULL);

	mgen__json_add(jerr, o, "column",
		       column ? cJSON_CreateString(column)
			      : cJSON_CreateNull());
	mgen__json_add(jerr, o, "comment",
		       p->comment ? cJSON_CreateString(p->comment)
				  : cJSON_CreateNull());
	mgen__json_add_str(jerr, o, "status", mgen_status_name(p->status));
	mgen__json_add_str(jerr, o, "path", mgen_path_name(p->path));
	mgen__json_add(jerr, o, "reason",
		       p->reason ? cJSON_CreateString(p->reason)
				 : cJSON_CreateNull());
}

/* A proposal's text when it is a comment to write (PROPOSED, KEPT or
 * FALLBACK: what generate's outputs offer), else NULL. */
static const char *offered(const mgen_proposal *p)
{
	return p->status == MGEN_STATUS_FAILED || p->status == MGEN_STATUS_NONE
		   ? NULL
		   : p->comment;
}

static cJSON *str_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* The prediction of commented table `t` (named `name` by the client). */
static cJSON *prediction(const mgen_table *t, const char *name, mgen_dialect d)
{
	cJSON *o = cJSON_CreateObject(), *cols, *cont, *all, *u;
	mgen_buf ddl = MGEN_BUF_INIT;
	int jerr = o ? 0 : MGEN_ENOMEM;
	size_t i;

	mgen__json_add_str(&jerr, o, "table_name", name);
	mgen__json_add(&jerr, o, "table", str_or_null(offered(&t->proposal)));
	cols = mgen__json_add_array(&jerr, o, "columns");
	cont = mgen__json_add_array(&jerr, o, "column_contents");
	for (i = 0; i < t->column_count; i++) {
		mgen__json_add_str(&jerr, cols, NULL, t->columns[i].name);
		mgen__json_add(&jerr, cont, NULL,
			       str_or_null(offered(&t->columns[i].proposal)));
	}
	all = mgen__json_add_array(&jerr, o, "comments");
	add_comment(&jerr, all, NULL, &t->proposal);
	for (i = 0; i < t->column_count; i++)
		add_comment(&jerr, all, t->columns[i].name,
			    &t->columns[i].proposal);
	u = mgen__json_add_object(&jerr, o, "usage");
	mgen__json_add_num(&jerr, u, "lm_calls", t->lm_calls);
	mgen__json_add_num(&jerr, u, "prompt_tokens", (double)t->prompt_tokens);
	mgen__json_add_num(&jerr, u, "completion_tokens",
			   (double)t->completion_tokens);
	if (d != MGEN_DIALECT_AUTO) { /* the run's comments.sql, this table */
		if (mgen_output_sql(d, t, 1, &ddl) != 0 || mgen_buf_error(&ddl))
			jerr = MGEN_ENOMEM;
		mgen__json_add_str(&jerr, o, "ddl", mgen_buf_str(&ddl));
	}
	mgen_buf_release(&ddl);
	if (jerr) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *mgen__serve_comment_answer(mgen_commenter *c, mgen_table *t,
				  const char *name, int *status, char *msg,
				  size_t msgsz)
{
	int rc = mgen_commenter_table(c, t);
	cJSON *o;

	*status = 200;
	if (rc == MGEN_EAUTH || rc == MGEN_ELIMIT) {
		*status = rc == MGEN_EAUTH ? 502 : 503;
		snprintf(msg, msgsz, "%s",
			 rc == MGEN_EAUTH ? "the LM endpoint refused the key"
					  : "the LM budget (budget.max_tokens, "
					    "budget.max_cost) is spent");
		return NULL;
	}
	o = rc == 0 ? prediction(t, name, mgen_commenter_dialect(c)) : NULL;
	if (o == NULL) {
		*status = 500;
		snprintf(msg, msgsz, "out of memory");
	}
	return o;
}
