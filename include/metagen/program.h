/*
 * program.h - a compiled program (DESIGN.md glossary: the named predictors
 * of a task) and its file, in Python DSPy's saved-program JSON layout
 * (dspy/primitives/base_module.py save/load, dspy/predict/predict.py
 * dump_state/load_state, dspy/utils/saving.py), both ways: a file metagen
 * writes loads in Python DSPy (`program.load("x.json")`), and a file DSPy
 * writes loads here.
 *
 * The data model (opaque handle, predictors addressed by index):
 * a program is an ordered list of predictors, each with
 *   name          its path in the program: "self" for a bare Predict,
 *                 "comment", "comment.predict" (ChainOfThought), ...
 *   instructions  the signature's instructions
 *   fields        ordered {prefix, description}: inputs then outputs. As in
 *                 DSPy's file, no names and no types: those come from the
 *                 signature that declares the predictor.
 *   demos         each one JSON object kept as text (compact, keys in
 *                 their order; `augmented`, `dspy_uuid`, `dspy_split` and
 *                 any other key are kept as they are)
 *   lm            NULL or a JSON object text: model, temperature,
 *                 max_tokens, ... Never holds "api_key" (removed at every
 *                 level whenever an lm is set, loaded or saved).
 * plus the file's metadata: dependency_versions (see below) and metagen's
 * own record (optimizer name, LM-call estimate and count).
 *
 * The file (what save writes, byte for byte what Python DSPy 3.x writes
 * for the same state: orjson, OPT_INDENT_2 | OPT_APPEND_NEWLINE):
 *   {
 *     "<predictor name>": {
 *       "traces": [],
 *       "train": [ {...}, ... ],   (KNNFewShot's trainset; else [])
 *       "demos": [ {...}, ... ],
 *       "signature": {
 *         "instructions": "...",
 *         "fields": [ {"prefix": "...", "description": "..."}, ... ]
 *       },
 *       "lm": null
 *     },
 *     ...
 *     "metadata": {
 *       "dependency_versions": {},
 *       "metagen": {"version": "0.1.0", "optimizer": "...",
 *                   "lm_calls_estimate": 120, "lm_calls_made": 97,
 *                   "knn_k": 3 (only for a KNNFewShot program)}
 *     }
 *   }
 * dependency_versions: DSPy's load requires the member and compares each
 * key in it with its own environment, warning on every mismatch (older
 * 3.x versions index its own table by the key, so an unknown key would
 * raise KeyError). A program metagen builds writes it EMPTY: no Python,
 * DSPy or cloudpickle produced the file, and an empty object loads
 * without a warning in every DSPy that reads it. A program loaded from a
 * file keeps the file's values. "metagen" says what wrote the file
 * (version; optimizer and LM-call counts, null when unknown); it is
 * written for every program metagen builds, and left out only for a
 * program read from a file that had none (a file DSPy wrote round-trips
 * byte for byte); DSPy ignores every metadata member but
 * dependency_versions.
 *
 * Numbers inside demos and lm keep their literal text (`1.0` stays
 * `1.0`), so save -> load -> save is byte-identical.
 *
 * Thread safety: a program is not locked; share it read-only.
 */
#ifndef METAGEN_PROGRAM_H
#define METAGEN_PROGRAM_H

#include <stddef.h>

#include "metagen.h"
#include "signature.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mgen_program mgen_program;

/* Bounds of a loaded file's KNNFewShot state: at most this many "train"
 * examples per predictor (more is MGEN_ELIMIT naming the predictor) and
 * metadata.metagen.knn_k from 1 to MGEN_KNN_MAX_K (else MGEN_EINVAL). */
#define MGEN_PROGRAM_MAX_TRAIN 10000
#define MGEN_KNN_MAX_K 64
/* A program file is read whole: larger files are refused by their size
 * (MGEN_ELIMIT naming the file) before any byte is read. */
#define MGEN_PROGRAM_MAX_BYTES (256 * 1024 * 1024)

/* An empty program (no predictors, no metagen metadata). Returns 0 or
 * MGEN_ENOMEM. */
int mgen_program_new(mgen_program **out);

/* Frees the program. NULL is fine. */
void mgen_program_free(mgen_program *prog);

