/*
 * dialect_stats.c - the per-dialect statistics and sample queries and the
 * type classes behind them (dialects.md "One statistics query per table").
 *
 * Statistics layout: COUNT(*), then per column five values: non-null
 * count, distinct count, MIN and MAX cast to text, average text length.
 * Values a type or the settings do not allow are NULL placeholders so the
 * layout never changes. PostgreSQL cannot MIN/MAX boolean or jsonb
 * (42883): booleans go through ::int, json/xml/arrays/geometry get NULL
 * and their distinct count goes through ::text (json has no equality).
 * Databricks, Snowflake and DuckDB count distinct values approximately
 * (approx_count_distinct, HLL++).
 */
#include <ctype.h>
#include <string.h>

#include "metagen/warehouse.h"
#include "util/util.h"
#include "warehouse/wh_internal.h"

/* Lower-cased copy of `type` up to its first '(' or '<', trimmed. */
static void base_type(const char *type, char *out, size_t cap)
{
	size_t n = 0;

	while (*type && isspace((unsigned char)*type))
		type++;
	for (; *type && *type != '(' && n + 1 < cap; type++)
		out[n++] = (char)tolower((unsigned char)*type);
	while (n > 0 && isspace((unsigned char)out[n - 1]))
		n--;
	out[n] = '\0';
}

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

mgen_wh_tclass mgen_wh__type_class(mgen_dialect d, const char *type)
{
	static const char *const noorder[] = {
	    "json",	"jsonb",       "xml",	      "point",	 "line",
	    "lseg",	"box",	       "path",	      "polygon", "circle",
	    "geometry", "geography",   "variant",     "object",	 "tsvector",
	    "tsquery",	"sql_variant", "hierarchyid", "image",	 "ntext",
	    NULL};
	static const char *const binary[] = {
	    "bytea",  "blob",	   "tinyblob", "mediumblob",	 "longblob",
	    "binary", "varbinary", "bytes",    "binary varying", NULL};
	char b[64];
	size_t len;

	if (type == NULL || type[0] == '\0')
		return MGEN_WH_T_OTHER;
	len = strlen(type);
	base_type(type, b, sizeof(b));
	if ((len >= 2 && strcmp(type + len - 2, "[]") == 0) ||
	    mgen__startswith(b, "array") || mgen__startswith(b, "map<") ||
	    mgen__startswith(b, "struct<") || in_list(b, noorder))
		return MGEN_WH_T_NOORDER;
	if (in_list(b, binary))
		return MGEN_WH_T_BINARY;
	if (strcmp(b, "boolean") == 0 || strcmp(b, "bool") == 0 ||
	    (d == MGEN_DIALECT_SQLSERVER && strcmp(b, "bit") == 0))
		return MGEN_WH_T_BOOL;
	if (strstr(b, "char") || strstr(b, "text") || strstr(b, "clob") ||
	    strcmp(b, "string") == 0 || strcmp(b, "name") == 0 ||
	    strcmp(b, "citext") == 0)
		return MGEN_WH_T_TEXT;
	return MGEN_WH_T_OTHER;
}

/* The type MIN/MAX are cast to, so every value is fetched as text. */
static const char *text_type(mgen_dialect d)
{
	switch (d) {
	case MGEN_DIALECT_SQLITE:
		return "TEXT";
	case MGEN_DIALECT_POSTGRESQL:
		return "text";
	case MGEN_DIALECT_DATABRICKS:
		return "STRING";
	case MGEN_DIALECT_MYSQL:
		return "CHAR";
	case MGEN_DIALECT_SQLSERVER:
		return "NVARCHAR(4000)";
	default:
		return "VARCHAR";
	}
}

/* The counting aggregate: SQL Server's COUNT returns int and fails past
 * 2^31 - 1 rows (Msg 8115); COUNT_BIG returns bigint (learn.microsoft.com
 * /en-us/sql/t-sql/functions/count-big-transact-sql). */
static const char *count_fn(mgen_dialect d)
{
	return d == MGEN_DIALECT_SQLSERVER ? "COUNT_BIG" : "COUNT";
}

