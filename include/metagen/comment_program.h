/*
 * comment_program.h - the optimized path's comment program (DESIGN.md
 * "route: optimized or legacy"): one DSPy Predict over the signature
 *
 *   table_name: str, table_data: dict[str, Any],
 *   column_metadata: dict[str, Any], abbreviations: dict[str, str],
 *   context: str -> comments: dict[str, Any]
 *
 * with metagen's own instructions and field descriptions, and a second
 * predictor "merge", the merge call of a wide table (more columns than
 * one call takes, described in column chunks):
 *
 *   table_name: str, table_descriptions: list[str],
 *   abbreviations: dict[str, str] -> table: str
 *
 * (table_descriptions: the chunks' own table descriptions, in chunk
 * order; table: the one description of the whole table). Both are plain
 * dspy.Predict (ChainOfThought of the comment predictor is a compile
 * choice), so a saved program file is the layout DSPy's Module.save
 * writes for a module with two attributes `comment` and `merge`: the
 * top-level keys "comment" (6 fields: 5 inputs, 1 output) and "merge" (4
 * fields: 3 inputs, 1 output), then "metadata" (program.h). A file with
 * no merge predictor (every layout that loaded before it existed) loads
 * with the merge predictor's defaults.
 *
 * `comments` is the dbxmetagen answer object ({"table", "columns",
 * "column_contents"}, answer.h). It is typed "dict[str, Any]" rather than
 * "str" so the ChatAdapter tells the LM to write a JSON object (DSPy's
 * "must adhere to the JSON schema" note), the parser checks it is one,
 * and the JSONAdapter carries it as a nested object, not an escaped
 * string; the value is then handed as JSON text to mgen_answer_parse.
 *
 * Inputs are built from a profiled table and a column subset (one chunk):
 *   table_name       catalog.schema.table
 *   table_data       mgen_prompt_profile_json of the chunk WITHOUT
 *                    column_metadata (split shape: "table_name",
 *                    "columns" = the asked columns, "index", "data",
 *                    and "table_comment" when shown); no rows when
 *                    allow_data is 0
 *   column_metadata  the per-column statistics object of the same
 *                    profile ({} when add_metadata is 0; min/max only
 *                    with allow_data && include_minmax)
 *   abbreviations    {abbr: expansion} from the options ({} when none)
 *   context          opts->context: chunks retrieved for the table
 *                    (rag.h; "" when none)
 *
 * Ownership as in metagen.h: `**out` constructors, free functions accept
 * NULL, borrowed pointers live as long as their owner.
 */
#ifndef METAGEN_COMMENT_PROGRAM_H
#define METAGEN_COMMENT_PROGRAM_H

#include <stddef.h>

#include "metagen.h"
#include "table.h"
#include "program.h"
#include "prompt.h"
#include "signature.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Names of the comment program's two predictors. */
#define MGEN_COMMENT_PREDICTOR "comment"
#define MGEN_MERGE_PREDICTOR "merge"

/* The comment program: its signature (instructions and field texts as
 * loaded) and its demos. Read-only once built: share between threads. */
typedef struct mgen_comment_program mgen_comment_program;

/* The default signature (above). Returns 0 or MGEN_ENOMEM. */
int mgen_comment_signature(mgen_signature **out, mgen_err *err);

/* The merge predictor's default signature (above; metagen's own
 * instructions). Returns 0 or MGEN_ENOMEM. */
int mgen_merge_signature(mgen_signature **out, mgen_err *err);

/*
 * The declaration of the program as an mgen_program (predictors
 * "comment" and "merge" holding the default instructions and their
 * field prefixes and descriptions, no demos): what mgen_program_load
 * overlays a file onto. Returns 0 or MGEN_ENOMEM.
 */
int mgen_comment_program_declare(mgen_program **out, mgen_err *err);

/* The default comment program (no file, no demos). 0 or MGEN_ENOMEM. */
int mgen_comment_program_new(mgen_comment_program **out, mgen_err *err);

/*
 * The comment program from a saved program file in any layout Python
 * DSPy writes (mgen_program_read): {"comment": {...}}, a dspy.Predict
 * saved flat, a ChainOfThought under "<name>.predict", or a module with
 * one predictor under another name (mgen_program_pick). The predictor's
 * instructions replace the default; its fields are matched to the
 * signature BY NAME (mgen_program_match_fields: "${name}" placeholder,
 * DSPy's infer_prefix of the name, position only when unambiguous) and
 * their prefixes and descriptions overlaid; a reasoning field makes the
 * signature dspy.ChainOfThought's (the `reasoning` output before
 * `comments`); each demo (a JSON object) becomes an mgen_example demo;
 * api_base & co. in its lm are dropped; a KNNFewShot program's "train"
 * examples are read (each with every field of the signature but
 * `reasoning`) for mgen_comment_program_demos_for. The comment predictor
 * is the one named "comment", else the only one not named "merge" /
 * "merge.predict". A predictor "merge" (or "merge.predict", a
 * ChainOfThought) is fitted the same way onto the merge signature; none:
 * the merge defaults. Returns 0, or MGEN_EIO,
 * MGEN_EPARSE, MGEN_EINVAL with a message starting "PATH: " and naming the
 * predictor and the field ("PATH: predictor 'comment': the file has no
 * field 'context'"), MGEN_ENOMEM.
 */
int mgen_comment_program_load(const char *path, mgen_comment_program **out,
			      mgen_err *err);

/* The program built from an already loaded/optimized mgen_program: its
 * predictors fitted as above (same errors without the path). */
int mgen_comment_program_from(const mgen_program *prog,
			      mgen_comment_program **out, mgen_err *err);

