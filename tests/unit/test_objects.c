/*
 * test_objects.c - object kinds: the statement each dialect uses to
 * comment a table, view, materialized view, foreign, streaming or
 * partitioned table (golden strings, each checked against the vendor page
 * cited next to it), the kinds each listing query returns, the
 * connection-string reader and the SQLite guard against creating a
 * database, and the object_types key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "metagen/config.h"
#include "metagen/warehouse.h"
#include "warehouse/warehouse_internal.h"

#define SQLITE MGEN_DIALECT_SQLITE
#define PG MGEN_DIALECT_POSTGRESQL
#define DBX MGEN_DIALECT_DATABRICKS
#define SNOW MGEN_DIALECT_SNOWFLAKE
#define MYSQL MGEN_DIALECT_MYSQL
#define DUCK MGEN_DIALECT_DUCKDB
#define MSSQL MGEN_DIALECT_SQLSERVER

/* A one-column object "s"."v" (catalog "c") of kind `k`. */
static void object(mgen_table *t, mgen_column *c, mgen_object_kind k)
{
	memset(t, 0, sizeof(*t));
	memset(c, 0, sizeof(*c));
	t->catalog = (char *)"c";
	t->schema = (char *)"s";
	t->name = (char *)"v";
	t->kind = k;
	c->name = (char *)"x";
	t->columns = c;
	t->column_count = 1;
}

/* The table statement (column 0) or the column statement (1) for kind
 * `k` in dialect `d` must be `want`; NULL: MGEN_EUNSUPPORTED. */
static void check_ddl(mgen_dialect d, mgen_object_kind k, int column,
		      const char *want)
{
	mgen_buf b = MGEN_BUF_INIT;
	mgen_table t;
	mgen_column c;
	int rc;

	object(&t, &c, k);
	rc = column ? mgen_dialect_column_comment_ddl(d, &t, &c, "n", &b)
		    : mgen_dialect_table_comment_ddl(d, &t, "n", &b);
	if (want == NULL) {
		assert_int_equal(rc, MGEN_EUNSUPPORTED);
		assert_non_null(mgen_dialect_comment_support(d, k, column));
	} else {
		if (rc != 0)
			print_error("%s %s: rc %d\n", mgen_dialect_name(d),
				    mgen_object_kind_name(k), rc);
		assert_int_equal(rc, 0);
		assert_string_equal(mgen_buf_str(&b), want);
		assert_null(mgen_dialect_comment_support(d, k, column));
	}
	mgen_buf_release(&b);
}

/* One golden statement: dialect, kind, column (1) or table (0), the
 * statement (NULL: the dialect takes no comment there). */
typedef struct golden {
	mgen_dialect d;
	mgen_object_kind k;
	int column;
	const char *want;
} golden;

