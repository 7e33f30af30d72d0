/*
 * dialect.c - the SQL text that differs per engine: names, identifier
 * quoting, string literals, comment DDL and the SQLite sidecar setup.
 * The statistics and sample queries are in dialect_stats.c.
 *
 * Facts (../shared/reference/dialects.md):
 *  - PostgreSQL: COMMENT ON TABLE|COLUMN ... IS '...'; "a""b"; with
 *    standard_conforming_strings=on '' escapes a quote and \ is literal.
 *  - SQLite: no COMMENT ON; comments live in the _metagen_comments sidecar.
 *  - Databricks: backticks; string literals process backslash escapes and
 *    '' is NOT an escape (adjacent literals concatenate), so \ -> \\ first,
 *    then ' -> \'. Column comments by ALTER TABLE t ALTER COLUMN c COMMENT
 *    (all DBR versions).
 *  - Snowflake: COMMENT ON ...; backslash escapes processed.
 *  - MySQL/MariaDB: ALTER TABLE t COMMENT = '...'; a column comment needs
 *    the full column definition (MODIFY drops NOT NULL/DEFAULT), which the
 *    model does not hold: unsupported here.
 *  - DuckDB: COMMENT ON (0.10+); standard strings.
 *  - SQL Server: sp_addextendedproperty / sp_updateextendedproperty
 *    MS_Description, existence read from sys.extended_properties where
 *    class = 1 (object or column); [a]]b] identifiers; N'...' literals,
 *    in which a backslash before a line break is a line continuation
 *    that the server removes with the line break (learn.microsoft.com/
 *    en-us/sql/t-sql/language-elements/sql-server-utilities-statements-
 *    backslash; Microsoft KB 164291, whose workaround this follows).
 */
#include <ctype.h>
#include <string.h>

#include "metagen/warehouse.h"
#include "util/util.h"
#include "warehouse/wh_internal.h"

static const char *const dialect_names[] = {
    "auto",	 "sqlite", "postgresql", "databricks",
    "snowflake", "mysql",  "duckdb",	 "sqlserver",
};

#define NDIALECTS (sizeof(dialect_names) / sizeof(dialect_names[0]))

/* Aliases and ODBC SQL_DBMS_NAME values (compared case-insensitively). */
static const struct {
	const char *name;
	mgen_dialect d;
} dialect_aliases[] = {
    {"postgres", MGEN_DIALECT_POSTGRESQL},
    {"pgsql", MGEN_DIALECT_POSTGRESQL},
    {"sqlite3", MGEN_DIALECT_SQLITE},
    {"mariadb", MGEN_DIALECT_MYSQL},
    {"mssql", MGEN_DIALECT_SQLSERVER},
    {"microsoft sql server", MGEN_DIALECT_SQLSERVER},
    {"spark", MGEN_DIALECT_DATABRICKS},
    {"spark sql", MGEN_DIALECT_DATABRICKS},
    {"sparksql", MGEN_DIALECT_DATABRICKS},
    {"databricks sql", MGEN_DIALECT_DATABRICKS},
};

const char *mgen_dialect_name(mgen_dialect d)
{
	if ((unsigned)d >= NDIALECTS)
		return "";
	return dialect_names[d];
}

int mgen_dialect_parse(const char *name, mgen_dialect *out)
{
	size_t i;

	if (name == NULL || out == NULL)
		return MGEN_EINVAL;
	while (isspace((unsigned char)*name))
		name++;
	for (i = 0; i < NDIALECTS; i++)
		if (mgen__strcasecmp(name, dialect_names[i]) == 0) {
			*out = (mgen_dialect)i;
			return 0;
		}
	for (i = 0; i < sizeof(dialect_aliases) / sizeof(dialect_aliases[0]);
	     i++)
		if (mgen__strcasecmp(name, dialect_aliases[i].name) == 0) {
			*out = dialect_aliases[i].d;
			return 0;
		}
	return MGEN_EINVAL;
}

