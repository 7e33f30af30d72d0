/*
 * test_serve.c - the server's token check (include/metagen/serve.h):
 * equal only for the same bytes; a prefix, a longer token, one byte
 * changed at either end, case, empty and NULL are all unequal; the token
 * read from serve.token_file by the API key's rules (one line, no NUL).
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

#include "metagen/config.h"
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

/* Writes `len` bytes of `text` to `path` (truncating). */
static void put(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_serve__token_file_by_the_secret_rules(void **state)
{
	char path[] = "/tmp/metagen-tok-XXXXXX", *tok = NULL;
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(mgen_config_init(&cfg), 0);
	assert_int_equal(mgen_config_read_serve_token(&cfg, &tok, &err), 0);
	assert_null(tok); /* nothing set: no token */
	assert_int_equal(mgen_config_set(&cfg, "serve.token_file", path, 0,
					 "t", &err), 0);
	put(path, "Tok-9\r\n", 7);
	assert_int_equal(mgen_config_read_serve_token(&cfg, &tok, &err), 0);
	assert_string_equal(tok, "Tok-9");
	free(tok);
	/* a second line, a NUL, nothing: refused, naming key and file only */
	put(path, "Tok-9\nTok-extra\n", 16);
	assert_int_equal(mgen_config_read_serve_token(&cfg, &tok, &err),
			 MGEN_ECONFIG);
	assert_non_null(strstr(err.msg, "serve.token_file"));
	assert_non_null(strstr(err.msg, path));
	assert_null(strstr(err.msg, "Tok-"));
	put(path, "Tok\0-9", 6);
	assert_int_equal(mgen_config_read_serve_token(&cfg, &tok, &err),
			 MGEN_ECONFIG);
	put(path, "\n", 1);
	assert_int_equal(mgen_config_read_serve_token(&cfg, &tok, &err),
			 MGEN_ECONFIG);
	/* serve.token wins over the file */
	assert_int_equal(mgen_config_set(&cfg, "serve.token", "direct", 0,
					 "t", &err), 0);
	assert_int_equal(mgen_config_read_serve_token(&cfg, &tok, &err), 0);
	assert_string_equal(tok, "direct");
	free(tok);
	assert_int_equal(mgen_config_set(&cfg, "serve.token", NULL, 0, "t",
					 &err), 0);
	unlink(path);
	assert_int_equal(mgen_config_read_serve_token(&cfg, &tok, &err),
			 MGEN_ECONFIG); /* missing file */
	assert_null(tok);
	mgen_config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serve__token_equal),
		cmocka_unit_test(test_serve__token_file_by_the_secret_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