static const golden goldens[] = {
    /* PostgreSQL: https://www.postgresql.org/docs/15/sql-comment.html
     * lists TABLE, VIEW, MATERIALIZED VIEW, FOREIGN TABLE and COLUMN
     * relation_name.column_name (tables, views, materialized views,
     * foreign tables, composite types). A partitioned table is a TABLE. */
    {PG, MGEN_OBJECT_TABLE, 0, "COMMENT ON TABLE \"s\".\"v\" IS 'n';"},
    {PG, MGEN_OBJECT_PARTITIONED_TABLE, 0,
     "COMMENT ON TABLE \"s\".\"v\" IS 'n';"},
    {PG, MGEN_OBJECT_VIEW, 0, "COMMENT ON VIEW \"s\".\"v\" IS 'n';"},
    {PG, MGEN_OBJECT_MATERIALIZED_VIEW, 0,
     "COMMENT ON MATERIALIZED VIEW \"s\".\"v\" IS 'n';"},
    {PG, MGEN_OBJECT_FOREIGN_TABLE, 0,
     "COMMENT ON FOREIGN TABLE \"s\".\"v\" IS 'n';"},
    {PG, MGEN_OBJECT_VIEW, 1, "COMMENT ON COLUMN \"s\".\"v\".\"x\" IS 'n';"},
    {PG, MGEN_OBJECT_MATERIALIZED_VIEW, 1,
     "COMMENT ON COLUMN \"s\".\"v\".\"x\" IS 'n';"},
    {PG, MGEN_OBJECT_FOREIGN_TABLE, 1,
     "COMMENT ON COLUMN \"s\".\"v\".\"x\" IS 'n';"},
    /* Databricks: COMMENT ON TABLE (https://docs.databricks.com/en/sql/
     * language-manual/sql-ref-syntax-ddl-comment.html); column comments:
     * ALTER TABLE ... ALTER COLUMN (sql-ref-syntax-ddl-alter-table-manage-
     * column.html), ALTER MATERIALIZED VIEW ... ALTER COLUMN ... COMMENT
     * (sql-ref-syntax-ddl-alter-materialized-view.html), ALTER STREAMING
     * TABLE ... ALTER COLUMN ... COMMENT (sql-ref-syntax-ddl-alter-
     * streaming-table.html), COMMENT ON COLUMN for a view (DBR 16.1+).
     * Foreign tables (Lakehouse Federation) are read-only. */
    {DBX, MGEN_OBJECT_TABLE, 0, "COMMENT ON TABLE `c`.`s`.`v` IS 'n';"},
    {DBX, MGEN_OBJECT_VIEW, 0, "COMMENT ON TABLE `c`.`s`.`v` IS 'n';"},
    {DBX, MGEN_OBJECT_MATERIALIZED_VIEW, 0,
     "COMMENT ON TABLE `c`.`s`.`v` IS 'n';"},
    {DBX, MGEN_OBJECT_STREAMING_TABLE, 0,
     "COMMENT ON TABLE `c`.`s`.`v` IS 'n';"},
    {DBX, MGEN_OBJECT_TABLE, 1,
     "ALTER TABLE `c`.`s`.`v` ALTER COLUMN `x` COMMENT 'n';"},
    {DBX, MGEN_OBJECT_MATERIALIZED_VIEW, 1,
     "ALTER MATERIALIZED VIEW `c`.`s`.`v` ALTER COLUMN `x` COMMENT 'n';"},
    {DBX, MGEN_OBJECT_STREAMING_TABLE, 1,
     "ALTER STREAMING TABLE `c`.`s`.`v` ALTER COLUMN `x` COMMENT 'n';"},
    {DBX, MGEN_OBJECT_VIEW, 1, "COMMENT ON COLUMN `c`.`s`.`v`.`x` IS 'n';"},
    {DBX, MGEN_OBJECT_FOREIGN_TABLE, 0, NULL},
    {DBX, MGEN_OBJECT_FOREIGN_TABLE, 1, NULL},
    /* Snowflake COMMENT (https://docs.snowflake.com/en/sql-reference/sql/
     * comment): COMMENT ON <object_type> <name> IS '...' with TABLE,
     * VIEW, MATERIALIZED VIEW; COMMENT ON COLUMN <table>.<column>. */
    {SNOW, MGEN_OBJECT_VIEW, 0, "COMMENT ON VIEW \"c\".\"s\".\"v\" IS 'n';"},
    {SNOW, MGEN_OBJECT_MATERIALIZED_VIEW, 0,
     "COMMENT ON MATERIALIZED VIEW \"c\".\"s\".\"v\" IS 'n';"},
    {SNOW, MGEN_OBJECT_VIEW, 1,
     "COMMENT ON COLUMN \"c\".\"s\".\"v\".\"x\" IS 'n';"},
    /* DuckDB COMMENT ON (https://duckdb.org/docs/sql/statements/
     * comment_on): TABLE, VIEW, COLUMN. */
    {DUCK, MGEN_OBJECT_VIEW, 0, "COMMENT ON VIEW \"c\".\"s\".\"v\" IS 'n';"},
    {DUCK, MGEN_OBJECT_VIEW, 1,
     "COMMENT ON COLUMN \"c\".\"s\".\"v\".\"x\" IS 'n';"},
    {DUCK, MGEN_OBJECT_MATERIALIZED_VIEW, 0, NULL},
};

static void test_objects__ddl_per_kind(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++)
		check_ddl(goldens[i].d, goldens[i].k, goldens[i].column,
			  goldens[i].want);
}

