/*
 * test_output_sql.c - comments.sql under hostile names, comments and
 * reasons: no text from the warehouse or the LM leaves a comment line or a
 * literal (every line of the file is a whole comment line or a whole
 * statement; nothing after a line break starts a statement, a psql
 * backslash command or a sqlite3 dot command), the comment-line escaping
 * itself (line breaks of every kind, controls, invalid UTF-8), and a
 * header that says what the file is. The runs through the real psql and
 * sqlite3 clients are in tests/integration/cases_sqlsafe.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metagen/output.h"
#include "output/output_internal.h"
#include "util/util.h"

static const char *const hostile[] = {
    "pwn\nDROP TABLE victim; --",
    "cr\rDROP TABLE victim; --",
    "ls\xe2\x80\xa8"
    "DROP TABLE victim; --",
    "nel\xc2\x85"
    "DROP TABLE victim; --",
    "shell\n\\! touch /tmp/pwned",
    "dot\n.shell touch /tmp/pwned",
    "q'uote\"dq`bt]sq\\bs; /* -- */",
    "bad utf8 \xff\xfe\xc0\xaf end",
    "vt\x0b"
    "ff\x0c"
    "esc\x1b[31m",
};
#define NH (sizeof(hostile) / sizeof(hostile[0]))

static char *dupe(const char *s)
{
	char *d = mgen__strdup(s);

	assert_non_null(d);
	return d;
}

/* One table per hostile name, a column per hostile name; the table's
 * comment proposed, the columns proposed, kept and failed in turn, with
 * hostile comments and reasons. */
static void build(mgen_table_list *l)
{
	size_t i, j;

	for (i = 0; i < NH; i++) {
		mgen_table *t;
		assert_int_equal(mgen_table_list_push(l, &t), 0);
		t->catalog = dupe(hostile[(i + 1) % NH]);
		t->schema = dupe(hostile[(i + 2) % NH]);
		t->name = dupe(hostile[i]);
		assert_int_equal(mgen_proposal_set(&t->proposal, hostile[i],
						   MGEN_PATH_LEGACY,
						   MGEN_STATUS_PROPOSED, NULL),
				 0);
		for (j = 0; j < NH; j++) {
			mgen_column *c;
			mgen_status st = j % 3 == 0   ? MGEN_STATUS_PROPOSED
					 : j % 3 == 1 ? MGEN_STATUS_KEPT
						      : MGEN_STATUS_FAILED;
			assert_int_equal(mgen_table_add_column(t, &c), 0);
			c->name = dupe(hostile[j]);
			c->data_type = dupe("text");
			assert_int_equal(
			    mgen_proposal_set(&c->proposal,
					      hostile[(i + j) % NH],
					      MGEN_PATH_LEGACY, st,
					      hostile[(i + j + 1) % NH]),
			    0);
		}
	}
}

/* 1 when `line` (NUL-terminated, no LF) is one whole statement. */
static int is_statement(const char *line)
{
	static const char *const starts[] = {
	    "COMMENT ON ",   "INSERT INTO ", "ALTER TABLE ", "SET ",
	    "CREATE TABLE ", "DELETE FROM ", "IF EXISTS ",   NULL};
	size_t i, n = strlen(line);

	for (i = 0; starts[i]; i++)
		if (strncmp(line, starts[i], strlen(starts[i])) == 0)
			return n > 0 && line[n - 1] == ';';
	return 0;
}

/* Every line is empty, a comment line without CR or Unicode line breaks,
 * or one whole statement. */
static void check_lines(mgen_dialect d, const char *sql)
{
	const char *p = sql, *nl;
	char line[8192];
	int comments = 0, stmts = 0;

	for (; *p; p = nl + 1) {
		size_t n;
		nl = strchr(p, '\n');
		assert_non_null(nl);
		n = (size_t)(nl - p);
		assert_true(n < sizeof(line));
		memcpy(line, p, n);
		line[n] = '\0';
		assert_null(strchr(line, '\r'));
		if (n == 0)
			continue;
		if (strncmp(line, "-- ", 3) == 0) {
			assert_null(strstr(line, "\xe2\x80\xa8"));
			assert_null(strstr(line, "\xc2\x85"));
			assert_null(strchr(line, '\x0b'));
			comments++;
			continue;
		}
		if (!is_statement(line))
			fail_msg("%s: line is neither a comment nor a "
				 "statement: %s",
				 mgen_dialect_name(d), line);
		stmts++;
	}
	assert_true(comments > 0);
	assert_true(stmts > 0);
}

