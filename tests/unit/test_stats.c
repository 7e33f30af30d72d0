/*
 * test_stats.c - what the statistics query computes per column in every
 * dialect (mgen_dialect_column_stats from each catalog's type facts), the
 * statistics SQL for the types that need care (spatial, legacy LOBs, CLR,
 * semi-structured, nested), column ranges, and live on SQLite through its
 * ODBC driver: a 1,000-column table in several statements, WITHOUT ROWID
 * and FTS5/R*Tree virtual tables sampled, shadow tables not listed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "metagen/warehouse.h"
#include "sqlite_fixture.h"
#include "warehouse/warehouse_internal.h"

#define SQLITE MGEN_DIALECT_SQLITE
#define PG MGEN_DIALECT_POSTGRESQL
#define DBX MGEN_DIALECT_DATABRICKS
#define SNOW MGEN_DIALECT_SNOWFLAKE
#define MYSQL MGEN_DIALECT_MYSQL
#define DUCK MGEN_DIALECT_DUCKDB
#define MSSQL MGEN_DIALECT_SQLSERVER

#define K MGEN_STATS_KNOWN
#define MM MGEN_STATS_MINMAX
#define ORD MGEN_STATS_ORDERED
#define DI MGEN_STATS_DISTINCT
#define DT MGEN_STATS_DISTINCT_TEXT
#define AL MGEN_STATS_AVGLEN
#define BI MGEN_STATS_BINARY
#define IC MGEN_STATS_INT_CAST

static unsigned caps(mgen_dialect d, const char *type, const char *facts)
{
	return mgen_dialect_column_stats(d, type, facts);
}

static void test_stats__sqlite_affinity(void **state)
{
	(void)state;
	/* sqlite.org/datatype3.html 3.1, rules in order */
	assert_int_equal(caps(SQLITE, "INTEGER", NULL), K | MM | DI);
	assert_int_equal(caps(SQLITE, "TINYINT", NULL), K | MM | DI);
	/* "FLOATING POINT" holds "INT": integer affinity (rule 1 wins) */
	assert_int_equal(caps(SQLITE, "FLOATING POINT", NULL), K | MM | DI);
	assert_int_equal(caps(SQLITE, "NATIVE CHARACTER(70)", NULL),
			 K | MM | DI | AL);
	assert_int_equal(caps(SQLITE, "clob", NULL), K | MM | DI | AL);
	assert_int_equal(caps(SQLITE, "BLOB", NULL), K | BI | DI);
	/* no type: any value, and every SQLite value compares */
	assert_int_equal(caps(SQLITE, "", NULL), K | MM | DI);
	assert_int_equal(caps(SQLITE, NULL, NULL), K | MM | DI);
	assert_int_equal(caps(SQLITE, "DOUBLE PRECISION", NULL), K | MM | DI);
	assert_int_equal(caps(SQLITE, "BOOLEAN", NULL), K | MM | DI);
	assert_int_equal(caps(SQLITE, "some type", NULL), K | MM | DI);
}

static void test_stats__postgresql_facts(void **state)
{
	(void)state;
	assert_int_equal(caps(PG, "integer", "md"), K | MM | DI);
	assert_int_equal(caps(PG, "uuid", "od"), K | ORD | DI);
	assert_int_equal(caps(PG, "character varying(3)", "mdl"),
			 K | MM | DI | AL);
	assert_int_equal(caps(PG, "xid", "t"), K | DT);
	assert_int_equal(caps(PG, "json", ""), K);
	assert_int_equal(caps(PG, "bytea", "odb"), K | ORD | DI | BI);
	/* the declared name never decides: the facts do */
	assert_int_equal(caps(PG, "integer", ""), K);
	assert_int_equal(caps(PG, "json", "md"), K | MM | DI);
	/* unknown letters are ignored */
	assert_int_equal(caps(PG, "x", "zm?"), K | MM);
	/* not listed: a distinct count through text only */
	assert_int_equal(caps(PG, "integer", NULL), K | DT);
}