/* MySQL/MariaDB: CREATE VIEW has no COMMENT clause
 * (https://dev.mysql.com/doc/refman/8.0/en/create-view.html,
 * https://mariadb.com/kb/en/create-view/); ALTER TABLE ... COMMENT on a
 * base table (https://mariadb.com/kb/en/alter-table/), named db.table
 * (https://mariadb.com/kb/en/identifier-qualifiers/). SQL Server:
 * sp_addextendedproperty @level1type N'VIEW' for a view
 * (https://learn.microsoft.com/en-us/sql/relational-databases/system-
 * stored-procedures/sp-addextendedproperty-transact-sql). SQLite: the
 * sidecar keys by name, whatever the kind. */
static void test_objects__mysql_sqlserver_sqlite_ddl(void **state)
{
	mgen_buf b = MGEN_BUF_INIT;
	mgen_table t;
	mgen_column c;

	(void)state;
	check_ddl(MYSQL, MGEN_OBJECT_VIEW, 0, NULL);
	check_ddl(MYSQL, MGEN_OBJECT_VIEW, 1, NULL);
	assert_non_null(
	    strstr(mgen_dialect_comment_support(MYSQL, MGEN_OBJECT_VIEW, 0),
		   "MySQL/MariaDB views take no comment"));
	check_ddl(MYSQL, MGEN_OBJECT_TABLE, 0,
		  "ALTER TABLE `s`.`v` COMMENT = 'n';");
	object(&t, &c, MGEN_OBJECT_VIEW);
	assert_int_equal(mgen_dialect_table_comment_ddl(MSSQL, &t, "n", &b), 0);
	assert_non_null(strstr(mgen_buf_str(&b), "@level1type=N'VIEW', "
						 "@level1name=N'v'"));
	assert_null(strstr(mgen_buf_str(&b), "N'TABLE'"));
	mgen_buf_reset(&b);
	assert_int_equal(
	    mgen_dialect_column_comment_ddl(MSSQL, &t, &c, "n", &b), 0);
	assert_non_null(strstr(mgen_buf_str(&b), "@level1type=N'VIEW'"));
	assert_non_null(strstr(mgen_buf_str(&b), "@level2type=N'COLUMN'"));
	mgen_buf_reset(&b);
	t.kind = MGEN_OBJECT_TABLE;
	assert_int_equal(mgen_dialect_table_comment_ddl(MSSQL, &t, "n", &b), 0);
	assert_non_null(strstr(mgen_buf_str(&b), "@level1type=N'TABLE'"));
	mgen_buf_release(&b);
	check_ddl(SQLITE, MGEN_OBJECT_VIEW, 0,
		  "INSERT INTO _metagen_comments (table_name, column_name, "
		  "comment) VALUES ('v', '', 'n') ON CONFLICT (table_name, "
		  "column_name) DO UPDATE SET comment = excluded.comment;");
}

/* The kinds each listing returns, from the engine's own catalog. */
static void check_listing(mgen_dialect d, const char *const *want)
{
	mgen_buf b = MGEN_BUF_INIT;

	assert_int_equal(mgen_wh__tables_sql(d, NULL, 0, &b), 0);
	for (; *want; want++) {
		if (strstr(mgen_buf_str(&b), *want) == NULL)
			print_error("%s: no \"%s\" in %s\n",
				    mgen_dialect_name(d), *want,
				    mgen_buf_str(&b));
		assert_non_null(strstr(mgen_buf_str(&b), *want));
	}
	mgen_buf_release(&b);
}

