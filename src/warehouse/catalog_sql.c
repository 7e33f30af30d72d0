/*
 * catalog_sql.c - the catalog SQL of each dialect: the tables query and
 * the columns query (catalog.c runs them), with the WHERE clause that
 * keeps the named tables (their names bound as parameters, never spliced
 * into the text) and, on Snowflake, one query per named database.
 *
 * The columns query's rows: catalog, schema, table, ordinal, column,
 * type, comment and the type facts (stat_caps.c decides the statistics
 * from them: PostgreSQL letters worked out from pg_type, pg_opclass and
 * pg_aggregate; MySQL DATA_TYPE; SQL Server the system type; SQLite the
 * table's pragma_table_list type and wr, "table:0" for a rowid table).
 */
#include <stdlib.h>
#include <string.h>

#include "metagen/warehouse.h"
#include "util/util.h"
#include "warehouse/warehouse_internal.h"

/* One dialect's listing SQL; the key expressions name the catalog (NULL
 * when the connection fixes it), schema (NULL: fixed) and table in both
 * queries' WHERE clauses. The tables query's rows are: catalog, schema,
 * table, comment, kind (an mgen_object_kind name), 1 for a partition of
 * a partitioned table, 1 for an object with no data to read (a
 * materialized view never refreshed); `home` (or NULL) is the condition that
 * keeps the connection's own database only (mgen_wh_set_home_only). */
typedef struct listing {
	const char *tables, *tables_order;
	const char *columns, *columns_order;
	const char *kcat, *ksch, *ktab;
	const char *home;
} listing;

/* PostgreSQL: tables (r), partitioned tables (p), views (v),
 * materialized views (m) and foreign tables (f); pg_class.relkind and
 * relispartition per https://www.postgresql.org/docs/15/catalog-pg-class.html
 */
#define PG_REL                                                                 \
	"c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT "            \
	"IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE "      \
	"'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
#define PG_KIND                                                                \
	"CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN "                   \
	"'materialized_view' WHEN 'f' THEN 'foreign_table' WHEN 'p' THEN "     \
	"'partitioned_table' ELSE 'table' END, c.relispartition::int, "        \
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
 * (pragma_table_list type 'shadow') are the virtual tables' storage.
 * pragma_table_list is read once per statement (an uncorrelated NOT IN,
 * a MATERIALIZED CTE): called per row with the table's name it cost
 * O(tables) each, 7 s of CPU for a 10,000-table listing. */
#define SQLITE_REL                                                             \
	"m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' "        \
	"ESCAPE '\\' AND m.name NOT IN (SELECT l.name FROM pragma_table_list " \
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
	 "WITH tl(name, kind) AS MATERIALIZED (SELECT name, type || ':' || "
	 "wr FROM pragma_table_list WHERE schema = 'main') "
	 "SELECT '', 'main', m.name, p.cid + 1, p.name, p.type, NULL, "
	 "(SELECT tl.kind FROM tl WHERE tl.name = m.name) FROM sqlite_master "
	 "m JOIN pragma_table_info(m.name) p WHERE " SQLITE_REL,
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
     * https://dev.mysql.com/doc/refman/8.0/en/information-schema-tables-table.html)
     */
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
static int build(mgen_dialect d, int columns, int home, const char *const *dbs,
		 size_t ndb, const char *const *keys, size_t nkeys,
		 mgen_buf *out)
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

int mgen_wh__listing_sql(mgen_dialect d, int columns, const char *const *dbs,
			 size_t ndb, const char *const *keys, size_t nkeys,
			 mgen_buf *out)
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
