/*
 * qa.h - question answering data and scores for the ask program (issue
 * 12): the QA trainset file, the QA metric (token F1 of the answer times
 * a citations factor) and the optional LLM judge, a predictor that
 * assesses an answer against the expected one.
 *
 * The QA file (JSON Lines, one object a line, blank lines skipped; also
 * the shape dspy.Example(question=..., answer=...).toDict() writes):
 *   question  required, a non-empty string
 *   answer    required, a string (the expected answer); "response" is
 *             read as "answer" (DSPy's RAG tutorial names it so); both
 *             on one line is an error
 *   history   optional, the conversation before the question: an array
 *             of {"role": "user"|"assistant", "content": string}
 *             objects, oldest first (the agent's `history` input)
 *   anything else is kept in the example (as DSPy keeps dspy_uuid) and
 *             ignored by the adapters
 * Limits: the file at most MGEN_QA_FILE_MAX bytes, MGEN_QA_EXAMPLES_MAX
 * examples, "question", "answer" and each history content at most
 * MGEN_QA_TEXT_MAX bytes, MGEN_QA_HISTORY_MAX history messages; every
 * string valid UTF-8 without U+0000 (the JSON reader's rule).
 *
 * The QA metric of one answer A for gold answer G given the numbered
 * context C it was answered from (mgen_qa_score):
 *   f1        token F1 of A, its citation groups (below) removed, against
 *             G (mgen_metric_token_f1, metric.h: SQuAD v1.1's
 *             normalize_answer - lowercase, ASCII punctuation removed,
 *             a/an/the removed, whitespace split - and its F1, with SQuAD
 *             v2's edge cases: two texts without tokens 1, one 0). DSPy's
 *             dspy/dsp/utils/metrics.py f1_score is the same F1 over a
 *             normalize_text that also applies Unicode NFD first and
 *             scores two empty texts 0; metagen does neither. The
 *             citation groups are left out because the citations part
 *             scores them: "[1]" is no answer word.
 *   citations the [n] references of A (a '[' then numbers separated by
 *             ',' and spaces, then ']': "[2]", "[1, 3]"; the agent reads
 *             them the same way) checked against the N passages of C
 *             (passages are the lines "[k] «..." for k = 1, 2, ... in
 *             order; N = the last k of that unbroken run, 0 without):
 *               cite = 0    some cited n is not in 1..N (a passage that
 *                           was not given: a fabricated citation);
 *               cite = 0.5  A cites nothing although C held the answer
 *                           (`held`: every token of the normalised G,
 *                           counted with repeats, occurs among the
 *                           normalised tokens of C, its « » delimiters
 *                           read as spaces; G has at least one token:
 *                           mgen_metric_token_recall = 1);
 *               cite = 1    otherwise (valid citations, or none needed).
 *   judge     (optional) the judge's score J in [0, 1] (below).
 *   score     = cite x f1 without a judge, cite x (f1 + J) / 2 with one.
 *
 * The judge (dspy.evaluate.SemanticF1's design: a predictor that reads
 * the question, the expected answer and the system's answer and returns
 * recall and precision of the answer's key ideas): signature
 *   question: str, ground_truth: str, system_response: str
 *     -> recall: float, precision: float
 * rendered by the same adapters (mgen_predict), J = 2PR / (P + R) (0 when
 * both are 0). Its answer is hostile: each value must be a finite number
 * in [0, 1] (a string holding one is accepted by the adapter); anything
 * else (NaN, infinity, 1.5, -0.1, text, a missing field) is a judge
 * failure: J = 0 and the failure is counted.
 */
#ifndef METAGEN_QA_H
#define METAGEN_QA_H

#include <stddef.h>

#include "lm.h"
#include "metagen.h"
#include "optimize.h"
#include "signature.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MGEN_QA_FILE_MAX (256L * 1024 * 1024) /* bytes of one QA file */
#define MGEN_QA_EXAMPLES_MAX 100000	      /* examples of one file */
#define MGEN_QA_TEXT_MAX (64 * 1024)	      /* bytes of one string */
#define MGEN_QA_HISTORY_MAX 1000	      /* messages of one history */

