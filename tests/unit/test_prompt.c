/*
 * test_prompt.c - the legacy comment prompts (src/prompt/legacy.c,
 * profile_json.c): loading the embedded set and a prompts dir, rendering a
 * comment prompt for an in-memory profiled table, the split-shape JSON,
 * the no-data guarantees, shrinking, and the merge prompt.
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
#include "metagen/prompt.h"
#include "prompt/embedded.h"
#include "util/json.h"
#include "util/util.h"

#define CANARY "Zq7CanaryValue"

/* The fixture: shop.orders with 4 columns, statistics and 3 sample rows. */
static void make_table(mgen_table *t)
{
	static const char *const names[] = {"id", "email", "amt", "note"};
	static const char *const types[] = {"integer", "text", "real", "text"};
	const char *cells[3][4] = {
	    {"1", "ann@example.com", "12.5", "first order"},
	    {"2", CANARY "@example.com", NULL, "gift wrap please"},
	    {"3", "bob@example.com", "99.0", NULL},
	};
	size_t i, r;

	memset(t, 0, sizeof(*t));
	t->catalog = mgen__strdup("");
	t->schema = mgen__strdup("shop");
	t->name = mgen__strdup("orders");
	t->existing_comment = mgen__strdup("customer orders");
	for (i = 0; i < 4; i++) {
		mgen_column *c;
		assert_int_equal(mgen_table_add_column(t, &c), 0);
		c->name = mgen__strdup(names[i]);
		c->data_type = mgen__strdup(types[i]);
		c->ordinal = (int)i + 1;
		c->non_null_count = 3 - (long long)(i > 1);
		c->distinct_count = 3;
	}
	t->columns[1].existing_comment = mgen__strdup("buyer address");
	t->columns[1].min_value = mgen__strdup("aa" CANARY);
	t->columns[1].max_value = mgen__strdup("zz" CANARY);
	t->columns[1].avg_length = 17.333333;
	t->columns[2].min_value = mgen__strdup("12.5");
	t->columns[2].max_value = mgen__strdup("99.0");
	t->columns[3].distinct_count = -1; /* unknown: left out */
	t->profiled = 1;
	t->row_count = 3;
	t->sample = calloc(12, sizeof(char *));
	assert_non_null(t->sample);
	t->sample_row_count = 3;
	for (r = 0; r < 3; r++)
		for (i = 0; i < 4; i++)
			t->sample[r * 4 + i] = mgen__strdup(cells[r][i]);
}

static mgen_prompt_options default_opts(void)
{
	mgen_prompt_options o;

	memset(&o, 0, sizeof(o));
	o.version = MGEN_PROMPT_OPTIONS_VERSION;
	o.comment_style = MGEN_STYLE_STANDARD;
	o.allow_data = 1;
	o.allow_data_in_comments = 1;
	o.add_metadata = 1;
	o.include_existing_table_comment = 1;
	o.include_minmax = 1;
	o.word_limit_per_cell = 200;
	return o;
}

struct fixture {
	mgen_prompt_set *ps;
	mgen_table t;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	mgen_err err = MGEN_ERR_INIT;

	if (f == NULL || mgen_prompt_set_load(NULL, &f->ps, &err) != 0)
		return -1;
	make_table(&f->t);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	mgen_prompt_set_free(f->ps);
	mgen_table_release(&f->t);
	free(f);
	return 0;
}

/* The first JSON object in `s` that has "table_name" (what the local test
 * server looks for); caller deletes. NULL when none. */
static cJSON *find_profile(const char *s)
{
	const char *p;

	for (p = strchr(s, '{'); p != NULL; p = strchr(p + 1, '{')) {
		const char *end = NULL;
		cJSON *o = cJSON_ParseWithOpts(p, &end, 0);
		if (o != NULL && cJSON_IsObject(o) &&
		    cJSON_GetObjectItemCaseSensitive(o, "table_name") != NULL)
			return o;
		cJSON_Delete(o);
	}
	return NULL;
}

/* Checks the member names of object `o` are exactly `keys` (in order). */
static void expect_keys(const cJSON *o, const char *const *keys, size_t n)
{
	const cJSON *it = o->child;
	size_t i;

	for (i = 0; i < n; i++, it = it->next) {
		assert_non_null(it);
		assert_string_equal(it->string, keys[i]);
	}
	assert_null(it);
}

