/*
 * train_feedback.c - the comment metric's textual feedback for GEPA
 * (train.h mgen_train_feedback): computed from the gold and the answer
 * alone, no LM. Which asked columns failed validation (mgen_answer_align's
 * problems), names that were not asked, and the gold text of the
 * lowest-F1 columns and of the table comment beside what was answered.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "comment/train_internal.h"
#include "metagen/answer.h"
#include "metagen/buf.h"
#include "metagen/metric.h"
#include "metagen/train.h"
#include "util/util.h"

#define SHOW_FAILED 8 /* failed columns named one by one */
#define SHOW_LOWEST 3 /* lowest-F1 columns shown with their gold */
#define TEXT_CAP 500  /* bytes of one comment quoted */

/* One graded gold column: its F1 and where it is. */
typedef struct graded {
	double f1;
	size_t gold; /* index into the gold answer */
	const char *said;
} graded;

/* `"text"` cut at TEXT_CAP bytes (UTF-8 safe), or `nothing`. */
static void quote(mgen_buf *b, const char *s)
{
	size_t len = s ? strlen(s) : 0;

	if (s == NULL || len == 0) {
		mgen_buf_puts(b, "nothing");
		return;
	}
	mgen_buf_printf(b, "\"%.*s%s\"",
			(int)mgen__utf8_prefix(s, len, TEXT_CAP), s,
			len > TEXT_CAP ? "..." : "");
}

/* The aligned comment of column `name`, or NULL. */
static const char *said_for(const mgen_alignment *al, const char *const *asked,
			    const char *name)
{
	size_t i;

	for (i = 0; al && i < al->asked_count; i++)
		if (strcasecmp(asked[i], name) == 0)
			return al->comments[i];
	return NULL;
}

/* Lines for the columns that failed validation and unknown names. */
static void validation_lines(mgen_buf *b, const mgen_alignment *al,
			     const char *const *asked)
{
	size_t i, shown = 0, failed = 0;

	for (i = 0; i < al->asked_count; i++) {
		if (al->problems[i] == NULL)
			continue;
		if (shown++ < SHOW_FAILED)
			mgen_buf_printf(b,
					"Column `%s` failed validation: "
					"%s.\n",
					asked[i], al->problems[i]);
		failed++;
	}
	if (failed > SHOW_FAILED)
		mgen_buf_printf(b,
				"... and %zu more columns failed "
				"validation.\n",
				failed - SHOW_FAILED);
	if (al->unknown)
		mgen_buf_printf(b,
				"The answer names columns that were not "
				"asked about: %s.\n",
				al->unknown);
}

static int by_f1(const void *x, const void *y)
{
	const graded *a = x, *b = y;

	if (a->f1 != b->f1)
		return a->f1 < b->f1 ? -1 : 1;
	return a->gold < b->gold ? -1 : a->gold > b->gold;
}

/* The lowest-F1 gold columns and the table comment, with their gold. */
static int gold_lines(mgen_buf *b, const mgen_answer *gold,
		      const mgen_alignment *al, const char *const *asked,
		      const char *said_table)
{
	graded *g = calloc(gold->n + 1, sizeof(*g));
	size_t i, n = 0;
	double f;
	int rc = g ? 0 : MGEN_ENOMEM;

	for (i = 0; rc == 0 && i < gold->n; i++) {
		if (gold->contents[i] == NULL || gold->contents[i][0] == '\0')
			continue;
		g[n].gold = i;
		g[n].said = said_for(al, asked, gold->columns[i]);
		rc = mgen_metric_token_f1(gold->contents[i], g[n].said,
					  &g[n].f1);
		n++;
	}
	if (rc == 0)
		qsort(g, n, sizeof(*g), by_f1);
	for (i = 0; rc == 0 && i < n && i < SHOW_LOWEST && g[i].f1 < 1; i++) {
		mgen_buf_printf(b, "Column `%s` (F1 %.2f): expected ",
				gold->columns[g[i].gold], g[i].f1);
		quote(b, gold->contents[g[i].gold]);
		mgen_buf_puts(b, "; the answer said ");
		quote(b, g[i].said);
		mgen_buf_puts(b, ".\n");
	}
	if (rc == 0 && gold->table_comment && gold->table_comment[0] &&
	    (rc = mgen_metric_token_f1(gold->table_comment, said_table, &f)) ==
		0 &&
	    f < 1) {
		mgen_buf_printf(b, "Table comment (F1 %.2f): expected ", f);
		quote(b, gold->table_comment);
		mgen_buf_puts(b, "; the answer said ");
		quote(b, said_table);
		mgen_buf_puts(b, ".\n");
	}
	free(g);
	return rc;
}

