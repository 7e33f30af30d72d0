/*
 * model.c - constructors, destructors and names for the run's data model
 * (see include/metagen/table.h).
 */
#include <stdlib.h>
#include <string.h>

#include "metagen/buf.h"
#include "metagen/table.h"
#include "util/util.h"

static const char *const path_names[] = {"", "optimized", "legacy", "offline"};
static const char *const status_names[] = {
    "", "proposed", "kept", "failed", "applied", "skipped", "fallback"};
#define NSTATUS (sizeof(status_names) / sizeof(status_names[0]))

const char *mgen_path_name(mgen_path p)
{
	return (unsigned)p < 4 ? path_names[p] : "";
}

int mgen_path_from_name(const char *s)
{
	int i;

	if (s == NULL || mgen__strcasecmp(s, "none") == 0)
		return MGEN_PATH_NONE;
	for (i = 0; i < 4; i++)
		if (mgen__strcasecmp(s, path_names[i]) == 0)
			return i;
	return -1;
}

static const char *const kind_names[] = {"table",
					 "view",
					 "materialized_view",
					 "foreign_table",
					 "streaming_table",
					 "partitioned_table"};
#define NKINDS (sizeof(kind_names) / sizeof(kind_names[0]))

const char *mgen_object_kind_name(mgen_object_kind k)
{
	return (unsigned)k < NKINDS ? kind_names[k] : "";
}

int mgen_object_kind_from_name(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return MGEN_OBJECT_TABLE;
	for (i = 0; i < NKINDS; i++)
		if (mgen__strcasecmp(s, kind_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *mgen_status_name(mgen_status s)
{
	return (unsigned)s < NSTATUS ? status_names[s] : "";
}

int mgen_status_from_name(const char *s)
{
	int i;

	for (i = 0; s && i < (int)NSTATUS; i++)
		if (mgen__strcasecmp(s, status_names[i]) == 0)
			return i;
	return -1;
}

void mgen_proposal_release(mgen_proposal *p)
{
	free(p->comment);
	free(p->reason);
	memset(p, 0, sizeof(*p));
}

int mgen_proposal_set(mgen_proposal *p, const char *comment, mgen_path path,
		      mgen_status status, const char *reason)
{
	char *c = comment ? mgen__strdup(comment) : NULL;
	char *r = reason ? mgen__strdup(reason) : NULL;

	if ((comment && !c) || (reason && !r)) {
		free(c);
		free(r);
		return MGEN_ENOMEM;
	}
	mgen_proposal_release(p);
	p->comment = c;
	p->reason = r;
	p->path = path;
	p->status = status;
	return 0;
}

void mgen_table_clear_sample(mgen_table *t)
{
	size_t i;

	if (t->sample)
		for (i = 0; i < t->sample_row_count * t->column_count; i++)
			free(t->sample[i]);
	free(t->sample);
	t->sample = NULL;
	t->sample_row_count = 0;
}

void mgen_table_clear_columns(mgen_table *t)
{
	size_t i;

	mgen_table_clear_sample(t);
	for (i = 0; i < t->column_count; i++) {
		mgen_column *c = &t->columns[i];
		free(c->name);
		free(c->data_type);
		free(c->existing_comment);
		free(c->definition);
		free(c->definition_error);
		free(c->min_value);
		free(c->max_value);
		mgen_proposal_release(&c->proposal);
	}
	free(t->columns);
	t->columns = NULL;
	t->column_count = 0;
}

void mgen_table_release(mgen_table *t)
{
	if (t == NULL)
		return;
	mgen_table_clear_columns(t);
	free(t->catalog);
	free(t->schema);
	free(t->name);
	free(t->existing_comment);
	free(t->profile_note);
	mgen_proposal_release(&t->proposal);
	memset(t, 0, sizeof(*t));
}

void mgen_table_list_release(mgen_table_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		mgen_table_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

int mgen_table_list_push(mgen_table_list *l, mgen_table **out)
{
	*out = NULL;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		mgen_table *p = realloc(l->items, cap * sizeof(*p));
		if (p == NULL)
			return MGEN_ENOMEM;
		l->items = p;
		l->cap = cap;
	}
	*out = &l->items[l->n++];
	memset(*out, 0, sizeof(**out));
	(*out)->row_count = -1;
	return 0;
}

int mgen_table_add_column(mgen_table *t, mgen_column **out)
{
	mgen_column *p, *c;

	*out = NULL;
	p = realloc(t->columns, (t->column_count + 1) * sizeof(*p));
	if (p == NULL)
		return MGEN_ENOMEM;
	t->columns = p;
	c = &p[t->column_count++];
	memset(c, 0, sizeof(*c));
	c->ordinal = (int)t->column_count;
	c->non_null_count = -1;
	c->distinct_count = -1;
	c->avg_length = -1;
	*out = c;
	return 0;
}

char *mgen_table_fullname(const mgen_table *t)
{
	mgen_buf b = MGEN_BUF_INIT;
	const char *parts[3] = {t->catalog, t->schema, t->name};
	int i, first = 1;

	for (i = 0; i < 3; i++) {
		if (parts[i] == NULL || parts[i][0] == '\0')
			continue;
		if (!first)
			mgen_buf_putc(&b, '.');
		mgen_buf_puts(&b, parts[i]);
		first = 0;
	}
	return mgen_buf_detach(&b);
}

int mgen_kvlist_add(mgen_kvlist *l, const char *key, const char *value)
{
	char *k, *v;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		mgen_kv *p = realloc(l->items, cap * sizeof(*p));
		if (p == NULL)
			return MGEN_ENOMEM;
		l->items = p;
		l->cap = cap;
	}
	k = mgen__strdup(key);
	v = mgen__strdup(value ? value : "");
	if (k == NULL || v == NULL) {
		free(k);
		free(v);
		return MGEN_ENOMEM;
	}
	l->items[l->n].key = k;
	l->items[l->n].value = v;
	l->n++;
	return 0;
}

const char *mgen_kvlist_get(const mgen_kvlist *l, const char *key)
{
	size_t i;

	for (i = 0; l && i < l->n; i++)
		if (mgen__strcasecmp(l->items[i].key, key) == 0)
			return l->items[i].value;
	return NULL;
}

void mgen_kvlist_release(mgen_kvlist *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->items[i].key);
		free(l->items[i].value);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

static int cmp_key(const char *c, const char *s, const char *n,
		   const mgen_table *t)
{
	int r = strcmp(nz(c), nz(t->catalog));

	if (r == 0)
		r = strcmp(nz(s), nz(t->schema));
	return r ? r : strcmp(nz(n), nz(t->name));
}

static int cmp_tables(const void *a, const void *b)
{
	const mgen_table *x = *(const mgen_table *const *)a;

	return cmp_key(x->catalog, x->schema, x->name,
		       *(const mgen_table *const *)b);
}

void mgen__table_index_sort(mgen_table **idx, size_t n)
{
	if (n > 1)
		qsort(idx, n, sizeof(*idx), cmp_tables);
}

mgen_table *mgen__table_find(mgen_table *const *idx, size_t n,
			     const char *catalog, const char *schema,
			     const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = cmp_key(catalog, schema, name, idx[mid]);

		if (r == 0)
			return idx[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
