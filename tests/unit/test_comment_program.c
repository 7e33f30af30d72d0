/*
 * test_comment_program.c - the optimized path's comment program
 * (src/comment/comment_program.c): inputs from an in-memory profiled
 * table, the no-data guarantee, loading a saved program file (custom
 * instructions, a demo) and rejecting one with the wrong field count,
 * and parsing answers with both adapters.
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

#include "metagen/answer.h"
#include "metagen/comment_program.h"
#include "util/json.h"
#include "util/util.h"

#define CANARY "Zq7CanaryValue"

/* shop.orders: 3 columns with statistics, 2 sample rows. */
static void make_table(mgen_table *t)
{
	static const char *const names[] = {"id", "email", "amt"};
	const char *cells[2][3] = {{"1", CANARY "@example.com", "12.5"},
				   {"2", "bob@example.com", "99.0"}};
	size_t i, r;

	memset(t, 0, sizeof(*t));
	t->catalog = mgen__strdup("");
	t->schema = mgen__strdup("shop");
	t->name = mgen__strdup("orders");
	for (i = 0; i < 3; i++) {
		mgen_column *c;
		assert_int_equal(mgen_table_add_column(t, &c), 0);
		c->name = mgen__strdup(names[i]);
		c->data_type = mgen__strdup("text");
		c->ordinal = (int)i + 1;
		c->non_null_count = 2;
		c->distinct_count = 2;
		c->min_value = mgen__strdup("min" CANARY);
		c->max_value = mgen__strdup("max" CANARY);
	}
	t->profiled = 1;
	t->row_count = 2;
	t->sample = calloc(6, sizeof(char *));
	assert_non_null(t->sample);
	t->sample_row_count = 2;
	for (r = 0; r < 2; r++)
		for (i = 0; i < 3; i++)
			t->sample[r * 3 + i] = mgen__strdup(cells[r][i]);
}

static mgen_prompt_options opts_with(int allow_data)
{
	mgen_prompt_options o;

	memset(&o, 0, sizeof(o));
	o.version = MGEN_PROMPT_OPTIONS_VERSION;
	o.allow_data = allow_data;
	o.allow_data_in_comments = 1;
	o.add_metadata = 1;
	o.include_minmax = 1;
	o.word_limit_per_cell = 50;
	return o;
}

static void test_comment_program__inputs_hold_asked_columns_only(void **st)
{
	mgen_table t;
	mgen_prompt_options o = opts_with(1);
	mgen_example *ex = NULL;
	size_t cols[] = {0, 2};
	char *data = NULL, *meta = NULL;
	cJSON *d, *names, *m;

	(void)st;
	make_table(&t);
	assert_int_equal(mgen_comment_inputs(&t, cols, 2, &o, 5, &ex, NULL), 0);
	assert_string_equal(mgen_example_get_str(ex, "table_name"),
			    "shop.orders");
	assert_string_equal(mgen_example_get_str(ex, "context"), "");
	assert_int_equal(mgen_example_get_json(ex, "table_data", &data), 0);
	assert_int_equal(mgen_example_get_json(ex, "column_metadata", &meta),
			 0);
	d = cJSON_Parse(data);
	assert_non_null(d);
	assert_string_equal(mgen__json_str(d, "table_name"), "shop.orders");
	names = cJSON_GetObjectItem(d, "columns");
	assert_int_equal(cJSON_GetArraySize(names), 2);
	assert_string_equal(cJSON_GetArrayItem(names, 0)->valuestring, "id");
	assert_string_equal(cJSON_GetArrayItem(names, 1)->valuestring, "amt");
	assert_null(cJSON_GetObjectItem(d, "column_metadata"));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(d, "data")),
			 2);
	m = cJSON_Parse(meta);
	assert_non_null(m);
	assert_int_equal(cJSON_GetArraySize(m), 2);
	assert_non_null(cJSON_GetObjectItem(m, "amt"));
	assert_null(cJSON_GetObjectItem(m, "email"));
	assert_non_null(strstr(meta, "min" CANARY));
	cJSON_Delete(d);
	cJSON_Delete(m);
	free(data);
	free(meta);
	mgen_example_free(ex);
	mgen_table_release(&t);
}

