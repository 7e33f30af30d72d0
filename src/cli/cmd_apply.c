/*
 * cmd_apply.c - `metagen apply FILE`: applies a reviewed comments.tsv.
 * Existing comments are kept unless --overwrite; --dry-run prints the DDL
 * and changes nothing.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "metagen/output.h"
#include "metagen/warehouse.h"

static void help(void)
{
	printf("usage: metagen apply FILE [options]\n\n"
	       "Applies the proposed comments of FILE (a comments.tsv from a "
	       "run, possibly\nedited by a reviewer: blank a proposed_comment "
	       "to skip it) to the warehouse\ngiven by --connection. Each "
	       "table is applied in one transaction where the\ndialect has "
	       "them. An existing comment is kept unless --overwrite.\n\n"
	       "options:\n"
	       "  --connection STR   ODBC connection string or DSN=name\n"
	       "  --dialect D        auto|sqlite|postgresql|databricks|...\n"
	       "  --overwrite        replace existing comments\n"
	       "  --dry-run          print the DDL, change nothing\n"
	       "  --apply-offline    also apply rows of status fallback (the "
	       "offline\n                     describer's, where the LM could "
	       "not answer)\n"
	       "  --config FILE      YAML config (connection, dialect)\n");
}

static int apply_file(cli_args *args, const char *path)
{
	mgen_apply_options ao = MGEN_APPLY_OPTIONS_INIT;
	mgen_apply_summary sum;
	mgen_table_list tables;
	mgen_buf ddl = MGEN_BUF_INIT;
	mgen_err err = MGEN_ERR_INIT;
	mgen_wh *wh = NULL;
	int rc;

	memset(&tables, 0, sizeof(tables));
	memset(&sum, 0, sizeof(sum));
	rc = mgen_output_read_tsv(path, &tables, &err);
	if (rc == 0)
		rc = mgen_wh_open_config(&args->cfg, &wh, &err);
	if (rc) {
		cli_say("%s", err.msg);
		mgen_table_list_release(&tables);
		return EXIT_USAGE;
	}
	ao.overwrite = args->cfg.overwrite;
	ao.dry_run = args->cfg.dry_run;
	ao.apply_offline = args->cfg.apply_offline;
	ao.log = cli_log;
	ao.log_userdata = &args->quiet;
	rc = mgen_apply(wh, tables.items, tables.n, &ao, &ddl, &sum, &err);
	if (args->cfg.dry_run)
		cli_put_safe(stdout, mgen_buf_str(&ddl));
	if (rc)
		cli_say("%s", err.msg[0] ? err.msg : mgen_strerror(rc));
	printf("metagen: %s%zu comments applied, %zu kept (existing), "
	       "%zu skipped, %zu table(s) failed\n",
	       args->cfg.dry_run ? "dry run: " : "", sum.applied, sum.kept,
	       sum.skipped, sum.failed_tables);
	mgen_buf_release(&ddl);
	mgen_wh_close(wh);
	mgen_table_list_release(&tables);
	if (rc == MGEN_EDB || sum.failed_tables)
		return EXIT_SOME_FAILED;
	return rc ? EXIT_USAGE : EXIT_ALL_OK;
}

int cmd_apply(int argc, char **argv)
{
	cli_args args;
	int rc = cli_parse(argc, argv, 2, &args);

	if (rc == 0 && args.help) {
		help();
	} else if (rc == 0 && args.npositional != 1) {
		fprintf(stderr, "metagen: apply needs one FILE (a "
				"comments.tsv)\n");
		rc = EXIT_USAGE;
	} else if (rc == 0) {
		rc = apply_file(&args, args.positional[0]);
	}
	cli_args_release(&args);
	return rc;
}
