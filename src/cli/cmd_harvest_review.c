/*
 * cmd_harvest_review.c - `metagen harvest --reviewed RUN/comments.tsv`:
 * the acceptance rate of a reviewed run (printed and added to the run's
 * manifest.json) and its reviewed comments as gold examples
 * (include/metagen/review.h).
 */
#include <stdio.h>

#include "cli.h"
#include "metagen/review.h"

/* Prints what the harvest did; returns the exit code. */
static int report(const mgen_review_harvest_result *h, const char *out)
{
	printf("metagen: harvest --reviewed: %zu table(s) reviewed, %zu "
	       "written with %zu gold comment(s) and %zu rejected "
	       "(negatives), %zu with only rejected comments (no line), "
	       "%zu failed; %s\n",
	       h->harvest.tables, h->harvest.written, h->harvest.comments,
	       h->negatives, h->only_rejected, h->harvest.failed, out);
	if (h->not_applied)
		cli_say("warning: %zu reviewed comment(s) are not in the "
			"warehouse (run metagen apply first, or apply kept "
			"an existing comment); they are gold all the same",
			h->not_applied);
	if (h->not_found)
		cli_say("warning: %zu reviewed table(s) or column(s) are not "
			"in the warehouse and were left out",
			h->not_found);
	return h->harvest.failed || h->not_found ? EXIT_SOME_FAILED
						 : EXIT_ALL_OK;
}

int cli_harvest_reviewed(cli_args *args, const char *tsv, int dspy)
{
	mgen_review_harvest_result h;
	mgen_err err = MGEN_ERR_INIT;
	mgen_review *r = NULL;
	mgen_buf line = MGEN_BUF_INIT;
	int rc = mgen_review_read(tsv, 0, &r, &err);

	if (rc == 0 && mgen_review_summary(r, &line) != 0)
		rc = mgen_err_set(&err, MGEN_ENOMEM, "out of memory");
	if (rc == 0) {
		printf("metagen: review of ");
		cli_put_safe(stdout, tsv);
		printf(": %s\n", mgen_buf_str(&line));
		rc = mgen_review_manifest(r, 0, &err);
	}
	if (rc == 0)
		rc = mgen_review_harvest(&args->cfg, r, args->cfg.out, dspy,
					 cli_log, &args->quiet, &h, &err);
	if (rc != 0)
		cli_say("%s", err.msg[0] ? err.msg : mgen_strerror(rc));
	else
		rc = report(&h, args->cfg.out);
	mgen_buf_release(&line);
	mgen_review_free(r);
	return rc < 0 ? EXIT_USAGE : rc;
}
