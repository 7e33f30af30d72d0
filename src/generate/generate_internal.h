/*
 * generate_internal.h - what the run driver (generate.c) and the per-table
 * worker (table.c) share: the run context and the trace writer.
 */
#ifndef METAGEN_GEN_INTERNAL_H
#define METAGEN_GEN_INTERNAL_H

#include <pthread.h>
#include <stdio.h>

#include "metagen/answer.h"
#include "metagen/comment_program.h"
#include "metagen/config.h"
#include "metagen/generate.h"
#include "metagen/lm.h"
#include "metagen/output.h"
#include "metagen/prompt.h"
#include "metagen/rag.h"
#include "metagen/warehouse.h"

/* Everything one run needs; built by generate.c, read by table.c. */
typedef struct mgen__run {
	const mgen_config *cfg;
	const mgen_generate_options *opts;
	char run_id[64];
	mgen_wh *wh;
	mgen_lm *lm;		  /* NULL in offline mode */
	mgen_prompt_set *prompts; /* NULL in offline mode */
	mgen_prompt_options popts;
	mgen_comment_program *program; /* optimized path's program; NULL
					  when none is used or it did not
					  load (then program_error says
					  why) */
	char program_error[512];
	int route;    /* MGEN__ROUTE_* from cfg->path */
	FILE *traces; /* traces.jsonl, appended under lock */
	pthread_mutex_t lock;
	unsigned long worker_queries; /* statements run by the workers */
	FILE *checkpoint;	   /* checkpoint.jsonl, appended under lock */
	unsigned char *tstate;	   /* per table: MGEN__T_* bits */
	long *ckpt_off;		   /* --resume: each DONE table's line */
	FILE *ckpt_in;		   /* --resume: the checkpoint, to read */
	mgen_wh_listing listing;   /* what the names listing saw */
	unsigned char *wstate;	   /* per window: MGEN__W_* */
	char **werr;		   /* per window: why loading failed */
	pthread_cond_t wcond;	   /* a window finished loading */
	mgen_output_stream *out;   /* run files, written as tables
					  settle; NULL for --estimate */
	mgen_run_result *res;	   /* counters grow as tables are written */
	size_t written;		   /* tables [0, written) are written */
	int keep;		   /* keep written tables whole (apply) */
	unsigned shard_k, shard_n; /* --shard K/N (n = 0: no sharding) */
	int estimate;		   /* --estimate: count, never call the LM */
	long long est_calls, est_prompt, est_completion;
	long long spent_tokens; /* LM tokens spent so far (budget) */
	double spent_cost;
	long long reserved_tokens; /* estimates of the calls in flight */
	double reserved_cost;
	int budget_hit;		  /* budget reached: stop taking tables */
	int fatal;		  /* a run-stopping error (EAUTH) was seen */
	mgen_rag *rag;		  /* rag.index when the file exists, else
				     NULL (nothing retrieved) */
	pthread_mutex_t rag_lock; /* one SQLite handle for all workers */
	mgen_lm *embed_lm;	  /* rag.embeddings.model's client, or NULL */
	mgen_rag_mode rag_mode;	  /* BM25, or HYBRID with vectors + model */
	mgen_err fatal_err;
} mgen__run;

/* Per-table state bits (run->tstate). */
enum {
	MGEN__T_DONE = 1,    /* restored from the checkpoint by --resume */
	MGEN__T_SETTLED = 2, /* statuses final: ready to be written */
	MGEN__T_WRITTEN = 4  /* in the run files (and counted) */
};

/* Columns are read a window of MGEN__WINDOW tables (in listing order) at
 * a time, when a worker first takes a table of the window. */
#define MGEN__WINDOW 500
enum { MGEN__W_NONE = 0, MGEN__W_LOADING, MGEN__W_LOADED, MGEN__W_FAILED };

/* cfg->path */
enum { MGEN__ROUTE_AUTO = 0, MGEN__ROUTE_OPTIMIZED, MGEN__ROUTE_LEGACY };

