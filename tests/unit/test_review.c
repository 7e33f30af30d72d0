/*
 * test_review.c - learning from review (metagen/review.h): a reviewed
 * comments.tsv read against its run's comments.json (unchanged, edited,
 * rejected, written, missing; by path; the acceptance rate), the
 * "review" member of manifest.json, hostile TSVs (wrong header, CRLF,
 * raw tabs, invalid UTF-8, NUL, a huge file, rows naming what the run
 * does not have, duplicates) each refused naming FILE:LINE; training
 * lines in the dspy.Example shape read and written; gold answers with
 * their keys in the instructions' order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "metagen/dataset.h"
#include "metagen/review.h"
#include "metagen/signature.h"
#include "metagen/train.h"
#include "util/json.h"
#include "util/util.h"

#define HEAD                                                                   \
	"catalog\tschema\ttable\tcolumn\tdata_type\texisting_comment\t"        \
	"proposed_comment\tpath\tstatus\treason\n"

/* The run: main.t (legacy: table + a, b, c proposed), main.u (optimized:
 * table + x proposed, y failed with no text, z offline). */
static const char *const run_json =
    "{\"tables\": [\n"
    "{\"catalog\":\"\",\"schema\":\"main\",\"table\":\"t\",\"kind\":"
    "\"table\",\"comment\":\"T table.\",\"path\":\"legacy\",\"status\":"
    "\"proposed\",\"reason\":null,\"existing_comment\":null,\"columns\":["
    "{\"name\":\"a\",\"data_type\":\"INT\",\"comment\":\"Column a.\","
    "\"path\":\"legacy\",\"status\":\"proposed\",\"reason\":null},"
    "{\"name\":\"b\",\"data_type\":\"INT\",\"comment\":\"Column b.\","
    "\"path\":\"legacy\",\"status\":\"proposed\",\"reason\":null},"
    "{\"name\":\"c\",\"data_type\":\"INT\",\"comment\":\"Column c.\","
    "\"path\":\"legacy\",\"status\":\"proposed\",\"reason\":null}]},\n"
    "{\"catalog\":\"\",\"schema\":\"main\",\"table\":\"u\",\"kind\":"
    "\"table\",\"comment\":\"U table.\",\"path\":\"optimized\",\"status\":"
    "\"proposed\",\"reason\":null,\"existing_comment\":null,\"columns\":["
    "{\"name\":\"x\",\"data_type\":\"TEXT\",\"comment\":\"Column x.\","
    "\"path\":\"optimized\",\"status\":\"proposed\",\"reason\":null},"
    "{\"name\":\"y\",\"data_type\":\"TEXT\",\"comment\":null,"
    "\"path\":\"optimized\",\"status\":\"failed\",\"reason\":\"no\"},"
    "{\"name\":\"z\",\"data_type\":\"TEXT\",\"comment\":\"Column z.\","
    "\"path\":\"offline\",\"status\":\"proposed\",\"reason\":null}]}\n"
    "]}\n";

/* t: table unchanged, a edited, b blanked, c unchanged; u: table
 * rejected (\N), x unchanged, y written by the reviewer; z has no row. */
static const char *const reviewed =
    HEAD "\tmain\tt\t\t\t\tT table.\tlegacy\tproposed\t\n"
	 "\tmain\tt\ta\tINT\t\tColumn a, edited\\nby a human.\tlegacy\t"
	 "proposed\t\n"
	 "\tmain\tt\tb\tINT\t\t\tlegacy\tproposed\t\n"
	 "\tmain\tt\tc\tINT\t\tColumn c.\tlegacy\tproposed\t\n"
	 "\tmain\tu\t\t\t\t\\N\toptimized\tproposed\t\n"
	 "\tmain\tu\tx\tTEXT\t\tColumn x.\toptimized\tproposed\t\n"
	 "\tmain\tu\ty\tTEXT\t\tWritten by the reviewer.\toptimized\t"
	 "failed\tno\n";

typedef struct fx {
	char dir[64];
	char tsv[128];
} fx;