/* ", <distinct count of q>" */
static void distinct_expr(mgen_dialect d, mgen_wh_tclass k, const char *q,
			  mgen_buf *out)
{
	if (k == MGEN_WH_T_NOORDER && d == MGEN_DIALECT_POSTGRESQL) {
		mgen_buf_printf(out, ", COUNT(DISTINCT %s::text)", q);
		return;
	}
	if (k == MGEN_WH_T_NOORDER && d != MGEN_DIALECT_SQLITE) {
		mgen_buf_puts(out, ", NULL");
		return;
	}
	if (k == MGEN_WH_T_BINARY && d == MGEN_DIALECT_SQLSERVER) {
		mgen_buf_puts(out, ", NULL");
		return;
	}
	switch (d) {
	case MGEN_DIALECT_DATABRICKS:
	case MGEN_DIALECT_DUCKDB:
		mgen_buf_printf(out, ", approx_count_distinct(%s)", q);
		break;
	case MGEN_DIALECT_SNOWFLAKE:
		mgen_buf_printf(out, ", APPROX_COUNT_DISTINCT(%s)", q);
		break;
	default:
		mgen_buf_printf(out, ", %s(DISTINCT %s)", count_fn(d), q);
	}
}

/* ", <min>, <max>, <avg length>" */
static void minmax_expr(mgen_dialect d, mgen_wh_tclass k, const char *q,
			int with_minmax, mgen_buf *out)
{
	const char *tt = text_type(d);
	const char *fn[2] = {"MIN", "MAX"};
	int i;

	if (!with_minmax || k == MGEN_WH_T_BINARY ||
	    (k == MGEN_WH_T_NOORDER && d != MGEN_DIALECT_SQLITE)) {
		mgen_buf_puts(out, ", NULL, NULL, NULL");
		return;
	}
	for (i = 0; i < 2; i++) {
		if (k == MGEN_WH_T_BOOL && d == MGEN_DIALECT_POSTGRESQL)
			mgen_buf_printf(out, ", CAST(%s(%s::int) AS %s)", fn[i],
					q, tt);
		else if (k == MGEN_WH_T_BOOL && d == MGEN_DIALECT_SQLSERVER)
			mgen_buf_printf(out,
					", CAST(%s(CAST(%s AS int)) AS %s)",
					fn[i], q, tt);
		else
			mgen_buf_printf(out, ", CAST(%s(%s) AS %s)", fn[i], q,
					tt);
	}
	if (k != MGEN_WH_T_TEXT)
		mgen_buf_puts(out, ", NULL");
	else if (d == MGEN_DIALECT_POSTGRESQL)
		mgen_buf_printf(out, ", AVG(LENGTH(%s::text))", q);
	else if (d == MGEN_DIALECT_MYSQL)
		mgen_buf_printf(out, ", AVG(CHAR_LENGTH(%s))", q);
	else if (d == MGEN_DIALECT_SQLSERVER)
		mgen_buf_printf(out, ", AVG(CAST(LEN(%s) AS FLOAT))", q);
	else
		mgen_buf_printf(out, ", AVG(LENGTH(%s))", q);
}

int mgen_dialect_stats_sql(mgen_dialect d, const mgen_table *t, int with_minmax,
			   mgen_buf *out)
{
	mgen_buf q = MGEN_BUF_INIT;
	size_t i;
	int rc;

	if (t == NULL || t->name == NULL)
		return MGEN_EINVAL;
	if (d == MGEN_DIALECT_AUTO)
		return MGEN_EUNSUPPORTED;
	mgen_buf_printf(out, "SELECT %s(*)", count_fn(d));
	for (i = 0; i < t->ncolumns; i++) {
		const mgen_column *c = &t->columns[i];
		mgen_wh_tclass k = mgen_wh__type_class(d, c->data_type);

		mgen_buf_reset(&q);
		if (mgen_dialect_quote_ident(d, c->name ? c->name : "", &q))
			break;
		mgen_buf_printf(out, ", %s(%s)", count_fn(d), mgen_buf_str(&q));
		distinct_expr(d, k, mgen_buf_str(&q), out);
		minmax_expr(d, k, mgen_buf_str(&q), with_minmax, out);
	}
	mgen_buf_puts(out, " FROM ");
	mgen_dialect_table_name(d, t, out);
	rc = mgen_buf_error(&q);
	mgen_buf_release(&q);
	return rc ? rc : mgen_buf_error(out);
}