/* A deep copy (an optimizer's candidate). Returns 0 or MGEN_ENOMEM. */
int mgen_program_copy(const mgen_program *src, mgen_program **out);

/* ---- building (what a signature declares) ---- */

/*
 * Appends a predictor named `name` with `instructions` (NULL = "") and no
 * fields, demos or lm; its index is `mgen_program_count() - 1`. Returns 0,
 * MGEN_EINVAL (empty name, "metadata", or a name already present; `err`
 * says which), or MGEN_ENOMEM.
 */
int mgen_program_add_predictor(mgen_program *prog, const char *name,
			       const char *instructions, mgen_err *err);

/* Appends a field (inputs first, then outputs) to predictor `i`. NULL
 * strings are stored as "". Returns 0 or MGEN_ENOMEM. */
int mgen_program_add_field(mgen_program *prog, size_t i, const char *prefix,
			   const char *description);

/* Replaces the instructions of predictor `i` (NULL = ""). 0 or ENOMEM. */
int mgen_program_set_instructions(mgen_program *prog, size_t i,
				  const char *instructions);

/* Replaces field `f` of predictor `i`; a NULL argument leaves that part
 * unchanged. Returns 0 or MGEN_ENOMEM. */
int mgen_program_set_field(mgen_program *prog, size_t i, size_t f,
			   const char *prefix, const char *description);

/*
 * Appends a demo to predictor `i`. `json` must be one JSON object (any
 * layout); it is stored compact with keys, string values and number
 * literals as given. Returns 0, MGEN_EPARSE (not JSON), MGEN_EINVAL (not
 * an object), or MGEN_ENOMEM; `err` says why.
 */
int mgen_program_add_demo(mgen_program *prog, size_t i, const char *json,
			  mgen_err *err);

/* Removes every demo of predictor `i`. */
void mgen_program_clear_demos(mgen_program *prog, size_t i);

/*
 * Appends a training example to predictor `i`'s "train" list (DSPy's
 * Predict.train, saved and loaded as it is; metagen's KNNFewShot keeps its
 * trainset there, docs/dspy.md). `json` must be one JSON object, stored
 * compact as mgen_program_add_demo stores a demo. Same returns.
 */
int mgen_program_add_train(mgen_program *prog, size_t i, const char *json,
			   mgen_err *err);

/*
 * KNNFewShot's k, written as metadata.metagen.knn_k when > 0: each call
 * then takes as demos the k training examples (the predictor's "train")
 * nearest to its inputs (opt_knn.c). k <= 0 stores 0 (not a KNN program).
 */
void mgen_program_set_knn(mgen_program *prog, long long k);

/*
 * Sets predictor `i`'s lm: a JSON object text, or NULL for `null`.
 * Every "api_key" member (at any depth) is dropped before storing.
 * Returns 0, MGEN_EPARSE, MGEN_EINVAL (not an object), or MGEN_ENOMEM.
 */
int mgen_program_set_lm(mgen_program *prog, size_t i, const char *json,
			mgen_err *err);

/*
 * Records metagen's own metadata, written under metadata.metagen with
 * "version" = MGEN_VERSION. `optimizer` may be NULL (written as null);
 * a count < 0 means unknown (written as null). Returns 0 or MGEN_ENOMEM.
 */
int mgen_program_set_meta(mgen_program *prog, const char *optimizer,
			  long long lm_calls_estimate, long long lm_calls_made);

/* ---- reading (all strings borrowed from the program; an index out of
 * range is a programming error) ---- */

/* Number of predictors in the program. */
size_t mgen_program_count(const mgen_program *prog);
/* Index of the predictor named `name` (exact match), or -1. */
long mgen_program_find(const mgen_program *prog, const char *name);
const char *mgen_program_name(const mgen_program *prog, size_t i);
const char *mgen_program_instructions(const mgen_program *prog, size_t i);
size_t mgen_program_field_count(const mgen_program *prog, size_t i);
const char *mgen_program_field_prefix(const mgen_program *prog, size_t i,
				      size_t f);
const char *mgen_program_field_description(const mgen_program *prog, size_t i,
					   size_t f);
