/*
 * dialect_limits.c - what each dialect allows in a comment, in one table
 * with the vendor page each rule follows (docs/dialects.md shows the same
 * table), and the one function that fits a comment to it: characters the
 * target cannot store are replaced with U+FFFD, a comment over the limit
 * is shortened at a word boundary (UTF-8 safe, "..." appended), and the
 * caller gets one line saying what was changed for the row's reason.
 *
 * Verified on MariaDB 10.11 (tests/integration/cases_mariadb.sh): a table
 * comment of 2,049 characters fails with ERROR 1628 in strict mode and is
 * cut to 2,048 with a warning otherwise (a column's 1,025: ERROR 1629);
 * an emoji in a comment is stored as '?' without a warning (comments are
 * utf8mb3, character_set_system). MySQL 8 refuses the emoji (ERROR 1366).
 */
#include <stdlib.h>
#include <string.h>

#include "metagen/warehouse.h"
#include "util/util.h"

#define MYSQL_CREATE "https://dev.mysql.com/doc/refman/8.0/en/create-table.html"
#define MARIADB_CREATE "https://mariadb.com/kb/en/create-table/"
#define MYSQL_META                                                             \
	"https://dev.mysql.com/doc/refman/8.0/en/charset-metadata.html"
#define MARIADB_SYS                                                            \
	"https://mariadb.com/kb/en/server-system-variables/"                   \
	"#character_set_system"

static const mgen_dialect_limits limits[] = {
    [MGEN_DIALECT_AUTO] = {0, 0, MGEN_LEN_CHARS, 0, "", "", "", "", "", ""},
    [MGEN_DIALECT_SQLITE] =
	{0, 0, MGEN_LEN_UTF8_BYTES, 0, "UTF-8 (TEXT in the sidecar)",
	 "https://www.sqlite.org/limits.html",
	 "https://www.sqlite.org/datatype3.html",
	 "no COMMENT statement: rows of the _metagen_comments sidecar",
	 "SQLITE_MAX_LENGTH, 1,000,000,000 bytes by default, far above any "
	 "comment",
	 ""},
    [MGEN_DIALECT_POSTGRESQL] =
	{0, 0, MGEN_LEN_UTF8_BYTES, 0,
	 "the database encoding (pg_description.description is text)",
	 "https://www.postgresql.org/docs/15/sql-comment.html",
	 "https://www.postgresql.org/docs/15/multibyte.html",
	 "COMMENT ON TABLE / COMMENT ON COLUMN",
	 "no limit of its own; a text value holds up to 1 GB", ""},
    [MGEN_DIALECT_DATABRICKS] =
	{0, 0, MGEN_LEN_CHARS, 0, "UTF-8 (STRING)",
	 "https://docs.databricks.com/en/sql/language-manual/"
	 "sql-ref-syntax-ddl-comment.html",
	 "https://docs.databricks.com/en/sql/language-manual/data-types/"
	 "string-type.html",
	 "COMMENT ON TABLE; ALTER TABLE ... ALTER COLUMN ... COMMENT",
	 "no limit documented", ""},
    [MGEN_DIALECT_SNOWFLAKE] =
	{0, 0, MGEN_LEN_UTF8_BYTES, 0, "UTF-8 (VARCHAR)",
	 "https://docs.snowflake.com/en/sql-reference/sql/comment",
	 "https://docs.snowflake.com/en/sql-reference/data-types-text",
	 "COMMENT ON TABLE / COMMENT ON COLUMN",
	 "no limit documented for comments; a string holds 16 MB", ""},
    [MGEN_DIALECT_MYSQL] =
	{2048, 1024, MGEN_LEN_CHARS, 1,
	 "utf8mb3 (character_set_system): no 4-byte UTF-8 such as emoji",
	 MYSQL_CREATE " ; " MARIADB_CREATE, MYSQL_META " ; " MARIADB_SYS,
	 "ALTER TABLE t COMMENT = '...'; ALTER TABLE t MODIFY COLUMN c "
	 "<full definition> COMMENT '...'",
	 "table 2,048 characters, column 1,024 characters",
	 "The warehouse keeps at most 2,048 characters of a table comment and "
	 "1,024 of a column comment, and cannot store emoji or other "
	 "characters above U+FFFF: keep every comment within that."},
    [MGEN_DIALECT_DUCKDB] =
	{0, 0, MGEN_LEN_UTF8_BYTES, 0, "UTF-8 (VARCHAR)",
	 "https://duckdb.org/docs/sql/statements/comment_on",
	 "https://duckdb.org/docs/sql/data_types/text",
	 "COMMENT ON TABLE / COMMENT ON COLUMN", "no limit documented", ""},
    [MGEN_DIALECT_SQLSERVER] =
	{7500, 7500, MGEN_LEN_UTF16_BYTES, 0,
	 "UTF-16 (an nvarchar held in the sql_variant value)",
	 "https://learn.microsoft.com/en-us/sql/relational-databases/"
	 "system-stored-procedures/sp-addextendedproperty-transact-sql",
	 "https://learn.microsoft.com/en-us/sql/t-sql/data-types/"
	 "nchar-and-nvarchar-transact-sql",
	 "sp_addextendedproperty / sp_updateextendedproperty "
	 "MS_Description",
	 "@value is sql_variant, at most 7,500 bytes: 3,750 UTF-16 code "
	 "units",
	 "The warehouse keeps at most 3,750 characters of a comment: keep "
	 "every comment within that."},
};

