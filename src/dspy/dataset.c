/*
 * dataset.c - JSONL examples with gold comments (trainset / devset) and a
 * deterministic split by table (see include/metagen/dataset.h).
 */
#include "metagen/dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dspy/example_dspy.h"
#include "dspy/jsontree.h"
#include "util/hash.h"
#include "util/util.h"

static void example_release(mgen_gold_example *e)
{
	free(e->table);
	free(e->table_comment);
	mgen_kvlist_release(&e->columns);
	free(e->extra);
	memset(e, 0, sizeof(*e));
}

void mgen_dataset_release(mgen_dataset *ds)
{
	size_t i;

	if (!ds)
		return;
	for (i = 0; i < ds->n; i++)
		example_release(&ds->items[i]);
	free(ds->items);
	memset(ds, 0, sizeof(*ds));
}

size_t mgen_dataset_column_count(const mgen_dataset *ds)
{
	size_t i, n = 0;

	for (i = 0; i < ds->n; i++)
		n += ds->items[i].columns.n;
	return n;
}

/* Appends a zeroed example; NULL on out of memory. */
static mgen_gold_example *push(mgen_dataset *ds)
{
	if (ds->n == ds->cap) {
		size_t cap = ds->cap ? ds->cap * 2 : 16;
		mgen_gold_example *a = realloc(ds->items, cap * sizeof(*a));

		if (!a)
			return NULL;
		ds->items = a;
		ds->cap = cap;
	}
	memset(&ds->items[ds->n], 0, sizeof(mgen_gold_example));
	return &ds->items[ds->n++];
}

typedef struct line_ctx {
	const char *src;
	size_t line;
	mgen_err *err;
	mgen_dataset *ds;
} line_ctx;

static int line_err(line_ctx *c, int code, const char *what, const char *name)
{
	if (name)
		return mgen_err_set(c->err, code, "%s:%zu: column '%s': %s",
				    c->src, c->line, name, what);
	return mgen_err_set(c->err, code, "%s:%zu: %s", c->src, c->line, what);
}

static int take_columns(line_ctx *c, mgen_gold_example *e, const mgen__jt *cols)
{
	size_t i;

	if (!cols || cols->type == MGEN__JT_NULL)
		return 0;
	if (cols->type != MGEN__JT_OBJECT)
		return line_err(c, MGEN_EINVAL, "\"columns\" is not an object",
				NULL);
	for (i = 0; i < cols->n; i++) {
		const mgen__jt *v = cols->kids[i];

		if (v->type != MGEN__JT_STRING && v->type != MGEN__JT_NULL)
			return line_err(c, MGEN_EINVAL,
					"comment is not a string", v->key);
		if (mgen__jt_get(cols, v->key) != v || v->type == MGEN__JT_NULL)
			continue; /* a later duplicate wins; null = no gold */
		if (mgen_kvlist_add(&e->columns, v->key, v->text))
			return line_err(c, MGEN_ENOMEM, "out of memory", NULL);
	}
	return 0;
}

/* Everything but table / table_comment / columns, as compact JSON. */
static int take_extra(line_ctx *c, mgen_gold_example *e, mgen__jt *root)
{
	mgen_buf b = MGEN_BUF_INIT;

	mgen__jt_remove(root, "table", 0);
	mgen__jt_remove(root, "table_comment", 0);
	mgen__jt_remove(root, "columns", 0);
	if (root->n == 0)
		return 0;
	mgen__jt_write(root, -1, &b);
	e->extra = mgen_buf_detach(&b);
	mgen_buf_release(&b);
	return e->extra ? 0 : line_err(c, MGEN_ENOMEM, "out of memory", NULL);
}

static int take_example(line_ctx *c, mgen_gold_example *e, mgen__jt *root)
{
	const mgen__jt *t = mgen__jt_get(root, "table");
	const mgen__jt *tc = mgen__jt_get(root, "table_comment");
	int rc;

	if (root->type != MGEN__JT_OBJECT)
		return line_err(c, MGEN_EINVAL, "not a JSON object", NULL);
	if (!t || t->type != MGEN__JT_STRING || !*t->text)
		return line_err(c, MGEN_EINVAL,
				"\"table\" is missing or not a non-empty "
				"string",
				NULL);
	if (tc && tc->type != MGEN__JT_STRING && tc->type != MGEN__JT_NULL)
		return line_err(c, MGEN_EINVAL,
				"\"table_comment\" is not a string or null",
				NULL);
	e->table = mgen__strdup(t->text);
	if (tc && tc->type == MGEN__JT_STRING)
		e->table_comment = mgen__strdup(tc->text);
	if (!e->table ||
	    (tc && tc->type == MGEN__JT_STRING && !e->table_comment))
		return line_err(c, MGEN_ENOMEM, "out of memory", NULL);
	rc = take_columns(c, e, mgen__jt_get(root, "columns"));
	return rc ? rc : take_extra(c, e, root);
}

