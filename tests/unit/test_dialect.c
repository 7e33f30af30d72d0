/*
 * test_dialect.c - golden strings for the per-dialect SQL builders:
 * quoting, string literals, names, comment DDL, statistics and sample
 * queries, listing queries, and dialect name parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metagen/warehouse.h"
#include "warehouse/warehouse_internal.h"

#define SQLITE MGEN_DIALECT_SQLITE
#define PG MGEN_DIALECT_POSTGRESQL
#define DBX MGEN_DIALECT_DATABRICKS
#define SNOW MGEN_DIALECT_SNOWFLAKE
#define MYSQL MGEN_DIALECT_MYSQL
#define DUCK MGEN_DIALECT_DUCKDB
#define MSSQL MGEN_DIALECT_SQLSERVER

static void check_ident(mgen_dialect d, const char *in, const char *want)
{
	mgen_buf b = MGEN_BUF_INIT;

	assert_int_equal(mgen_dialect_quote_ident(d, in, &b), 0);
	assert_string_equal(mgen_buf_str(&b), want);
	mgen_buf_release(&b);
}

static void check_lit(mgen_dialect d, const char *in, const char *want)
{
	mgen_buf b = MGEN_BUF_INIT;

	assert_int_equal(mgen_dialect_string_literal(d, in, &b), 0);
	assert_string_equal(mgen_buf_str(&b), want);
	mgen_buf_release(&b);
}

/* A table fixture: `cat`.`sch`.`orders` with four typed columns. */
static void make_table(mgen_table *t, const char *cat, const char *sch,
		       const char *name, const char *const *cols,
		       const char *const *types, size_t n)
{
	size_t i;
	mgen_column *c;

	memset(t, 0, sizeof(*t));
	t->catalog = cat ? strdup(cat) : NULL;
	t->schema = sch ? strdup(sch) : NULL;
	t->name = strdup(name);
	t->row_count = -1;
	for (i = 0; i < n; i++) {
		assert_int_equal(mgen_table_add_column(t, &c), 0);
		c->name = strdup(cols[i]);
		c->data_type = types[i] ? strdup(types[i]) : NULL;
	}
}

static void test_dialect__quote_ident(void **state)
{
	(void)state;
	check_ident(PG, "a\"b", "\"a\"\"b\"");
	check_ident(SQLITE, "order", "\"order\"");
	check_ident(SNOW, "x\"", "\"x\"\"\"");
	check_ident(DUCK, "Mixed Case", "\"Mixed Case\"");
	/* docs.databricks.com/sql/language-manual/sql-ref-identifiers.html:
	 * delimited by backticks, a backtick doubled */
	check_ident(DBX, "a`b", "`a``b`");
	check_ident(MYSQL, "`", "````");
	check_ident(MSSQL, "a]b[c", "[a]]b[c]");
	check_ident(PG, "", "\"\"");
	check_ident(DBX, "é", "`é`");
}

static void test_dialect__string_literal(void **state)
{
	const char *s = "it's a \\path\\\nnext\tend";

	(void)state;
	/* a backslash or line break: E'...' (the same under both settings) */
	check_lit(PG, s, "E'it''s a \\\\path\\\\\\nnext\tend'");
	check_lit(SQLITE, s, "'it''s a \\path\\' || char(10) || 'next\tend'");
	check_lit(DUCK, s, "E'it''s a \\\\path\\\\\\nnext\tend'");
	/* docs.databricks.com/sql/language-manual/data-types/string-type.html:
	 * \' \\ \n \t are escapes, '' is two adjacent literals */
	check_lit(DBX, s, "'it\\'s a \\\\path\\\\\\nnext\\tend'");
	check_lit(SNOW, s, "'it\\'s a \\\\path\\\\\\nnext\\tend'");
	check_lit(MYSQL, "a\\'b\r", "'a\\\\''b\\r'");
	/* learn.microsoft.com/en-us/sql/t-sql/language-elements/
	 * sql-server-utilities-statements-backslash: a backslash before LF or
	 * CR LF is a line continuation and both vanish (on the server:
	 * Microsoft KB 164291), so the text's own backslash-newline gets a
	 * continuation of its own after it */
	check_lit(MSSQL, s, "N'it''s a \\path\\\\\n\nnext\tend'");
	check_lit(MSSQL, "a\\\r\nb\\c\\", "N'a\\\\\n\r\nb\\c\\'");
	check_lit(MSSQL, "\\\\\n", "N'\\\\\\\n\n'");
	/* a quote after a backslash must not re-open the literal (Databricks:
	 * the string-type page above) */
	check_lit(DBX, "\\'", "'\\\\\\''");
	check_lit(PG, "", "''");
	check_lit(DBX, "", "''");
	check_lit(MSSQL, "", "N''");
	check_lit(PG, "Größe — 数量", "'Größe — 数量'");
	check_lit(DBX, "Größe — 数量", "'Größe — 数量'");
}