/* 1 when some message of `c` contains `needle`. */
static int chat_has(const mgen_chat *c, const char *needle)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strstr(c->msgs[i].content, needle) != NULL)
			return 1;
	return 0;
}

static void render_ok(struct fixture *f, const size_t *cols, size_t ncols,
		      const mgen_prompt_options *o, mgen_chat *c)
{
	mgen_err err = MGEN_ERR_INIT;
	int rc =
	    mgen_prompt_render_comment(f->ps, &f->t, cols, ncols, o, c, &err);

	if (rc != 0)
		fail_msg("render failed: %s", err.msg);
}

static void test_prompt__embedded_set_loads(void **state)
{
	mgen_prompt_set *ps = NULL;
	mgen_err err = MGEN_ERR_INIT;
	size_t i, n = 0;

	(void)state;
	for (i = 0; mgen__embedded_prompts[i].name != NULL; i++)
		n++;
	assert_true(n >= 9);
	assert_int_equal(mgen_prompt_set_load(NULL, &ps, &err), 0);
	assert_non_null(ps);
	mgen_prompt_set_free(ps);
	mgen_prompt_set_free(NULL);
}

static void test_prompt__message_roles_in_order(void **state)
{
	struct fixture *f = *state;
	mgen_prompt_options o = default_opts();
	const size_t cols[] = {0, 1, 2, 3};
	static const char *const roles[] = {"system", "user",	   "assistant",
					    "user",   "assistant", "user"};
	mgen_chat c;
	size_t i, words = 0;

	render_ok(f, cols, 4, &o, &c);
	assert_int_equal(c.n, 6);
	for (i = 0; i < c.n; i++) {
		assert_string_equal(c.msgs[i].role, roles[i]);
		assert_true(strlen(c.msgs[i].content) > 20);
		/* no template syntax left over */
		assert_null(strstr(c.msgs[i].content, "{{"));
	}
	/* few-shot answers are the exact answer shape */
	for (i = 2; i < 5; i += 2) {
		cJSON *a = cJSON_Parse(c.msgs[i].content);
		static const char *const keys[] = {"table", "columns",
						   "column_contents"};
		assert_non_null(a);
		expect_keys(a, keys, 3);
		assert_int_equal(
		    cJSON_GetArraySize(cJSON_GetObjectItem(a, "columns")),
		    cJSON_GetArraySize(
			cJSON_GetObjectItem(a, "column_contents")));
		cJSON_Delete(a);
	}
	assert_int_equal(c.sample_rows, 3);
	assert_true(c.words > 100);
	for (i = 0; i < c.n; i++) {
		const char *p = c.msgs[i].content;
		while (*p) {
			while (*p == ' ' || *p == '\n' || *p == '\t')
				p++;
			if (*p)
				words++;
			while (*p && *p != ' ' && *p != '\n' && *p != '\t')
				p++;
		}
	}
	assert_int_equal(c.words, words);
	mgen_chat_release(&c);
	mgen_chat_release(&c); /* released twice is harmless */
}

static void test_prompt__user_json_shape(void **state)
{
	struct fixture *f = *state;
	mgen_prompt_options o = default_opts();
	const size_t cols[] = {2, 1};
	static const char *const top[] = {"table_name",	     "columns",
					  "index",	     "data",
					  "column_metadata", "table_comment"};
	static const char *const amt[] = {
	    "data_type",      "row_count", "non_null_count",
	    "distinct_count", "min",	   "max"};
	static const char *const email[] = {
	    "data_type", "row_count", "non_null_count", "distinct_count",
	    "min",	 "max",	      "avg_length",	"existing_comment"};
	mgen_chat c;
	cJSON *j, *data, *meta, *row;

	render_ok(f, cols, 2, &o, &c);
	j = find_profile(c.msgs[c.n - 1].content);
	assert_non_null(j);
	expect_keys(j, top, 6);
	assert_string_equal(mgen__json_str(j, "table_name"), "shop.orders");
	assert_string_equal(mgen__json_str(j, "table_comment"),
			    "customer orders");
	assert_string_equal(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(j, "columns"), 0)
		->valuestring,
	    "amt");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "columns")),
			 2);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "index")),
			 3);
	data = cJSON_GetObjectItem(j, "data");
	assert_int_equal(cJSON_GetArraySize(data), 3);
	row = cJSON_GetArrayItem(data, 1);
	assert_int_equal(cJSON_GetArraySize(row), 2);
	assert_true(cJSON_IsNull(cJSON_GetArrayItem(row, 0)));
	assert_string_equal(cJSON_GetArrayItem(row, 1)->valuestring,
			    CANARY "@example.com");
	meta = cJSON_GetObjectItem(j, "column_metadata");
	assert_int_equal(cJSON_GetArraySize(meta), 2);
	assert_string_equal(meta->child->string, "amt");
	expect_keys(cJSON_GetObjectItem(meta, "amt"), amt, 6);
	expect_keys(cJSON_GetObjectItem(meta, "email"), email, 8);
	assert_true(mgen__json_num(cJSON_GetObjectItem(meta, "email"),
				   "avg_length", 0) == 17.33);
	/* the columns not asked for are nowhere */
	assert_null(cJSON_GetObjectItem(meta, "note"));
	assert_false(chat_has(&c, "gift wrap"));
	cJSON_Delete(j);
	/* the user message names the table and the column count */
	assert_non_null(strstr(c.msgs[c.n - 1].content, "shop.orders"));
	assert_non_null(strstr(c.msgs[c.n - 1].content, "the 2 columns"));
	mgen_chat_release(&c);
}