/* Seed of every repeatable sample. */
#define MGEN_SAMPLE_SEED 42

/* Percent of rows to sample so that about 10x `limit` rows come back, or
 * 0 when the table is small or its size unknown (then ORDER BY random). */
static double sample_percent(const mgen_table *t, size_t limit)
{
	double p;

	/* TABLESAMPLE reads a stored relation: PostgreSQL refuses it on
	 * views and foreign tables ("TABLESAMPLE clause can only be applied
	 * to tables and materialized views",
	 * https://www.postgresql.org/docs/15/sql-select.html) */
	if (t->row_count < 100000 || t->kind == MGEN_OBJECT_VIEW ||
	    t->kind == MGEN_OBJECT_FOREIGN_TABLE)
		return 0;
	p = 100.0 * 10.0 * (double)limit / (double)t->row_count;
	if (p >= 50)
		return 0;
	return p < 0.0001 ? 0.0001 : p;
}

int mgen_dialect_sample_sql(mgen_dialect d, const mgen_table *t, size_t limit,
			    mgen_buf *out)
{
	double pct;
	size_t i;

	if (t == NULL || t->name == NULL || t->ncolumns == 0)
		return MGEN_EINVAL;
	if (d == MGEN_DIALECT_AUTO)
		return MGEN_EUNSUPPORTED;
	mgen_buf_puts(out, "SELECT ");
	if (d == MGEN_DIALECT_SQLSERVER)
		mgen_buf_printf(out, "TOP (%zu) ", limit);
	for (i = 0; i < t->ncolumns; i++) {
		if (i)
			mgen_buf_puts(out, ", ");
		mgen_dialect_quote_ident(
		    d, t->columns[i].name ? t->columns[i].name : "", out);
	}
	mgen_buf_puts(out, " FROM ");
	mgen_dialect_table_name(d, t, out);
	pct = sample_percent(t, limit);
	/* Repeatable where the dialect allows: the same data gives the same
	 * sample, so the same prompt, so a re-run is answered by the LM
	 * cache. The order is a hash of the row, not a stored order. */
	switch (d) {
	case MGEN_DIALECT_SQLSERVER:
		mgen_buf_puts(out, " ORDER BY NEWID()");
		break;
	case MGEN_DIALECT_SNOWFLAKE:
		mgen_buf_printf(out, " SAMPLE (%zu ROWS)", limit);
		break;
	case MGEN_DIALECT_DUCKDB:
		mgen_buf_printf(out,
				" USING SAMPLE reservoir(%zu ROWS) REPEATABLE "
				"(%d)",
				limit, MGEN_SAMPLE_SEED);
		break;
	case MGEN_DIALECT_MYSQL:
		mgen_buf_printf(out, " ORDER BY RAND(%d) LIMIT %zu",
				MGEN_SAMPLE_SEED, limit);
		break;
	case MGEN_DIALECT_DATABRICKS:
		if (pct > 0)
			mgen_buf_printf(out,
					" TABLESAMPLE (%.4g PERCENT) "
					"REPEATABLE (%d)",
					pct, MGEN_SAMPLE_SEED);
		mgen_buf_printf(out, " ORDER BY rand(%d) LIMIT %zu",
				MGEN_SAMPLE_SEED, limit);
		break;
	case MGEN_DIALECT_POSTGRESQL:
		mgen_buf_puts(out, " AS mgen_row");
		if (pct > 0)
			mgen_buf_printf(out,
					" TABLESAMPLE BERNOULLI (%.4g) "
					"REPEATABLE (%d)",
					pct, MGEN_SAMPLE_SEED);
		mgen_buf_printf(out,
				" ORDER BY md5(CAST(mgen_row AS text)) LIMIT "
				"%zu",
				limit);
		break;
	default: /* SQLite: a multiplicative hash of the rowid */
		if (t->kind == MGEN_OBJECT_VIEW) { /* a view has no rowid */
			mgen_buf_printf(out, " LIMIT %zu", limit);
			break;
		}
		mgen_buf_printf(out,
				" ORDER BY (_rowid_ * 2654435761) %% "
				"4294967291 LIMIT %zu",
				limit);
	}
	return mgen_buf_error(out);
}