static void test_dialect__table_name(void **state)
{
	mgen_table t;
	mgen_buf b = MGEN_BUF_INIT;
	static const char *const cols[] = {"id"};
	static const char *const types[] = {"int"};

	(void)state;
	make_table(&t, "main_cat", "s`x", "t\"1", cols, types, 1);
	/* Databricks: three-part catalog.schema.table, each part delimited
	 * (docs.databricks.com/sql/language-manual/sql-ref-identifiers.html) */
	assert_int_equal(mgen_dialect_table_name(DBX, &t, &b), 0);
	assert_string_equal(mgen_buf_str(&b), "`main_cat`.`s``x`.`t\"1`");
	mgen_buf_reset(&b);
	assert_int_equal(mgen_dialect_table_name(PG, &t, &b), 0);
	assert_string_equal(mgen_buf_str(&b), "\"s`x\".\"t\"\"1\"");
	mgen_buf_reset(&b);
	assert_int_equal(mgen_dialect_table_name(MSSQL, &t, &b), 0);
	assert_string_equal(mgen_buf_str(&b), "[main_cat].[s`x].[t\"1]");
	/* dev.mysql.com/doc/refman/8.0/en/identifier-qualifiers.html: at most
	 * db_name.tbl_name; a third part is ERROR 1064 */
	mgen_buf_reset(&b);
	assert_int_equal(mgen_dialect_table_name(MYSQL, &t, &b), 0);
	assert_string_equal(mgen_buf_str(&b), "`s``x`.`t\"1`");
	mgen_table_release(&t);

	make_table(&t, "", "main", "users", cols, types, 1);
	mgen_buf_reset(&b);
	assert_int_equal(mgen_dialect_table_name(SQLITE, &t, &b), 0);
	assert_string_equal(mgen_buf_str(&b), "\"main\".\"users\"");
	mgen_table_release(&t);
	mgen_buf_release(&b);
}

