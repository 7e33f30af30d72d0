/*
 * dialect.c - the SQL text that differs per engine: names, identifier
 * quoting, string literals, the session settings they rely on, comment
 * DDL and the SQLite sidecar setup. The statistics and sample queries are
 * in dialect_stats.c.
 *
 * Quoting rules (every name and text from the warehouse or the LM goes
 * through mgen_dialect_quote_ident or mgen_dialect_string_literal; the
 * listing queries bind names as parameters instead, catalog.c). A C string
 * cannot hold NUL, and catalog names with one are refused when read
 * (mgen_wh__get_name). Sources are the vendors' pages named below.
 *
 *  - PostgreSQL (postgresql.org/docs/current/sql-syntax-lexical.html,
 *    4.1.1 and 4.1.2.1-2; runtime-config-compatible.html
 *    standard_conforming_strings; multibyte.html, client-only encodings):
 *    identifiers "a""b" (any character but NUL; 63 bytes, NAMEDATALEN-1);
 *    one with a line break as U&"..." (\\, "", \000A, \000D) so the
 *    statement stays on one line.
 *    In '...' a backslash is an escape when standard_conforming_strings is
 *    off, so text with a backslash or line break is written E'...' (\\,
 *    '', \n, \r), which reads the same under both settings; other text
 *    as '...' with '' (backslash-free, so the same under both). The
 *    session sets standard_conforming_strings = on, and client encodings
 *    where 0x5c can be a trailing byte (BIG5, GBK, SJIS ...) are refused.
 *  - SQLite (sqlite.org/lang_expr.html "literal values", lang_keywords.html):
 *    '...' with ''; no backslash escapes at all. "a""b". A line break is
 *    written outside the quotes as char(10)/char(13) joined with ||: the
 *    sqlite3 shell drops a CR that ends an input line, which would change
 *    a literal spanning lines. No COMMENT ON: comments live in the
 *    _metagen_comments sidecar.
 *  - Databricks (docs.databricks.com/en/sql/language-manual/data-types/
 *    string-type.html; sql-ref-identifiers.html): backslash escapes are
 *    always processed and '' is NOT an escape (adjacent literals
 *    concatenate), so \ -> \\ first, then ' -> \', LF/CR/tab -> \n
 *    \r \t. The lexer pairs a backslash with the next character whatever
 *    spark.sql.parser.escapedStringLiterals says, so the literal ends at
 *    the same quote either way (with that legacy option on, the text
 *    would keep its backslashes). `a``b`. Column comments by ALTER TABLE
 *    t ALTER COLUMN c COMMENT (all DBR versions).
 *  - Snowflake (docs.snowflake.com/en/sql-reference/data-types-text,
 *    "Escape sequences in single-quoted string constants";
 *    identifiers-syntax): backslash escapes always processed; no session
 *    parameter turns them off. Same writing as Databricks. "a""b".
 *  - MySQL/MariaDB (dev.mysql.com/doc/refman/8.0/en/string-literals.html,
 *    sql-mode.html#sqlmode_no_backslash_escapes, identifiers.html;
 *    mariadb.com/kb/en/string-literals): ALTER TABLE t COMMENT = '...'. A
 *    backslash is an escape unless sql_mode has NO_BACKSLASH_ESCAPES, and
 *    no single literal spells an arbitrary backslash the same way in both
 *    modes. Choice: ' is always written '' (never \', which would end the
 *    literal early under NO_BACKSLASH_ESCAPES) and \ as \\, so the literal
 *    ends at the same quote in both modes and nothing can leave it; the
 *    text is exact with backslash escapes on, which the session sets
 *    (sql_mode without NO_BACKSLASH_ESCAPES; comments.sql starts with the
 *    same SET), and only shows its backslashes doubled if run without.
 *    A CR is written \r: the mysql client drops a CR that ends an input
 *    line (a literal spanning lines lost it, tried on MariaDB 10.11).
 *    A name is written as is in backticks (no escape exists there): one
 *    holding CR LF keeps its CR only through a client in binary mode
 *    (mysql --binary-mode); ODBC sends it as is.
 *    Character sets big5, cp932, gbk, gb18030, sjis are refused (0x5c
 *    can be a trailing byte). `a``b` (any character but NUL). A column
 *    comment needs the full column definition (MODIFY drops NOT NULL/
 *    DEFAULT): ALTER TABLE t MODIFY COLUMN c <definition> COMMENT '...'
 *    with the definition mysql_columns.c rebuilt from information_schema;
 *    unsupported for a column without one.
 *  - DuckDB (duckdb.org/docs/sql/data_types/literal_types "string
 *    literals", "escape string literals"; sql/dialect/
 *    keywords_and_identifiers): '...' with '', backslash literal (no
 *    setting changes that); E'...' as PostgreSQL's, written the same way
 *    (its CLI is the sqlite3 shell's, which drops a CR ending a line;
 *    COMMENT ON and SELECT of such literals tried through DuckDB's Node
 *    package).
 *    "a""b". COMMENT ON (0.10+).
 *  - SQL Server (learn.microsoft.com/en-us/sql/t-sql/data-types/
 *    constants-transact-sql; .../language-elements/sql-server-utilities-
 *    statements-backslash; .../functions/quotename-transact-sql):
 *    N'...' with ''; a backslash before LF or CR LF is a line continuation
 *    (removed with the break), so such a backslash is written followed by
 *    one more continuation (Microsoft KB 164291, whose workaround this
 *    follows; not run here: no SQL Server). sqlcmd replaces $(name)
 *    inside literals too: comments.sql says to run it with -x. [a]]b].
 *    sp_addextendedproperty / sp_updateextendedproperty MS_Description,
 *    existence read from sys.extended_properties where class = 1 (object
 *    or column).
 */
