/*
 * qa_metric.c - the QA metric of the ask program (include/metagen/qa.h):
 * token F1 times a citations factor, and the LLM judge (signature,
 * hostile-safe reading of its answer, one judged answer).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/buf.h"
#include "metagen/metric.h"
#include "metagen/qa.h"
#include "util/util.h"

/* N: the passages "[1] «", "[2] «", ... at line starts, in order. */
static int count_passages(const char *c)
{
	const char *line = c;
	char want[32];
	int k = 0;

	while (line != NULL && *line) {
		int len = snprintf(want, sizeof(want), "[%d] \xc2\xab", k + 1);

		if (strncmp(line, want, (size_t)len) == 0)
			k++;
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return k;
}

/* Reads the [n] / [n, m] groups of `a` (the grammar of the agent's
 * mark_cited): counts them and those outside 1..npass, and writes `a`
 * without them into `bare` (a space for each group) for the F1. */
static int read_citations(const char *a, int npass, int *ncited, int *nbad,
			  mgen_buf *bare)
{
	const char *s = a, *from = a;

	*ncited = *nbad = 0;
	while ((s = strchr(s, '[')) != NULL) {
		const char *p = s + 1;
		int k = 0, b = 0, closed = 0;

		for (;;) {
			char *end;
			long v;

			while (*p == ' ')
				p++;
			if (*p < '0' || *p > '9')
				break;
			v = strtol(p, &end, 10);
			p = end;
			while (*p == ' ')
				p++;
			if (*p != ',' && *p != ']')
				break; /* "[3 apples" is no citation */
			k++;
			b += v < 1 || v > npass;
			if (*p++ == ']') {
				closed = 1;
				break;
			}
		}
		if (!closed || k == 0) {
			s++;
			continue;
		}
		*ncited += k;
		*nbad += b;
		mgen_buf_append(bare, from, (size_t)(s - from));
		mgen_buf_puts(bare, " ");
		s = from = p;
	}
	mgen_buf_puts(bare, from);
	return mgen_buf_error(bare);
}

/* 1 when every token of the normalised gold (with repeats) occurs among
 * the context's tokens and gold has one at least. The passages'
 * delimiters « and » (U+00AB, U+00BB: not in string.punctuation) are
 * read as spaces, so that a passage's first and last words count. */
static int held(const char *gold, const char *context, int *out)
{
	mgen_buf b = MGEN_BUF_INIT;
	const char *p = context;
	double recall = 0;
	int rc;

	while (*p) {
		if (p[0] == '\xc2' && (p[1] == '\xab' || p[1] == '\xbb')) {
			mgen_buf_puts(&b, " ");
			p += 2;
			continue;
		}
		mgen_buf_append(&b, p++, 1);
	}
	rc = mgen_buf_error(&b);
	if (rc == 0)
		rc = mgen_metric_token_recall(gold, mgen_buf_str(&b), &recall);
	mgen_buf_release(&b);
	*out = rc == 0 && recall >= 1.0;
	return rc;
}

int mgen_qa_score(const char *gold, const char *answer, const char *context,
		  double judge, mgen_qa_parts *out)
{
	mgen_buf bare = MGEN_BUF_INIT;
	int rc, h = 0;

	memset(out, 0, sizeof(*out));
	out->npassages = context ? count_passages(context) : 0;
	rc = read_citations(answer ? answer : "", out->npassages, &out->ncited,
			    &out->nbad, &bare);
	if (rc == 0)
		rc = mgen_metric_token_f1(gold, mgen_buf_str(&bare), &out->f1);
	mgen_buf_release(&bare);
	if (rc == 0 && out->npassages > 0)
		rc = held(gold, context, &h);
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	out->held = h;
	out->cite = out->nbad > 0		      ? 0.0
		    : (out->ncited == 0 && out->held) ? 0.5
						      : 1.0;
	out->judge = judge >= 0 ? (judge > 1 ? 1 : judge) : -1;
	out->score =
	    out->cite * (judge >= 0 ? (out->f1 + out->judge) / 2 : out->f1);
	return 0;
}

/* ---- the judge ---- */

static const char judge_instructions[] =
    "Assess a system's answer against the expected answer to the same "
    "question. List the key facts of each; recall is the share of the "
    "expected answer's key facts that the system's answer states, "
    "precision the share of the system's key facts that the expected "
    "answer supports. Give both as numbers from 0 to 1.";

/* The field descriptions, in the signature's order. */
static const char *const judge_descs[] = {
    "the question asked",
    "the expected answer",
    "the answer to assess",
    "share of the expected key facts stated, 0 to 1",
    "share of the stated facts the expected answer supports, 0 to 1",
};

int mgen_qa_judge_signature(mgen_signature **out, mgen_err *err)
{
	size_t i;
	int rc = mgen_signature_parse("question: str, ground_truth: str, "
				      "system_response: str -> recall: "
				      "float, precision: float",
				      judge_instructions, out, err);

	for (i = 0; rc == 0 && i < sizeof(judge_descs) / sizeof(*judge_descs);
	     i++)
		rc = mgen_signature_set_field_desc(*out, i, judge_descs[i]);
	if (rc != 0) {
		mgen_signature_free(*out);
		*out = NULL;
		if (rc == MGEN_ENOMEM)
			mgen_err_set(err, rc, "out of memory");
	}
	return rc;
}

/* One value of the judge's answer: a finite number in [0, 1]. */
static int judge_value(const mgen_example *p, const char *name, double *v,
		       mgen_err *err)
{
	char *json = NULL, *end = NULL;
	const char *s;
	int ok;

	*v = 0;
	if (mgen_example_get_json(p, name, &json) != 0)
		return mgen_err_set(err, MGEN_EPARSE, "judge: no %s", name);
	s = json;
	ok = (*s == '-' || (*s >= '0' && *s <= '9'));
	if (ok) {
		*v = strtod(s, &end);
		ok = end != s && *end == '\0' && isfinite(*v) && *v >= 0 &&
		     *v <= 1;
	}
	if (!ok)
		mgen_err_set(err, MGEN_EPARSE,
			     "judge: %s is not a number in "
			     "0..1: %.40s",
			     name, json);
	free(json);
	if (!ok)
		*v = 0;
	return ok ? 0 : MGEN_EPARSE;
}

int mgen_qa_judge_read(const mgen_example *prediction, double *out,
		       mgen_err *err)
{
	double r = 0, p = 0;
	int rc = judge_value(prediction, "recall", &r, err);

	if (rc == 0)
		rc = judge_value(prediction, "precision", &p, err);
	*out = rc == 0 && r + p > 0 ? 2 * r * p / (r + p) : 0;
	return rc;
}

int mgen_qa_judge(mgen_lm *lm, const mgen_signature *sig,
		  const mgen_predict_options *opts, const char *question,
		  const char *gold, const char *answer, double *out, int *calls,
		  mgen_err *err)
{
	mgen_example *in = NULL, *pred = NULL;
	mgen_predict_info info;
	int rc = mgen_example_new(&in);

	*out = 0;
	memset(&info, 0, sizeof(info));
	if (rc == 0)
		rc = mgen_example_set_str(in, "question", question);
	if (rc == 0)
		rc = mgen_example_set_str(in, "ground_truth", gold);
	if (rc == 0)
		rc = mgen_example_set_str(in, "system_response", answer);
	if (rc != 0) {
		mgen_example_free(in);
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	rc = mgen_predict(lm, sig, NULL, 0, in, opts, &pred, &info, err);
	*calls += info.lm_calls;
	if (rc == 0)
		rc = mgen_qa_judge_read(pred, out, err);
	mgen_example_free(pred);
	mgen_example_free(in);
	return rc;
}
