/*
 * warehouse.h - dialects (the SQL that differs per engine) and the ODBC
 * warehouse connection: list tables and columns with their existing
 * comments, profile a table, execute DDL in transactions.
 *
 * Facts behind the SQL: docs/reference/dialects.md (kept in the repo
 * as comments next to each dialect's code).
 */
#ifndef METAGEN_WAREHOUSE_H
#define METAGEN_WAREHOUSE_H

#include <stddef.h>

#include "buf.h"
#include "metagen.h"
#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mgen_dialect {
	MGEN_DIALECT_AUTO = 0, /* detect with SQLGetInfo(SQL_DBMS_NAME) */
	MGEN_DIALECT_SQLITE,
	MGEN_DIALECT_POSTGRESQL,
	MGEN_DIALECT_DATABRICKS,
	MGEN_DIALECT_SNOWFLAKE,
	MGEN_DIALECT_MYSQL,
	MGEN_DIALECT_DUCKDB,
	MGEN_DIALECT_SQLSERVER
} mgen_dialect;

/* "auto", "sqlite", "postgresql", "databricks", "snowflake", "mysql",
 * "duckdb", "sqlserver". */
const char *mgen_dialect_name(mgen_dialect d);

/*
 * Parses a dialect name (the names above, case-insensitive, plus aliases
 * "postgres", "mariadb", "mssql", "spark") or an ODBC SQL_DBMS_NAME value
 * ("PostgreSQL", "SQLite", "Spark SQL", "Databricks", "MariaDB", "MySQL",
 * "Snowflake", "DuckDB", "Microsoft SQL Server").
 * Returns 0 and sets *out, or MGEN_EINVAL.
 */
int mgen_dialect_parse(const char *name, mgen_dialect *out);

/* --- SQL text builders: pure functions, append to `out` ------------------
 * Each returns 0, MGEN_ENOMEM/MGEN_ELIMIT (from the buffer), or
 * MGEN_EUNSUPPORTED when the dialect has no such statement. */

/* A quoted identifier: "a""b" (PostgreSQL, SQLite, Snowflake, DuckDB),
 * `a``b` (Databricks, MySQL), [a]]b] (SQL Server). PostgreSQL writes a
 * name holding LF or CR as U&"..." with \ and " doubled and the breaks
 * as \000A \000D (one line; the same under any setting). */
int mgen_dialect_quote_ident(mgen_dialect d, const char *ident, mgen_buf *out);

/*
 * A string literal holding `s` exactly, correct whatever the server's
 * literal setting (rules and their sources in src/warehouse/dialect.c):
 * PostgreSQL: '...' with quotes doubled, or E'...' (\ and ' doubled,
 * LF/CR as \n \r) when `s` holds a backslash or line break.
 * DuckDB the same. SQLite: quotes doubled, backslash literal, LF/CR outside
 * the quotes as char(10)/char(13) joined with || (then an expression).
 * Databricks/Snowflake:
 * backslash escapes are processed, so `\` -> `\\` first, then `'` ->
 * `\'`, LF/CR/tab as \n \r \t. MySQL/MariaDB: `'` -> `''`, `\` ->
 * `\\` (the literal ends at the same quote with and without
 * NO_BACKSLASH_ESCAPES; exact without it, as mgen_dialect_session_sql
 * sets). SQL Server: N'...' with doubled quotes, and a backslash before
 * a line break followed by a line continuation (backslash, newline) that
 * T-SQL removes, since it would otherwise remove the text's own
 * backslash and line break.
 */
int mgen_dialect_string_literal(mgen_dialect d, const char *s, mgen_buf *out);

/*
 * The statement (ending with ";") that puts a session into the rules the
 * literals above are written for: PostgreSQL
 * "SET standard_conforming_strings = on;", MySQL/MariaDB a SET of the
 * session's sql_mode without NO_BACKSLASH_ESCAPES. Appends nothing for
 * the other dialects. Run on every connection (mgen_wh_connect) and
 * written at the top of comments.sql. 0 or a buffer error.
 */
int mgen_dialect_session_sql(mgen_dialect d, mgen_buf *out);

/* The table's qualified name with every non-empty part quoted, e.g.
 * `cat`.`sch`.`t`, "main"."t". PostgreSQL leaves the catalog (the
 * database) out: "sch"."t"; so does MySQL, whose names have at most two
 * parts: `sch`.`t`. */
