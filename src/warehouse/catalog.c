/*
 * catalog.c - lists the user tables of a warehouse with their columns and
 * existing comments, each dialect with its own catalog SQL (catalog_sql.c;
 * ODBC's SQLTables/SQLColumns return empty REMARKS on psqlODBC and
 * SQLite: dialects.md "Rule of thumb").
 *
 * Few queries however big the warehouse: one for the tables (the caller's
 * filter runs on each row before any column is read), then one for the
 * columns of the kept tables (in chunks of KEYS_PER_QUERY tables when only
 * some were kept), then on SQLite one for the _metagen_comments sidecar.
 * The run reads names first and columns a window of tables at a time
 * (mgen_wh_list_table_names, mgen_wh_load_columns), so memory holds the
 * columns of the tables in flight, not of the whole warehouse.
 */
#include <stdlib.h>
#include <string.h>

#include "metagen/warehouse.h"
#include "util/util.h"
#include "warehouse/warehouse_internal.h"

#define KEYS_PER_QUERY 500

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* Takes ownership of `s`: NULL for NULL or "". */
static char *nonempty(char *s)
{
	if (s && s[0] == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

mgen_column *mgen_wh__find_column(mgen_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->column_count; i++)
		if (t->columns[i].name && strcmp(t->columns[i].name, name) == 0)
			return &t->columns[i];
	return NULL;
}

/* One row's text cells (NULL for SQL NULL); a row function takes the
 * cells it keeps by setting them to NULL. */
#define MAX_CELLS 11
typedef int (*row_fn)(void *ud, char **v);

/*
 * Runs `sql` (or MGEN_ENOMEM when the buffer failed) with `np` bound
 * text parameters and calls `row` for each row with its first `n` (<=
 * MAX_CELLS) columns as text; stops at the first error `row` returns.
 * Releases `sql`. Returns 0, MGEN_ENOMEM or MGEN_EDB.
 */
static int each_row(mgen_wh *wh, const char *what, mgen_buf *sql,
		    const char *const *params, size_t np, int n, row_fn row,
		    void *ud)
{
	mgen_wh_stmt *st = NULL;
	char *v[MAX_CELLS] = {NULL};
	int i, rc = mgen_buf_error(sql);

	if (rc == 0)
		rc = mgen_wh__query_params(wh, what, mgen_buf_str(sql), params,
					   np, &st);
	while (rc == 0 && (rc = mgen_wh__fetch(st)) == 1) {
		for (i = 0, rc = 0; i < n && rc == 0; i++)
			rc = mgen_wh__get_name(st, i, &v[i]);
		if (rc == 0)
			rc = row(ud, v);
		for (i = 0; i < n; i++) {
			free(v[i]);
			v[i] = NULL;
		}
	}
	mgen_wh__stmt_free(st);
	mgen_buf_release(sql);
	return rc;
}

/* each_row for a listing query built with `keys` (NULL: none), their
 * names bound to its markers (mgen_wh__key_params). */
static int each_keyed_row(mgen_wh *wh, const char *what, mgen_buf *sql,
			  const char *const *keys, size_t nkeys, int n,
			  row_fn row, void *ud)
{
	const char **params = NULL;
	size_t np = 0;
	int rc;

	if (keys && nkeys) {
		params = malloc(3 * nkeys * sizeof(*params));
		if (params == NULL) {
			mgen_buf_release(sql);
			return MGEN_ENOMEM;
		}
		np = mgen_wh__key_params(mgen_wh_dialect(wh), keys, nkeys,
					 params);
	}
	rc = each_row(wh, what, sql, params, np, n, row, ud);
	free(params);
	return rc;
}

int mgen_wh__each_row(mgen_wh *wh, const char *what, mgen_buf *sql, int n,
		      int (*row)(void *ud, char **cells), void *ud)
{
	return each_row(wh, what, sql, NULL, 0, n, row, ud);
}

/* The tables query's rows: the kept tables go onto `out`. */
typedef struct tables_ctx {
	mgen_dialect dialect;
	mgen_table_filter_fn filter;
	void *ud;
	mgen_table_list *out;
	int *sidecar;
	size_t *nrows;
	unsigned types; /* mgen_wh__object_types */
} tables_ctx;

/* 1 when the listing keeps an object of kind `v[4]` (partition: v[5])
 * under the connection's object types; sets *kind. */
static int kind_wanted(unsigned types, char **v, mgen_object_kind *kind)
{
	int k = mgen_object_kind_from_name(v[4]);
	int partition = v[5] && strcmp(v[5], "0") != 0 &&
			mgen__strcasecmp(v[5], "f") != 0 &&
			mgen__strcasecmp(v[5], "false") != 0;

	*kind = k < 0 ? MGEN_OBJECT_TABLE : (mgen_object_kind)k;
	if (!(types & MGEN_WH_KIND(*kind)))
		return 0;
	return !partition || (types & MGEN_WH_KIND_PARTITIONS) ? 1 + partition
							       : 0;
}

static int table_row(void *ud, char **v)
{
	tables_ctx *x = ud;
	mgen_object_kind kind;
	mgen_table *t;
	int rc, keep;

	if (x->dialect == MGEN_DIALECT_SQLITE &&
	    strcmp(nz(v[2]), MGEN_WH_SIDECAR) == 0) {
		*x->sidecar = 1; /* metagen's own, not a table listed */
		return 0;
	}
	if ((keep = kind_wanted(x->types, v, &kind)) == 0)
		return 0;
	(*x->nrows)++;
	if (v[2] == NULL ||
	    (x->filter && !x->filter(x->ud, nz(v[0]), nz(v[1]), v[2])))
		return 0;
	if ((rc = mgen_table_list_push(x->out, &t)) != 0)
		return rc;
	t->catalog = v[0] ? v[0] : mgen__strdup("");
	t->schema = v[1] ? v[1] : mgen__strdup("");
	t->name = v[2];
	t->existing_comment = nonempty(v[3]);
	t->kind = kind;
	t->is_partition = keep == 2;
	t->unreadable = v[6] && strcmp(v[6], "0") != 0;
	t->row_count = -1;
	v[0] = v[1] = v[2] = v[3] = NULL;
	return t->catalog == NULL || t->schema == NULL ? MGEN_ENOMEM : 0;
}

/* Runs the tables query and pushes each kept table onto `out`. Sets
 * *sidecar when SQLite's _metagen_comments exists and *nrows to the user
 * tables of the wanted kinds the query returned. */
static int read_tables(mgen_wh *wh, mgen_table_filter_fn filter, void *ud,
		       const char *const *keys, size_t nkeys,
		       mgen_table_list *out, int *sidecar, size_t *nrows)
{
	mgen_buf sql = MGEN_BUF_INIT;
	mgen_dialect d = mgen_wh_dialect(wh);
	tables_ctx x = {
	    d, filter, ud, out, sidecar, nrows, mgen_wh__object_types(wh)};
	int rc;

	*sidecar = 0;
	*nrows = 0;
	rc = mgen_wh__listing_query(wh, 0, keys, nkeys, &sql);
	if (rc != 0) {
		mgen_buf_release(&sql);
		return rc == 1 ? 0 : rc; /* 1: nothing to read */
	}
	return each_keyed_row(wh, "cannot list tables", &sql, keys, nkeys, 7,
			      table_row, &x);
}

/* The rows of a columns or sidecar query, matched to the indexed tables;
 * `update` only replaces the existing comments of known columns. */
typedef struct index_ctx {
	mgen_dialect dialect;
	mgen_table **idx;
	size_t nidx;
	int update;
} index_ctx;

static int column_row(void *ud, char **v)
{
	index_ctx *x = ud;
	mgen_table *t = mgen__table_find(x->idx, x->nidx, v[0], v[1], v[2]);
	mgen_column *c;
	int rc;

	if (t == NULL || v[4] == NULL)
		return 0;
	if (x->update) {
		if ((c = mgen_wh__find_column(t, v[4])) != NULL) {
			free(c->existing_comment);
			c->existing_comment = nonempty(v[6]);
			v[6] = NULL;
		}
		return 0;
	}
	if ((rc = mgen_table_add_column(t, &c)) != 0)
		return rc;
	c->name = v[4];
	if (x->dialect == MGEN_DIALECT_SQLITE) { /* v[7]: the table's kind */
		c->stats = mgen_dialect_column_stats(x->dialect, v[5], NULL);
		if (v[7] && strcmp(v[7], "table:0") != 0)
			t->no_rowid = 1; /* virtual, or WITHOUT ROWID */
	} else {
		c->stats = mgen_dialect_column_stats(x->dialect, v[5], v[7]);
	}
	c->data_type = v[5] ? v[5] : mgen__strdup("");
	c->existing_comment = nonempty(v[6]);
	v[4] = v[5] = v[6] = NULL;
	return c->data_type == NULL ? MGEN_ENOMEM : 0;
}

/* Runs one columns query (for `keys`, or every table when NULL) and adds
 * each row's column to its table (`update`: replaces existing comments of
 * the columns the tables have). */
static int read_columns(mgen_wh *wh, const char *const *keys, size_t nkeys,
			mgen_table **idx, size_t nidx, int update)
{
	mgen_buf sql = MGEN_BUF_INIT;
	index_ctx x = {mgen_wh_dialect(wh), idx, nidx, update};
	int rc = mgen_wh__listing_query(wh, 1, keys, nkeys, &sql);

	if (rc != 0) {
		mgen_buf_release(&sql);
		return rc == 1 ? 0 : rc; /* 1: nothing to read */
	}
	return each_keyed_row(wh, "cannot list columns", &sql, keys, nkeys, 8,
			      column_row, &x);
}

static int sidecar_row(void *ud, char **v)
{
	index_ctx *x = ud;
	mgen_table *t = mgen__table_find(x->idx, x->nidx, "", "main", v[0]);
	mgen_column *c;
	char **slot = NULL;

	if (t && (v[1] == NULL || v[1][0] == '\0'))
		slot = &t->existing_comment;
	else if (t && (c = mgen_wh__find_column(t, v[1])) != NULL)
		slot = &c->existing_comment;
	if (slot) {
		free(*slot);
		*slot = nonempty(v[2]);
		v[2] = NULL;
	}
	return 0;
}

/* Reads SQLite's sidecar (only the rows of the tables named by `keys`,
 * (catalog, schema, table) triples, when not NULL) into the existing
 * comments of the indexed tables. */
static int read_sidecar(mgen_wh *wh, const char *const *keys, size_t nkeys,
			mgen_table **idx, size_t nidx)
{
	mgen_buf sql = MGEN_BUF_INIT;
	index_ctx x = {MGEN_DIALECT_SQLITE, idx, nidx, 1};
	const char **names = NULL;
	size_t i;
	int rc;

	if (keys && nkeys && (names = malloc(nkeys * sizeof(*names))) == NULL)
		return MGEN_ENOMEM;
	mgen_buf_puts(
	    &sql,
	    "SELECT table_name, column_name, comment FROM " MGEN_WH_SIDECAR);
	for (i = 0; keys && i < nkeys; i++) {
		mgen_buf_puts(&sql, i ? ", ?" : " WHERE table_name IN (?");
		names[i] = nz(keys[3 * i + 2]);
	}
	if (keys && nkeys)
		mgen_buf_putc(&sql, ')');
	rc = each_row(wh, "cannot read " MGEN_WH_SIDECAR, &sql, names,
		      names ? nkeys : 0, 3, sidecar_row, &x);
	free(names);
	return rc;
}

/* read_columns adding columns (the reader read_keyed takes). */
static int read_new_columns(mgen_wh *wh, const char *const *keys, size_t nkeys,
			    mgen_table **idx, size_t nidx)
{
	return read_columns(wh, keys, nkeys, idx, nidx, 0);
}

typedef int (*keyed_reader)(mgen_wh *wh, const char *const *keys, size_t nkeys,
			    mgen_table **idx, size_t nidx);

/* Runs `read` for the indexed tables: once for every row when `all`
 * (they are every table the listing returned), else once per
 * KEYS_PER_QUERY tables with their (catalog, schema, table) keys. */
static int read_keyed(mgen_wh *wh, mgen_table **idx, size_t n, int all,
		      keyed_reader read)
{
	const char *keys[3 * KEYS_PER_QUERY];
	size_t i, j, k;
	int rc = 0;

	if (all)
		return read(wh, NULL, 0, idx, n);
	for (i = 0; i < n && rc == 0; i += k) {
		k = n - i < KEYS_PER_QUERY ? n - i : KEYS_PER_QUERY;
		for (j = 0; j < k; j++) {
			keys[3 * j] = idx[i + j]->catalog;
			keys[3 * j + 1] = idx[i + j]->schema;
			keys[3 * j + 2] = idx[i + j]->name;
		}
		rc = read(wh, keys, k, idx, n);
	}
	return rc;
}

/* Sorted copy of the `n` table pointers; NULL on out of memory. */
static mgen_table **index_tables(mgen_table *const *tables, size_t n)
{
	mgen_table **idx = malloc((n ? n : 1) * sizeof(*idx));

	if (idx == NULL)
		return NULL;
	if (n)
		memcpy(idx, tables, n * sizeof(*idx));
	mgen__table_index_sort(idx, n);
	return idx;
}

/* After a failed listing: drops the tables it appended to `out` from
 * `start` on and returns MGEN_ENOMEM (with a message) or MGEN_EDB. */
static int unlist(mgen_wh *wh, mgen_table_list *out, size_t start, int rc)
{
	size_t i;

	for (i = start; i < out->n; i++)
		mgen_table_release(&out->items[i]);
	out->n = start;
	if (rc != MGEN_ENOMEM)
		return MGEN_EDB;
	mgen_wh__set_error(wh, "out of memory listing tables");
	return rc;
}

int mgen_wh_list_table_names(mgen_wh *wh, mgen_table_filter_fn filter,
			     void *userdata, mgen_table_list *out,
			     mgen_wh_listing *info)
{
	size_t start = out->n;
	int rc;

	memset(info, 0, sizeof(*info));
	rc = read_tables(wh, filter, userdata, NULL, 0, out, &info->sidecar,
			 &info->rows);
	if (rc != 0)
		return unlist(wh, out, start, rc);
	if (out->cap > out->n) { /* the list stays for the run */
		mgen_table *p =
		    realloc(out->items, (out->n ? out->n : 1) * sizeof(*p));
		if (p) {
			out->items = p;
			out->cap = out->n ? out->n : 1;
		}
	}
	return 0;
}

int mgen_wh_load_columns(mgen_wh *wh, mgen_table *const *tables, size_t n,
			 const mgen_wh_listing *info)
{
	mgen_table **idx;
	size_t i;
	int rc = 0, all = info && n == info->rows;
	int sidecar = info && info->sidecar;

	if (n == 0)
		return 0;
	if ((idx = index_tables(tables, n)) == NULL)
		rc = MGEN_ENOMEM;
	if (rc == 0)
		rc = read_keyed(wh, idx, n, all, read_new_columns);
	if (rc == 0 && mgen_wh_dialect(wh) == MGEN_DIALECT_MYSQL)
		rc = read_keyed(wh, idx, n, all, mgen_wh__mysql_definitions);
	if (rc == 0 && sidecar)
		rc = read_keyed(wh, idx, n, all, read_sidecar);
	free(idx);
	if (rc == 0)
		return 0;
	for (i = 0; i < n; i++) { /* as if never loaded */
		mgen_table_clear_columns(tables[i]);
		if (sidecar) { /* that comment came from the sidecar */
			free(tables[i]->existing_comment);
			tables[i]->existing_comment = NULL;
		}
	}
	if (rc == MGEN_ENOMEM)
		mgen_wh__set_error(wh, "out of memory listing columns");
	return rc == MGEN_ENOMEM ? rc : MGEN_EDB;
}

int mgen_wh_list_tables(mgen_wh *wh, mgen_table_filter_fn filter,
			void *userdata, mgen_table_list *out)
{
	size_t start = out->n, i;
	mgen_table **ptrs;
	mgen_wh_listing info;
	int rc;

	rc = mgen_wh_list_table_names(wh, filter, userdata, out, &info);
	if (rc != 0)
		return rc;
	ptrs = malloc((out->n - start + 1) * sizeof(*ptrs));
	for (i = start; ptrs && i < out->n; i++)
		ptrs[i - start] = &out->items[i];
	rc = ptrs ? mgen_wh_load_columns(wh, ptrs, out->n - start, &info)
		  : MGEN_ENOMEM;
	free(ptrs);
	return rc ? unlist(wh, out, start, rc) : 0;
}

/* 1 when SQLite's sidecar exists, 0 when not, or MGEN_EDB. */
static int have_sidecar(mgen_wh *wh)
{
	mgen_wh_stmt *st = NULL;
	char *v = NULL;
	int rc;

	rc = mgen_wh__query(wh, "cannot look for " MGEN_WH_SIDECAR,
			    "SELECT COUNT(*) FROM sqlite_master WHERE type = "
			    "'table' AND name = '" MGEN_WH_SIDECAR "'",
			    &st);
	if (rc == 0 && (rc = mgen_wh__fetch(st)) == 1)
		rc = mgen_wh__get_text(st, 0, 0, &v);
	if (rc == 0)
		rc = v && strcmp(v, "0") != 0;
	free(v);
	mgen_wh__stmt_free(st);
	return rc;
}

/* Re-reads the table comment through the tables query with one key. */
static int reread_table_comment(mgen_wh *wh, mgen_table *t,
				const char *const *key)
{
	mgen_table_list l = {NULL, 0, 0};
	size_t nrows;
	int sidecar, rc;

	rc = read_tables(wh, NULL, NULL, key, 1, &l, &sidecar, &nrows);
	if (rc == 0 && l.n > 0) {
		t->existing_comment = l.items[0].existing_comment;
		l.items[0].existing_comment = NULL;
	}
	mgen_table_list_release(&l);
	return rc;
}

int mgen_wh_table_comments(mgen_wh *wh, mgen_table *t)
{
	const char *key[3] = {t->catalog, t->schema, t->name};
	mgen_table *idx[1] = {t};
	size_t i;
	int rc;

	free(t->existing_comment);
	t->existing_comment = NULL;
	for (i = 0; i < t->column_count; i++) {
		free(t->columns[i].existing_comment);
		t->columns[i].existing_comment = NULL;
	}
	if (mgen_wh_dialect(wh) == MGEN_DIALECT_SQLITE) {
		rc = have_sidecar(wh);
		if (rc == 1)
			rc = read_sidecar(wh, key, 1, idx, 1);
	} else {
		rc = reread_table_comment(wh, t, key);
		if (rc == 0)
			rc = read_columns(wh, key, 1, idx, 1, 1);
		if (rc == 0 && mgen_wh_dialect(wh) == MGEN_DIALECT_MYSQL)
			rc = mgen_wh__mysql_definitions(wh, key, 1, idx, 1);
	}
	if (rc == MGEN_ENOMEM)
		mgen_wh__set_error(wh, "out of memory reading comments");
	return rc < 0 ? rc : 0;
}