static void test_dialect__comment_ddl(void **state)
{
	mgen_table t;
	mgen_buf b = MGEN_BUF_INIT;
	static const char *const cols[] = {"amt"};
	static const char *const types[] = {"decimal(10,2)"};
	const char *cm = "Bob's \\total";
	struct {
		mgen_dialect d;
		const char *table, *column;
	} g[] = {
	    {PG,
	     "COMMENT ON TABLE \"sales\".\"orders\" IS E'Bob''s \\\\total';",
	     "COMMENT ON COLUMN \"sales\".\"orders\".\"amt\" IS "
	     "E'Bob''s \\\\total';"},
	    /* docs.databricks.com/aws/en/sql/language-manual/
	     * sql-ref-syntax-ddl-comment (TABLE relation_name IS comment);
	     * docs.databricks.com/sql/language-manual/
	     * sql-ref-syntax-ddl-alter-table-manage-column.html
	     * (ALTER COLUMN column_identifier COMMENT comment) */
	    {DBX,
	     "COMMENT ON TABLE `shop`.`sales`.`orders` IS "
	     "'Bob\\'s \\\\total';",
	     "ALTER TABLE `shop`.`sales`.`orders` ALTER COLUMN `amt` "
	     "COMMENT 'Bob\\'s \\\\total';"},
	    {SNOW,
	     "COMMENT ON TABLE \"shop\".\"sales\".\"orders\" IS "
	     "'Bob\\'s \\\\total';",
	     "COMMENT ON COLUMN \"shop\".\"sales\".\"orders\".\"amt\" IS "
	     "'Bob\\'s \\\\total';"},
	    {DUCK,
	     "COMMENT ON TABLE \"shop\".\"sales\".\"orders\" IS "
	     "E'Bob''s \\\\total';",
	     "COMMENT ON COLUMN \"shop\".\"sales\".\"orders\".\"amt\" IS "
	     "E'Bob''s \\\\total';"},
	    /* two-part name: the catalog is not a MySQL name part */
	    {MYSQL,
	     "ALTER TABLE `sales`.`orders` COMMENT = "
	     "'Bob''s \\\\total';",
	     NULL},
	    {SQLITE,
	     "INSERT INTO _metagen_comments (table_name, column_name, "
	     "comment) VALUES ('orders', '', 'Bob''s \\total') ON CONFLICT "
	     "(table_name, column_name) DO UPDATE SET comment = "
	     "excluded.comment;",
	     "INSERT INTO _metagen_comments (table_name, column_name, "
	     "comment) VALUES ('orders', 'amt', 'Bob''s \\total') ON "
	     "CONFLICT (table_name, column_name) DO UPDATE SET comment = "
	     "excluded.comment;"},
	};
	size_t i;

	(void)state;
	make_table(&t, "shop", "sales", "orders", cols, types, 1);
	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		mgen_buf_reset(&b);
		assert_int_equal(
		    mgen_dialect_table_comment_ddl(g[i].d, &t, cm, &b), 0);
		assert_string_equal(mgen_buf_str(&b), g[i].table);
		mgen_buf_reset(&b);
		if (g[i].column == NULL) {
			assert_int_equal(mgen_dialect_column_comment_ddl(
					     g[i].d, &t, &t.columns[0], cm, &b),
					 MGEN_EUNSUPPORTED);
			continue;
		}
		assert_int_equal(mgen_dialect_column_comment_ddl(
				     g[i].d, &t, &t.columns[0], cm, &b),
				 0);
		assert_string_equal(mgen_buf_str(&b), g[i].column);
	}
	/* NULL removes */
	mgen_buf_reset(&b);
	assert_int_equal(mgen_dialect_table_comment_ddl(PG, &t, NULL, &b), 0);
	assert_string_equal(mgen_buf_str(&b),
			    "COMMENT ON TABLE \"sales\".\"orders\" IS NULL;");
	mgen_buf_reset(&b);
	assert_int_equal(mgen_dialect_column_comment_ddl(
			     SQLITE, &t, &t.columns[0], NULL, &b),
			 0);
	assert_string_equal(mgen_buf_str(&b),
			    "DELETE FROM _metagen_comments WHERE table_name = "
			    "'orders' AND column_name = 'amt';");
	mgen_table_release(&t);
	mgen_buf_release(&b);
}

static void test_dialect__sqlserver_ddl(void **state)
{
	mgen_table t;
	mgen_buf b = MGEN_BUF_INIT;
	static const char *const cols[] = {"o'id"};
	static const char *const types[] = {"int"};

	(void)state;
	make_table(&t, NULL, "dbo", "orders", cols, types, 1);
	assert_int_equal(mgen_dialect_column_comment_ddl(
			     MSSQL, &t, &t.columns[0], "x'y", &b),
			 0);
	/* learn.microsoft.com/en-us/sql/relational-databases/
	 * system-catalog-views/extended-properties-catalog-views-sys-extended-
	 * properties: major_id is an object_id only where class = 1;
	 * learn.microsoft.com/en-us/sql/relational-databases/
	 * system-stored-procedures/sp-updateextendedproperty-transact-sql */
	assert_string_equal(
	    mgen_buf_str(&b),
	    "IF EXISTS (SELECT 1 FROM sys.extended_properties WHERE class = "
	    "1 AND major_id = OBJECT_ID(N'[dbo].[orders]') AND minor_id = "
	    "COLUMNPROPERTY(OBJECT_ID(N'[dbo].[orders]'), N'o''id', "
	    "'ColumnId') AND name = N'MS_Description') EXEC "
	    "sp_updateextendedproperty @value=N'x''y', "
	    "@name=N'MS_Description', @level0type=N'SCHEMA', "
	    "@level0name=N'dbo', @level1type=N'TABLE', "
	    "@level1name=N'orders', @level2type=N'COLUMN', "
	    "@level2name=N'o''id' ELSE EXEC sp_addextendedproperty "
	    "@value=N'x''y', @name=N'MS_Description', "
	    "@level0type=N'SCHEMA', @level0name=N'dbo', "
	    "@level1type=N'TABLE', @level1name=N'orders', "
	    "@level2type=N'COLUMN', @level2name=N'o''id';");
	mgen_buf_reset(&b);
	assert_int_equal(mgen_dialect_table_comment_ddl(MSSQL, &t, NULL, &b),
			 0);
	assert_non_null(strstr(mgen_buf_str(&b),
			       "minor_id = 0 AND name = N'MS_Description') "
			       "EXEC sp_dropextendedproperty @name="));
	assert_non_null(strstr(mgen_buf_str(&b), "WHERE class = 1 AND "));
	mgen_table_release(&t);
	mgen_buf_release(&b);
}

