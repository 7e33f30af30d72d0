/*
 * test_config.c - unit tests of the config module: defaults, the shipped
 * config/metagen.yaml, YAML loading and its error messages, environment,
 * flag-form keys, precedence, JSON output and secret masking.
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
#include "metagen/config.h"
#include "util/json.h"

/* Writes `text` to a new temp file; returns its malloc'd path. */
static char *write_temp(const char *text)
{
	char tmpl[] = "/tmp/test_config_XXXXXX";
	int fd = mkstemp(tmpl);
	size_t len = strlen(text);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return strdup(tmpl);
}

/* Loads `text` as a YAML file into a fresh config; returns the rc. */
static int load_text(mgen_config *cfg, const char *text, mgen_err *err)
{
	char *path = write_temp(text);
	int rc;

	assert_int_equal(mgen_config_init(cfg), 0);
	rc = mgen_config_load_file(cfg, path, err);
	unlink(path);
	free(path);
	return rc;
}

/* Loads `text`, expects MGEN_ECONFIG and `want` inside the message
 * (after "FILE" is replaced by nothing: the check is on the suffix). */
static void expect_error(const char *text, const char *want)
{
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;
	int rc = load_text(&cfg, text, &err);

	if (rc != MGEN_ECONFIG || strstr(err.msg, want) == NULL)
		print_error("rc %d, message '%s', wanted '%s'\n", rc, err.msg,
			    want);
	assert_int_equal(rc, MGEN_ECONFIG);
	assert_non_null(strstr(err.msg, want));
	assert_non_null(strstr(err.msg, "/tmp/test_config_"));
	mgen_config_release(&cfg);
}

static void test_config__defaults(void **state)
{
	mgen_config cfg;

	(void)state;
	assert_int_equal(mgen_config_init(&cfg), 0);
	assert_int_equal(cfg.version, MGEN_CONFIG_VERSION);
	assert_null(cfg.connection);
	assert_string_equal(cfg.dialect, "auto");
	assert_int_equal(cfg.scope.n, 0);
	assert_string_equal(cfg.model, "offline");
	assert_null(cfg.api_key);
	assert_true(cfg.temperature > 0.0999 && cfg.temperature < 0.1001);
	assert_int_equal(cfg.max_tokens, 8192);
	assert_int_equal(cfg.timeout_seconds, 120);
	assert_int_equal(cfg.max_retries, 3);
	assert_int_equal(cfg.parse_retries, 2);
	assert_int_equal(cfg.sample_size, 5);
	assert_int_equal(cfg.allow_data, 1);
	assert_int_equal(cfg.allow_data_in_comments, 0);
	assert_int_equal(cfg.add_metadata, 1);
	assert_int_equal(cfg.include_existing_table_comment, 1);
	assert_int_equal(cfg.include_possible_data_fields_in_metadata, 1);
	assert_int_equal(cfg.columns_per_call, 20);
	assert_int_equal(cfg.max_prompt_length, 16384);
	assert_int_equal(cfg.word_limit_per_cell, 200);
	assert_int_equal(cfg.comment_style, MGEN_STYLE_STANDARD);
	assert_int_equal(cfg.abbreviations.n, 0);
	assert_null(cfg.prompts_dir);
	assert_string_equal(cfg.out, "out");
	assert_int_equal(cfg.apply_ddl, 0);
	assert_int_equal(cfg.overwrite, 0);
	assert_int_equal(cfg.dry_run, 0);
	assert_int_equal(cfg.progress, 1);
	assert_null(cfg.config_path);
	mgen_config_release(&cfg);
	assert_null(cfg.dialect);
	mgen_config_release(&cfg); /* twice is harmless */
}

