/*
 * warehouse_internal.h - internal helpers shared by the warehouse files: the
 * column type classes the SQL builders and the profiler agree on, the
 * listing SQL builders (unit-tested as strings) and the ODBC statement
 * helpers odbc.c gives catalog.c and profile.c.
 * Internal: not part of the public API (mgen_wh__ prefix).
 */
#ifndef METAGEN_WH_INTERNAL_H
#define METAGEN_WH_INTERNAL_H

#include <stddef.h>

#include "metagen/buf.h"
#include "metagen/warehouse.h"

/* The name of the SQLite sidecar table that holds comments. */
#define MGEN_WH_SIDECAR "_metagen_comments"

/* What the statistics query computes for column `c` (MGEN_STATS_*):
 * c->stats when the listing decided it, else decided from c->data_type
 * (stat_caps.c). */
unsigned mgen_wh__column_stats(mgen_dialect d, const mgen_column *c);

/*
 * The statistics query of columns [lo, hi) of `t`: COUNT(*), then five
 * values per column as mgen_dialect_stats_sql. A column with drop[i] set
 * (drop may be NULL) gets its non-null count only (then four NULLs).
 * 0, a buffer error, MGEN_EINVAL (bad range) or MGEN_EUNSUPPORTED (AUTO).
 */
int mgen_wh__stats_sql(mgen_dialect d, const mgen_table *t, size_t lo,
		       size_t hi, int with_minmax, const unsigned char *drop,
		       mgen_buf *out);

/* Cuts `s` (owned) to `words` words and 10x bytes, UTF-8 safe, adding
 * "..." when cut (profile.c). 0 words = no limit. Returns the new string
 * or NULL on out of memory (s freed either way when replaced). */
char *mgen_wh__cut_cell(char *s, size_t words);

/* Moves up to `want` of the `nrows` rows of `cells` (nrows *
 * t->column_count, row-major; moved cells become NULL) into t->sample:
 * first the rows whose sparse[i] is 0 (fewer than half their cells NULL),
 * then the others, each pass in order (dbxmetagen's mostly-null rule).
 * Sets sample_row_count. 0 or MGEN_ENOMEM. */
int mgen_wh__choose_rows(mgen_table *t, char **cells, const int *sparse,
			 size_t nrows, size_t want);

/* The most expressions one select list of dialect `d` may hold (sources
 * in dialect_stats.c). */
size_t mgen_wh__max_select(mgen_dialect d);

/*
 * The listing SQL of a dialect (catalog.c). Tables query: one row per user
 * table or view: catalog, schema, table, comment, kind (an
 * mgen_object_kind name), partition (1 for a partition of a partitioned
 * table, else 0), unreadable (1 for a materialized view never refreshed,
 * else 0). Columns query: one row per
 * column: catalog, schema, table, ordinal, column, type, comment, ordered
 * by table then ordinal. Both are limited to the tables named in `keys`
 * ((catalog, schema, table) triples, 3*nkeys strings; the catalog is
 * ignored where the connection fixes it) unless `keys` is NULL, through
 * `?` markers: the names are bound, never part of the text.
 * Return 0, a buffer error or MGEN_EUNSUPPORTED (AUTO).
 */
int mgen_wh__tables_sql(mgen_dialect d, const char *const *keys, size_t nkeys,
			mgen_buf *out);
int mgen_wh__columns_sql(mgen_dialect d, const char *const *keys, size_t nkeys,
			 mgen_buf *out);
/* The tables query with no keys, without the condition that keeps the
 * connection's own database (MySQL DATABASE()): what the listing runs
 * after mgen_wh_set_home_only(wh, 0). */
int mgen_wh__tables_sql_all(mgen_dialect d, mgen_buf *out);

/* --- connstr.c: connection strings ------------------------------------ */

/*
 * The value of attribute `key` (lower-case, matched ASCII
 * case-insensitively) of ODBC connection string `cs`, braces undone, into
 * *out (malloc'd). Returns 1 found, 0 not found (*out NULL), MGEN_ENOMEM.
 */
int mgen_wh__conn_attr(const char *cs, const char *key, char **out);

