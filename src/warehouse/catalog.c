/*
 * catalog.c - lists the user tables of a warehouse with their columns and
 * existing comments, each dialect with its own catalog SQL (ODBC's
 * SQLTables/SQLColumns return empty REMARKS on psqlODBC and SQLite:
 * dialects.md "Rule of thumb").
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
#include "warehouse/wh_internal.h"

#define KEYS_PER_QUERY 500

/* One dialect's listing SQL; the key expressions name the catalog (NULL
 * when the connection fixes it), schema (NULL: fixed) and table in both
 * queries' WHERE clauses. The tables query's rows are: catalog, schema,
 * table, comment, kind (an mgen_object_kind name), 1 for a partition of
 * a partitioned table, 1 for an object with no data to read (a
 * materialized view never refreshed); `home` (or NULL) is the condition that keeps
 * the connection's own database only (mgen_wh_set_home_only). */
typedef struct listing {
	const char *tables, *tables_order;
	const char *columns, *columns_order;
	const char *kcat, *ksch, *ktab;
	const char *home;
} listing;

/* PostgreSQL: tables (r), partitioned tables (p), views (v),
 * materialized views (m) and foreign tables (f); pg_class.relkind and
 * relispartition per https://www.postgresql.org/docs/15/catalog-pg-class.html */
#define PG_REL                                                                 \
	"c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT "            \
	"IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE "      \
	"'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
#define PG_KIND                                                                \
	"CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN "                   \
	"'materialized_view' WHEN 'f' THEN 'foreign_table' WHEN 'p' THEN "     \
	"'partitioned_table' ELSE 'table' END, c.relispartition::int, "      \
	"(NOT c.relispopulated)::int"
/* The PostgreSQL type facts of type u.t (stat_caps.c): walks domains
 * (typbasetype, recursively) and array elements; b = the first type that
 * is not a domain, l = the element under every domain and array. */
#define PG_TYPE_FACTS                                                          \
	"(WITH RECURSIVE w(t, top) AS (SELECT u.t, true UNION ALL "            \
	"SELECT CASE WHEN y.typtype = 'd' THEN y.typbasetype ELSE "            \
	"y.typelem END, w.top AND y.typtype = 'd' FROM w JOIN pg_type y ON "   \
	"y.oid = w.t WHERE y.typtype = 'd' OR (y.typcategory = 'A' AND "       \
	"y.typelem <> 0)) SELECT CASE WHEN o.btree THEN CASE WHEN EXISTS "     \
	"(SELECT 1 FROM pg_proc p JOIN pg_aggregate g ON g.aggfnoid = p.oid "  \
	"WHERE p.proname = 'min' AND p.pronamespace = "                        \
	"'pg_catalog'::regnamespace AND p.pronargs = 1 AND (p.proargtypes[0] " \
	"= b.oid OR (p.proargtypes[0] = 'anyarray'::regtype AND "              \
	"b.typcategory = 'A') OR (p.proargtypes[0] = 'anyenum'::regtype AND "  \
	"b.typtype = 'e') OR p.proargtypes[0] IN (SELECT k.casttarget FROM "   \
	"pg_cast k WHERE k.castsource = b.oid AND k.castmethod = 'b' AND "     \
	"k.castcontext = 'i'))) THEN 'md' ELSE 'od' END WHEN o.hash OR "       \
	"l.typtype = 'c' THEN 't' ELSE '' END || CASE WHEN b.typcategory = "   \
	"'S' THEN 'l' ELSE '' END || CASE WHEN b.oid = 'bytea'::regtype THEN " \
	"'b' ELSE '' END FROM w JOIN pg_type b ON b.oid = w.t AND w.top AND "  \
	"b.typtype <> 'd' JOIN w e ON true JOIN pg_type l ON l.oid = e.t AND " \
	"l.typtype <> 'd' AND NOT (l.typcategory = 'A' AND l.typelem <> 0) "   \
	"CROSS JOIN LATERAL (SELECT COALESCE(bool_or(m.amname = 'btree'), "    \
	"false) AS btree, COALESCE(bool_or(m.amname = 'hash'), false) AS "     \
	"hash FROM pg_opclass c JOIN pg_am m ON m.oid = c.opcmethod WHERE "    \
	"c.opcdefault AND l.typtype <> 'c' AND (c.opcintype = l.oid OR "       \
	"(c.opcintype = 'anyenum'::regtype AND l.typtype = 'e') OR "           \
	"(c.opcintype = 'anyrange'::regtype AND l.typtype = 'r') OR "          \
	"(c.opcintype = 'anymultirange'::regtype AND l.typtype = 'm') OR "     \
	"c.opcintype IN (SELECT k.casttarget FROM pg_cast k WHERE "            \
	"k.castsource = l.oid AND k.castmethod = 'b' AND k.castcontext = "     \
	"'i'))) o LIMIT 1)"

