/*
 * review.c - what a reviewer did to a run's proposals (include/metagen/
 * review.h): the reviewed comments.tsv read row by row (output.h,
 * mgen_output_parse_tsv) against the run's comments.json, which holds
 * the text the run proposed, and each object classified.
 */
#include <stdlib.h>
#include <string.h>

#include "metagen/output.h"
#include "metagen/review.h"
#include "util/json.h"
#include "util/text.h"
#include "util/util.h"

/* One object of the run (comments.json): its proposal and where the
 * TSV named it. */
typedef struct run_obj {
	const char *name;    /* column name; NULL for the table */
	const char *comment; /* the run's text, or NULL */
	int proposed;	     /* status "proposed" with a text */
	mgen_path path;
	size_t line; /* the TSV line naming it; 0 = none yet */
} run_obj;

typedef struct run_table {
	const char *catalog, *schema, *name;
	run_obj *objs; /* [0] the table, [1..] its columns */
	size_t nobjs;
	long review; /* its index in the review's tables, -1 none */
} run_table;

typedef struct review_ctx {
	mgen_review *r;
	cJSON *json; /* comments.json */
	const char *json_path;
	run_table *tables; /* sorted by (catalog, schema, name) */
	size_t ntables;
} review_ctx;

static const char *nz(const char *s)
{
	return s ? s : "";
}

static int table_cmp3(const char *c1, const char *s1, const char *n1,
		      const char *c2, const char *s2, const char *n2)
{
	int d = strcmp(nz(c1), nz(c2));

	if (d == 0)
		d = strcmp(nz(s1), nz(s2));
	return d ? d : strcmp(nz(n1), nz(n2));
}

static int run_table_cmp(const void *a, const void *b)
{
	const run_table *x = a, *y = b;

	return table_cmp3(x->catalog, x->schema, x->name, y->catalog, y->schema,
			  y->name);
}

/* Fills `o` from a comments.json object (table or column). */
static void take_obj(run_obj *o, const cJSON *j, const char *name)
{
	const char *status = mgen__json_str(j, "status");
	int path = mgen_path_from_name(nz(mgen__json_str(j, "path")));

	o->name = name;
	o->comment = mgen__json_str(j, "comment");
	o->path = path < 0 ? MGEN_PATH_NONE : (mgen_path)path;
	o->proposed = status && strcmp(status, "proposed") == 0 && o->comment &&
		      o->comment[0];
}

static int json_bad(review_ctx *x, mgen_err *err, size_t i, const char *what)
{
	return mgen_err_set(err, MGEN_EPARSE, "%s: tables[%zu]: %s",
			    x->json_path, i, what);
}

