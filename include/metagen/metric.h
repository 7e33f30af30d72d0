/*
 * metric.h - how good a generated comment is against a gold comment, and
 * the per-table comment metric the optimizers and `evaluate` use
 * (DESIGN.md glossary: metric = function (example, prediction) -> score).
 *
 * Two text similarities over the same tokens:
 *   token F1  SQuAD's answer F1 (Rajpurkar et al. 2016, the official
 *             evaluate-v2.0 script; DSPy's dspy/evaluate/metrics.py
 *             f1_score): precision and recall of the multiset of tokens
 *             shared by the two texts, F1 = 2PR/(P+R).
 *   ROUGE-L   Lin 2004 F-measure over the longest common subsequence of
 *             tokens, beta = 1: P = LCS/len(pred), R = LCS/len(gold).
 * Normalisation (SQuAD v1.1's normalize_answer, in its order):
 * lowercase (Python's str.lower(): ASCII, and every other UTF-8 letter by
 * its Unicode simple lowercase mapping, towlower in C.UTF-8 - Python's
 * few one-to-many mappings such as U+0130 differ; a byte that is not
 * valid UTF-8 is kept as it is); every ASCII punctuation character
 * (Python's string.punctuation; non-ASCII punctuation such as U+00AB is
 * kept) removed; the words "a", "an", "the" removed when whitespace
 * separates them (SQuAD's regex \b also cuts at non-ASCII non-word
 * characters such as U+2014 - a deviation); whitespace-split. No Unicode
 * normalisation (DSPy's normalize_text applies NFD first; SQuAD does
 * not).
 * Edge cases (SQuAD v2): both texts without tokens -> 1; exactly one
 * without tokens -> 0.
 *
 * The comment metric uses TOKEN F1 by default because column comments are
 * short (3-20 words) and a good one is often a reordering of the gold
 * ("Time of admission to the hospital." vs "Hospital admission time."):
 * F1 credits the shared content words whatever their order, while ROUGE-L
 * rewards only the words that appear in the same order and so scores a
 * correct rephrasing as a partial miss. Order carries little meaning in a
 * comment this short; ROUGE-L stays available for longer table comments
 * or for comparing runs.
 *
 * The comment metric, per table:
 *   score = gate x mean over graded items of sim(gold, predicted)
 *   gate  = 1 when the prediction parsed (`valid`) and every asked column
 *           has a predicted comment (non-NULL), else the score is 0;
 *   graded items = the table comment when the gold has one (non-empty),
 *           plus each asked column that has a non-empty gold comment.
 *           Asked columns without gold are left out (neither credit nor
 *           failure). A graded item with no prediction scores 0.
 * Column names match ASCII case-insensitively. A table with no graded
 * item scores 0 (nothing to learn from; keep such tables out of devsets).
 */
#ifndef METAGEN_METRIC_H
#define METAGEN_METRIC_H

#include <stddef.h>

#include "metagen.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mgen_sim_kind {
	MGEN_SIM_TOKEN_F1 = 0, /* the default */
	MGEN_SIM_ROUGE_L = 1
} mgen_sim_kind;

/*
 * Token F1 of `pred` against `gold` (NULL = ""), in [0, 1], into *out.
 * Returns 0 or MGEN_ENOMEM (then *out = 0).
 */
int mgen_metric_token_f1(const char *gold, const char *pred, double *out);

/*
 * Token recall of `gold` within `text` (NULL = ""): the share of gold's
 * tokens (same normalisation, counted with repeats: each token of `text`
 * matches at most one) that occur in `text`, in [0, 1] into *out; 0 when
 * gold has no token. The QA metric's "context held the answer" test
 * (qa.h). Time O(n log n) in the tokens. Returns 0 or MGEN_ENOMEM (then
 * *out = 0).
 */
int mgen_metric_token_recall(const char *gold, const char *text, double *out);

/*
 * ROUGE-L F-measure (beta 1) of `pred` against `gold`, in [0, 1], into
 * *out. Memory O(len(gold)); time O(len(gold) x len(pred)) tokens.
 * Returns 0 or MGEN_ENOMEM (then *out = 0).
 */
int mgen_metric_rouge_l(const char *gold, const char *pred, double *out);

/* The similarity `kind` (dispatches to the two above). */
int mgen_metric_sim(mgen_sim_kind kind, const char *gold, const char *pred,
		    double *out);

/* A column name and its comment; both borrowed. */
typedef struct mgen_metric_item {
	const char *column;
	const char *comment; /* NULL or "" = none */
} mgen_metric_item;

/* The example side: gold comments and the columns that were asked. */
typedef struct mgen_metric_gold {
	const char *table_comment;	 /* NULL or "" = no gold */
	const mgen_metric_item *columns; /* gold column comments */
	size_t column_count;
	const char *const *asked; /* the columns the prompt asked about; NULL
				     = exactly the gold columns */
	size_t asked_count;
} mgen_metric_gold;

/* The prediction side (an aligned or raw answer). */
typedef struct mgen_metric_pred {
	int valid; /* the answer parsed */
	const char *table_comment;
	const mgen_metric_item *columns;
	size_t column_count;
} mgen_metric_pred;

/*
 * The comment metric described above, in [0, 1], into *out. When a
 * column appears more than once on a side, the first entry counts.
 * Returns 0 or MGEN_ENOMEM (then *out = 0).
 */
int mgen_metric_comment(const mgen_metric_gold *gold,
			const mgen_metric_pred *pred, mgen_sim_kind kind,
			double *out);

/*
 * DSPy Evaluate's aggregate (dspy/evaluate/evaluate.py): 100 * sum / n,
 * rounded to 2 decimals the way Python's round() does it (on the exact
 * binary value, ties to even). `n` = 0 gives 0.
 */
double mgen_metric_evaluate_score(const double *scores, size_t n);

#ifdef __cplusplus
}
#endif

#endif
