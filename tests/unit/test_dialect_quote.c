/*
 * test_dialect_quote.c - literal and identifier quoting of every dialect
 * under hostile input: golden strings, and a reader per dialect written
 * from the vendor's lexing rules (src/warehouse/dialect.c names the pages)
 * that must find each literal ending exactly where metagen ends it and
 * holding exactly the text, under every setting of the engine that
 * changes how literals read (PostgreSQL standard_conforming_strings,
 * MySQL NO_BACKSLASH_ESCAPES, Spark escapedStringLiterals), for a fixed
 * list of attacks and 3000 generated strings over a hostile alphabet.
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

static const char *const attacks[] = {
    "\\'; DROP TABLE x; --",
    "'); DROP TABLE victim; --",
    "ends with a backslash \\",
    "\\",
    "'",
    "''",
    "\\'",
    "\\\\'",
    "a\\\nb",
    "a\\\r\nb",
    "a\\\rb",
    "\\\n\\\r\n",
    "line1\nline2\r\nline3\rend",
    "$$ dollar $$ $tag$ E'x' U&'d\\0041' N'n'",
    "/* open -- dash */ close",
    "\\0 \\Z \\% \\_ \\n \\x27 \\u0027 \\047",
    "` `` ] ]] [ \" \"\"",
    "Größe 数量 🩺 \xe2\x80\xa8",
    "",
};

/* --- readers: each returns the bytes it consumed (0: not a literal) and
 * the text the engine would read into `val` ------------------------------ */

/* PostgreSQL 4.1.2.1-2: '...' (escapes only when standard_conforming_
 * strings is off) or E'...' (escapes always); '' is a quote in both. */
static size_t read_pg(const char *s, int scs_on, mgen_buf *val)
{
	size_t i = 0;
	int esc = !scs_on;

	if (s[i] == 'E' || s[i] == 'e')
		esc = 1, i++;
	if (s[i++] != '\'')
		return 0;
	for (; s[i]; i++) {
		if (s[i] == '\'' && s[i + 1] == '\'') {
			mgen_buf_putc(val, '\'');
			i++;
		} else if (s[i] == '\'') {
			return i + 1;
		} else if (esc && s[i] == '\\' && s[i + 1]) {
			const char *from = "nrtbf", *to = "\n\r\t\b\f";
			const char *k = strchr(from, s[++i]);
			mgen_buf_putc(val, k ? to[k - from] : s[i]);
		} else {
			mgen_buf_putc(val, s[i]);
		}
	}
	return 0;
}

/* Databricks string-type.html (and Snowflake, where '' is also a quote):
 * the lexer pairs a backslash with the next character; with escapes
 * processed \0 \b \n \r \t \Z map, \% \_ keep the backslash, \c is c;
 * `raw` (escapedStringLiterals) keeps the text between the quotes. */
static size_t read_bs(const char *s, int raw, int dq, mgen_buf *val)
{
	size_t i = 0;

	if (s[i++] != '\'')
		return 0;
	for (; s[i]; i++) {
		if (dq && s[i] == '\'' && s[i + 1] == '\'') {
			mgen_buf_putc(val, '\'');
			i++;
		} else if (s[i] == '\'') {
			return i + 1;
		} else if (s[i] == '\\' && s[i + 1]) {
			const char *from = "0bnrtZ", *to = "\0\b\n\r\t\032";
			const char *k = strchr(from, s[++i]);
			if (raw || s[i] == '%' || s[i] == '_')
				mgen_buf_putc(val, '\\');
			if (raw || !k)
				mgen_buf_putc(val, s[i]);
			else
				mgen_buf_putc(val, to[k - from]);
		} else {
			mgen_buf_putc(val, s[i]);
		}
	}
	return 0;
}

/* MySQL string-literals.html: with backslash escapes on, the Databricks
 * rules plus '' as a quote; with NO_BACKSLASH_ESCAPES standard SQL. */
static size_t read_mysql(const char *s, int nbe, mgen_buf *val)
{
	return nbe ? read_pg(s, 1, val) : read_bs(s, 0, 1, val);
}