size_t mgen_program_demo_count(const mgen_program *prog, size_t i);
/* Demo `d` of predictor `i` as compact JSON object text. */
const char *mgen_program_demo(const mgen_program *prog, size_t i, size_t d);
/* Predictor `i`'s "train" examples: their number, and example `t` as
 * compact JSON object text. */
size_t mgen_program_train_count(const mgen_program *prog, size_t i);
const char *mgen_program_train(const mgen_program *prog, size_t i, size_t t);
/* KNNFewShot's k (metadata.metagen.knn_k), 0 when not a KNN program. */
long long mgen_program_knn(const mgen_program *prog);
/* Predictor `i`'s lm as compact JSON object text, or NULL (null). */
const char *mgen_program_lm(const mgen_program *prog, size_t i);
/* dependency_versions member `key` ("python", "dspy", "cloudpickle"),
 * or NULL. */
const char *mgen_program_dependency_version(const mgen_program *prog,
					    const char *key);
/* metagen metadata: 1 when present (then the out-parameters are filled;
 * *optimizer may be NULL, counts -1 when unknown), else 0. Any out
 * pointer may be NULL. */
int mgen_program_meta(const mgen_program *prog, const char **optimizer,
		      long long *lm_calls_estimate, long long *lm_calls_made);

/* ---- files ---- */

typedef struct mgen_program_load_options {
	int version;	   /* MGEN_PROGRAM_LOAD_OPTIONS_VERSION */
	int trust_lm_base; /* keep lm api_base / base_url / model_list from
			      the file (DSPy's allow_unsafe_lm_state); off:
			      they are dropped, so a file cannot redirect
			      requests (and their API key) elsewhere */
} mgen_program_load_options;

#define MGEN_PROGRAM_LOAD_OPTIONS_VERSION 1
#define MGEN_PROGRAM_LOAD_OPTIONS_INIT                                         \
	{                                                                      \
		MGEN_PROGRAM_LOAD_OPTIONS_VERSION, 0                           \
	}

/*
 * The file text of `prog` (layout above, final newline included); *out is
 * malloc'd. Returns 0 or MGEN_ENOMEM.
 */
int mgen_program_to_json(const mgen_program *prog, char **out, mgen_err *err);

/*
 * Writes `prog` to `path` atomically (temp file + rename). Returns 0,
 * MGEN_ENOMEM, or MGEN_EIO ("cannot write program file 'PATH'").
 */
int mgen_program_save(const mgen_program *prog, const char *path,
		      mgen_err *err);

/*
 * Loads the file at `path` INTO `prog`, whose predictors are the
 * declaration (built from the signatures): each declared predictor is
 * matched BY NAME to a top-level key of the file; file keys that are not
 * declared, and unknown keys inside a predictor, are ignored. For each
 * one: instructions replaced; the file's fields overlaid BY POSITION
 * (prefix and description only; the counts must be equal); demos and lm
 * replaced (api_key dropped; api_base/base_url/model_list dropped unless
 * opts->trust_lm_base). metadata.dependency_versions and metadata.metagen
 * are taken from the file when present.
 * All or nothing: the file is applied to a copy that replaces `prog`'s
 * contents only when everything succeeded; on any error `prog` is
 * unchanged. `opts` may be NULL (defaults).
 * Errors (message starts with PATH):
 *   MGEN_EIO     the file cannot be read
 *   MGEN_ELIMIT  the file is larger than MGEN_PROGRAM_MAX_BYTES, or a
 *                predictor's "demos" or "train" holds more than
 *                MGEN_PROGRAM_MAX_TRAIN entries
 *   MGEN_EPARSE  not JSON ("PATH:LINE:COL: problem")
 *   MGEN_EINVAL  valid JSON of the wrong shape, naming the predictor and
 *                field: top level not an object; "predictor 'x' is missing
 *                from the file"; "predictor 'x': no \"signature\" object";
 *                "predictor 'x': file has 5 fields, the signature declares
 *                6"; "predictor 'x': field 2 is not an object with string
 *                prefix and description"; demos or train not an array of
 *                objects; lm neither null nor an object;
 *                metadata.metagen.knn_k not an integer in 1..MGEN_KNN_MAX_K
 *   MGEN_ENOMEM
 */
int mgen_program_load(mgen_program *prog, const char *path,
		      const mgen_program_load_options *opts, mgen_err *err);

