/*
 * example_dspy.h - a training line in the dspy.Example shape (the comment
 * signature's field names as keys, include/metagen/comment_program.h):
 *
 *   {"table_name": "...", "table_data": {...}, "column_metadata": {...},
 *    "abbreviations": {...}, "context": "...",
 *    "comments": {"table": "...", "columns": [...],
 *                 "column_contents": [...]}}
 *
 * what `json.dumps(example.toDict())` of a Python DSPy devset for this
 * signature gives, and metagen's own line (dataset.h: "table",
 * "table_comment", "columns", "profile") converted both ways. Internal.
 */
#ifndef METAGEN_DSPY_EXAMPLE_DSPY_H
#define METAGEN_DSPY_EXAMPLE_DSPY_H

#include <stddef.h>

#include "dspy/jsontree.h"

/*
 * When object `*root` is in the dspy.Example shape (it has "table_name"
 * and no "table"), replaces it with metagen's line: "table" = table_name,
 * "table_comment" = comments.table ("" or null: none), "columns" =
 * columns paired with column_contents (null contents left out),
 * "profile" = the five inputs in signature order, then every other key
 * but DSPy's own "dspy_uuid" / "dspy_split". Returns 0 (converted or
 * not that shape), MGEN_EINVAL with the problem in why[0..n) (a missing
 * input or "comments", a comments member of the wrong type, columns and
 * column_contents of different lengths), MGEN_ENOMEM.
 */
int mgen__example_from_dspy(mgen__jt **root, char *why, size_t n);

/*
 * The dspy.Example shape of metagen's line `line` (which must have a
 * "profile" object with the five inputs) into a new *out: the inputs,
 * then "comments" {"table", "columns", "column_contents"} (the order of
 * the signature's instructions; table "" when it has no comment), then
 * the line's other keys (e.g. "rejected"). "table" itself is not
 * written: table_name names the table. Returns 0, MGEN_EINVAL (why
 * set), MGEN_ENOMEM.
 */
int mgen__example_to_dspy(const mgen__jt *line, mgen__jt **out, char *why,
			  size_t n);

#endif
