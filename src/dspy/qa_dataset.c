/*
 * qa_dataset.c - the QA file of the ask program (include/metagen/qa.h):
 * {"question", "answer"} JSON Lines, optional "history", read line by
 * line into examples; every problem named PATH:LINE.
 */
#include <stdlib.h>
#include <string.h>

#include "dspy/jsontree.h"
#include "metagen/qa.h"
#include "util/util.h"

typedef struct qa_ctx {
	const char *src;
	size_t line;
	mgen_err *err;
	mgen_example **ex;
	size_t n, cap;
} qa_ctx;

void mgen_qa_examples_free(mgen_example **ex, size_t n)
{
	size_t i;

	for (i = 0; ex != NULL && i < n; i++)
		mgen_example_free(ex[i]);
	free(ex);
}

static int bad(qa_ctx *c, int code, const char *what)
{
	return mgen_err_set(c->err, code, "%s:%zu: %s", c->src, c->line, what);
}

/* A string member within the text limit; `need` = it must be there. */
static int check_text(qa_ctx *c, const mgen__jt *v, const char *key, int need)
{
	char msg[160];

	if (v == NULL && !need)
		return 0;
	if (v == NULL || v->type != MGEN__JT_STRING) {
		snprintf(msg, sizeof(msg), "\"%s\" is missing or not a string",
			 key);
		return bad(c, MGEN_EINVAL, msg);
	}
	if (strlen(v->text) > MGEN_QA_TEXT_MAX) {
		snprintf(msg, sizeof(msg), "\"%s\" is %zu bytes, at most %d",
			 key, strlen(v->text), MGEN_QA_TEXT_MAX);
		return bad(c, MGEN_EINVAL, msg);
	}
	return 0;
}

/* "history": [{"role": "user"|"assistant", "content": "..."}, ...]. */
static int check_history(qa_ctx *c, const mgen__jt *h)
{
	char msg[160];
	size_t i;

	if (h == NULL)
		return 0;
	if (h->type != MGEN__JT_ARRAY)
		return bad(c, MGEN_EINVAL, "\"history\" is not an array");
	if (h->n > MGEN_QA_HISTORY_MAX) {
		snprintf(msg, sizeof(msg),
			 "\"history\" has %zu messages, at most %d", h->n,
			 MGEN_QA_HISTORY_MAX);
		return bad(c, MGEN_EINVAL, msg);
	}
	for (i = 0; i < h->n; i++) {
		const mgen__jt *m = h->kids[i], *r, *t;

		r = m->type == MGEN__JT_OBJECT ? mgen__jt_get(m, "role") : NULL;
		t = m->type == MGEN__JT_OBJECT ? mgen__jt_get(m, "content")
					       : NULL;
		if (r == NULL || r->type != MGEN__JT_STRING ||
		    (strcmp(r->text, "user") && strcmp(r->text, "assistant")) ||
		    t == NULL || t->type != MGEN__JT_STRING ||
		    strlen(t->text) > MGEN_QA_TEXT_MAX) {
			snprintf(msg, sizeof(msg),
				 "\"history\"[%zu]: expected {\"role\": "
				 "\"user\"|\"assistant\", \"content\": a "
				 "string of at most %d bytes}",
				 i, MGEN_QA_TEXT_MAX);
			return bad(c, MGEN_EINVAL, msg);
		}
	}
	return 0;
}

/* Checks one parsed line and normalises it: "response" -> "answer",
 * "history" [] when absent. */
