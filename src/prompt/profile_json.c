/*
 * profile_json.c - a table's profile as dbxmetagen's split-shape JSON
 * object (pandas DataFrame.to_json(orient="split") plus metadata), the
 * content of every comment prompt:
 *
 *   {"table_name": "c.s.t", "columns": ["a", ...], "index": [0, 1, ...],
 *    "data": [["cell", null, ...], ...],
 *    "column_metadata": {"a": {"data_type", "row_count", "non_null_count",
 *        "distinct_count", "distinct_count_approximate" (true, only when
 *        the count is an estimate), "min", "max", "avg_length",
 *        "existing_comment"}},
 *    "table_comment": "..."}
 *
 * Keys appear in exactly this order (a local test server relies on it).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/prompt.h"
#include "prompt/prompt_internal.h"
#include "util/util.h"

static void pj_print(mgen_buf *b, const cJSON *it);

/* A JSON string literal (RFC 8259 section 7). */
static void pj_print_string(mgen_buf *b, const char *s)
{
	mgen_buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			mgen_buf_putc(b, '\\');
			mgen_buf_putc(b, (char)c);
		} else if (c == '\n') {
			mgen_buf_puts(b, "\\n");
		} else if (c == '\t') {
			mgen_buf_puts(b, "\\t");
		} else if (c == '\r') {
			mgen_buf_puts(b, "\\r");
		} else if (c < 0x20) {
			mgen_buf_printf(b, "\\u%04x", c);
		} else {
			mgen_buf_putc(b, (char)c);
		}
	}
	mgen_buf_putc(b, '"');
}

static void pj_print_number(mgen_buf *b, double d)
{
	if (d != d || d - d != 0) /* NaN or infinite: not JSON */
		mgen_buf_puts(b, "null");
	else if (d == floor(d) && fabs(d) < 1e15)
		mgen_buf_printf(b, "%.0f", d);
	else
		mgen_buf_printf(b, "%.17g", d);
}

/* Members of an object or items of an array, ", "-separated. */
static void pj_print_children(mgen_buf *b, const cJSON *it, int object)
{
	const cJSON *c;

	for (c = it->child; c != NULL; c = c->next) {
		if (c != it->child)
			mgen_buf_puts(b, ", ");
		if (object) {
			pj_print_string(b, c->string ? c->string : "");
			mgen_buf_puts(b, ": ");
		}
		pj_print(b, c);
	}
}

static void pj_print(mgen_buf *b, const cJSON *it)
{
	if (cJSON_IsString(it)) {
		pj_print_string(b, it->valuestring);
	} else if (cJSON_IsNumber(it)) {
		pj_print_number(b, it->valuedouble);
	} else if (cJSON_IsBool(it)) {
		mgen_buf_puts(b, cJSON_IsTrue(it) ? "true" : "false");
	} else if (cJSON_IsArray(it)) {
		mgen_buf_putc(b, '[');
		pj_print_children(b, it, 0);
		mgen_buf_putc(b, ']');
	} else if (cJSON_IsObject(it)) {
		mgen_buf_putc(b, '{');
		pj_print_children(b, it, 1);
		mgen_buf_putc(b, '}');
	} else {
		mgen_buf_puts(b, "null");
	}
}

char *mgen_prompt__json_print(const cJSON *item)
{
	mgen_buf b = MGEN_BUF_INIT;
	char *s;

	pj_print(&b, item);
	s = mgen_buf_detach(&b);
	mgen_buf_release(&b);
	return s;
}

static int pj_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/*
 * Copy of `s` cut to its first `limit` whitespace-separated words and at
 * most 10 * limit code points (dbxmetagen's word_limit_per_cell rule),
 * never splitting a UTF-8 sequence. limit 0 = no cut. NULL on ENOMEM.
 */
static char *pj_cut(const char *s, size_t limit)
{
	size_t i = 0, words = 0, cps = 0, maxcp;
	int in_word = 0;

	if (limit == 0)
		return mgen__strdup(s);
	maxcp = limit * 10;
	for (; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c & 0xC0) != 0x80 && cps++ == maxcp)
			break;
		if (pj_space(c)) {
			in_word = 0;
		} else if (!in_word) {
			in_word = 1;
			if (++words > limit)
				break;
		}
	}
	/* drop the whitespace before a cut */
	if (s[i] != '\0')
		while (i > 0 && pj_space((unsigned char)s[i - 1]))
			i--;
	return mgen__strndup(s, i);
}

/* Adds `item` to array `arr`; deletes it on failure. 0 or -1. */
static int pj_add(cJSON *arr, cJSON *item)
{
	if (item == NULL || !cJSON_AddItemToArray(arr, item)) {
		cJSON_Delete(item);
		return -1;
	}
	return 0;
}

/* Adds a string member `key`: `s` cut to `limit` words. 0 or -1. */
static int pj_add_cut(cJSON *obj, const char *key, const char *s, size_t limit)
{
	char *v = pj_cut(s, limit);
	int rc = -1;

	if (v != NULL && cJSON_AddStringToObject(obj, key, v) != NULL)
		rc = 0;
	free(v);
	return rc;
}

