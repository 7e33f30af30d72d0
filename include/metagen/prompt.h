/*
 * prompt.h - the legacy prompt path: templates in prompts/ (compiled into
 * the binary; prompts.dir overrides them) rendered into chat messages.
 *
 * Template syntax (a small subset of Mustache, https://mustache.github.io/
 * mustache.5.html): {{name}} inserts a variable verbatim (no HTML
 * escaping), {{#name}}...{{/name}} keeps its body when the variable is
 * non-empty, {{^name}}...{{/name}} when it is empty, {{! comment }} is
 * dropped. A section, inverted-section, close or comment tag alone on its
 * line (only blanks around it) removes the whole line (the spec's
 * "standalone" rule). Values are inserted once, never expanded again.
 * Variable names are looked up ASCII case-insensitively. An unknown
 * variable (also in a section tag), an unclosed or mismatched section, an
 * unterminated or empty tag is an error naming "FILE:LINE".
 *
 * Files (the .txt files in prompts/): system.txt, system_nodata.txt (used when
 * allow_data_in_comments is false), fewshot_N_user.txt and
 * fewshot_N_assistant.txt (N = 1, 2, ...; pairs), user.txt, merge_system.txt,
 * merge_user.txt.
 */
#ifndef METAGEN_PROMPT_H
#define METAGEN_PROMPT_H

#include <stddef.h>

#include "buf.h"
#include "lm.h"
#include "metagen.h"
#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- the template engine ---------------------------------------------- */

typedef struct mgen_template mgen_template;

/* Compiles `text` (named `name` in messages, e.g. "prompts/user.txt").
 * Returns 0, MGEN_ETEMPLATE ("NAME:LINE: unclosed section 'x'",
 * "NAME:LINE: mismatched close 'y' (open 'x')", "NAME:LINE: unexpected
 * close 'y'", "NAME:LINE: unterminated tag", "NAME:LINE: empty tag"),
 * ENOMEM. Sections nest at most 32 deep. */
int mgen_template_compile(const char *name, const char *text,
			  mgen_template **out, mgen_err *err);
void mgen_template_free(mgen_template *t);

/* Renders with variables `vars` (values borrowed; NULL = none) appended to
 * `out`. A section is true when its value is non-empty; the body of a
 * false section is not rendered (nor are its variables looked up). Never
 * modifies `t`: one template may be rendered from many threads at once.
 * Returns 0, MGEN_ETEMPLATE ("NAME:LINE: unknown variable 'x'"), or the
 * buffer's error (ENOMEM, ELIMIT). */
int mgen_template_render(const mgen_template *t, const mgen_kvlist *vars,
			 mgen_buf *out, mgen_err *err);

/* --- the legacy comment prompts ---------------------------------------- */

/* The loaded template set. */
typedef struct mgen_prompt_set mgen_prompt_set;

/*
 * Loads every template from `dir` (NULL = the built-in copies, named
 * "prompts/<file>" in messages; else "DIR/<file>") and compiles it.
 * Few-shot pairs are read for N = 1, 2, ... (at most 16) until
 * fewshot_N_user.txt is missing; a dir without them has no few-shot pairs.
 * Every template is rendered with the variables style_guideline,
 * table_name, content, abbreviations, existing_table_comment and
 * column_count (see the comment at the top of each file in prompts/).
 * Returns 0, MGEN_EIO (a required file, or the assistant half of a pair,
 * is missing or unreadable), MGEN_ETEMPLATE ("DIR/user.txt:3: ..."),
 * MGEN_ENOMEM.
 */
int mgen_prompt_set_load(const char *dir, mgen_prompt_set **out, mgen_err *err);
void mgen_prompt_set_free(mgen_prompt_set *ps);

typedef struct mgen_prompt_options {
	int version;		    /* MGEN_PROMPT_OPTIONS_VERSION */
	int comment_style;	    /* mgen_comment_style */
	int allow_data;		    /* 0: no sample, no min/max anywhere */
	int allow_data_in_comments; /* 0: the no-data system prompt */
	int add_metadata;	    /* include column statistics */
	int include_existing_table_comment;
	int include_minmax;		  /* include_possible_data_fields_... */
	const mgen_kvlist *abbreviations; /* may be NULL */
	size_t word_limit_per_cell;
	size_t max_prompt_words;    /* max_prompt_length; 0 = no limit */
	const char *comment_limits; /* the target's comment limits in one
				       sentence for the prompt (template
				       variable comment_limits), NULL or
				       "" = none (borrowed) */
	const char *context;	    /* retrieved context (rag.h) for the
				       template variable `context` and the
				       signature input `context`; borrowed;
				       NULL or "" = none, and then the
				       prompt is what it was without */
} mgen_prompt_options;