/* The shipped file loads, sets exactly the defaults, names every key. */
static void test_config__shipped_file(void **state)
{
	const char *src = getenv("METAGEN_SRCDIR");
	mgen_config dflt, cfg;
	mgen_err err = MGEN_ERR_INIT;
	char path[1024], *a, *b, *text;
	const mgen_config_keyinfo *k;
	FILE *f;
	long len;

	(void)state;
	snprintf(path, sizeof(path), "%s/config/metagen.yaml", src ? src : ".");
	assert_int_equal(mgen_config_init(&dflt), 0);
	assert_int_equal(mgen_config_init(&cfg), 0);
	if (mgen_config_load_file(&cfg, path, &err) != 0)
		print_error("%s\n", err.msg);
	assert_int_equal(err.code, 0);
	assert_string_equal(cfg.config_path, path);
	free(cfg.config_path);
	cfg.config_path = NULL;
	a = mgen_config_to_json(&dflt);
	b = mgen_config_to_json(&cfg);
	assert_string_equal(a, b);
	free(a);
	free(b);

	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	for (k = mgen_config_keys(); k->key != NULL; k++) {
		const char *leaf = strrchr(k->key, '.');
		char want[128];
		snprintf(want, sizeof(want), "%s%s:", leaf ? "  " : "\n",
			 leaf ? leaf + 1 : k->key);
		if (strstr(text, want) == NULL)
			print_error("key %s not in metagen.yaml\n", k->key);
		assert_non_null(strstr(text, want));
	}
	free(text);
	mgen_config_release(&dflt);
	mgen_config_release(&cfg);
}

static void test_config__every_type(void **state)
{
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;
	int rc;

	(void)state;
	rc = load_text(&cfg,
		       "connection: \"Driver=SQLite3;Database=x.db\"\n"
		       "dialect: PostgreSQL\n"
		       "scope: [main.*, 'other.t1']\n"
		       "exclude:\n  - '*.tmp_*'\n"
		       "model: gpt-4o-mini\n"
		       "temperature: 0.7\n"
		       "max_tokens: 1000\n"
		       "sample_size: 0\n"
		       "allow_data: No\n"
		       "add_metadata: off\n"
		       "progress: 0\n"
		       "dry_run: YES\n"
		       "comment_style: detailed\n"
		       "abbreviations:\n  cust: customer\n  qty: \"a, b\"\n"
		       "prompts:\n  dir: /p\n"
		       "apply: on\n"
		       "out: results\n",
		       &err);
	assert_int_equal(rc, 0);
	assert_string_equal(cfg.connection, "Driver=SQLite3;Database=x.db");
	assert_string_equal(cfg.dialect, "postgresql");
	assert_int_equal(cfg.scope.n, 2);
	assert_string_equal(cfg.scope.items[0], "main.*");
	assert_string_equal(cfg.scope.items[1], "other.t1");
	assert_int_equal(cfg.exclude.n, 1);
	assert_string_equal(cfg.exclude.items[0], "*.tmp_*");
	assert_string_equal(cfg.model, "gpt-4o-mini");
	assert_true(cfg.temperature > 0.699 && cfg.temperature < 0.701);
	assert_int_equal(cfg.max_tokens, 1000);
	assert_int_equal(cfg.sample_size, 0);
	assert_int_equal(cfg.allow_data, 0);
	assert_int_equal(cfg.add_metadata, 0);
	assert_int_equal(cfg.progress, 0);
	assert_int_equal(cfg.dry_run, 1);
	assert_int_equal(cfg.comment_style, MGEN_STYLE_DETAILED);
	assert_int_equal(cfg.abbreviations.n, 2);
	assert_string_equal(mgen_kvlist_get(&cfg.abbreviations, "cust"),
			    "customer");
	assert_string_equal(mgen_kvlist_get(&cfg.abbreviations, "qty"), "a, b");
	assert_string_equal(cfg.prompts_dir, "/p");
	assert_int_equal(cfg.apply_ddl, 1);
	assert_string_equal(cfg.out, "results");
	mgen_config_release(&cfg);
}

static void test_config__unknown_key_line(void **state)
{
	(void)state;
	expect_error("model: x\n\n# comment\nsample_sise: 3\n",
		     ":4: unknown key 'sample_sise'; did you mean "
		     "'sample_size'?");
	expect_error("model: x\nfrobnicate: 1\n", ":2: unknown key "
						  "'frobnicate'");
	expect_error("prompts:\n  dir: x\n  dri: y\n",
		     ":3: unknown key 'prompts.dri'; did you mean "
		     "'prompts.dir'?");
}

static void test_config__unknown_key_no_suggestion(void **state)
{
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(load_text(&cfg, "frobnicate: 1\n", &err),
			 MGEN_ECONFIG);
	assert_null(strstr(err.msg, "did you mean"));
	mgen_config_release(&cfg);
}