/* "index" and "data": rows [0, nrows) of the asked columns. */
static int pj_rows(cJSON *root, const mgen_table *t, const size_t *cols,
		   size_t ncols, size_t nrows, size_t limit)
{
	cJSON *index = cJSON_AddArrayToObject(root, "index");
	cJSON *data;
	size_t r, i;

	if (index == NULL)
		return -1;
	for (r = 0; r < nrows; r++)
		if (pj_add(index, cJSON_CreateNumber((double)r)) != 0)
			return -1;
	data = cJSON_AddArrayToObject(root, "data");
	if (data == NULL)
		return -1;
	for (r = 0; r < nrows; r++) {
		cJSON *row = cJSON_CreateArray();
		if (pj_add(data, row) != 0)
			return -1;
		for (i = 0; i < ncols; i++) {
			const char *cell =
			    t->sample[r * t->column_count + cols[i]];
			cJSON *v;
			char *cut;
			if (cell == NULL) {
				v = cJSON_CreateNull();
			} else {
				cut = pj_cut(cell, limit);
				v = cut ? cJSON_CreateString(cut) : NULL;
				free(cut);
			}
			if (pj_add(row, v) != 0)
				return -1;
		}
	}
	return 0;
}

/* Adds a number member when `v` is known (>= 0). 0 or -1. */
static int pj_num(cJSON *o, const char *key, double v)
{
	if (v < 0)
		return 0;
	return cJSON_AddNumberToObject(o, key, v) ? 0 : -1;
}

/* The metadata object of one column. */
static int pj_column_meta(cJSON *meta, const mgen_table *t,
			  const mgen_column *c, const mgen_prompt_options *o)
{
	cJSON *m = cJSON_CreateObject();
	int minmax = o->allow_data && o->include_minmax;
	size_t lim = o->word_limit_per_cell;

	if (m == NULL || !cJSON_AddItemToObject(meta, c->name, m)) {
		cJSON_Delete(m);
		return -1;
	}
	if (c->data_type != NULL &&
	    cJSON_AddStringToObject(m, "data_type", c->data_type) == NULL)
		return -1;
	if (t->profiled) {
		if (pj_num(m, "row_count", (double)t->row_count) != 0 ||
		    pj_num(m, "non_null_count", (double)c->non_null_count) ||
		    pj_num(m, "distinct_count", (double)c->distinct_count))
			return -1;
		if (c->distinct_approx && /* an HLL estimate */
		    cJSON_AddTrueToObject(m, "distinct_count_approximate") ==
			NULL)
			return -1;
		if (minmax && c->min_value != NULL &&
		    pj_add_cut(m, "min", c->min_value, lim) != 0)
			return -1;
		if (minmax && c->max_value != NULL &&
		    pj_add_cut(m, "max", c->max_value, lim) != 0)
			return -1;
		/* two decimals: enough for a length, short in the prompt */
		if (pj_num(m, "avg_length",
			   c->avg_length < 0
			       ? -1
			       : round(c->avg_length * 100.0) / 100.0))
			return -1;
	}
	if (c->existing_comment != NULL &&
	    cJSON_AddStringToObject(m, "existing_comment",
				    c->existing_comment) == NULL)
		return -1;
	return 0;
}

static int pj_build(cJSON *root, const mgen_table *t, const size_t *cols,
		    size_t ncols, const mgen_prompt_options *o, size_t max_rows)
{
	char *fullname = mgen_table_fullname(t);
	cJSON *names, *meta;
	size_t i, nrows = 0;
	int rc = -1;

	if (fullname == NULL ||
	    cJSON_AddStringToObject(root, "table_name", fullname) == NULL)
		goto done;
	names = cJSON_AddArrayToObject(root, "columns");
	if (names == NULL)
		goto done;
	for (i = 0; i < ncols; i++)
		if (pj_add(names,
			   cJSON_CreateString(t->columns[cols[i]].name)) != 0)
			goto done;
	if (o->allow_data && t->sample != NULL)
		nrows = t->sample_row_count < max_rows ? t->sample_row_count
						       : max_rows;
	if (pj_rows(root, t, cols, ncols, nrows, o->word_limit_per_cell) != 0)
		goto done;
	if (o->add_metadata) {
		meta = cJSON_AddObjectToObject(root, "column_metadata");
		if (meta == NULL)
			goto done;
		for (i = 0; i < ncols; i++)
			if (pj_column_meta(meta, t, &t->columns[cols[i]], o))
				goto done;
	}
	if (o->include_existing_table_comment && t->existing_comment != NULL &&
	    t->existing_comment[0] != '\0' &&
	    cJSON_AddStringToObject(root, "table_comment",
				    t->existing_comment) == NULL)
		goto done;
	rc = 0;
done:
	free(fullname);
	return rc;
}

char *mgen_prompt_profile_json(const mgen_table *t, const size_t *cols,
			       size_t ncols, const mgen_prompt_options *opts,
			       size_t max_rows)
{
	cJSON *root = cJSON_CreateObject();
	char *text = NULL;

	if (root != NULL && pj_build(root, t, cols, ncols, opts, max_rows) == 0)
		text = mgen_prompt__json_print(root);
	cJSON_Delete(root);
	return text;
}