static void put(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void put_in(fx *x, const char *name, const char *text)
{
	char p[200];

	snprintf(p, sizeof(p), "%s/%s", x->dir, name);
	put(p, text, strlen(text));
}

static int setup(void **st)
{
	fx *x = calloc(1, sizeof(*x));

	snprintf(x->dir, sizeof(x->dir), "/tmp/test_review.XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	snprintf(x->tsv, sizeof(x->tsv), "%s/comments.tsv", x->dir);
	put_in(x, "comments.json", run_json);
	put_in(x, "manifest.json",
	       "{\n\t\"metagen\": \"run\",\n\t\"run_id\": \"r1\",\n\t"
	       "\"counts\": {\"tables\": 2}\n}\n");
	*st = x;
	return 0;
}

static int teardown(void **st)
{
	fx *x = *st;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", x->dir);
	assert_int_equal(system(cmd), 0);
	free(x);
	return 0;
}

/* Reads `tsv_text` as the run's comments.tsv; returns the code. */
static int review_of(fx *x, const char *tsv_text, size_t max,
		     mgen_review **r, mgen_err *err)
{
	put_in(x, "comments.tsv", tsv_text);
	return mgen_review_read(x->tsv, max, r, err);
}

/* Expects `tsv_text` refused with `code` and a message containing
 * "comments.tsv:LINE: " and `what`. */
static void refused(fx *x, const char *tsv_text, int code, int line,
		    const char *what)
{
	mgen_err err = MGEN_ERR_INIT;
	mgen_review *r = NULL;
	char at[160];

	assert_int_equal(review_of(x, tsv_text, 0, &r, &err), code);
	assert_null(r);
	snprintf(at, sizeof(at), "%s:%d: ", x->tsv, line);
	if (strstr(err.msg, at) == NULL || strstr(err.msg, what) == NULL)
		fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", err.msg, at,
			 what);
}

static const mgen_review_item *item(const mgen_review *r, const char *table,
				    const char *column)
{
	size_t i, k;

	for (i = 0; i < r->n; i++)
		for (k = 0; strcmp(r->tables[i].name, table) == 0 &&
			    k < r->tables[i].n;
		     k++) {
			const mgen_review_item *it = &r->tables[i].items[k];
			if (column ? it->column && !strcmp(it->column, column)
				   : it->column == NULL)
				return it;
		}
	fail_msg("no item %s.%s", table, column ? column : "(table)");
	return NULL;
}

static void test_review__classifies_by_path(void **st)
{
	mgen_err err = MGEN_ERR_INIT;
	mgen_review *r = NULL;
	const mgen_review_item *it;

	assert_int_equal(review_of(*st, reviewed, 0, &r, &err), 0);
	assert_int_equal(r->total.unchanged, 3);
	assert_int_equal(r->total.edited, 1);
	assert_int_equal(r->total.rejected, 2);
	assert_int_equal(r->total.written, 1);
	assert_int_equal(r->total.missing, 1);
	assert_int_equal(r->by_path[MGEN_PATH_LEGACY].unchanged, 2);
	assert_int_equal(r->by_path[MGEN_PATH_LEGACY].edited, 1);
	assert_int_equal(r->by_path[MGEN_PATH_LEGACY].rejected, 1);
	assert_int_equal(r->by_path[MGEN_PATH_OPTIMIZED].unchanged, 1);
	assert_int_equal(r->by_path[MGEN_PATH_OPTIMIZED].rejected, 1);
	assert_int_equal(r->by_path[MGEN_PATH_OPTIMIZED].written, 1);
	assert_int_equal(r->by_path[MGEN_PATH_OFFLINE].missing, 1);
	assert_true(mgen_review_acceptance(&r->total) > 4.0 / 6 - 1e-9 &&
		    mgen_review_acceptance(&r->total) < 4.0 / 6 + 1e-9);
	assert_true(mgen_review_acceptance(&r->by_path[MGEN_PATH_OFFLINE]) <
		    0);
	it = item(r, "t", "a");
	assert_int_equal(it->verdict, MGEN_REVIEW_EDITED);
	assert_string_equal(it->reviewed, "Column a, edited\nby a human.");
	assert_string_equal(it->proposed, "Column a.");
	assert_int_equal(it->line, 3);
	it = item(r, "t", "b");
	assert_int_equal(it->verdict, MGEN_REVIEW_REJECTED);
	assert_null(it->reviewed);
	assert_int_equal(item(r, "u", NULL)->verdict, MGEN_REVIEW_REJECTED);
	assert_int_equal(item(r, "u", "y")->verdict, MGEN_REVIEW_WRITTEN);
	assert_int_equal(r->tables[1].line, 6);
	mgen_review_free(r);
}

static void test_review__summary_and_manifest(void **st)
{
	fx *x = *st;
	mgen_err err = MGEN_ERR_INIT;
	mgen_buf b = MGEN_BUF_INIT;
	mgen_review *r = NULL;
	char path[200], *text = NULL;
	cJSON *m, *rv, *o;
	struct stat sb;
	int pass;

	assert_int_equal(review_of(x, reviewed, 0, &r, &err), 0);
	assert_int_equal(mgen_review_summary(r, &b), 0);
	assert_non_null(strstr(mgen_buf_str(&b),
			       "6 proposed comment(s) reviewed: 3 unchanged, "
			       "1 edited, 2 rejected (acceptance 66.7%); "
			       "optimized: 1 unchanged, 0 edited, 1 rejected "
			       "(acceptance 50.0%); legacy: 2 unchanged, 1 "
			       "edited, 1 rejected (acceptance 75.0%); 1 "
			       "written where the run proposed none; 1 "
			       "proposal(s) without a row"));
	snprintf(path, sizeof(path), "%s/manifest.json", x->dir);
	for (pass = 0; pass < 2; pass++) { /* twice: replaced, not added */
		assert_int_equal(mgen_review_manifest(r, 0, &err), 0);
		assert_int_equal(mgen__read_file(path, &text, NULL), 0);
		m = cJSON_Parse(text);
		free(text);
		assert_string_equal(mgen__json_str(m, "run_id"), "r1");
		assert_non_null(cJSON_GetObjectItem(m, "counts"));
		assert_int_equal(cJSON_GetArraySize(m), 4);
		rv = cJSON_GetObjectItem(m, "review");
		assert_string_equal(mgen__json_str(rv, "tsv"), "comments.tsv");
		assert_int_equal(mgen__json_num(rv, "proposed", -1), 7);
		assert_int_equal(mgen__json_num(rv, "edited", -1), 1);
		o = cJSON_GetObjectItem(cJSON_GetObjectItem(rv, "by_path"),
					"legacy");
		assert_int_equal(mgen__json_num(o, "rejected", -1), 1);
		assert_true(mgen__json_num(o, "acceptance", -1) == 0.75);
		o = cJSON_GetObjectItem(cJSON_GetObjectItem(rv, "by_path"),
					"offline");
		assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "acceptance")));
		cJSON_Delete(m);
	}
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 077, 0);
	mgen_buf_release(&b);
	mgen_review_free(r);
}

