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
#include "model.h"
#include "warehouse.h"

/* What the manifest and summary need to know about a run. All borrowed. */
typedef struct mgen_run_info {
	int version;                  /* MGEN_RUN_INFO_VERSION */
	const char *run_id;           /* e.g. "20261123-153000-ab12" */
	const char *dir;              /* the run folder */
	const char *started_at;       /* ISO 8601 UTC */
	const char *finished_at;
	const char *dialect;          /* dialect name */
	const char *model;            /* resolved model, or "offline" */
	const char *config_json;      /* mgen_config_to_json(): no secrets */
	const char *config_digest;    /* SHA-256 hex of config_json */
	double elapsed_ms;
	long long prompt_tokens;
	long long completion_tokens;
	long long lm_calls;
	unsigned long warehouse_queries;
} mgen_run_info;

#define MGEN_RUN_INFO_VERSION 1

/*
 * Writes comments.sql, comments.tsv, comments.json, dictionary.md and
 * manifest.json into info->dir for `tables[0..n)`.
 * comments.sql: one statement per PROPOSED comment in `dialect`'s DDL;
 * KEPT ones appear as "-- kept existing comment on x (--overwrite to
 * replace)" lines; FAILED ones as "-- failed: x: reason".
 * comments.tsv: header row, then one row per table (column field empty)
 * and per column: catalog, schema, table, column, data_type,
 * existing_comment, proposed_comment, path, status, reason. Fields are
 * escaped as in PostgreSQL's COPY text format (\\ \t \n \r).
 * comments.json: {"tables": [{"catalog", "schema", "table", "comment",
 * "path", "status", "reason", "existing_comment", "columns": [{"name",
 * "data_type", "comment", "path", "status", "reason",
 * "existing_comment"}]}]}.
 * manifest.json: run info, counts by status and path, failures with
 * reasons, tokens, timings. Returns 0, MGEN_EIO (path in err), ENOMEM.
 */
int mgen_output_write_all(const mgen_run_info *info, mgen_dialect dialect,
			  const mgen_table *tables, size_t n, mgen_err *err);

/* The comments.sql text alone, appended to `out` (also used by
 * --dry-run and `apply --dry-run`). */
int mgen_output_sql(mgen_dialect dialect, const mgen_table *tables, size_t n,
		    mgen_buf *out);

/*
 * Reads a comments.tsv (possibly edited by a reviewer) back into tables:
 * one mgen_table per distinct (catalog, schema, table), in file order,
 * with the proposal fields and existing comments filled (data types kept
 * as text). Rows whose status is not "proposed" are read with their
 * status. Errors name "FILE:LINE: ..." (wrong field count, unknown status
 * or path, bad escape). Returns 0, MGEN_EIO, MGEN_EPARSE, MGEN_ENOMEM.
 */
int mgen_output_read_tsv(const char *path, mgen_table_list *out,
			 mgen_err *err);

typedef struct mgen_apply_options {
	int version;      /* MGEN_APPLY_OPTIONS_VERSION */
	int overwrite;    /* replace existing human comments */
	int dry_run;      /* build the DDL into `ddl` but execute nothing */
	mgen_log_fn log;  /* optional progress/warnings */
	void *log_userdata;
} mgen_apply_options;

#define MGEN_APPLY_OPTIONS_VERSION 1
#define MGEN_APPLY_OPTIONS_INIT {MGEN_APPLY_OPTIONS_VERSION, 0, 0, NULL, NULL}

/* What apply did. */
typedef struct mgen_apply_summary {
	size_t applied;      /* comments written */
	size_t kept;         /* not written: an existing comment was kept */
	size_t skipped;      /* not proposed (failed, blank, skipped rows) */
	size_t failed_tables;
} mgen_apply_summary;

/*
 * Applies every PROPOSED comment of `tables` through `wh`. Before writing
 * a table it re-reads that table's current comments from the warehouse;
 * an object that has a non-empty comment now is KEPT unless
 * opts->overwrite (so a comment a human added since the run is safe too).
 * Each table is written in one transaction where the dialect has them
 * (PostgreSQL, SQLite): on any failure the table is rolled back, every
 * proposal of it marked FAILED with the driver's message, and the next
 * table is tried. SQLite has no COMMENT: comments go to the sidecar
 * table _metagen_comments(table_name, column_name, comment), created when
 * missing, and a warning says so through opts->log. Statuses are updated
 * in place (APPLIED, KEPT). `ddl` (may be NULL) receives every statement
 * executed, or that would be in dry-run. Returns 0 when every table
 * applied, MGEN_EDB when some failed (summary says how many).
 */
int mgen_apply(mgen_wh *wh, mgen_table *tables, size_t n,
	       const mgen_apply_options *opts, mgen_buf *ddl,
	       mgen_apply_summary *summary, mgen_err *err);

#endif