static void test_objects__listing_kinds(void **state)
{
	/* pg_class.relkind r p v m f, relispartition
	 * (https://www.postgresql.org/docs/15/catalog-pg-class.html) */
	static const char *const pg[] = {
	    "c.relkind IN ('r', 'p', 'v', 'm', 'f')",
	    "WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized_view' WHEN 'f' "
	    "THEN 'foreign_table' WHEN 'p' THEN 'partitioned_table'",
	    "c.relispartition::int, (NOT c.relispopulated)::int", NULL};
	/* sqlite_master.type (https://www.sqlite.org/schematab.html) */
	static const char *const sqlite[] = {"m.type IN ('table', 'view')",
					     "m.name NOT LIKE 'sqlite\\_%'",
					     NULL};
	/* information_schema.tables TABLE_TYPE (https://mariadb.com/kb/en/
	 * information-schema-tables-table/): SYSTEM VERSIONED kept, a
	 * view's TABLE_COMMENT ('VIEW') is no comment, DATABASE() scope */
	static const char *const mysql[] = {
	    "table_type IN ('BASE TABLE', 'SYSTEM VERSIONED', 'VIEW')",
	    "CASE WHEN table_type = 'VIEW' THEN NULL",
	    " AND (DATABASE() IS NULL OR table_schema = DATABASE()) ORDER BY",
	    NULL};
	/* Databricks information_schema.tables TABLE_TYPE
	 * (https://docs.databricks.com/en/sql/language-manual/information-
	 * schema/tables.html) */
	static const char *const dbx[] = {
	    "'STREAMING_TABLE' THEN 'streaming_table'",
	    "'FOREIGN' THEN 'foreign_table'",
	    "'MATERIALIZED_VIEW' THEN 'materialized_view'", NULL};
	/* Snowflake INFORMATION_SCHEMA.TABLES (https://docs.snowflake.com/
	 * en/sql-reference/info-schema/tables) */
	static const char *const snow[] = {
	    "table_type IN ('BASE TABLE', 'VIEW', 'MATERIALIZED VIEW')", NULL};
	/* duckdb_views() (https://duckdb.org/docs/sql/meta/
	 * duckdb_table_functions) */
	static const char *const duck[] = {
	    "FROM duckdb_views() WHERE NOT internal) o WHERE true", NULL};
	/* sys.objects type U, V (https://learn.microsoft.com/en-us/sql/
	 * relational-databases/system-catalog-views/sys-objects-transact-sql)
	 */
	static const char *const mssql[] = {"t.type IN ('U', 'V')",
					    "WHEN 'V' THEN 'view'", NULL};
	mgen_buf b = MGEN_BUF_INIT;
	const char *keys[] = {"", "db", "t"};

	(void)state;
	check_listing(PG, pg);
	check_listing(SQLITE, sqlite);
	check_listing(MYSQL, mysql);
	check_listing(DBX, dbx);
	check_listing(SNOW, snow);
	check_listing(DUCK, duck);
	check_listing(MSSQL, mssql);
	/* every database when asked, and a named table is found anywhere */
	assert_int_equal(mgen_wh__tables_sql_all(MYSQL, &b), 0);
	assert_null(strstr(mgen_buf_str(&b), "DATABASE()"));
	mgen_buf_reset(&b);
	assert_int_equal(mgen_wh__tables_sql(MYSQL, keys, 1, &b), 0);
	assert_null(strstr(mgen_buf_str(&b), "DATABASE()"));
	/* the columns query covers the same kinds */
	mgen_buf_reset(&b);
	assert_int_equal(mgen_wh__columns_sql(MSSQL, NULL, 0, &b), 0);
	assert_non_null(strstr(mgen_buf_str(&b), "t.type IN ('U', 'V')"));
	mgen_buf_release(&b);
}

/* Snowflake: each database through its own INFORMATION_SCHEMA ("Each
 * database created in your account automatically includes a built-in,
 * read-only schema named INFORMATION_SCHEMA"; the unqualified one needs a
 * current database: https://docs.snowflake.com/en/sql-reference/
 * info-schema), one UNION ALL branch each in a derived table the keys and
 * the order apply to; database names quoted as SHOW DATABASES gives them
 * (https://docs.snowflake.com/en/sql-reference/identifiers-syntax). */