static void test_review__crlf_and_bom_read_the_same(void **st)
{
	mgen_err err = MGEN_ERR_INIT;
	mgen_buf b = MGEN_BUF_INIT;
	mgen_review *r = NULL;
	const char *p;

	mgen_buf_puts(&b, "\xEF\xBB\xBF");
	for (p = reviewed; *p; p++) {
		if (*p == '\n')
			mgen_buf_putc(&b, '\r');
		mgen_buf_putc(&b, *p);
	}
	assert_int_equal(review_of(*st, mgen_buf_str(&b), 0, &r, &err), 0);
	assert_int_equal(r->total.unchanged, 3);
	assert_int_equal(r->total.edited, 1);
	assert_int_equal(r->total.rejected, 2);
	assert_string_equal(item(r, "t", "a")->reviewed,
			    "Column a, edited\nby a human.");
	mgen_review_free(r);
	mgen_buf_release(&b);
}

static void test_review__hostile_rows_name_file_and_line(void **st)
{
	fx *x = *st;

	refused(x, "catalog\tschema\ttable\n", MGEN_EPARSE, 1,
		"expected the header row");
	refused(x, "", MGEN_EPARSE, 1, "empty file");
	/* a raw tab inside a comment: one field too many */
	refused(x, HEAD "\tmain\tt\ta\tINT\t\tsplit\there\tlegacy\tproposed\t\n",
		MGEN_EPARSE, 2, "expected 10 tab-separated fields, found 11");
	refused(x, HEAD "\tmain\tt\ta\tINT\t\tbad \xC3\x28 utf8\tlegacy\t"
			"proposed\t\n",
		MGEN_EPARSE, 2, "field 7 is not valid UTF-8");
	refused(x, HEAD "\tmain\tt\t\xFF\tINT\t\tx\tlegacy\tproposed\t\n",
		MGEN_EPARSE, 2, "field 4 is not valid UTF-8");
	refused(x, HEAD "\tmain\tt\ta\tINT\t\tbad \\q\tlegacy\tproposed\t\n",
		MGEN_EPARSE, 2, "bad escape");
	refused(x, HEAD "\tmain\tt\t\t\t\tT table.\tlegacy\tproposed\t\n"
			"\tmain\tnosuch\t\t\t\tX.\tlegacy\tproposed\t\n",
		MGEN_EINVAL, 3, "main.nosuch: no such table in the run");
	refused(x, HEAD "\tother\tt\t\t\t\tT table.\tlegacy\tproposed\t\n",
		MGEN_EINVAL, 2, "other.t: no such table");
	refused(x, HEAD "\tmain\tt\tq\tINT\t\tQ.\tlegacy\tproposed\t\n",
		MGEN_EINVAL, 2, "main.t.q: no such column in the run");
	refused(x, HEAD "\tmain\tt\ta\tINT\t\tA.\tlegacy\tproposed\t\n\n"
			"\tmain\tt\ta\tINT\t\tA2.\tlegacy\tproposed\t\n",
		MGEN_EINVAL, 4, "main.t.a: given twice (also line 2)");
	refused(x, HEAD "\tmain\tt\ta\tINT\t\tA.\tsideways\tproposed\t\n",
		MGEN_EPARSE, 2, "unknown path");
}