int mgen_dialect_table_name(mgen_dialect d, const mgen_table *t, mgen_buf *out);

/*
 * Whether the dialect can store a comment on an object of kind `k` (its
 * own comment when `column` is 0, one of its columns' when 1): NULL when
 * it can, else a static one-line reason starting "not commentable: "
 * (MySQL/MariaDB views, Databricks foreign tables ...). The rules and the
 * vendor pages they follow are listed in dialect.c.
 */
const char *mgen_dialect_comment_support(mgen_dialect d, mgen_object_kind k,
					 int column);

/*
 * One statement (no trailing newline, ends with ";") that sets the
 * table's comment to `comment` (NULL removes it where the dialect can),
 * chosen by t->kind: COMMENT ON TABLE | VIEW | MATERIALIZED VIEW |
 * FOREIGN TABLE (PostgreSQL; Snowflake and DuckDB the same without
 * FOREIGN), COMMENT ON TABLE for every Databricks kind, sp_*extended-
 * property with @level1type TABLE or VIEW (SQL Server).
 * SQLite: an upsert into the sidecar table _metagen_comments.
 * MGEN_EUNSUPPORTED when mgen_dialect_comment_support gives a reason.
 */
int mgen_dialect_table_comment_ddl(mgen_dialect d, const mgen_table *t,
				   const char *comment, mgen_buf *out);

/* The same for column `c` of `t`. Databricks uses
 * ALTER TABLE t ALTER COLUMN c COMMENT '...' (all DBR versions; NULL gives
 * ''), ALTER MATERIALIZED VIEW / ALTER STREAMING TABLE for those kinds and
 * COMMENT ON COLUMN for a view's columns. MySQL: ALTER TABLE t MODIFY
 * COLUMN c <c->definition> COMMENT '...' (a column comment needs the full
 * column definition: MODIFY would drop NOT NULL and DEFAULT),
 * MGEN_EUNSUPPORTED when c->definition is NULL (not read, or not
 * rebuildable: c->definition_error). SQL Server:
 * one IF EXISTS ... sp_updateextendedproperty ELSE sp_addextendedproperty
 * batch (sp_dropextendedproperty for NULL). SQLite NULL: deletes the
 * sidecar row. */
int mgen_dialect_column_comment_ddl(mgen_dialect d, const mgen_table *t,
				    const mgen_column *c, const char *comment,
				    mgen_buf *out);

/*
 * The statement(s) apply runs once before any comment DDL. SQLite: appends
 * CREATE TABLE IF NOT EXISTS _metagen_comments (table_name TEXT NOT NULL,
 * column_name TEXT NOT NULL DEFAULT '', comment TEXT, PRIMARY KEY
 * (table_name, column_name)); - the sidecar that holds comments, where
 * column_name '' is the table's own comment. Other dialects append nothing.
 * Returns 0 or a buffer error.
 */
int mgen_dialect_setup_ddl(mgen_dialect d, mgen_buf *out);

/* --- what a dialect allows in a comment (dialect_limits.c) -------------- */

/* The unit a comment length limit counts. */
typedef enum mgen_length_unit {
	MGEN_LEN_CHARS = 0,  /* Unicode characters (code points) */
	MGEN_LEN_UTF8_BYTES, /* bytes of the UTF-8 text */
	MGEN_LEN_UTF16_BYTES /* bytes of the UTF-16 text (2 per BMP
				character, 4 above U+FFFF) */
} mgen_length_unit;

/*
 * One dialect's comment rules, each with the vendor documentation page it
 * follows (docs/dialects.md prints this table). Limits are in `unit`;
 * 0 means no limit documented. `bmp_only`: the comment is stored in a
 * character set without 4-byte UTF-8 (MySQL/MariaDB utf8mb3), so
 * characters above U+FFFF (emoji) cannot be stored. All strings static.
 */
typedef struct mgen_dialect_limits {
	size_t table_comment_max;
	size_t column_comment_max;
	mgen_length_unit unit;
	int bmp_only;
	const char *charset;	    /* the character set comments are stored
				       in, in words */
	const char *length_source;  /* vendor page(s) for the limits */
	const char *charset_source; /* vendor page(s) for the charset */
	const char *statements;	    /* which statement comments each object */
	const char *length_note;    /* the limit in words */
	const char *prompt;	    /* the limits as one sentence for the
				       LM ("" when there are none) */
} mgen_dialect_limits;