/* Indexes table object `j` (entry i of "tables") into x->tables[i]. */
static int index_table(review_ctx *x, size_t i, const cJSON *j, mgen_err *err)
{
	run_table *t = &x->tables[i];
	const cJSON *cols = cJSON_GetObjectItemCaseSensitive(j, "columns");
	const cJSON *c;
	size_t k = 1;

	t->review = -1;
	t->catalog = mgen__json_str(j, "catalog");
	t->schema = mgen__json_str(j, "schema");
	t->name = mgen__json_str(j, "table");
	if (!cJSON_IsObject(j) || t->name == NULL || !t->name[0])
		return json_bad(x, err, i, "not an object with a \"table\"");
	if (cols != NULL && !cJSON_IsArray(cols))
		return json_bad(x, err, i, "\"columns\" is not an array");
	t->objs = calloc((size_t)cJSON_GetArraySize(cols) + 1, sizeof(run_obj));
	if (t->objs == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	take_obj(&t->objs[0], j, NULL);
	cJSON_ArrayForEach(c, cols)
	{
		const char *name = mgen__json_str(c, "name");
		if (name == NULL || !name[0])
			return json_bad(x, err, i, "a column has no \"name\"");
		take_obj(&t->objs[k++], c, name);
	}
	t->nobjs = k;
	return 0;
}

/* Reads and indexes RUN/comments.json. */
static int load_run(review_ctx *x, size_t max, mgen_err *err)
{
	const cJSON *tables, *j;
	char *text = NULL;
	size_t len = 0, i = 0;
	int rc = mgen__read_file_max(x->json_path, max, &text, &len);

	if (rc == MGEN_ELIMIT)
		return mgen_err_set(err, MGEN_EIO,
				    "%s: larger than %zu bytes (the limit)",
				    x->json_path, max);
	if (rc)
		return mgen_err_set(err, rc == MGEN_ENOMEM ? rc : MGEN_EIO,
				    "cannot read %s (the run's proposals: "
				    "the reviewed TSV must stay in its run "
				    "folder)",
				    x->json_path);
	x->json = cJSON_ParseWithLength(text, len);
	free(text);
	tables = cJSON_GetObjectItemCaseSensitive(x->json, "tables");
	if (!cJSON_IsArray(tables))
		return mgen_err_set(err, MGEN_EPARSE,
				    "%s: not a run's comments.json (no "
				    "\"tables\" array)",
				    x->json_path);
	x->ntables = (size_t)cJSON_GetArraySize(tables);
	x->tables = calloc(x->ntables + 1, sizeof(*x->tables));
	if (x->tables == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	cJSON_ArrayForEach(j, tables)
	{
		if ((rc = index_table(x, i++, j, err)) != 0)
			return rc;
	}
	qsort(x->tables, x->ntables, sizeof(*x->tables), run_table_cmp);
	for (i = 1; i < x->ntables; i++)
		if (run_table_cmp(&x->tables[i - 1], &x->tables[i]) == 0)
			return mgen_err_set(err, MGEN_EPARSE,
					    "%s: table \"%s\" is listed twice",
					    x->json_path, x->tables[i].name);
	return 0;
}

static run_table *find_table(review_ctx *x, const mgen_table *t)
{
	run_table key;

	memset(&key, 0, sizeof(key));
	key.catalog = t->catalog;
	key.schema = t->schema;
	key.name = t->name;
	return bsearch(&key, x->tables, x->ntables, sizeof(*x->tables),
		       run_table_cmp);
}

/* "FILE:LINE: " + what, with the object named; returns `code`. */
static int row_err(mgen_err *err, int code, const char *file, size_t line,
		   const mgen_table *t, const mgen_column *c, const char *what)
{
	return mgen_err_set(err, code, "%s:%zu: %s%s%s%s%s: %s", file, line,
			    nz(t->schema), t->schema && t->schema[0] ? "." : "",
			    nz(t->name), c ? "." : "", c ? nz(c->name) : "",
			    what);
}

/* 1 when `s` is NULL or only spaces, tabs and line breaks. */
static int blank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

/* The names and text of the row, checked as UTF-8; 0 or the field
 * number (1-based) of the first that is not. */
static int bad_utf8_field(const mgen_table *t, const mgen_column *c)
{
	const char *f[5] = {t->catalog, t->schema, t->name, c ? c->name : NULL,
			    c ? c->proposal.comment : t->proposal.comment};
	static const int num[5] = {1, 2, 3, 4, 7};
	int i;

	for (i = 0; i < 5; i++)
		if (f[i] && mgen__utf8_invalid(f[i], strlen(f[i])))
			return num[i];
	return 0;
}

static mgen_review_table *review_table(review_ctx *x, run_table *rt,
				       size_t line)
{
	mgen_review *r = x->r;
	mgen_review_table *a, *t;

	if (rt->review >= 0)
		return &r->tables[rt->review];
	a = realloc(r->tables, (r->n + 1) * sizeof(*a));
	if (a == NULL)
		return NULL;
	r->tables = a;
	t = &a[r->n];
	memset(t, 0, sizeof(*t));
	t->catalog = mgen__strdup(nz(rt->catalog));
	t->schema = mgen__strdup(nz(rt->schema));
	t->name = mgen__strdup(rt->name);
	t->line = line;
	rt->review = (long)r->n++;
	return t->catalog && t->schema && t->name ? t : NULL;
}

/* Records a gold or negative item of table `rt`. */
static int add_item(review_ctx *x, run_table *rt, const run_obj *o,
		    const char *reviewed, mgen_review_verdict v, size_t line)
{
	mgen_review_table *t = review_table(x, rt, line);
	mgen_review_item *it;

	if (t == NULL)
		return MGEN_ENOMEM;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 8;
		it = realloc(t->items, cap * sizeof(*it));
		if (it == NULL)
			return MGEN_ENOMEM;
		t->items = it;
		t->cap = cap;
	}
	it = &t->items[t->n++];
	memset(it, 0, sizeof(*it));
	it->path = o->path;
	it->verdict = v;
	it->line = line;
	if ((o->name && !(it->column = mgen__strdup(o->name))) ||
	    (o->comment && !(it->proposed = mgen__strdup(o->comment))) ||
	    (reviewed && !(it->reviewed = mgen__strdup(reviewed))))
		return MGEN_ENOMEM;
	return 0;
}

static void count(mgen_review *r, mgen_path p, mgen_review_verdict v)
{
	mgen_review_counts *c[2] = {&r->total,
				    &r->by_path[(unsigned)p < 4 ? p : 0]};
	int i;

	for (i = 0; i < 2; i++) {
		if (v == MGEN_REVIEW_UNCHANGED)
			c[i]->unchanged++;
		else if (v == MGEN_REVIEW_EDITED)
			c[i]->edited++;
		else if (v == MGEN_REVIEW_REJECTED)
			c[i]->rejected++;
		else
			c[i]->written++;
	}
}

/* Classifies object `o` named by the row at `line`; `text` is the
 * reviewer's (NULL: blanked). */
static int classify(review_ctx *x, run_table *rt, run_obj *o, const char *text,
		    size_t line)
{
	mgen_review_verdict v;

	if (blank(text))
		text = NULL;
	if (o->proposed)
		v = text == NULL		    ? MGEN_REVIEW_REJECTED
		    : strcmp(text, o->comment) == 0 ? MGEN_REVIEW_UNCHANGED
						    : MGEN_REVIEW_EDITED;
	else if (text && strcmp(text, nz(o->comment)) != 0)
		v = MGEN_REVIEW_WRITTEN;
	else
		return 0; /* nothing proposed, nothing written */
	count(x->r, o->path, v);
	return add_item(x, rt, o, text, v, line);
}

static int on_row(void *ud, const char *file, size_t line, const mgen_table *t,
		  const mgen_column *c, mgen_err *err)
{
	review_ctx *x = ud;
	run_table *rt;
	run_obj *o = NULL;
	char what[160];
	size_t k;
	int f = bad_utf8_field(t, c);

	if (f)
		return mgen_err_set(err, MGEN_EPARSE,
				    "%s:%zu: field %d is not valid UTF-8", file,
				    line, f);
	rt = find_table(x, t);
	if (rt == NULL)
		return row_err(err, MGEN_EINVAL, file, line, t, NULL,
			       "no such table in the run (its "
			       "comments.json)");
	for (k = c ? 1 : 0; k < (c ? rt->nobjs : 1) && o == NULL; k++)
		if (!c || strcmp(rt->objs[k].name, c->name) == 0)
			o = &rt->objs[k];
	if (o == NULL)
		return row_err(err, MGEN_EINVAL, file, line, t, c,
			       "no such column in the run (its "
			       "comments.json)");
	if (o->line) {
		snprintf(what, sizeof(what), "given twice (also line %zu)",
			 o->line);
		return row_err(err, MGEN_EINVAL, file, line, t, c, what);
	}
	o->line = line;
	if (classify(x, rt, o, c ? c->proposal.comment : t->proposal.comment,
		     line))
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	return 0;
}

/* Proposals no row named: counted missing. */
static void count_missing(review_ctx *x)
{
	size_t i, k;

	for (i = 0; i < x->ntables; i++)
		for (k = 0; k < x->tables[i].nobjs; k++) {
			const run_obj *o = &x->tables[i].objs[k];
			if (!o->proposed || o->line)
				continue;
			x->r->total.missing++;
			x->r->by_path[(unsigned)o->path < 4 ? o->path : 0]
			    .missing++;
		}
}

/* RUN (the TSV's folder) and RUN/comments.json into r and x. */
static int run_paths(mgen_review *r, const char *tsv_path, mgen_buf *json)
{
	const char *slash = strrchr(tsv_path, '/');

	r->tsv_path = mgen__strdup(tsv_path);
	if (slash == NULL)
		r->run_dir = mgen__strdup(".");
	else if (slash == tsv_path)
		r->run_dir = mgen__strdup("/");
	else
		r->run_dir =
		    mgen__strndup(tsv_path, (size_t)(slash - tsv_path));
	if (r->tsv_path == NULL || r->run_dir == NULL)
		return MGEN_ENOMEM;
	mgen_buf_printf(json, "%s/comments.json", r->run_dir);
	return mgen_buf_error(json);
}

static int read_tsv(review_ctx *x, size_t max, mgen_err *err)
{
	mgen_table_list rows;
	char *text = NULL;
	size_t len = 0;
	int rc = mgen__read_file_max(x->r->tsv_path, max, &text, &len);

	if (rc == MGEN_ELIMIT)
		return mgen_err_set(err, MGEN_EIO,
				    "%s: larger than %zu bytes (the limit)",
				    x->r->tsv_path, max);
	if (rc)
		return mgen_err_set(err, rc == MGEN_ENOMEM ? rc : MGEN_EIO,
				    "cannot read %s", x->r->tsv_path);
	memset(&rows, 0, sizeof(rows));
	rc = mgen_output_parse_tsv(text, len, x->r->tsv_path, &rows, on_row, x,
				   err);
	mgen_table_list_release(&rows);
	free(text);
	return rc;
}

int mgen_review_read(const char *tsv_path, size_t max_bytes, mgen_review **out,
		     mgen_err *err)
{
	review_ctx x;
	mgen_buf json = MGEN_BUF_INIT;
	size_t i;
	int rc;

	*out = NULL;
	memset(&x, 0, sizeof(x));
	if (max_bytes == 0)
		max_bytes = MGEN_REVIEW_MAX_BYTES;
	x.r = calloc(1, sizeof(*x.r));
	rc = x.r ? run_paths(x.r, tsv_path, &json) : MGEN_ENOMEM;
	if (rc) {
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		goto done;
	}
	x.json_path = mgen_buf_str(&json);
	rc = load_run(&x, max_bytes, err);
	if (rc == 0)
		rc = read_tsv(&x, max_bytes, err);
	if (rc == 0)
		count_missing(&x);
done:
	for (i = 0; i < x.ntables; i++)
		free(x.tables[i].objs);
	free(x.tables);
	cJSON_Delete(x.json);
	mgen_buf_release(&json);
	if (rc)
		mgen_review_free(x.r);
	else
		*out = x.r;
	return rc;
}

void mgen_review_free(mgen_review *r)
{
	size_t i, k;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		mgen_review_table *t = &r->tables[i];
		for (k = 0; k < t->n; k++) {
			free(t->items[k].column);
			free(t->items[k].proposed);
			free(t->items[k].reviewed);
		}
		free(t->items);
		free(t->catalog);
		free(t->schema);
		free(t->name);
	}
	free(r->tables);
	free(r->tsv_path);
	free(r->run_dir);
	free(r);
}