static void test_config__wrong_type(void **state)
{
	(void)state;
	expect_error("sample_size: abc\n",
		     ":1: sample_size: expected an integer, got 'abc'");
	expect_error("a: 1\n", ":1: unknown key 'a'");
	expect_error("model: x\nsample_size: 2.5\n",
		     ":2: sample_size: expected an integer, got '2.5'");
	expect_error("temperature: warm\n",
		     "temperature: expected a number, got 'warm'");
	expect_error("allow_data: maybe\n",
		     "allow_data: expected true or false, got 'maybe'");
	expect_error("model:\n  - a\n  - b\n",
		     ":1: model: expected a string, got a sequence");
	expect_error("sample_size: {a: 1}\n",
		     ":1: sample_size: expected an integer, got a mapping");
	expect_error("scope:\n  - a\n  - [b]\n",
		     ":3: scope: a list item must be a string, got a "
		     "sequence");
	expect_error("abbreviations: [a]\n", ":1: abbreviations: expected");
	expect_error("abbreviations:\n  x: [1]\n",
		     ":2: abbreviations: a value must be a string");
}

/* Errors inside aliases name the line of the key that uses them; NUL
 * bytes (a YAML "\\0" escape) are refused. */
static void test_config__alias_and_nul(void **state)
{
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	expect_error("scope: &s [a]\nmodel: x\nabbreviations: {a: *s}\n",
		     ":3: abbreviations: a value must be a string, got a "
		     "sequence");
	expect_error("model: x\nout: \"a\\0b\"\n",
		     ":2: out: the value holds a NUL byte");
	assert_int_equal(load_text(&cfg, "s: &s [a.*, b.*]\n", &err),
			 MGEN_ECONFIG);
	mgen_config_release(&cfg);
	mgen_err_clear(&err);
	assert_int_equal(
	    load_text(&cfg, "scope: &s [a.*, b.*]\nexclude: *s\n", &err), 0);
	assert_int_equal(cfg.exclude.n, 2);
	assert_string_equal(cfg.exclude.items[1], "b.*");
	mgen_config_release(&cfg);
}

static void test_config__out_of_range(void **state)
{
	(void)state;
	expect_error("sample_size: 5000\n",
		     ":1: sample_size: must be between 0 and 1000, got "
		     "'5000'");
	expect_error("sample_size: -1\n", "must be between 0 and 1000");
	expect_error("max_tokens: 99999999999999999999\n",
		     "max_tokens: must be between 1 and 1000000");
	expect_error("temperature: 2.5\n",
		     "temperature: must be between 0 and 2, got '2.5'");
	expect_error("temperature: .nan\n", "temperature: expected a number");
}

static void test_config__bad_enum(void **state)
{
	(void)state;
	expect_error("comment_style: short\n",
		     ":1: comment_style: expected concise|standard|detailed, "
		     "got 'short'");
	expect_error("dialect: oracle\n", "dialect: expected auto|sqlite|");
}

static void test_config__syntax_error(void **state)
{
	(void)state;
	expect_error("model: x\nsample_size: 5\n  bad: [1\n", ":3:");
	expect_error("model: x\nscope: [a, b\n", ":");
	expect_error("a: b: c\n", ":1:5: mapping values are not allowed");
}

static void test_config__syntax_error_format(void **state)
{
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;
	unsigned line = 0, col = 0;
	const char *p;

	(void)state;
	assert_int_equal(load_text(&cfg, "model: x\n\nout: [a\n", &err),
			 MGEN_ECONFIG);
	/* FILE:LINE:COL: problem */
	p = strstr(err.msg, ":");
	assert_non_null(p);
	assert_int_equal(sscanf(p, ":%u:%u:", &line, &col), 2);
	assert_true(line >= 3);
	assert_true(col >= 1);
	mgen_config_release(&cfg);
}

static void test_config__shapes(void **state)
{
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(load_text(&cfg, "", &err), 0);
	assert_int_equal(cfg.sample_size, 5);
	mgen_config_release(&cfg);
	assert_int_equal(load_text(&cfg, "# only a comment\n", &err), 0);
	mgen_config_release(&cfg);
	assert_int_equal(load_text(&cfg, "---\n", &err), 0);
	mgen_config_release(&cfg);
	expect_error("- a\n- b\n", ":1: expected a mapping of settings, got "
				   "a sequence");
	expect_error("just text\n", "expected a mapping of settings");
	expect_error("model: a\n---\nmodel: b\n", "only one YAML document");
	expect_error("[x]: 1\n", "a key must be a string");
}

