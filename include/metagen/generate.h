/*
 * generate.h - the main job: list the tables in scope, profile each, ask
 * the LM for comments (or the offline describer), validate the answers by
 * column name, write the run's outputs and optionally apply them.
 *
 * The flow follows docs/ARCHITECTURE.md "The data flow". Tables are listed
 * by name first; columns are read a window of 500 tables at a time, when
 * the first worker reaches the window. A run writes
 * out/<run-id>/ (see output.h) plus checkpoint.jsonl (one line per finished
 * table: what --resume RUN restores instead of asking again; a torn last
 * line is ignored) and traces.jsonl, one JSON object per LM
 * call: {"run_id", "table", "kind" ("comment"|"merge"), "path", "chunk",
 * "attempt", "model", "messages", "answer", "finish_reason", "latency_ms",
 * "prompt_tokens", "completion_tokens", "http_status", "error",
 * "cache_hit"}. Traces never hold an API key.
 */
#ifndef METAGEN_GENERATE_H
#define METAGEN_GENERATE_H

#include <stddef.h>

#include "config.h"
#include "metagen.h"
#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Progress events, reported from the thread that runs the table. */
typedef enum mgen_progress_event {
	MGEN_PROGRESS_LISTED = 0,  /* tables listed: total is known */
	MGEN_PROGRESS_TABLE_START, /* `table` is starting */
	MGEN_PROGRESS_TABLE_DONE,  /* `table` finished (proposals filled) */
	MGEN_PROGRESS_APPLYING	   /* outputs written; applying DDL */
} mgen_progress_event;

typedef void (*mgen_progress_fn)(void *userdata, mgen_progress_event ev,
				 size_t done, size_t total,
				 const mgen_table *table);

typedef struct mgen_generate_options {
	int version;		/* MGEN_GENERATE_OPTIONS_VERSION */
	const mgen_config *cfg; /* borrowed for the call */
	mgen_log_fn log;	/* warnings and notes; optional */
	void *log_userdata;
	mgen_progress_fn progress; /* optional */
	void *progress_userdata;
} mgen_generate_options;

#define MGEN_GENERATE_OPTIONS_VERSION 1

/* What a run did; strings owned, release with mgen_run_result_release. */
typedef struct mgen_run_result {
	char *run_id;
	char *run_dir;
	size_t tables;
	size_t tables_failed;
	size_t columns;
	size_t comments_proposed; /* table + column comments, PROPOSED */
	size_t comments_kept;	  /* existing comment kept */
	size_t comments_failed;
	size_t comments_applied;
	size_t comments_fallback; /* written by the offline describer because
				     the LM could not answer (status FALLBACK
				     before any apply) */
	size_t tables_fallback;	  /* tables with such comments */
	long long prompt_tokens;
	long long completion_tokens;
	long long lm_calls;
	long long cache_hits; /* answers taken from the LM cache */
	unsigned long warehouse_queries;
	double elapsed_ms;
	char *dry_run_ddl;	/* the DDL when cfg->dry_run, else NULL */
	size_t tables_restored; /* --resume: tables taken from the
				   checkpoint instead of asked again */
	int budget_stopped;	/* the budget stopped the run */
	/* --estimate (no LM call made): approximate, 4 characters a token */
	long long estimate_lm_calls;
	long long estimate_prompt_tokens;
	long long estimate_completion_tokens;
	double estimate_cost; /* at price.prompt_per_1k / completion */
	/* Every table in scope, in listing order. A run writes each table to
	 * its files as soon as it and every table before it are finished,
	 * then keeps only its names, usage and table status (columns and
	 * comment texts are released: the files hold them), so memory holds
	 * the tables in flight, not the scope. Tables that failed, and every
	 * table of an apply_ddl or dry_run run (apply needs them), stay
	 * whole. */
	mgen_table_list results;
} mgen_run_result;

/*
 * Runs the main job with `opts->cfg`. Returns 0 when every table got its
 * comments (and, with apply_ddl, applied), MGEN_EVALIDATE when some
 * tables failed (each named with its reason in the outputs and result)
 * or got offline fallback comments (offline_fallback; comments_fallback),
 * MGEN_ELIMIT when budget.max_tokens / max_cost stopped the run cleanly
 * (outputs and checkpoint written, nothing applied; --resume finishes it),
 * or a setup error that stops the run before any table is written:
 * MGEN_ECONFIG, MGEN_EDB (connection), MGEN_EAUTH (endpoint refused the
 * key: the run stops at the first such answer), MGEN_EIO (outputs),
 * MGEN_ETEMPLATE, MGEN_ENOMEM. `err` holds the first error's text.
 * `res` is filled as far as the run got (release it in every case).
 */
int mgen_generate(const mgen_generate_options *opts, mgen_run_result *res,
		  mgen_err *err);

/* Frees everything the result holds and zeroes it. */
void mgen_run_result_release(mgen_run_result *res);

/* SHA-256 (FIPS 180-4, via libcrypto) of `len` bytes as 64 lowercase hex
 * digits into `hex` (65 bytes with the NUL). Returns 0 or MGEN_ENOMEM. */
int mgen_sha256_hex(const void *data, size_t len, char hex[65]);

#ifdef __cplusplus
}
#endif

#endif