/* The rules of dialect `d` (AUTO or an unknown value: no limits).
 * Borrowed, static. */
const mgen_dialect_limits *mgen_dialect_limits_of(mgen_dialect d);

/* Length of the UTF-8 text `s` in `unit` (an invalid byte counts as one
 * character). */
size_t mgen_dialect_comment_length(mgen_length_unit unit, const char *s);

/*
 * Fits `comment` to dialect `d`'s rules for a table (`column` 0) or a
 * column comment: characters the target cannot store are replaced with
 * U+FFFD; a comment over the limit is cut at the last word boundary in
 * the allowed length's second half (else at a character boundary), with
 * trailing separators dropped and "..." appended, so the result is within
 * the limit. Sets *out to the new malloc'd text, or NULL when the comment
 * fits as it is; appends one line saying what was changed to `note` (e.g.
 * "shortened at a word boundary from 3000 to 2047 characters (mysql table
 * comment limit: 2048 characters)"). Returns 0, MGEN_ENOMEM or
 * MGEN_ELIMIT.
 */
int mgen_dialect_fit_comment(mgen_dialect d, int column, const char *comment,
			     char **out, mgen_buf *note);

/* mgen_dialect_fit_comment on a PROPOSED or KEPT proposal, in place: the
 * comment is replaced and what was changed is appended to its reason
 * ("; " after an existing reason). Other proposals are left alone.
 * Returns 0, MGEN_ENOMEM or MGEN_ELIMIT. */
int mgen_dialect_fit_proposal(mgen_dialect d, int column, mgen_proposal *p);

/* mgen_dialect_fit_proposal on the table's proposal and each column's;
 * on MySQL a PROPOSED column comment whose definition_error is set also
 * gets that reason ("apply cannot write it: ..."). Returns 0, MGEN_ENOMEM
 * or MGEN_ELIMIT. */
int mgen_dialect_fit_table(mgen_dialect d, mgen_table *t);

/* What the statistics query computes for a column (mgen_column.stats). */
#define MGEN_STATS_KNOWN 0x01u	/* decided (else from data_type) */
#define MGEN_STATS_MINMAX 0x02u /* MIN/MAX aggregates */
#define MGEN_STATS_ORDERED                                                     \
	0x04u			       /* min/max by percentile_disc(0 and 1)  \
					  WITHIN GROUP: an order, no min() */
#define MGEN_STATS_DISTINCT 0x08u      /* COUNT(DISTINCT c) or approximate */
#define MGEN_STATS_DISTINCT_TEXT 0x10u /* COUNT(DISTINCT CAST(c AS text)) */
#define MGEN_STATS_AVGLEN 0x20u	       /* AVG(LENGTH(c)): a string type */
#define MGEN_STATS_BINARY 0x40u	       /* binary: no min/max, base64 sample */
#define MGEN_STATS_INT_CAST 0x80u      /* MIN/MAX through CAST(c AS int) */

/*
 * Decides MGEN_STATS_* for a column of dialect `d` from `facts`, the
 * columns query's type-facts cell (PostgreSQL: letters m o d t l b the
 * query computed from pg_type/pg_opclass/pg_aggregate, see stat_caps.c;
 * MySQL: DATA_TYPE; SQL Server: the system type; others: the catalog's
 * data type), or from `data_type` when `facts` is NULL or "" (PostgreSQL
 * then: a distinct count through text only). SQLite follows its affinity
 * rules. Always has MGEN_STATS_KNOWN.
 */
unsigned mgen_dialect_column_stats(mgen_dialect d, const char *data_type,
				   const char *facts);

/*
 * The one statistics query for `t` (dialects.md "One statistics query per
 * table"): COUNT(*), then per column COUNT(c), a distinct count
 * (COUNT(DISTINCT c), approx_count_distinct on Databricks/DuckDB/
 * Snowflake, through text where only that has equality) and, when
 * `with_minmax`, MIN/MAX cast to text and the average length of string
 * types, each only where the column's MGEN_STATS_* allow it (columns not
 * listed: decided from data_type); NULL placeholders elsewhere, so the
 * result layout is always: n, then 5 values per column (nn, nd, min,
 * max, avglen). SQL Server counts with COUNT_BIG (bigint; COUNT's int
 * overflows past 2^31 - 1 rows). The profiler splits a
 * table wider than the dialect's select list into several such queries.
 */