static void test_dialect__setup_ddl(void **state)
{
	mgen_buf b = MGEN_BUF_INIT;

	(void)state;
	assert_int_equal(mgen_dialect_setup_ddl(SQLITE, &b), 0);
	assert_string_equal(mgen_buf_str(&b),
			    "CREATE TABLE IF NOT EXISTS _metagen_comments "
			    "(table_name TEXT NOT NULL, column_name TEXT NOT "
			    "NULL DEFAULT '', comment TEXT, PRIMARY KEY "
			    "(table_name, column_name));");
	mgen_buf_reset(&b);
	assert_int_equal(mgen_dialect_setup_ddl(PG, &b), 0);
	assert_int_equal(mgen_dialect_setup_ddl(DBX, &b), 0);
	assert_string_equal(mgen_buf_str(&b), "");
	mgen_buf_release(&b);
}

static const char *const st_cols[] = {"id", "name", "flag", "doc", "img"};

static void test_dialect__stats_sql_postgresql(void **state)
{
	static const char *const types[] = {"integer", "character varying(20)",
					    "boolean", "jsonb", "bytea"};
	/* what the columns query says of each (stat_caps.c) */
	static const char *const facts[] = {"md", "mdl", "od", "", "odb"};
	mgen_table t;
	mgen_buf b = MGEN_BUF_INIT;
	size_t i;

	(void)state;
	make_table(&t, "db", "public", "t", st_cols, types, 5);
	for (i = 0; i < 5; i++)
		t.columns[i].stats =
		    mgen_dialect_column_stats(PG, types[i], facts[i]);
	assert_int_equal(mgen_dialect_stats_sql(PG, &t, 1, &b), 0);
	assert_string_equal(
	    mgen_buf_str(&b),
	    "SELECT COUNT(*), "
	    "COUNT(\"id\"), COUNT(DISTINCT \"id\"), CAST(MIN(\"id\") AS "
	    "text), CAST(MAX(\"id\") AS text), NULL, "
	    "COUNT(\"name\"), COUNT(DISTINCT \"name\"), CAST(MIN(\"name\") "
	    "AS text), CAST(MAX(\"name\") AS text), "
	    "AVG(LENGTH(\"name\"::text)), "
	    "COUNT(\"flag\"), COUNT(DISTINCT \"flag\"), "
	    "CAST(percentile_disc(0) WITHIN GROUP (ORDER BY \"flag\") AS "
	    "text), CAST(percentile_disc(1) WITHIN GROUP (ORDER BY \"flag\") "
	    "AS text), NULL, "
	    "COUNT(\"doc\"), NULL, NULL, NULL, NULL, "
	    "COUNT(\"img\"), COUNT(DISTINCT \"img\"), NULL, NULL, NULL "
	    "FROM \"public\".\"t\"");
	mgen_buf_reset(&b);
	assert_int_equal(mgen_dialect_stats_sql(PG, &t, 0, &b), 0);
	assert_null(strstr(mgen_buf_str(&b), "MIN("));
	assert_null(strstr(mgen_buf_str(&b), "percentile_disc"));
	assert_null(strstr(mgen_buf_str(&b), "LENGTH("));
	assert_non_null(strstr(mgen_buf_str(&b),
			       "COUNT(\"name\"), COUNT(DISTINCT \"name\"), "
			       "NULL, NULL, NULL, "));
	/* a column the listing did not decide: a distinct count through
	 * text, which every type has */
	t.columns[0].stats = 0;
	mgen_buf_reset(&b);
	assert_int_equal(mgen_dialect_stats_sql(PG, &t, 1, &b), 0);
	assert_non_null(strstr(mgen_buf_str(&b),
			       "COUNT(\"id\"), COUNT(DISTINCT CAST(\"id\" AS "
			       "text)), NULL, NULL, NULL, "));
	mgen_table_release(&t);
	mgen_buf_release(&b);
}