static void test_config__null_restores_default(void **state)
{
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(load_text(&cfg, "out: ~\nsample_size:\nmodel: ''\n",
				   &err),
			 0);
	assert_string_equal(cfg.out, "out");
	assert_int_equal(cfg.sample_size, 5);
	assert_string_equal(cfg.model, "offline");
	mgen_config_release(&cfg);
}

static void test_config__nested_prompts_dir(void **state)
{
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(
	    load_text(&cfg, "prompts:\n  dir: my/templates\n", &err), 0);
	assert_string_equal(cfg.prompts_dir, "my/templates");
	mgen_config_release(&cfg);
	assert_int_equal(load_text(&cfg, "prompts.dir: flat\n", &err), 0);
	assert_string_equal(cfg.prompts_dir, "flat");
	mgen_config_release(&cfg);
	expect_error("prompts: x\n", ":1: unknown key 'prompts'");
	expect_error("prompts:\n  dir:\n    deeper: 1\n",
		     ":2: prompts.dir: expected a string, got a mapping");
}

static void test_config__abbreviations(void **state)
{
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	/* CUST and cust are one key: given twice is an error
	 * (test_config_hostile.c); flags replace case-insensitively */
	assert_int_equal(load_text(&cfg,
				   "abbreviations:\n  cust: customer\n"
				   "  amt: amount\n",
				   &err),
			 0);
	assert_int_equal(mgen_config_set(&cfg, "abbreviations", "CUST=client",
					 0, "--abbreviations", &err),
			 0);
	assert_int_equal(cfg.abbreviations.n, 2); /* CUST replaced cust */
	assert_string_equal(mgen_kvlist_get(&cfg.abbreviations, "cust"),
			    "client");
	assert_int_equal(mgen_config_set(&cfg, "abbreviations",
					 "qty = quantity, no=number", 0,
					 "--abbreviations", &err),
			 0);
	assert_int_equal(cfg.abbreviations.n, 4);
	assert_string_equal(mgen_kvlist_get(&cfg.abbreviations, "qty"),
			    "quantity");
	assert_int_equal(
	    mgen_config_set(&cfg, "abbreviations", "a=b", 1, "x", &err), 0);
	assert_int_equal(cfg.abbreviations.n, 1);
	/* a bad pair changes nothing */
	assert_int_equal(mgen_config_set(&cfg, "abbreviations", "c=d,oops", 1,
					 "--abbreviations", &err),
			 MGEN_ECONFIG);
	assert_non_null(strstr(err.msg, "--abbreviations: abbreviations: "
					"expected abbr=expansion pairs, got "
					"'oops'"));
	assert_int_equal(cfg.abbreviations.n, 1);
	assert_string_equal(cfg.abbreviations.items[0].key, "a");
	mgen_config_release(&cfg);
}

static void test_config__lists(void **state)
{
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(load_text(&cfg,
				   "scope:\n  - b.c\n  - d.*\n"
				   "exclude: 'x.y, z.*'\n",
				   &err),
			 0);
	assert_int_equal(cfg.scope.n, 2);
	assert_string_equal(cfg.scope.items[0], "b.c");
	assert_int_equal(cfg.exclude.n, 2);
	assert_string_equal(cfg.exclude.items[1], "z.*");
	/* flags append; replace_list starts over */
	assert_int_equal(
	    mgen_config_set(&cfg, "scope", "e.f", 0, "--scope", &err), 0);
	assert_int_equal(cfg.scope.n, 3);
	assert_string_equal(cfg.scope.items[2], "e.f");
	assert_int_equal(
	    mgen_config_set(&cfg, "scope", "g.*, ,h", 1, "x", &err), 0);
	assert_int_equal(cfg.scope.n, 2);
	assert_string_equal(cfg.scope.items[0], "g.*");
	assert_string_equal(cfg.scope.items[1], "h");
	assert_int_equal(mgen_config_set(&cfg, "scope", "", 1, "x", &err), 0);
	assert_int_equal(cfg.scope.n, 0);
	mgen_config_release(&cfg);
}

