/*
 * index_sources.c - `metagen index add --run DIR` and `--warehouse`:
 * table and column comments as retrieval documents (include/metagen/
 * rag.h, mgen_rag_add_entries). A run's comments.tsv is one document
 * keyed by that file's path (so --prune drops it with the file); the
 * warehouse's comments of the config's scope are one document keyed
 * "warehouse:" + the connection with its secrets masked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "metagen/buf.h"
#include "metagen/config.h"
#include "metagen/output.h"
#include "metagen/rag.h"
#include "metagen/warehouse.h"

/* The entries and the titles they own. */
typedef struct entries {
	mgen_rag_entry *v;
	char **titles;
	size_t n;
} entries;

static void entries_release(entries *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->titles[i]);
	free(e->titles);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

/* "catalog.schema.table[.column]" without the empty parts. */
static char *qualified(const mgen_table *t, const char *column)
{
	const char *parts[4] = {t->catalog, t->schema, t->name, column};
	mgen_buf b = MGEN_BUF_INIT;
	int i;

	for (i = 0; i < 4; i++)
		if (parts[i] && parts[i][0])
			mgen_buf_printf(&b, "%s%s", b.len ? "." : "", parts[i]);
	return mgen_buf_detach(&b);
}

/* The comment a run or the warehouse gives: a run's proposal unless it
 * failed or was skipped, else the existing comment. */
static const char *comment_of(const mgen_proposal *p, const char *existing,
			      int run)
{
	if (run && p->comment && p->status != MGEN_STATUS_FAILED &&
	    p->status != MGEN_STATUS_SKIPPED)
		return p->comment;
	return existing;
}

static int push(entries *e, const mgen_table *t, const char *column,
		const char *text)
{
	char *title;

	if (text == NULL || text[0] == '\0')
		return 0;
	if ((title = qualified(t, column)) == NULL)
		return -1;
	e->titles[e->n] = title;
	e->v[e->n].title = title;
	e->v[e->n].ref = title;
	e->v[e->n++].text = text;
	return 0;
}

/* One entry per table and per column that has a comment. */
static int table_entries(const mgen_table_list *tl, int run, entries *e)
{
	size_t i, j, max = 0;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < tl->n; i++)
		max += 1 + tl->items[i].column_count;
	e->v = calloc(max + 1, sizeof(*e->v));
	e->titles = calloc(max + 1, sizeof(*e->titles));
	if (e->v == NULL || e->titles == NULL)
		return -1;
	for (i = 0; i < tl->n; i++) {
		const mgen_table *t = &tl->items[i];
		if (push(e, t, NULL,
			 comment_of(&t->proposal, t->existing_comment, run)))
			return -1;
		for (j = 0; j < t->column_count; j++)
			if (push(e, t, t->columns[j].name,
				 comment_of(&t->columns[j].proposal,
					    t->columns[j].existing_comment,
					    run)))
				return -1;
	}
	return 0;
}

/* Indexes the comments of `tl` as document `key` and says what it did. */
static int add_tables(mgen_rag *r, const char *key, const mgen_table_list *tl,
		      int run, int quiet)
{
	static const char *const names[] = {"added", "unchanged", "replaced",
					    "refused"};
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag_status st;
	long long chunks = 0;
	entries e;
	int rc = table_entries(tl, run, &e) ? MGEN_ENOMEM : 0;

	if (rc != 0)
		mgen_err_set(&err, rc, "out of memory");
	else
		rc = mgen_rag_add_entries(r, key, e.v, e.n, &st, &chunks, &err);
	if (rc != 0)
		fprintf(stderr, "metagen: %s\n", err.msg);
	else if (!quiet)
		printf("%s: %s, %zu comment%s, %lld chunk%s\n", key, names[st],
		       e.n, e.n == 1 ? "" : "s", chunks,
		       chunks == 1 ? "" : "s");
	entries_release(&e);
	return rc;
}

int cli_index_run(mgen_rag *r, cli_args *a, const char *dir)
{
	mgen_err err = MGEN_ERR_INIT;
	mgen_table_list tl = {NULL, 0, 0};
	mgen_buf path = MGEN_BUF_INIT;
	char *key = NULL;
	int rc;

	mgen_buf_printf(&path, "%s/comments.tsv", dir);
	if (mgen_buf_error(&path) ||
	    (key = cli_doc_path(mgen_buf_str(&path))) == NULL) {
		fprintf(stderr, "metagen: out of memory\n");
		rc = MGEN_ENOMEM;
	} else if ((rc = mgen_output_read_tsv(key, &tl, &err)) != 0) {
		fprintf(stderr, "metagen: --run %s: %s\n", dir, err.msg);
	} else {
		rc = add_tables(r, key, &tl, 1, a->quiet);
	}
	mgen_table_list_release(&tl);
	mgen_buf_release(&path);
	free(key);
	return rc;
}

static int in_scope(void *ud, const char *catalog, const char *schema,
		    const char *table)
{
	return mgen_config_in_scope(ud, catalog, schema, table);
}

int cli_index_warehouse(mgen_rag *r, cli_args *a)
{
	mgen_err err = MGEN_ERR_INIT;
	mgen_table_list tl = {NULL, 0, 0};
	mgen_buf key = MGEN_BUF_INIT;
	mgen_wh *wh = NULL;
	char *masked = NULL;
	int rc = mgen_wh_open_config(&a->cfg, &wh, &err);

	if (rc == 0 && mgen_wh_list_tables(wh, in_scope, &a->cfg, &tl) != 0)
		rc = mgen_err_set(&err, MGEN_EDB, "listing tables failed: %s",
				  mgen_wh_errmsg(wh));
	if (rc != 0) {
		fprintf(stderr, "metagen: --warehouse: %s\n", err.msg);
		goto done;
	}
	masked = mgen_config_mask_connection(a->cfg.connection);
	mgen_buf_printf(&key, "warehouse:%s", masked ? masked : "");
	if (masked == NULL || mgen_buf_error(&key)) {
		fprintf(stderr, "metagen: out of memory\n");
		rc = MGEN_ENOMEM;
	} else {
		rc = add_tables(r, mgen_buf_str(&key), &tl, 0, a->quiet);
	}
done:
	mgen_table_list_release(&tl);
	mgen_buf_release(&key);
	free(masked);
	mgen_wh_close(wh);
	return rc;
}