/* mgen_program_load on text already in memory; `source` names it in
 * messages (NULL: "<program>"). */
int mgen_program_load_json(mgen_program *prog, const char *text, size_t len,
			   const char *source,
			   const mgen_program_load_options *opts,
			   mgen_err *err);

/*
 * Reads every predictor of the file at `path`, in file order, with no
 * declaration (inspection, `metagen program show`, conversions): each
 * top-level key other than "metadata" whose value is an object holding a
 * "signature" object is a predictor; other keys are ignored. A file whose
 * top level itself holds a "signature" object is a dspy.Predict saved
 * flat (Predict.save): one predictor named "self". Same checks and errors
 * as mgen_program_load, minus the count check.
 */
int mgen_program_read(const char *path, const mgen_program_load_options *opts,
		      mgen_program **out, mgen_err *err);

/*
 * The predictor a program declaring one predictor `name` takes from a
 * file read by mgen_program_read: the one called `name`, else the only
 * predictor whatever its name (a flat dspy.Predict is "self", a
 * ChainOfThought saved alone "predict", inside a module "<attr>.predict").
 * Returns its index, or -1 with MGEN_EINVAL in `err` naming the
 * predictors found when there are none or several and none is `name`.
 */
long mgen_program_pick(const mgen_program *prog, const char *name,
		       mgen_err *err);

/* mgen_program_match_fields' mark of a ChainOfThought reasoning field. */
#define MGEN_PROGRAM_FIELD_REASONING (-3L)

/*
 * Maps the saved fields of predictor `p` (prefix and description only) to
 * the fields of `sig` BY NAME: *map (caller frees; one entry per saved
 * field) gets the index of the declared field in `sig`, or
 * MGEN_PROGRAM_FIELD_REASONING for dspy.ChainOfThought's `reasoning`
 * output when `sig` has no field of that name. A saved field is field
 * `x` of `sig` when its description is the placeholder "${x}", or its
 * prefix (blanks and trailing ':' ignored, ASCII case ignored) is DSPy's
 * infer_prefix(x) ("Table Name"), `x` itself, or x's declared prefix; it
 * is the reasoning field when its description is "${reasoning}" or its
 * prefix starts with "Reasoning". Fields named by none of these take
 * their position only when that is unambiguous: the non-reasoning saved
 * fields are as many as the declared ones and every identified one is at
 * its own position. Errors (MGEN_EINVAL, naming predictor and field): a
 * field that matches nothing; two fields naming the same one; a declared
 * field the file lacks; a reasoning field twice or among the inputs.
 * MGEN_ENOMEM.
 */
int mgen_program_match_fields(const mgen_program *prog, size_t p,
			      const mgen_signature *sig, long **map,
			      mgen_err *err);

/*
 * Fits predictor `p` of a file read by mgen_program_read onto *sig, the
 * signature a task declares (replaced in place): the saved fields are
 * matched BY NAME (mgen_program_match_fields) and their prefixes and
 * descriptions overlaid; a reasoning field makes *sig dspy.ChainOfThought's
 * (mgen_signature_chain_of_thought); the predictor's instructions replace
 * the declared ones; each demo becomes an mgen_example in *demos (caller
 * frees with mgen_program_demos_free; NULL when none), their count in
 * *ndemos. On error *demos is NULL and *sig may be partly overlaid (free
 * it). Returns 0, MGEN_EINVAL (fields that do not match, naming them),
 * MGEN_EPARSE (a demo that is not a JSON object) or MGEN_ENOMEM.
 */
int mgen_program_fit(const mgen_program *prog, size_t p, mgen_signature **sig,
		     mgen_example ***demos, size_t *ndemos, mgen_err *err);

/*
 * Appends predictor `name` declared by `sig`: its instructions and the
 * prefix and description of each field (inputs, then outputs), no demos
 * (what a task's mgen_*_program_declare builds). Returns 0, the errors
 * of mgen_program_add_predictor, or MGEN_ENOMEM.
 */
int mgen_program_add_signature(mgen_program *prog, const char *name,
			       const mgen_signature *sig, mgen_err *err);

/* Frees `n` demos and the array; NULL is harmless. */
void mgen_program_demos_free(mgen_example **demos, size_t n);

#ifdef __cplusplus
}
#endif

#endif