static void test_prompt__style_changes_system(void **state)
{
	struct fixture *f = *state;
	mgen_prompt_options o = default_opts();
	const size_t cols[] = {0};
	mgen_chat a, b;

	o.comment_style = MGEN_STYLE_CONCISE;
	render_ok(f, cols, 1, &o, &a);
	o.comment_style = MGEN_STYLE_DETAILED;
	render_ok(f, cols, 1, &o, &b);
	assert_string_not_equal(a.msgs[0].content, b.msgs[0].content);
	assert_non_null(strstr(a.msgs[0].content, "15 words"));
	assert_null(strstr(b.msgs[0].content, "15 words"));
	assert_non_null(strstr(b.msgs[0].content, "caveats"));
	/* only the system message depends on the style */
	assert_string_equal(a.msgs[a.n - 1].content, b.msgs[b.n - 1].content);
	mgen_chat_release(&a);
	mgen_chat_release(&b);
}

static void test_prompt__nodata_system_prompt(void **state)
{
	struct fixture *f = *state;
	mgen_prompt_options o = default_opts();
	const size_t cols[] = {0};
	mgen_chat a, b;

	render_ok(f, cols, 1, &o, &a);
	o.allow_data_in_comments = 0;
	render_ok(f, cols, 1, &o, &b);
	assert_null(strstr(a.msgs[0].content, "Never mention any data value"));
	assert_non_null(
	    strstr(b.msgs[0].content, "Never mention any data value"));
	mgen_chat_release(&a);
	mgen_chat_release(&b);
}

static void test_prompt__no_data_value_when_data_disallowed(void **state)
{
	struct fixture *f = *state;
	mgen_prompt_options o = default_opts();
	const size_t cols[] = {0, 1, 2, 3};
	mgen_chat c;
	cJSON *j;

	/* with data allowed the canary shows (so this test can fail) */
	render_ok(f, cols, 4, &o, &c);
	assert_true(chat_has(&c, CANARY "@example.com"));
	assert_true(chat_has(&c, "aa" CANARY));
	mgen_chat_release(&c);

	o.allow_data = 0;
	render_ok(f, cols, 4, &o, &c);
	assert_false(chat_has(&c, CANARY));
	assert_false(chat_has(&c, "99.0"));
	assert_false(chat_has(&c, "gift wrap"));
	assert_int_equal(c.sample_rows, 0);
	j = find_profile(c.msgs[c.n - 1].content);
	assert_non_null(j);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "index")),
			 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "data")), 0);
	assert_null(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(j, "column_metadata"),
				"email"),
	    "min"));
	cJSON_Delete(j);
	mgen_chat_release(&c);
}

