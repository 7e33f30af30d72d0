/*
 * output.h - a run's files (DESIGN.md "Outputs of a run") and applying
 * comments to the warehouse.
 *
 * Files in the run folder: comments.sql, comments.tsv, comments.json,
 * dictionary.md, manifest.json (traces.jsonl is written during the run by
 * the generator). Every file is written to a temp name and renamed, so a
 * crash never leaves a half-written file.
 */
#ifndef METAGEN_OUTPUT_H
#define METAGEN_OUTPUT_H

#include <stddef.h>

#include "buf.h"
#include "metagen.h"
#include "table.h"
#include "warehouse.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the manifest and summary need to know about a run. All borrowed. */
typedef struct mgen_run_info {
	int version;		/* MGEN_RUN_INFO_VERSION */
	const char *run_id;	/* e.g. "20261123-153000-ab12" */
	const char *dir;	/* the run folder */
	const char *started_at; /* ISO 8601 UTC */
	const char *finished_at;
	const char *dialect;	   /* dialect name */
	const char *model;	   /* resolved model, or "offline" */
	const char *config_json;   /* mgen_config_to_json(): no secrets */
	const char *config_digest; /* SHA-256 hex of config_json */
	double elapsed_ms;
	long long prompt_tokens;
	long long completion_tokens;
	long long lm_calls;
	unsigned long warehouse_queries;
} mgen_run_info;

#define MGEN_RUN_INFO_VERSION 1

/* The layout version of a run folder (manifest.json's and the
 * checkpoint header's "format_version"); --resume takes only folders of
 * this version. */
#define MGEN_RUN_FORMAT_VERSION 1

/*
 * Writes comments.sql, comments.tsv, comments.json, dictionary.md and
 * manifest.json into info->dir (created when missing) for
 * `tables[0..n)`.
 * comments.sql: a header comment (run id, dialect, "review before
 * applying"); for SQLite the sidecar setup DDL; then per table a
 * "-- name" line, the table's statement and each column's, in column
 * order, one per PROPOSED (after apply: APPLIED) comment in `dialect`'s
 * DDL (exactly what
 * mgen_apply executes); KEPT ones appear as "-- kept existing comment on
 * x (use --overwrite to replace)" lines, FAILED ones as "-- failed: x:
 * reason" (reason on one line), statements the dialect cannot express as
 * "-- not supported by <dialect>: x".
 * comments.tsv: header row (catalog schema table column data_type
 * existing_comment proposed_comment path status reason), then one row per
 * table (column field empty) and per column. Fields are escaped as in
 * PostgreSQL's COPY text format (\\ \t \n \r); an absent value (NULL)
 * is an empty field.
 * comments.json: {"tables": [{"catalog", "schema", "table", "comment",
 * "path", "status", "reason", "existing_comment", "columns": [{"name",
 * "data_type", "comment", "path", "status", "reason",
 * "existing_comment"}]}]}; absent values and path/status NONE are null.
 * manifest.json: metagen ("run"), format_version
 * (MGEN_RUN_FORMAT_VERSION), run_id, started_at, finished_at, elapsed_ms,
 * dialect, model, config (config_json parsed; kept as a string when it does not
 * parse), config_digest, counts {tables, tables_failed, columns,
 * comments_proposed, kept, failed, by_path {optimized, legacy, offline}}
 * (by_path counts proposed, kept and applied comments; a table failed
 * when its own or any column's proposal is FAILED), tokens {prompt,
 * completion}, lm_calls, warehouse_queries, failures [{"object":
 * "catalog.schema.table[.column]" (empty parts left out), "reason"}].
 * dictionary.md: per table a "## name" heading, the comment in effect
 * (proposed/applied, else existing) and a column | type | comment |
 * source | status table.
 * Returns 0, MGEN_EIO (path in err), MGEN_ENOMEM. The same as
 * mgen_output_stream_open + _add(all) + _close.
 */
int mgen_output_write_all(const mgen_run_info *info, mgen_dialect dialect,
			  const mgen_table *tables, size_t n, mgen_err *err);

/*
 * The same files written while a run goes, a few tables at a time, so a
 * run never holds every table's comments to write them at the end.
 * mgen_output_stream_open creates info->dir when missing, opens the four
 * comment files under temp names (FILE.tmp.PID) and writes their heads;
 * `total` is the table count dictionary.md announces. info is borrowed for
 * the call. mgen_output_stream_add appends tables[0..n), in the order
 * given, to every file and counts them for the manifest; the tables can
 * be released afterwards. mgen_output_stream_close writes the tails and
 * manifest.json (run info from `info`, counts and failures of every table
 * added), syncs each file and renames it into place, and frees `s`
 * whatever happens. mgen_output_stream_abort removes the temp files and
 * frees `s` (NULL is fine): a run that stops with an error leaves the
 * files of an earlier write, if any, untouched. Each returns 0, MGEN_EIO
 * (path in err), MGEN_ENOMEM or MGEN_EINVAL (no run folder); after an
 * error only abort may follow.
 */
typedef struct mgen_output_stream mgen_output_stream;

int mgen_output_stream_open(const mgen_run_info *info, mgen_dialect dialect,
			    size_t total, mgen_output_stream **out,
			    mgen_err *err);
int mgen_output_stream_add(mgen_output_stream *s, const mgen_table *tables,
			   size_t n, mgen_err *err);
int mgen_output_stream_close(mgen_output_stream *s, const mgen_run_info *info,
			     mgen_err *err);