#include <ctype.h>
#include <string.h>

#include "metagen/warehouse.h"
#include "util/util.h"
#include "warehouse/warehouse_internal.h"

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

/* PostgreSQL, a name with a line break: U&"..." with \ doubled, " doubled
 * and LF/CR as \000A/\000D (4.1.1 "Unicode escapes"; read the same under
 * either standard_conforming_strings), so the statement stays on one
 * line for line-reading clients. */
static void pg_unicode_ident(const char *ident, mgen_buf *out)
{
	const char *p;

	mgen_buf_puts(out, "U&\"");
	for (p = ident; *p; p++) {
		if (*p == '\n' || *p == '\r') {
			mgen_buf_puts(out, *p == '\n' ? "\\000A" : "\\000D");
			continue;
		}
		if (*p == '\\' || *p == '"')
			mgen_buf_putc(out, *p);
		mgen_buf_putc(out, *p);
	}
	mgen_buf_putc(out, '"');
}

int mgen_dialect_quote_ident(mgen_dialect d, const char *ident, mgen_buf *out)
{
	char open, close;
	const char *p;

	if (ident == NULL)
		return MGEN_EINVAL;
	if (d == MGEN_DIALECT_POSTGRESQL && strpbrk(ident, "\n\r")) {
		pg_unicode_ident(ident, out);
		return mgen_buf_error(out);
	}
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

/* Standard SQL: quotes doubled, everything else as is. */
static void standard_literal(const char *s, mgen_buf *out)
{
	mgen_buf_putc(out, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			mgen_buf_putc(out, '\'');
		mgen_buf_putc(out, *s);
	}
	mgen_buf_putc(out, '\'');
}

/* SQLite: standard, but each LF or CR outside the quotes as char(10) or
 * char(13) joined with ||, so the statement stays on one line (the
 * sqlite3 shell drops a CR before a line's LF). */
static void sqlite_literal(const char *s, mgen_buf *out)
{
	mgen_buf_putc(out, '\'');
	for (; *s; s++) {
		if (*s == '\n' || *s == '\r') {
			mgen_buf_printf(out, "' || char(%d) || '",
					*s == '\n' ? 10 : 13);
			continue;
		}
		if (*s == '\'')
			mgen_buf_putc(out, '\'');
		mgen_buf_putc(out, *s);
	}
	mgen_buf_putc(out, '\'');
}

/* PostgreSQL: standard when the text holds no backslash and no line
 * break (the same under both standard_conforming_strings settings), else
 * E'...' with \ doubled, ' doubled and LF/CR as \n and \r (an escape
 * string reads the same under both settings, and stays on one line). */
static void pg_literal(const char *s, mgen_buf *out)
{
	if (strpbrk(s, "\\\n\r") == NULL) {
		standard_literal(s, out);
		return;
	}
	mgen_buf_puts(out, "E'");
	for (; *s; s++) {
		if (*s == '\\')
			mgen_buf_puts(out, "\\\\");
		else if (*s == '\'')
			mgen_buf_puts(out, "''");
		else if (*s == '\n')
			mgen_buf_puts(out, "\\n");
		else if (*s == '\r')
			mgen_buf_puts(out, "\\r");
		else
			mgen_buf_putc(out, *s);
	}
	mgen_buf_putc(out, '\'');
}

/* MySQL/MariaDB: ' doubled (never \'), \ doubled, CR as \r, all else as
 * is. The literal ends at the same quote with and without
 * NO_BACKSLASH_ESCAPES; its text is exact with backslash escapes on (the
 * session's setting, mgen_dialect_session_sql), and only shows
 * backslashes doubled (and a CR as \r) without them. */
static void mysql_literal(const char *s, mgen_buf *out)
{
	mgen_buf_putc(out, '\'');
	for (; *s; s++) {
		if (*s == '\r') {
			mgen_buf_puts(out, "\\r");
			continue;
		}
		if (*s == '\'' || *s == '\\')
			mgen_buf_putc(out, *s);
		mgen_buf_putc(out, *s);
	}
	mgen_buf_putc(out, '\'');
}

/* Databricks, Snowflake: backslash escapes always processed: \ first,
 * then ' as \', line breaks and tab as \n \r \t. */
static void backslash_literal(const char *s, mgen_buf *out)
{
	mgen_buf_putc(out, '\'');
	for (; *s; s++) {
		switch (*s) {
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
			mgen_buf_putc(out, *s);
		}
	}
	mgen_buf_putc(out, '\'');
}

/* SQL Server: N'...' with ' doubled. A backslash followed by LF or CR LF
 * is a line continuation the server removes with the line break, so such
 * a backslash is followed by one more continuation (\ LF) that is
 * removed instead, leaving the text's own backslash and line break. */
static void sqlserver_literal(const char *s, mgen_buf *out)
{
	mgen_buf_puts(out, "N'");
	for (; *s; s++) {
		if (*s == '\'')
			mgen_buf_putc(out, '\'');
		mgen_buf_putc(out, *s);
		if (*s == '\\' &&
		    (s[1] == '\n' || (s[1] == '\r' && s[2] == '\n')))
			mgen_buf_puts(out, "\\\n");
	}
	mgen_buf_putc(out, '\'');
}

int mgen_dialect_string_literal(mgen_dialect d, const char *s, mgen_buf *out)
{
	if (s == NULL)
		return MGEN_EINVAL;
	switch (d) {
	case MGEN_DIALECT_POSTGRESQL:
	case MGEN_DIALECT_DUCKDB:
		pg_literal(s, out);
		break;
	case MGEN_DIALECT_SQLITE:
		sqlite_literal(s, out);
		break;
	case MGEN_DIALECT_MYSQL:
		mysql_literal(s, out);
		break;
	case MGEN_DIALECT_DATABRICKS:
	case MGEN_DIALECT_SNOWFLAKE:
		backslash_literal(s, out);
		break;
	case MGEN_DIALECT_SQLSERVER:
		sqlserver_literal(s, out);
		break;
	default:
		standard_literal(s, out);
		break;
	}
	return mgen_buf_error(out);
}

int mgen_dialect_session_sql(mgen_dialect d, mgen_buf *out)
{
	switch (d) {
	case MGEN_DIALECT_POSTGRESQL:
		mgen_buf_puts(out, "SET standard_conforming_strings = on;");
		break;
	case MGEN_DIALECT_MYSQL:
		mgen_buf_puts(out, "SET SESSION sql_mode = TRIM(BOTH ',' FROM "
				   "REPLACE(CONCAT(',', @@SESSION.sql_mode, "
				   "','), ',NO_BACKSLASH_ESCAPES,', ','));");
		break;
	default:
		break;
	}
	return mgen_buf_error(out);
}

const char *mgen_wh__encoding_sql(mgen_dialect d)
{
	if (d == MGEN_DIALECT_POSTGRESQL)
		return "SELECT current_setting('client_encoding')";
	if (d == MGEN_DIALECT_MYSQL)
		return "SELECT @@character_set_client";
	return NULL;
}

int mgen_wh__unsafe_encoding(mgen_dialect d, const char *enc)
{
	/* PostgreSQL's client-only encodings; MySQL's character sets with
	 * escape_with_backslash_is_dangerous (strings/ctype-*.c) */
	static const char *const pg[] = {"BIG5",  "GB18030", "GBK",
					 "JOHAB", "SJIS",    "SHIFT_JIS_2004",
					 "UHC",	  NULL};
	static const char *const my[] = {"big5",    "cp932", "gbk",
					 "gb18030", "sjis",  NULL};
	const char *const *l = d == MGEN_DIALECT_POSTGRESQL ? pg
			       : d == MGEN_DIALECT_MYSQL    ? my
							    : NULL;

	for (; l && *l; l++)
		if (mgen__strcasecmp(enc, *l) == 0)
			return 1;
	return 0;
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
	mgen_buf_printf(&args, ", @level1type=N'%s', @level1name=",
			t->kind == MGEN_OBJECT_VIEW ? "VIEW" : "TABLE");
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

/* MySQL: " <definition> COMMENT 'text';", COMMENT placed where the
 * definition says (before a trailing column CHECK). */
static void mysql_modify_tail(const mgen_column *c, const char *comment,
			      mgen_buf *out)
{
	size_t n = strlen(c->definition), at = c->definition_comment_at;

	if (at == 0 || at > n) /* never before the type */
		at = n;
	mgen_buf_putc(out, ' ');
	mgen_buf_append(out, c->definition, at);
	mgen_buf_puts(out, " COMMENT ");
	mgen_dialect_string_literal(MGEN_DIALECT_MYSQL, comment ? comment : "",
				    out);
	mgen_buf_puts(out, c->definition + at);
	mgen_buf_putc(out, ';');
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

/*
 * Which objects take a comment, per dialect and object kind, with the
 * vendor page each rule follows:
 *  - PostgreSQL: COMMENT ON TABLE | VIEW | MATERIALIZED VIEW | FOREIGN
 *    TABLE, and COMMENT ON COLUMN for the columns of each
 *    (https://www.postgresql.org/docs/15/sql-comment.html); COMMENT ON
 *    TABLE on a view fails ("is not a table"), so the keyword follows the
 *    kind. A partitioned table is a TABLE.
 *  - Snowflake: COMMENT ON TABLE | VIEW | MATERIALIZED VIEW, COMMENT ON
 *    COLUMN for table and view columns
 *    (https://docs.snowflake.com/en/sql-reference/sql/comment).
 *  - DuckDB: COMMENT ON TABLE | VIEW | COLUMN
 *    (https://duckdb.org/docs/sql/statements/comment_on).
 *  - Databricks: COMMENT ON TABLE names tables, views, materialized views
 *    and streaming tables
 *    (https://docs.databricks.com/en/sql/language-manual/sql-ref-syntax-ddl-comment.html);
 *    column comments: ALTER TABLE ... ALTER COLUMN on tables, COMMENT ON
 *    COLUMN on views (DBR 16.1+), ALTER MATERIALIZED VIEW | ALTER
 *    STREAMING TABLE ... ALTER COLUMN ... COMMENT on those
 *    (sql-ref-syntax-ddl-alter-materialized-view.html,
 *    sql-ref-syntax-ddl-alter-streaming-table.html). Foreign tables
 *    (Lakehouse Federation) are read-only: no comment.
 *  - MySQL/MariaDB: ALTER TABLE ... COMMENT on base tables; CREATE VIEW
 *    has no COMMENT clause
 * (https://dev.mysql.com/doc/refman/8.0/en/create-view.html,
 *    https://mariadb.com/kb/en/create-view/), so a view takes none.
 *  - SQL Server: MS_Description with @level1type TABLE or VIEW
 *    (https://learn.microsoft.com/en-us/sql/relational-databases/system-stored-procedures/sp-addextendedproperty-transact-sql).
 *  - SQLite: the sidecar holds comments of tables and views alike.
 */
const char *mgen_dialect_comment_support(mgen_dialect d, mgen_object_kind k,
					 int column)
{
	(void)column;
	if (d == MGEN_DIALECT_MYSQL && k == MGEN_OBJECT_VIEW)
		return "not commentable: MySQL/MariaDB views take no comment "
		       "(CREATE VIEW and ALTER VIEW have no COMMENT clause)";
	if (d == MGEN_DIALECT_DATABRICKS && k == MGEN_OBJECT_FOREIGN_TABLE)
		return "not commentable: Databricks foreign tables (Lakehouse "
		       "Federation) are read-only and take no comment";
	if (d == MGEN_DIALECT_DUCKDB && k != MGEN_OBJECT_TABLE &&
	    k != MGEN_OBJECT_VIEW)
		return "not commentable: DuckDB comments only tables, views "
		       "and their columns";
	if (d == MGEN_DIALECT_SQLSERVER && k != MGEN_OBJECT_TABLE &&
	    k != MGEN_OBJECT_VIEW && k != MGEN_OBJECT_PARTITIONED_TABLE)
		return "not commentable: SQL Server extended properties name "
		       "tables and views only";
	if (d == MGEN_DIALECT_AUTO)
		return "not commentable: no dialect";
	return NULL;
}

/* The object keyword of COMMENT ON for a kind: "TABLE", "VIEW",
 * "MATERIALIZED VIEW", "FOREIGN TABLE" (PostgreSQL, Snowflake, DuckDB;
 * Databricks says TABLE for all of its kinds). */
static const char *comment_on_keyword(mgen_dialect d, mgen_object_kind k)
{
	if (d == MGEN_DIALECT_DATABRICKS)
		return "TABLE";
	switch (k) {
	case MGEN_OBJECT_VIEW:
		return "VIEW";
	case MGEN_OBJECT_MATERIALIZED_VIEW:
		return "MATERIALIZED VIEW";
	case MGEN_OBJECT_FOREIGN_TABLE:
		return d == MGEN_DIALECT_POSTGRESQL ? "FOREIGN TABLE" : "TABLE";
	default:
		return "TABLE";
	}
}

int mgen_dialect_table_comment_ddl(mgen_dialect d, const mgen_table *t,
				   const char *comment, mgen_buf *out)
{
	if (t == NULL || t->name == NULL)
		return MGEN_EINVAL;
	if (mgen_dialect_comment_support(d, t->kind, 0))
		return MGEN_EUNSUPPORTED;
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
	default:
		mgen_buf_printf(out, "COMMENT ON %s ",
				comment_on_keyword(d, t->kind));
		mgen_dialect_table_name(d, t, out);
		return is_clause(d, comment, out);
	}
}

/* Databricks: the statement that sets a column comment of `t`'s kind:
 * ALTER TABLE | ALTER MATERIALIZED VIEW | ALTER STREAMING TABLE t ALTER
 * COLUMN c COMMENT '...' ('' removes it), or for a view COMMENT ON
 * COLUMN t.c IS '...'. */
static int databricks_column_comment(const mgen_table *t, const mgen_column *c,
				     const char *comment, mgen_buf *out)
{
	const mgen_dialect d = MGEN_DIALECT_DATABRICKS;
	const char *verb = "ALTER TABLE ";

	if (t->kind == MGEN_OBJECT_VIEW) {
		mgen_buf_puts(out, "COMMENT ON COLUMN ");
		mgen_dialect_table_name(d, t, out);
		mgen_buf_putc(out, '.');
		mgen_dialect_quote_ident(d, c->name, out);
		return is_clause(d, comment, out);
	}
	if (t->kind == MGEN_OBJECT_MATERIALIZED_VIEW)
		verb = "ALTER MATERIALIZED VIEW ";
	else if (t->kind == MGEN_OBJECT_STREAMING_TABLE)
		verb = "ALTER STREAMING TABLE ";
	mgen_buf_puts(out, verb);
	mgen_dialect_table_name(d, t, out);
	mgen_buf_puts(out, " ALTER COLUMN ");
	mgen_dialect_quote_ident(d, c->name, out);
	mgen_buf_puts(out, " COMMENT ");
	mgen_dialect_string_literal(d, comment ? comment : "", out);
	mgen_buf_putc(out, ';');
	return mgen_buf_error(out);
}

int mgen_dialect_column_comment_ddl(mgen_dialect d, const mgen_table *t,
				    const mgen_column *c, const char *comment,
				    mgen_buf *out)
{
	if (t == NULL || t->name == NULL || c == NULL || c->name == NULL)
		return MGEN_EINVAL;
	if (mgen_dialect_comment_support(d, t->kind, 1))
		return MGEN_EUNSUPPORTED;
	switch (d) {
	case MGEN_DIALECT_SQLITE:
		return sqlite_comment(t, c->name, comment, out);
	case MGEN_DIALECT_SQLSERVER:
		return sqlserver_comment(t, c->name, comment, out);
	case MGEN_DIALECT_MYSQL:
		/* MODIFY with the full definition read from the catalog
		 * (mysql_columns.c); '' removes the comment */
		if (c->definition == NULL)
			return MGEN_EUNSUPPORTED;
		if (c->definition_keep_history) /* else ERROR 4119 */
			mgen_buf_puts(out, "SET STATEMENT "
					   "system_versioning_alter_history = "
					   "KEEP FOR ");
		mgen_buf_puts(out, "ALTER TABLE ");
		mgen_dialect_table_name(d, t, out);
		mgen_buf_puts(out, " MODIFY COLUMN ");
		mgen_dialect_quote_ident(d, c->name, out);
		mysql_modify_tail(c, comment, out);
		return mgen_buf_error(out);
	case MGEN_DIALECT_AUTO:
		return MGEN_EUNSUPPORTED;
	case MGEN_DIALECT_DATABRICKS:
		/* ALTER COLUMN ... COMMENT works on every DBR version; an
		 * empty comment is how it removes one. */
		return databricks_column_comment(t, c, comment, out);
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