int mgen_dialect_stats_sql(mgen_dialect d, const mgen_table *t, int with_minmax,
			   mgen_buf *out);

/* The one sample query: up to `limit` rows of every column of `t`, random
 * where the dialect allows: SQLite/PostgreSQL ORDER BY random() LIMIT n,
 * Databricks ORDER BY rand() LIMIT n, Snowflake SAMPLE (n ROWS), DuckDB
 * USING SAMPLE n ROWS, MySQL ORDER BY RAND(), SQL Server TOP (n) ... ORDER
 * BY NEWID(). SQLite tables without a rowid (t->no_rowid) give their first
 * `limit` rows in stored order. When t->row_count >= 100000 (known from
 * the statistics query), Databricks adds TABLESAMPLE (p PERCENT) and
 * PostgreSQL TABLESAMPLE BERNOULLI (p) with p sized for about 10 x
 * `limit` rows, so big tables are not sorted whole. MGEN_EINVAL when `t` has no
 * columns. */
int mgen_dialect_sample_sql(mgen_dialect d, const mgen_table *t, size_t limit,
			    mgen_buf *out);

/* --- the connection ---------------------------------------------------- */

typedef struct mgen_wh mgen_wh;

/*
 * Connects with an ODBC connection string or "DSN=name" (secrets in it are
 * never logged or echoed in messages). `dialect` AUTO detects it from
 * SQL_DBMS_NAME. On failure returns MGEN_EDB with the driver's
 * SQLGetDiagRec text in `err` (with PWD/token values masked), one line:
 * "cannot connect: SQLSTATE: driver text". MGEN_EUNSUPPORTED when AUTO
 * meets a DBMS name mgen_dialect_parse does not know.
 */
int mgen_wh_connect(const char *conn_str, mgen_dialect dialect, mgen_wh **out,
		    mgen_err *err);

struct mgen_config;

/*
 * Connects to the warehouse a config names (include/metagen/config.h):
 * cfg->connection with cfg->dialect (NULL or "auto": detected as
 * mgen_wh_connect does). Returns 0, MGEN_ECONFIG when no connection is
 * set (the message says where one can be given) or the dialect is
 * unknown, or mgen_wh_connect's error; the message is in `err`, with
 * secrets masked. *out is NULL on failure; close it with
 * mgen_wh_close.
 */
int mgen_wh_open_config(const struct mgen_config *cfg, mgen_wh **out,
			mgen_err *err);

/*
 * The object kinds a listing returns: bit (1u << k) for each
 * mgen_object_kind k, and MGEN_WH_KIND_PARTITIONS for the partitions of
 * a partitioned table (PostgreSQL relispartition; every other engine
 * keeps partitions inside their table). A partition is listed only when
 * that bit and its own kind's bit are set. New connections list
 * MGEN_WH_KINDS_DEFAULT: every kind, no partitions.
 */
#define MGEN_WH_KIND(k) (1u << (unsigned)(k))
#define MGEN_WH_KIND_PARTITIONS (1u << 16)
#define MGEN_WH_KINDS_ALL 0x3fu
#define MGEN_WH_KINDS_DEFAULT MGEN_WH_KINDS_ALL

/* Sets the kinds (the bits above) the connection's later listings return;
 * stored as given (only the bits above are read).
 * Never fails; affects only `wh`. */
void mgen_wh_set_object_types(mgen_wh *wh, unsigned kinds);

/*
 * `on` (the default): a listing keeps only the connection's own database
 * where the server holds several and the connection names one (MySQL/
 * MariaDB: DATABASE(), the Database= of the connection string; all
 * databases when none is selected). 0: every user database. Lookups of
 * named tables (mgen_wh_table_comments) are never limited.
 */
void mgen_wh_set_home_only(mgen_wh *wh, int on);

