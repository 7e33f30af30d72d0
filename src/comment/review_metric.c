/*
 * review_metric.c - the review's negatives in the metric's report
 * (include/metagen/review.h, mgen_review_repeats): how many of the
 * comments a reviewer rejected an answer says again.
 */
#include <string.h>

#include "metagen/answer.h"
#include "metagen/metric.h"
#include "metagen/review.h"
#include "util/json.h"

/* 1 when `said` (may be NULL) repeats the rejected `text`. */
static int repeats(const char *text, const char *said)
{
	double f1 = 0;

	if (said == NULL || said[0] == '\0' ||
	    mgen_metric_token_f1(text, said, &f1) != 0)
		return 0;
	return f1 >= MGEN_REVIEW_REPEAT_F1;
}

/* The answer's comment for `column`, or NULL. */
static const char *said_for(const mgen_answer *a, const char *column)
{
	size_t i;

	for (i = 0; a && i < a->n; i++)
		if (strcmp(a->columns[i], column) == 0)
			return a->contents[i];
	return NULL;
}

int mgen_review_repeats(const char *rejected_json, const char *answer_json,
			mgen_review_negatives *out)
{
	cJSON *rej = cJSON_Parse(rejected_json ? rejected_json : "");
	const cJSON *t, *cols, *c;
	mgen_answer a;
	int have;

	if (!cJSON_IsObject(rej)) {
		cJSON_Delete(rej);
		return MGEN_EPARSE;
	}
	memset(&a, 0, sizeof(a));
	have = answer_json && mgen_answer_parse(answer_json, 0, &a, NULL) == 0;
	t = cJSON_GetObjectItemCaseSensitive(rej, "table");
	if (cJSON_IsString(t)) {
		out->rejected++;
		out->repeated +=
		    have && repeats(t->valuestring, a.table_comment);
	}
	cols = cJSON_GetObjectItemCaseSensitive(rej, "columns");
	if (!cJSON_IsObject(cols))
		cols = NULL;
	cJSON_ArrayForEach(c, cols)
	{
		if (!cJSON_IsString(c))
			continue;
		out->rejected++;
		out->repeated +=
		    have && repeats(c->valuestring, said_for(&a, c->string));
	}
	mgen_answer_release(&a);
	cJSON_Delete(rej);
	return 0;
}