/* Parses the "comments" of `ex` (NULL ex: fails); *err the reason. */
static int parse_comments(const mgen_example *ex, size_t nasked,
			  mgen_answer *out, mgen_err *err)
{
	char *json = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (ex == NULL || mgen_example_get_json(ex, "comments", &json) != 0)
		return mgen_err_set(err, MGEN_EPARSE, "no `comments` output");
	rc = mgen_answer_parse_capped(json, 0, mgen_answer_entry_cap(nasked),
				      out, err);
	free(json);
	return rc;
}

static void free_names(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* The lines about the answer itself: why it is not an answer object, or
 * its columns that failed validation. *prc the parse result; *al filled
 * when it parsed. Returns 0 or MGEN_ENOMEM. */
static int answer_lines(mgen_buf *b, const mgen_example *example,
			const mgen_example *prediction, char **asked,
			size_t nasked, mgen_answer *pred, mgen_alignment *al,
			int *prc)
{
	mgen_err perr = MGEN_ERR_INIT, aerr = MGEN_ERR_INIT;

	*prc = parse_comments(prediction, nasked, pred, &perr);
	if (*prc == MGEN_ENOMEM)
		return MGEN_ENOMEM;
	if (*prc != 0) {
		mgen_buf_printf(b,
				"The answer failed validation: %s. "
				"`comments` must be a JSON object "
				"{\"table\", \"columns\", "
				"\"column_contents\"} naming every asked "
				"column once.\n",
				perr.msg);
		return 0;
	}
	if (mgen_answer_align(pred, mgen_example_get_str(example, "table_name"),
			      (const char *const *)asked, nasked, al,
			      &aerr) == MGEN_ENOMEM)
		return MGEN_ENOMEM;
	validation_lines(b, al, (const char *const *)asked);
	return 0;
}

int mgen_train_feedback(void *ud, const mgen_example *example,
			const mgen_example *prediction, char **feedback)
{
	mgen_answer gold, pred;
	mgen_alignment al;
	mgen_buf b;
	size_t nasked = 0;
	char **asked = mgen__train_asked(example, &nasked);
	int prc = MGEN_EPARSE, rc;

	(void)ud;
	*feedback = NULL;
	memset(&al, 0, sizeof(al));
	memset(&pred, 0, sizeof(pred));
	mgen_buf_init(&b, 0);
	mgen_buf_printf(&b,
			"Score %.2f of 1 (token F1 against the reviewed "
			"comments; 0 when the answer fails validation).\n",
			mgen_train_metric(NULL, example, prediction, 0));
	if (parse_comments(example, 0, &gold, NULL) != 0)
		mgen_buf_puts(&b, "There are no gold comments to compare "
				  "with.\n");
	rc = answer_lines(&b, example, prediction, asked, nasked, &pred, &al,
			  &prc);
	if (rc == 0)
		rc = gold_lines(&b, &gold, prc == 0 ? &al : NULL,
				(const char *const *)asked,
				prc == 0 ? pred.table_comment : NULL);
	if (rc == 0 && mgen_buf_error(&b) == 0)
		*feedback = mgen_buf_detach(&b);
	mgen_buf_release(&b);
	mgen_alignment_release(&al);
	mgen_answer_release(&gold);
	mgen_answer_release(&pred);
	free_names(asked, nasked);
	return *feedback ? 0 : MGEN_ENOMEM;
}
