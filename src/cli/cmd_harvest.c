/*
 * cmd_harvest.c - `metagen harvest`: writes the human comments already in
 * the warehouse as a gold data set (JSONL) for the optimizers
 * (include/metagen/harvest.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "metagen/harvest.h"

static void help(void)
{
	printf("usage: metagen harvest --connection CONN --out FILE.jsonl "
	       "[--scope GLOB,...] [options]\n\n"
	       "Writes one JSON line per table in scope that already has "
	       "comments\n(table or columns): {\"table\", \"table_comment\", "
	       "\"columns\", \"profile\"},\nthe gold data set the optimizers "
	       "train on. The profile (sample rows,\nstatistics) follows "
	       "sample_size, allow_data and the other profile keys.\n\n"
	       "options (config keys as flags):\n");
	cli_print_flags();
}

int cmd_harvest(int argc, char **argv)
{
	cli_args args;
	mgen_harvest_result res;
	mgen_err err = MGEN_ERR_INIT;
	int rc = cli_parse(argc, argv, 2, &args);
	const char *out = args.cfg.out;

	if (rc != 0) {
		cli_args_release(&args);
		return rc;
	}
	if (args.help) {
		help();
		cli_args_release(&args);
		return 0;
	}
	if (out == NULL || strcmp(out, "out") == 0 || args.npositional) {
		fprintf(stderr, "metagen: harvest needs --out FILE.jsonl and "
				"no other arguments\n");
		cli_args_release(&args);
		return EXIT_USAGE;
	}
	rc = mgen_harvest(&args.cfg, out, cli_log, &args.quiet, &res, &err);
	if (rc != 0) {
		cli_say("%s", err.msg[0] ? err.msg : mgen_strerror(rc));
		cli_args_release(&args);
		return EXIT_USAGE;
	}
	printf("metagen: harvest: %zu table(s) in scope, %zu written with %zu "
	       "comment(s), %zu failed; %s\n",
	       res.tables, res.written, res.comments, res.failed, out);
	cli_args_release(&args);
	return res.failed ? EXIT_SOME_FAILED : EXIT_ALL_OK;
}