static void test_review__nul_byte_refused(void **st)
{
	fx *x = *st;
	static const char text[] =
	    HEAD "\tmain\tt\ta\tINT\t\tA\0B\tlegacy\tproposed\t\n";
	mgen_err err = MGEN_ERR_INIT;
	mgen_review *r = NULL;

	put(x->tsv, text, sizeof(text) - 1);
	assert_int_equal(mgen_review_read(x->tsv, 0, &r, &err), MGEN_EPARSE);
	assert_non_null(strstr(err.msg, "comments.tsv:2: NUL byte"));
}

/* A file past the limit is refused by its size, before any read: a
 * sparse 64 GiB file takes no time and no memory. */
static void test_review__huge_file_bounded(void **st)
{
	fx *x = *st;
	mgen_err err = MGEN_ERR_INIT;
	mgen_review *r = NULL;
	clock_t t0 = clock();
	FILE *f;

	mgen_buf b = MGEN_BUF_INIT;
	char want[64];

	/* one byte over: the run's comments.json fits, the TSV does not */
	mgen_buf_puts(&b, reviewed);
	while (b.len <= strlen(run_json))
		mgen_buf_putc(&b, '\n');
	put(x->tsv, mgen_buf_str(&b), strlen(run_json) + 1);
	mgen_buf_release(&b);
	assert_int_equal(mgen_review_read(x->tsv, strlen(run_json), &r, &err),
			 MGEN_EIO);
	snprintf(want, sizeof(want), "comments.tsv: larger than %zu bytes",
		 strlen(run_json));
	if (strstr(err.msg, want) == NULL)
		fail_msg("%s", err.msg);
	mgen_err_clear(&err);
	f = fopen(x->tsv, "wb");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), (off_t)64 << 30), 0);
	fclose(f);
	assert_int_equal(mgen_review_read(x->tsv, 0, &r, &err), MGEN_EIO);
	if (strstr(err.msg, "comments.tsv: larger than") == NULL)
		fail_msg("%s", err.msg);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
	assert_null(r);
}