static void test_prompt__abbreviations_and_table_comment(void **state)
{
	struct fixture *f = *state;
	mgen_prompt_options o = default_opts();
	const size_t cols[] = {2};
	mgen_kvlist abbr = {NULL, 0, 0};
	mgen_chat c;

	render_ok(f, cols, 1, &o, &c);
	assert_non_null(strstr(c.msgs[c.n - 1].content, "Abbreviations: {}"));
	assert_non_null(strstr(c.msgs[c.n - 1].content, "already has a"));
	mgen_chat_release(&c);

	assert_int_equal(mgen_kvlist_add(&abbr, "amt", "amount"), 0);
	assert_int_equal(mgen_kvlist_add(&abbr, "q\"ty", "quantity"), 0);
	o.abbreviations = &abbr;
	o.include_existing_table_comment = 0;
	render_ok(f, cols, 1, &o, &c);
	assert_non_null(
	    strstr(c.msgs[c.n - 1].content,
		   "{\"amt\": \"amount\", \"q\\\"ty\": \"quantity\"}"));
	assert_null(strstr(c.msgs[c.n - 1].content, "already has a"));
	assert_null(strstr(c.msgs[c.n - 1].content, "customer orders"));
	mgen_chat_release(&c);
	mgen_kvlist_release(&abbr);
}

static void test_prompt__shrinks_then_fails(void **state)
{
	struct fixture *f = *state;
	mgen_prompt_options o = default_opts();
	const size_t cols[] = {0, 1, 2, 3};
	mgen_err err = MGEN_ERR_INIT;
	mgen_chat c;
	size_t full;
	int rc;

	render_ok(f, cols, 4, &o, &c);
	full = c.words;
	mgen_chat_release(&c);

	o.max_prompt_words = full - 1;
	render_ok(f, cols, 4, &o, &c);
	assert_true(c.sample_rows < 3);
	assert_true(c.words <= full - 1);
	assert_false(chat_has(&c, "bob@example.com"));
	mgen_chat_release(&c);

	o.max_prompt_words = 10;
	rc = mgen_prompt_render_comment(f->ps, &f->t, cols, 4, &o, &c, &err);
	assert_int_equal(rc, MGEN_ELIMIT);
	assert_int_equal(c.n, 0);
	assert_null(c.msgs);
	assert_non_null(strstr(err.msg, "prompt for shop.orders is "));
	assert_non_null(strstr(err.msg, "over max_prompt_length 10 even"));
}

static void test_prompt__shrinks_cell_words(void **state)
{
	struct fixture *f = *state;
	mgen_prompt_options o = default_opts();
	const size_t cols[] = {1};
	char *longv = malloc(64 * 5 + 1);
	mgen_chat c;
	size_t i, base;

	/* a long max value: only the cell word limit can shrink it once
	 * there are no rows left */
	assert_non_null(longv);
	for (i = 0; i < 64; i++)
		memcpy(longv + i * 5, "word ", 5);
	longv[64 * 5 - 1] = '\0';
	free(f->t.columns[1].max_value);
	f->t.columns[1].max_value = longv;
	o.allow_data = 1;
	render_ok(f, cols, 1, &o, &c);
	base = c.words;
	mgen_chat_release(&c);
	/* the 64-word max must be cut to at most 24 words */
	o.max_prompt_words = base - 40;
	render_ok(f, cols, 1, &o, &c);
	assert_int_equal(c.sample_rows, 0);
	assert_true(c.words <= o.max_prompt_words);
	assert_true(chat_has(&c, "word word"));
	mgen_chat_release(&c);
}

/* 1 when `s` is valid UTF-8 (RFC 3629: no overlongs, no surrogates). */
static int utf8_valid(const unsigned char *s)
{
	while (*s) {
		size_t n, i;
		unsigned cp;
		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((*s & 0xE0) == 0xC0)
			n = 1, cp = *s & 0x1F;
		else if ((*s & 0xF0) == 0xE0)
			n = 2, cp = *s & 0x0F;
		else if ((*s & 0xF8) == 0xF0)
			n = 3, cp = *s & 0x07;
		else
			return 0;
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i] & 0x3F);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		s += n + 1;
	}
	return 1;
}

