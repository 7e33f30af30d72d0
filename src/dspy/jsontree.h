/*
 * jsontree.h - a small literal-preserving JSON tree for files that must
 * round-trip byte for byte (saved programs, dataset lines). Internal.
 *
 * Why not cJSON (util/json.h): cJSON keeps numbers only as doubles, so a
 * DSPy file's `1.0` would come back as `1`, and its printer does not
 * produce DSPy's layout. This tree keeps each number's literal text, keeps
 * object members in file order, and writes the layout Python DSPy writes
 * (orjson with OPT_INDENT_2 | OPT_APPEND_NEWLINE, dspy/primitives/
 * base_module.py): two-space indent, `"key": value`, `[]` and `{}` for
 * empty containers, non-ASCII as raw UTF-8, escapes `\" \\ \b \f \n \r \t`
 * and `\u00xx` (lowercase hex) for other control characters, `/` not
 * escaped.
 *
 * Grammar: RFC 8259. Strings must be valid UTF-8; lone surrogates and
 * `\u0000` are rejected (every string becomes a C string). Nesting is
 * limited to MGEN__JT_MAX_DEPTH. Duplicate keys are kept; lookups return
 * the last one (as Python's dict does).
 */
#ifndef METAGEN_CORE_JSONTREE_H
#define METAGEN_CORE_JSONTREE_H

#include <stddef.h>

#include "metagen/buf.h"
#include "metagen/metagen.h"

#define MGEN__JT_MAX_DEPTH 256

typedef enum mgen__jt_type {
	MGEN__JT_NULL,
	MGEN__JT_FALSE,
	MGEN__JT_TRUE,
	MGEN__JT_NUMBER,
	MGEN__JT_STRING,
	MGEN__JT_ARRAY,
	MGEN__JT_OBJECT
} mgen__jt_type;

typedef struct mgen__jt mgen__jt;
struct mgen__jt {
	mgen__jt_type type;
	char *text;	 /* STRING: decoded UTF-8; NUMBER: the literal */
	char *key;	 /* member name when the parent is an object */
	mgen__jt **kids; /* ARRAY elements / OBJECT members, in order */
	size_t n, cap;
};

/*
 * Parses `len` bytes of `text` (one JSON value, whitespace around it).
 * On failure returns MGEN_EPARSE (or MGEN_ENOMEM) and records
 * "<source>:<line>:<col>: <problem>" in `err` (line and column 1-based,
 * column in bytes). `source` names the input in messages (a file name).
 */
int mgen__jt_parse(const char *text, size_t len, const char *source,
		   mgen__jt **out, mgen_err *err);

/* Frees a node and everything under it. NULL is fine. */
void mgen__jt_free(mgen__jt *j);

/* A new node of `type`; for STRING and NUMBER `text` is copied. NULL on
 * out of memory. */
mgen__jt *mgen__jt_new(mgen__jt_type type, const char *text);

/* Deep copy; NULL on out of memory. */
mgen__jt *mgen__jt_dup(const mgen__jt *j);

/*
 * Appends `kid` to array or object `parent` (takes ownership of `kid`,
 * also on failure). For objects `key` is copied; for arrays it must be
 * NULL. Returns 0 or MGEN_ENOMEM.
 */
int mgen__jt_add(mgen__jt *parent, const char *key, mgen__jt *kid);

/* The last member of object `o` named `key`, or NULL (borrowed). */
mgen__jt *mgen__jt_get(const mgen__jt *o, const char *key);

/* Removes every member of object `o` named `key` (frees them);
 * `recursive` also descends into nested objects and arrays. */
void mgen__jt_remove(mgen__jt *o, const char *key, int recursive);

/*
 * Appends `j` as JSON to `b`. `indent` < 0: compact (orjson's default,
 * no spaces). `indent` >= 0: orjson OPT_INDENT_2 layout, `indent` being
 * the nesting level of `j` itself (0 at top level); no final newline.
 * Returns the buffer's error state (0, MGEN_ENOMEM, MGEN_ELIMIT).
 */
int mgen__jt_write(const mgen__jt *j, int indent, mgen_buf *b);

/*
 * The non-blank lines of a JSON Lines text[0..len) (blank: only spaces,
 * tabs and CR): fn(ud, line, s, n) for each, `line` 1-based, s[0..n)
 * without its LF. Stops at the first nonzero return of fn and returns
 * it; 0 when every line was seen.
 */
int mgen__jsonl_each(const char *text, size_t len,
		     int (*fn)(void *ud, size_t line, const char *s, size_t n),
		     void *ud);

#endif