const mgen_dialect_limits *mgen_dialect_limits_of(mgen_dialect d)
{
	if ((unsigned)d >= sizeof(limits) / sizeof(limits[0]))
		d = MGEN_DIALECT_AUTO;
	return &limits[d];
}

/* Length of the UTF-8 sequence starting with byte `b` (1 for a stray
 * continuation or invalid byte: it is counted as one character). */
static size_t seq_len(unsigned char b)
{
	if (b >= 0xF0 && b < 0xF8)
		return 4;
	if (b >= 0xE0)
		return 3;
	if (b >= 0xC0)
		return 2;
	return 1;
}

/* The size of one character (sequence of `n` bytes) in `unit`. */
static size_t units(mgen_length_unit unit, size_t n)
{
	switch (unit) {
	case MGEN_LEN_UTF8_BYTES:
		return n;
	case MGEN_LEN_UTF16_BYTES:
		return n == 4 ? 4 : 2;
	default:
		return 1;
	}
}

size_t mgen_dialect_comment_length(mgen_length_unit unit, const char *s)
{
	size_t n = 0, k;

	while (*s) {
		k = seq_len((unsigned char)*s);
		if (strnlen(s, k) < k)
			k = 1;
		n += units(unit, k);
		s += k;
	}
	return n;
}

/* Copies `s` with every 4-byte UTF-8 sequence replaced by U+FFFD; counts
 * them in *replaced. */
static int replace_astral(const char *s, mgen_buf *out, size_t *replaced)
{
	size_t k;

	while (*s) {
		k = seq_len((unsigned char)*s);
		if (strnlen(s, k) < k)
			k = 1;
		if (k == 4) {
			mgen_buf_puts(out, "\xEF\xBF\xBD");
			(*replaced)++;
		} else {
			mgen_buf_append(out, s, k);
		}
		s += k;
	}
	return mgen_buf_error(out);
}

/* Byte length of the longest prefix of `s` that is at most `max` units,
 * ending at a word boundary when one is in its second half. */
static size_t cut_point(mgen_length_unit unit, const char *s, size_t max)
{
	size_t used = 0, at = 0, space = 0, k;

	while (s[at]) {
		k = seq_len((unsigned char)s[at]);
		if (strnlen(s + at, k) < k)
			k = 1;
		if (used + units(unit, k) > max)
			break;
		if (s[at] == ' ' || s[at] == '\n' || s[at] == '\t')
			space = at;
		used += units(unit, k);
		at += k;
	}
	if (space > at / 2)
		at = space;
	while (at > 0 && strchr(" \t\r\n,;:-", s[at - 1]))
		at--; /* no dangling separator before "..." */
	return at;
}

static const char *unit_word(mgen_length_unit unit)
{
	return unit == MGEN_LEN_CHARS ? "characters" : "bytes";
}