static void test_prompt__utf8_cells_cut_at_word_limit(void **state)
{
	struct fixture *f = *state;
	mgen_prompt_options o = default_opts();
	const size_t cols[] = {3};
	mgen_buf longcell = MGEN_BUF_INIT;
	char *text;
	cJSON *j, *data;
	size_t i;

	free(f->t.sample[3]);
	f->t.sample[3] = mgen__strdup("ñandú  über\tcafé 日本語 テスト más");
	for (i = 0; i < 40; i++)
		mgen_buf_puts(&longcell, "日本");
	free(f->t.sample[7]);
	f->t.sample[7] = mgen_buf_detach(&longcell);
	mgen_buf_release(&longcell);
	o.word_limit_per_cell = 3;
	text = mgen_prompt_profile_json(&f->t, cols, 1, &o, 3);
	assert_non_null(text);
	assert_true(utf8_valid((const unsigned char *)text));
	j = cJSON_Parse(text);
	assert_non_null(j);
	data = cJSON_GetObjectItem(j, "data");
	assert_string_equal(
	    cJSON_GetArrayItem(cJSON_GetArrayItem(data, 0), 0)->valuestring,
	    "ñandú  über\tcafé");
	/* one long word: cut at 10 x limit code points, never mid-sequence */
	assert_int_equal(
	    mgen__utf8_len(cJSON_GetArrayItem(cJSON_GetArrayItem(data, 1), 0)
			       ->valuestring),
	    30);
	assert_true(utf8_valid((const unsigned char *)cJSON_GetArrayItem(
				   cJSON_GetArrayItem(data, 1), 0)
				   ->valuestring));
	cJSON_Delete(j);
	free(text);
}

static void test_prompt__profile_json_options(void **state)
{
	struct fixture *f = *state;
	mgen_prompt_options o = default_opts();
	const size_t cols[] = {3, 0, 1};
	static const char *const top[] = {"table_name", "columns", "index",
					  "data"};
	static const char *const email[] = {
	    "data_type",      "row_count",  "non_null_count",
	    "distinct_count", "avg_length", "existing_comment"};
	char *text;
	cJSON *j;

	o.add_metadata = 0;
	o.include_existing_table_comment = 0;
	text = mgen_prompt_profile_json(&f->t, cols, 2, &o, 1);
	assert_non_null(text);
	j = cJSON_Parse(text);
	expect_keys(j, top, 4);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "data")), 1);
	cJSON_Delete(j);
	free(text);

	o.add_metadata = 1;
	o.include_minmax = 0;
	text = mgen_prompt_profile_json(&f->t, &cols[2], 1, &o, 0);
	assert_null(strstr(text, CANARY));
	assert_null(strstr(text, "\"min\""));
	j = cJSON_Parse(text);
	expect_keys(cJSON_GetObjectItem(
			cJSON_GetObjectItem(j, "column_metadata"), "email"),
		    email, 6);
	cJSON_Delete(j);
	free(text);

	/* an unprofiled table: only names, types and comments */
	f->t.profiled = 0;
	text = mgen_prompt_profile_json(&f->t, cols, 2, &o, 5);
	assert_null(strstr(text, "row_count"));
	assert_non_null(strstr(text, "\"data_type\": \"text\""));
	f->t.profiled = 1;
	free(text);
}

static void test_prompt__merge_prompt(void **state)
{
	struct fixture *f = *state;
	mgen_prompt_options o = default_opts();
	const char *parts[] = {"Orders placed online.",
			       "Holds \"gift\" notes."};
	mgen_err err = MGEN_ERR_INIT;
	mgen_chat c;
	cJSON *j, *d;

	assert_int_equal(
	    mgen_prompt_render_merge(f->ps, &f->t, parts, 2, &o, &c, &err), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.msgs[0].role, "system");
	assert_string_equal(c.msgs[1].role, "user");
	j = find_profile(c.msgs[1].content);
	assert_non_null(j);
	assert_null(cJSON_GetObjectItem(j, "columns"));
	assert_string_equal(mgen__json_str(j, "table_name"), "shop.orders");
	d = cJSON_GetObjectItem(j, "table_descriptions");
	assert_int_equal(cJSON_GetArraySize(d), 2);
	assert_string_equal(cJSON_GetArrayItem(d, 1)->valuestring, parts[1]);
	assert_non_null(strstr(c.msgs[1].content,
			       "{\"table\": \"<merged description>\", "
			       "\"columns\": [], \"column_contents\": []}"));
	assert_false(chat_has(&c, CANARY));
	cJSON_Delete(j);
	mgen_chat_release(&c);

	o.max_prompt_words = 5;
	assert_int_equal(
	    mgen_prompt_render_merge(f->ps, &f->t, parts, 2, &o, &c, &err),
	    MGEN_ELIMIT);
	assert_int_equal(c.n, 0);
}

/* Writes `text` to dir/name. */
static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(mgen__write_file_atomic(path, text, strlen(text)), 0);
}