static void test_dialect__stats_sql_sqlite(void **state)
{
	static const char *const types[] = {"INTEGER", "TEXT", "BOOLEAN", "",
					    "BLOB"};
	mgen_table t;
	mgen_buf b = MGEN_BUF_INIT;

	(void)state;
	make_table(&t, "", "main", "t", st_cols, types, 5);
	assert_int_equal(mgen_dialect_stats_sql(SQLITE, &t, 1, &b), 0);
	assert_string_equal(
	    mgen_buf_str(&b),
	    "SELECT COUNT(*), "
	    "COUNT(\"id\"), COUNT(DISTINCT \"id\"), CAST(MIN(\"id\") AS "
	    "TEXT), CAST(MAX(\"id\") AS TEXT), NULL, "
	    "COUNT(\"name\"), COUNT(DISTINCT \"name\"), CAST(MIN(\"name\") "
	    "AS TEXT), CAST(MAX(\"name\") AS TEXT), AVG(LENGTH(\"name\")), "
	    "COUNT(\"flag\"), COUNT(DISTINCT \"flag\"), CAST(MIN(\"flag\") "
	    "AS TEXT), CAST(MAX(\"flag\") AS TEXT), NULL, "
	    "COUNT(\"doc\"), COUNT(DISTINCT \"doc\"), CAST(MIN(\"doc\") AS "
	    "TEXT), CAST(MAX(\"doc\") AS TEXT), NULL, "
	    "COUNT(\"img\"), COUNT(DISTINCT \"img\"), NULL, NULL, NULL "
	    "FROM \"main\".\"t\"");
	mgen_table_release(&t);
	mgen_buf_release(&b);
}

static void test_dialect__stats_sql_databricks(void **state)
{
	static const char *const types[] = {"bigint", "string", "boolean",
					    "map<string,int>", "binary"};
	mgen_table t;
	mgen_buf b = MGEN_BUF_INIT;

	(void)state;
	make_table(&t, "main", "s", "t", st_cols, types, 5);
	/* docs.databricks.com/sql/language-manual/functions/
	 * approx_count_distinct.html: any type with equality (binary yes,
	 * map no); min/max of any orderable type (boolean); CAST AS STRING;
	 * length of a STRING */
	assert_int_equal(mgen_dialect_stats_sql(DBX, &t, 1, &b), 0);
	assert_string_equal(
	    mgen_buf_str(&b),
	    "SELECT COUNT(*), "
	    "COUNT(`id`), approx_count_distinct(`id`), CAST(MIN(`id`) AS "
	    "STRING), CAST(MAX(`id`) AS STRING), NULL, "
	    "COUNT(`name`), approx_count_distinct(`name`), "
	    "CAST(MIN(`name`) AS STRING), CAST(MAX(`name`) AS STRING), "
	    "AVG(LENGTH(`name`)), "
	    "COUNT(`flag`), approx_count_distinct(`flag`), "
	    "CAST(MIN(`flag`) AS STRING), CAST(MAX(`flag`) AS STRING), "
	    "NULL, "
	    "COUNT(`doc`), NULL, NULL, NULL, NULL, "
	    "COUNT(`img`), approx_count_distinct(`img`), NULL, NULL, NULL "
	    "FROM `main`.`s`.`t`");
	mgen_table_release(&t);
	mgen_buf_release(&b);
}

