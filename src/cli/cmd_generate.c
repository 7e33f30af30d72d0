/*
 * cmd_generate.c - `metagen generate`: the main job. Prints progress on
 * stderr, the failed objects with their reasons, and a summary line on
 * stdout; exit 0 / 1 (some tables failed) / 2 (usage, config, connection
 * or authentication error).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void help(void)
{
	printf("usage: metagen generate [options]\n\n"
	       "Profiles every table in scope, asks the LM for table and "
	       "column comments\n(or the offline describer with --model "
	       "offline), checks each answer against\nthe columns asked "
	       "about, and writes out/<run-id>/ (comments.sql, comments.tsv,"
	       "\ncomments.json, dictionary.md, manifest.json, "
	       "traces.jsonl).\n\noptions (each also a config key and a "
	       "METAGEN_* variable):\n"
	       "  --config FILE                  YAML config file "
	       "(METAGEN_CONFIG)\n"
	       "  --quiet                        no progress output\n");
	cli_print_flags();
	printf("\nexit status: 0 every table succeeded, 1 some failed (each "
	       "named), 2 usage,\nconfig, connection or authentication "
	       "error.\n");
}

/* Lists each failed object and its reason on stderr. */
static void print_failures(const mgen_run_result *res)
{
	size_t i, j, shown = 0;

	for (i = 0; i < res->results.n; i++) {
		const mgen_table *t = &res->results.items[i];
		for (j = 0; j <= t->ncolumns; j++) {
			const mgen_proposal *p = j < t->ncolumns
							 ? &t->columns[j].proposal
							 : &t->proposal;
			if (p->status != MGEN_STATUS_FAILED)
				continue;
			if (shown++ < 50)
				cli_say("failed: %s.%s%s%s: %s",
					t->schema ? t->schema : "", t->name,
					j < t->ncolumns ? "." : "",
					j < t->ncolumns ? t->columns[j].name : "",
					p->reason ? p->reason : "no reason");
		}
	}
	if (shown > 50)
		fprintf(stderr, "metagen: ... and %zu more failures (see "
			"comments.tsv)\n", shown - 50);
}

static void print_summary(const mgen_run_result *res)
{
	printf("metagen: %zu tables (%zu ok, %zu failed), %zu columns; "
	       "comments: %zu proposed, %zu applied, %zu kept, %zu failed; "
	       "%lld LM calls (%lld answers from the cache), %lld prompt + "
	       "%lld completion tokens; "
	       "%lu warehouse queries; %.1f s; %s\n",
	       res->tables, res->tables - res->tables_failed,
	       res->tables_failed, res->columns, res->comments_proposed,
	       res->comments_applied, res->comments_kept,
	       res->comments_failed, res->lm_calls, res->cache_hits,
	       res->prompt_tokens,
	       res->completion_tokens, res->warehouse_queries,
	       res->elapsed_ms / 1000.0, res->run_dir ? res->run_dir : "");
}

static void print_estimate(const mgen_run_result *res)
{
	printf("metagen: estimate: %zu tables, %zu columns; %lld LM calls, "
	       "~%lld prompt + ~%lld completion tokens (4 characters a "
	       "token); cost ~%.4f; %lu warehouse queries; no LM call made\n",
	       res->tables, res->columns, res->estimate_lm_calls,
	       res->estimate_prompt_tokens, res->estimate_completion_tokens,
	       res->estimate_cost, res->warehouse_queries);
}

static int exit_code(int rc)
{
	switch (rc) {
	case MGEN_OK: return EXIT_ALL_OK;
	case MGEN_EVALIDATE:
	case MGEN_ELIMIT: return EXIT_SOME_FAILED;
	default: return EXIT_USAGE;
	}
}

int cmd_generate(int argc, char **argv)
{
	mgen_generate_options go;
	mgen_run_result res;
	mgen_err err = MGEN_ERR_INIT;
	cli_args args;
	int rc;

	rc = cli_parse(argc, argv, 2, &args);
	if (rc == 0 && args.help) {
		help();
		cli_args_release(&args);
		return 0;
	}
	if (rc == 0 && args.npositional) {
		fprintf(stderr, "metagen: generate takes no argument '%s'\n",
			args.positional[0]);
		rc = EXIT_USAGE;
	}
	if (rc) {
		cli_args_release(&args);
		return rc;
	}
	memset(&go, 0, sizeof(go));
	go.version = MGEN_GENERATE_OPTIONS_VERSION;
	go.cfg = &args.cfg;
	go.log = cli_log;
	go.log_userdata = &args.quiet;
	if (args.cfg.progress) {
		go.progress = cli_progress;
		go.progress_userdata = &args.quiet;
	}
	rc = mgen_generate(&go, &res, &err);
	if (rc == 0 && args.cfg.estimate) {
		print_estimate(&res);
		mgen_run_result_release(&res);
		cli_args_release(&args);
		return EXIT_ALL_OK;
	}
	if (res.dry_run_ddl)
		cli_put_safe(stdout, res.dry_run_ddl);
	if (!res.budget_stopped)
		print_failures(&res);
	if (rc != 0 && rc != MGEN_EVALIDATE)
		cli_say("%s",
			err.msg[0] ? err.msg : mgen_strerror(rc));
	if (res.tables || rc == 0 || rc == MGEN_EVALIDATE)
		print_summary(&res);
	mgen_run_result_release(&res);
	cli_args_release(&args);
	return exit_code(rc);
}
