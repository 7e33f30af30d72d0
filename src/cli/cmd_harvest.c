/*
 * cmd_harvest.c - `metagen harvest`: writes the human comments already in
 * the warehouse as a gold data set (JSONL) for the optimizers
 * (include/metagen/harvest.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "metagen/harvest.h"

static void help(void)
{
	printf("usage: metagen harvest --connection CONN --out FILE.jsonl "
	       "[--scope GLOB,...] [options]\n"
	       "       metagen harvest --reviewed RUN/comments.tsv "
	       "--connection CONN --out FILE.jsonl\n\n"
	       "Writes one JSON line per table in scope that already has "
	       "comments\n(table or columns): {\"table\", \"table_comment\", "
	       "\"columns\", \"profile\"},\nthe gold data set the optimizers "
	       "train on. The profile (sample rows,\nstatistics) follows "
	       "sample_size, allow_data and the other profile keys.\n\n"
	       "--reviewed RUN/comments.tsv  after a reviewer edited the "
	       "run's TSV (and\n  it was applied): prints the acceptance "
	       "rate (unchanged / edited /\n  rejected, by path), adds it "
	       "to RUN/manifest.json as \"review\", and\n  writes the "
	       "reviewed tables: accepted and edited comments are the\n  "
	       "gold, rejected (blanked) ones go with the line as "
	       "\"rejected\".\n"
	       "--format metagen|dspy  the line's shape: metagen's (above) "
	       "or the\n  dspy.Example shape (the signature's field names "
	       "as keys).\n\n"
	       "options (config keys as flags):\n");
	cli_print_flags();
}

/* 0 metagen, 1 dspy, -1 after printing the problem. */
static int format_of(const char *f)
{
	if (f == NULL || strcmp(f, "metagen") == 0)
		return 0;
	if (strcmp(f, "dspy") == 0)
		return 1;
	fprintf(stderr, "metagen: --format: expected metagen or dspy\n");
	return -1;
}

static int harvest(cli_args *args, const char *reviewed, int dspy)
{
	mgen_harvest_result res;
	mgen_err err = MGEN_ERR_INIT;
	const char *out = args->cfg.out;
	int rc;

	if (out == NULL || strcmp(out, "out") == 0 || args->npositional) {
		fprintf(stderr, "metagen: harvest needs --out FILE.jsonl and "
				"no other arguments\n");
		return EXIT_USAGE;
	}
	if (reviewed)
		return cli_harvest_reviewed(args, reviewed, dspy);
	rc = mgen_harvest_format(&args->cfg, out, dspy, cli_log, &args->quiet,
				 &res, &err);
	if (rc != 0) {
		cli_say("%s", err.msg[0] ? err.msg : mgen_strerror(rc));
		return EXIT_USAGE;
	}
	printf("metagen: harvest: %zu table(s) in scope, %zu written with %zu "
	       "comment(s), %zu failed; %s\n",
	       res.tables, res.written, res.comments, res.failed, out);
	return res.failed ? EXIT_SOME_FAILED : EXIT_ALL_OK;
}

int cmd_harvest(int argc, char **argv)
{
	const char *reviewed = NULL, *format = NULL;
	const cli_local local[] = {{"--reviewed", NULL, &reviewed},
				   {"--format", NULL, &format},
				   {NULL, NULL, NULL}};
	cli_args args;
	int dspy, rc;

	rc = cli_parse_local(argc, argv, local, &args);
	dspy = format_of(format);
	if (rc == 0 && args.help)
		help();
	else if (rc == 0 && dspy < 0)
		rc = EXIT_USAGE;
	else if (rc == 0)
		rc = harvest(&args, reviewed, dspy);
	cli_args_release(&args);
	return rc;
}