static void test_config__flag_form_keys(void **state)
{
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(mgen_config_init(&cfg), 0);
	assert_int_equal(
	    mgen_config_set(&cfg, "sample-size", "7", 0, "--sample-size", &err),
	    0);
	assert_int_equal(cfg.sample_size, 7);
	assert_int_equal(
	    mgen_config_set(&cfg, "prompts-dir", "t", 0, "--prompts-dir", &err),
	    0);
	assert_string_equal(cfg.prompts_dir, "t");
	assert_int_equal(mgen_config_set(&cfg,
					 "include-existing-table-"
					 "comment",
					 "false", 0, "--x", &err),
			 0);
	assert_int_equal(cfg.include_existing_table_comment, 0);
	assert_int_equal(
	    mgen_config_set(&cfg, "apply", "true", 0, "--apply", &err), 0);
	assert_int_equal(cfg.apply_ddl, 1);
	assert_int_equal(
	    mgen_config_set(&cfg, "sample-size", "x", 0, "--sample-size", &err),
	    MGEN_ECONFIG);
	assert_string_equal(err.msg, "--sample-size: sample_size: expected an "
				     "integer, got 'x'");
	mgen_err_clear(&err);
	assert_int_equal(
	    mgen_config_set(&cfg, "sampel-size", "1", 0, "--sampel-size", &err),
	    MGEN_ECONFIG);
	assert_string_equal(err.msg, "--sampel-size: unknown key "
				     "'sampel-size'; did you mean "
				     "'sample_size'?");
	mgen_config_release(&cfg);
}

static void test_config__key_kind(void **state)
{
	(void)state;
	assert_int_equal(mgen_config_key_kind("dry-run"), 1);
	assert_int_equal(mgen_config_key_kind("apply"), 1);
	assert_int_equal(mgen_config_key_kind("progress"), 1);
	assert_int_equal(mgen_config_key_kind("sample-size"), 0);
	assert_int_equal(mgen_config_key_kind("prompts.dir"), 0);
	assert_int_equal(mgen_config_key_kind("scope"), 0);
	assert_int_equal(mgen_config_key_kind("nope"), -1);
	assert_int_equal(mgen_config_key_kind("prompts"), -1);
}

static void test_config__keys_table(void **state)
{
	const mgen_config_keyinfo *k = mgen_config_keys(), *j;
	size_t n = 0;

	(void)state;
	for (; k->key != NULL; k++, n++) {
		assert_non_null(k->type);
		assert_non_null(k->dflt);
		assert_true(strlen(k->help) > 5);
		assert_non_null(mgen__config_find(k->key));
		/* unique after folding '.', '-', '_' */
		for (j = k + 1; j->key != NULL; j++)
			assert_ptr_not_equal(mgen__config_find(k->key),
					     mgen__config_find(j->key));
	}
	assert_int_equal(n, mgen__config_nspecs);
	k = mgen_config_keys();
	for (; k->key != NULL; k++)
		if (strcmp(k->key, "comment_style") == 0)
			break;
	assert_string_equal(k->type, "concise|standard|detailed");
	assert_string_equal(k->dflt, "standard");
}

static void test_config__env(void **state)
{
	char *envp[] = {"PATH=/bin",
			"METAGEN_SAMPLE_SIZE=9",
			"METAGEN_PROMPTS_DIR=/tpl",
			"METAGEN_SCOPE=a.*,b.c",
			"METAGEN_ABBREVIATIONS=x=y",
			"METAGEN_CONFIG=/etc/m.yaml",
			"METAGEN_API_KEY=sk-secret",
			"METAGEN_SRCDIR=/src",
			"METAGEN_TEST_PG=1",
			NULL};
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(mgen_config_init(&cfg), 0);
	assert_int_equal(mgen_config_set(&cfg, "scope", "old", 0, "f", &err),
			 0);
	assert_int_equal(mgen_config_load_env(&cfg, envp, &err), 0);
	assert_int_equal(cfg.sample_size, 9);
	assert_string_equal(cfg.prompts_dir, "/tpl");
	assert_int_equal(cfg.scope.n, 2); /* replaced, not appended */
	assert_string_equal(cfg.scope.items[0], "a.*");
	assert_string_equal(cfg.scope.items[1], "b.c");
	assert_string_equal(mgen_kvlist_get(&cfg.abbreviations, "x"), "y");
	assert_null(cfg.api_key); /* METAGEN_API_KEY is the LM client's */
	mgen_config_release(&cfg);
}