/*
 * Reads the QA file at `path` (layout above) into n examples, each with
 * "question", "answer", "history" (the file's, or [] when absent) and
 * the line's other keys, in file order; *out is an array of n (caller
 * frees with mgen_qa_examples_free). Errors, each message starting
 * "PATH:LINE: " (the line 1-based) except the first:
 *   MGEN_EIO     cannot read the file ("PATH: cannot read")
 *   MGEN_ELIMIT  the file is over MGEN_QA_FILE_MAX bytes, or it has more
 *                than MGEN_QA_EXAMPLES_MAX examples
 *   MGEN_EPARSE  a line is not JSON, or a string in it not UTF-8 (the
 *                column is named)
 *   MGEN_EINVAL  not an object; "question" missing, empty or not a
 *                string; no "answer" (or "response") string; both
 *                "answer" and "response"; a string over
 *                MGEN_QA_TEXT_MAX bytes; "history" not an
 *                array of {role user|assistant, content string} or
 *                longer than MGEN_QA_HISTORY_MAX (the item is named);
 *                a file with no example at all ("PATH: no example")
 *   MGEN_ENOMEM
 */
int mgen_qa_read(const char *path, mgen_example ***out, size_t *n,
		 mgen_err *err);

/* mgen_qa_read on text in memory; `source` names it in messages. */
int mgen_qa_parse(const char *text, size_t len, const char *source,
		  mgen_example ***out, size_t *n, mgen_err *err);

/* Frees n examples and the array. NULL is harmless. */
void mgen_qa_examples_free(mgen_example **ex, size_t n);

/* The parts of one QA score (mgen_qa_score). */
typedef struct mgen_qa_parts {
	double f1;     /* token F1, [0, 1] */
	double cite;   /* 0, 0.5 or 1 */
	int ncited;    /* citations read in the answer (repeats counted) */
	int nbad;      /* of them, outside 1..npassages */
	int npassages; /* N of the context */
	int held;      /* the context held the gold answer */
	double judge;  /* J, or -1 when no judge ran */
	double score;  /* the combined score, [0, 1] */
} mgen_qa_parts;

/*
 * The QA metric above for answer `answer` (NULL = "") against `gold`
 * given `context` (NULL = no passages), `judge` = J in [0, 1] or < 0 for
 * none. Fills *out. Returns 0 or MGEN_ENOMEM (then *out is zeroed).
 */
int mgen_qa_score(const char *gold, const char *answer, const char *context,
		  double judge, mgen_qa_parts *out);

/* Name of the judge's predictor in a saved program. */
#define MGEN_QA_JUDGE "judge"

/* The judge's signature (above) with metagen's instructions. Returns 0
 * or MGEN_ENOMEM. */
int mgen_qa_judge_signature(mgen_signature **out, mgen_err *err);

/*
 * J from a judge prediction (its output fields "recall" and
 * "precision"), the hostile-safe reading above. Returns 0 and *out in
 * [0, 1], or MGEN_EPARSE (a value missing, not a number, not finite or
 * outside [0, 1]; *out = 0, the reason in `err` naming the field).
 */
int mgen_qa_judge_read(const mgen_example *prediction, double *out,
		       mgen_err *err);

/*
 * Runs the judge once (mgen_predict with `sig` from
 * mgen_qa_judge_signature and `opts`) on `question`, `gold` and
 * `answer`, and reads J. *calls += the LM calls made (0..2). Returns 0
 * and *out, or the predictor's error (MGEN_EHTTP, MGEN_EPARSE ...,
 * *out = 0).
 */
int mgen_qa_judge(mgen_lm *lm, const mgen_signature *sig,
		  const mgen_predict_options *opts, const char *question,
		  const char *gold, const char *answer, double *out, int *calls,
		  mgen_err *err);

#ifdef __cplusplus
}
#endif

#endif