/* The opening and closing identifier quote of a dialect. */
static void quote_chars(mgen_dialect d, char *open, char *close)
{
	switch (d) {
	case MGEN_DIALECT_DATABRICKS:
	case MGEN_DIALECT_MYSQL:
		*open = *close = '`';
		break;
	case MGEN_DIALECT_SQLSERVER:
		*open = '[';
		*close = ']';
		break;
	default:
		*open = *close = '"';
		break;
	}
}

int mgen_dialect_quote_ident(mgen_dialect d, const char *ident, mgen_buf *out)
{
	char open, close;
	const char *p;

	if (ident == NULL)
		return MGEN_EINVAL;
	quote_chars(d, &open, &close);
	mgen_buf_putc(out, open);
	for (p = ident; *p; p++) {
		mgen_buf_putc(out, *p);
		if (*p == close)
			mgen_buf_putc(out, close);
	}
	mgen_buf_putc(out, close);
	return mgen_buf_error(out);
}

/* 1 when the dialect processes backslash escapes in string literals. */
static int backslash_escapes(mgen_dialect d)
{
	return d == MGEN_DIALECT_DATABRICKS || d == MGEN_DIALECT_MYSQL ||
	       d == MGEN_DIALECT_SNOWFLAKE;
}

int mgen_dialect_string_literal(mgen_dialect d, const char *s, mgen_buf *out)
{
	const char *p;

	if (s == NULL)
		return MGEN_EINVAL;
	if (d == MGEN_DIALECT_SQLSERVER)
		mgen_buf_putc(out, 'N');
	mgen_buf_putc(out, '\'');
	for (p = s; *p; p++) {
		if (!backslash_escapes(d)) {
			if (*p == '\'')
				mgen_buf_putc(out, '\'');
			mgen_buf_putc(out, *p);
			if (d == MGEN_DIALECT_SQLSERVER && *p == '\\' &&
			    (p[1] == '\n' || (p[1] == '\r' && p[2] == '\n')))
				/* T-SQL drops a backslash and the line break
				 * after it (line continuation): a continuation
				 * of its own keeps both */
				mgen_buf_puts(out, "\\\n");
			continue;
		}
		switch (*p) {
		case '\\':
			mgen_buf_puts(out, "\\\\");
			break;
		case '\'':
			mgen_buf_puts(out, "\\'");
			break;
		case '\n':
			mgen_buf_puts(out, "\\n");
			break;
		case '\r':
			mgen_buf_puts(out, "\\r");
			break;
		case '\t':
			mgen_buf_puts(out, "\\t");
			break;
		default:
			mgen_buf_putc(out, *p);
		}
	}
	mgen_buf_putc(out, '\'');
	return mgen_buf_error(out);
}

int mgen_dialect_table_name(mgen_dialect d, const mgen_table *t, mgen_buf *out)
{
	const char *parts[3];
	int i, first = 1;

	if (t == NULL || t->name == NULL)
		return MGEN_EINVAL;
	/* PostgreSQL: the catalog is the connection's database; a database
	 * part is only accepted when it equals it, so it is left out and the
	 * DDL stays valid on a restored copy under another name. MySQL's
	 * names have two parts (database.table): a third is ERROR 1064. */
	parts[0] = d == MGEN_DIALECT_POSTGRESQL || d == MGEN_DIALECT_MYSQL
		       ? NULL
		       : t->catalog;
	parts[1] = t->schema;
	parts[2] = t->name;
	for (i = 0; i < 3; i++) {
		if (parts[i] == NULL || parts[i][0] == '\0')
			continue;
		if (!first)
			mgen_buf_putc(out, '.');
		mgen_dialect_quote_ident(d, parts[i], out);
		first = 0;
	}
	return mgen_buf_error(out);
}

