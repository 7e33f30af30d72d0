/*
 * dialect_stats.c - the per-dialect statistics and sample queries and the
 * type classes behind them (dialects.md "One statistics query per table").
 *
 * Statistics layout: COUNT(*), then per column five values: non-null
 * count, distinct count, MIN and MAX cast to text, average text length.
 * Values a type or the settings do not allow are NULL placeholders so the
 * layout never changes; what each type allows comes from the engine's
 * catalog (stat_caps.c). A table wider than the engine's select list is
 * asked in column ranges (mgen_wh__stats_sql, mgen_wh__max_select).
 * Databricks, Snowflake and DuckDB count distinct values approximately
 * (approx_count_distinct, HLL++); SQL Server counts with COUNT_BIG.
 */
#include <string.h>

#include "metagen/warehouse.h"
#include "util/util.h"
#include "warehouse/warehouse_internal.h"

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
static void distinct_expr(mgen_dialect d, unsigned k, const char *q,
			  mgen_buf *out)
{
	if (k & MGEN_STATS_DISTINCT_TEXT) {
		mgen_buf_printf(out, ", COUNT(DISTINCT CAST(%s AS %s))", q,
				text_type(d));
		return;
	}
	if (!(k & MGEN_STATS_DISTINCT)) {
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

/* ", <avg length>" */
static void avglen_expr(mgen_dialect d, unsigned k, const char *q,
			mgen_buf *out)
{
	if (!(k & MGEN_STATS_AVGLEN))
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

/* ", <min>, <max>, <avg length>" */
static void minmax_expr(mgen_dialect d, unsigned k, const char *q,
			int with_minmax, mgen_buf *out)
{
	const char *tt = text_type(d);
	const char *fn[2] = {"MIN", "MAX"};
	int i;

	if (!with_minmax) {
		mgen_buf_puts(out, ", NULL, NULL, NULL");
		return;
	}
	for (i = 0; i < 2; i++) {
		if (k & MGEN_STATS_BINARY)
			mgen_buf_puts(out, ", NULL");
		else if (k & MGEN_STATS_ORDERED) /* a btree order, no min() */
			mgen_buf_printf(out,
					", CAST(percentile_disc(%d) WITHIN "
					"GROUP (ORDER BY %s) AS %s)",
					i, q, tt);
		else if (!(k & MGEN_STATS_MINMAX))
			mgen_buf_puts(out, ", NULL");
		else if (k & MGEN_STATS_INT_CAST)
			mgen_buf_printf(out,
					", CAST(%s(CAST(%s AS int)) AS %s)",
					fn[i], q, tt);
		else
			mgen_buf_printf(out, ", CAST(%s(%s) AS %s)", fn[i], q,
					tt);
	}
	avglen_expr(d, k, q, out);
}

int mgen_wh__stats_sql(mgen_dialect d, const mgen_table *t, size_t lo,
		       size_t hi, int with_minmax, const unsigned char *drop,
		       mgen_buf *out)
{
	mgen_buf q = MGEN_BUF_INIT;
	size_t i;
	int rc;

	if (t == NULL || t->name == NULL || lo > hi || hi > t->column_count)
		return MGEN_EINVAL;
	if (d == MGEN_DIALECT_AUTO)
		return MGEN_EUNSUPPORTED;
	mgen_buf_printf(out, "SELECT %s(*)", count_fn(d));
	for (i = lo; i < hi; i++) {
		const mgen_column *c = &t->columns[i];
		unsigned k = mgen_wh__column_stats(d, c);

		if (drop && drop[i])
			k = 0;
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

int mgen_dialect_stats_sql(mgen_dialect d, const mgen_table *t, int with_minmax,
			   mgen_buf *out)
{
	if (t == NULL)
		return MGEN_EINVAL;
	return mgen_wh__stats_sql(d, t, 0, t->column_count, with_minmax, NULL,
				  out);
}

size_t mgen_wh__max_select(mgen_dialect d)
{
	switch (d) {
	case MGEN_DIALECT_POSTGRESQL:
		return 1664; /* "target lists can have at most 1664 entries"
				(MaxTupleAttributeNumber, htup_details.h) */
	case MGEN_DIALECT_SQLITE:
		return 2000; /* SQLITE_MAX_COLUMN default: result columns of
				a SELECT (sqlite.org/limits.html) */
	default:
		return 4096; /* MySQL columns per table, SQL Server columns
				per SELECT (Maximum capacity specifications);
				Snowflake, Databricks, DuckDB document none */
	}
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

	if (t == NULL || t->name == NULL || t->column_count == 0)
		return MGEN_EINVAL;
	if (d == MGEN_DIALECT_AUTO)
		return MGEN_EUNSUPPORTED;
	mgen_buf_puts(out, "SELECT ");
	if (d == MGEN_DIALECT_SQLSERVER)
		mgen_buf_printf(out, "TOP (%zu) ", limit);
	for (i = 0; i < t->column_count; i++) {
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
		if (t->kind == MGEN_OBJECT_VIEW || t->no_rowid) {
			/* a view, WITHOUT ROWID or virtual: no rowid, stored
			 * order */
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
