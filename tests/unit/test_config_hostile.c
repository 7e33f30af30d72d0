/*
 * test_config_hostile.c - YAML config files as an attacker writes them
 * (src/config/config_yaml.c): deep nesting refused while parsing (100k
 * nested '[' took 75 s in libyaml), files over 1 MiB refused, a key
 * given twice is an error naming both lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config_internal.h"
#include "metagen/buf.h"
#include "metagen/config.h"

/* Loads `text` (len bytes) as file "c.yaml"; returns the rc. */
static int load(const char *text, size_t len, mgen_err *err)
{
	mgen_config cfg;
	int rc;

	assert_int_equal(mgen_config_init(&cfg), 0);
	rc = mgen__config_load_yaml(&cfg, "c.yaml", text, len, err);
	mgen_config_release(&cfg);
	return rc;
}

static void expect(const char *text, const char *want)
{
	mgen_err err = MGEN_ERR_INIT;
	int rc = load(text, strlen(text), &err);

	if (rc != MGEN_ECONFIG || strstr(err.msg, want) == NULL)
		print_error("rc %d, message '%s', wanted '%s'\n", rc, err.msg,
			    want);
	assert_int_equal(rc, MGEN_ECONFIG);
	assert_non_null(strstr(err.msg, want));
}

/* `n` times `open` then `close` n times; caller frees. */
static char *nested(size_t n, const char *prefix, char open, char close)
{
	mgen_buf b = MGEN_BUF_INIT;
	size_t i;

	mgen_buf_puts(&b, prefix);
	for (i = 0; i < n; i++)
		mgen_buf_putc(&b, open);
	for (i = 0; i < n; i++)
		mgen_buf_putc(&b, close);
	mgen_buf_putc(&b, '\n');
	return mgen_buf_detach(&b);
}

/* 100,000 nested flow sequences or mappings, unclosed ones, and deep
 * block nesting: refused at the 33rd level, naming the place. */
static void test_config_hostile__deep_nesting(void **state)
{
	char *t;
	mgen_buf b = MGEN_BUF_INIT;
	int i;

	(void)state;
	t = nested(100000, "scope: ", '[', ']');
	expect(t, "c.yaml:1:39: nested deeper than 32 levels");
	free(t);
	t = nested(100000, "", '[', ']');
	expect(t, "c.yaml:1:33: nested deeper than 32 levels");
	free(t);
	t = nested(100000, "abbreviations: ", '{', '}');
	expect(t, "nested deeper than 32 levels");
	t[strlen(t) / 2] = '\0'; /* never closed */
	expect(t, "nested deeper than 32 levels");
	free(t);
	for (i = 0; i < 40; i++)
		mgen_buf_printf(&b, "%*sk%d:\n", i, "", i);
	expect(mgen_buf_str(&b), "c.yaml:33:");
	mgen_buf_release(&b);
	/* 32 levels still parse (and fail later for what they are) */
	t = nested(31, "scope: ", '[', ']');
	expect(t, "scope: a list item must be a string");
	free(t);
}

/* Over 1 MiB: refused before parsing, file and size named. */
static void test_config_hostile__size_cap(void **state)
{
	size_t n = ((size_t)1 << 20) + 1;
	char *big = malloc(n + 1), path[] = "/tmp/test_config_big_XXXXXX";
	mgen_err err = MGEN_ERR_INIT;
	mgen_config cfg;
	int fd;

	(void)state;
	assert_non_null(big);
	memset(big, '#', n);
	big[n] = '\0';
	assert_int_equal(load(big, n, &err), MGEN_ECONFIG);
	assert_non_null(strstr(err.msg, "1048577 bytes"));
	mgen_err_clear(&err);
	/* a comment-only file of exactly 1 MiB is fine */
	assert_int_equal(load(big, n - 1, &err), 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, big, n), (ssize_t)n);
	close(fd);
	assert_int_equal(mgen_config_init(&cfg), 0);
	assert_int_equal(mgen_config_load_file(&cfg, path, &err), MGEN_ECONFIG);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "1048577 bytes"));
	mgen_config_release(&cfg);
	unlink(path);
	free(big);
}

/* A key given twice names both lines, at the top, nested, in a map
 * value, and when the spellings differ only in case, '-' or '_'. */
static void test_config_hostile__duplicate_keys(void **state)
{
	mgen_err err = MGEN_ERR_INIT;
	const char *ok = "sample_size: 3\nprompts:\n  dir: a\n";

	(void)state;
	expect("sample_size: 3\nmodel: offline\nsample_size: 4\n",
	       "c.yaml:3: key 'sample_size' is given twice (first at line 1)");
	expect("model: offline\nSample-Size: 3\nsample_size: 4\n",
	       "c.yaml:3: key 'sample_size' is given twice (first at line 2)");
	expect("prompts:\n  dir: a\n  dir: b\n",
	       "c.yaml:3: key 'dir' is given twice (first at line 2)");
	expect("abbreviations:\n  hadm: hospital admission\n  x: y\n"
	       "  HADM: other\n",
	       "c.yaml:4: key 'HADM' is given twice (first at line 2)");
	expect("{scope: a, scope: b}\n", "key 'scope' is given twice");
	assert_int_equal(load(ok, strlen(ok), &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_hostile__deep_nesting),
	    cmocka_unit_test(test_config_hostile__size_cap),
	    cmocka_unit_test(test_config_hostile__duplicate_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