int mgen_dialect_fit_comment(mgen_dialect d, int column, const char *comment,
			     char **out, mgen_buf *note)
{
	const mgen_dialect_limits *l = mgen_dialect_limits_of(d);
	size_t max = column ? l->column_comment_max : l->table_comment_max;
	size_t replaced = 0, len, cut;
	mgen_buf b = MGEN_BUF_INIT;
	int rc;

	*out = NULL;
	if (comment == NULL)
		return 0;
	if (l->bmp_only)
		replace_astral(comment, &b, &replaced);
	else
		mgen_buf_puts(&b, comment);
	if ((rc = mgen_buf_error(&b)) != 0)
		goto done;
	len = mgen_dialect_comment_length(l->unit, mgen_buf_str(&b));
	if (replaced)
		mgen_buf_printf(note,
				"%zu character%s %s cannot store (4-byte "
				"UTF-8, e.g. emoji) replaced with U+FFFD",
				replaced, replaced == 1 ? "" : "s",
				mgen_dialect_name(d));
	if (max && len > max) {
		cut = cut_point(l->unit, mgen_buf_str(&b),
				max - units(l->unit, 1) * 3);
		b.len = cut;
		b.data[cut] = '\0';
		mgen_buf_puts(&b, "...");
		mgen_buf_printf(
		    note,
		    "%sshortened at a word boundary from %zu to "
		    "%zu %s (%s %s comment limit: %zu %s)",
		    replaced ? "; " : "", len,
		    mgen_dialect_comment_length(l->unit, mgen_buf_str(&b)),
		    unit_word(l->unit), mgen_dialect_name(d),
		    column ? "column" : "table", max, unit_word(l->unit));
	}
	if ((rc = mgen_buf_error(&b) ? mgen_buf_error(&b)
				     : mgen_buf_error(note)) != 0)
		goto done;
	if (replaced || (max && len > max))
		*out = mgen_buf_detach(&b);
done:
	mgen_buf_release(&b);
	return rc;
}

int mgen_dialect_fit_proposal(mgen_dialect d, int column, mgen_proposal *p)
{
	mgen_buf note = MGEN_BUF_INIT, reason = MGEN_BUF_INIT;
	char *fitted = NULL;
	int rc;

	if (p->comment == NULL || (p->status != MGEN_STATUS_PROPOSED &&
				   p->status != MGEN_STATUS_KEPT))
		return 0;
	rc = mgen_dialect_fit_comment(d, column, p->comment, &fitted, &note);
	if (rc == 0 && fitted) {
		if (p->reason && p->reason[0])
			mgen_buf_printf(&reason, "%s; ", p->reason);
		mgen_buf_puts(&reason, mgen_buf_str(&note));
		rc = mgen_buf_error(&reason);
		if (rc == 0)
			rc = mgen_proposal_set(p, fitted, p->path, p->status,
					       mgen_buf_str(&reason));
	}
	free(fitted);
	mgen_buf_release(&note);
	mgen_buf_release(&reason);
	return rc;
}

/* MySQL: a proposed column comment whose definition could not be rebuilt
 * says so in its reason (apply will refuse it unless a re-read succeeds). */
static int note_no_definition(mgen_column *c)
{
	mgen_proposal *p = &c->proposal;
	mgen_buf reason = MGEN_BUF_INIT;
	int rc;

	if (c->definition_error == NULL || p->status != MGEN_STATUS_PROPOSED ||
	    (p->reason && strstr(p->reason, c->definition_error)))
		return 0;
	if (p->reason && p->reason[0])
		mgen_buf_printf(&reason, "%s; ", p->reason);
	mgen_buf_printf(&reason,
			"apply cannot write it: the column's definition "
			"cannot be rebuilt safely for ALTER TABLE ... MODIFY "
			"(%s)",
			c->definition_error);
	rc = mgen_buf_error(&reason);
	if (rc == 0)
		rc = mgen_proposal_set(p, p->comment, p->path, p->status,
				       mgen_buf_str(&reason));
	mgen_buf_release(&reason);
	return rc;
}

int mgen_dialect_fit_table(mgen_dialect d, mgen_table *t)
{
	size_t i;
	int rc = mgen_dialect_fit_proposal(d, 0, &t->proposal);

	for (i = 0; rc == 0 && i < t->column_count; i++) {
		rc = mgen_dialect_fit_proposal(d, 1, &t->columns[i].proposal);
		if (rc == 0 && d == MGEN_DIALECT_MYSQL)
			rc = note_no_definition(&t->columns[i]);
	}
	return rc;
}
