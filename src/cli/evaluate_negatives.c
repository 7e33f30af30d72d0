/*
 * evaluate_negatives.c - `metagen evaluate`'s line about the review's
 * negatives: of the comments reviewers rejected (the "rejected" member
 * of the devset's lines, written by `harvest --reviewed`), how many each
 * path says again (include/metagen/review.h, mgen_review_repeats).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "metagen/dataset.h"
#include "metagen/review.h"
#include "util/json.h"

/* The "rejected" member of an example's extra keys, as JSON text. */
static char *rejected_of(const mgen_gold_example *g)
{
	cJSON *x = g->extra ? cJSON_Parse(g->extra) : NULL;
	cJSON *r = cJSON_GetObjectItemCaseSensitive(x, "rejected");
	char *text = cJSON_IsObject(r) ? cJSON_PrintUnformatted(r) : NULL;

	cJSON_Delete(x);
	return text;
}

void cli_evaluate_negatives(const char *devset, const mgen_train_score *sc,
			    size_t n, int optimized)
{
	mgen_dataset ds = MGEN_DATASET_INIT;
	mgen_review_negatives leg = {0, 0}, opt = {0, 0};
	size_t i;

	/* the devset read again for its extra keys: same lines, same
	 * order as the examples scored */
	if (mgen_dataset_read(devset, &ds, NULL) != 0 || ds.n != n) {
		mgen_dataset_release(&ds);
		return;
	}
	for (i = 0; i < n; i++) {
		char *rej = rejected_of(&ds.items[i]);
		if (rej == NULL)
			continue;
		mgen_review_repeats(rej, sc[i].legacy_answer, &leg);
		if (optimized)
			mgen_review_repeats(rej, sc[i].optimized_answer, &opt);
		free(rej);
	}
	if (leg.rejected)
		printf("review negatives (%zu rejected comment(s) in the "
		       "devset): legacy repeats %zu, optimized %s%zu "
		       "(token F1 >= %.2f with the rejected text)\n",
		       leg.rejected, leg.repeated, optimized ? "" : "(none) ",
		       opt.repeated, MGEN_REVIEW_REPEAT_F1);
	mgen_dataset_release(&ds);
}
