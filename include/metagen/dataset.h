/*
 * dataset.h - examples with gold comments for trainsets and devsets
 * (DESIGN.md glossary), read from JSON Lines, and a split by table.
 *
 * The file (one JSON object per line, the shape of
 * datasets/mimic3_demo/gold_comments.jsonl; blank lines are skipped):
 *   {"table": "schema.table", "table_comment": "...",
 *    "columns": {"col": "comment", ...}, "profile": {...}}
 *   table          required, a non-empty string
 *   table_comment  optional, a string or null
 *   columns        optional, an object whose values are strings (or null
 *                  for "no gold"; such columns are left out)
 *   anything else  (e.g. "profile", added by `metagen harvest`) is kept,
 *                  in order and with number literals unchanged, as one
 *                  compact JSON object text in `extra`
 * A line in the dspy.Example shape (the comment signature's field names
 * as keys: "table_name", ..., "comments": {"table", "columns",
 * "column_contents"}; it has "table_name" and no "table") is read as the
 * line above with the five inputs as "profile" (src/dspy/example_dspy.h;
 * problems are MGEN_EINVAL naming the key).
 */
#ifndef METAGEN_DATASET_H
#define METAGEN_DATASET_H

#include <stddef.h>

#include "buf.h"
#include "metagen.h"
#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One example; every string owned by the dataset. */
typedef struct mgen_gold_example {
	char *table;	     /* "schema.table", as written */
	char *table_comment; /* NULL when absent or null */
	mgen_kvlist columns; /* column -> gold comment, in file order */
	char *extra;	     /* other keys as a JSON object text, or NULL */
	size_t line;	     /* 1-based line in the file it came from */
} mgen_gold_example;

typedef struct mgen_dataset {
	mgen_gold_example *items;
	size_t n;
	size_t cap;
} mgen_dataset;

#define MGEN_DATASET_INIT                                                      \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

/*
 * Reads the JSONL file at `path` into `out` (which must be empty or
 * MGEN_DATASET_INIT; on failure it is left empty). Errors, each message
 * starting "PATH:LINE: ":
 *   MGEN_EIO     cannot read the file (message "PATH: cannot read")
 *   MGEN_EPARSE  a line is not JSON ("invalid JSON at column C: ...")
 *   MGEN_EINVAL  a line is not an object, "table" missing or not a
 *                non-empty string, "table_comment" not a string or null,
 *                "columns" not an object, a column's comment not a string
 *                or null (the column is named)
 *   MGEN_ENOMEM
 */
int mgen_dataset_read(const char *path, mgen_dataset *out, mgen_err *err);

/* mgen_dataset_read on text in memory; `source` names it in messages. */
int mgen_dataset_parse(const char *text, size_t len, const char *source,
		       mgen_dataset *out, mgen_err *err);

/*
 * Appends the dspy.Example shape of one line of the layout above (JSON
 * text line[0..len), which must have a "profile" object with the comment
 * signature's five inputs) to `out`, compact, with a newline: the
 * inputs in signature order, then "comments": {"table", "columns",
 * "column_contents"} ("table" "" when there is no table comment), then
 * the line's other keys; "table" itself is not written (table_name
 * names the table). mgen_dataset_read reads it back. Returns 0,
 * MGEN_EPARSE / MGEN_EINVAL with the problem in why[0..n), MGEN_ENOMEM.
 */
int mgen_dataset_line_to_dspy(const char *line, size_t len, mgen_buf *out,
			      char *why, size_t n);

/* Frees every example and the array; the dataset is empty afterwards.
 * NULL is fine. */
void mgen_dataset_release(mgen_dataset *ds);

/* Total number of gold column comments over all examples. */
size_t mgen_dataset_column_count(const mgen_dataset *ds);

/*
 * Splits `ds` by table into deep copies `train` and `dev` (both must be
 * empty), so that no table (compared case-insensitively) is in both.
 * Deterministic: tables are ordered by a 64-bit hash of (seed, lowercased
 * table name) - independent of the file order - and the first
 * round(dev_fraction x number of tables) go to dev, at least one when
 * dev_fraction > 0 and at most all but one when there are two or more
 * tables. Examples keep the file order inside each part.
 * Returns 0, MGEN_EINVAL (dev_fraction outside [0, 1]), or MGEN_ENOMEM
 * (both outputs left empty).
 */
int mgen_dataset_split(const mgen_dataset *ds, unsigned long long seed,
		       double dev_fraction, mgen_dataset *train,
		       mgen_dataset *dev, mgen_err *err);

#ifdef __cplusplus
}
#endif

#endif
