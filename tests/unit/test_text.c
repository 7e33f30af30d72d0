/*
 * test_text.c - the one strict UTF-8 validator/sanitizer and the
 * terminal neutraliser (src/util/text.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metagen/buf.h"
#include "util/text.h"
#include "util/util.h"

static size_t seq(const char *s)
{
	return mgen__utf8_seq((const unsigned char *)s, strlen(s));
}

/* RFC 3629 / Unicode Table 3-7: each ill-formed class is refused. */
static void test_text__utf8_seq_is_strict(void **state)
{
	(void)state;
	assert_int_equal(seq("a"), 1);
	assert_int_equal(seq("\xC3\xA9"), 2);         /* U+00E9 */
	assert_int_equal(seq("\xE2\x82\xAC"), 3);     /* U+20AC */
	assert_int_equal(seq("\xF0\x9F\x98\x80"), 4); /* U+1F600 */
	assert_int_equal(seq("\xF4\x8F\xBF\xBF"), 4); /* U+10FFFF */
	assert_int_equal(seq("\xC0\xAF"), 0);         /* overlong '/' */
	assert_int_equal(seq("\xC1\xBF"), 0);
	assert_int_equal(seq("\xE0\x80\xAF"), 0);     /* overlong, 3 bytes */
	assert_int_equal(seq("\xF0\x80\x80\xAF"), 0); /* overlong, 4 bytes */
	assert_int_equal(seq("\xED\xA0\x80"), 0);     /* U+D800 surrogate */
	assert_int_equal(seq("\xED\xBF\xBF"), 0);     /* U+DFFF */
	assert_int_equal(seq("\xF4\x90\x80\x80"), 0); /* above U+10FFFF */
	assert_int_equal(seq("\xF5\x80\x80\x80"), 0);
	assert_int_equal(seq("\xFF"), 0);
	assert_int_equal(seq("\x80"), 0);             /* stray continuation */
	assert_int_equal(seq("\xE2\x82"), 0);         /* cut short */
	assert_int_equal(seq("\xE2(\xAC"), 0);
}

static void test_text__utf8_fix(void **state)
{
	char *s = mgen__strdup("ok \xC3\xA9 bad\xFF\xFE end \xED\xA0\x80!");
	char *v = mgen__strdup("valid \xE2\x82\xAC");
	char *n = NULL;
	const char *same;

	(void)state;
	assert_int_equal(mgen__utf8_invalid(s, strlen(s)), 2);
	assert_int_equal(mgen__utf8_fix(&s), 2);
	assert_string_equal(s, "ok \xC3\xA9 bad\xEF\xBF\xBD end "
			       "\xEF\xBF\xBD!");
	assert_int_equal(mgen__utf8_invalid(s, strlen(s)), 0);
	same = v;
	assert_int_equal(mgen__utf8_fix(&v), 0);
	assert_ptr_equal(v, same); /* valid text is left alone */
	assert_int_equal(mgen__utf8_fix(&n), 0);
	free(s);
	free(v);
}

static void test_text__term_safe(void **state)
{
	mgen_buf b = MGEN_BUF_INIT;

	(void)state;
	mgen__term_safe(&b, "t\x1b]0;x\x07\r\n\tq\\\x7f\xC2\x9B"
			    "31m \xC3\xA9\xFF", 0);
	assert_string_equal(mgen_buf_str(&b),
			    "t\\x1b]0;x\\x07\\r\\n\\tq\\\\\\x7f\\u009b31m "
			    "\xC3\xA9\\xff");
	mgen_buf_reset(&b);
	mgen__term_safe(&b, "a\nb\tc\\d\x1b[2J", 1);
	assert_string_equal(mgen_buf_str(&b), "a\nb\tc\\d\\x1b[2J");
	mgen_buf_reset(&b);
	mgen__term_safe(&b, NULL, 0);
	assert_string_equal(mgen_buf_str(&b), "(null)");
	mgen_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text__utf8_seq_is_strict),
		cmocka_unit_test(test_text__utf8_fix),
		cmocka_unit_test(test_text__term_safe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
