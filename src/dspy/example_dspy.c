/*
 * example_dspy.c - training lines in the dspy.Example shape, read and
 * written (example_dspy.h). The field names are the comment signature's
 * (include/metagen/comment_program.h); the answer's keys are in the
 * order of the signature's instructions: table, columns, column_contents.
 */
#include "dspy/example_dspy.h"
#include "metagen/dataset.h"

#include <stdio.h>
#include <string.h>

#include "util/util.h"

static const char *const inputs[5] = {
    "table_name", "table_data", "column_metadata", "abbreviations", "context"};

/* Adds `kid` (taken) to `parent` unless *rc is set; sticky. */
static void add(int *rc, mgen__jt *parent, const char *key, mgen__jt *kid)
{
	if (*rc == 0)
		*rc = mgen__jt_add(parent, key, kid);
	else
		mgen__jt_free(kid);
}

static int why_set(char *why, size_t n, const char *a, const char *b)
{
	snprintf(why, n, "%s%s", a, b ? b : "");
	return MGEN_EINVAL;
}

static int is_input(const char *key)
{
	size_t i;

	for (i = 0; i < 5; i++)
		if (key && strcmp(key, inputs[i]) == 0)
			return 1;
	return 0;
}

/* "columns" paired with "column_contents" of answer `a` into `cols`. */
static int pair_columns(const mgen__jt *a, mgen__jt *cols, char *why, size_t n)
{
	const mgen__jt *names = mgen__jt_get(a, "columns");
	const mgen__jt *texts = mgen__jt_get(a, "column_contents");
	size_t i;
	int rc = 0;

	if (names == NULL && texts == NULL)
		return 0;
	if (!names || names->type != MGEN__JT_ARRAY || !texts ||
	    texts->type != MGEN__JT_ARRAY)
		return why_set(why, n,
			       "\"comments\": \"columns\" and "
			       "\"column_contents\" must both be arrays",
			       NULL);
	if (names->n != texts->n)
		return why_set(why, n,
			       "\"comments\": \"columns\" and "
			       "\"column_contents\" differ in length",
			       NULL);
	for (i = 0; i < names->n && rc == 0; i++) {
		const mgen__jt *k = names->kids[i], *v = texts->kids[i];
		if (k->type != MGEN__JT_STRING || !k->text[0])
			return why_set(why, n,
				       "\"comments\": a column name is not "
				       "a non-empty string",
				       NULL);
		if (v->type == MGEN__JT_NULL)
			continue;
		if (v->type != MGEN__JT_STRING)
			return why_set(why, n,
				       "\"comments\": the contents of column ",
				       k->text);
		add(&rc, cols, k->text, mgen__jt_dup(v));
	}
	return rc;
}

/* The gold members of `nr` from answer `a` (an object). */
static int take_answer(const mgen__jt *a, mgen__jt *nr, char *why, size_t n)
{
	const mgen__jt *t = mgen__jt_get(a, "table");
	mgen__jt *cols;
	int rc = 0;

	if (a->type != MGEN__JT_OBJECT)
		return why_set(why, n, "\"comments\" is not an object", NULL);
	if (t && t->type != MGEN__JT_STRING && t->type != MGEN__JT_NULL)
		return why_set(why, n,
			       "\"comments\": \"table\" is not a string", NULL);
	add(&rc, nr, "table_comment",
	    t && t->type == MGEN__JT_STRING && t->text[0]
		? mgen__jt_dup(t)
		: mgen__jt_new(MGEN__JT_NULL, NULL));
	cols = mgen__jt_new(MGEN__JT_OBJECT, NULL);
	if (rc == 0 && cols && (rc = pair_columns(a, cols, why, n)) != 0) {
		mgen__jt_free(cols);
		return rc;
	}
	add(&rc, nr, "columns", cols);
	return rc;
}

/* The metagen line of dspy-shaped `r` into the new object `nr`. */
static int from_dspy(const mgen__jt *r, mgen__jt *nr, char *why, size_t n)
{
	const mgen__jt *name = mgen__jt_get(r, "table_name");
	const mgen__jt *ans = mgen__jt_get(r, "comments");
	mgen__jt *prof;
	size_t i;
	int rc = 0;

	if (name->type != MGEN__JT_STRING || !name->text[0])
		return why_set(
		    why, n, "\"table_name\" is not a non-empty string", NULL);
	if (ans == NULL)
		return why_set(why, n,
			       "no \"comments\" (the example's gold answer)",
			       NULL);
	add(&rc, nr, "table", mgen__jt_dup(name));
	if (rc == 0 && (rc = take_answer(ans, nr, why, n)) != 0)
		return rc;
	prof = mgen__jt_new(MGEN__JT_OBJECT, NULL);
	for (i = 0; i < 5 && prof && rc == 0; i++) {
		const mgen__jt *v = mgen__jt_get(r, inputs[i]);
		if (v == NULL) {
			mgen__jt_free(prof);
			return why_set(why, n, "no input ", inputs[i]);
		}
		add(&rc, prof, inputs[i], mgen__jt_dup(v));
	}
	add(&rc, nr, "profile", prof);
	for (i = 0; i < r->n && rc == 0; i++) {
		const char *k = r->kids[i]->key;
		if (is_input(k) || strcmp(k, "comments") == 0 ||
		    strcmp(k, "dspy_uuid") == 0 || strcmp(k, "dspy_split") == 0)
			continue;
		add(&rc, nr, k, mgen__jt_dup(r->kids[i]));
	}
	return rc;
}