/* avg_length (a mean, a float) is spelled as Python prints a float, as
 * DSPy renders the same dict: 4.0, 2.5, 0.0; counts stay integers. */
static void test_comment_program__float_stats_keep_python_spelling(void **st)
{
	mgen_table t;
	mgen_prompt_options o = opts_with(1);
	mgen_example *ex = NULL;
	size_t cols[] = {0, 1, 2};
	char *meta = NULL;

	(void)st;
	make_table(&t);
	t.columns[0].avg_length = 4;
	t.columns[1].avg_length = 2.5;
	t.columns[2].avg_length = 0;
	assert_int_equal(mgen_comment_inputs(&t, cols, 3, &o, 5, &ex, NULL), 0);
	assert_int_equal(mgen_example_get_json(ex, "column_metadata", &meta),
			 0);
	assert_non_null(strstr(meta, "\"avg_length\": 4.0"));
	assert_non_null(strstr(meta, "\"avg_length\": 2.5"));
	assert_non_null(strstr(meta, "\"avg_length\": 0.0"));
	assert_non_null(strstr(meta, "\"row_count\": 2,"));
	assert_null(strstr(meta, "\"row_count\": 2.0"));
	free(meta);
	mgen_example_free(ex);
	mgen_table_release(&t);
}

static void test_comment_program__no_data_leaves_no_values(void **st)
{
	mgen_table t;
	mgen_prompt_options o = opts_with(0);
	mgen_comment_program *cp = NULL;
	mgen_example *ex = NULL;
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;
	size_t cols[] = {0, 1, 2}, i;

	(void)st;
	make_table(&t);
	assert_int_equal(mgen_comment_inputs(&t, cols, 3, &o, 5, &ex, NULL), 0);
	assert_int_equal(mgen_comment_program_new(&cp, NULL), 0);
	assert_int_equal(mgen_comment_program_render(cp, ex, 0, &m, NULL), 0);
	assert_true(m.n >= 2);
	for (i = 0; i < m.n; i++) {
		assert_null(strstr(m.msgs[i].content, CANARY));
		assert_null(strstr(m.msgs[i].content, "\"min\""));
	}
	assert_non_null(strstr(m.msgs[m.n - 1].content, "\"data\": []"));
	mgen_sig_messages_release(&m);
	mgen_comment_program_free(cp);
	mgen_example_free(ex);
	mgen_table_release(&t);
}

/* A saved program in DSPy's layout with `nfields` fields and one demo. */
static char *write_program(size_t nfields)
{
	char path[] = "/tmp/test_comment_program.XXXXXX";
	mgen_buf b = MGEN_BUF_INIT;
	size_t i;
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	mgen_buf_puts(&b, "{\"comment\": {\"traces\": [], \"train\": [], "
			  "\"demos\": [{\"augmented\": true, \"table_name\": "
			  "\"demo.t\", \"table_data\": {\"table_name\": "
			  "\"demo.t\", \"columns\": [\"k\"]}, "
			  "\"column_metadata\": {}, \"abbreviations\": {}, "
			  "\"context\": \"\", \"comments\": {\"table\": "
			  "\"DemoTableText\", \"columns\": [\"k\"], "
			  "\"column_contents\": [\"DemoColText\"]}}], "
			  "\"signature\": {\"instructions\": \"Custom "
			  "instructions XYZ.\", \"fields\": [");
	for (i = 0; i < nfields; i++)
		mgen_buf_printf(&b, "%s{\"prefix\": \"P%zu:\", "
				    "\"description\": \"D%zu\"}",
				i ? ", " : "", i, i);
	mgen_buf_puts(&b, "]}, \"lm\": null}, \"metadata\": "
			  "{\"dependency_versions\": {\"python\": \"3.12\", "
			  "\"dspy\": \"3.0.4\", \"cloudpickle\": \"3.1\"}}}\n");
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(mgen_buf_str(&b), f);
	fclose(f);
	mgen_buf_release(&b);
	return mgen__strdup(path);
}

