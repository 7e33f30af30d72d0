/*
 * train.h - what `metagen optimize` and `metagen evaluate` run on: gold
 * examples (dataset.h, as written by `metagen harvest`) turned into the
 * comment program's DSPy examples, the comment metric in DSPy's
 * metric(example, prediction, trace) form, and a per-table comparison
 * of the legacy and the optimized paths on a devset.
 */
#ifndef METAGEN_TRAIN_H
#define METAGEN_TRAIN_H

#include <stddef.h>

#include "comment_program.h"
#include "config.h"
#include "dataset.h"
#include "lm.h"
#include "metagen.h"
#include "optimize.h"
#include "signature.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Turns each gold example of `ds` into a comment-program example: the
 * inputs from its "profile" object (table_name, table_data,
 * column_metadata, abbreviations, context; see harvest.h) and the gold
 * output `comments` = {"table": gold table comment, "columns": [gold
 * columns], "column_contents": [their comments]}. Columns without gold
 * are left out of the output (and so of scoring). *out is an array of
 * *n examples (free with mgen_train_examples_free). Returns 0,
 * MGEN_EINVAL ("FILE:LINE: table T has no profile: write the file with
 * metagen harvest") or MGEN_ENOMEM.
 */
int mgen_train_examples(const mgen_dataset *ds, const char *source,
			mgen_example ***out, size_t *n, mgen_err *err);

/* Frees the `n` examples and the array mgen_train_examples returned.
 * NULL is fine. */
void mgen_train_examples_free(mgen_example **ex, size_t n);

/*
 * The comment metric as an mgen_metric_fn (optimize.h; `ud` unused):
 * parses prediction's `comments` (mgen_answer_parse, so fences and
 * chatter are forgiven) and scores it against example's gold with
 * mgen_metric_comment (metric.h: validity gate x mean token F1 over the
 * gold columns and the gold table comment). The asked columns are the
 * "columns" of the example's table_data. Thread-safe.
 */
double mgen_train_metric(void *ud, const mgen_example *example,
			 const mgen_example *prediction, int has_trace);

/*
 * The comment metric's textual feedback, an mgen_feedback_fn
 * (optimize.h) for GEPA (`ud` unused), computed without an LM: the
 * score; the answer's validation failure (it does not parse) or each
 * asked column that failed validation (mgen_answer_align's problem:
 * missing, duplicated, empty; the first 8 named, then a count) and the
 * names not asked about; then the (up to) 3 gold columns with the lowest
 * token F1 and the table comment when below 1, each with the gold text
 * and what the answer said (quoted, cut at 500 bytes). *feedback is
 * owned by the caller. Returns 0 or MGEN_ENOMEM. Thread-safe.
 */
int mgen_train_feedback(void *ud, const mgen_example *example,
			const mgen_example *prediction, char **feedback);

/* One devset table's scores (0..1; -1 when that path was not run). */
typedef struct mgen_train_score {
	const char *table; /* borrowed from the example */
	double legacy;
	double optimized;
	char *legacy_answer; /* each path's answer as the JSON text of
				{"table", "columns", "column_contents"},
				NULL when it gave none; free() both */
	char *optimized_answer;
} mgen_train_score;

/*
 * For each example of `dev`: the legacy path (the templates of
 * cfg->prompts_dir rendered for a table rebuilt from the example's
 * profile, one LM call, the answer parsed like `generate` does) and,
 * when `cp` is not NULL, the optimized path (mgen_predict with its
 * signature and the demos of mgen_comment_program_demos_for: a KNN
 * program's nearest examples to that table), each scored with
 * mgen_train_metric. Fills scores[0..n) (caller's array). Returns 0 or a
 * setup error (templates, the KNN index, ENOMEM); LM failures score 0
 * for that example.
 */
int mgen_train_compare(mgen_lm *lm, const mgen_config *cfg,
		       const mgen_comment_program *cp, mgen_example *const *dev,
		       size_t n, mgen_train_score *scores, mgen_err *err);

/* ------------------------------------------------------------------ */
/* The merge predictor (comment_program.h "merge")                     */
/* ------------------------------------------------------------------ */

/*
 * How many column chunks of `per` columns `generate` would describe
 * comment example `ex` in (its table_data.columns), when that gives a
 * merge example: 2 or more chunks and a non-empty gold table comment;
 * else 0.
 */
size_t mgen_merge_chunks(const mgen_example *ex, size_t per);

/* The comment program that writes the chunks' descriptions (borrowed):
 * its signature and demos, the chunk size (columns_per_call) and the
 * prediction options (NULL: defaults). */
typedef struct mgen_merge_trace {
	const mgen_signature *sig;
	const mgen_example *const *demos;
	size_t ndemos;
	size_t per;
	const mgen_predict_options *predict;
} mgen_merge_trace;

/* The most LM calls mgen_merge_examples makes on `ex`: the chunks of
 * every example with mgen_merge_chunks > 0, 2 per chunk (1 with
 * no_json_fallback). */
long long mgen_merge_trace_bound(mgen_example *const *ex, size_t n, size_t per,
				 int no_json_fallback);

/*
 * Merge examples traced from the comment examples of wide tables, as
 * DSPy's bootstrap traces a two-stage program: for each example with
 * mgen_merge_chunks(ex, tr->per) > 0, each chunk's inputs are built as
 * `generate` builds them (table_data with the chunk's columns and their
 * cells, column_metadata with their entries), the comment predictor
 * `tr` writes its answer (mgen_predict), and its table description is a
 * part; with 2 or more parts the example is {table_name,
 * table_descriptions (the parts in chunk order), abbreviations (the
 * example's), table (the gold table comment)}. An example whose chunks
 * gave fewer than 2 descriptions is left out (an LM failure is not an
 * error). *calls is increased by the LM calls made (<= the bound).
 * *out: *nout examples (free with mgen_train_examples_free). Returns 0
 * or MGEN_ENOMEM.
 */
int mgen_merge_examples(mgen_lm *lm, const mgen_merge_trace *tr,
			mgen_example *const *ex, size_t n, mgen_example ***out,
			size_t *nout, long long *calls, mgen_err *err);

/*
 * The merge metric (an mgen_metric_fn; `ud` unused): token F1
 * (mgen_metric_token_f1) of the prediction's `table`
 * (mgen_merge_table_text) against the example's gold `table`; 0 when
 * either is empty. Thread-safe.
 */
double mgen_merge_metric(void *ud, const mgen_example *example,
			 const mgen_example *prediction, int has_trace);

/* Its textual feedback for GEPA (an mgen_feedback_fn): the score, the
 * gold description and what the answer said (each cut at 500 bytes).
 * Returns 0 or MGEN_ENOMEM. */
int mgen_merge_feedback(void *ud, const mgen_example *example,
			const mgen_example *prediction, char **feedback);

#ifdef __cplusplus
}
#endif

#endif