static void test_config__env_errors(void **state)
{
	char *unknown[] = {"METAGEN_FOO=1", NULL};
	char *close[] = {"METAGEN_SAMPLE_SIZ=1", NULL};
	char *bad[] = {"METAGEN_MAX_RETRIES=99", NULL};
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(mgen_config_init(&cfg), 0);
	assert_int_equal(mgen_config_load_env(&cfg, unknown, &err),
			 MGEN_ECONFIG);
	assert_string_equal(err.msg, "environment METAGEN_FOO: unknown key");
	mgen_err_clear(&err);
	assert_int_equal(mgen_config_load_env(&cfg, close, &err), MGEN_ECONFIG);
	assert_string_equal(err.msg, "environment METAGEN_SAMPLE_SIZ: unknown "
				     "key; did you mean METAGEN_SAMPLE_SIZE?");
	mgen_err_clear(&err);
	assert_int_equal(mgen_config_load_env(&cfg, bad, &err), MGEN_ECONFIG);
	assert_string_equal(err.msg, "environment METAGEN_MAX_RETRIES: "
				     "max_retries: must be between 0 and 20, "
				     "got '99'");
	assert_int_equal(cfg.max_retries, 3);
	mgen_config_release(&cfg);
}

/* file, then env, then flags: flag > env > file > default. */
static void test_config__precedence(void **state)
{
	char *envp[] = {"METAGEN_SAMPLE_SIZE=20", "METAGEN_MAX_TOKENS=300",
			NULL};
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(load_text(&cfg,
				   "sample_size: 10\nmax_tokens: 200\n"
				   "columns_per_call: 7\n",
				   &err),
			 0);
	assert_int_equal(mgen_config_load_env(&cfg, envp, &err), 0);
	assert_int_equal(mgen_config_set(&cfg, "sample-size", "30", 0,
					 "--sample-size", &err),
			 0);
	assert_int_equal(cfg.sample_size, 30);	    /* flag */
	assert_int_equal(cfg.max_tokens, 300);	    /* env */
	assert_int_equal(cfg.columns_per_call, 7);  /* file */
	assert_int_equal(cfg.timeout_seconds, 120); /* default */
	mgen_config_release(&cfg);
}

static void test_config__to_json_masks(void **state)
{
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;
	cJSON *j;
	char *text;

	(void)state;
	assert_int_equal(mgen_config_init(&cfg), 0);
	text = mgen_config_to_json(&cfg);
	j = cJSON_Parse(text);
	assert_non_null(j);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "api_key")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "config_path")));
	assert_string_equal(mgen__json_str(j, "comment_style"), "standard");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "progress")));
	assert_int_equal(mgen__json_num(j, "sample_size", -1), 5);
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(j, "scope")));
	cJSON_Delete(j);
	free(text);

	assert_int_equal(
	    mgen_config_set(&cfg, "api_key", "sk-TOPSECRET", 0, "t", &err), 0);
	assert_int_equal(mgen_config_set(&cfg, "connection",
					 "Driver={PG};UID=me;PWD=hunter2;"
					 "Auth_AccessToken=tok123",
					 0, "t", &err),
			 0);
	assert_int_equal(
	    mgen_config_set(&cfg, "abbreviations", "a=b", 0, "t", &err), 0);
	text = mgen_config_to_json(&cfg);
	assert_null(strstr(text, "TOPSECRET"));
	assert_null(strstr(text, "hunter2"));
	assert_null(strstr(text, "tok123"));
	j = cJSON_Parse(text);
	assert_string_equal(mgen__json_str(j, "api_key"), "***");
	assert_string_equal(mgen__json_str(j, "connection"),
			    "Driver={PG};UID=me;PWD=***;Auth_AccessToken=***");
	assert_string_equal(
	    mgen__json_str(cJSON_GetObjectItem(j, "abbreviations"), "a"), "b");
	cJSON_Delete(j);
	free(text);
	mgen_config_release(&cfg);
}