/* The column's type facts: worked out once per query for each type any
 * column has (an uncorrelated subquery: one evaluation, not one per
 * column) and looked up by the column's type. */
#define PG_FACTS                                                               \
	"((SELECT jsonb_object_agg(u.t::text, " PG_TYPE_FACTS ") FROM "        \
	"(SELECT DISTINCT atttypid AS t FROM pg_attribute WHERE attnum > 0 "   \
	"AND NOT attisdropped) u) ->> a.atttypid::text)"
/* SQLite: sqlite_master rows of type table and view; names starting
 * sqlite_ are the engine's own (https://www.sqlite.org/fileformat2.html
 * "Internal Schema Objects"); shadow tables of FTS3/4/5 and R*Tree
 * (pragma_table_list type 'shadow') are the virtual tables' storage */
#define SQLITE_REL                                                             \
	"m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' "         \
	"ESCAPE '\\' AND NOT EXISTS (SELECT 1 FROM pragma_table_list(m.name) "   \
	"l WHERE l.schema = 'main' AND l.type = 'shadow')"
#define MYSQL_SYS "('mysql', 'information_schema', 'performance_schema', 'sys')"
/* Databricks information_schema.tables.table_type: MANAGED, EXTERNAL,
 * VIEW, MATERIALIZED_VIEW, STREAMING_TABLE, FOREIGN, ... (https://docs.
 * databricks.com/en/sql/language-manual/information-schema/tables.html) */
#define DBX_KIND                                                               \
	"CASE WHEN table_type = 'MATERIALIZED_VIEW' THEN 'materialized_view' " \
	"WHEN table_type LIKE '%VIEW' THEN 'view' WHEN table_type = "          \
	"'STREAMING_TABLE' THEN 'streaming_table' WHEN table_type = "          \
	"'FOREIGN' THEN 'foreign_table' ELSE 'table' END, 0, 0"

