/*
 * answer.h - parsing the LM's comment answer and aligning it to the
 * columns asked about, and the offline describer.
 *
 * The answer shape is dbxmetagen's (DESIGN.md "The comment answer"):
 *   {"table": "...", "columns": ["c1", ...], "column_contents": ["...", ...]}
 * Comments are matched to columns BY NAME (case-insensitive, quotes and
 * backticks stripped), never by position (dbxmetagen issue #194).
 */
#ifndef METAGEN_ANSWER_H
#define METAGEN_ANSWER_H

#include <stddef.h>

#include "metagen.h"
#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A parsed answer; every string owned. */
typedef struct mgen_answer {
	char *table_comment; /* "table", or NULL when absent */
	char **columns;	     /* "columns", as the LM wrote them */
	char **contents;     /* "column_contents", parallel to columns */
	size_t n;
	int repaired;	    /* 1 when fences, chatter, stringified arrays
			       or truncation had to be repaired */
	size_t fixed_count; /* strings (names, comments, the table
			  comment) whose invalid UTF-8 was replaced
			  with U+FFFD */
} mgen_answer;

/*
 * Bounds on the entries of one answer. A well-formed answer names each
 * asked column once; identical repeats and a few qualified or unknown
 * names are tolerated, so an answer about `asked_count` columns may hold up
 * to MGEN_ANSWER_ENTRY_FACTOR * asked_count + MGEN_ANSWER_ENTRY_SLACK
 * entries (mgen_answer_entry_cap); more is not an answer about these
 * columns and is refused before any entry is copied. Callers that do
 * not know the asked columns get MGEN_ANSWER_MAX_ENTRIES.
 */
#define MGEN_ANSWER_ENTRY_FACTOR 2
#define MGEN_ANSWER_ENTRY_SLACK 16
#define MGEN_ANSWER_MAX_ENTRIES 65536

/* The entry cap for an answer about `asked_count` columns (see above). */
size_t mgen_answer_entry_cap(size_t asked_count);

/*
 * Parses `text`: strips ``` fences and chatter before/after the first
 * balanced JSON object, accepts "columns"/"column_contents" given as a
 * JSON-encoded string of an array, and also the object form
 * {"table": "...", "columns": {"c1": "..."}}. When `truncated` (the LM
 * stopped at finish_reason=length) it salvages the complete leading
 * pairs of a cut-off object and sets `repaired`. Arrays of different
 * lengths keep the common prefix only when truncated; otherwise that is
 * MGEN_EVALIDATE. Returns 0, MGEN_EPARSE (no JSON object, message gives
 * the offset and a short excerpt), MGEN_EVALIDATE, or MGEN_ENOMEM.
 *
 * Details: keys are matched exactly; "table_comment" is accepted for
 * "table" and "comments" for "column_contents". The object is the first
 * balanced {...} (found by a scanner that respects strings and escapes)
 * that parses and holds one of those keys, or whose member object does
 * ({"answer": {...}}); trailing commas are dropped. A truncated object is
 * cut after its last complete value and closed, so a cut-off comment is
 * dropped, never kept half-written. A non-string name or comment is
 * MGEN_EVALIDATE ("column_contents[3] is not a string"). `text` NULL is
 * treated as "". On failure `out` is left zeroed.
 *
 * Hostile answers: the work is linear in the length of `text` (each
 * list is walked once; at most 32 candidate objects are scanned). More
 * than MGEN_ANSWER_MAX_ENTRIES entries in "columns" or
 * "column_contents" is MGEN_EVALIDATE; so is an object holding more than
 * twice that + 64 values in its members, found by the scanner before
 * any JSON tree is built. A NUL character (an escaped
 * \u0000, which the JSON library would cut short) is MGEN_EPARSE.
 * Invalid UTF-8 in any string (RFC 3629: overlong forms and surrogates
 * included) is replaced with U+FFFD and counted in `fixed_count`.
 */
int mgen_answer_parse(const char *text, int truncated, mgen_answer *out,
		      mgen_err *err);

/* mgen_answer_parse with the entry cap `max_entries` (0 = no cap; use
 * mgen_answer_entry_cap(asked_count) when the asked columns are known). */
int mgen_answer_parse_capped(const char *text, int truncated,
			     size_t max_entries, mgen_answer *out,
			     mgen_err *err);

/* Frees the answer's strings and zeroes it. */
void mgen_answer_release(mgen_answer *a);

/* The result of aligning an answer to the asked columns. */
typedef struct mgen_alignment {
	char **comments; /* asked_count entries, parallel to `asked`; NULL where
			    the column got no usable comment; owned */
	char **problems; /* asked_count entries: NULL, or why that column has no
			    comment ("missing from answer", "duplicated in
			    answer", "empty comment"); owned */
	size_t asked_count;
	size_t missing_count;	 /* asked, not answered */
	size_t duplicated_count; /* answered more than once with different
			       texts (all copies rejected); identical
			       copies are accepted once, not counted */
	size_t unknown_count;	 /* answered but never asked */
	char *unknown;		 /* comma-separated unknown names, or NULL */
} mgen_alignment;

/*
 * Matches `a`'s comments to `asked[0..asked_count)` by name. Returns 0 when
 * every asked column has a comment, MGEN_EVALIDATE when any is missing,
 * duplicated (with different texts) or empty (the alignment still holds
 * the columns that did match, and `err` names the first problem as
 * "table.column: <problem>" using `table_name`), or MGEN_ENOMEM. Unknown
 * extra names are counted but are not an error by themselves.
 * Names compare after trimming blanks, stripping surrounding double
 * quotes, backticks and [brackets]: exactly first, then ASCII case
 * folded only when that names exactly one asked column (asked "Id",
 * "ID", "id": "ID" is the second, "iD" is unknown); an answer name
 * "t.col" / "schema.t.col" that matches nothing whole matches by its last
 * part when exactly one asked column has that name. Comments are trimmed
 * of surrounding blanks (inner newlines kept). `table_name` may be NULL.
 * On MGEN_ENOMEM `out` is left zeroed.
 */
int mgen_answer_align(const mgen_answer *a, const char *table_name,
		      const char *const *asked, size_t asked_count,
		      mgen_alignment *out, mgen_err *err);

/* Frees the alignment and zeroes it. */
void mgen_alignment_release(mgen_alignment *al);

/*
 * The offline describer: deterministic comments with no network, from
 * names (snake_case and camelCase split, abbreviations from `abbrev`
 * expanded, e.g. "hadm_id" -> "Hospital admission identifier"), data
 * types and statistics (row counts, null share, distinct share, min/max
 * only when `allow_data`). Sets *table_comment and column_comments[i] for
 * i < t->column_count (caller frees each, and must pass an array of
 * t->column_count pointers). Returns 0 or MGEN_ENOMEM (then every output is
 * NULL). `abbrev` may be NULL; its keys are matched case-insensitively
 * against the whole name, runs of 2-3 words (joined with "_" or nothing)
 * and single words, before a built-in list of ~60 common abbreviations.
 * Statistics are used only when t->profiled; unknown (-1) ones are left
 * out. Each comment is one line of valid UTF-8 (control bytes become
 * spaces, invalid bytes '?'), non-empty and shorter than 300 bytes.
 */
int mgen_offline_describe(const mgen_table *t, const mgen_kvlist *abbrev,
			  int allow_data, char **table_comment,
			  char **column_comments);

#ifdef __cplusplus
}
#endif

#endif