/* SQL Server: N'...', '' a quote, \ before LF or CR LF removed with it. */
static size_t read_mssql(const char *s, mgen_buf *val)
{
	size_t i = 0;

	if (s[i++] != 'N' || s[i++] != '\'')
		return 0;
	for (; s[i]; i++) {
		if (s[i] == '\'' && s[i + 1] == '\'') {
			mgen_buf_putc(val, '\'');
			i++;
		} else if (s[i] == '\'') {
			return i + 1;
		} else if (s[i] == '\\' && s[i + 1] == '\n') {
			i++;
		} else if (s[i] == '\\' && s[i + 1] == '\r' &&
			   s[i + 2] == '\n') {
			i += 2;
		} else {
			mgen_buf_putc(val, s[i]);
		}
	}
	return 0;
}

/* SQLite: '...' ('' a quote) joined by " || char(N) || ". */
static size_t read_sqlite(const char *s, mgen_buf *val)
{
	size_t i = 0;

	for (;;) {
		if (s[i++] != '\'')
			return 0;
		for (; s[i] && !(s[i] == '\'' && s[i + 1] != '\''); i++) {
			mgen_buf_putc(val, s[i]);
			if (s[i] == '\'')
				i++;
		}
		if (s[i++] != '\'')
			return 0;
		if (strncmp(s + i, " || char(", 9) != 0)
			return i;
		i += 9;
		mgen_buf_putc(val, (char)strtol(s + i, NULL, 10));
		while (s[i] >= '0' && s[i] <= '9')
			i++;
		if (strncmp(s + i, ") || ", 5) != 0)
			return 0;
		i += 5;
	}
}

/* `in` with every backslash doubled and CR as \r: the text MySQL reads
 * from metagen's literal under NO_BACKSLASH_ESCAPES. */
static void mysql_nbe_view(const char *in, mgen_buf *out)
{
	for (; *in; in++) {
		if (*in == '\r')
			mgen_buf_puts(out, "\\r");
		else if (*in == '\\')
			mgen_buf_puts(out, "\\\\");
		else
			mgen_buf_putc(out, *in);
	}
}

/* The literal of `in` ends at its last byte and reads as `in` under
 * every setting (the documented view for MySQL without escapes and
 * Databricks' legacy raw mode). */
static void check_reads(const char *in)
{
	static const mgen_dialect all[] = {SQLITE, PG,	 DBX,  SNOW,
					   MYSQL,  DUCK, MSSQL};
	mgen_buf lit = MGEN_BUF_INIT, v = MGEN_BUF_INIT, w = MGEN_BUF_INIT;
	size_t k, len;
	int mode;

	for (k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		mgen_buf_reset(&lit);
		assert_int_equal(mgen_dialect_string_literal(all[k], in, &lit),
				 0);
		for (mode = 0; mode < 2; mode++) {
			mgen_buf_reset(&v);
			mgen_buf_reset(&w);
			mgen_buf_puts(&w, in);
			switch (all[k]) {
			case PG:
			case DUCK:
				len = read_pg(lit.data, mode, &v);
				break;
			case MYSQL:
				len = read_mysql(lit.data, mode, &v);
				if (mode) {
					mgen_buf_reset(&w);
					mysql_nbe_view(in, &w);
				}
				break;
			case DBX:
			case SNOW:
				len =
				    read_bs(lit.data, mode, all[k] == SNOW, &v);
				if (mode) { /* raw: the text between quotes */
					mgen_buf_reset(&w);
					mgen_buf_append(&w, lit.data + 1,
							lit.len - 2);
				}
				break;
			case MSSQL:
				len = read_mssql(lit.data, &v);
				break;
			default:
				len = read_sqlite(lit.data, &v);
				break;
			}
			if (len != lit.len ||
			    strcmp(mgen_buf_str(&v), mgen_buf_str(&w)) != 0)
				fail_msg("%s mode %d: %s -> %s ends at %zu of "
					 "%zu, reads %s",
					 mgen_dialect_name(all[k]), mode, in,
					 mgen_buf_str(&lit), len, lit.len,
					 mgen_buf_str(&v));
		}
	}
	mgen_buf_release(&lit);
	mgen_buf_release(&v);
	mgen_buf_release(&w);
}