int mgen__example_from_dspy(mgen__jt **root, char *why, size_t n)
{
	mgen__jt *r = *root, *nr;
	int rc;

	if (r->type != MGEN__JT_OBJECT || mgen__jt_get(r, "table") ||
	    !mgen__jt_get(r, "table_name"))
		return 0;
	nr = mgen__jt_new(MGEN__JT_OBJECT, NULL);
	if (nr == NULL)
		return MGEN_ENOMEM;
	rc = from_dspy(r, nr, why, n);
	if (rc) {
		mgen__jt_free(nr);
		if (rc == MGEN_ENOMEM)
			why_set(why, n, "out of memory", NULL);
		return rc;
	}
	mgen__jt_free(r);
	*root = nr;
	return 0;
}

/* {"table", "columns", "column_contents"} of metagen line `l`. */
static mgen__jt *answer_of(const mgen__jt *l)
{
	const mgen__jt *tc = mgen__jt_get(l, "table_comment");
	const mgen__jt *cols = mgen__jt_get(l, "columns");
	mgen__jt *a = mgen__jt_new(MGEN__JT_OBJECT, NULL);
	mgen__jt *names = mgen__jt_new(MGEN__JT_ARRAY, NULL);
	mgen__jt *texts = mgen__jt_new(MGEN__JT_ARRAY, NULL);
	size_t i;
	int rc = a ? 0 : MGEN_ENOMEM;

	add(&rc, a, "table",
	    mgen__jt_new(MGEN__JT_STRING,
			 tc && tc->type == MGEN__JT_STRING ? tc->text : ""));
	for (i = 0; cols && cols->type == MGEN__JT_OBJECT && i < cols->n; i++) {
		const mgen__jt *v = cols->kids[i];
		if (v->type != MGEN__JT_STRING ||
		    mgen__jt_get(cols, v->key) != v)
			continue; /* no gold; a later duplicate wins */
		add(&rc, names, NULL, mgen__jt_new(MGEN__JT_STRING, v->key));
		add(&rc, texts, NULL, mgen__jt_dup(v));
	}
	add(&rc, a, "columns", names);
	add(&rc, a, "column_contents", texts);
	if (rc) {
		mgen__jt_free(a);
		return NULL;
	}
	return a;
}

int mgen__example_to_dspy(const mgen__jt *line, mgen__jt **out, char *why,
			  size_t n)
{
	const mgen__jt *prof = mgen__jt_get(line, "profile");
	mgen__jt *o;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (!prof || prof->type != MGEN__JT_OBJECT)
		return why_set(why, n, "no \"profile\" object", NULL);
	for (i = 0; i < 5; i++)
		if (!mgen__jt_get(prof, inputs[i]))
			return why_set(why, n, "the profile has no ",
				       inputs[i]);
	o = mgen__jt_new(MGEN__JT_OBJECT, NULL);
	if (o == NULL)
		return MGEN_ENOMEM;
	for (i = 0; i < 5; i++)
		add(&rc, o, inputs[i],
		    mgen__jt_dup(mgen__jt_get(prof, inputs[i])));
	add(&rc, o, "comments", answer_of(line));
	for (i = 0; i < line->n && rc == 0; i++) {
		const char *k = line->kids[i]->key;
		if (strcmp(k, "table") == 0 ||
		    strcmp(k, "table_comment") == 0 ||
		    strcmp(k, "columns") == 0 || strcmp(k, "profile") == 0)
			continue;
		add(&rc, o, k, mgen__jt_dup(line->kids[i]));
	}
	if (rc) {
		mgen__jt_free(o);
		return MGEN_ENOMEM;
	}
	*out = o;
	return 0;
}

int mgen_dataset_line_to_dspy(const char *line, size_t len, mgen_buf *out,
			      char *why, size_t n)
{
	mgen_err e = MGEN_ERR_INIT;
	mgen__jt *root = NULL, *d = NULL;
	int rc = mgen__jt_parse(line, len, "line", &root, &e);

	if (rc)
		snprintf(why, n, "%s", e.msg);
	else
		rc = mgen__example_to_dspy(root, &d, why, n);
	if (rc == 0)
		rc = mgen__jt_write(d, -1, out);
	if (rc == 0)
		rc = mgen_buf_putc(out, '\n') ? MGEN_ENOMEM : 0;
	mgen__jt_free(root);
	mgen__jt_free(d);
	return rc;
}