/* SQLite sidecar: upsert (comment) or delete (NULL) one row. */
static int sqlite_comment(const mgen_table *t, const char *column,
			  const char *comment, mgen_buf *out)
{
	const mgen_dialect d = MGEN_DIALECT_SQLITE;

	if (comment == NULL) {
		mgen_buf_puts(out, "DELETE FROM " MGEN_WH_SIDECAR
				   " WHERE table_name = ");
		mgen_dialect_string_literal(d, t->name, out);
		mgen_buf_puts(out, " AND column_name = ");
		mgen_dialect_string_literal(d, column, out);
		mgen_buf_putc(out, ';');
		return mgen_buf_error(out);
	}
	mgen_buf_puts(out, "INSERT INTO " MGEN_WH_SIDECAR
			   " (table_name, column_name, comment) VALUES (");
	mgen_dialect_string_literal(d, t->name, out);
	mgen_buf_puts(out, ", ");
	mgen_dialect_string_literal(d, column, out);
	mgen_buf_puts(out, ", ");
	mgen_dialect_string_literal(d, comment, out);
	mgen_buf_puts(out, ") ON CONFLICT (table_name, column_name) DO UPDATE"
			   " SET comment = excluded.comment;");
	return mgen_buf_error(out);
}

/* SQL Server: sets, updates or drops MS_Description on the table or on
 * one column, as one T-SQL batch statement. */
static int sqlserver_comment(const mgen_table *t, const char *column,
			     const char *comment, mgen_buf *out)
{
	const mgen_dialect d = MGEN_DIALECT_SQLSERVER;
	const char *schema = t->schema && t->schema[0] ? t->schema : "dbo";
	mgen_buf obj = MGEN_BUF_INIT, args = MGEN_BUF_INIT;
	int rc;

	mgen_dialect_quote_ident(d, schema, &obj);
	mgen_buf_putc(&obj, '.');
	mgen_dialect_quote_ident(d, t->name, &obj);
	mgen_buf_puts(&args, "@name=N'MS_Description', @level0type=N'SCHEMA'"
			     ", @level0name=");
	mgen_dialect_string_literal(d, schema, &args);
	mgen_buf_puts(&args, ", @level1type=N'TABLE', @level1name=");
	mgen_dialect_string_literal(d, t->name, &args);
	if (column) {
		mgen_buf_puts(&args, ", @level2type=N'COLUMN', @level2name=");
		mgen_dialect_string_literal(d, column, &args);
	}
	/* class 1: an object or column (other classes reuse major_id) */
	mgen_buf_puts(out, "IF EXISTS (SELECT 1 FROM sys.extended_properties"
			   " WHERE class = 1 AND major_id = OBJECT_ID(");
	mgen_dialect_string_literal(d, mgen_buf_str(&obj), out);
	mgen_buf_puts(out, ") AND minor_id = ");
	if (column) {
		mgen_buf_puts(out, "COLUMNPROPERTY(OBJECT_ID(");
		mgen_dialect_string_literal(d, mgen_buf_str(&obj), out);
		mgen_buf_puts(out, "), ");
		mgen_dialect_string_literal(d, column, out);
		mgen_buf_puts(out, ", 'ColumnId')");
	} else {
		mgen_buf_putc(out, '0');
	}
	mgen_buf_puts(out, " AND name = N'MS_Description') ");
	if (comment == NULL) {
		mgen_buf_printf(out, "EXEC sp_dropextendedproperty %s;",
				mgen_buf_str(&args));
		goto done;
	}
	mgen_buf_puts(out, "EXEC sp_updateextendedproperty @value=");
	mgen_dialect_string_literal(d, comment, out);
	mgen_buf_printf(out, ", %s ELSE EXEC sp_addextendedproperty @value=",
			mgen_buf_str(&args));
	mgen_dialect_string_literal(d, comment, out);
	mgen_buf_printf(out, ", %s;", mgen_buf_str(&args));
done:
	rc =
	    mgen_buf_error(&obj) ? mgen_buf_error(&obj) : mgen_buf_error(&args);
	mgen_buf_release(&obj);
	mgen_buf_release(&args);
	return rc ? rc : mgen_buf_error(out);
}

