/*
 * databases.c - which databases a listing reads, where a connection can
 * see several: MySQL/MariaDB keep the connection's own (DATABASE())
 * unless told otherwise (mgen_wh_set_home_only); Snowflake reads each
 * database through its own INFORMATION_SCHEMA, because the unqualified
 * one is the current database's and fails when the session has none
 * (https://docs.snowflake.com/en/sql-reference/info-schema "General
 * usage notes"). The databases are the ones mgen_wh_set_databases names
 * (globs over the names SHOW DATABASES gives, https://docs.snowflake.com/
 * en/sql-reference/sql/show-databases: the second column is the name),
 * plus the current database when asked; with no current database, every
 * database but the shared SNOWFLAKE one.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "warehouse/warehouse_internal.h"

#define MAX_DATABASES 1000

typedef struct names {
	char **v;
	size_t n;
} names;

static void names_release(names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Adds a copy of `s` unless it is there. 0 or MGEN_ENOMEM. */
static int names_add(names *l, const char *s)
{
	char **v;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 0;
	if (l->n >= MAX_DATABASES)
		return 0;
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (v == NULL)
		return MGEN_ENOMEM;
	l->v = v;
	if ((l->v[l->n] = mgen__strdup(s)) == NULL)
		return MGEN_ENOMEM;
	l->n++;
	return 0;
}

void mgen_wh__globs_free(mgen_strglobs *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n; i++)
		free(g->v[i]);
	free(g->v);
	free(g);
}

/* Lower-case copy; NULL on out of memory. */
static char *lower(const char *s)
{
	char *c = mgen__strdup(s), *p;

	for (p = c; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return c;
}

int mgen_wh__globs_match(const mgen_strglobs *g, const char *name)
{
	char *n = lower(name), *p;
	size_t i;
	int hit = 0;

	for (i = 0; n && g && i < g->n && !hit; i++) {
		if ((p = lower(g->v[i])) != NULL)
			hit = mgen__glob_match(p, n);
		free(p);
	}
	free(n);
	return hit;
}

int mgen_wh_set_databases(mgen_wh *wh, const char *const *globs, size_t n,
			  int current)
{
	mgen_strglobs *g = calloc(1, sizeof(*g));

	if (g == NULL || (n && (g->v = calloc(n, sizeof(*g->v))) == NULL)) {
		free(g);
		return MGEN_ENOMEM;
	}
	g->current = current;
	for (g->n = 0; g->n < n; g->n++)
		if ((g->v[g->n] = mgen__strdup(globs[g->n])) == NULL) {
			mgen_wh__globs_free(g);
			return MGEN_ENOMEM;
		}
	mgen_wh__globs_free(*mgen_wh__databases_slot(wh));
	*mgen_wh__databases_slot(wh) = g;
	return 0;
}

/* Runs `sql` and adds column `col` (0-based) of each row (NULLs and the
 * shared SNOWFLAKE database left out when `all`, else the rows matching
 * a glob of `globs`) to `out`. */
static int read_names(mgen_wh *wh, const char *sql, int col,
		      const mgen_strglobs *globs, int all, names *out)
{
	mgen_wh_stmt *st = NULL;
	char *v = NULL;
	int rc;

	rc = mgen_wh__query(wh, "cannot list the databases", sql, &st);
	while (rc == 0 && (rc = mgen_wh__fetch(st)) == 1) {
		rc = mgen_wh__get_text(st, col, 0, &v);
		if (rc == 0 && v &&
		    (all ? strcmp(v, "SNOWFLAKE") != 0
			 : mgen_wh__globs_match(globs, v)))
			rc = names_add(out, v);
		free(v);
		v = NULL;
	}
	mgen_wh__stmt_free(st);
	return rc;
}

/* Snowflake: the databases a query without keys reads: the globs set
 * (and the current database when asked), else the current database;
 * every database when the current one is wanted but there is none, or
 * when nothing was set and mgen_wh_set_home_only(wh, 0). */
static int snowflake_databases(mgen_wh *wh, names *out)
{
	const mgen_strglobs *g = *mgen_wh__databases_slot(wh);
	int rc = 0, all = g == NULL && !mgen_wh__home_only(wh);

	if (!all && (g == NULL || g->current)) {
		rc = read_names(wh, "SELECT CURRENT_DATABASE()", 0, NULL, 1,
				out);
		if (rc == 0 && out->n == 0) /* no current database */
			all = 1;
	}
	if (rc == 0 && (all || (g && g->n > 0)))
		rc = read_names(wh, "SHOW DATABASES", 1, g, all, out);
	return rc;
}

/* The distinct catalogs of `nkeys` (catalog, schema, table) keys. */
static int key_catalogs(const char *const *keys, size_t nkeys, names *out)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < nkeys && rc == 0; i++)
		rc = names_add(out, keys[3 * i] ? keys[3 * i] : "");
	return rc;
}

int mgen_wh__listing_query(mgen_wh *wh, int columns, const char *const *keys,
			   size_t nkeys, mgen_buf *out)
{
	mgen_dialect d = mgen_wh_dialect(wh);
	names dbs = {NULL, 0};
	int rc;

	if (d != MGEN_DIALECT_SNOWFLAKE) {
		if (!columns && keys == NULL && !mgen_wh__home_only(wh))
			return mgen_wh__tables_sql_all(d, out);
		return columns ? mgen_wh__columns_sql(d, keys, nkeys, out)
			       : mgen_wh__tables_sql(d, keys, nkeys, out);
	}
	rc = keys ? key_catalogs(keys, nkeys, &dbs)
		  : snowflake_databases(wh, &dbs);
	if (rc == 0 && dbs.n == 0)
		rc = 1; /* no database to read: an empty listing */
	if (rc == 0)
		rc =
		    mgen_wh__listing_sql(d, columns, (const char *const *)dbs.v,
					 dbs.n, keys, nkeys, out);
	names_release(&dbs);
	return rc;
}