static const listing listings[] = {
    [MGEN_DIALECT_SQLITE] =
	{"SELECT '', 'main', m.name, NULL, m.type, 0, 0 FROM sqlite_master m "
	 "WHERE " SQLITE_REL,
	 " ORDER BY m.name",
	 "SELECT '', 'main', m.name, p.cid + 1, p.name, p.type, NULL, "
	 "(SELECT l.type || ':' || l.wr FROM pragma_table_list(m.name) l "
	 "WHERE l.schema = 'main') FROM sqlite_master m JOIN "
	 "pragma_table_info(m.name) p "
	 "WHERE " SQLITE_REL,
	 " ORDER BY m.name, p.cid", NULL, NULL, "m.name", NULL},
    [MGEN_DIALECT_POSTGRESQL] =
	{"SELECT current_database(), n.nspname, c.relname, "
	 "obj_description(c.oid, 'pg_class'), " PG_KIND " FROM pg_class c "
	 "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " PG_REL,
	 " ORDER BY n.nspname, c.relname",
	 "SELECT current_database(), n.nspname, c.relname, a.attnum, "
	 "a.attname, format_type(a.atttypid, a.atttypmod), "
	 "col_description(a.attrelid, a.attnum), " PG_FACTS
	 " FROM pg_attribute a JOIN "
	 "pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid "
	 "= c.relnamespace WHERE a.attnum > 0 AND NOT a.attisdropped "
	 "AND " PG_REL,
	 " ORDER BY n.nspname, c.relname, a.attnum", NULL, "n.nspname",
	 "c.relname", NULL},
    [MGEN_DIALECT_DATABRICKS] =
	{"SELECT table_catalog, table_schema, table_name, comment, " DBX_KIND
	 " FROM system.information_schema.tables WHERE table_catalog <> "
	 "'system' AND table_schema <> 'information_schema'",
	 " ORDER BY table_catalog, table_schema, table_name",
	 "SELECT table_catalog, table_schema, table_name, "
	 "ordinal_position, column_name, full_data_type, comment, "
	 "full_data_type FROM "
	 "system.information_schema.columns WHERE table_catalog <> "
	 "'system' AND table_schema <> 'information_schema'",
	 " ORDER BY table_catalog, table_schema, table_name, "
	 "ordinal_position",
	 "table_catalog", "table_schema", "table_name", NULL},
    /* TABLE_TYPE 'BASE TABLE', 'VIEW', 'MATERIALIZED VIEW' (https://docs.
     * snowflake.com/en/sql-reference/info-schema/tables). Unqualified,
     * information_schema is the current database's; with databases
     * named, each is read through its own "DB".information_schema
     * (build()) */
    [MGEN_DIALECT_SNOWFLAKE] =
	{"SELECT table_catalog, table_schema, table_name, comment, CASE "
	 "table_type WHEN 'VIEW' THEN 'view' WHEN 'MATERIALIZED VIEW' THEN "
	 "'materialized_view' ELSE 'table' END, 0, 0 FROM "
	 "information_schema.tables WHERE table_type IN ('BASE TABLE', "
	 "'VIEW', 'MATERIALIZED VIEW') AND table_schema <> "
	 "'INFORMATION_SCHEMA'",
	 " ORDER BY table_catalog, table_schema, table_name",
	 "SELECT table_catalog, table_schema, table_name, "
	 "ordinal_position, column_name, data_type, comment, data_type "
	 "FROM information_schema.columns WHERE table_schema <> "
	 "'INFORMATION_SCHEMA'",
	 " ORDER BY table_catalog, table_schema, table_name, "
	 "ordinal_position",
	 "table_catalog", "table_schema", "table_name", NULL},
    /* TABLE_TYPE 'BASE TABLE', 'VIEW', 'SYSTEM VERSIONED' (MariaDB),
     * 'SYSTEM VIEW'; a view's TABLE_COMMENT is the word VIEW, not a
     * comment (https://mariadb.com/kb/en/information-schema-tables-table/,
     * https://dev.mysql.com/doc/refman/8.0/en/information-schema-tables-table.html) */
    [MGEN_DIALECT_MYSQL] =
	{"SELECT '', table_schema, table_name, CASE WHEN table_type = "
	 "'VIEW' THEN NULL ELSE NULLIF(table_comment, '') END, CASE "
	 "table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END, 0, 0 "
	 "FROM "
	 "information_schema.tables WHERE table_type IN ('BASE TABLE', "
	 "'SYSTEM VERSIONED', 'VIEW') AND table_schema NOT IN " MYSQL_SYS,
	 " ORDER BY table_schema, table_name",
	 "SELECT '', table_schema, table_name, ordinal_position, "
	 "column_name, column_type, NULLIF(column_comment, ''), data_type FROM "
	 "information_schema.columns WHERE table_schema NOT IN " MYSQL_SYS,
	 " ORDER BY table_schema, table_name, ordinal_position", NULL,
	 "table_schema", "table_name",
	 " AND (DATABASE() IS NULL OR table_schema = DATABASE())"},
    /* duckdb_tables() and duckdb_views() (https://duckdb.org/docs/sql/
     * meta/duckdb_table_functions); one WHERE for both through a
     * derived table */
    [MGEN_DIALECT_DUCKDB] =
	{"SELECT database_name, schema_name, table_name, comment, kind, 0, 0 "
	 "FROM (SELECT database_name, schema_name, table_name, comment, "
	 "'table' AS kind FROM duckdb_tables() WHERE NOT internal UNION ALL "
	 "SELECT database_name, schema_name, view_name, comment, 'view' FROM "
	 "duckdb_views() WHERE NOT internal) o WHERE true",
	 " ORDER BY database_name, schema_name, table_name",
	 "SELECT database_name, schema_name, table_name, column_index, "
	 "column_name, data_type, comment, data_type FROM duckdb_columns() "
	 "WHERE "
	 "NOT internal",
	 " ORDER BY database_name, schema_name, table_name, column_index",
	 "database_name", "schema_name", "table_name", NULL},
    /* sys.objects type U (user table) and V (view) (https://learn.
     * microsoft.com/en-us/sql/relational-databases/system-catalog-views/
     * sys-objects-transact-sql) */
    [MGEN_DIALECT_SQLSERVER] =
	{"SELECT DB_NAME(), s.name, t.name, CAST(ep.value AS "
	 "NVARCHAR(4000)), CASE t.type WHEN 'V' THEN 'view' ELSE 'table' "
	 "END, 0, 0 FROM sys.objects t JOIN sys.schemas s ON s.schema_id = "
	 "t.schema_id LEFT JOIN sys.extended_properties ep ON ep.class = 1 "
	 "AND ep.major_id = t.object_id AND ep.minor_id = 0 AND ep.name = "
	 "'MS_Description' WHERE t.type IN ('U', 'V') AND t.is_ms_shipped "
	 "= 0",
	 " ORDER BY s.name, t.name",
	 "SELECT DB_NAME(), s.name, t.name, c.column_id, c.name, "
	 "TYPE_NAME(c.user_type_id), CAST(ep.value AS NVARCHAR(4000)), "
	 "TYPE_NAME(CASE WHEN c.system_type_id = 240 THEN c.user_type_id "
	 "ELSE c.system_type_id END) FROM sys.columns c JOIN sys.objects t "
	 "ON t.object_id = "
	 "c.object_id JOIN sys.schemas s ON s.schema_id = t.schema_id "
	 "LEFT JOIN sys.extended_properties ep ON ep.class = 1 AND "
	 "ep.major_id = c.object_id AND ep.minor_id = c.column_id AND "
	 "ep.name = 'MS_Description' WHERE t.type IN ('U', 'V') AND "
	 "t.is_ms_shipped = 0",
	 " ORDER BY s.name, t.name, c.column_id", NULL, "s.name", "t.name",
	 NULL},
};