static void test_output_sql__hostile_names_stay_in_place(void **state)
{
	/* the dialects whose literals and names can always be written on one
	 * line (dialect.c) */
	static const mgen_dialect ds[] = {MGEN_DIALECT_POSTGRESQL,
					  MGEN_DIALECT_SQLITE};
	mgen_table_list l = {NULL, 0, 0};
	mgen_buf b = MGEN_BUF_INIT;
	size_t k;

	(void)state;
	build(&l);
	for (k = 0; k < sizeof(ds) / sizeof(ds[0]); k++) {
		mgen_buf_reset(&b);
		assert_int_equal(mgen_output_sql(ds[k], l.items, l.n, &b), 0);
		check_lines(ds[k], mgen_buf_str(&b));
		/* nothing from a name starts a line */
		assert_null(strstr(mgen_buf_str(&b), "\nDROP"));
		assert_null(strstr(mgen_buf_str(&b), "\n\\!"));
		assert_null(strstr(mgen_buf_str(&b), "\n.shell"));
	}
	mgen_buf_release(&b);
	mgen_table_list_release(&l);
}

/* Elsewhere a quoted name (and a MySQL or SQL Server literal) may hold a
 * raw line feed, inside its quotes: the comment lines are still whole
 * lines, and every line break of a name is escaped in them. */
static void test_output_sql__comment_lines_of_every_dialect(void **state)
{
	mgen_table_list l = {NULL, 0, 0};
	mgen_buf b = MGEN_BUF_INIT;
	mgen_dialect d;
	const char *p;

	(void)state;
	build(&l);
	for (d = MGEN_DIALECT_SQLITE; d <= MGEN_DIALECT_SQLSERVER; d++) {
		mgen_buf_reset(&b);
		assert_int_equal(mgen_output_sql(d, l.items, l.n, &b), 0);
		for (p = strstr(mgen_buf_str(&b), "\n-- "); p;
		     p = strstr(p + 1, "\n-- ")) {
			const char *end = strchr(p + 1, '\n');
			assert_non_null(end);
			assert_null(memchr(p + 1, '\r', (size_t)(end - p)));
			assert_null(memchr(p + 1, '\x0b', (size_t)(end - p)));
		}
		assert_non_null(strstr(mgen_buf_str(&b), "\n-- failed: "));
		assert_non_null(
		    strstr(mgen_buf_str(&b), "pwn\\nDROP TABLE victim; --"));
	}
	mgen_buf_release(&b);
	mgen_table_list_release(&l);
}

static void check_text(const char *in, const char *want)
{
	mgen_buf b = MGEN_BUF_INIT;

	assert_int_equal(mgen_output__sql_comment_text(in, &b), 0);
	assert_string_equal(mgen_buf_str(&b), want);
	mgen_buf_release(&b);
}

static void test_output_sql__comment_text_escapes(void **state)
{
	(void)state;
	check_text("a\nb\rc\td\\e", "a\\nb\\rc\\td\\\\e");
	check_text("x\xe2\x80\xa8y\xe2\x80\xa9z\xc2\x85w",
		   "x\\u2028y\\u2029z\\u0085w");
	check_text("\x01\x1b\x7f", "\\x01\\x1b\\x7f");
	check_text("bad \xff \xc0\xaf \xed\xa0\x80 cut \xe2\x80",
		   "bad \\xff \\xc0\\xaf \\xed\\xa0\\x80 cut \\xe2\\x80");
	check_text("Größe 数量 🩺", "Größe 数量 🩺");
	check_text("", "");
	check_text(NULL, "");
}

static void test_output_sql__header_is_true(void **state)
{
	mgen_buf b = MGEN_BUF_INIT;

	(void)state;
	assert_int_equal(mgen_output_sql(MGEN_DIALECT_POSTGRESQL, NULL, 0, &b),
			 0);
	assert_null(strstr(mgen_buf_str(&b), "exactly what"));
	assert_non_null(strstr(mgen_buf_str(&b),
			       "`metagen apply` does not read this file"));
	assert_non_null(strstr(mgen_buf_str(&b),
			       "\nSET standard_conforming_strings = on;\n"));
	mgen_buf_reset(&b);
	assert_int_equal(mgen_output_sql(MGEN_DIALECT_MYSQL, NULL, 0, &b), 0);
	assert_non_null(strstr(mgen_buf_str(&b), "\nSET SESSION sql_mode = "));
	mgen_buf_reset(&b);
	assert_int_equal(mgen_output_sql(MGEN_DIALECT_DATABRICKS, NULL, 0, &b),
			 0);
	assert_null(strstr(mgen_buf_str(&b), "\nSET "));
	mgen_buf_reset(&b);
	assert_int_equal(mgen_output_sql(MGEN_DIALECT_SQLSERVER, NULL, 0, &b),
			 0);
	assert_non_null(strstr(mgen_buf_str(&b), "sqlcmd -x"));
	mgen_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_output_sql__hostile_names_stay_in_place),
	    cmocka_unit_test(test_output_sql__comment_lines_of_every_dialect),
	    cmocka_unit_test(test_output_sql__comment_text_escapes),
	    cmocka_unit_test(test_output_sql__header_is_true),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