/*
 * Snowflake: the databases a listing reads, each through its own
 * INFORMATION_SCHEMA (so no current database is needed): those whose
 * names match one of the `n` globs (`*` `?`, ASCII case-insensitive;
 * copied), plus the session's current database when `current`. Unset:
 * the current database, or every one after mgen_wh_set_home_only(wh,
 * 0). Whenever the current database is wanted and the session has none,
 * every database but the shared SNOWFLAKE one is read. Other dialects
 * ignore it. Returns 0 or MGEN_ENOMEM.
 */
int mgen_wh_set_databases(mgen_wh *wh, const char *const *globs, size_t n,
			  int current);

/* Disconnects and frees. NULL is harmless. */
void mgen_wh_close(mgen_wh *wh);

/* The connection's dialect (the one given, or the one detected). */
mgen_dialect mgen_wh_dialect(const mgen_wh *wh);

/* The last error's one-line text for this connection ("" when none). */
const char *mgen_wh_errmsg(const mgen_wh *wh);

/* Number of SQL statements executed on this connection so far (tests
 * and benchmarks count queries per table with it). */
unsigned long mgen_wh_query_count(const mgen_wh *wh);

/*
 * Decides whether a table is listed: return 1 to keep. Called with the
 * table's three-level names before its columns are read.
 */
typedef int (*mgen_table_filter_fn)(void *userdata, const char *catalog,
				    const char *schema, const char *table);

/*
 * Appends to `out` every user table (not views of the system catalogs,
 * not metagen's own _metagen_comments) that `filter` keeps (NULL keeps
 * all), each with catalog/schema/name, existing table comment, and its
 * columns in ordinal order with data type and existing comment, read with
 * the dialect's own SQL. Returns 0 or MGEN_EDB.
 */
int mgen_wh_list_tables(mgen_wh *wh, mgen_table_filter_fn filter,
			void *userdata, mgen_table_list *out);

/* What mgen_wh_list_table_names saw, for mgen_wh_load_columns. */
typedef struct mgen_wh_listing {
	size_t rows; /* user tables the tables query returned, kept or not */
	int sidecar; /* SQLite: the _metagen_comments sidecar exists */
} mgen_wh_listing;

/*
 * mgen_wh_list_tables in two steps, so a run over a big warehouse holds
 * every table's names but only the columns of the tables it is working
 * on. mgen_wh_list_table_names appends the kept tables with names and
 * existing table comment (on SQLite that comment lives in the sidecar
 * and comes with the columns) and no columns, in the dialect's listing
 * order, with one query; the list's array is trimmed to its length;
 * `info` says what the query saw. Returns 0, MGEN_ENOMEM or MGEN_EDB
 * (message in mgen_wh_errmsg); on error `out` is left as it was.
 */
int mgen_wh_list_table_names(mgen_wh *wh, mgen_table_filter_fn filter,
			     void *userdata, mgen_table_list *out,
			     mgen_wh_listing *info);

/*
 * Reads the columns (ordinal order, data type, existing comment) of the
 * `n` tables tables[] (borrowed pointers to tables listed by
 * mgen_wh_list_table_names on any connection to the same warehouse, each
 * still without columns), and on SQLite their comments from the sidecar
 * when info->sidecar. One query when the n tables are every table the
 * listing returned (n == info->rows), else one per 500 tables, each
 * limited to their names (grouped by catalog and schema into IN lists).
 * A table the warehouse no longer has keeps no columns. Returns 0,
 * MGEN_ENOMEM or MGEN_EDB (message in mgen_wh_errmsg); on error every
 * given table is left without columns.
 */
int mgen_wh_load_columns(mgen_wh *wh, mgen_table *const *tables, size_t n,
			 const mgen_wh_listing *info);

/*
 * Re-reads the CURRENT existing comments of one table already filled by
 * mgen_wh_list_tables (catalog/schema/name and column names set): replaces
 * t->existing_comment and each column's existing_comment (matched by
 * column name, exactly; columns not found get NULL). Apply calls it right
 * before writing so it never replaces a comment written meanwhile. SQLite
 * reads the _metagen_comments sidecar (no comments when it is absent).
 * Returns 0, MGEN_ENOMEM or MGEN_EDB.
 */
int mgen_wh_table_comments(mgen_wh *wh, mgen_table *t);

