/*
 * test_util.c - mgen_buf, glob and scope matching, UTF-8 helpers, base64,
 * the data model's helpers and error strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metagen/buf.h"
#include "metagen/table.h"
#include "util/util.h"

static void test_util__buf_appends_and_detaches(void **state)
{
	mgen_buf b = MGEN_BUF_INIT;
	char *s;
	int i;

	(void)state;
	assert_string_equal(mgen_buf_str(&b), "");
	for (i = 0; i < 1000; i++)
		assert_int_equal(mgen_buf_printf(&b, "%d,", i), 0);
	assert_int_equal(strncmp(mgen_buf_str(&b), "0,1,2,", 6), 0);
	assert_int_equal(b.len, strlen(b.data));
	s = mgen_buf_detach(&b);
	assert_non_null(s);
	assert_null(b.data);
	free(s);
}

static void test_util__buf_limit_is_sticky(void **state)
{
	mgen_buf b;

	(void)state;
	mgen_buf_init(&b, 8);
	assert_int_equal(mgen_buf_puts(&b, "12345678"), 0);
	assert_int_equal(mgen_buf_putc(&b, '9'), MGEN_ELIMIT);
	assert_int_equal(mgen_buf_puts(&b, ""), MGEN_ELIMIT);
	assert_int_equal(mgen_buf_error(&b), MGEN_ELIMIT);
	assert_string_equal(mgen_buf_str(&b), "12345678");
	assert_null(mgen_buf_detach(&b));
	mgen_buf_release(&b);
}

static void test_util__glob_matches_like_a_shell(void **state)
{
	(void)state;
	assert_true(mgen__glob_match("main.*", "main.admissions"));
	assert_true(mgen__glob_match("*", ""));
	assert_true(mgen__glob_match("a?c", "abc"));
	assert_false(mgen__glob_match("a?c", "ac"));
	assert_true(mgen__glob_match("d_[il]*", "d_items"));
	assert_false(mgen__glob_match("d_[!il]*", "d_items"));
	assert_true(mgen__glob_match("MAIN.*", "main.x"));
	assert_false(mgen__glob_match("main", "main.x"));
	assert_true(mgen__glob_match("*events*", "inputevents_mv"));
}

static void test_util__scope_matches_trailing_parts(void **state)
{
	(void)state;
	assert_true(mgen__scope_match("mimiciii.admissions", "db",
				      "mimiciii", "admissions"));
	assert_true(mgen__scope_match("admissions", "db", "mimiciii",
				      "admissions"));
	assert_true(mgen__scope_match("main.*", "", "main", "patients"));
	assert_true(mgen__scope_match("main.*", "main", "sales", "orders"));
	assert_true(mgen__scope_match("db.mimiciii.*", "db", "mimiciii", "x"));
	assert_false(mgen__scope_match("other.*", "db", "mimiciii", "x"));
	assert_false(mgen__scope_match("mission", "db", "mimiciii",
				       "admissions"));
}

static void test_util__utf8_prefix_never_splits(void **state)
{
	const char *s = "caf\xc3\xa9!"; /* café! */

	(void)state;
	assert_int_equal(mgen__utf8_prefix(s, strlen(s), 4), 3);
	assert_int_equal(mgen__utf8_prefix(s, strlen(s), 5), 5);
	assert_int_equal(mgen__utf8_prefix(s, strlen(s), 100), 6);
	assert_int_equal(mgen__utf8_len(s), 5);
}

static void test_util__base64_rfc4648_vectors(void **state)
{
	static const char *const in[] = {"", "f", "fo", "foo", "foob",
					 "fooba", "foobar"};
	static const char *const out[] = {"",         "Zg==",     "Zm8=",
					  "Zm9v",     "Zm9vYg==", "Zm9vYmE=",
					  "Zm9vYmFy"};
	size_t i;

	(void)state;
	for (i = 0; i < 7; i++) {
		char *b = mgen__base64((const unsigned char *)in[i],
				       strlen(in[i]));
		assert_string_equal(b, out[i]);
		free(b);
	}
}

static void test_util__model_helpers(void **state)
{
	mgen_table_list l = {NULL, 0, 0};
	mgen_table *t;
	mgen_column *c;
	char *name;
	int i;

	(void)state;
	for (i = 0; i < 40; i++) {
		assert_int_equal(mgen_table_list_push(&l, &t), 0);
		t->schema = mgen__strdup("main");
		t->name = mgen__strdup("t");
		assert_int_equal(mgen_table_add_column(t, &c), 0);
		c->name = mgen__strdup("c");
		assert_int_equal(c->ordinal, 1);
		assert_int_equal(c->distinct_count, -1);
	}
	name = mgen_table_fullname(&l.items[39]);
	assert_string_equal(name, "main.t");
	free(name);
	assert_int_equal(mgen_proposal_set(&l.items[0].proposal, "x",
					   MGEN_PATH_LEGACY,
					   MGEN_STATUS_PROPOSED, NULL),
			 0);
	assert_string_equal(mgen_path_name(l.items[0].proposal.path),
			    "legacy");
	assert_int_equal(mgen_status_from_name("kept"), MGEN_STATUS_KEPT);
	assert_int_equal(mgen_path_from_name("bogus"), -1);
	mgen_table_list_release(&l);
	assert_null(l.items);
}

static void test_util__err_first_error_wins(void **state)
{
	mgen_err e = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(mgen_err_set(&e, MGEN_EDB, "first %d", 1), MGEN_EDB);
	mgen_err_set(&e, MGEN_EIO, "second");
	assert_int_equal(e.code, MGEN_EDB);
	assert_string_equal(e.msg, "first 1");
	assert_string_equal(mgen_strerror(MGEN_EAUTH),
			    "authentication refused");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_util__buf_appends_and_detaches),
		cmocka_unit_test(test_util__buf_limit_is_sticky),
		cmocka_unit_test(test_util__glob_matches_like_a_shell),
		cmocka_unit_test(test_util__scope_matches_trailing_parts),
		cmocka_unit_test(test_util__utf8_prefix_never_splits),
		cmocka_unit_test(test_util__base64_rfc4648_vectors),
		cmocka_unit_test(test_util__model_helpers),
		cmocka_unit_test(test_util__err_first_error_wins),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
