/*
 * test_knn.c - KNNFewShot (src/dspy/opt_knn.c, src/comment/comment_knn.c):
 * the nearest-example choice (DSPy's default key, ties in trainset order,
 * k larger than the trainset, an empty trainset, hostile text), the
 * compiled program's file round trip (trainset in "train", knn_k in the
 * metadata), per-table demos through the comment program, and saved state
 * that is refused naming the field.
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

#include "metagen/buf.h"
#include "metagen/comment_program.h"
#include "metagen/optimize.h"
#include "util/util.h"

/* question -> answer examples with the given questions. */
static mgen_example **qa_examples(const char *const *q, size_t n)
{
	mgen_example **v = calloc(n + 1, sizeof(*v));
	size_t i;

	assert_non_null(v);
	for (i = 0; i < n; i++) {
		assert_int_equal(mgen_example_new(&v[i]), 0);
		assert_int_equal(mgen_example_set_str(v[i], "question", q[i]),
				 0);
		assert_int_equal(mgen_example_set_str(v[i], "answer", "a"), 0);
	}
	return v;
}

static void free_examples(mgen_example **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		mgen_example_free(v[i]);
	free(v);
}

/* The positions knn picks for `question`. */
static size_t nearest(mgen_knn *knn, const char *question, size_t *idx)
{
	mgen_example *in = NULL;
	size_t n = 99;

	assert_int_equal(mgen_example_new(&in), 0);
	assert_int_equal(mgen_example_set_str(in, "question", question), 0);
	assert_int_equal(mgen_knn_nearest(knn, in, idx, &n, NULL), 0);
	mgen_example_free(in);
	return n;
}

static mgen_signature *qa_sig(void)
{
	mgen_signature *sig = NULL;

	assert_int_equal(
	    mgen_signature_parse("question -> answer", NULL, &sig, NULL), 0);
	return sig;
}

static void test_knn__nearest_first_ties_in_trainset_order(void **st)
{
	static const char *const q[] = {
	    "boiling point of water at sea level", "capital city of belgium",
	    "capital city of france",
	    "capital city of belgium",	 /* a twin of 1: after it */
	    "length of the river nile"}; /* shares nothing with the query */
	mgen_signature *sig = qa_sig();
	mgen_example **tr = qa_examples(q, 5);
	mgen_knn *knn = NULL;
	size_t idx[MGEN_KNN_MAX_K], n;

	(void)st;
	assert_int_equal(mgen_knn_new(sig, (const mgen_example *const *)tr, 5,
				      3, NULL, NULL, &knn, NULL),
			 0);
	assert_int_equal(mgen_knn_k(knn), 3);
	n = nearest(knn, "What is the capital city of Belgium?", idx);
	assert_int_equal(n, 3);
	assert_int_equal(idx[0], 1);
	assert_int_equal(idx[1], 3);
	assert_int_equal(idx[2], 2);
	/* the same question again: the same answer */
	n = nearest(knn, "What is the capital city of Belgium?", idx);
	assert_int_equal(n, 3);
	assert_int_equal(idx[0] * 100 + idx[1] * 10 + idx[2], 132);
	/* no shared word: the first k in trainset order */
	n = nearest(knn, "zebra quokka", idx);
	assert_int_equal(n, 3);
	assert_int_equal(idx[0] * 100 + idx[1] * 10 + idx[2], 12);
	/* one hit, then the rest in trainset order, no duplicates */
	n = nearest(knn, "river", idx);
	assert_int_equal(idx[0] * 100 + idx[1] * 10 + idx[2], 401);
	mgen_knn_free(knn);
	free_examples(tr, 5);
	mgen_signature_free(sig);
}