static const listing *listing_of(mgen_dialect d)
{
	if (d <= MGEN_DIALECT_AUTO || d > MGEN_DIALECT_SQLSERVER)
		return NULL;
	return &listings[d];
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* 1 when keys a and b (triples) name the same catalog and schema, as far
 * as the dialect's key expressions look at them. */
static int same_group(const listing *l, const char *const *a,
		      const char *const *b)
{
	return (l->kcat == NULL || strcmp(nz(a[0]), nz(b[0])) == 0) &&
	       (l->ksch == NULL || strcmp(nz(a[1]), nz(b[1])) == 0);
}

/* Appends `s` to `out` when `out` is not NULL. */
static void put(mgen_buf *out, const char *s)
{
	if (out)
		mgen_buf_puts(out, s);
}

/*
 * " AND ((kcat = ? AND ksch = ? AND ktab IN (?, ?)) OR ...)" for `nkeys`
 * triples into `out` (when not NULL), and the value of each marker, in
 * order, into `params` (when not NULL; room for 3 * nkeys). Consecutive
 * keys of one catalog and schema share one IN list, so a window of tables
 * taken in listing order is one lookup for the planner instead of a chain
 * of ORs it scans per row. Names are bound, never spliced into the text.
 * Returns the number of markers.
 */
static size_t key_filter(const listing *l, const char *const *keys,
			 size_t nkeys, mgen_buf *out, const char **params)
{
	const char *expr[2] = {l->kcat, l->ksch};
	size_t i, np = 0;
	int j;

	put(out, " AND (");
	for (i = 0; i < nkeys; i++) {
		const char *const *k = keys + 3 * i;
		if (i > 0 && same_group(l, k - 3, k)) {
			put(out, ", ?");
		} else {
			put(out, i ? ")) OR (" : "(");
			for (j = 0; j < 2; j++) {
				if (expr[j] == NULL)
					continue;
				put(out, expr[j]);
				put(out, " = ? AND ");
				if (params)
					params[np] = nz(k[j]);
				np++;
			}
			put(out, l->ktab);
			put(out, " IN (?");
		}
		if (params)
			params[np] = nz(k[2]);
		np++;
	}
	put(out, ")))");
	return np;
}

/* Appends `base` with every "information_schema." qualified by the
 * quoted database `db` (Snowflake: each database has its own, and the
 * unqualified one needs a current database: https://docs.snowflake.com/
 * en/sql-reference/info-schema "General usage notes"). */
static void qualified(mgen_dialect d, const char *base, const char *db,
		      mgen_buf *out)
{
	static const char is[] = "information_schema.";
	const char *p = base, *hit;

	while ((hit = strstr(p, is)) != NULL) {
		mgen_buf_append(out, p, (size_t)(hit - p));
		mgen_dialect_quote_ident(d, db, out);
		mgen_buf_putc(out, '.');
		mgen_buf_puts(out, is);
		p = hit + sizeof(is) - 1;
	}
	mgen_buf_puts(out, p);
}

/*
 * The listing query. `home`: add the condition that keeps the
 * connection's own database (keys name their tables exactly, so they
 * never need it). `dbs` (ndb names, or NULL): read each database's own
 * information_schema, one UNION ALL branch each inside a derived table
 * the key filter and the order apply to.
 */
static int build(mgen_dialect d, int columns, int home,
		 const char *const *dbs, size_t ndb, const char *const *keys,
		 size_t nkeys, mgen_buf *out)
{
	const listing *l = listing_of(d);
	const char *base;
	size_t i;

	if (l == NULL)
		return MGEN_EUNSUPPORTED;
	base = columns ? l->columns : l->tables;
	if (dbs && ndb) {
		mgen_buf_puts(out, "SELECT * FROM (");
		for (i = 0; i < ndb; i++) {
			if (i)
				mgen_buf_puts(out, " UNION ALL ");
			qualified(d, base, dbs[i], out);
		}
		mgen_buf_puts(out, ") o WHERE true");
	} else {
		mgen_buf_puts(out, base);
	}
	if (keys && nkeys)
		key_filter(l, keys, nkeys, out, NULL);
	else if (home && l->home)
		mgen_buf_puts(out, l->home);
	mgen_buf_puts(out, columns ? l->columns_order : l->tables_order);
	return mgen_buf_error(out);
}

int mgen_wh__tables_sql(mgen_dialect d, const char *const *keys, size_t nkeys,
			mgen_buf *out)
{
	return build(d, 0, 1, NULL, 0, keys, nkeys, out);
}

int mgen_wh__tables_sql_all(mgen_dialect d, mgen_buf *out)
{
	return build(d, 0, 0, NULL, 0, NULL, 0, out);
}

int mgen_wh__listing_sql(mgen_dialect d, int columns,
			 const char *const *dbs, size_t ndb,
			 const char *const *keys, size_t nkeys, mgen_buf *out)
{
	return build(d, columns, 1, dbs, ndb, keys, nkeys, out);
}

int mgen_wh__columns_sql(mgen_dialect d, const char *const *keys, size_t nkeys,
			 mgen_buf *out)
{
	return build(d, 1, 1, NULL, 0, keys, nkeys, out);
}

size_t mgen_wh__key_params(mgen_dialect d, const char *const *keys,
			   size_t nkeys, const char **params)
{
	const listing *l = listing_of(d);

	if (l == NULL || keys == NULL || nkeys == 0)
		return 0;
	return key_filter(l, keys, nkeys, NULL, params);
}

/* --- reading ----------------------------------------------------------- */

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

	for (i = 0; i < t->ncolumns; i++)
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
	tables_ctx x = {d,   filter,  ud,    out,
			sidecar, nrows, mgen_wh__object_types(wh)};
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
static int read_new_columns(mgen_wh *wh, const char *const *keys,
			    size_t nkeys, mgen_table **idx, size_t nidx)
{
	return read_columns(wh, keys, nkeys, idx, nidx, 0);
}

typedef int (*keyed_reader)(mgen_wh *wh, const char *const *keys,
			    size_t nkeys, mgen_table **idx, size_t nidx);

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
		mgen_table *p = realloc(out->items,
					(out->n ? out->n : 1) * sizeof(*p));
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
	for (i = 0; i < t->ncolumns; i++) {
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