static int parse_line(line_ctx *c, const char *s, size_t n, mgen_dataset *ds)
{
	mgen_err local = MGEN_ERR_INIT;
	mgen__jt *root = NULL;
	mgen_gold_example *e;
	int rc;

	rc = mgen__jt_parse(s, n, "", &root, &local);
	if (rc == MGEN_EPARSE) /* local.msg is ":1:COL: problem" */
		return mgen_err_set(c->err, rc,
				    "%s:%zu: invalid JSON at column %s", c->src,
				    c->line, local.msg + 3);
	if (rc == 0) { /* a dspy.Example line: metagen's shape */
		char why[200];
		rc = mgen__example_from_dspy(&root, why, sizeof(why));
		if (rc != 0 && rc != MGEN_ENOMEM) {
			mgen__jt_free(root);
			return line_err(c, rc, why, NULL);
		}
	}
	if (rc != 0) {
		mgen__jt_free(root);
		return line_err(c, rc, "out of memory", NULL);
	}
	e = push(ds);
	if (!e) {
		rc = line_err(c, MGEN_ENOMEM, "out of memory", NULL);
	} else {
		e->line = c->line;
		rc = take_example(c, e, root);
	}
	mgen__jt_free(root);
	return rc;
}

static int each_line(void *ud, size_t line, const char *s, size_t n)
{
	line_ctx *c = ud;

	c->line = line;
	return parse_line(c, s, n, c->ds);
}

int mgen_dataset_parse(const char *text, size_t len, const char *source,
		       mgen_dataset *out, mgen_err *err)
{
	line_ctx c = {source ? source : "<dataset>", 0, err, out};
	int rc = mgen__jsonl_each(text, len, each_line, &c);

	if (rc != 0)
		mgen_dataset_release(out);
	return rc;
}

int mgen_dataset_read(const char *path, mgen_dataset *out, mgen_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (mgen__read_file(path, &text, &len) != 0)
		return mgen_err_set(err, MGEN_EIO, "%s: cannot read", path);
	rc = mgen_dataset_parse(text, len, path, out, err);
	free(text);
	return rc;
}

/* ---- split ---- */

/* FNV-1a of the lowercased name, mixed with the seed by splitmix64. */
static unsigned long long table_key(unsigned long long seed, const char *s)
{
	uint64_t h = mgen__fnv1a64_lower(MGEN_FNV1A64_BASIS, s);

	return mgen__splitmix64_mix(
	    h ^ mgen__splitmix64_mix(seed + 0x9e3779b97f4a7c15ULL));
}

typedef struct table_rank {
	const char *name;
	unsigned long long key;
} table_rank;

static int rank_cmp(const void *a, const void *b)
{
	const table_rank *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return mgen__strcasecmp(x->name, y->name);
}

static int copy_example(mgen_dataset *dst, const mgen_gold_example *s)
{
	mgen_gold_example *e = push(dst);
	size_t i;

	if (!e)
		return MGEN_ENOMEM;
	e->line = s->line;
	e->table = mgen__strdup(s->table);
	if (!e->table ||
	    (s->table_comment &&
	     !(e->table_comment = mgen__strdup(s->table_comment))) ||
	    (s->extra && !(e->extra = mgen__strdup(s->extra))))
		return MGEN_ENOMEM;
	for (i = 0; i < s->columns.n; i++)
		if (mgen_kvlist_add(&e->columns, s->columns.items[i].key,
				    s->columns.items[i].value))
			return MGEN_ENOMEM;
	return 0;
}

/* Distinct tables (case-insensitive) of `ds`, ranked; *n set. */
static table_rank *rank_tables(const mgen_dataset *ds, unsigned long long seed,
			       size_t *n)
{
	table_rank *r = malloc((ds->n + 1) * sizeof(*r));
	size_t i, j;

	*n = 0;
	if (!r)
		return NULL;
	for (i = 0; i < ds->n; i++) {
		for (j = 0; j < *n; j++)
			if (mgen__strcasecmp(r[j].name, ds->items[i].table) ==
			    0)
				break;
		if (j < *n)
			continue;
		r[*n].name = ds->items[i].table;
		r[*n].key = table_key(seed, ds->items[i].table);
		(*n)++;
	}
	qsort(r, *n, sizeof(*r), rank_cmp);
	return r;
}

static size_t dev_count(size_t ntables, double fraction)
{
	size_t k = (size_t)floor(fraction * (double)ntables + 0.5);

	if (fraction > 0 && k == 0)
		k = 1;
	if (ntables >= 2 && k >= ntables)
		k = ntables - 1;
	return k > ntables ? ntables : k;
}

int mgen_dataset_split(const mgen_dataset *ds, unsigned long long seed,
		       double dev_fraction, mgen_dataset *train,
		       mgen_dataset *dev, mgen_err *err)
{
	table_rank *r;
	size_t nt, ndev, i, j;
	int rc = 0;

	if (!(dev_fraction >= 0.0 && dev_fraction <= 1.0))
		return mgen_err_set(err, MGEN_EINVAL,
				    "dev fraction %g is outside [0, 1]",
				    dev_fraction);
	r = rank_tables(ds, seed, &nt);
	if (!r)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	ndev = dev_count(nt, dev_fraction);
	for (i = 0; i < ds->n && rc == 0; i++) {
		int to_dev = 0;

		for (j = 0; j < ndev; j++)
			if (mgen__strcasecmp(r[j].name, ds->items[i].table) ==
			    0)
				to_dev = 1;
		rc = copy_example(to_dev ? dev : train, &ds->items[i]);
	}
	free(r);
	if (rc != 0) {
		mgen_dataset_release(train);
		mgen_dataset_release(dev);
		return mgen_err_set(err, rc, "out of memory");
	}
	return 0;
}
