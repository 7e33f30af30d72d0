/*
 * output_internal.h - internal helpers shared by the files of src/output/: the
 * text of each run file built into an mgen_buf, and a few name helpers.
 * Internal: not part of the public API.
 */
#ifndef METAGEN_OUTPUT_INT_H
#define METAGEN_OUTPUT_INT_H

#include <stddef.h>

#include "metagen/buf.h"
#include "metagen/table.h"
#include "metagen/output.h"
#include "metagen/warehouse.h"

/* The TSV header row (no newline). */
#define MGEN_OUTPUT_TSV_HEADER                                                 \
	"catalog\tschema\ttable\tcolumn\tdata_type\texisting_comment\t"        \
	"proposed_comment\tpath\tstatus\treason"

/* Appends the comments.tsv text (header + rows) to `out`. Returns 0 or
 * the buffer's error. */
int mgen_output__tsv(const mgen_table *tables, size_t n, mgen_buf *out);

/* Appends the dictionary.md text to `out`; `info` may be NULL. */
int mgen_output__dictionary(const mgen_run_info *info, const mgen_table *tables,
			    size_t n, mgen_buf *out);

/* Appends the comments.sql text; `run_id` (may be NULL) goes into the
 * header comment. Returns 0, the buffer's error or a DDL builder error. */
int mgen_output__sql(const char *run_id, mgen_dialect dialect,
		     const mgen_table *tables, size_t n, mgen_buf *out);

/* The same three, one piece at a time: `head` (the first piece) adds the
 * file's header; the dictionary also needs the `total` table count. */
int mgen_output__tsv_part(const mgen_table *tables, size_t n, int head,
			  mgen_buf *out);
int mgen_output__dictionary_part(const mgen_run_info *info,
				 const mgen_table *tables, size_t n,
				 size_t total, int head, mgen_buf *out);
int mgen_output__sql_part(const char *run_id, mgen_dialect dialect,
			  const mgen_table *tables, size_t n, int head,
			  mgen_buf *out);

/* Appends "fullname" or "fullname.column" (column may be NULL). */
int mgen_output__object_name(const mgen_table *t, const mgen_column *c,
			     mgen_buf *out);

/*
 * Appends `s` for an SQL "--" comment line: backslash as \\, LF CR tab as
 * \n \r \t, other C0 controls, DEL and bytes that are not valid UTF-8 as
 * \xNN, and U+0085, U+2028, U+2029 as \uNNNN, so no line break of any
 * client or editor (psql ends a comment at LF or CR, sqlite3 at LF) can
 * end the comment early. Reversible. NULL appends nothing.
 */
int mgen_output__sql_comment_text(const char *s, mgen_buf *out);

/* Appends `s` with CR, LF and tab turned into spaces (for one-line SQL
 * comments and messages). NULL appends nothing. */
int mgen_output__one_line(const char *s, mgen_buf *out);

#endif