static void test_knn__k_beyond_trainset_and_empty_trainset(void **st)
{
	static const char *const q[] = {"alpha beta", "gamma delta"};
	mgen_signature *sig = qa_sig();
	mgen_example **tr = qa_examples(q, 2);
	mgen_knn *knn = NULL;
	mgen_err e = MGEN_ERR_INIT;
	size_t idx[MGEN_KNN_MAX_K], n;

	(void)st;
	assert_int_equal(mgen_knn_new(sig, (const mgen_example *const *)tr, 2,
				      10, NULL, NULL, &knn, NULL),
			 0);
	n = nearest(knn, "delta", idx);
	assert_int_equal(n, 2);
	assert_int_equal(idx[0], 1);
	assert_int_equal(idx[1], 0);
	mgen_knn_free(knn);
	knn = NULL;
	/* an empty trainset gives no demos, and no error */
	assert_int_equal(mgen_knn_new(sig, NULL, 0, 3, NULL, NULL, &knn, NULL),
			 0);
	assert_int_equal(nearest(knn, "delta", idx), 0);
	mgen_knn_free(knn);
	knn = NULL;
	/* k out of range */
	assert_int_equal(mgen_knn_new(sig, (const mgen_example *const *)tr, 2,
				      0, NULL, NULL, &knn, &e),
			 MGEN_EINVAL);
	assert_non_null(strstr(e.msg, "k must be from 1 to"));
	assert_int_equal(mgen_knn_new(sig, (const mgen_example *const *)tr, 2,
				      MGEN_KNN_MAX_K + 1, NULL, NULL, &knn,
				      NULL),
			 MGEN_EINVAL);
	assert_null(knn);
	free_examples(tr, 2);
	mgen_signature_free(sig);
}

static void test_knn__hostile_text_is_plain_words(void **st)
{
	mgen_buf big = MGEN_BUF_INIT;
	const char *q[4];
	mgen_signature *sig = qa_sig();
	mgen_example **tr;
	mgen_knn *knn = NULL;
	size_t idx[MGEN_KNN_MAX_K], n, i;

	(void)st;
	for (i = 0; i < 5000; i++) /* ~ 40 KiB: cut at the key limit */
		mgen_buf_puts(&big, "filler ");
	mgen_buf_puts(&big, "needleword");
	q[0] = "\"orders\" OR NEAR(a b) col:x * ^ (( AND NOT";
	q[1] = "bad \xff\xfe utf8 \xc3 orders_total";
	q[2] = mgen_buf_str(&big);
	q[3] = "the of and a"; /* stop words only */
	tr = qa_examples(q, 4);
	assert_int_equal(mgen_knn_new(sig, (const mgen_example *const *)tr, 4,
				      2, NULL, NULL, &knn, NULL),
			 0);
	n = nearest(knn, "NEAR(col:x \"orders", idx);
	assert_int_equal(n, 2);
	assert_int_equal(idx[0], 0);
	n = nearest(knn, "\xff\xfe total", idx);
	assert_int_equal(idx[0], 1);
	/* the word past the key limit was cut off: no match for it */
	n = nearest(knn, "needleword", idx);
	assert_int_equal(idx[0] * 10 + idx[1], 1);
	n = nearest(knn, "filler", idx);
	assert_int_equal(idx[0], 2);
	n = nearest(knn, "", idx);
	assert_int_equal(n, 2);
	assert_int_equal(idx[0] * 10 + idx[1], 1);
	n = nearest(knn, "\"\"\"*", idx);
	assert_int_equal(n, 2);
	mgen_knn_free(knn);
	free_examples(tr, 4);
	mgen_buf_release(&big);
	mgen_signature_free(sig);
}

/* A comment-program example (dspy.Example shape) for table `name`. */
static char *table_example(const char *name, const char *cols, const char *gold)
{
	mgen_buf b = MGEN_BUF_INIT;

	mgen_buf_printf(&b,
			"{\"table_name\": \"%s\", \"table_data\": "
			"{\"table_name\": \"%s\", \"columns\": [%s], "
			"\"index\": [], \"data\": []}, \"column_metadata\": "
			"{}, \"abbreviations\": {}, \"context\": \"\", "
			"\"comments\": {\"table\": \"%s\", \"columns\": [], "
			"\"column_contents\": []}}",
			name, name, cols, gold);
	return mgen_buf_detach(&b);
}

static double one(void *ud, const mgen_example *a, const mgen_example *b, int t)
{
	(void)ud;
	(void)a;
	(void)b;
	(void)t;
	return 1.0;
}