static void test_comment_program__file_overlays_instructions_and_demos(
	void **st)
{
	char *path = write_program(6);
	mgen_comment_program *cp = NULL;
	mgen_example *ex = NULL;
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;
	mgen_sig_field f;

	(void)st;
	assert_int_equal(mgen_comment_program_load(path, &cp, NULL), 0);
	assert_int_equal(mgen_comment_program_demo_count(cp), 1);
	assert_int_equal(mgen_signature_field(
				 mgen_comment_program_signature(cp), 5, &f),
			 0);
	assert_string_equal(f.name, "comments");
	assert_string_equal(f.prefix, "P5:");
	assert_int_equal(mgen_example_new(&ex), 0);
	assert_int_equal(mgen_example_set_str(ex, "table_name", "shop.x"), 0);
	assert_int_equal(mgen_comment_program_render(cp, ex, 0, &m, NULL), 0);
	assert_int_equal(m.n, 4);
	assert_string_equal(m.msgs[0].role, "system");
	assert_non_null(strstr(m.msgs[0].content, "Custom instructions XYZ."));
	assert_string_equal(m.msgs[1].role, "user");
	assert_non_null(strstr(m.msgs[1].content, "demo.t"));
	assert_string_equal(m.msgs[2].role, "assistant");
	assert_non_null(strstr(m.msgs[2].content, "DemoColText"));
	assert_non_null(strstr(m.msgs[2].content, "[[ ## comments ## ]]"));
	assert_string_equal(m.msgs[3].role, "user");
	assert_non_null(strstr(m.msgs[3].content, "shop.x"));
	mgen_sig_messages_release(&m);
	mgen_example_free(ex);
	mgen_comment_program_free(cp);
	unlink(path);
	free(path);
}

static void test_comment_program__wrong_field_count_rejected(void **st)
{
	char *path = write_program(5);
	mgen_comment_program *cp = NULL;
	mgen_err e = MGEN_ERR_INIT;

	(void)st;
	assert_int_equal(mgen_comment_program_load(path, &cp, &e),
			 MGEN_EINVAL);
	assert_null(cp);
	/* five unnamed fields cannot be placed: the first one is named */
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "field 0 (prefix 'P0:'"));
	assert_non_null(strstr(e.msg, "matches no field"));
	unlink(path);
	free(path);
}

static void test_comment_program__parse_both_adapters(void **st)
{
	mgen_comment_program *cp = NULL;
	mgen_err e = MGEN_ERR_INIT;
	mgen_answer a;
	char *out = NULL;

	(void)st;
	assert_int_equal(mgen_comment_program_new(&cp, NULL), 0);
	assert_int_equal(
		mgen_comment_program_parse(
			cp,
			"[[ ## comments ## ]]\n{\"table\": \"T\", \"columns\": "
			"[\"a\"], \"column_contents\": [\"A\"]}\n\n"
			"[[ ## completed ## ]]",
			0, &out, NULL),
		0);
	memset(&a, 0, sizeof(a));
	assert_int_equal(mgen_answer_parse(out, 0, &a, NULL), 0);
	assert_string_equal(a.table_comment, "T");
	assert_string_equal(a.contents[0], "A");
	mgen_answer_release(&a);
	free(out);
	assert_int_equal(mgen_comment_program_parse(
				 cp,
				 "{\"comments\": {\"table\": \"J\", \"columns\": "
				 "[], \"column_contents\": []}}",
				 1, &out, NULL),
			 0);
	assert_non_null(strstr(out, "\"J\""));
	free(out);
	assert_int_equal(mgen_comment_program_parse(cp, "no idea, sorry", 0,
						    &out, &e),
			 MGEN_EPARSE);
	assert_null(out);
	assert_non_null(strstr(e.msg, "comments"));
	mgen_comment_program_free(cp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_comment_program__inputs_hold_asked_columns_only),
		cmocka_unit_test(
			test_comment_program__no_data_leaves_no_values),
		cmocka_unit_test(
			test_comment_program__file_overlays_instructions_and_demos),
		cmocka_unit_test(
			test_comment_program__wrong_field_count_rejected),
		cmocka_unit_test(test_comment_program__parse_both_adapters),
		cmocka_unit_test(
			test_comment_program__float_stats_keep_python_spelling),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