/*
 * Before connecting with `cs` (a SQLite driver named in Driver=, or `d`
 * SQLITE): a Database= path that does not exist, or is a folder, is
 * MGEN_EDB "cannot connect: sqlite database 'PATH' (Database=) does not
 * exist: ..." in `err` (":memory:" and "file:" URIs are not checked);
 * else *out is `cs` plus ";NoCreat=1" (the driver then refuses to create
 * a file) unless `cs` sets NoCreat itself. *out stays NULL when nothing
 * is to change (not SQLite, or NoCreat given). 0, MGEN_EDB, MGEN_ENOMEM.
 */
int mgen_wh__sqlite_guard(const char *cs, mgen_dialect d, char **out,
			  mgen_err *err);

/* The object kinds (bits 1u << mgen_object_kind, plus
 * MGEN_WH_KIND_PARTITIONS) the connection lists. */
unsigned mgen_wh__object_types(const mgen_wh *wh);

/* 1 (the default) when the listing keeps the connection's own database
 * only (mgen_wh_set_home_only). */
int mgen_wh__home_only(const mgen_wh *wh);

/* --- databases.c: which databases a listing reads ----------------------- */

/* Globs over database names (mgen_wh_set_databases); owned. */
typedef struct mgen_strglobs {
	char **v;
	size_t n;
	int current; /* the session's current database too */
} mgen_strglobs;

/* The connection's slot for them (odbc.c; NULL until set). */
mgen_strglobs **mgen_wh__databases_slot(mgen_wh *wh);

/* 1 when `name` matches a glob of `g`, ASCII case-insensitively (an
 * unquoted Snowflake name is stored upper case). */
int mgen_wh__globs_match(const mgen_strglobs *g, const char *name);

/* Frees `g` and its strings. NULL is harmless. */
void mgen_wh__globs_free(mgen_strglobs *g);

/*
 * The listing query (tables, or `columns`) that `wh` runs for `keys`
 * (NULL: every object): the dialect's SQL, limited to the connection's
 * own database unless mgen_wh_set_home_only(wh, 0); on Snowflake one
 * branch per database (the keys' catalogs, or the databases of
 * mgen_wh_set_databases resolved with SELECT CURRENT_DATABASE() and SHOW
 * DATABASES). Returns 0, 1 when there is no database to read (an empty
 * listing: run nothing), a buffer error, MGEN_EUNSUPPORTED or MGEN_EDB.
 */
int mgen_wh__listing_query(mgen_wh *wh, int columns, const char *const *keys,
			   size_t nkeys, mgen_buf *out);

/* The listing SQL with each database `dbs` (ndb of them, or NULL: the
 * unqualified one) read through its own information_schema (Snowflake),
 * in a derived table the key filter and the order apply to. */
int mgen_wh__listing_sql(mgen_dialect d, int columns, const char *const *dbs,
			 size_t ndb, const char *const *keys, size_t nkeys,
			 mgen_buf *out);

/* The names bound to the `?` markers of the queries above for the same
 * `keys`, in order, into `params` (room for 3 * nkeys; borrowed from
 * `keys`, NULL names as ""). Returns their number (0 for NULL keys). */
size_t mgen_wh__key_params(mgen_dialect d, const char *const *keys,
			   size_t nkeys, const char **params);

/* The query that reads the session's client encoding (one row, one
 * text cell), or NULL when the dialect has none to check (dialect.c). */
const char *mgen_wh__encoding_sql(mgen_dialect d);

/* 1 when client encoding `enc` (as the query above returns it) has
 * multibyte characters whose later bytes can be 0x5c (a backslash), which
 * no escaping of a literal can make safe; 0 otherwise. */
int mgen_wh__unsafe_encoding(mgen_dialect d, const char *enc);

/* --- MySQL/MariaDB column definitions (mysql_columns.c) ---------------- */

/* One column's parts as information_schema gives them (NULL = SQL NULL);
 * all borrowed. check: MariaDB's column-level CHECK clause; srid:
 * MariaDB GEOMETRY_COLUMNS.SRID or MySQL COLUMNS.SRS_ID. */
typedef struct mgen_wh_mysql_col {
	const char *type, *nullable, *deflt, *extra, *charset, *collation,
	    *genexpr, *check, *srid;
} mgen_wh_mysql_col;

#define MGEN_WH_MYSQL_MARIADB 1	     /* MariaDB's information_schema */
#define MGEN_WH_MYSQL_NO_BACKSLASH 2 /* session sql_mode has it */
#define MGEN_WH_MYSQL_NO_SRID 4	     /* MySQL 5.x: no COLUMNS.SRS_ID */