static void remove_dir(const char *dir)
{
	char path[512];
	size_t i;

	for (i = 0; mgen__embedded_prompts[i].name != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir,
			 mgen__embedded_prompts[i].name);
		unlink(path);
	}
	rmdir(dir);
}

static void test_prompt__load_from_dir(void **state)
{
	struct fixture *f = *state;
	mgen_prompt_options o = default_opts();
	const size_t cols[] = {0};
	char dir[] = "/tmp/mgen-prompt-XXXXXX";
	char path[600], want[700];
	mgen_prompt_set *ps = NULL;
	mgen_err err = MGEN_ERR_INIT;
	mgen_chat c;
	size_t i;

	assert_non_null(mkdtemp(dir));
	for (i = 0; mgen__embedded_prompts[i].name != NULL; i++)
		write_file(dir, mgen__embedded_prompts[i].name,
			   mgen__embedded_prompts[i].text);
	write_file(dir, "system.txt",
		   "{{! mine }}\nCUSTOM SYSTEM: {{style_guideline}}\n");
	assert_int_equal(mgen_prompt_set_load(dir, &ps, &err), 0);
	assert_int_equal(
	    mgen_prompt_render_comment(ps, &f->t, cols, 1, &o, &c, &err), 0);
	assert_int_equal(c.n, 6);
	assert_true(mgen__startswith(c.msgs[0].content, "CUSTOM SYSTEM: "));
	mgen_chat_release(&c);
	mgen_prompt_set_free(ps);

	/* no few-shot files: system + user only */
	snprintf(path, sizeof(path), "%s/fewshot_2_user.txt", dir);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/fewshot_2_assistant.txt", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mgen_prompt_set_load(dir, &ps, &err), 0);
	assert_int_equal(
	    mgen_prompt_render_comment(ps, &f->t, cols, 1, &o, &c, &err), 0);
	assert_int_equal(c.n, 4);
	mgen_chat_release(&c);
	mgen_prompt_set_free(ps);

	/* a broken template names FILE:LINE */
	write_file(dir, "user.txt", "line one\n\n{{#table_name}}\nno close\n");
	ps = (mgen_prompt_set *)&err; /* must be reset to NULL */
	assert_int_equal(mgen_prompt_set_load(dir, &ps, &err), MGEN_ETEMPLATE);
	assert_null(ps);
	snprintf(want, sizeof(want),
		 "%s/user.txt:3: unclosed section 'table_name'", dir);
	assert_string_equal(err.msg, want);

	/* a missing required file */
	mgen_err_clear(&err);
	snprintf(path, sizeof(path), "%s/user.txt", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mgen_prompt_set_load(dir, &ps, &err), MGEN_EIO);
	assert_non_null(strstr(err.msg, "user.txt"));

	/* an unknown variable shows at render time with FILE:LINE */
	mgen_err_clear(&err);
	write_file(dir, "user.txt", "ok\n{{tabel_name}}\n");
	assert_int_equal(mgen_prompt_set_load(dir, &ps, &err), 0);
	assert_int_equal(
	    mgen_prompt_render_comment(ps, &f->t, cols, 1, &o, &c, &err),
	    MGEN_ETEMPLATE);
	snprintf(want, sizeof(want),
		 "%s/user.txt:2: unknown variable 'tabel_name'", dir);
	assert_string_equal(err.msg, want);
	assert_int_equal(c.n, 0);
	mgen_prompt_set_free(ps);
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prompt__embedded_set_loads),
	    cmocka_unit_test(test_prompt__message_roles_in_order),
	    cmocka_unit_test(test_prompt__user_json_shape),
	    cmocka_unit_test(test_prompt__style_changes_system),
	    cmocka_unit_test(test_prompt__nodata_system_prompt),
	    cmocka_unit_test(test_prompt__no_data_value_when_data_disallowed),
	    cmocka_unit_test(test_prompt__abbreviations_and_table_comment),
	    cmocka_unit_test(test_prompt__shrinks_then_fails),
	    cmocka_unit_test(test_prompt__profile_json_options),
	    cmocka_unit_test(test_prompt__merge_prompt),
	    cmocka_unit_test(test_prompt__load_from_dir),
	    /* these two modify the fixture's cells: run last */
	    cmocka_unit_test(test_prompt__utf8_cells_cut_at_word_limit),
	    cmocka_unit_test(test_prompt__shrinks_cell_words),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
