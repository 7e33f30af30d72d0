/*
 * comment_program.h - the optimized path's comment program (DESIGN.md
 * "route: optimized or legacy"): one DSPy Predict over the signature
 *
 *   table_name: str, table_data: dict[str, Any],
 *   column_metadata: dict[str, Any], abbreviations: dict[str, str],
 *   context: str -> comments: dict[str, Any]
 *
 * with metagen's own instructions and field descriptions. The program
 * has ONE predictor named "comment" (a plain dspy.Predict, not
 * ChainOfThought: the answer JSON is the product and a reasoning field
 * would cost tokens on every table), so a saved program file has the
 * top-level key "comment" with 6 fields (5 inputs, 1 output), in DSPy's
 * layout (program.h).
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

/* Name of the comment program's only predictor. */
#define MGEN_COMMENT_PREDICTOR "comment"

/* The comment program: its signature (instructions and field texts as
 * loaded) and its demos. Read-only once built: share between threads. */
typedef struct mgen_comment_program mgen_comment_program;

/* The default signature (above). Returns 0 or MGEN_ENOMEM. */
int mgen_comment_signature(mgen_signature **out, mgen_err *err);

/*
 * The declaration of the program as an mgen_program (one predictor
 * "comment" holding the default instructions and the 6 field prefixes and
 * descriptions, no demos): what an optimizer starts from and saves, and
 * what mgen_program_load overlays a file onto. Returns 0 or MGEN_ENOMEM.
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
 * api_base & co. in its lm are dropped. Returns 0, or MGEN_EIO,
 * MGEN_EPARSE, MGEN_EINVAL with a message starting "PATH: " and naming the
 * predictor and the field ("PATH: predictor 'comment': the file has no
 * field 'context'"), MGEN_ENOMEM.
 */
int mgen_comment_program_load(const char *path, mgen_comment_program **out,
			      mgen_err *err);

/* The program built from an already loaded/optimized mgen_program: its
 * predictor "comment", else its only predictor, fitted as above (same
 * errors without the path). */
int mgen_comment_program_from(const mgen_program *prog,
			      mgen_comment_program **out, mgen_err *err);

/* Its signature and demos (borrowed). */
const mgen_signature *
mgen_comment_program_signature(const mgen_comment_program *cp);
size_t mgen_comment_program_demo_count(const mgen_comment_program *cp);
const mgen_example *const *
mgen_comment_program_demos(const mgen_comment_program *cp);

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

#ifdef __cplusplus
}
#endif

#endif