static void test_objects__snowflake_databases(void **state)
{
	const char *dbs[] = {"SALES", "hr\"db"};
	const char *keys[] = {"SALES", "PUBLIC", "ORDERS", "hr\"db", "X", "T"};
	char g1[] = "SALES", g2[] = "hr\"db", *globs[] = {g1, g2};
	mgen_buf b = MGEN_BUF_INIT;
	mgen_strglobs g = {globs, 2, 0};

	(void)state;
	assert_int_equal(mgen_wh__listing_sql(SNOW, 0, dbs, 2, NULL, 0, &b), 0);
	assert_string_equal(
	    mgen_buf_str(&b),
	    "SELECT * FROM (SELECT table_catalog, table_schema, table_name, "
	    "comment, CASE table_type WHEN 'VIEW' THEN 'view' WHEN "
	    "'MATERIALIZED VIEW' THEN 'materialized_view' ELSE 'table' END, 0, "
	    "0 FROM \"SALES\".information_schema.tables WHERE table_type IN "
	    "('BASE TABLE', 'VIEW', 'MATERIALIZED VIEW') AND table_schema <> "
	    "'INFORMATION_SCHEMA' UNION ALL SELECT table_catalog, "
	    "table_schema, table_name, comment, CASE table_type WHEN 'VIEW' "
	    "THEN 'view' WHEN 'MATERIALIZED VIEW' THEN 'materialized_view' "
	    "ELSE 'table' END, 0, 0 FROM "
	    "\"hr\"\"db\".information_schema.tables "
	    "WHERE table_type IN ('BASE TABLE', 'VIEW', 'MATERIALIZED VIEW') "
	    "AND table_schema <> 'INFORMATION_SCHEMA') o WHERE true ORDER BY "
	    "table_catalog, table_schema, table_name");
	mgen_buf_reset(&b);
	assert_int_equal(mgen_wh__listing_sql(SNOW, 1, dbs, 2, keys, 2, &b), 0);
	assert_non_null(strstr(mgen_buf_str(&b),
			       "FROM \"SALES\".information_schema.columns "
			       "WHERE table_schema <> 'INFORMATION_SCHEMA' "
			       "UNION ALL "));
	assert_non_null(strstr(
	    mgen_buf_str(&b),
	    ") o WHERE true AND ((table_catalog = ? AND table_schema = ? AND "
	    "table_name IN (?)) OR (table_catalog = ? AND table_schema = ? "
	    "AND table_name IN (?))) ORDER BY table_catalog"));
	/* the literal 'INFORMATION_SCHEMA' is not a FROM to qualify */
	assert_null(strstr(mgen_buf_str(&b), ".'INFORMATION_SCHEMA'"));
	mgen_buf_release(&b);
	/* globs over database names, case-insensitive */
	assert_int_equal(mgen_wh__globs_match(&g, "sales"), 1);
	globs[0] = (char[]){"PROD_*"};
	assert_int_equal(mgen_wh__globs_match(&g, "prod_eu"), 1);
	assert_int_equal(mgen_wh__globs_match(&g, "DEV_EU"), 0);
	assert_int_equal(mgen_wh__globs_match(&g, "HR\"DB"), 1);
}

/* The kind names round-trip; unknown names are -1. */
static void test_objects__kind_names(void **state)
{
	int k;

	(void)state;
	for (k = 0; k <= MGEN_OBJECT_PARTITIONED_TABLE; k++)
		assert_int_equal(
		    mgen_object_kind_from_name(
			mgen_object_kind_name((mgen_object_kind)k)),
		    k);
	assert_int_equal(mgen_object_kind_from_name("VIEW"), MGEN_OBJECT_VIEW);
	assert_int_equal(mgen_object_kind_from_name(""), MGEN_OBJECT_TABLE);
	assert_int_equal(mgen_object_kind_from_name("index"), -1);
	assert_string_equal(mgen_object_kind_name((mgen_object_kind)99), "");
}

/* ODBC connection-string attributes: case-insensitive keys, braces,
 * "}}" escapes, blanks. */
static void test_objects__conn_attr(void **state)
{
	char *v = NULL;

	(void)state;
	assert_int_equal(mgen_wh__conn_attr("Driver=SQLite3;DATABASE=/a/b.db",
					    "database", &v),
			 1);
	assert_string_equal(v, "/a/b.db");
	free(v);
	assert_int_equal(mgen_wh__conn_attr(" Driver = x ; Database={/a;b}}c}"
					    ";Pwd=p",
					    "database", &v),
			 1);
	assert_string_equal(v, "/a;b}c");
	free(v);
	assert_int_equal(
	    mgen_wh__conn_attr("Pwd={a;Database=/x};Driver=y", "database", &v),
	    0);
	assert_null(v);
	assert_int_equal(mgen_wh__conn_attr("", "database", &v), 0);
	assert_int_equal(mgen_wh__conn_attr("garbage", "database", &v), 0);
}

/* A SQLite Database= that does not exist is an error, and no file is
 * made; an existing file gets NoCreat=1; :memory: and URIs pass. */