static void test_stats__mysql_data_type(void **state)
{
	static const char *const spatial[] = {
	    "geometry",	    "point",	    "linestring",	  "polygon",
	    "multipoint",   "multilinestring", "multipolygon",
	    "geometrycollection", "geomcollection"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(spatial) / sizeof(spatial[0]); i++)
		assert_int_equal(caps(MYSQL, "whatever", spatial[i]), K);
	/* the DATA_TYPE decides, not COLUMN_TYPE */
	assert_int_equal(caps(MYSQL, "varchar(20)", "varchar"),
			 K | MM | DI | AL);
	assert_int_equal(caps(MYSQL, "enum('a','b')", "enum"),
			 K | MM | DI | AL);
	assert_int_equal(caps(MYSQL, "longblob", "longblob"), K | BI | DI);
	assert_int_equal(caps(MYSQL, "json", "json"), K | DI);
	assert_int_equal(caps(MYSQL, "int(11) unsigned", "int"), K | MM | DI);
	assert_int_equal(caps(MYSQL, "bit(3)", "bit"), K | MM | DI);
	/* MariaDB's JSON is a LONGTEXT */
	assert_int_equal(caps(MYSQL, "longtext", "longtext"),
			 K | MM | DI | AL);
}

static void test_stats__sqlserver_system_type(void **state)
{
	static const char *const none[] = {"text", "ntext", "image", "xml",
					   "geography", "geometry"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		assert_int_equal(caps(MSSQL, "my_alias", none[i]), K);
	assert_int_equal(caps(MSSQL, "hierarchyid", "hierarchyid"), K | DI);
	assert_int_equal(caps(MSSQL, "sql_variant", "sql_variant"), K | DI);
	assert_int_equal(caps(MSSQL, "bit", "bit"), K | MM | DI | IC);
	assert_int_equal(caps(MSSQL, "varbinary", "varbinary"), K | BI | DI);
	assert_int_equal(caps(MSSQL, "rowversion", "timestamp"), K | BI | DI);
	/* an alias type over nvarchar gets what nvarchar gets */
	assert_int_equal(caps(MSSQL, "Name", "nvarchar"), K | MM | DI | AL);
	assert_int_equal(caps(MSSQL, "uniqueidentifier", "uniqueidentifier"),
			 K | MM | DI);
	/* a user CLR type: counts only */
	assert_int_equal(caps(MSSQL, "MyClrType", "MyClrType"), K);
}

static void test_stats__cloud_and_duckdb(void **state)
{
	static const char *const snow_none[] = {"VARIANT",   "OBJECT",
						"ARRAY",     "GEOGRAPHY",
						"GEOMETRY",  "VECTOR(INT, 3)"};
	static const char *const dbx_none[] = {
	    "struct<a:int,b:string>", "map<string,int>", "array<string>",
	    "variant", "STRUCT<a: INT>"};
	static const char *const duck_none[] = {
	    "STRUCT(a INTEGER, b VARCHAR)", "MAP(VARCHAR, INTEGER)",
	    "UNION(n INTEGER, s VARCHAR)", "INTEGER[]", "VARCHAR[3]",
	    "STRUCT(a INTEGER)[]"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(snow_none) / sizeof(snow_none[0]); i++)
		assert_int_equal(caps(SNOW, NULL, snow_none[i]), K);
	assert_int_equal(caps(SNOW, NULL, "TEXT"), K | MM | DI | AL);
	assert_int_equal(caps(SNOW, NULL, "BINARY"), K | BI | DI);
	assert_int_equal(caps(SNOW, NULL, "NUMBER"), K | MM | DI);
	for (i = 0; i < sizeof(dbx_none) / sizeof(dbx_none[0]); i++)
		assert_int_equal(caps(DBX, NULL, dbx_none[i]), K);
	assert_int_equal(caps(DBX, NULL, "binary"), K | BI | DI);
	assert_int_equal(caps(DBX, NULL, "string"), K | MM | DI | AL);
	assert_int_equal(caps(DBX, NULL, "decimal(10,2)"), K | MM | DI);
	for (i = 0; i < sizeof(duck_none) / sizeof(duck_none[0]); i++)
		assert_int_equal(caps(DUCK, NULL, duck_none[i]), K);
	assert_int_equal(caps(DUCK, NULL, "BLOB"), K | BI | DI);
	assert_int_equal(caps(DUCK, NULL, "VARCHAR"), K | MM | DI | AL);
	assert_int_equal(caps(DUCK, NULL, "DECIMAL(18,3)"), K | MM | DI);
}

/* A table of `n` columns named c0.. with types (and facts) from lists. */
static void make(mgen_table *t, mgen_dialect d, const char *const *types,
		 const char *const *facts, size_t n)
{
	mgen_column *c;
	size_t i;
	char name[16];

	memset(t, 0, sizeof(*t));
	t->catalog = strdup(d == MYSQL ? "" : "k"); /* as listed */
	t->schema = strdup("s");
	t->name = strdup("t");
	for (i = 0; i < n; i++) {
		assert_int_equal(mgen_table_add_column(t, &c), 0);
		snprintf(name, sizeof(name), "c%zu", i);
		c->name = strdup(name);
		c->data_type = strdup(types[i]);
		c->stats = mgen_dialect_column_stats(d, types[i],
						     facts ? facts[i] : NULL);
	}
}

static void check_sql(mgen_dialect d, const char *const *types,
		      const char *const *facts, size_t n, const char *want)
{
	mgen_table t;
	mgen_buf b = MGEN_BUF_INIT;

	make(&t, d, types, facts, n);
	assert_int_equal(mgen_dialect_stats_sql(d, &t, 1, &b), 0);
	assert_string_equal(mgen_buf_str(&b), want);
	mgen_table_release(&t);
	mgen_buf_release(&b);
}

static void test_stats__sql_per_dialect(void **state)
{
	static const char *const my_t[] = {"linestring", "json", "varchar(5)"};
	static const char *const my_f[] = {"linestring", "json", "varchar"};
	static const char *const ms_t[] = {"ntext", "bit", "hierarchyid"};
	static const char *const sf_t[] = {"VARIANT", "GEOGRAPHY", "TEXT"};
	static const char *const dx_t[] = {"struct<a:int>", "binary", "int"};
	static const char *const dk_t[] = {"INTEGER[]", "MAP(VARCHAR, INT)",
					   "BIGINT"};
	static const char *const pg_t[] = {"xid", "int4range", "point"};
	static const char *const pg_f[] = {"t", "od", ""};

	(void)state;
	check_sql(MYSQL, my_t, my_f, 3,
		  "SELECT COUNT(*), COUNT(`c0`), NULL, NULL, NULL, NULL, "
		  "COUNT(`c1`), COUNT(DISTINCT `c1`), NULL, NULL, NULL, "
		  "COUNT(`c2`), COUNT(DISTINCT `c2`), CAST(MIN(`c2`) AS CHAR), "
		  "CAST(MAX(`c2`) AS CHAR), AVG(CHAR_LENGTH(`c2`)) FROM "
		  "`s`.`t`");
	check_sql(MSSQL, ms_t, ms_t, 3,
		  "SELECT COUNT_BIG(*), COUNT_BIG([c0]), NULL, NULL, NULL, "
		  "NULL, COUNT_BIG([c1]), COUNT_BIG(DISTINCT [c1]), "
		  "CAST(MIN(CAST([c1] AS int)) AS NVARCHAR(4000)), "
		  "CAST(MAX(CAST([c1] AS int)) AS NVARCHAR(4000)), NULL, "
		  "COUNT_BIG([c2]), COUNT_BIG(DISTINCT [c2]), NULL, NULL, NULL "
		  "FROM [k].[s].[t]");
	check_sql(SNOW, sf_t, sf_t, 3,
		  "SELECT COUNT(*), COUNT(\"c0\"), NULL, NULL, NULL, NULL, "
		  "COUNT(\"c1\"), NULL, NULL, NULL, NULL, COUNT(\"c2\"), "
		  "APPROX_COUNT_DISTINCT(\"c2\"), CAST(MIN(\"c2\") AS VARCHAR), "
		  "CAST(MAX(\"c2\") AS VARCHAR), AVG(LENGTH(\"c2\")) FROM "
		  "\"k\".\"s\".\"t\"");
	check_sql(DBX, dx_t, dx_t, 3,
		  "SELECT COUNT(*), COUNT(`c0`), NULL, NULL, NULL, NULL, "
		  "COUNT(`c1`), approx_count_distinct(`c1`), NULL, NULL, NULL, "
		  "COUNT(`c2`), approx_count_distinct(`c2`), CAST(MIN(`c2`) AS "
		  "STRING), CAST(MAX(`c2`) AS STRING), NULL FROM `k`.`s`.`t`");
	check_sql(DUCK, dk_t, dk_t, 3,
		  "SELECT COUNT(*), COUNT(\"c0\"), NULL, NULL, NULL, NULL, "
		  "COUNT(\"c1\"), NULL, NULL, NULL, NULL, COUNT(\"c2\"), "
		  "approx_count_distinct(\"c2\"), CAST(MIN(\"c2\") AS VARCHAR), "
		  "CAST(MAX(\"c2\") AS VARCHAR), NULL FROM \"k\".\"s\".\"t\"");
	check_sql(PG, pg_t, pg_f, 3,
		  "SELECT COUNT(*), COUNT(\"c0\"), COUNT(DISTINCT CAST(\"c0\" "
		  "AS text)), NULL, NULL, NULL, COUNT(\"c1\"), COUNT(DISTINCT "
		  "\"c1\"), CAST(percentile_disc(0) WITHIN GROUP (ORDER BY "
		  "\"c1\") AS text), CAST(percentile_disc(1) WITHIN GROUP "
		  "(ORDER BY \"c1\") AS text), NULL, COUNT(\"c2\"), NULL, NULL, "
		  "NULL, NULL FROM \"s\".\"t\"");
}

static void test_stats__ranges_and_drop(void **state)
{
	static const char *const t4[] = {"INTEGER", "TEXT", "BLOB", "REAL"};
	unsigned char drop[4] = {0, 1, 0, 0};
	mgen_table t;
	mgen_buf b = MGEN_BUF_INIT;

	(void)state;
	make(&t, SQLITE, t4, NULL, 4);
	assert_int_equal(mgen_wh__stats_sql(SQLITE, &t, 1, 3, 1, drop, &b),
			 0);
	assert_string_equal(mgen_buf_str(&b),
			    "SELECT COUNT(*), COUNT(\"c1\"), NULL, NULL, NULL, "
			    "NULL, COUNT(\"c2\"), COUNT(DISTINCT \"c2\"), NULL, "
			    "NULL, NULL FROM \"k\".\"s\".\"t\"");
	mgen_buf_reset(&b);
	assert_int_equal(mgen_wh__stats_sql(SQLITE, &t, 3, 5, 1, NULL, &b),
			 MGEN_EINVAL);
	assert_int_equal(mgen_wh__stats_sql(SQLITE, &t, 2, 1, 1, NULL, &b),
			 MGEN_EINVAL);
	mgen_buf_reset(&b);
	assert_int_equal(mgen_wh__stats_sql(SQLITE, &t, 4, 4, 1, NULL, &b),
			 0);
	assert_string_equal(mgen_buf_str(&b),
			    "SELECT COUNT(*) FROM \"k\".\"s\".\"t\"");
	assert_int_equal(mgen_wh__max_select(PG), 1664);
	assert_int_equal(mgen_wh__max_select(SQLITE), 2000);
	assert_int_equal(mgen_wh__max_select(MYSQL), 4096);
	mgen_table_release(&t);
	mgen_buf_release(&b);
}

/* --- live on SQLite ------------------------------------------------------ */

static char dbpath[300];

/* A 1,000-column table (5,001 statistics expressions: 3 statements), a
 * WITHOUT ROWID table, FTS5 and R*Tree virtual tables with their shadow
 * tables, and a user table whose name only looks like a shadow's. */
static void make_db(void)
{
	sqlite3 *db;
	mgen_buf b = MGEN_BUF_INIT;
	int i;

	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	mgen_buf_puts(&b, "CREATE TABLE wide (");
	for (i = 0; i < 1000; i++)
		mgen_buf_printf(&b, "%sc%d %s", i ? ", " : "", i,
				i % 3 == 0 ? "INTEGER" : "TEXT");
	mgen_buf_puts(&b, ")");
	sql_ok(db, mgen_buf_str(&b));
	sql_ok(db, "INSERT INTO wide (c0, c1, c999) VALUES (1, 'a', 'z'), "
		   "(2, 'b', NULL), (2, NULL, NULL)");
	sql_ok(db, "CREATE TABLE norowid (k TEXT PRIMARY KEY, v INT) "
		   "WITHOUT ROWID");
	sql_ok(db, "INSERT INTO norowid VALUES ('alpha', 1), ('beta', 2)");
	sql_ok(db, "CREATE VIRTUAL TABLE docs USING fts5(title, body)");
	sql_ok(db, "INSERT INTO docs VALUES ('hello', 'world')");
	sql_ok(db, "CREATE VIRTUAL TABLE box USING rtree(id, x0, x1)");
	sql_ok(db, "INSERT INTO box VALUES (1, 0.5, 1.5)");
	sql_ok(db, "CREATE TABLE notes_data (x INTEGER)");
	sqlite3_close(db);
	mgen_buf_release(&b);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/metagen-stats.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/zoo.db", tmpdir);
	snprintf(connstr, sizeof(connstr), "Driver=SQLite3;Database=%s",
		 dbpath);
	make_db();
	return 0;
}

static void test_stats__sqlite_live(void **state)
{
	mgen_profile_options o = MGEN_PROFILE_OPTIONS_INIT;
	mgen_wh *wh = connect_sqlite();
	mgen_table_list l = {NULL, 0, 0};
	mgen_table *t;
	unsigned long q0;

	(void)state;
	assert_int_equal(mgen_wh_list_tables(wh, NULL, NULL, &l), 0);
	/* docs_data, docs_idx, docs_content, docs_docsize, docs_config,
	 * box_node, box_parent, box_rowid are the engine's */
	assert_int_equal(l.n, 5);
	assert_non_null(find(&l, "notes_data"));
	assert_null(find(&l, "docs_data"));
	assert_null(find(&l, "box_node"));
	/* the wide table: 1 + 5 * 1000 expressions in 3 statements */
	t = find(&l, "wide");
	assert_int_equal(t->column_count, 1000);
	assert_int_equal(t->no_rowid, 0);
	q0 = mgen_wh_query_count(wh);
	assert_int_equal(mgen_wh_profile(wh, t, &o), 0);
	assert_int_equal(mgen_wh_query_count(wh) - q0, 3 + 1);
	assert_int_equal(t->row_count, 3);
	assert_int_equal(t->columns[0].distinct_count, 2);
	assert_int_equal(t->columns[0].distinct_approx, 0);
	assert_string_equal(t->columns[0].max_value, "2");
	assert_int_equal(t->columns[999].non_null_count, 1);
	assert_string_equal(t->columns[999].min_value, "z");
	assert_true(t->columns[1].avg_length == 1.0);
	assert_null(t->profile_note);
	assert_int_equal(t->sample_row_count, 3);
	/* no rowid to sample by: sampled all the same */
	t = find(&l, "norowid");
	assert_int_equal(t->no_rowid, 1);
	q0 = mgen_wh_query_count(wh);
	assert_int_equal(mgen_wh_profile(wh, t, &o), 0);
	assert_int_equal(mgen_wh_query_count(wh) - q0, 2);
	assert_int_equal(t->sample_row_count, 2);
	assert_string_equal(t->columns[0].min_value, "alpha");
	t = find(&l, "docs");
	assert_int_equal(t->no_rowid, 1);
	assert_int_equal(mgen_wh_profile(wh, t, &o), 0);
	assert_int_equal(t->sample_row_count, 1);
	assert_int_equal(mgen_wh_profile(wh, find(&l, "box"), &o), 0);
	assert_int_equal(find(&l, "box")->sample_row_count, 1);
	mgen_table_list_release(&l);
	mgen_wh_close(wh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stats__sqlite_affinity),
	    cmocka_unit_test(test_stats__postgresql_facts),
	    cmocka_unit_test(test_stats__mysql_data_type),
	    cmocka_unit_test(test_stats__sqlserver_system_type),
	    cmocka_unit_test(test_stats__cloud_and_duckdb),
	    cmocka_unit_test(test_stats__sql_per_dialect),
	    cmocka_unit_test(test_stats__ranges_and_drop),
	    cmocka_unit_test_setup_teardown(test_stats__sqlite_live, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
