/*
 * test_dialect_limits.c - the per-dialect comment rules (limits, the
 * character set, their sources) and fitting a comment to them: replaced
 * characters, shortening at a word boundary, UTF-8 and UTF-16 counting,
 * and the reason text; plus the MySQL/MariaDB column definitions that
 * ALTER TABLE ... MODIFY needs, rebuilt from information_schema forms
 * (MariaDB's quoted defaults, MySQL's bare ones) or refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metagen/prompt.h"
#include "metagen/warehouse.h"
#include "warehouse/warehouse_internal.h"

/* the column tables below give only the leading fields that matter;
 * the rest are NULL (SQL NULL), as C guarantees */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define MYSQL MGEN_DIALECT_MYSQL
#define MSSQL MGEN_DIALECT_SQLSERVER
#define PG MGEN_DIALECT_POSTGRESQL

/* A comment of `words` words "wNNNN" (5 characters each, single spaces). */
static char *words_text(size_t words, const char *word)
{
	size_t wl = strlen(word), i;
	char *s = malloc(words * (wl + 1) + 1), *p = s;

	assert_non_null(s);
	for (i = 0; i < words; i++) {
		memcpy(p, word, wl);
		p += wl;
		*p++ = ' ';
	}
	p[-1] = '\0';
	return s;
}

static void test_dialect_limits__table_has_sources(void **state)
{
	mgen_dialect d;

	(void)state;
	for (d = MGEN_DIALECT_SQLITE; d <= MGEN_DIALECT_SQLSERVER; d++) {
		const mgen_dialect_limits *l = mgen_dialect_limits_of(d);
		assert_non_null(strstr(l->length_source, "https://"));
		assert_non_null(strstr(l->charset_source, "https://"));
		assert_true(strlen(l->charset) > 0);
		assert_true(strlen(l->statements) > 0);
	}
	assert_int_equal(mgen_dialect_limits_of(MYSQL)->table_comment_max,
			 2048);
	assert_int_equal(mgen_dialect_limits_of(MYSQL)->column_comment_max,
			 1024);
	assert_true(mgen_dialect_limits_of(MYSQL)->bmp_only);
	assert_int_equal(mgen_dialect_limits_of(MSSQL)->unit,
			 MGEN_LEN_UTF16_BYTES);
	/* an out-of-range value gets no limits, not a crash */
	assert_int_equal(
	    mgen_dialect_limits_of((mgen_dialect)99)->table_comment_max, 0);
}

/* Every URL in `sources` (" ; "-separated) appears in `doc`. */
static void check_cited(const char *doc, const char *sources)
{
	char url[512];
	const char *p = sources, *end;
	size_t n;

	while ((p = strstr(p, "https://")) != NULL) {
		end = p + strcspn(p, " ;");
		n = (size_t)(end - p);
		assert_true(n < sizeof(url));
		memcpy(url, p, n);
		url[n] = '\0';
		if (strstr(doc, url) == NULL)
			fail_msg("docs/dialects.md does not cite %s", url);
		p = end;
	}
}