/* " IS 'text';" or " IS NULL;" */
static int is_clause(mgen_dialect d, const char *comment, mgen_buf *out)
{
	mgen_buf_puts(out, " IS ");
	if (comment)
		mgen_dialect_string_literal(d, comment, out);
	else
		mgen_buf_puts(out, "NULL");
	mgen_buf_putc(out, ';');
	return mgen_buf_error(out);
}

int mgen_dialect_table_comment_ddl(mgen_dialect d, const mgen_table *t,
				   const char *comment, mgen_buf *out)
{
	if (t == NULL || t->name == NULL)
		return MGEN_EINVAL;
	switch (d) {
	case MGEN_DIALECT_SQLITE:
		return sqlite_comment(t, "", comment, out);
	case MGEN_DIALECT_SQLSERVER:
		return sqlserver_comment(t, NULL, comment, out);
	case MGEN_DIALECT_MYSQL:
		/* '' is how MySQL removes a table comment */
		mgen_buf_puts(out, "ALTER TABLE ");
		mgen_dialect_table_name(d, t, out);
		mgen_buf_puts(out, " COMMENT = ");
		mgen_dialect_string_literal(d, comment ? comment : "", out);
		mgen_buf_putc(out, ';');
		return mgen_buf_error(out);
	case MGEN_DIALECT_AUTO:
		return MGEN_EUNSUPPORTED;
	default:
		mgen_buf_puts(out, "COMMENT ON TABLE ");
		mgen_dialect_table_name(d, t, out);
		return is_clause(d, comment, out);
	}
}

int mgen_dialect_column_comment_ddl(mgen_dialect d, const mgen_table *t,
				    const mgen_column *c, const char *comment,
				    mgen_buf *out)
{
	if (t == NULL || t->name == NULL || c == NULL || c->name == NULL)
		return MGEN_EINVAL;
	switch (d) {
	case MGEN_DIALECT_SQLITE:
		return sqlite_comment(t, c->name, comment, out);
	case MGEN_DIALECT_SQLSERVER:
		return sqlserver_comment(t, c->name, comment, out);
	case MGEN_DIALECT_MYSQL:
	case MGEN_DIALECT_AUTO:
		return MGEN_EUNSUPPORTED;
	case MGEN_DIALECT_DATABRICKS:
		/* ALTER COLUMN ... COMMENT works on every DBR version; an
		 * empty comment is how it removes one. */
		mgen_buf_puts(out, "ALTER TABLE ");
		mgen_dialect_table_name(d, t, out);
		mgen_buf_puts(out, " ALTER COLUMN ");
		mgen_dialect_quote_ident(d, c->name, out);
		mgen_buf_puts(out, " COMMENT ");
		mgen_dialect_string_literal(d, comment ? comment : "", out);
		mgen_buf_putc(out, ';');
		return mgen_buf_error(out);
	default:
		mgen_buf_puts(out, "COMMENT ON COLUMN ");
		mgen_dialect_table_name(d, t, out);
		mgen_buf_putc(out, '.');
		mgen_dialect_quote_ident(d, c->name, out);
		return is_clause(d, comment, out);
	}
}

int mgen_dialect_setup_ddl(mgen_dialect d, mgen_buf *out)
{
	if (d != MGEN_DIALECT_SQLITE)
		return 0;
	mgen_buf_puts(out, "CREATE TABLE IF NOT EXISTS " MGEN_WH_SIDECAR
			   " (table_name TEXT NOT NULL, column_name TEXT NOT"
			   " NULL DEFAULT '', comment TEXT, PRIMARY KEY"
			   " (table_name, column_name));");
	return mgen_buf_error(out);
}