static void test_dialect__stats_sql_others(void **state)
{
	static const char *const cols[] = {"c"};
	static const char *const types[] = {"varchar(10)"};
	mgen_table t;
	mgen_buf b = MGEN_BUF_INIT;

	(void)state;
	make_table(&t, NULL, "s", "t", cols, types, 1);
	/* learn.microsoft.com/en-us/sql/t-sql/functions/
	 * count-big-transact-sql: COUNT returns int (overflows past 2^31 - 1
	 * rows), COUNT_BIG bigint */
	assert_int_equal(mgen_dialect_stats_sql(MSSQL, &t, 1, &b), 0);
	assert_string_equal(mgen_buf_str(&b),
			    "SELECT COUNT_BIG(*), COUNT_BIG([c]), "
			    "COUNT_BIG(DISTINCT [c]), "
			    "CAST(MIN([c]) AS NVARCHAR(4000)), CAST(MAX([c]) "
			    "AS NVARCHAR(4000)), AVG(CAST(LEN([c]) AS FLOAT)) "
			    "FROM [s].[t]");
	mgen_buf_reset(&b);
	assert_int_equal(mgen_dialect_stats_sql(MYSQL, &t, 1, &b), 0);
	assert_string_equal(mgen_buf_str(&b),
			    "SELECT COUNT(*), COUNT(`c`), COUNT(DISTINCT `c`), "
			    "CAST(MIN(`c`) AS CHAR), CAST(MAX(`c`) AS CHAR), "
			    "AVG(CHAR_LENGTH(`c`)) FROM `s`.`t`");
	mgen_buf_reset(&b);
	assert_int_equal(mgen_dialect_stats_sql(SNOW, &t, 0, &b), 0);
	assert_string_equal(mgen_buf_str(&b),
			    "SELECT COUNT(*), COUNT(\"c\"), "
			    "APPROX_COUNT_DISTINCT(\"c\"), NULL, NULL, NULL "
			    "FROM \"s\".\"t\"");
	mgen_table_release(&t);
	mgen_buf_release(&b);
}

static void test_dialect__sample_sql(void **state)
{
	static const char *const cols[] = {"a", "b c"};
	static const char *const types[] = {"int", "text"};
	mgen_table t;
	mgen_buf b = MGEN_BUF_INIT;
	struct {
		mgen_dialect d;
		const char *want;
	} g[] = {
	    {SQLITE, "SELECT \"a\", \"b c\" FROM \"s\".\"t\" ORDER BY "
		     "(_rowid_ * 2654435761) % 4294967291 LIMIT 20"},
	    {PG, "SELECT \"a\", \"b c\" FROM \"s\".\"t\" AS mgen_row "
		 "ORDER BY md5(CAST(mgen_row AS text)) LIMIT 20"},
	    /* rand(INTEGER literal seed): docs.databricks.com/sql/
	     * language-manual/functions/rand.html */
	    {DBX, "SELECT `a`, `b c` FROM `k`.`s`.`t` ORDER BY rand(42) "
		  "LIMIT 20"},
	    {SNOW, "SELECT \"a\", \"b c\" FROM \"k\".\"s\".\"t\" SAMPLE "
		   "(20 ROWS)"},
	    {DUCK, "SELECT \"a\", \"b c\" FROM \"k\".\"s\".\"t\" USING "
		   "SAMPLE reservoir(20 ROWS) REPEATABLE (42)"},
	    {MYSQL, "SELECT `a`, `b c` FROM `s`.`t` ORDER BY RAND(42) "
		    "LIMIT 20"},
	    {MSSQL, "SELECT TOP (20) [a], [b c] FROM [k].[s].[t] ORDER BY "
		    "NEWID()"},
	};
	size_t i;

	(void)state;
	make_table(&t, "k", "s", "t", cols, types, 2);
	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		if (g[i].d == SQLITE) {
			free(t.catalog);
			t.catalog = strdup("");
		}
		mgen_buf_reset(&b);
		assert_int_equal(mgen_dialect_sample_sql(g[i].d, &t, 20, &b),
				 0);
		assert_string_equal(mgen_buf_str(&b), g[i].want);
		if (g[i].d == SQLITE) {
			free(t.catalog);
			t.catalog = strdup("k");
		}
	}
	/* large tables sample a fraction first: 10 x 20 rows of 10M.
	 * docs.databricks.com/sql/language-manual/
	 * sql-ref-syntax-qry-select-sampling.html: TABLESAMPLE (DECIMAL
	 * constant PERCENT) REPEATABLE (INTEGER seed) */
	t.row_count = 10000000;
	mgen_buf_reset(&b);
	assert_int_equal(mgen_dialect_sample_sql(DBX, &t, 20, &b), 0);
	assert_string_equal(mgen_buf_str(&b),
			    "SELECT `a`, `b c` FROM `k`.`s`.`t` TABLESAMPLE "
			    "(0.002 PERCENT) REPEATABLE (42) ORDER BY rand(42) "
			    "LIMIT 20");
	mgen_buf_reset(&b);
	assert_int_equal(mgen_dialect_sample_sql(PG, &t, 20, &b), 0);
	assert_string_equal(mgen_buf_str(&b),
			    "SELECT \"a\", \"b c\" FROM \"s\".\"t\" AS mgen_row "
			    "TABLESAMPLE BERNOULLI (0.002) REPEATABLE (42) "
			    "ORDER BY md5(CAST(mgen_row AS text)) LIMIT 20");
	mgen_table_release(&t);
	mgen_buf_release(&b);
}