/* docs/dialects.md shows the table with each source the code follows. */
static void test_dialect_limits__docs_cite_sources(void **state)
{
	const char *src = getenv("METAGEN_SRCDIR");
	char path[1024], *doc;
	mgen_dialect d;
	FILE *f;
	long len;

	(void)state;
	snprintf(path, sizeof(path), "%s/docs/dialects.md", src ? src : ".");
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	doc = calloc(1, (size_t)len + 1);
	assert_non_null(doc);
	assert_int_equal(fread(doc, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	for (d = MGEN_DIALECT_SQLITE; d <= MGEN_DIALECT_SQLSERVER; d++) {
		check_cited(doc, mgen_dialect_limits_of(d)->length_source);
		check_cited(doc, mgen_dialect_limits_of(d)->charset_source);
	}
	free(doc);
}

static void test_dialect_limits__length_units(void **state)
{
	const char *s =
	    "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\xA9\xBA"; /* aé日🩺 */

	(void)state;
	assert_int_equal(mgen_dialect_comment_length(MGEN_LEN_CHARS, s), 4);
	assert_int_equal(mgen_dialect_comment_length(MGEN_LEN_UTF8_BYTES, s),
			 10);
	assert_int_equal(mgen_dialect_comment_length(MGEN_LEN_UTF16_BYTES, s),
			 10); /* 2 + 2 + 2 + 4 (surrogate pair) */
	/* a truncated sequence at the end counts, and is not overrun */
	assert_int_equal(
	    mgen_dialect_comment_length(MGEN_LEN_CHARS, "ab\xF0\x9F"), 4);
}

static void test_dialect_limits__fits_unchanged(void **state)
{
	mgen_buf note = MGEN_BUF_INIT;
	char *out = (char *)1;
	char *s = words_text(409, "abcd"); /* 2,044 characters */

	(void)state;
	assert_int_equal(mgen_dialect_fit_comment(MYSQL, 0, s, &out, &note), 0);
	assert_null(out);
	assert_int_equal(note.len, 0);
	/* PostgreSQL keeps an emoji and any length */
	assert_int_equal(
	    mgen_dialect_fit_comment(PG, 1, "x \xF0\x9F\xA9\xBA", &out, &note),
	    0);
	assert_null(out);
	assert_int_equal(mgen_dialect_fit_comment(MYSQL, 1, NULL, &out, &note),
			 0);
	assert_null(out);
	free(s);
	mgen_buf_release(&note);
}

static void test_dialect_limits__shortened_at_word(void **state)
{
	mgen_buf note = MGEN_BUF_INIT;
	char *out = NULL, *s = words_text(600, "word,"); /* 3,599 chars */
	size_t n;

	(void)state;
	assert_int_equal(mgen_dialect_fit_comment(MYSQL, 0, s, &out, &note), 0);
	assert_non_null(out);
	n = strlen(out);
	assert_true(n <= 2048);
	assert_true(n > 2000);
	/* cut after a whole word, its comma dropped, then "..." */
	assert_string_equal(out + n - 7, "word...");
	assert_memory_equal(out, s, n - 3);
	assert_non_null(strstr(mgen_buf_str(&note),
			       "shortened at a word boundary from 3599 to"));
	assert_non_null(strstr(mgen_buf_str(&note),
			       "mysql table comment limit: 2048 characters"));
	free(out);
	out = NULL;
	/* a column comment: 1,024 */
	mgen_buf_reset(&note);
	assert_int_equal(mgen_dialect_fit_comment(MYSQL, 1, s, &out, &note), 0);
	assert_true(strlen(out) <= 1024);
	assert_non_null(strstr(mgen_buf_str(&note), "column comment limit"));
	free(out);
	free(s);
	mgen_buf_release(&note);
}

static void test_dialect_limits__no_space_cut_utf8_safe(void **state)
{
	mgen_buf note = MGEN_BUF_INIT;
	char *out = NULL, *s = malloc(3 * 1500 + 1);
	size_t i;

	(void)state;
	for (i = 0; i < 1500; i++) /* 1,500 x U+65E5, no space anywhere */
		memcpy(s + 3 * i, "\xE6\x97\xA5", 3);
	s[3 * 1500] = '\0';
	assert_int_equal(mgen_dialect_fit_comment(MYSQL, 1, s, &out, &note), 0);
	assert_non_null(out);
	/* 1,021 whole characters + "..." = 1,024 characters */
	assert_int_equal(mgen_dialect_comment_length(MGEN_LEN_CHARS, out),
			 1024);
	assert_int_equal(strlen(out), 1021 * 3 + 3);
	assert_memory_equal(out, s, 1021 * 3);
	free(out);
	free(s);
	mgen_buf_release(&note);
}

static void test_dialect_limits__astral_replaced(void **state)
{
	mgen_buf note = MGEN_BUF_INIT;
	char *out = NULL;

	(void)state;
	assert_int_equal(mgen_dialect_fit_comment(
			     MYSQL, 1,
			     "Vital \xF0\x9F\xA9\xBA sign \xF0\x9F\x98\x80.",
			     &out, &note),
			 0);
	assert_string_equal(out, "Vital \xEF\xBF\xBD sign \xEF\xBF\xBD.");
	assert_string_equal(mgen_buf_str(&note),
			    "2 characters mysql cannot store (4-byte UTF-8, "
			    "e.g. emoji) replaced with U+FFFD");
	free(out);
	mgen_buf_release(&note);
}

static void test_dialect_limits__sqlserver_utf16_bytes(void **state)
{
	mgen_buf note = MGEN_BUF_INIT;
	char *out = NULL, *s = words_text(2000, "abc"); /* 7,999 chars */

	(void)state;
	assert_int_equal(mgen_dialect_fit_comment(MSSQL, 0, s, &out, &note), 0);
	assert_non_null(out);
	/* 7,500 bytes of UTF-16: at most 3,750 characters */
	assert_true(mgen_dialect_comment_length(MGEN_LEN_UTF16_BYTES, out) <=
		    7500);
	assert_true(strlen(out) > 3700);
	assert_non_null(strstr(mgen_buf_str(&note), "bytes"));
	free(out);
	free(s);
	mgen_buf_release(&note);
}

static void test_dialect_limits__proposal_reason(void **state)
{
	mgen_proposal p = {NULL, MGEN_PATH_LEGACY, MGEN_STATUS_PROPOSED, NULL};
	char *s = words_text(300, "abcd"); /* 1,499 characters */

	(void)state;
	assert_int_equal(mgen_proposal_set(&p, s, MGEN_PATH_LEGACY,
					   MGEN_STATUS_PROPOSED,
					   "optimized path: x; legacy used"),
			 0);
	assert_int_equal(mgen_dialect_fit_proposal(MYSQL, 1, &p), 0);
	assert_true(strlen(p.comment) <= 1024);
	assert_int_equal(p.status, MGEN_STATUS_PROPOSED);
	assert_true(strncmp(p.reason,
			    "optimized path: x; legacy used; "
			    "shortened",
			    41) == 0);
	/* a FAILED proposal is left alone */
	assert_int_equal(
	    mgen_proposal_set(&p, s, MGEN_PATH_LEGACY, MGEN_STATUS_FAILED, "x"),
	    0);
	assert_int_equal(mgen_dialect_fit_proposal(MYSQL, 1, &p), 0);
	assert_string_equal(p.comment, s);
	mgen_proposal_release(&p);
	free(s);
}

/* The legacy prompt tells the LM the target's limits, and only where it
 * has some (the prompt of a dialect without limits is unchanged). */
static void test_dialect_limits__prompt_tells_limit(void **state)
{
	mgen_prompt_set *ps = NULL;
	mgen_prompt_options o;
	mgen_err err = MGEN_ERR_INIT;
	mgen_chat with = {0}, without = {0};
	mgen_table t;
	mgen_column *c;
	size_t col = 0;
	const char *note = mgen_dialect_limits_of(MYSQL)->prompt;

	(void)state;
	memset(&t, 0, sizeof(t));
	memset(&o, 0, sizeof(o));
	o.version = MGEN_PROMPT_OPTIONS_VERSION;
	t.schema = strdup("s");
	t.name = strdup("t");
	t.profiled = 1;
	t.row_count = 0;
	assert_int_equal(mgen_table_add_column(&t, &c), 0);
	c->name = strdup("a");
	c->data_type = strdup("int");
	assert_int_equal(mgen_prompt_set_load(NULL, &ps, &err), 0);
	assert_true(strlen(note) > 0);
	assert_string_equal(mgen_dialect_limits_of(PG)->prompt, "");
	assert_int_equal(
	    mgen_prompt_render_comment(ps, &t, &col, 1, &o, &without, &err), 0);
	o.comment_limits = note;
	assert_int_equal(
	    mgen_prompt_render_comment(ps, &t, &col, 1, &o, &with, &err), 0);
	assert_null(strstr(without.msgs[without.n - 1].content, note));
	assert_non_null(strstr(with.msgs[with.n - 1].content, note));
	assert_non_null(strstr(note, "2,048"));
	mgen_chat_release(&with);
	mgen_chat_release(&without);
	mgen_prompt_set_free(ps);
	mgen_table_release(&t);
}

/* A MySQL column whose definition could not be rebuilt: its proposal
 * says apply will not write it (once, however often it is fitted). */
static void test_dialect_limits__fit_table_notes_no_definition(void **state)
{
	mgen_table t;
	mgen_column *c;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.name = strdup("t");
	assert_int_equal(mgen_table_add_column(&t, &c), 0);
	c->name = strdup("rs");
	c->definition_error = strdup("a system-versioning ROW START/ROW END "
				     "column cannot be modified");
	assert_int_equal(mgen_proposal_set(&c->proposal, "Row start.",
					   MGEN_PATH_LEGACY,
					   MGEN_STATUS_PROPOSED, NULL),
			 0);
	assert_int_equal(mgen_dialect_fit_table(MYSQL, &t), 0);
	assert_int_equal(mgen_dialect_fit_table(MYSQL, &t), 0);
	assert_string_equal(c->proposal.reason,
			    "apply cannot write it: the column's definition "
			    "cannot be rebuilt safely for ALTER TABLE ... "
			    "MODIFY (a system-versioning ROW START/ROW END "
			    "column cannot be modified)");
	assert_string_equal(c->proposal.comment, "Row start.");
	assert_int_equal(c->proposal.status, MGEN_STATUS_PROPOSED);
	/* other dialects never look at it */
	mgen_proposal_release(&c->proposal);
	assert_int_equal(mgen_proposal_set(&c->proposal, "x", MGEN_PATH_LEGACY,
					   MGEN_STATUS_PROPOSED, NULL),
			 0);
	assert_int_equal(mgen_dialect_fit_table(PG, &t), 0);
	assert_null(c->proposal.reason);
	mgen_table_release(&t);
}

/* --- MySQL/MariaDB column definitions ---------------------------------- */

/* prefix + MySQL's literal of `text` (as mgen_dialect_string_literal
 * writes it: its own goldens are in test_dialect) + suffix; static. */
static const char *with_lit(const char *prefix, const char *text,
			    const char *suffix)
{
	static mgen_buf b = MGEN_BUF_INIT;

	mgen_buf_reset(&b);
	mgen_buf_puts(&b, prefix);
	assert_int_equal(mgen_dialect_string_literal(MYSQL, text, &b), 0);
	mgen_buf_puts(&b, suffix);
	return mgen_buf_str(&b);
}

static void check_def(const mgen_wh_mysql_col *c, int mode, const char *want)
{
	mgen_buf b = MGEN_BUF_INIT, why = MGEN_BUF_INIT;
	size_t at = 0;

	assert_int_equal(mgen_wh__mysql_definition(c, mode, &b, &at, &why), 0);
	assert_string_equal(mgen_buf_str(&b), want);
	assert_true(at > 0 && at <= b.len);
	mgen_buf_release(&b);
	mgen_buf_release(&why);
}

static void check_refused(const mgen_wh_mysql_col *c, int mode,
			  const char *why_part)
{
	mgen_buf b = MGEN_BUF_INIT, why = MGEN_BUF_INIT;
	size_t at = 0;

	assert_int_equal(mgen_wh__mysql_definition(c, mode, &b, &at, &why),
			 MGEN_EUNSUPPORTED);
	assert_non_null(strstr(mgen_buf_str(&why), why_part));
	mgen_buf_release(&b);
	mgen_buf_release(&why);
}

#define MDB MGEN_WH_MYSQL_MARIADB
#define NBE MGEN_WH_MYSQL_NO_BACKSLASH

static void test_dialect_limits__mariadb_definitions(void **state)
{
	/* type, nullable, default, extra, charset, collation, genexpr,
	 * check, srid - as MariaDB 10.11's information_schema shows them */
	const mgen_wh_mysql_col c[] = {
	    {"int(10) unsigned", "NO", NULL, "auto_increment", NULL, NULL},
	    {"varchar(40)", "NO", "'it''s \\\\ x'", "", "latin1",
	     "latin1_swedish_ci"},
	    {"timestamp", "NO", "current_timestamp()",
	     "on update current_timestamp()"},
	    {"decimal(12,2)", "YES", NULL, "VIRTUAL GENERATED", NULL, NULL,
	     "`amount` * 2"},
	    {"int(11)", "YES", "7", "INVISIBLE"},
	    {"timestamp(3)", "YES", "NULL",
	     "on update current_timestamp(3), INVISIBLE"},
	    {"longtext", "YES", "NULL", "", "utf8mb4", "utf8mb4_bin", NULL,
	     "json_valid(`js`)"},
	    {"point", "NO", NULL, "", NULL, NULL, NULL, NULL, "4326"},
	    {"int(11)", "YES", "(1 + 2)", "WITHOUT SYSTEM VERSIONING"},
	};
	const char *want[] = {
	    "int(10) unsigned NOT NULL AUTO_INCREMENT",
	    "varchar(40) CHARACTER SET latin1 COLLATE latin1_swedish_ci NOT "
	    "NULL DEFAULT 'it''s \\\\ x'",
	    "timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE "
	    "current_timestamp()",
	    "decimal(12,2) GENERATED ALWAYS AS (`amount` * 2) VIRTUAL",
	    "int(11) NULL DEFAULT 7 INVISIBLE",
	    "timestamp(3) NULL DEFAULT NULL ON UPDATE current_timestamp(3) "
	    "INVISIBLE",
	    "longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL DEFAULT "
	    "NULL CHECK (json_valid(`js`))",
	    "point REF_SYSTEM_ID=4326 NOT NULL",
	    "int(11) NULL DEFAULT (1 + 2) WITHOUT SYSTEM VERSIONING",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		check_def(&c[i], MDB, want[i]);
}

static void test_dialect_limits__mysql_definitions(void **state)
{
	/* MySQL 8's forms: bare default values, DEFAULT_GENERATED */
	const mgen_wh_mysql_col c[] = {
	    {"varchar(20)", "NO", "it's", "", "utf8mb4", "utf8mb4_0900_ai_ci"},
	    {"datetime(3)", "YES", "CURRENT_TIMESTAMP(3)",
	     "DEFAULT_GENERATED on update CURRENT_TIMESTAMP(3)"},
	    {"int", "YES", "(rand() * 10)", "DEFAULT_GENERATED"},
	    {"decimal(5,2)", "NO", "-1.50", ""},
	    {"bit(3)", "YES", "b'101'", ""},
	    {"date", "YES", "2020-01-01", "INVISIBLE"},
	    {"point", "NO", NULL, "", NULL, NULL, NULL, NULL, "4326"},
	    {"int", "NO", NULL, "STORED GENERATED", NULL, NULL, "(`a` + 1)"},
	    {"int", "YES", "1 OR 1", ""}, /* a value, not an expression */
	};
	const char *want[] = {
	    NULL, /* with_lit below */
	    "datetime(3) NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE "
	    "CURRENT_TIMESTAMP(3)",
	    "int NULL DEFAULT ((rand() * 10))",
	    "decimal(5,2) NOT NULL DEFAULT -1.50",
	    "bit(3) NULL DEFAULT b'101'",
	    "date NULL DEFAULT '2020-01-01' INVISIBLE",
	    "point SRID 4326 NOT NULL",
	    "int GENERATED ALWAYS AS ((`a` + 1)) STORED NOT NULL",
	    "int NULL DEFAULT '1 OR 1'",
	};
	size_t i;

	(void)state;
	for (i = 1; i < sizeof(c) / sizeof(c[0]); i++)
		check_def(&c[i], 0, want[i]);
	check_def(&c[0], 0,
		  with_lit("varchar(20) CHARACTER SET utf8mb4 COLLATE "
			   "utf8mb4_0900_ai_ci NOT NULL DEFAULT ",
			   "it's", ""));
}

static void test_dialect_limits__definitions_refused(void **state)
{
	const mgen_wh_mysql_col unknown = {"int", "YES", NULL,
					   "auto_increment, SOMETHING NEW"};
	const mgen_wh_mysql_col bad_update = {"timestamp", "YES", NULL,
					      "on update now(); DROP TABLE x"};
	const mgen_wh_mysql_col nogen = {"int", "YES", NULL,
					 "VIRTUAL GENERATED"};
	const mgen_wh_mysql_col rowstart = {"timestamp(6)",	"NO", NULL,
					    "STORED GENERATED", NULL, NULL,
					    "ROW START"};
	const mgen_wh_mysql_col bslash = {"enum('a','d\\\\e')", "NO", "'a'",
					  ""};
	const mgen_wh_mysql_col cs = {"varchar(5)",	      "YES", NULL, "",
				      "latin1 COLLATE x; --", "x"};
	const mgen_wh_mysql_col srid = {"point", "YES", NULL, "",      NULL,
					NULL,	 NULL,	NULL, "4326 x"};
	const mgen_wh_mysql_col notype = {"", "YES"};

	(void)state;
	check_refused(&unknown, MDB, "EXTRA not understood");
	check_refused(&bad_update, MDB, "EXTRA not understood");
	check_refused(&nogen, MDB, "without its expression");
	check_refused(&rowstart, MDB, "ROW START");
	check_refused(&bslash, MDB | NBE, "NO_BACKSLASH_ESCAPES");
	check_def(&bslash, MDB, "enum('a','d\\\\e') NOT NULL DEFAULT 'a'");
	check_refused(&cs, MDB, "character set not understood");
	check_refused(&srid, MDB, "SRID not understood");
	check_refused(&notype, 0, "no COLUMN_TYPE");
}

static void test_dialect_limits__mysql_modify_ddl(void **state)
{
	mgen_table t;
	mgen_column *c;
	mgen_buf b = MGEN_BUF_INIT;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.catalog = strdup("def");
	t.schema = strdup("sales");
	t.name = strdup("orders");
	assert_int_equal(mgen_table_add_column(&t, &c), 0);
	c->name = strdup("js`x");
	c->data_type = strdup("longtext");
	/* no definition read: nothing to run */
	assert_int_equal(mgen_dialect_column_comment_ddl(MYSQL, &t, c, "x", &b),
			 MGEN_EUNSUPPORTED);
	c->definition = strdup("longtext NULL DEFAULT NULL CHECK (json_valid("
			       "`js``x`))");
	c->definition_comment_at = strlen("longtext NULL DEFAULT NULL");
	assert_int_equal(
	    mgen_dialect_column_comment_ddl(MYSQL, &t, c, "it's", &b), 0);
	assert_string_equal(mgen_buf_str(&b),
			    with_lit("ALTER TABLE `sales`.`orders` MODIFY "
				     "COLUMN `js``x` longtext NULL DEFAULT "
				     "NULL COMMENT ",
				     "it's", " CHECK (json_valid(`js``x`));"));
	/* MariaDB system-versioned: KEEP, else ERROR 4119; NULL gives '' */
	c->definition_keep_history = 1;
	c->definition_comment_at = 0; /* unset: COMMENT at the end */
	mgen_buf_reset(&b);
	assert_int_equal(
	    mgen_dialect_column_comment_ddl(MYSQL, &t, c, NULL, &b), 0);
	assert_string_equal(mgen_buf_str(&b),
			    "SET STATEMENT system_versioning_alter_history = "
			    "KEEP FOR ALTER TABLE `sales`.`orders` MODIFY "
			    "COLUMN `js``x` longtext NULL DEFAULT NULL CHECK "
			    "(json_valid(`js``x`)) COMMENT '';");
	mgen_table_release(&t);
	mgen_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dialect_limits__table_has_sources),
	    cmocka_unit_test(test_dialect_limits__docs_cite_sources),
	    cmocka_unit_test(test_dialect_limits__length_units),
	    cmocka_unit_test(test_dialect_limits__fits_unchanged),
	    cmocka_unit_test(test_dialect_limits__shortened_at_word),
	    cmocka_unit_test(test_dialect_limits__no_space_cut_utf8_safe),
	    cmocka_unit_test(test_dialect_limits__astral_replaced),
	    cmocka_unit_test(test_dialect_limits__sqlserver_utf16_bytes),
	    cmocka_unit_test(test_dialect_limits__proposal_reason),
	    cmocka_unit_test(test_dialect_limits__prompt_tells_limit),
	    cmocka_unit_test(
		test_dialect_limits__fit_table_notes_no_definition),
	    cmocka_unit_test(test_dialect_limits__mariadb_definitions),
	    cmocka_unit_test(test_dialect_limits__mysql_definitions),
	    cmocka_unit_test(test_dialect_limits__definitions_refused),
	    cmocka_unit_test(test_dialect_limits__mysql_modify_ddl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
