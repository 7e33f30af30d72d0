/*
 * review_harvest.c - `metagen harvest --reviewed`: the reviewed
 * comments of a run (review.h) as gold examples. The harvest run of
 * harvest.c with hooks: only the reviewed tables are listed, their gold
 * is what the reviewer accepted or wrote (not whatever the warehouse
 * holds), and the comments the reviewer rejected go with the line as
 * "rejected": {"table": "...", "columns": {"col": "..."}}, negatives for
 * the metric's report (the run's text, which the reviewer refused).
 */
#include <stdlib.h>
#include <string.h>

#include "comment/harvest_internal.h"
#include "metagen/review.h"
#include "util/util.h"

typedef struct review_hctx {
	const mgen_review *r;
	unsigned char *found; /* per review table: listed */
	mgen_review_harvest_result *res;
	mgen_log_fn log;
	void *lud;
} review_hctx;

static int same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* The review table naming (catalog, schema, table), or -1; an empty
 * catalog in the review (SQLite, a hand-made TSV) matches any. */
static long find(const mgen_review *r, const char *catalog, const char *schema,
		 const char *table)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const mgen_review_table *t = &r->tables[i];
		if ((t->catalog[0] == '\0' || same(t->catalog, catalog)) &&
		    same(t->schema, schema) && same(t->name, table))
			return (long)i;
	}
	return -1;
}

static int in_review(void *ud, const char *catalog, const char *schema,
		     const char *table)
{
	return find(((review_hctx *)ud)->r, catalog, schema, table) >= 0;
}

static int is_gold(const mgen_review_item *it)
{
	return it->verdict != MGEN_REVIEW_REJECTED && it->reviewed != NULL;
}

/* Replaces *slot (the warehouse's comment) with `gold` (may be NULL);
 * counts a gold text the warehouse does not hold. */
static int set_gold(review_hctx *x, char **slot, const char *gold)
{
	char *g = NULL;

	if (gold && !same(*slot, gold))
		x->res->not_applied++;
	if (gold && (g = mgen__strdup(gold)) == NULL)
		return MGEN_ENOMEM;
	free(*slot);
	*slot = g;
	return 0;
}

/* The reviewed item of column `name` in `rt`, or NULL. */
static const mgen_review_item *item_of(const mgen_review_table *rt,
				       const char *name)
{
	size_t k;

	for (k = 0; k < rt->n; k++)
		if (same(rt->items[k].column, name) &&
		    (name != NULL) == (rt->items[k].column != NULL))
			return &rt->items[k];
	return NULL;
}

static void warn_missing_columns(review_hctx *x, const mgen_review_table *rt,
				 const mgen_table *t)
{
	mgen_buf m = MGEN_BUF_INIT;
	size_t k, j;

	for (k = 0; k < rt->n; k++) {
		const char *c = rt->items[k].column;
		for (j = 0; c && j < t->column_count; j++)
			if (same(t->columns[j].name, c))
				break;
		if (c == NULL || j < t->column_count)
			continue;
		x->res->not_found++;
		mgen_buf_reset(&m);
		mgen_buf_printf(&m,
				"%s:%zu: column %s.%s is not in the "
				"warehouse: left out",
				x->r->tsv_path, rt->items[k].line, t->name, c);
		if (x->log && !mgen_buf_error(&m))
			x->log(x->lud, MGEN_LOG_WARN, mgen_buf_str(&m));
	}
	mgen_buf_release(&m);
}

static int gold(void *ud, mgen_table *t)
{
	review_hctx *x = ud;
	long i = find(x->r, t->catalog, t->schema, t->name);
	const mgen_review_table *rt;
	const mgen_review_item *it;
	size_t j, k, ngold = 0;

	if (i < 0)
		return 0;
	rt = &x->r->tables[i];
	x->found[i] = 1;
	for (k = 0; k < rt->n; k++)
		ngold += is_gold(&rt->items[k]);
	if (ngold == 0)
		x->res->only_rejected++;
	it = item_of(rt, NULL);
	if (set_gold(x, &t->existing_comment,
		     it && is_gold(it) ? it->reviewed : NULL))
		return MGEN_ENOMEM;
	for (j = 0; j < t->column_count; j++) {
		it = item_of(rt, t->columns[j].name);
		if (set_gold(x, &t->columns[j].existing_comment,
			     it && is_gold(it) ? it->reviewed : NULL))
			return MGEN_ENOMEM;
	}
	warn_missing_columns(x, rt, t);
	return 0;
}

/* Adds "rejected" to `line` when the reviewer rejected any comment. */
static int decorate(void *ud, const mgen_table *t, cJSON *line)
{
	review_hctx *x = ud;
	long i = find(x->r, t->catalog, t->schema, t->name);
	cJSON *rej = NULL, *cols = NULL;
	size_t k;
	int e = 0;

	for (k = 0; i >= 0 && k < x->r->tables[i].n; k++) {
		const mgen_review_item *it = &x->r->tables[i].items[k];
		if (it->verdict != MGEN_REVIEW_REJECTED || !it->proposed)
			continue;
		if (rej == NULL) {
			rej = mgen__json_add_object(&e, line, "rejected");
			cols = mgen__json_add_object(&e, rej, "columns");
		}
		mgen__json_add(&e, it->column ? cols : rej,
			       it->column ? it->column : "table",
			       cJSON_CreateString(it->proposed));
		x->res->negatives++;
	}
	return e;
}

/* Warns about each reviewed table the listing did not find. */
static void report_unlisted(review_hctx *x)
{
	mgen_buf m = MGEN_BUF_INIT;
	size_t i;

	for (i = 0; i < x->r->n; i++) {
		const mgen_review_table *t = &x->r->tables[i];
		if (x->found[i])
			continue;
		x->res->not_found++;
		mgen_buf_reset(&m);
		mgen_buf_printf(&m,
				"%s:%zu: table %s%s%s is not in the "
				"warehouse: left out",
				x->r->tsv_path, t->line, t->schema,
				t->schema[0] ? "." : "", t->name);
		if (x->log && !mgen_buf_error(&m))
			x->log(x->lud, MGEN_LOG_WARN, mgen_buf_str(&m));
	}
	mgen_buf_release(&m);
}

int mgen_review_harvest(const mgen_config *cfg, const mgen_review *r,
			const char *out_path, int dspy, mgen_log_fn log,
			void *log_userdata, mgen_review_harvest_result *res,
			mgen_err *err)
{
	mgen__harvest_hooks h;
	review_hctx x;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&x, 0, sizeof(x));
	x.r = r;
	x.res = res;
	x.log = log;
	x.lud = log_userdata;
	x.found = calloc(r->n + 1, 1);
	if (x.found == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	memset(&h, 0, sizeof(h));
	h.in_scope = in_review;
	h.gold = gold;
	h.decorate = decorate;
	h.ud = &x;
	h.dspy = dspy;
	rc = mgen__harvest_run(cfg, &h, out_path, log, log_userdata,
			       &res->harvest, err);
	if (rc == 0)
		report_unlisted(&x);
	free(x.found);
	return rc;
}