/*
 * Appends the definition of column `c` without COMMENT (what ALTER TABLE
 * ... MODIFY needs to keep the column as it is) to `out`, and sets
 * *comment_at to the offset in `out` where COMMENT must go (MariaDB's
 * grammar puts a column CHECK last). `mode`: the MGEN_WH_MYSQL_ bits.
 * Returns 0; MGEN_EUNSUPPORTED with the reason appended to `why` when the
 * definition cannot be rebuilt safely; or a buffer error.
 */
int mgen_wh__mysql_definition(const mgen_wh_mysql_col *c, int mode,
			      mgen_buf *out, size_t *comment_at, mgen_buf *why);

/*
 * Sets `definition` (or `definition_error`) of every column of the
 * indexed tables (sorted by mgen__table_index_sort) from
 * information_schema, for the tables named by `keys` ((catalog, schema,
 * table) triples) or all when `keys` is NULL. Flat queries: the server's
 * version and sql_mode; on MariaDB the column CHECKs, SRIDs and
 * system-versioned tables; then the columns. 0, MGEN_ENOMEM or MGEN_EDB.
 */
int mgen_wh__mysql_definitions(mgen_wh *wh, const char *const *keys,
			       size_t nkeys, struct mgen_table **idx,
			       size_t nidx);

/* The column of `t` named exactly `name`, or NULL (catalog.c). */
mgen_column *mgen_wh__find_column(mgen_table *t, const char *name);

/* catalog.c's row loop: runs `sql` (released after) and calls `row` with
 * each row's first `n` (<= 11) cells as malloc'd text (NULL = SQL NULL;
 * `row` takes a cell by setting it to NULL). Stops at the first error
 * `row` returns. 0, that error, MGEN_ENOMEM or MGEN_EDB. */
int mgen_wh__each_row(mgen_wh *wh, const char *what, mgen_buf *sql, int n,
		      int (*row)(void *ud, char **cells), void *ud);

/* --- odbc.c helpers for catalog.c and profile.c ------------------------ */

typedef struct mgen_wh_stmt mgen_wh_stmt;

/* Executes `sql` (counted) on a new statement. 0 or MGEN_EDB (message in
 * the connection's errmsg, prefixed with `what`). */
int mgen_wh__query(mgen_wh *wh, const char *what, const char *sql,
		   mgen_wh_stmt **out);

/*
 * The same with `n` text parameters bound (SQLBindParameter, SQL_C_CHAR:
 * UTF-8 bytes) to the `?` markers of `sql`, in order; a NULL parameter is
 * "". The values are never part of the SQL text, so no name from the
 * warehouse can change what the statement does. `params` need only live
 * during the call. 0, MGEN_ENOMEM or MGEN_EDB.
 */
int mgen_wh__query_params(mgen_wh *wh, const char *what, const char *sql,
			  const char *const *params, size_t n,
			  mgen_wh_stmt **out);

/* Number of result columns. */
int mgen_wh__ncols(mgen_wh_stmt *st);

/* 1 when result column `i` (0-based) is binary per SQLDescribeCol. */
int mgen_wh__col_is_binary(mgen_wh_stmt *st, int i);

/* Fetches the next row: 1 row, 0 no more, MGEN_EDB. */
int mgen_wh__fetch(mgen_wh_stmt *st);

/*
 * Reads column `i` (0-based) of the current row as text, whole (chunked
 * SQLGetData). *out is malloc'd, or NULL for SQL NULL. When `binary_max` >
 * 0 the column is read as bytes, at most binary_max of them, and *out is
 * their base64 followed by "..." when the value was longer. 0, MGEN_ENOMEM
 * or MGEN_EDB.
 */
int mgen_wh__get_text(mgen_wh_stmt *st, int i, size_t binary_max, char **out);

/* mgen_wh__get_text for a catalog name or comment: a NUL byte in the
 * value (which would silently cut the name) is MGEN_EDB. */
int mgen_wh__get_name(mgen_wh_stmt *st, int i, char **out);

/* Frees the statement. NULL is harmless. */
void mgen_wh__stmt_free(mgen_wh_stmt *st);

/* Records a one-line error on the connection (first wins per call). */
void mgen_wh__set_error(mgen_wh *wh, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