static void test_review__run_files_missing_or_wrong(void **st)
{
	fx *x = *st;
	mgen_err err = MGEN_ERR_INIT;
	mgen_review *r = NULL;
	char p[200];

	put_in(x, "comments.json", "{\"tables\": 3}");
	assert_int_equal(review_of(x, reviewed, 0, &r, &err), MGEN_EPARSE);
	assert_non_null(strstr(err.msg, "comments.json: not a run's"));
	mgen_err_clear(&err);
	put_in(x, "comments.json",
	       "{\"tables\": [{\"schema\": \"main\", \"columns\": []}]}");
	assert_int_equal(review_of(x, reviewed, 0, &r, &err), MGEN_EPARSE);
	if (strstr(err.msg, "comments.json: tables[0]: ") == NULL)
		fail_msg("%s", err.msg);
	mgen_err_clear(&err);
	snprintf(p, sizeof(p), "%s/comments.json", x->dir);
	unlink(p);
	assert_int_equal(review_of(x, reviewed, 0, &r, &err), MGEN_EIO);
	assert_non_null(strstr(err.msg, "comments.json (the run's proposals"));
	mgen_err_clear(&err);
	put_in(x, "comments.json", run_json);
	snprintf(p, sizeof(p), "%s/manifest.json", x->dir);
	put(p, "[1]", 3);
	assert_int_equal(review_of(x, reviewed, 0, &r, &err), 0);
	assert_int_equal(mgen_review_manifest(r, 0, &err), MGEN_EIO);
	assert_non_null(strstr(err.msg, "manifest.json: not a JSON object"));
	mgen_review_free(r);
}

/* ---- the dspy.Example shape ---- */

#define DSPY_LINE                                                              \
	"{\"table_name\": \"main.t\", \"table_data\": {\"table_name\": "       \
	"\"main.t\", \"columns\": [\"a\", \"b\"], \"index\": [0], "            \
	"\"data\": [[\"1\", \"x\"]]}, \"column_metadata\": {\"a\": "           \
	"{\"data_type\": \"INT\", \"avg_length\": 1.0}, \"b\": "               \
	"{\"data_type\": \"TEXT\"}}, \"abbreviations\": {}, \"context\": "     \
	"\"\", \"comments\": {\"table\": \"T.\", \"columns\": [\"a\", "        \
	"\"b\"], \"column_contents\": [\"A.\", null]}, \"dspy_uuid\": "        \
	"\"u-1\", \"rejected\": {\"columns\": {\"b\": \"Bad.\"}}}"

static void test_review__dspy_example_lines_load(void **st)
{
	mgen_dataset ds = MGEN_DATASET_INIT;
	mgen_err err = MGEN_ERR_INIT;
	const char *text = DSPY_LINE "\n";

	(void)st;
	assert_int_equal(
	    mgen_dataset_parse(text, strlen(text), "dev.jsonl", &ds, &err), 0);
	assert_int_equal(ds.n, 1);
	assert_string_equal(ds.items[0].table, "main.t");
	assert_string_equal(ds.items[0].table_comment, "T.");
	assert_int_equal(ds.items[0].columns.n, 1);
	assert_string_equal(mgen_kvlist_get(&ds.items[0].columns, "a"), "A.");
	/* the five inputs in order as the profile; 1.0 kept as written;
	 * DSPy's dspy_uuid dropped; other keys kept */
	assert_string_equal(
	    ds.items[0].extra,
	    "{\"profile\":{\"table_name\":\"main.t\",\"table_data\":{"
	    "\"table_name\":\"main.t\",\"columns\":[\"a\",\"b\"],\"index\":"
	    "[0],\"data\":[[\"1\",\"x\"]]},\"column_metadata\":{\"a\":{"
	    "\"data_type\":\"INT\",\"avg_length\":1.0},\"b\":{\"data_type\":"
	    "\"TEXT\"}},\"abbreviations\":{},\"context\":\"\"},\"rejected\":"
	    "{\"columns\":{\"b\":\"Bad.\"}}}");
	mgen_dataset_release(&ds);
}