static void test_dialect_quote__attacks_read_back(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
		check_reads(attacks[i]);
}

static void test_dialect_quote__generated_read_back(void **state)
{
	static const char *const alphabet[] = {
	    "'", "\\", "\"", "`", "]", "[", "\n", "\r", "\t",
	    ";", "-",  "/",  "*", "$", "?", "{",  "%",	"_",
	    "N", "E",  "x",  "0", "r", "é", " "};
	const size_t na = sizeof(alphabet) / sizeof(alphabet[0]);
	uint64_t seed = 88172645463325252ull;
	mgen_buf s = MGEN_BUF_INIT;
	int n, j, len;

	(void)state;
	for (n = 0; n < 3000; n++) {
		mgen_buf_reset(&s);
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		len = (int)(seed % 14);
		for (j = 0; j < len; j++) {
			seed ^= seed << 13, seed ^= seed >> 7,
			    seed ^= seed << 17;
			mgen_buf_puts(&s, alphabet[seed % na]);
		}
		check_reads(mgen_buf_str(&s));
	}
	mgen_buf_release(&s);
}

/* The forms themselves, one attack per dialect. */
static void test_dialect_quote__golden_literals(void **state)
{
	static const struct {
		mgen_dialect d;
		const char *in, *want;
	} g[] = {
	    {PG, "\\'; DROP TABLE x; --", "E'\\\\''; DROP TABLE x; --'"},
	    {PG, "it's", "'it''s'"},
	    {PG, "a\nb\rc", "E'a\\nb\\rc'"},
	    {DUCK, "\\'; --", "E'\\\\''; --'"},
	    {SQLITE, "\\'; --", "'\\''; --'"},
	    {SQLITE, "a\r\nb", "'a' || char(13) || '' || char(10) || 'b'"},
	    {MYSQL, "\\'; --", "'\\\\''; --'"},
	    {MYSQL, "a\r\nb\\", "'a\\r\nb\\\\'"},
	    {DBX, "\\'; --", "'\\\\\\'; --'"},
	    {SNOW, "a\nb", "'a\\nb'"},
	    {MSSQL, "\\'; --", "N'\\''; --'"},
	    {MSSQL, "a\\\nb", "N'a\\\\\n\nb'"},
	    {MSSQL, "a\\\r\nb", "N'a\\\\\n\r\nb'"},
	    {MSSQL, "a\\\rb", "N'a\\\rb'"},
	};
	mgen_buf b = MGEN_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		mgen_buf_reset(&b);
		assert_int_equal(
		    mgen_dialect_string_literal(g[i].d, g[i].in, &b), 0);
		assert_string_equal(mgen_buf_str(&b), g[i].want);
	}
	assert_int_equal(mgen_dialect_string_literal(PG, NULL, &b),
			 MGEN_EINVAL);
	mgen_buf_release(&b);
}

/* PostgreSQL U&"..." (4.1.1): "" a quote, \\ a backslash, \XXXX a code
 * point (only below U+0080 here); the whole text must be the identifier. */
static void read_pg_unicode_ident(const char *s, mgen_buf *val)
{
	size_t i = 3;

	assert_memory_equal(s, "U&\"", 3);
	for (; s[i]; i++) {
		if (s[i] == '"' && s[i + 1] == '"') {
			mgen_buf_putc(val, '"');
			i++;
		} else if (s[i] == '"') {
			break;
		} else if (s[i] == '\\' && s[i + 1] == '\\') {
			mgen_buf_putc(val, '\\');
			i++;
		} else if (s[i] == '\\') {
			char hex[5] = {0};
			long cp;
			memcpy(hex, s + i + 1, 4);
			cp = strtol(hex, NULL, 16);
			assert_true(cp > 0 && cp < 0x80);
			mgen_buf_putc(val, (char)cp);
			i += 4;
		} else {
			mgen_buf_putc(val, s[i]);
		}
	}
	assert_int_equal(s[i], '"');
	assert_int_equal(s[i + 1], '\0');
}

