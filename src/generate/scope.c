/*
 * scope.c - what a run lists and what it may comment: the object kinds
 * of `object_types`, whether the scope reaches past the connection's own
 * database, the objects an engine cannot comment (their rows are
 * skipped with the reason), and the message for a scope that matches
 * nothing, which lists what the connection does see.
 */
#include <stdlib.h>
#include <string.h>

#include "generate/generate_internal.h"
#include "util/text.h"
#include "util/util.h"

/* object_types words and the kinds each one lists. */
static const struct {
	const char *word;
	unsigned kinds;
} type_words[] = {
    {"tables", MGEN_WH_KIND(MGEN_OBJECT_TABLE) |
		   MGEN_WH_KIND(MGEN_OBJECT_PARTITIONED_TABLE) |
		   MGEN_WH_KIND(MGEN_OBJECT_STREAMING_TABLE)},
    {"views", MGEN_WH_KIND(MGEN_OBJECT_VIEW)},
    {"materialized_views", MGEN_WH_KIND(MGEN_OBJECT_MATERIALIZED_VIEW)},
    {"foreign_tables", MGEN_WH_KIND(MGEN_OBJECT_FOREIGN_TABLE)},
    {"partitions", MGEN_WH_KIND_PARTITIONS},
};

unsigned mgen__object_types(const mgen_config *cfg)
{
	unsigned kinds = 0;
	size_t i, j;

	for (i = 0; i < cfg->object_types.n; i++)
		for (j = 0; j < sizeof(type_words) / sizeof(type_words[0]); j++)
			if (mgen__strcasecmp(cfg->object_types.items[i],
					     type_words[j].word) == 0)
				kinds |= type_words[j].kinds;
	/* an empty list (object_types: []) means the default */
	return kinds ? kinds : MGEN_WH_KINDS_DEFAULT;
}

int mgen__scope_names_databases(const mgen_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->scope.n; i++)
		if (strchr(cfg->scope.items[i], '.'))
			return 1;
	return 0;
}

int mgen__scope_databases(const mgen_config *cfg, mgen_wh *wh)
{
	const char **globs = calloc(cfg->scope.n + 1, sizeof(*globs));
	char **parts = calloc(cfg->scope.n + 1, sizeof(*parts));
	size_t i, n = 0;
	int current = cfg->scope.n == 0, rc = 0;

	for (i = 0; globs && parts && i < cfg->scope.n && rc == 0; i++) {
		const char *p = cfg->scope.items[i], *dot = strchr(p, '.');
		if (dot == NULL || strchr(dot + 1, '.') == NULL) {
			current = 1; /* schema.table or table: no database */
			continue;
		}
		parts[n] = mgen__strndup(p, (size_t)(dot - p));
		rc = parts[n] ? 0 : MGEN_ENOMEM;
		globs[n] = parts[n];
		n += parts[n] != NULL;
	}
	if (globs == NULL || parts == NULL)
		rc = MGEN_ENOMEM;
	if (rc == 0)
		rc = mgen_wh_set_databases(wh, globs, n, current);
	for (i = 0; parts && i < n; i++)
		free(parts[i]);
	free(parts);
	free(globs);
	return rc;
}

int mgen__mark_uncommentable(mgen_dialect d, mgen_table *t)
{
	size_t j;
	int rc = 0;

	for (j = 0; j <= t->column_count && rc == 0; j++) {
		mgen_proposal *p = j < t->column_count ? &t->columns[j].proposal
						       : &t->proposal;
		const char *why = mgen_dialect_comment_support(
		    d, t->kind, j < t->column_count);
		if (why == NULL || p->status == MGEN_STATUS_FAILED)
			continue;
		rc = mgen_proposal_set(p, p->comment, p->path,
				       MGEN_STATUS_SKIPPED, why);
	}
	return rc;
}

/* --- a scope that matches nothing -------------------------------------- */

#define MAX_GROUPS 1000 /* catalog.schema groups counted by name */
#define MAX_LINES 15	/* of them shown */

/* Objects seen in one catalog.schema, by kind. */
typedef struct group {
	char *name;
	size_t n[6];
} group;

typedef struct seen {
	const mgen_config *cfg;
	group *g;
	size_t ng;
	size_t other; /* objects in groups past MAX_GROUPS */
	size_t matched;
	int nomem;
} seen;

/* Filter for the diagnostic listing: counts the objects in scope and
 * keeps every one (count_groups reads their kinds from the list). */
static int count_row(void *ud, const char *catalog, const char *schema,
		     const char *table)
{
	seen *s = ud;

	s->matched +=
	    (size_t)mgen_config_in_scope(s->cfg, catalog, schema, table);
	return 1; /* kept: its kind is counted from the list */
}

static group *find_group(seen *s, const char *name)
{
	size_t i;
	group *g;

	for (i = 0; i < s->ng; i++)
		if (strcmp(s->g[i].name, name) == 0)
			return &s->g[i];
	if (s->ng == MAX_GROUPS)
		return NULL;
	if (s->ng % 64 == 0) {
		g = realloc(s->g, (s->ng + 64) * sizeof(*g));
		if (g == NULL)
			return NULL;
		s->g = g;
	}
	g = &s->g[s->ng];
	memset(g, 0, sizeof(*g));
	if ((g->name = mgen__strdup(name)) == NULL)
		return NULL;
	s->ng++;
	return g;
}