#define MGEN_PROMPT_OPTIONS_VERSION 1

struct mgen_config;

/* Fills `*p` (zeroed first, version set) with the legacy prompt options a
 * config asks for: comment style, allow_data / allow_data_in_comments,
 * add_metadata, include_existing_table_comment, min/max fields,
 * abbreviations (borrowed: p->abbreviations points into `cfg`, which must
 * outlive `*p`), the per-cell word limit and max_prompt_length. Pure. */
void mgen_prompt_options_from_config(const struct mgen_config *cfg,
				     mgen_prompt_options *p);

/* The messages of one call; owns the content strings (roles are static
 * literals). Release with mgen_chat_release (harmless twice). */
typedef struct mgen_chat {
	mgen_message *msgs;
	size_t n;
	size_t words;	    /* whitespace-separated words across messages */
	size_t sample_rows; /* sample rows actually included after shrinking */
} mgen_chat;

/* Frees the messages and zeroes `c` (harmless twice, NULL is fine). */
void mgen_chat_release(mgen_chat *c);

/*
 * Renders the comment prompt for columns `cols[0..ncols)` (indexes into
 * t->columns) of profiled table `t`: system message, the few-shot pairs,
 * then the user message with the table name, the profile in dbxmetagen's
 * split shape ({"table_name", "columns", "index", "data",
 * "column_metadata"}), existing comments and abbreviations.
 * When the prompt exceeds max_prompt_words it is shrunk step by step
 * (halve the sample rows, then halve the cell word limit, down to no
 * rows and 8 words) before giving up with MGEN_ELIMIT ("prompt for T is
 * N words, over max_prompt_length M even with no sample rows").
 * `*out` is overwritten (release a previous chat first) and is empty on
 * failure; out->sample_rows is the number of rows in the final prompt.
 * Other errors: MGEN_ETEMPLATE (unknown variable, "FILE:LINE"), ENOMEM.
 */
int mgen_prompt_render_comment(const mgen_prompt_set *ps, const mgen_table *t,
			       const size_t *cols, size_t ncols,
			       const mgen_prompt_options *opts, mgen_chat *out,
			       mgen_err *err);

/*
 * Renders the merge call for a table split into chunks: the chunk table
 * descriptions `parts[0..nparts)` merged into one table comment. The
 * user message holds {"table_name": T, "table_descriptions": [...]} (no
 * "columns" key); the answer uses the same JSON shape with empty column
 * arrays. No shrinking: over max_prompt_words is MGEN_ELIMIT.
 */
int mgen_prompt_render_merge(const mgen_prompt_set *ps, const mgen_table *t,
			     const char *const *parts, size_t nparts,
			     const mgen_prompt_options *opts, mgen_chat *out,
			     mgen_err *err);

/*
 * The profile of columns `cols` of `t` as dbxmetagen's split-shape JSON
 * object text (also the optimized path's table_data input), honouring
 * allow_data / include_minmax / word_limit_per_cell and at most
 * `max_rows` sample rows. Keys in this order: "table_name", "columns"
 * (the asked names), "index" (row numbers), "data" (rows of cells: string
 * or null), "column_metadata" (only with add_metadata: per column
 * "data_type", "row_count", "non_null_count", "distinct_count", "min",
 * "max", "avg_length" (2 decimals), "existing_comment", each left out when
 * unknown; statistics only for a profiled table; min/max only with
 * allow_data && include_minmax), "table_comment" (with
 * include_existing_table_comment, when the table has one). allow_data = 0
 * gives "index": [] and "data": []. Cells and min/max are cut to
 * word_limit_per_cell words and 10x that many code points (0 = no cut),
 * never inside a UTF-8 sequence. Printed on one line with ", " and ": "
 * separators (Python json.dumps layout) so word counts follow its size.
 * Caller frees. NULL on out of memory.
 */
char *mgen_prompt_profile_json(const mgen_table *t, const size_t *cols,
			       size_t ncols, const mgen_prompt_options *opts,
			       size_t max_rows);

#ifdef __cplusplus
}
#endif

#endif