/* One LM call's record for traces.jsonl. Strings borrowed. */
typedef struct mgen__trace {
	const char *table;
	const char *kind; /* "comment" | "merge" */
	const char *path; /* "legacy" | "optimized" */
	int chunk;
	int attempt;
	const mgen_chat *chat;
	const mgen_lm_response *resp; /* NULL when the call failed */
	const char *context;	      /* JSON array of the chunks in the
					 prompt (id, score, source, title,
					 glossary); NULL = none */
	const char *error;	      /* NULL on success */
} mgen__trace;

/* Appends one line to traces.jsonl (thread-safe; failures are logged,
 * not fatal: the comments matter more than their trace). 0, or
 * MGEN_ENOMEM (logged) when the line could not be built whole. */
int mgen__trace_write(mgen__run *run, const mgen__trace *tr);

/* --resume (run_folder.c): sets res->run_dir to the folder named (a path
 * that exists, else <out>/<resume>), then takes it over with
 * mgen__checkpoint_claim (run->checkpoint opened and locked, run->run_id
 * and res->run_id the run's), writing nothing when it refuses. Returns
 * 0 or the claim's error (MGEN_ECONFIG for a folder that is not this
 * run, or is in use). */
int mgen__run_folder_claim(mgen__run *run, mgen_run_result *res, mgen_err *err);

/* A new run (run_folder.c): res->run_dir = <out>/<run id>, created 0700,
 * with the first manifest and run->checkpoint created and locked
 * (mgen__checkpoint_create). Returns 0, MGEN_EIO or MGEN_ENOMEM. */
int mgen__run_folder_create(mgen__run *run, mgen_run_result *res,
			    mgen_err *err);

/* Opens the LM client, templates, comment program (mgen__load_program)
 * and RAG index into `run` unless the model is "offline" (run->lm stays
 * NULL), the comment limits of run->wh's dialect when connected; then,
 * when `preflight`, checks the endpoint (mgen_lm_preflight: reachable,
 * key taken, model served). Returns 0 or the first error (in `err`);
 * teardown frees what was opened. */
int mgen__open_lm(mgen__run *run, int preflight, mgen_err *err);

/*
 * The part of a table's work after its profile, shared by generate's
 * workers (profiled from the warehouse) and mgen_commenter_table (from
 * rows a client sent): mgen__table_comments, the note of a table never
 * profiled (unreadable) and the profile note in the table's reason, the
 * comments fitted to dialect `d`'s limits (AUTO: none). Returns 0 or
 * mgen__table_comments' run-stopping codes, MGEN_ENOMEM, MGEN_ELIMIT.
 */
int mgen__comment_profiled(mgen__run *run, mgen_table *t, mgen_dialect d);