void mgen_output_stream_abort(mgen_output_stream *s);

/* The comments.sql text alone, appended to `out` (also used by
 * --dry-run and `apply --dry-run`). */
int mgen_output_sql(mgen_dialect dialect, const mgen_table *tables, size_t n,
		    mgen_buf *out);

/*
 * Reads a comments.tsv (possibly edited by a reviewer) back into tables
 * appended to `out`: one mgen_table per distinct (catalog, schema,
 * table), in file order, with the proposal fields and existing comments
 * filled (data types kept as text). An empty field and COPY's \N read
 * as NULL; CRLF line ends, a UTF-8 BOM and blank lines are accepted.
 * Rows are read with their status, except that a "proposed" row whose
 * proposed comment the reviewer blanked becomes SKIPPED. Reading what
 * mgen_output_write_all wrote and writing it again gives the same bytes.
 * Errors name "FILE:LINE: ..." (wrong header, wrong field count, unknown
 * status or path, bad escape); on error `out` is left as it was.
 * Returns 0, MGEN_EIO, MGEN_EPARSE, MGEN_ENOMEM.
 */
int mgen_output_read_tsv(const char *path, mgen_table_list *out, mgen_err *err);

/*
 * Called by mgen_output_parse_tsv after each data row is stored: `file`
 * and `line` (1-based) name the row, `t` is its table in the list, `c`
 * the column just added (NULL for a table row). Return 0 to go on, or
 * an error code after recording the message (naming "FILE:LINE") in
 * `err`; reading then stops with that code.
 */
typedef int (*mgen_tsv_row_fn)(void *userdata, const char *file, size_t line,
			       const mgen_table *t, const mgen_column *c,
			       mgen_err *err);

/* mgen_output_read_tsv on `len` bytes of `text` already read (`name`
 * names it in messages), calling `on_row` (may be NULL) per data row. */
int mgen_output_parse_tsv(const char *text, size_t len, const char *name,
			  mgen_table_list *out, mgen_tsv_row_fn on_row,
			  void *userdata, mgen_err *err);

typedef struct mgen_apply_options {
	int version;	 /* MGEN_APPLY_OPTIONS_VERSION */
	int overwrite;	 /* replace existing human comments */
	int dry_run;	 /* build the DDL into `ddl` but execute nothing */
	mgen_log_fn log; /* optional progress/warnings */
	void *log_userdata;
	int apply_offline; /* also apply FALLBACK comments (the offline
			      describer's, written when the LM could not
			      answer); 0 leaves them as they are */
} mgen_apply_options;

#define MGEN_APPLY_OPTIONS_VERSION 1
#define MGEN_APPLY_OPTIONS_INIT                                                \
	{                                                                      \
		MGEN_APPLY_OPTIONS_VERSION, 0, 0, NULL, NULL, 0                \
	}

/* What apply did. */
typedef struct mgen_apply_summary {
	size_t applied; /* comments written */
	size_t kept;	/* not written: an existing comment was kept */
	size_t skipped; /* not proposed (failed, blank, skipped rows) */
	size_t failed_tables;
} mgen_apply_summary;

/*
 * Applies every PROPOSED comment (non-empty) of `tables` through `wh`,
 * and the FALLBACK ones too when opts->apply_offline (else they stay
 * FALLBACK, counted skipped).
 * The tables are first found in the warehouse with mgen_wh_list_tables
 * (an empty catalog in `tables` matches any catalog), with every object
 * kind, partitions and database listed (this sets
 * mgen_wh_set_object_types and mgen_wh_set_home_only(wh, 0) on `wh`); a
 * table or column that no longer exists fails its table. Each table
 * takes its kind (table, view, ...) from the warehouse, which chooses
 * the statement; a proposal on an object the dialect cannot comment
 * (mgen_dialect_comment_support) becomes SKIPPED with that reason,
 * never a failure. Right before writing a table
 * its current comments are re-read (mgen_wh_table_comments); per object:
 * a current comment equal to the proposal -> SKIPPED (nothing to do); a
 * non-empty current comment -> KEPT unless opts->overwrite (so a comment
 * a human added since the run is safe too); else written -> APPLIED.
 * Each table is written in one transaction where the dialect has them
 * (PostgreSQL, SQLite): on any failure the table is rolled back, every
 * proposal it was writing marked FAILED with reason "apply failed:
 * <driver message>", a warning logged, and the next table is tried.
 * Other dialects run the statements one by one; those before a failure
 * stay APPLIED. SQLite has no COMMENT: comments go to the sidecar table
 * _metagen_comments(table_name, column_name, comment), created when
 * missing, and a warning says so through opts->log. PROPOSED rows with a
 * blank comment become SKIPPED. Statuses are updated in place. `ddl` (may
 * be NULL) receives every statement executed, one per line, or that
 * would be in dry-run. opts->dry_run executes no statement (it still
 * reads the warehouse), leaves every status as it was and fills
 * `summary` with what would happen. `opts` NULL means defaults.
 * Returns 0 when every table applied, MGEN_EDB when some failed (summary
 * says how many; err holds the first) or the listing failed, MGEN_ENOMEM.
 */
int mgen_apply(mgen_wh *wh, mgen_table *tables, size_t n,
	       const mgen_apply_options *opts, mgen_buf *ddl,
	       mgen_apply_summary *summary, mgen_err *err);

#ifdef __cplusplus
}
#endif

#endif