static void dspy_refused(const char *line, const char *what)
{
	mgen_dataset ds = MGEN_DATASET_INIT;
	mgen_err err = MGEN_ERR_INIT;
	mgen_buf b = MGEN_BUF_INIT;

	mgen_buf_printf(&b, "\n%s\n", line);
	assert_int_equal(mgen_dataset_parse(mgen_buf_str(&b), b.len, "d.jsonl",
					    &ds, &err),
			 MGEN_EINVAL);
	if (strncmp(err.msg, "d.jsonl:2: ", 11) != 0 ||
	    strstr(err.msg, what) == NULL)
		fail_msg("message \"%s\" lacks d.jsonl:2: or \"%s\"", err.msg,
			 what);
	assert_int_equal(ds.n, 0);
	mgen_buf_release(&b);
}

static void test_review__dspy_example_misfits_refused(void **st)
{
	(void)st;
	dspy_refused("{\"table_name\": \"t\", \"table_data\": {}}",
		     "no \"comments\"");
	dspy_refused("{\"table_name\": \"t\", \"table_data\": {}, "
		     "\"column_metadata\": {}, \"abbreviations\": {}, "
		     "\"comments\": {\"table\": \"T\"}}",
		     "no input context");
	dspy_refused("{\"table_name\": 7, \"comments\": {}}",
		     "\"table_name\" is not a non-empty string");
	dspy_refused("{\"table_name\": \"t\", \"comments\": {\"columns\": "
		     "[\"a\"], \"column_contents\": []}}",
		     "differ in length");
	dspy_refused("{\"table_name\": \"t\", \"comments\": {\"columns\": "
		     "[\"a\"], \"column_contents\": [3]}}",
		     "the contents of column a");
	dspy_refused("{\"table_name\": \"t\", \"comments\": [1]}",
		     "\"comments\" is not an object");
	dspy_refused("{\"table_name\": \"t\", \"comments\": {\"table\": 1}}",
		     "\"table\" is not a string");
}

/* metagen line -> dspy shape -> metagen line keeps gold and profile. */
static void test_review__dspy_round_trip(void **st)
{
	const char *line =
	    "{\"table\":\"main.t\",\"table_comment\":\"T.\",\"columns\":{\"b\":"
	    "\"B.\",\"a\":\"A.\"},\"profile\":{\"table_name\":\"main.t\","
	    "\"table_data\":{\"columns\":[\"a\",\"b\"]},\"column_metadata\":{},"
	    "\"abbreviations\":{},\"context\":\"\"},\"rejected\":{\"table\":"
	    "\"No.\"}}";
	mgen_buf b = MGEN_BUF_INIT;
	mgen_dataset ds = MGEN_DATASET_INIT;
	mgen_err err = MGEN_ERR_INIT;
	char why[200];

	(void)st;
	assert_int_equal(mgen_dataset_line_to_dspy(line, strlen(line), &b,
						    why, sizeof(why)),
			 0);
	assert_string_equal(
	    mgen_buf_str(&b),
	    "{\"table_name\":\"main.t\",\"table_data\":{\"columns\":[\"a\","
	    "\"b\"]},\"column_metadata\":{},\"abbreviations\":{},\"context\":"
	    "\"\",\"comments\":{\"table\":\"T.\",\"columns\":[\"b\",\"a\"],"
	    "\"column_contents\":[\"B.\",\"A.\"]},\"rejected\":{\"table\":"
	    "\"No.\"}}\n");
	assert_int_equal(
	    mgen_dataset_parse(mgen_buf_str(&b), b.len, "rt", &ds, &err), 0);
	assert_string_equal(ds.items[0].table, "main.t");
	assert_string_equal(ds.items[0].table_comment, "T.");
	assert_string_equal(ds.items[0].columns.items[0].key, "b");
	assert_string_equal(ds.items[0].columns.items[1].value, "A.");
	mgen_dataset_release(&ds);
	mgen_buf_reset(&b);
	assert_int_equal(mgen_dataset_line_to_dspy("{\"table\":\"t\"}", 13,
						    &b, why, sizeof(why)),
			 MGEN_EINVAL);
	assert_string_equal(why, "no \"profile\" object");
	mgen_buf_release(&b);
}