/* Logs through the run's callback with printf formatting. */
void mgen__log(const mgen__run *run, mgen_log_level lvl, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/*
 * Fills the proposals of profiled table `t`: offline describer when
 * run->lm is NULL; else, for a table on the optimized route
 * (mgen__use_optimized), the comment program first, then the legacy
 * path for whatever it left unanswered (program load error, LM error,
 * answers still invalid after the re-asks), with the reason "optimized
 * path: <why>; legacy used" on those proposals; the legacy path itself
 * chunks by columns_per_call, re-asks up to parse_retries times for the
 * columns still missing, merges chunked tables' descriptions, and falls
 * back to the offline describer on LM errors. Marks KEPT where an
 * existing comment stays. Returns 0 (the table's own statuses say
 * whether it failed) or MGEN_EAUTH / MGEN_ENOMEM / MGEN_ELIMIT, which
 * stop the run.
 */
int mgen__table_comments(mgen__run *run, mgen_table *t);

/* Cost of `prompt` and `completion` tokens at the configured prices. */
double mgen__cost(const mgen_config *cfg, double prompt, double completion);

/* --estimate for table `t` (budget.c): renders each chunk's prompt on the
 * path the table would take (the optimized route with its program, else
 * legacy), adds the calls and tokens to run->est_*; calls nothing.
 * Returns 0 or MGEN_ENOMEM (a prompt that does not render is not
 * counted). */
int mgen__estimate_table(mgen__run *run, mgen_table *t);

/*
 * Profiles and comments every table of `tables` with cfg->concurrency
 * worker threads, each on its own warehouse connection (opened with the
 * dialect of run->wh). Adds the workers' statement count to *queries.
 * Returns 0 (tables' own statuses say what failed) or the first
 * run-stopping error (a worker cannot connect, MGEN_EAUTH, ENOMEM).
 */
int mgen__run_tables(mgen__run *run, mgen_table_list *tables,
		     unsigned long *queries, mgen_err *err);

/*
 * Reads the columns of window `w` of `tables` through `wh`: the tables
 * not restored from the checkpoint and still without columns. Called
 * without the run lock, by the one worker that marked the window
 * LOADING. Returns mgen_wh_load_columns' code (message in wh).
 */
int mgen__load_window(mgen__run *run, mgen_wh *wh, mgen_table_list *tables,
		      size_t w);

/*
 * Writes the settled tables at the head of the unwritten ones, in
 * listing order: a table restored by --resume is read back from the
 * checkpoint first; each goes to the run files (run->out, when not
 * --estimate), into run->res's counters, and unless run->keep or it
 * failed, is slimmed to its names, table status and usage. Called with
 * the run lock held. Returns 0 or the first write error (in `err`).
 */
int mgen__write_ready(mgen__run *run, mgen_table_list *tables, mgen_err *err);

/* Adds table `t`'s statuses and usage to the result's counters. */
void mgen__tally_table(mgen_run_result *res, const mgen_table *t);

/*
 * The merge call of a wide table on the optimized path (route.c): the
 * program's merge predictor over the chunks' table descriptions
 * parts[0..nparts), ChatAdapter then once the JSONAdapter when the answer
 * does not parse; traced as kind "merge", path "optimized", chunk 0,
 * attempt 1 (both adapters, as the comment calls). *out (caller frees) gets the
 * merged description, or stays NULL with the problem in `why`. Returns 0, or
 * MGEN_EAUTH / MGEN_ENOMEM / MGEN_ELIMIT, which stop the run.
 */
int mgen__opt_merge(mgen__run *run, mgen_table *t, const char *fullname,
		    char *const *parts, size_t nparts, char **out, char *why,
		    size_t whysz);

/* State of one chunk while its columns are asked for (table.c). */
typedef struct mgen__chunk {
	size_t *pending; /* column indexes still without a comment */
	size_t npending;
	char *table_comment;
	char reason[512];	/* the last problem seen */
	char table_reason[300]; /* why an answer's table comment was
				   refused (repeats a value), or "" */
	char cause[512]; /* the last LM error or unparsable answer (what a
			    failed table comment is blamed on); "" = none */
	char **col_why;	 /* per column index (t->column_count): the last
			    alignment problem of that column, or NULL when
			    the last attempt failed as a whole (reason) */
	int lm_error;	 /* the LM could not answer (after its retries) */
	mgen_path path;	 /* the path asking: LEGACY or OPTIMIZED */
	const mgen_prompt_options *popts; /* the run's, with this table's
					     retrieved context */
	const char *context_trace;	  /* JSON of that context, or NULL */
} mgen__chunk;

/* The retrieved context of table `t` (context.c): *ctx the text for the
 * prompt, *trace the JSON array of its chunks; both NULL when nothing
 * was retrieved (no index, top_k 0, no hit). Caller frees both. */
int mgen__table_context(mgen__run *run, const mgen_table *t, char **ctx,
			char **trace, mgen_err *err);

/* Opens rag.index when its file exists (context.c) and, when
 * rag.embeddings.model is set, the index holds vectors and the run is not
 * an --estimate, attaches the embeddings client: run->rag_mode HYBRID
 * (else BM25). Returns 0 or the errors of mgen_rag_open_config,
 * mgen_rag_embedder_from_config and mgen_rag_stats_get. */
int mgen__context_open(mgen__run *run, mgen_err *err);

/* Closes what mgen__context_open opened. */
void mgen__context_close(mgen__run *run);

/*
 * One LM call with budget, tracing (kind "comment"|"merge", path
 * "legacy"|"optimized") and usage accounting. Returns mgen_lm_chat's
 * code or MGEN_ELIMIT (budget); on EAUTH marks the run fatal.
 */
int mgen__ask(mgen__run *run, mgen_table *t, const char *fullname,
	      const char *kind, const char *path, int chunk, int attempt,
	      const mgen_chat *chat, const char *context_trace,
	      mgen_lm_response *resp, mgen_err *e);
/* mgen__ask with a response_format (JSON text, NULL none): the request
 * mgen_comment_program_request built for the optimized path. */
int mgen__ask_rf(mgen__run *run, mgen_table *t, const char *fullname,
		 const char *kind, const char *path, int chunk, int attempt,
		 const mgen_chat *chat, const char *context_trace,
		 const char *response_format, mgen_lm_response *resp,
		 mgen_err *e);

/* Takes what an aligned answer gave (proposals on cs->path); keeps the
 * rest pending; the alignment problem goes to cs->reason. 0 or ENOMEM. */
int mgen__take_answer(mgen__run *run, mgen_table *t, mgen__chunk *cs,
		      const mgen_answer *a, const char *fullname);

/*
 * One optimized-path attempt for the pending columns of `cs` (route.c):
 * render with the ChatAdapter, ask, parse; on a parse error one more call
 * rendered with the JSONAdapter; align what came back. Sets *stop when
 * asking again is pointless (render error, LM error: cs->lm_error).
 * Returns 0 or a run-stopping code (EAUTH, ENOMEM, ELIMIT).
 */
int mgen__opt_attempt(mgen__run *run, mgen_table *t, const char *fullname,
		      mgen__chunk *cs, int chunk, int attempt, int *stop);

/* 1 when table `t` takes the optimized path (route, program, rollout). */
int mgen__use_optimized(const mgen__run *run, const mgen_table *t);

/* Loads the comment program for the run when the route can use it
 * (route.c). A program that does not load is a configuration error
 * (MGEN_EINVAL in `err`, naming the file and the problem) when the run
 * must use it (--path optimized, or rollout.optimized names tables);
 * otherwise the error is kept in run->program_error and logged, and the
 * legacy path is used. Returns 0, MGEN_EINVAL or MGEN_ENOMEM. */
int mgen__load_program(mgen__run *run, mgen_err *err);

/* --- scope.c ----------------------------------------------------------- */

/* The listing's kinds (mgen_wh_set_object_types bits) for the config's
 * object_types words: tables (with partitioned and streaming tables),
 * views, materialized_views, foreign_tables, partitions. */
unsigned mgen__object_types(const mgen_config *cfg);

/* 1 when a scope pattern names a database part (has a '.'), so the
 * listing is not limited to the connection's own database. */
int mgen__scope_names_databases(const mgen_config *cfg);

/* Snowflake: the databases the scope names (the first part of each
 * pattern with three parts), plus the current database when a pattern
 * has fewer parts or there is none (mgen_wh_set_databases). 0 or
 * MGEN_ENOMEM. */
int mgen__scope_databases(const mgen_config *cfg, mgen_wh *wh);

/* Proposals of `t` that dialect `d` cannot store (a MySQL view, a
 * Databricks foreign table: mgen_dialect_comment_support) become
 * SKIPPED with that reason; FAILED ones stay. 0 or MGEN_ENOMEM. */
int mgen__mark_uncommentable(mgen_dialect d, mgen_table *t);

/*
 * Called when the scope kept no object: lists every object of the
 * configured kinds the connection sees (all its databases), and returns
 * MGEN_ECONFIG with a message giving the scope, exclude and object_types
 * and the objects seen per catalog.schema by kind (at most 15 lines, the
 * rest counted). Returns 0 when objects do match the scope but --shard
 * gave them to other parts; MGEN_EDB when that listing fails.
 */
int mgen__scope_nothing(mgen_wh *wh, const mgen_config *cfg, mgen_err *err);

/* Marks every object of `t` still without a status FAILED with
 * `reason`; objects that already have one keep it. */
void mgen__fail_unset(mgen_table *t, const char *reason);

#endif
