/*
 * mysql_columns.c - MySQL/MariaDB column definitions for comment DDL.
 *
 * MySQL has no COMMENT ON COLUMN: a column comment is written with
 * ALTER TABLE t MODIFY c <full definition> COMMENT '...', and whatever the
 * definition leaves out is dropped (NOT NULL, DEFAULT, ON UPDATE,
 * AUTO_INCREMENT, the generated expression, INVISIBLE, the charset...).
 * So the definition is rebuilt from the engine's own catalog:
 * information_schema.COLUMNS (COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT,
 * EXTRA, CHARACTER_SET_NAME, COLLATION_NAME, GENERATION_EXPRESSION), on
 * MariaDB also the column-level CHECK (information_schema.CHECK_CONSTRAINTS
 * LEVEL = 'Column': a JSON column's json_valid() check is one) and the
 * spatial reference (information_schema.GEOMETRY_COLUMNS.SRID, written
 * REF_SYSTEM_ID=n), on MySQL the SRS_ID (SRID n).
 *
 * Sources: MariaDB KB "Information Schema COLUMNS Table" (COLUMN_DEFAULT
 * is an SQL expression since 10.2.7: literals quoted, NULL as the word),
 * "ALTER TABLE" (MODIFY), "Generated Columns", "Invisible Columns",
 * "CHECK CONSTRAINT"; MySQL 8.0 Reference Manual 28.3.8 "The
 * INFORMATION_SCHEMA COLUMNS Table" (COLUMN_DEFAULT is the bare value;
 * EXTRA DEFAULT_GENERATED marks an expression default), 15.1.20 "CREATE
 * TABLE Statement".
 *
 * Anything the rebuild does not understand (an EXTRA word it does not
 * know, a generated column without its expression, a catalog text holding
 * a backslash while the session has NO_BACKSLASH_ESCAPES - the catalog
 * shows such text in backslash-escaped form whatever the mode) leaves
 * the definition unset with the reason in definition_error: apply then
 * reports the column instead of running a MODIFY that would change it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "metagen/warehouse.h"
#include "util/util.h"
#include "warehouse/warehouse_internal.h"

/* The EXTRA words the rebuild knows. */
enum {
	X_AUTO_INCREMENT = 1,
	X_ON_UPDATE = 2,
	X_VIRTUAL = 4,
	X_STORED = 8,
	X_INVISIBLE = 16,
	X_DEFAULT_GENERATED = 32,
	X_WITHOUT_VERSIONING = 64
};

/* Length of a CURRENT_TIMESTAMP / CURRENT_TIMESTAMP() / (n) / NOW()
 * expression at the start of `s` (any case), or 0. */
static size_t current_ts_len(const char *s)
{
	static const char *const names[] = {"current_timestamp", "now",
					    "localtimestamp", "localtime"};
	size_t i, n = 0;

	for (i = 0; i < sizeof(names) / sizeof(names[0]) && n == 0; i++)
		if (strncasecmp(s, names[i], strlen(names[i])) == 0)
			n = strlen(names[i]);
	if (n == 0 || s[n] != '(')
		return n;
	n++;
	while (isdigit((unsigned char)s[n]))
		n++;
	return s[n] == ')' ? n + 1 : 0;
}

/* Parses EXTRA into X_ flags (ON UPDATE's expression into *on_update,
 * borrowed from `extra`, *on_update_len bytes). -1 when a word is not
 * understood. */
static int parse_extra(const char *extra, const char **on_update,
		       size_t *on_update_len)
{
	static const struct {
		const char *word;
		int flag;
	} words[] = {{"auto_increment", X_AUTO_INCREMENT},
		     {"virtual generated", X_VIRTUAL},
		     {"stored generated", X_STORED},
		     {"persistent generated", X_STORED},
		     {"invisible", X_INVISIBLE},
		     {"default_generated", X_DEFAULT_GENERATED},
		     {"without system versioning", X_WITHOUT_VERSIONING}};
	const char *p = extra ? extra : "";
	int flags = 0;
	size_t i, n;

	for (;;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			return flags;
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
			n = strlen(words[i].word);
			if (strncasecmp(p, words[i].word, n) == 0 &&
			    (p[n] == '\0' || p[n] == ' ' || p[n] == ','))
				break;
		}
		if (i < sizeof(words) / sizeof(words[0])) {
			flags |= words[i].flag;
			p += n;
			continue;
		}
		if (strncasecmp(p, "on update ", 10) != 0 ||
		    (n = current_ts_len(p + 10)) == 0)
			return -1;
		*on_update = p + 10;
		*on_update_len = n;
		flags |= X_ON_UPDATE;
		p += 10 + n;
	}
}