static void test_dialect__parse(void **state)
{
	struct {
		const char *name;
		mgen_dialect d;
	} g[] = {
	    {"sqlite", SQLITE},
	    {"SQLite", SQLITE},
	    {"PostgreSQL", PG},
	    {"postgres", PG},
	    {"databricks", DBX},
	    {"Spark SQL", DBX},
	    {"spark", DBX},
	    {"Databricks", DBX},
	    {"Snowflake", SNOW},
	    {"MariaDB", MYSQL},
	    {"MySQL", MYSQL},
	    {"DuckDB", DUCK},
	    {"Microsoft SQL Server", MSSQL},
	    {"mssql", MSSQL},
	    {"sqlserver", MSSQL},
	    {"auto", MGEN_DIALECT_AUTO},
	};
	mgen_dialect d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		d = (mgen_dialect)99;
		assert_int_equal(mgen_dialect_parse(g[i].name, &d), 0);
		assert_int_equal(d, g[i].d);
		if (d != MGEN_DIALECT_AUTO)
			assert_int_equal(
			    mgen_dialect_parse(mgen_dialect_name(d), &d), 0);
	}
	assert_int_equal(mgen_dialect_parse("oracle", &d), MGEN_EINVAL);
	assert_int_equal(mgen_dialect_parse("", &d), MGEN_EINVAL);
	assert_int_equal(mgen_dialect_parse(NULL, &d), MGEN_EINVAL);
	assert_string_equal(mgen_dialect_name(PG), "postgresql");
	assert_string_equal(mgen_dialect_name(MSSQL), "sqlserver");
}