static void check_mask(const char *in, const char *want)
{
	char *got = mgen_config_mask_connection(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_config__mask_connection(void **state)
{
	(void)state;
	assert_null(mgen_config_mask_connection(NULL));
	check_mask("", "");
	check_mask("DSN=warehouse", "DSN=warehouse");
	check_mask("DSN=w;UID=bob;PWD=s3cret;", "DSN=w;UID=bob;PWD=***;");
	check_mask("dsn=w;pwd=abc", "dsn=w;pwd=***");
	check_mask("Password=abc;Server=h", "Password=***;Server=h");
	check_mask("Token=t;AuthToken=u;Secret=v;Port=1",
		   "Token=***;AuthToken=***;Secret=***;Port=1");
	check_mask("Driver={Simba Spark};AuthMech=3;UID=token;"
		   "PWD=dapi123;Host=x",
		   "Driver={Simba Spark};AuthMech=3;UID=token;PWD=***;Host=x");
	/* braces may hold ';' and '}}' */
	check_mask("PWD={a;b}}c};Server=h", "PWD=***;Server=h");
	check_mask("Driver={x;y};PWD={p;q}", "Driver={x;y};PWD=***");
	check_mask("PWD={unterminated;Server=h", "PWD=***");
	check_mask(" pwd = x ;Server=h", " pwd =***;Server=h");
	check_mask("novalue;PWD=x", "novalue;PWD=***");
	check_mask(
	    "postgresql://u:pw@host:5432/db?sslmode=require&password=z",
	    "postgresql://***:***@host:5432/db?sslmode=require&password=***");
	/* the user goes too: a userinfo may be a bare token */
	check_mask("https://ghp_tok@host/x", "https://***@host/x");
	check_mask("postgresql://host/db", "postgresql://host/db");
}

static void test_config__set_edge_cases(void **state)
{
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(mgen_config_init(&cfg), 0);
	assert_int_equal(
	    mgen_config_set(&cfg, "sample_size", " 8 ", 0, "t", &err), 0);
	assert_int_equal(cfg.sample_size, 8);
	assert_int_equal(mgen_config_set(&cfg, "sample_size", "", 0, "t", &err),
			 MGEN_ECONFIG);
	assert_int_equal(cfg.sample_size, 8);
	mgen_err_clear(&err);
	assert_int_equal(
	    mgen_config_set(&cfg, "sample_size", NULL, 0, "t", &err), 0);
	assert_int_equal(cfg.sample_size, 5);
	assert_int_equal(
	    mgen_config_set(&cfg, "temperature", "1e999", 0, "t", &err),
	    MGEN_ECONFIG);
	assert_non_null(strstr(err.msg, "must be between"));
	mgen_err_clear(&err);
	assert_int_equal(
	    mgen_config_set(&cfg, "comment_style", "CONCISE", 0, "t", &err), 0);
	assert_int_equal(cfg.comment_style, MGEN_STYLE_CONCISE);
	assert_int_equal(
	    mgen_config_set(&cfg, "dialect", "SQLite", 0, "t", &err), 0);
	assert_string_equal(cfg.dialect, "sqlite");
	assert_int_equal(mgen_config_set(&cfg, "out", "", 0, "t", &err), 0);
	assert_string_equal(cfg.out, "out");
	assert_int_equal(mgen_config_set(&cfg, NULL, "x", 0, NULL, &err),
			 MGEN_ECONFIG);
	assert_string_equal(err.msg, "config: unknown key ''");
	mgen_config_release(&cfg);
}

static void test_config__missing_file(void **state)
{
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(mgen_config_init(&cfg), 0);
	assert_int_equal(
	    mgen_config_load_file(&cfg, "/nonexistent/m.yaml", &err), MGEN_EIO);
	assert_non_null(strstr(err.msg, "/nonexistent/m.yaml"));
	assert_null(cfg.config_path);
	mgen_config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config__defaults),
	    cmocka_unit_test(test_config__shipped_file),
	    cmocka_unit_test(test_config__every_type),
	    cmocka_unit_test(test_config__unknown_key_line),
	    cmocka_unit_test(test_config__unknown_key_no_suggestion),
	    cmocka_unit_test(test_config__wrong_type),
	    cmocka_unit_test(test_config__alias_and_nul),
	    cmocka_unit_test(test_config__out_of_range),
	    cmocka_unit_test(test_config__bad_enum),
	    cmocka_unit_test(test_config__syntax_error),
	    cmocka_unit_test(test_config__syntax_error_format),
	    cmocka_unit_test(test_config__shapes),
	    cmocka_unit_test(test_config__null_restores_default),
	    cmocka_unit_test(test_config__nested_prompts_dir),
	    cmocka_unit_test(test_config__abbreviations),
	    cmocka_unit_test(test_config__lists),
	    cmocka_unit_test(test_config__flag_form_keys),
	    cmocka_unit_test(test_config__key_kind),
	    cmocka_unit_test(test_config__keys_table),
	    cmocka_unit_test(test_config__env),
	    cmocka_unit_test(test_config__env_errors),
	    cmocka_unit_test(test_config__precedence),
	    cmocka_unit_test(test_config__to_json_masks),
	    cmocka_unit_test(test_config__mask_connection),
	    cmocka_unit_test(test_config__set_edge_cases),
	    cmocka_unit_test(test_config__missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