/* 1 when `s` is a non-empty run of [A-Za-z0-9_]. */
static int plain_word(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

/* 1 when `s` is a plain decimal number: [-+]digits[.digits][e[-+]digits]. */
static int plain_number(const char *s)
{
	int digits = 0;

	if (*s == '-' || *s == '+')
		s++;
	for (; isdigit((unsigned char)*s) || *s == '.'; s++)
		digits += *s != '.';
	if (digits && (*s == 'e' || *s == 'E')) {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (!isdigit((unsigned char)*s))
			return 0;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return digits > 0 && *s == '\0';
}

/* 1 when the MySQL COLUMN_TYPE is numeric (a bare default is a number). */
static int numeric_type(const char *type)
{
	static const char *const t[] = {
	    "tinyint", "smallint", "mediumint", "int",	  "bigint", "integer",
	    "decimal", "numeric",  "float",	"double", "real",   "year"};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strncasecmp(type, t[i], strlen(t[i])) == 0)
			return 1;
	return 0;
}

/* MySQL's COLUMN_DEFAULT is the bare value: quote it unless it is an
 * expression (DEFAULT_GENERATED), a number of a numeric column or a bit
 * literal b'0101'. */
static void mysql_default(const mgen_wh_mysql_col *c, int flags, mgen_buf *out)
{
	const char *v = c->deflt;
	size_t n = strlen(v);

	mgen_buf_puts(out, " DEFAULT ");
	if (flags & X_DEFAULT_GENERATED) {
		if (current_ts_len(v) == n)
			mgen_buf_puts(out, v);
		else
			mgen_buf_printf(out, "(%s)", v);
	} else if ((numeric_type(c->type) && plain_number(v)) ||
		   (strncasecmp(c->type, "bit", 3) == 0 && n >= 3 &&
		    (v[0] == 'b' || v[0] == 'B') && v[1] == '\'' &&
		    v[n - 1] == '\'' && strspn(v + 2, "01") == n - 3)) {
		mgen_buf_puts(out, v);
	} else {
		mgen_dialect_string_literal(MGEN_DIALECT_MYSQL, v, out);
	}
}

/* The generated-column clause (the expression checked present). */
static void generated(const mgen_wh_mysql_col *c, int flags, mgen_buf *out)
{
	mgen_buf_printf(out, " GENERATED ALWAYS AS (%s) %s", c->genexpr,
			flags & X_VIRTUAL ? "VIRTUAL" : "STORED");
}

/* "a catalog text holds a backslash" check for NO_BACKSLASH_ESCAPES. */
static int has_backslash(const mgen_wh_mysql_col *c)
{
	const char *s[] = {c->type, c->deflt, c->genexpr, c->check};
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (s[i] && strchr(s[i], '\\'))
			return 1;
	return 0;
}

/* Appends "msg" or "msg: 'arg'" to `why`; returns MGEN_EUNSUPPORTED
 * (or the buffer's error). */
static int unsafe(mgen_buf *why, const char *msg, const char *arg)
{
	mgen_buf_puts(why, msg);
	if (arg)
		mgen_buf_printf(why, ": '%s'", arg);
	return mgen_buf_error(why) ? mgen_buf_error(why) : MGEN_EUNSUPPORTED;
}

/* Checks what the rebuild cannot do; 0 or unsafe(). */
static int check_rebuildable(const mgen_wh_mysql_col *c, int mode, int flags,
			     mgen_buf *why)
{
	if (c->type == NULL || c->type[0] == '\0')
		return unsafe(why, "no COLUMN_TYPE", NULL);
	if (flags < 0)
		return unsafe(why, "EXTRA not understood",
			      c->extra ? c->extra : "");
	if ((mode & MGEN_WH_MYSQL_NO_BACKSLASH) && has_backslash(c))
		return unsafe(why,
			      "the session has NO_BACKSLASH_ESCAPES and the "
			      "catalog's text of the column holds a backslash",
			      NULL);
	if ((c->charset || c->collation) &&
	    !(plain_word(c->charset) && plain_word(c->collation)))
		return unsafe(why, "character set not understood",
			      c->charset ? c->charset : "");
	if (c->srid && !plain_number(c->srid))
		return unsafe(why, "SRID not understood", c->srid);
	if ((flags & (X_VIRTUAL | X_STORED)) &&
	    (c->genexpr == NULL || c->genexpr[0] == '\0'))
		return unsafe(why, "generated column without its expression",
			      NULL);
	if (c->genexpr && (strcasecmp(c->genexpr, "ROW START") == 0 ||
			   strcasecmp(c->genexpr, "ROW END") == 0))
		return unsafe(why,
			      "a system-versioning ROW START/ROW END column "
			      "cannot be modified (MariaDB ERROR 4134)",
			      NULL);
	return 0;
}

int mgen_wh__mysql_definition(const mgen_wh_mysql_col *c, int mode,
			      mgen_buf *out, size_t *comment_at, mgen_buf *why)
{
	const char *on_update = NULL;
	size_t on_update_len = 0;
	int mariadb = mode & MGEN_WH_MYSQL_MARIADB;
	int flags = parse_extra(c->extra, &on_update, &on_update_len);
	int rc = check_rebuildable(c, mode, flags, why);

	if (rc)
		return rc;
	mgen_buf_puts(out, c->type);
	/* MariaDB's REF_SYSTEM_ID belongs to the spatial type itself */
	if (c->srid && (!mariadb || strcmp(c->srid, "0") != 0))
		mgen_buf_printf(out, mariadb ? " REF_SYSTEM_ID=%s" : " SRID %s",
				c->srid);
	if (c->charset)
		mgen_buf_printf(out, " CHARACTER SET %s COLLATE %s", c->charset,
				c->collation);
	if (flags & (X_VIRTUAL | X_STORED))
		generated(c, flags, out);
	if (c->nullable && strcmp(c->nullable, "NO") == 0)
		mgen_buf_puts(out, " NOT NULL");
	else if (!(flags & (X_VIRTUAL | X_STORED)))
		mgen_buf_puts(out, " NULL");
	if (c->deflt && !(flags & (X_VIRTUAL | X_STORED))) {
		if (mariadb) /* already an SQL expression, NULL as a word */
			mgen_buf_printf(out, " DEFAULT %s", c->deflt);
		else
			mysql_default(c, flags, out);
	}
	if (flags & X_ON_UPDATE)
		mgen_buf_printf(out, " ON UPDATE %.*s", (int)on_update_len,
				on_update);
	if (flags & X_AUTO_INCREMENT)
		mgen_buf_puts(out, " AUTO_INCREMENT");
	if (flags & X_INVISIBLE)
		mgen_buf_puts(out, " INVISIBLE");
	if (flags & X_WITHOUT_VERSIONING)
		mgen_buf_puts(out, " WITHOUT SYSTEM VERSIONING");
	*comment_at = out->len; /* MariaDB: COMMENT before CHECK */
	if (c->check && c->check[0])
		mgen_buf_printf(out, " CHECK (%s)", c->check);
	return mgen_buf_error(out);
}

/* --- reading the definitions ------------------------------------------- */

/* The columns query's cells: schema, table, column, then the parts of
 * mgen_wh_mysql_col in its order up to the SRID (MySQL's SRS_ID; MariaDB
 * has none there). Flat queries only: MariaDB 10.11.19 crashed (SIGSEGV
 * in get_all_tables) running information_schema subqueries correlated
 * with COLUMNS through the ODBC driver's prepared statements. */
#define COLS_SQL                                                               \
	"SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, "          \
	"IS_NULLABLE, COLUMN_DEFAULT, EXTRA, CHARACTER_SET_NAME, "             \
	"COLLATION_NAME, GENERATION_EXPRESSION, "
#define COLS_FROM                                                              \
	" FROM information_schema.COLUMNS WHERE TABLE_SCHEMA NOT IN "          \
	"('mysql', 'information_schema', 'performance_schema', 'sys')"

/* MariaDB's other parts of a definition, one row each: kind ('c' column
 * CHECK, 'g' SRID, 'v' system-versioned table), schema, table, column,
 * value. */
typedef struct extra_row {
	char *cell[5];
} extra_row;

typedef struct defs_ctx {
	mgen_table **idx;
	size_t nidx;
	int mode;
	extra_row *extras;
	size_t nextras, cap;
	mgen_buf def, why;
} defs_ctx;

/* " AND (s, t) IN (('s1', 't1'), ...)" for the keys' schema and table. */
static void keys_in(const char *s, const char *t, const char *const *keys,
		    size_t nkeys, mgen_buf *sql)
{
	size_t i;

	for (i = 0; keys && i < nkeys; i++) {
		if (i == 0)
			mgen_buf_printf(sql, " AND (%s, %s) IN ((", s, t);
		else
			mgen_buf_puts(sql, ", (");
		mgen_dialect_string_literal(MGEN_DIALECT_MYSQL, keys[3 * i + 1],
					    sql);
		mgen_buf_puts(sql, ", ");
		mgen_dialect_string_literal(MGEN_DIALECT_MYSQL, keys[3 * i + 2],
					    sql);
		mgen_buf_putc(sql, ')');
	}
	if (keys && nkeys)
		mgen_buf_putc(sql, ')');
}

static int extra_row_fn(void *ud, char **v)
{
	defs_ctx *x = ud;
	int i;

	if (x->nextras == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 16;
		extra_row *p = realloc(x->extras, cap * sizeof(*p));
		if (p == NULL)
			return MGEN_ENOMEM;
		x->extras = p;
		x->cap = cap;
	}
	for (i = 0; i < 5; i++) {
		x->extras[x->nextras].cell[i] = v[i];
		v[i] = NULL;
	}
	x->nextras++;
	return 0;
}

/* The value of MariaDB's extra row of `kind` for (schema, table, column),
 * or NULL (borrowed). */
static const char *extra_of(const defs_ctx *x, char kind, const char *schema,
			    const char *table, const char *column)
{
	size_t i;

	for (i = 0; i < x->nextras; i++) {
		char *const *c = x->extras[i].cell;
		if (c[0] && c[0][0] == kind && c[1] && c[2] && c[3] &&
		    strcmp(c[1], schema) == 0 && strcmp(c[2], table) == 0 &&
		    strcmp(c[3], column) == 0)
			return c[4];
	}
	return NULL;
}

/* MariaDB: reads the column CHECKs, SRIDs and system-versioned tables of
 * the keyed tables into x->extras, in one flat query. */
static int read_extras(mgen_wh *wh, defs_ctx *x, const char *const *keys,
		       size_t nkeys)
{
	mgen_buf sql = MGEN_BUF_INIT;

	mgen_buf_puts(&sql, "SELECT 'c', CONSTRAINT_SCHEMA, TABLE_NAME, "
			    "CONSTRAINT_NAME, CHECK_CLAUSE FROM "
			    "information_schema.CHECK_CONSTRAINTS WHERE LEVEL "
			    "= 'Column'");
	keys_in("CONSTRAINT_SCHEMA", "TABLE_NAME", keys, nkeys, &sql);
	mgen_buf_puts(&sql, " UNION ALL SELECT 'g', G_TABLE_SCHEMA, "
			    "G_TABLE_NAME, G_GEOMETRY_COLUMN, CAST(SRID AS "
			    "CHAR) FROM information_schema.GEOMETRY_COLUMNS "
			    "WHERE SRID <> 0");
	keys_in("G_TABLE_SCHEMA", "G_TABLE_NAME", keys, nkeys, &sql);
	mgen_buf_puts(&sql, " UNION ALL SELECT 'v', TABLE_SCHEMA, TABLE_NAME, "
			    "'', TABLE_TYPE FROM information_schema.TABLES "
			    "WHERE TABLE_TYPE = 'SYSTEM VERSIONED'");
	keys_in("TABLE_SCHEMA", "TABLE_NAME", keys, nkeys, &sql);
	return mgen_wh__each_row(wh, "cannot read the column checks", &sql, 5,
				 extra_row_fn, x);
}

static int def_row(void *ud, char **v)
{
	defs_ctx *x = ud;
	const char *cat = x->nidx ? x->idx[0]->catalog : "";
	mgen_table *t = mgen__table_find(x->idx, x->nidx, cat, v[0], v[1]);
	mgen_wh_mysql_col c = {v[3], v[4], v[5], v[6], v[7],
			       v[8], v[9], NULL, v[10]};
	mgen_column *col;
	int rc;

	if (t == NULL || v[0] == NULL || v[1] == NULL || v[2] == NULL ||
	    (col = mgen_wh__find_column(t, v[2])) == NULL)
		return 0;
	if (x->mode & MGEN_WH_MYSQL_MARIADB) {
		c.check = extra_of(x, 'c', v[0], v[1], v[2]);
		c.srid = extra_of(x, 'g', v[0], v[1], v[2]);
		col->definition_keep_history =
		    extra_of(x, 'v', v[0], v[1], "") != NULL;
	}
	mgen_buf_reset(&x->def);
	mgen_buf_reset(&x->why);
	free(col->definition);
	free(col->definition_error);
	col->definition = col->definition_error = NULL;
	rc = mgen_wh__mysql_definition(&c, x->mode, &x->def,
				       &col->definition_comment_at, &x->why);
	if (rc == 0)
		col->definition = mgen_buf_detach(&x->def);
	else if (rc == MGEN_EUNSUPPORTED)
		col->definition_error = mgen_buf_detach(&x->why);
	else
		return rc;
	return col->definition || col->definition_error ? 0 : MGEN_ENOMEM;
}

/* Keeps the (one) row's two cells. */
static int keep_row(void *ud, char **v)
{
	char **keep = ud;

	free(keep[0]);
	free(keep[1]);
	keep[0] = v[0];
	keep[1] = v[1];
	v[0] = v[1] = NULL;
	return 0;
}

/* The server's flavour and the session's sql_mode: MGEN_WH_MYSQL_ bits,
 * or MGEN_EDB / MGEN_ENOMEM. */
static int server_mode(mgen_wh *wh)
{
	mgen_buf sql = MGEN_BUF_INIT;
	char *v[2] = {NULL, NULL};
	int rc, mode;

	mgen_buf_puts(&sql, "SELECT VERSION(), @@SESSION.sql_mode");
	rc = mgen_wh__each_row(wh, "cannot read the server version", &sql, 2,
			       keep_row, v);
	mode = (v[0] && strstr(v[0], "MariaDB") ? MGEN_WH_MYSQL_MARIADB : 0) |
	       (v[1] && strstr(v[1], "NO_BACKSLASH_ESCAPES")
		    ? MGEN_WH_MYSQL_NO_BACKSLASH
		    : 0);
	/* COLUMNS.SRS_ID is MySQL 8.0's; 5.x has no column SRIDs */
	if (!(mode & MGEN_WH_MYSQL_MARIADB) && v[0] && v[0][0] >= '0' &&
	    v[0][0] <= '7' && v[0][1] == '.')
		mode |= MGEN_WH_MYSQL_NO_SRID;
	free(v[0]);
	free(v[1]);
	return rc ? rc : mode;
}

int mgen_wh__mysql_definitions(mgen_wh *wh, const char *const *keys,
			       size_t nkeys, mgen_table **idx, size_t nidx)
{
	defs_ctx x = {idx, nidx, 0, NULL, 0, 0, MGEN_BUF_INIT, MGEN_BUF_INIT};
	mgen_buf sql = MGEN_BUF_INIT;
	size_t i;
	int rc, j;

	if ((x.mode = server_mode(wh)) < 0)
		return x.mode;
	rc = x.mode & MGEN_WH_MYSQL_MARIADB ? read_extras(wh, &x, keys, nkeys)
					    : 0;
	mgen_buf_puts(&sql, COLS_SQL);
	mgen_buf_puts(&sql,
		      x.mode & (MGEN_WH_MYSQL_MARIADB | MGEN_WH_MYSQL_NO_SRID)
			  ? "NULL"
			  : "SRS_ID");
	mgen_buf_puts(&sql, COLS_FROM);
	keys_in("TABLE_SCHEMA", "TABLE_NAME", keys, nkeys, &sql);
	if (rc == 0)
		rc = mgen_wh__each_row(wh, "cannot read the column definitions",
				       &sql, 11, def_row, &x);
	mgen_buf_release(&sql);
	for (i = 0; i < x.nextras; i++)
		for (j = 0; j < 5; j++)
			free(x.extras[i].cell[j]);
	free(x.extras);
	mgen_buf_release(&x.def);
	mgen_buf_release(&x.why);
	return rc;
}
