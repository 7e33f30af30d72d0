/*
 * cli.h - what the subcommands of the metagen binary share: option
 * parsing into a config (flag > env > file > default), the log and
 * progress printers, and the exit codes.
 */
#ifndef METAGEN_CLI_H
#define METAGEN_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "metagen/agent.h"
#include "metagen/buf.h"
#include "metagen/config.h"
#include "metagen/generate.h"
#include "metagen/optimize.h"
#include "metagen/train.h"

/* Exit codes: every table fine / some tables failed / usage, config,
 * connection or authentication error. */
enum { EXIT_ALL_OK = 0, EXIT_SOME_FAILED = 1, EXIT_USAGE = 2 };

/* Parsed command line of a subcommand. */
typedef struct cli_args {
	mgen_config cfg;
	const char **positional; /* borrowed from argv */
	size_t npositional;
	int help;
	int quiet;
} cli_args;

/*
 * Builds the config for a subcommand: defaults, then the YAML file
 * (--config or METAGEN_CONFIG), then METAGEN_* variables, then the flags
 * in argv[first..argc). Prints the problem and returns EXIT_USAGE on a
 * bad flag or config; 0 otherwise. Release args->cfg afterwards.
 */
int cli_parse(int argc, char **argv, int first, cli_args *args);

/* Frees what cli_parse allocated. */
void cli_args_release(cli_args *args);

/* Log callback: "metagen: warning: ..." on stderr (debug suppressed). */
void cli_log(void *userdata, mgen_log_level level, const char *msg);

/*
 * Everything the CLI prints that holds outside text (warehouse names,
 * comments, LM answers, error messages quoting them) goes through these:
 * terminal control characters (C0, DEL, C1) and invalid UTF-8 are
 * written as \xNN escapes (util/text.h mgen__term_safe), so a table
 * named "t<ESC>]0;..." cannot drive the terminal.
 * cli_say: "metagen: " + the formatted line (neutralised, LF included)
 * + "\n" on stderr. cli_put_safe: `text` on `f` with LF and tab kept
 * (the DDL of --dry-run).
 */