/* Identifier readers: open quote, close quote doubled inside. */
static void test_dialect_quote__identifiers(void **state)
{
	static const mgen_dialect all[] = {SQLITE, PG,	 DBX,  SNOW,
					   MYSQL,  DUCK, MSSQL};
	static const char *const names[] = {"a\"b",
					    "a`b",
					    "a]b",
					    "[x]",
					    "pwn\nDROP TABLE victim; --",
					    "cr\rtab\t",
					    "\\'; --",
					    "\"",
					    "``",
					    "]]",
					    "Größe 🩺",
					    ""};
	mgen_buf b = MGEN_BUF_INIT, v = MGEN_BUF_INIT;
	size_t k, n, i;

	(void)state;
	for (k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		char close = all[k] == MSSQL			? ']'
			     : all[k] == DBX || all[k] == MYSQL ? '`'
								: '"';
		for (n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
			mgen_buf_reset(&b);
			mgen_buf_reset(&v);
			assert_int_equal(
			    mgen_dialect_quote_ident(all[k], names[n], &b), 0);
			if (all[k] == PG && strpbrk(names[n], "\n\r")) {
				read_pg_unicode_ident(mgen_buf_str(&b), &v);
				assert_string_equal(mgen_buf_str(&v), names[n]);
				continue;
			}
			assert_int_equal(b.data[0], close == ']' ? '[' : close);
			for (i = 1; i < b.len - 1; i++) {
				mgen_buf_putc(&v, b.data[i]);
				if (b.data[i] == close) /* must be doubled */
					assert_int_equal(b.data[++i], close);
			}
			assert_int_equal(i, b.len - 1);
			assert_int_equal(b.data[i], close);
			assert_string_equal(mgen_buf_str(&v), names[n]);
		}
	}
	mgen_buf_release(&b);
	mgen_buf_release(&v);
}

static void test_dialect_quote__session_and_encodings(void **state)
{
	mgen_buf b = MGEN_BUF_INIT;
	mgen_dialect d;

	(void)state;
	assert_int_equal(mgen_dialect_session_sql(PG, &b), 0);
	assert_string_equal(mgen_buf_str(&b),
			    "SET standard_conforming_strings = on;");
	mgen_buf_reset(&b);
	assert_int_equal(mgen_dialect_session_sql(MYSQL, &b), 0);
	assert_non_null(strstr(mgen_buf_str(&b), "SET SESSION sql_mode = "));
	assert_non_null(strstr(mgen_buf_str(&b), ",NO_BACKSLASH_ESCAPES,"));
	for (d = SQLITE; d <= MSSQL; d++) {
		if (d == PG || d == MYSQL)
			continue;
		mgen_buf_reset(&b);
		assert_int_equal(mgen_dialect_session_sql(d, &b), 0);
		assert_int_equal(b.len, 0);
		assert_null(mgen_wh__encoding_sql(d));
	}
	assert_non_null(mgen_wh__encoding_sql(PG));
	assert_true(mgen_wh__unsafe_encoding(PG, "SJIS"));
	assert_true(mgen_wh__unsafe_encoding(PG, "gbk"));
	assert_false(mgen_wh__unsafe_encoding(PG, "UTF8"));
	assert_false(mgen_wh__unsafe_encoding(PG, "SQL_ASCII"));
	assert_true(mgen_wh__unsafe_encoding(MYSQL, "cp932"));
	assert_false(mgen_wh__unsafe_encoding(MYSQL, "utf8mb4"));
	assert_false(mgen_wh__unsafe_encoding(SQLITE, "SJIS"));
	mgen_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dialect_quote__attacks_read_back),
	    cmocka_unit_test(test_dialect_quote__generated_read_back),
	    cmocka_unit_test(test_dialect_quote__golden_literals),
	    cmocka_unit_test(test_dialect_quote__identifiers),
	    cmocka_unit_test(test_dialect_quote__session_and_encodings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
