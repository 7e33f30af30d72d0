/*
 * test_serve.c - the server's token check (include/metagen/serve.h):
 * equal only for the same bytes; a prefix, a longer token, one byte
 * changed at either end, case, empty and NULL are all unequal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metagen/serve.h"

static void test_serve__token_equal(void **state)
{
	(void)state;
	assert_true(mgen_serve_token_equal("Tok-8fQ2", "Tok-8fQ2"));
	assert_false(mgen_serve_token_equal("Tok-8fQ", "Tok-8fQ2"));
	assert_false(mgen_serve_token_equal("Tok-8fQ22", "Tok-8fQ2"));
	assert_false(mgen_serve_token_equal("tok-8fQ2", "Tok-8fQ2"));
	assert_false(mgen_serve_token_equal("Tok-8fQ3", "Tok-8fQ2"));
	assert_false(mgen_serve_token_equal("", "Tok-8fQ2"));
	assert_false(mgen_serve_token_equal(NULL, "Tok-8fQ2"));
	assert_false(mgen_serve_token_equal("Tok-8fQ2", NULL));
	assert_false(mgen_serve_token_equal("Tok-8fQ2 ", "Tok-8fQ2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serve__token_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