/* Its signature and demos (borrowed). */
const mgen_signature *
mgen_comment_program_signature(const mgen_comment_program *cp);
size_t mgen_comment_program_demo_count(const mgen_comment_program *cp);
const mgen_example *const *
mgen_comment_program_demos(const mgen_comment_program *cp);

/* The merge predictor's signature (returned), its demos (*demos) and
 * their count (*ndemos); all borrowed; `demos`, `ndemos` may be NULL. */
const mgen_signature *
mgen_comment_program_merge(const mgen_comment_program *cp,
			   const mgen_example *const **demos, size_t *ndemos);

/*
 * The demos of one call with `inputs`: the program's own demos, or for a
 * KNNFewShot program (metadata.metagen.knn_k, docs/dspy.md) the k saved
 * training examples nearest to `inputs` (mgen_knn_nearest, keyed by the
 * table's and its columns' names and its current comment), nearest first,
 * written into `room` (the caller's, MGEN_KNN_MAX_K entries). *demos and
 * *n receive them (borrowed from the program). Safe from several threads.
 * Returns 0, MGEN_EDB or MGEN_ENOMEM.
 */
int mgen_comment_program_demos_for(const mgen_comment_program *cp,
				   const mgen_example *inputs,
				   const mgen_example *const **demos, size_t *n,
				   const mgen_example **room, mgen_err *err);

/* KNNFewShot's k of the program, 0 when its demos are fixed. */
long long mgen_comment_program_knn(const mgen_comment_program *cp);

/* Frees the program and everything it owns. NULL is harmless. */
void mgen_comment_program_free(mgen_comment_program *cp);

/*
 * The program's inputs (above) for columns `cols[0..ncols)` (indexes into
 * t->columns) of profiled table `t`, with at most `max_rows` sample rows.
 * Returns 0, MGEN_ENOMEM.
 */
int mgen_comment_inputs(const mgen_table *t, const size_t *cols, size_t ncols,
			const mgen_prompt_options *opts, size_t max_rows,
			mgen_example **out, mgen_err *err);

/*
 * Renders one call: ChatAdapter (json_adapter 0) or JSONAdapter (1) with
 * the program's signature, demos and `inputs`. Same errors as
 * mgen_chat_adapter_render.
 */
int mgen_comment_program_render(const mgen_comment_program *cp,
				const mgen_example *inputs, int json_adapter,
				mgen_sig_messages *out, mgen_err *err);

/*
 * The whole request of one call, as optimize's mgen_predict builds it
 * (mgen_adapter_request): the messages of mgen_comment_program_render and
 * *response_format (NULL for the ChatAdapter; the JSONAdapter's
 * {"type": "json_object"} for this signature; caller frees).
 */
int mgen_comment_program_request(const mgen_comment_program *cp,
				 const mgen_example *inputs, int json_adapter,
				 mgen_sig_messages *out, char **response_format,
				 mgen_err *err);

/*
 * Parses an LM answer with the adapter used for the call and returns the
 * `comments` value as JSON object text (*out, caller frees), ready for
 * mgen_answer_parse. Deviation from DSPy: when the adapter cannot parse
 * the answer but the whole answer is itself a dbxmetagen answer object
 * (the LM skipped the field markers), that object is taken as `comments`.
 * Returns 0, MGEN_EPARSE (the adapter's message), MGEN_ENOMEM.
 */
int mgen_comment_program_parse(const mgen_comment_program *cp,
			       const char *answer, int json_adapter, char **out,
			       mgen_err *err);

/*
 * The merge predictor's inputs: `table_name` (catalog.schema.table),
 * the chunks' table descriptions parts[0..nparts) (NULL taken as "") as
 * a JSON array, and {abbr: expansion} of `abbreviations` (NULL or empty:
 * {}). Returns 0 or MGEN_ENOMEM.
 */
int mgen_merge_inputs(const char *table_name, const char *const *parts,
		      size_t nparts, const mgen_kvlist *abbreviations,
		      mgen_example **out, mgen_err *err);

/*
 * The whole request of one merge call through the same builder as the
 * comment call (mgen_adapter_request with the merge signature and
 * demos): ChatAdapter (json_adapter 0; *response_format NULL) or
 * JSONAdapter (1; {"type": "json_object"}, caller frees). Errors as
 * mgen_comment_program_request.
 */
int mgen_comment_program_merge_request(const mgen_comment_program *cp,
				       const mgen_example *inputs,
				       int json_adapter, mgen_sig_messages *out,
				       char **response_format, mgen_err *err);

/* The merged description a merge answer's `table` value gives: blanks
 * at its start removed; a dbxmetagen answer object's "table" when the
 * value is one (deviation, below). NULL text is "". Caller frees; NULL
 * on out of memory. */
char *mgen_merge_table_text(const char *text);

/*
 * Parses a merge answer with the adapter used for the call; *out
 * (caller frees) gets the `table` text, blanks at its start removed.
 * Deviations from DSPy, as for the comment call: a `table` value that is
 * itself a dbxmetagen answer object ({"table": "...", "columns": [],
 * ...}, the legacy merge shape) gives its "table"; when the adapter
 * cannot parse the answer but the whole answer is such an object, its
 * "table" is taken. Returns 0, MGEN_EPARSE (the adapter's message, or
 * "the merge answer's `table` is empty"), MGEN_ENOMEM.
 */
int mgen_comment_program_merge_parse(const mgen_comment_program *cp,
				     const char *answer, int json_adapter,
				     char **out, mgen_err *err);

#ifdef __cplusplus
}
#endif

#endif