/* The knn program compiled from three tables (0 LM calls, no LM). */
static mgen_program *compile_knn(long long *made)
{
	const char *rows[][3] = {
	    {"main.patients", "\"subject_id\", \"dob\", \"gender\"", "G-PAT"},
	    {"main.admissions", "\"hadm_id\", \"admittime\", \"subject_id\"",
	     "G-ADM"},
	    {"main.d_items", "\"itemid\", \"label\", \"category\"", "G-ITM"}};
	mgen_example *tr[3];
	mgen_signature *sig = NULL;
	mgen_program *prog = NULL;
	mgen_optimize_options o = MGEN_OPTIMIZE_OPTIONS_INIT;
	mgen_optimize_result res;
	size_t i;

	for (i = 0; i < 3; i++) {
		char *j = table_example(rows[i][0], rows[i][1], rows[i][2]);
		assert_int_equal(mgen_example_from_json(j, &tr[i], NULL), 0);
		free(j);
	}
	assert_int_equal(mgen_comment_signature(&sig, NULL), 0);
	o.k = 1;
	o.predictor_name = MGEN_COMMENT_PREDICTOR;
	assert_int_equal(mgen_optimize_estimate(MGEN_OPT_KNN, 3, 5, &o), 0);
	assert_int_equal(mgen_optimize(MGEN_OPT_KNN, NULL, sig,
				       (const mgen_example *const *)tr, 3,
				       (const mgen_example *const *)tr, 3, one,
				       NULL, &o, &prog, &res, NULL),
			 0);
	*made = res.lm_calls_made;
	for (i = 0; i < 3; i++)
		mgen_example_free(tr[i]);
	mgen_signature_free(sig);
	return prog;
}

static char *write_temp(const char *text)
{
	char path[] = "/tmp/test_knn_XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return mgen__strdup(path);
}