/* The gold answer of a training example lists table, columns,
 * column_contents in that order, as the signature's instructions do. */
static void test_review__gold_keys_in_instruction_order(void **st)
{
	mgen_dataset ds = MGEN_DATASET_INIT;
	mgen_err err = MGEN_ERR_INIT;
	mgen_example **ex = NULL;
	const char *text = DSPY_LINE "\n";
	char *gold = NULL;
	size_t n = 0;

	(void)st;
	assert_int_equal(
	    mgen_dataset_parse(text, strlen(text), "dev.jsonl", &ds, &err), 0);
	assert_int_equal(mgen_train_examples(&ds, "dev.jsonl", &ex, &n, &err),
			 0);
	assert_int_equal(n, 1);
	assert_int_equal(mgen_example_get_json(ex[0], "comments", &gold), 0);
	assert_string_equal(gold, "{\"table\": \"T.\", \"columns\": [\"a\"], "
				  "\"column_contents\": [\"A.\"]}");
	free(gold);
	mgen_train_examples_free(ex, n);
	mgen_dataset_release(&ds);
}

/* The review's negatives in the metric's report: an answer repeats a
 * rejected comment when its text for the same object is near-verbatim. */
static void test_review__repeats_of_rejected_comments(void **st)
{
	const char *rej = "{\"table\": \"The table of patients.\", "
			  "\"columns\": {\"a\": \"Column a holds ids.\", "
			  "\"b\": \"Unrelated words here.\", \"c\": 7}}";
	const char *ans = "```json\n{\"table\": \"The table of patients.\", "
			  "\"columns\": [\"a\", \"b\"], \"column_contents\": "
			  "[\"Column a holds ids!\", \"Something else "
			  "entirely.\"]}\n```";
	mgen_review_negatives n = {0, 0};

	(void)st;
	assert_int_equal(mgen_review_repeats(rej, ans, &n), 0);
	assert_int_equal(n.rejected, 3);
	assert_int_equal(n.repeated, 2);
	assert_int_equal(mgen_review_repeats(rej, NULL, &n), 0);
	assert_int_equal(mgen_review_repeats(rej, "no answer", &n), 0);
	assert_int_equal(n.rejected, 9);
	assert_int_equal(n.repeated, 2);
	assert_int_equal(mgen_review_repeats("[1]", ans, &n), MGEN_EPARSE);
	assert_int_equal(mgen_review_repeats(NULL, ans, &n), MGEN_EPARSE);
	assert_int_equal(n.rejected, 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_review__classifies_by_path,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_review__summary_and_manifest,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_review__crlf_and_bom_read_the_same, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_review__hostile_rows_name_file_and_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_review__nul_byte_refused,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_review__huge_file_bounded,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_review__run_files_missing_or_wrong, setup, teardown),
	    cmocka_unit_test(test_review__dspy_example_lines_load),
	    cmocka_unit_test(test_review__dspy_example_misfits_refused),
	    cmocka_unit_test(test_review__dspy_round_trip),
	    cmocka_unit_test(test_review__gold_keys_in_instruction_order),
	    cmocka_unit_test(test_review__repeats_of_rejected_comments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