static int check_line(qa_ctx *c, mgen__jt *root)
{
	mgen__jt *a, *r, *q;
	int rc;

	if (root->type != MGEN__JT_OBJECT)
		return bad(c, MGEN_EINVAL, "not a JSON object");
	q = mgen__jt_get(root, "question");
	a = mgen__jt_get(root, "answer");
	r = mgen__jt_get(root, "response");
	if (q != NULL && q->type == MGEN__JT_STRING && q->text[0] == '\0')
		return bad(c, MGEN_EINVAL, "\"question\" is empty");
	if (a != NULL && r != NULL)
		return bad(c, MGEN_EINVAL,
			   "both \"answer\" and \"response\": give one");
	rc = check_text(c, q, "question", 1);
	if (rc == 0)
		rc = check_text(c, a ? a : r, a || !r ? "answer" : "response",
				1);
	if (rc == 0)
		rc = check_history(c, mgen__jt_get(root, "history"));
	if (rc != 0)
		return rc;
	if (r != NULL) {
		char *k = mgen__strdup("answer");

		if (k == NULL)
			return bad(c, MGEN_ENOMEM, "out of memory");
		free(r->key);
		r->key = k;
	}
	if (mgen__jt_get(root, "history") == NULL &&
	    mgen__jt_add(root, "history", mgen__jt_new(MGEN__JT_ARRAY, NULL)))
		return bad(c, MGEN_ENOMEM, "out of memory");
	return 0;
}

static int push(qa_ctx *c, mgen_example *ex)
{
	mgen_example **v;

	if (c->n == MGEN_QA_EXAMPLES_MAX) {
		mgen_example_free(ex);
		return mgen_err_set(c->err, MGEN_ELIMIT,
				    "%s:%zu: more than %d examples", c->src,
				    c->line, MGEN_QA_EXAMPLES_MAX);
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;

		v = realloc(c->ex, cap * sizeof(*v));
		if (v == NULL) {
			mgen_example_free(ex);
			return bad(c, MGEN_ENOMEM, "out of memory");
		}
		c->ex = v;
		c->cap = cap;
	}
	c->ex[c->n++] = ex;
	return 0;
}

static int parse_line(qa_ctx *c, const char *s, size_t len)
{
	mgen_err local = MGEN_ERR_INIT;
	mgen_buf b = MGEN_BUF_INIT;
	mgen__jt *root = NULL;
	mgen_example *ex = NULL;
	int rc = mgen__jt_parse(s, len, "", &root, &local);

	if (rc == MGEN_EPARSE) /* local.msg is ":1:COL: problem" */
		return mgen_err_set(c->err, rc,
				    "%s:%zu: invalid JSON at column %s", c->src,
				    c->line, local.msg + 3);
	if (rc != 0)
		return bad(c, rc, "out of memory");
	rc = check_line(c, root);
	if (rc == 0 && mgen__jt_write(root, -1, &b) != 0)
		rc = bad(c, MGEN_ENOMEM, "out of memory");
	if (rc == 0 && mgen_example_from_json(mgen_buf_str(&b), &ex, NULL))
		rc = bad(c, MGEN_ENOMEM, "out of memory");
	if (rc == 0)
		rc = push(c, ex);
	mgen_buf_release(&b);
	mgen__jt_free(root);
	return rc;
}

static int each_line(void *ud, size_t line, const char *s, size_t n)
{
	qa_ctx *c = ud;

	c->line = line;
	return parse_line(c, s, n);
}

int mgen_qa_parse(const char *text, size_t len, const char *source,
		  mgen_example ***out, size_t *n, mgen_err *err)
{
	qa_ctx c = {source ? source : "<qa>", 0, err, NULL, 0, 0};
	int rc = mgen__jsonl_each(text, len, each_line, &c);

	*out = NULL;
	*n = 0;
	if (rc == 0 && c.n == 0)
		rc = mgen_err_set(err, MGEN_EINVAL, "%s: no example", c.src);
	if (rc != 0) {
		mgen_qa_examples_free(c.ex, c.n);
		return rc;
	}
	*out = c.ex;
	*n = c.n;
	return 0;
}

int mgen_qa_read(const char *path, mgen_example ***out, size_t *n,
		 mgen_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc =
	    mgen__read_file_max(path, (size_t)MGEN_QA_FILE_MAX, &text, &len);

	*out = NULL;
	*n = 0;
	if (rc == MGEN_ELIMIT)
		return mgen_err_set(err, rc, "%s: over %ld bytes", path,
				    (long)MGEN_QA_FILE_MAX);
	if (rc == MGEN_ENOMEM)
		return mgen_err_set(err, rc, "out of memory");
	if (rc != 0)
		return mgen_err_set(err, MGEN_EIO, "%s: cannot read", path);
	rc = mgen_qa_parse(text, len, path, out, n, err);
	free(text);
	return rc;
}