/* The demo table names the program gives a call on `name` with `cols`. */
static void demo_for(const mgen_comment_program *cp, const char *name,
		     const char *cols, const char *want)
{
	const mgen_example *room[MGEN_KNN_MAX_K];
	const mgen_example *const *d = NULL;
	mgen_example *in = NULL;
	char *j = table_example(name, cols, "");
	size_t n = 0;

	assert_int_equal(mgen_example_from_json(j, &in, NULL), 0);
	assert_int_equal(
	    mgen_comment_program_demos_for(cp, in, &d, &n, room, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(mgen_example_get_str(d[0], "table_name"), want);
	mgen_example_free(in);
	free(j);
}

static void test_knn__program_file_round_trip(void **st)
{
	long long made = -1;
	mgen_program *prog = compile_knn(&made), *back = NULL;
	mgen_comment_program *cp = NULL;
	char *text = NULL, *again = NULL, *path;

	(void)st;
	assert_int_equal(made, 0);
	assert_int_equal(mgen_program_knn(prog), 1);
	assert_int_equal(mgen_program_demo_count(prog, 0), 0);
	assert_int_equal(mgen_program_train_count(prog, 0), 3);
	assert_int_equal(mgen_program_to_json(prog, &text, NULL), 0);
	assert_non_null(strstr(text, "\"knn_k\": 1"));
	assert_non_null(strstr(text, "\"optimizer\": \"knn_few_shot\""));
	path = write_temp(text);
	assert_int_equal(mgen_program_read(path, NULL, &back, NULL), 0);
	assert_int_equal(mgen_program_to_json(back, &again, NULL), 0);
	assert_string_equal(text, again); /* byte for byte */
	/* per table: the nearest training table is the demo */
	assert_int_equal(mgen_comment_program_load(path, &cp, NULL), 0);
	assert_int_equal(mgen_comment_program_knn(cp), 1);
	demo_for(cp, "prod.admissions", "\"hadm_id\", \"dischtime\"",
		 "main.admissions");
	demo_for(cp, "prod.items", "\"itemid\", \"category\"", "main.d_items");
	demo_for(cp, "prod.people", "\"gender\", \"dob\"", "main.patients");
	mgen_comment_program_free(cp);
	unlink(path);
	free(path);
	free(text);
	free(again);
	mgen_program_free(back);
	mgen_program_free(prog);
}

/* Loads `text` (a program file) as a comment program; its error. */
static int load_text(const char *text, mgen_err *e)
{
	char *path = write_temp(text);
	mgen_comment_program *cp = NULL;
	int rc = mgen_comment_program_load(path, &cp, e);

	mgen_comment_program_free(cp);
	unlink(path);
	free(path);
	return rc;
}

/* The compiled file with `from` replaced by `to` (once). */
static char *edited(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	mgen_buf b = MGEN_BUF_INIT;

	assert_non_null(at);
	mgen_buf_append(&b, text, (size_t)(at - text));
	mgen_buf_puts(&b, to);
	mgen_buf_puts(&b, at + strlen(from));
	return mgen_buf_detach(&b);
}

static void test_knn__malformed_state_refused_naming_the_field(void **st)
{
	static const struct {
		const char *from, *to, *msg;
	} cases[] = {
	    {"\"knn_k\": 1", "\"knn_k\": 0", "metadata.metagen.knn_k"},
	    {"\"knn_k\": 1", "\"knn_k\": -2", "metadata.metagen.knn_k"},
	    {"\"knn_k\": 1", "\"knn_k\": \"1\"", "metadata.metagen.knn_k"},
	    {"\"knn_k\": 1", "\"knn_k\": 1.5", "metadata.metagen.knn_k"},
	    {"\"knn_k\": 1", "\"knn_k\": 65", "metadata.metagen.knn_k"},
	    {"\"train\": [", "\"train\": 7, \"x\": [", "\"train\" is not an"},
	    {"\"train\": [", "\"train\": [3, ", "train 0 is not an object"},
	    {"\"table_name\": \"main.admissions\"", "\"tablename\": \"x\"",
	     "train 1 has no field 'table_name'"},
	    {"\"comments\"", "\"commentz\"",
	     "train 0 has no field "
	     "'comments'"},
	};
	long long made;
	mgen_program *prog = compile_knn(&made);
	char *text = NULL, *bad;
	size_t i;

	(void)st;
	assert_int_equal(mgen_program_to_json(prog, &text, NULL), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mgen_err e = MGEN_ERR_INIT;
		bad = edited(text, cases[i].from, cases[i].to);
		assert_int_not_equal(load_text(bad, &e), 0);
		if (strstr(e.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: '%s'", i, e.msg);
		free(bad);
	}
	/* knn_k with an empty trainset */
	{
		mgen_err e = MGEN_ERR_INIT;
		const char *at = strstr(text, "\"train\": [");
		const char *end = strstr(text, "\"demos\"");
		mgen_buf b = MGEN_BUF_INIT;
		assert_non_null(at);
		assert_non_null(end);
		mgen_buf_append(&b, text, (size_t)(at - text));
		mgen_buf_puts(&b, "\"train\": [],\n    ");
		mgen_buf_puts(&b, end);
		assert_int_equal(load_text(mgen_buf_str(&b), &e), MGEN_EINVAL);
		assert_non_null(strstr(e.msg, "\"train\" is empty"));
		mgen_buf_release(&b);
	}
	free(text);
	mgen_program_free(prog);
}

/* Memory bounds: more than MGEN_PROGRAM_MAX_TRAIN "train" entries, and a
 * file larger than MGEN_PROGRAM_MAX_BYTES (sparse: refused by its size). */
static void test_knn__oversized_state_refused(void **st)
{
	mgen_buf b = MGEN_BUF_INIT;
	mgen_program *prog = NULL;
	mgen_err e = MGEN_ERR_INIT, e2 = MGEN_ERR_INIT;
	char *path;
	size_t i;

	(void)st;
	mgen_buf_puts(&b, "{\"comment\": {\"train\": [{}");
	for (i = 1; i <= MGEN_PROGRAM_MAX_TRAIN; i++)
		mgen_buf_puts(&b, ", {}");
	mgen_buf_puts(&b, "], \"demos\": [], \"signature\": "
			  "{\"instructions\": \"\", \"fields\": []}, "
			  "\"lm\": null}}");
	path = write_temp(mgen_buf_str(&b));
	assert_int_equal(mgen_program_read(path, NULL, &prog, &e), MGEN_ELIMIT);
	assert_non_null(strstr(e.msg, "\"train\" holds 10001 entries"));
	assert_null(prog);
	assert_int_equal(truncate(path, (off_t)MGEN_PROGRAM_MAX_BYTES + 1), 0);
	assert_int_equal(mgen_program_read(path, NULL, &prog, &e2),
			 MGEN_ELIMIT);
	assert_non_null(strstr(e2.msg, "larger than 256 MiB"));
	unlink(path);
	free(path);
	mgen_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_knn__nearest_first_ties_in_trainset_order),
	    cmocka_unit_test(test_knn__k_beyond_trainset_and_empty_trainset),
	    cmocka_unit_test(test_knn__hostile_text_is_plain_words),
	    cmocka_unit_test(test_knn__program_file_round_trip),
	    cmocka_unit_test(
		test_knn__malformed_state_refused_naming_the_field),
	    cmocka_unit_test(test_knn__oversized_state_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
