/*
 * test_config_factories.c - the public factories from a config:
 * mgen_config_in_scope (scope and exclude globs), mgen_wh_open_config's
 * errors, mgen_profile_options_from_config, mgen_prompt_options_from_config
 * and mgen_lm_new_from_config's key file errors.
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
#include "metagen/lm.h"
#include "metagen/prompt.h"
#include "metagen/warehouse.h"

static void set(mgen_config *cfg, const char *k, const char *v)
{
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(mgen_config_set(cfg, k, v, 0, "test", &err), 0);
}

static void test_factories__scope_and_exclude(void **state)
{
	mgen_config cfg;

	(void)state;
	assert_int_equal(mgen_config_init(&cfg), 0);
	/* no scope: everything */
	assert_true(mgen_config_in_scope(&cfg, "db", "s", "t"));
	assert_true(mgen_config_in_scope(&cfg, NULL, NULL, "t"));
	set(&cfg, "scope", "main.*, sales.orders");
	assert_true(mgen_config_in_scope(&cfg, "", "main", "patients"));
	assert_true(mgen_config_in_scope(&cfg, "cat", "MAIN", "x"));
	assert_true(mgen_config_in_scope(&cfg, "cat", "sales", "orders"));
	assert_false(mgen_config_in_scope(&cfg, "cat", "sales", "orders2"));
	assert_false(mgen_config_in_scope(&cfg, "cat", "other", "patients"));
	/* a name holding the glob's own characters and a dot */
	assert_false(mgen_config_in_scope(&cfg, "", "mai", "n.x"));
	set(&cfg, "exclude", "*.tmp_*");
	assert_true(mgen_config_in_scope(&cfg, "", "main", "patients"));
	assert_false(mgen_config_in_scope(&cfg, "", "main", "tmp_load"));
	/* exclude wins over scope */
	set(&cfg, "exclude", "main.patients");
	assert_false(mgen_config_in_scope(&cfg, "c", "main", "patients"));
	mgen_config_release(&cfg);
}

static void test_factories__wh_open_errors(void **state)
{
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;
	mgen_wh *wh = (mgen_wh *)&cfg;

	(void)state;
	assert_int_equal(mgen_config_init(&cfg), 0);
	assert_int_equal(mgen_wh_open_config(&cfg, &wh, &err), MGEN_ECONFIG);
	assert_null(wh);
	assert_non_null(strstr(err.msg, "no warehouse connection"));
	set(&cfg, "connection", "Driver=SQLite3;Database=:memory:;PWD=hunter2");
	/* mgen_config_set refuses it; a library user may fill the struct */
	free(cfg.dialect);
	cfg.dialect = strdup("frobsql");
	mgen_err_clear(&err);
	assert_int_equal(mgen_wh_open_config(&cfg, &wh, &err), MGEN_ECONFIG);
	assert_non_null(strstr(err.msg, "unknown dialect 'frobsql'"));
	assert_null(strstr(err.msg, "hunter2"));
	mgen_config_release(&cfg);
}

static void test_factories__profile_and_prompt_options(void **state)
{
	mgen_config cfg;
	mgen_profile_options po;
	mgen_prompt_options p;

	(void)state;
	assert_int_equal(mgen_config_init(&cfg), 0);
	set(&cfg, "sample_size", "7");
	set(&cfg, "allow_data", "false");
	po = mgen_profile_options_from_config(&cfg);
	assert_int_equal(po.sample_size, 0); /* no data: no sample */
	assert_int_equal(po.allow_data, 0);
	set(&cfg, "allow_data", "true");
	set(&cfg, "word_limit_per_cell", "9");
	po = mgen_profile_options_from_config(&cfg);
	assert_int_equal(po.sample_size, 7);
	assert_int_equal(po.word_limit_per_cell, 9);
	mgen_prompt_options_from_config(&cfg, &p);
	assert_int_equal(p.version, MGEN_PROMPT_OPTIONS_VERSION);
	assert_int_equal(p.allow_data, 1);
	assert_int_equal(p.word_limit_per_cell, 9);
	assert_ptr_equal(p.abbreviations, &cfg.abbreviations);
	assert_int_equal(p.max_prompt_words, (size_t)cfg.max_prompt_length);
	mgen_config_release(&cfg);
}

static void test_factories__lm_key_file_errors(void **state)
{
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;
	mgen_lm *lm = (mgen_lm *)&cfg;
	char path[] = "/tmp/metagen-keyXXXXXX";
	int fd;

	(void)state;
	assert_int_equal(mgen_config_init(&cfg), 0);
	set(&cfg, "api_key_file", "/nonexistent/metagen/key");
	assert_int_equal(mgen_lm_new_from_config(&cfg, NULL, NULL, &lm, &err),
			 MGEN_ECONFIG);
	assert_null(lm);
	assert_non_null(strstr(err.msg, "/nonexistent/metagen/key"));
	/* two lines: refused, and the key text never in the message */
	mgen_err_clear(&err);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "sk-secret1\nsk-secret2\n", 22), 22);
	close(fd);
	set(&cfg, "api_key_file", path);
	assert_int_equal(mgen_lm_new_from_config(&cfg, NULL, NULL, &lm, &err),
			 MGEN_ECONFIG);
	assert_null(strstr(err.msg, "sk-secret"));
	unlink(path);
	mgen_config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_factories__scope_and_exclude),
	    cmocka_unit_test(test_factories__wh_open_errors),
	    cmocka_unit_test(test_factories__profile_and_prompt_options),
	    cmocka_unit_test(test_factories__lm_key_file_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