/* Counts the listed tables per catalog.schema and kind. */
static void count_groups(seen *s, const mgen_table_list *l)
{
	mgen_buf name = MGEN_BUF_INIT;
	size_t i;

	for (i = 0; i < l->n; i++) {
		const mgen_table *t = &l->items[i];
		group *g;
		mgen_buf_reset(&name);
		if (t->catalog && t->catalog[0])
			mgen_buf_printf(&name, "%s.", t->catalog);
		mgen_buf_puts(&name, t->schema ? t->schema : "");
		g = mgen_buf_error(&name) ? NULL
					  : find_group(s, mgen_buf_str(&name));
		if (g && (unsigned)t->kind < 6)
			g->n[t->kind]++;
		else
			s->other++;
	}
	mgen_buf_release(&name);
}

/* "12 tables, 3 views" for one group. */
static void group_line(const group *g, mgen_buf *out)
{
	static const char *const words[6] = {"table",
					     "view",
					     "materialized view",
					     "foreign table",
					     "streaming table",
					     "partitioned table"};
	size_t k;
	int first = 1;

	/* a warehouse name: no raw line break or terminal control in it */
	mgen_buf_puts(out, "\n  ");
	mgen__term_safe(out, g->name, 0);
	mgen_buf_puts(out, ": ");
	for (k = 0; k < 6; k++) {
		if (g->n[k] == 0)
			continue;
		mgen_buf_printf(out, "%s%zu %s%s", first ? "" : ", ", g->n[k],
				words[k], g->n[k] == 1 ? "" : "s");
		first = 0;
	}
}

/* Appends the patterns of a list key: "a, b" or "(none)". */
static void patterns(const mgen_strlist *l, mgen_buf *out)
{
	size_t i;

	for (i = 0; i < l->n && i < 10; i++)
		mgen_buf_printf(out, "%s'%s'", i ? ", " : "", l->items[i]);
	if (l->n > 10)
		mgen_buf_printf(out, " and %zu more", l->n - 10);
	if (l->n == 0)
		mgen_buf_puts(out, "(none: every table)");
}

/* The message: what the scope was, then what the connection sees. */
static int nothing_message(const seen *s, const mgen_config *cfg, mgen_err *err)
{
	mgen_buf m = MGEN_BUF_INIT;
	size_t i;

	mgen_buf_puts(&m, "the scope matches no object: scope ");
	patterns(&cfg->scope, &m);
	if (cfg->exclude.n) {
		mgen_buf_puts(&m, ", exclude ");
		patterns(&cfg->exclude, &m);
	}
	mgen_buf_puts(&m, ", object_types ");
	patterns(&cfg->object_types, &m);
	if (s->matched)
		mgen_buf_printf(&m,
				"; %zu match outside the connection's own "
				"database: name the database in the scope "
				"(db.*) to reach them",
				s->matched);
	if (s->ng == 0 && s->other == 0)
		mgen_buf_puts(&m, "; the connection sees no table, view or "
				  "other object at all");
	else
		mgen_buf_puts(&m, "; the connection sees:");
	for (i = 0; i < s->ng && i < MAX_LINES; i++)
		group_line(&s->g[i], &m);
	if (s->ng > MAX_LINES || s->other)
		mgen_buf_printf(&m, "\n  ... and %zu more schemas%s",
				s->ng > MAX_LINES ? s->ng - MAX_LINES : 0,
				s->other ? " (and more not counted)" : "");
	if (mgen_buf_error(&m))
		mgen_err_set(err, MGEN_ECONFIG, "the scope matches no object");
	else
		mgen_err_set(err, MGEN_ECONFIG, "%s", mgen_buf_str(&m));
	mgen_buf_release(&m);
	return MGEN_ECONFIG;
}

int mgen__scope_nothing(mgen_wh *wh, const mgen_config *cfg, mgen_err *err)
{
	mgen_table_list l = {NULL, 0, 0};
	mgen_wh_listing info;
	seen s;
	size_t i;
	int rc;

	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	mgen_wh_set_home_only(wh, 0); /* show every database it can see, */
	mgen_wh_set_object_types(wh, MGEN_WH_KINDS_ALL); /* every kind */
	{
		const char *every[1] = {"*"};
		if (mgen_wh_set_databases(wh, every, 1, 0) != 0)
			return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	rc = mgen_wh_list_table_names(wh, count_row, &s, &l, &info);
	if (rc != 0)
		rc = mgen_err_set(err, MGEN_EDB,
				  "the scope matches no object, and listing "
				  "what the connection sees failed: %s",
				  mgen_wh_errmsg(wh));
	else if (s.matched > 0 && cfg->shard && cfg->shard[0])
		rc = 0; /* in scope, in another --shard's part */
	else {
		count_groups(&s, &l);
		rc = nothing_message(&s, cfg, err);
	}
	mgen_table_list_release(&l);
	for (i = 0; i < s.ng; i++)
		free(s.g[i].name);
	free(s.g);
	return rc;
}
