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
		for (j = 0; j <= t->column_count; j++) {
			const mgen_proposal *p = j < t->column_count
						     ? &t->columns[j].proposal
						     : &t->proposal;
			if (p->status != MGEN_STATUS_FAILED &&
			    p->status != MGEN_STATUS_FALLBACK)
				continue;
			if (shown++ < 50)
				cli_say("%s: %s.%s%s%s: %s",
					p->status == MGEN_STATUS_FAILED
					    ? "failed"
					    : "offline fallback",
					t->schema ? t->schema : "", t->name,
					j < t->column_count ? "." : "",
					j < t->column_count ? t->columns[j].name
							    : "",
					p->reason ? p->reason : "no reason");
		}
	}
	if (shown > 50)
		fprintf(stderr,
			"metagen: ... and %zu more failures (see "
			"comments.tsv)\n",
			shown - 50);
}

/* "N thing" or "N things". */
static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Appends ", N what" (the first one without the comma) to `part` when
 * n > 0 and `line` + `part` stays within 80 columns. */
static void add_count(const char *line, char *part, size_t cap, size_t n,
		      const char *what)
{
	size_t len = strlen(part);
	char item[96];

	if (n == 0)
		return;
	snprintf(item, sizeof(item), "%s%zu %s",
		 part[len - 1] == ' ' ? "" : ", ", n, what);
	if (strlen(line) + len + strlen(item) <= 80)
		snprintf(part + len, cap - len, "%s", item);
}

/* Appends `part` only while the line stays within 80 columns. */
static void add_part(char *line, size_t cap, const char *part)
{
	if (strlen(line) + strlen(part) <= 80)
		snprintf(line + strlen(line), cap - strlen(line), "%s", part);
}

/*
 * One line of at most 80 columns, e.g. "26 tables (25 ok, 1 failed), 324
 * columns; 340 proposed, 10 failed; 27 LM calls, 3 cached; 9.2 s":
 * tables, columns, comments by status (failed and offline fallback
 * first; statuses with none left out), then LM calls and time, each as
 * long as it fits. Tokens, warehouse queries
 * and everything else are in the run's manifest.json; the folder is
 * named on stderr.
 */
static void print_summary(const mgen_run_result *res)
{
	char line[512], part[160], comments[256] = "; ";
	size_t n = strlen(comments);

	snprintf(line, sizeof(line),
		 "%zu %s (%zu ok, %zu failed), "
		 "%zu %s",
		 res->tables, plural(res->tables, "table", "tables"),
		 res->tables - res->tables_failed, res->tables_failed,
		 res->columns, plural(res->columns, "column", "columns"));
	/* what needs attention first, while it fits */
	add_count(line, comments, sizeof(comments), res->comments_failed,
		  "failed");
	add_count(line, comments, sizeof(comments), res->comments_fallback,
		  "from the offline fallback");
	add_count(line, comments, sizeof(comments), res->comments_applied,
		  "applied");
	add_count(line, comments, sizeof(comments), res->comments_proposed,
		  "proposed");
	add_count(line, comments, sizeof(comments), res->comments_kept, "kept");
	if (strlen(comments) == n &&
	    res->comments_failed + res->comments_fallback +
		    res->comments_applied + res->comments_proposed +
		    res->comments_kept ==
		0)
		snprintf(comments, sizeof(comments), "; no comments");
	add_part(line, sizeof(line), comments);
	snprintf(part, sizeof(part), "; %lld LM %s", res->lm_calls,
		 res->lm_calls == 1 ? "call" : "calls");
	if (res->cache_hits)
		snprintf(part + strlen(part), sizeof(part) - strlen(part),
			 ", %lld cached", res->cache_hits);
	add_part(line, sizeof(line), part);
	snprintf(part, sizeof(part), "; %.1f s", res->elapsed_ms / 1000.0);
	add_part(line, sizeof(line), part);
	printf("%s\n", line);
	if (res->run_dir)
		fprintf(stderr,
			"metagen: outputs in %s (details in "
			"manifest.json)\n",
			res->run_dir);
}

static void print_estimate(const mgen_run_result *res)
{
	printf("metagen: estimate: %zu %s, %zu %s; %lld LM %s, "
	       "~%lld prompt + ~%lld completion tokens (4 characters a "
	       "token); cost ~%.4f; %lu warehouse %s; no LM call made\n",
	       res->tables, plural(res->tables, "table", "tables"),
	       res->columns, plural(res->columns, "column", "columns"),
	       res->estimate_lm_calls,
	       res->estimate_lm_calls == 1 ? "call" : "calls",
	       res->estimate_prompt_tokens, res->estimate_completion_tokens,
	       res->estimate_cost, res->warehouse_queries,
	       res->warehouse_queries == 1 ? "query" : "queries");
}

static int exit_code(int rc)
{
	switch (rc) {
	case MGEN_OK:
		return EXIT_ALL_OK;
	case MGEN_EVALIDATE:
	case MGEN_ELIMIT:
		return EXIT_SOME_FAILED;
	default:
		return EXIT_USAGE;
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
		cli_say("%s", err.msg[0] ? err.msg : mgen_strerror(rc));
	if (res.tables || rc == 0 || rc == MGEN_EVALIDATE)
		print_summary(&res);
	mgen_run_result_release(&res);
	cli_args_release(&args);
	return exit_code(rc);
}