void cli_say(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
void cli_put_safe(FILE *f, const char *text);

/* Progress callback: a bar on a TTY, plain lines otherwise (stderr). */
void cli_progress(void *userdata, mgen_progress_event ev, size_t done,
		  size_t total, const mgen_table *table);

/* Unix time `t` (seconds) as "2024-05-01T12:00:00Z" in `out` (n >= 21
 * bytes), or "-" for 0 or less. */
void cli_iso_time(long long t, char *out, size_t n);

/* The memory store of `cfg` in `out`: memory.connection, else
 * <cache_dir>/memory.sqlite. Returns 0, or -1 when out of memory. */
int cli_memory_path(const mgen_config *cfg, mgen_buf *out);

/* The ask agent and what it borrows (agent_cli.c). */
typedef struct cli_agent {
	mgen_lm *lm;
	mgen_rag *rag; /* NULL when rag.index names no file */
	mgen_memory *memory;
	mgen_agent *agent;
} cli_agent;

/* Opens the LM, index, memory store and agent of `cfg` (`program`: a
 * saved ask program or NULL), then checks the endpoint as generate does
 * (mgen_lm_preflight). MGEN_ECONFIG without a model; otherwise the
 * opening function's or the preflight's error. *c empty on error. */
int cli_agent_open(const mgen_config *cfg, const char *program, void *log_ud,
		   cli_agent *c, mgen_err *err);
/* Closes what cli_agent_open opened; an empty *c is fine. */
void cli_agent_close(cli_agent *c);

/* Prints the config keys as flags for --help. */
void cli_print_flags(void);

/* A flag of one subcommand (not a config key): `value` NULL = a switch
 * that sets *on; otherwise it takes the next argument (borrowed). */
typedef struct cli_local {
	const char *name; /* "--prune" */
	int *on;
	const char **value;
} cli_local;

/* Takes the `flags` (table ending in {NULL}) out of argv; the rest goes
 * to *nargv (a new array, free() it; the strings borrowed). Prints and
 * returns EXIT_USAGE when a flag lacks its value. */
int cli_take_local(int argc, char **argv, const cli_local *flags, int *nargc,
		   char ***nargv);

/* cli_take_local, then cli_parse of the rest (first = 2: after
 * "metagen CMD") into *args. *args is always safe to cli_args_release,
 * also when the flags were refused. Returns 0 or EXIT_USAGE. */
int cli_parse_local(int argc, char **argv, const cli_local *flags,
		    cli_args *args);

/* The name a file is indexed under: its realpath, or (when it no longer
 * exists) the path made absolute. malloc'd; NULL on out of memory. */
char *cli_doc_path(const char *path);

struct mgen_rag;
struct mgen_lm;

/* When the config names rag.embeddings.model: opens an LM client for it
 * (api_base, key, cache, retries and limits of the config) into *lm and
 * attaches it to `rag`; else *lm = NULL. Prints the error and returns
 * EXIT_USAGE, or 0. Free *lm after closing `rag`. */
int cli_rag_embedder(cli_args *a, struct mgen_rag *rag, struct mgen_lm **lm);

/* `index add --run DIR`: the comments of DIR/comments.tsv, one document
 * keyed by that file's real path. Prints what it did or the error;
 * returns 0 or the error code. */
int cli_index_run(struct mgen_rag *rag, cli_args *a, const char *dir);

/* `index add --warehouse`: the existing table and column comments of the
 * config's scope (mgen_wh_open_config), one document keyed "warehouse:"
 * + the masked connection. Prints and returns as cli_index_run. */
int cli_index_warehouse(struct mgen_rag *rag, cli_args *a);

int cmd_generate(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_harvest(int argc, char **argv);
/* `harvest --reviewed TSV` (cmd_harvest_review.c): the review's summary
 * printed and added to the run's manifest, the examples written to
 * args->cfg.out (`dspy`: the dspy.Example shape). Returns the exit
 * code. */
int cli_harvest_reviewed(cli_args *args, const char *tsv, int dspy);
int cmd_optimize(int argc, char **argv);

/* Takes `metagen optimize`'s optimizer settings (--seed, --k,
 * --max-bootstrapped-demos, --max-labeled-demos, --max-rounds,
 * --metric-threshold, --num-candidate-programs, --auto,
 * --minibatch-size, --full-eval-every) out of argv[0..*argc) into `o`
 * (other arguments kept in order, *argc updated, argv[*argc] = NULL).
 * Returns 0, or EXIT_USAGE after printing the flag and the bad value. */
int optimize_settings_take(int *argc, char **argv, mgen_optimize_options *o);
/* Prints the settings with DSPy's defaults (for --help). */
void optimize_settings_help(void);

/* optimize_merge.c: the comment examples `optimize` compiled from. */
typedef struct merge_sets {
	mgen_example *const *train;
	size_t ntrain;
	mgen_example *const *dev;
	size_t ndev;
} merge_sets;

/* The most LM calls optimize_merge makes: tracing every chunk of the
 * wide tables (more than `per` columns, with a gold table comment) of
 * both sets, plus mgen_optimize_estimate of `kind` for as many merge
 * examples (the valset: the wide dev tables, or the wide training tables
 * for a search optimizer without any). */
long long optimize_merge_bound(mgen_optimizer kind,
			       const mgen_optimize_options *oo,
			       mgen_example *const *train, size_t ntrain,
			       mgen_example *const *dev, size_t ndev,
			       size_t per);

/* Compiles the merge predictor (see optimize_merge.c's head) and
 * appends it to `prog` as "merge" (its defaults when there is nothing to
 * compile from); adds its LM calls to res->lm_calls_made and prints one
 * line about it. Returns 0 or the error of mgen_optimize (in `err`). */
int optimize_merge(mgen_optimizer kind, mgen_lm *lm,
		   const mgen_optimize_options *oo, const merge_sets *in,
		   size_t per, mgen_program *prog, mgen_optimize_result *res,
		   mgen_err *err);
int cmd_evaluate(int argc, char **argv);

/* `optimize` / `evaluate` with `--program ask` (cmd_optimize_ask.c). */
typedef struct cli_ask_args {
	const char *trainset, *devset, *out;
	const char *program; /* --ask-program (evaluate), NULL = defaults */
	const mgen_optimize_options *opts;
	int judge; /* --judge */
} cli_ask_args;
/* Compiles the ask program (x->trainset, x->devset, x->out) with `kind`
 * over the config's index; prints the bound first. Returns the exit
 * code. */
int cli_ask_optimize(cli_args *a, const cli_ask_args *x, mgen_optimizer kind,
		     mgen_lm *lm);
/* Scores the ask program (x->program) on x->devset: QA figures. */
int cli_ask_evaluate(cli_args *a, const cli_ask_args *x, mgen_lm *lm);
int cmd_sessions(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_ask(int argc, char **argv);

/* After `evaluate` scored `n` tables of `devset` (sc, in file order):
 * prints how many of the rejected comments of its lines (harvest
 * --reviewed's "rejected") each path repeats; nothing when it has none.
 * `optimized`: a program was evaluated. */
void cli_evaluate_negatives(const char *devset, const mgen_train_score *sc,
			    size_t n, int optimized);

#endif