static void test_dialect__listing_sql(void **state)
{
	const char *keys[] = {"main", "s'x", "t1", "main", "s", "t2"};
	mgen_buf b = MGEN_BUF_INIT;
	mgen_dialect d;

	(void)state;
	/* docs.databricks.com/sql/language-manual/information-schema/
	 * tables.html and columns.html: TABLE_CATALOG, TABLE_SCHEMA,
	 * TABLE_NAME, TABLE_TYPE, COMMENT; ORDINAL_POSITION, FULL_DATA_TYPE;
	 * system.information_schema spans every catalog */
	assert_int_equal(mgen_wh__tables_sql(DBX, keys, 2, &b), 0);
	assert_string_equal(
	    mgen_buf_str(&b),
	    "SELECT table_catalog, table_schema, table_name, comment, CASE "
	    "WHEN table_type = 'MATERIALIZED_VIEW' THEN 'materialized_view' "
	    "WHEN table_type LIKE '%VIEW' THEN 'view' WHEN table_type = "
	    "'STREAMING_TABLE' THEN 'streaming_table' WHEN table_type = "
	    "'FOREIGN' THEN 'foreign_table' ELSE 'table' END, 0, 0 FROM "
	    "system.information_schema.tables WHERE table_catalog <> "
	    "'system' AND table_schema <> 'information_schema' AND "
	    "((table_catalog = ? AND table_schema = ? AND "
	    "table_name IN (?)) OR (table_catalog = ? AND "
	    "table_schema = ? AND table_name IN (?))) ORDER BY "
	    "table_catalog, table_schema, table_name");
	/* the names are bound to the markers, in order, never spliced */
	{
		const char *p[6] = {NULL};
		size_t i;
		assert_int_equal(mgen_wh__key_params(DBX, keys, 2, p), 6);
		for (i = 0; i < 6; i++)
			assert_string_equal(p[i], keys[i]);
	}
	mgen_buf_reset(&b);
	/* PostgreSQL: the catalog is the connection's database */
	assert_int_equal(mgen_wh__columns_sql(PG, keys, 1, &b), 0);
	assert_non_null(strstr(mgen_buf_str(&b),
			       "format_type(a.atttypid, a.atttypmod), "
			       "col_description(a.attrelid, a.attnum)"));
	assert_non_null(strstr(mgen_buf_str(&b),
			       " AND ((n.nspname = ? AND c.relname IN "
			       "(?))) ORDER BY n.nspname, c.relname, "
			       "a.attnum"));
	mgen_buf_reset(&b);
	assert_int_equal(mgen_wh__tables_sql(SQLITE, NULL, 0, &b), 0);
	assert_string_equal(
	    mgen_buf_str(&b),
	    "SELECT '', 'main', m.name, NULL, m.type, 0, 0 FROM sqlite_master "
	    "m WHERE m.type IN ('table', 'view') AND m.name NOT LIKE "
	    "'sqlite\\_%' ESCAPE '\\' AND m.name NOT IN (SELECT l.name FROM "
	    "pragma_table_list l WHERE l.schema = 'main' AND l.type = "
	    "'shadow') ORDER BY m.name");
	for (d = SQLITE; d <= MSSQL; d++) {
		mgen_buf_reset(&b);
		assert_int_equal(mgen_wh__columns_sql(d, keys, 2, &b), 0);
		assert_null(strstr(mgen_buf_str(&b), "t2"));
		assert_non_null(strstr(mgen_buf_str(&b), "IN (?"));
	}
	/* consecutive keys of one schema share an IN list */
	{
		const char *same[] = {"main", "s", "t1", "main", "s", "t2",
				      "main", "u", "t3"};
		mgen_buf_reset(&b);
		assert_int_equal(mgen_wh__columns_sql(PG, same, 3, &b), 0);
		assert_non_null(strstr(
		    mgen_buf_str(&b),
		    " AND ((n.nspname = ? AND c.relname IN (?, ?)) OR "
		    "(n.nspname = ? AND c.relname IN (?))) ORDER BY"));
		mgen_buf_reset(&b);
		assert_int_equal(mgen_wh__columns_sql(SQLITE, same, 3, &b), 0);
		assert_non_null(strstr(mgen_buf_str(&b),
				       " AND ((m.name IN (?, ?, ?)))"
				       " ORDER BY m.name, p.cid"));
		{
			const char *p[9] = {NULL};
			assert_int_equal(mgen_wh__key_params(PG, same, 3, p),
					 5);
			assert_string_equal(p[0], "s");
			assert_string_equal(p[2], "t2");
			assert_string_equal(p[3], "u");
			assert_string_equal(p[4], "t3");
			assert_int_equal(
			    mgen_wh__key_params(SQLITE, same, 3, p), 3);
			assert_string_equal(p[2], "t3");
		}
	}
	assert_int_equal(mgen_wh__tables_sql(MGEN_DIALECT_AUTO, NULL, 0, &b),
			 MGEN_EUNSUPPORTED);
	mgen_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dialect__quote_ident),
	    cmocka_unit_test(test_dialect__string_literal),
	    cmocka_unit_test(test_dialect__table_name),
	    cmocka_unit_test(test_dialect__comment_ddl),
	    cmocka_unit_test(test_dialect__sqlserver_ddl),
	    cmocka_unit_test(test_dialect__setup_ddl),
	    cmocka_unit_test(test_dialect__stats_sql_postgresql),
	    cmocka_unit_test(test_dialect__stats_sql_sqlite),
	    cmocka_unit_test(test_dialect__stats_sql_databricks),
	    cmocka_unit_test(test_dialect__stats_sql_others),
	    cmocka_unit_test(test_dialect__sample_sql),
	    cmocka_unit_test(test_dialect__parse),
	    cmocka_unit_test(test_dialect__listing_sql),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