/* Profile settings (dbxmetagen names in the comments). */
typedef struct mgen_profile_options {
	int version;		    /* MGEN_PROFILE_OPTIONS_VERSION */
	size_t sample_size;	    /* sample_size: rows wanted (0 = none) */
	int allow_data;		    /* allow_data: 0 = no sample query and no
				       min/max; counts only */
	size_t word_limit_per_cell; /* cells (and min/max) cut to this many
				       words and 10x as many bytes, UTF-8
				       safe, "..." appended; 0 = no cut */
} mgen_profile_options;

#define MGEN_PROFILE_OPTIONS_VERSION 1
#define MGEN_PROFILE_OPTIONS_INIT                                              \
	{                                                                      \
		MGEN_PROFILE_OPTIONS_VERSION, 5, 1, 200                        \
	}

/* The profile options a config asks for: sample_size rows when
 * allow_data (else no sample at all), word_limit_per_cell words per
 * sampled cell. Pure. */
mgen_profile_options
mgen_profile_options_from_config(const struct mgen_config *cfg);

/*
 * Profiles `t` with at most two queries: the statistics query and (when
 * allow_data and sample_size > 0) the sample query. Fills row_count, each
 * column's statistics and the sample; sets t->profiled. The sample query
 * fetches up to 4x sample_size random rows and keeps the first sample_size
 * that have fewer than half their cells NULL, topping up with the others
 * when too few qualify (dbxmetagen's mostly-null rule with a fallback).
 * Binary cells (SQLDescribeCol binary types, or bytea/blob/binary declared
 * types) become the base64 of their first 36 bytes (48 characters) plus
 * "..." when longer, and the column's is_binary is set; text is read with
 * chunked SQLGetData (no truncation). Empty table: row_count 0, no sample
 * query. Returns 0, MGEN_ENOMEM or MGEN_EDB (message in mgen_wh_errmsg;
 * `profiled` stays 0).
 */
int mgen_wh_profile(mgen_wh *wh, mgen_table *t,
		    const mgen_profile_options *opts);

/*
 * Profiles `t` (its columns already added) from `nrows` rows handed over
 * instead of read from a warehouse (a serving request's table_data):
 * `cells` holds nrows * t->column_count cells, row-major, UTF-8, NULL =
 * SQL NULL. Sets row_count = nrows and, per column, non_null_count,
 * distinct_count (exact: distinct byte strings), avg_length (mean code
 * points; only for columns not flagged numeric) and, with allow_data,
 * min_value/max_value cut like the warehouse's (by value where
 * numeric[k] is 1, i.e. every cell of column k was a number, else
 * bytewise, as a binary collation orders UTF-8); then the sample by
 * mgen_wh_profile's rules: cells cut to word_limit_per_cell words, rows
 * with half or more NULL cells last, at most sample_size rows, none
 * without allow_data. `numeric` may be NULL (no column numeric). The
 * cells chosen for the sample move into t->sample (their slots in
 * `cells` become NULL; the rest stay the caller's to free; kept cells
 * may have been replaced by their cut copies). Sets t->profiled.
 * Returns 0 or MGEN_ENOMEM (then no sample, `profiled` 0).
 */
int mgen_profile_rows(mgen_table *t, char **cells, size_t nrows,
		      const unsigned char *numeric,
		      const mgen_profile_options *opts);

/* Cuts `s` (owned) to `words` words and 10x as many bytes, UTF-8 safe,
 * "..." appended when cut, as profiling cuts cells and min/max (0 words
 * = no cut). Returns the string (perhaps a new one; `s` is freed when
 * replaced) or NULL on out of memory (`s` freed). */
char *mgen_profile_cut(char *s, size_t words);

/* Executes one statement that returns no rows. 0 or MGEN_EDB. */
int mgen_wh_exec(mgen_wh *wh, const char *sql);

/* Transactions (autocommit is on outside them). Dialects without
 * transactions (Databricks) return MGEN_EUNSUPPORTED from begin. */
int mgen_wh_begin(mgen_wh *wh);
int mgen_wh_commit(mgen_wh *wh);
int mgen_wh_rollback(mgen_wh *wh);

/* 1 when the driver reports the connection lost (SQL_ATTR_CONNECTION_DEAD:
 * the server closed it, a restart, a network failure), so only a new
 * connection can go on; 0 while it is usable or the driver cannot say. */
int mgen_wh_connection_dead(mgen_wh *wh);

#ifdef __cplusplus
}
#endif

#endif