static void test_objects__sqlite_guard(void **state)
{
	char dir[] = "/tmp/mgen_obj_XXXXXX", path[128], cs[256];
	char *out = NULL;
	mgen_err err = MGEN_ERR_INIT;
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/missing.db", dir);
	snprintf(cs, sizeof(cs), "Driver=SQLite3;Database=%s", path);
	assert_int_equal(
	    mgen_wh__sqlite_guard(cs, MGEN_DIALECT_AUTO, &out, &err), MGEN_EDB);
	assert_null(out);
	assert_non_null(strstr(err.msg, "does not exist"));
	assert_non_null(strstr(err.msg, path));
	/* through the connection too: nothing created */
	assert_int_equal(
	    mgen_wh_connect(cs, MGEN_DIALECT_AUTO, (mgen_wh **)&out, &err),
	    MGEN_EDB);
	assert_int_equal(stat(path, &st), -1);
	/* a folder */
	memset(&err, 0, sizeof(err));
	snprintf(cs, sizeof(cs), "Driver={SQLite3};Database=%s", dir);
	assert_int_equal(
	    mgen_wh__sqlite_guard(cs, MGEN_DIALECT_AUTO, &out, &err), MGEN_EDB);
	assert_non_null(strstr(err.msg, "is a folder"));
	/* an existing file: NoCreat=1 added */
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(cs, sizeof(cs), "Driver=SQLite3;Database=%s;", path);
	assert_int_equal(
	    mgen_wh__sqlite_guard(cs, MGEN_DIALECT_AUTO, &out, &err), 0);
	assert_non_null(out);
	assert_non_null(strstr(out, ";NoCreat=1"));
	assert_null(strstr(out, ";;"));
	free(out);
	/* the caller's own NoCreat, :memory:, a URI, another driver */
	assert_int_equal(mgen_wh__sqlite_guard("Driver=SQLite3;Database=/no/"
					       "x.db;nocreat=0",
					       MGEN_DIALECT_AUTO, &out, &err),
			 MGEN_EDB);
	assert_int_equal(mgen_wh__sqlite_guard("Driver=SQLite3;Database=:"
					       "memory:",
					       MGEN_DIALECT_AUTO, &out, &err),
			 0);
	assert_non_null(strstr(out, "NoCreat=1"));
	free(out);
	assert_int_equal(mgen_wh__sqlite_guard("Driver=SQLite3;Database=file:"
					       "/no/x.db?mode=ro",
					       MGEN_DIALECT_AUTO, &out, &err),
			 0);
	free(out);
	assert_int_equal(mgen_wh__sqlite_guard("Driver=PostgreSQL Unicode;"
					       "Database=/no/such",
					       MGEN_DIALECT_AUTO, &out, &err),
			 0);
	assert_null(out);
	/* a DSN with --dialect sqlite and a visible Database= */
	assert_int_equal(mgen_wh__sqlite_guard("DSN=x;Database=/no/such.db",
					       MGEN_DIALECT_SQLITE, &out, &err),
			 MGEN_EDB);
	remove(path);
	rmdir(dir);
}

/* object_types takes only its words, from every source. */
static void test_objects__object_types_key(void **state)
{
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(mgen_config_init(&cfg), 0);
	assert_int_equal(cfg.object_types.n, 4);
	assert_int_equal(mgen_config_set(&cfg, "object-types",
					 "views, Partitions", 1,
					 "--object-types", &err),
			 0);
	assert_int_equal(cfg.object_types.n, 2);
	assert_int_equal(mgen_config_set(&cfg, "object_types", "views,index", 1,
					 "f.yaml:3", &err),
			 MGEN_ECONFIG);
	assert_non_null(strstr(err.msg, "f.yaml:3: object_types: expected "
					"items of tables|views|"));
	assert_non_null(strstr(err.msg, "got 'index'"));
	assert_int_equal(cfg.object_types.n, 2); /* unchanged */
	mgen_config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_objects__ddl_per_kind),
	    cmocka_unit_test(test_objects__mysql_sqlserver_sqlite_ddl),
	    cmocka_unit_test(test_objects__listing_kinds),
	    cmocka_unit_test(test_objects__snowflake_databases),
	    cmocka_unit_test(test_objects__kind_names),
	    cmocka_unit_test(test_objects__conn_attr),
	    cmocka_unit_test(test_objects__sqlite_guard),
	    cmocka_unit_test(test_objects__object_types_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
