/*
 * commenter.c - the per-table comment path outside a run
 * (include/metagen/commenter.h), and the step after profiling that
 * generate's workers share with it (mgen__comment_profiled): one run
 * context (generate_internal.h) opened like generate's, kept for the
 * commenter's life, and the same functions on each table.
 */
#include <stdlib.h>
#include <string.h>

#include "generate/generate_internal.h"
#include "metagen/commenter.h"
#include "warehouse/untrusted.h"
#include "util/util.h"

struct mgen_commenter {
	mgen__run run;
	mgen_generate_options gopts; /* run.opts: the log callback */
	mgen_dialect dialect;
	int locks; /* mutexes initialised */
};

/* Adds the profile note (statistics the engine refused) to the table's
 * reason, after any reason generation gave. */
static void note_profile(mgen_table *t)
{
	char *r = mgen__join_reason(t->proposal.reason, t->profile_note);

	if (r == NULL)
		return; /* out of memory: the reason stays as it was */
	free(t->proposal.reason);
	t->proposal.reason = r;
}

int mgen__comment_profiled(mgen__run *run, mgen_table *t, mgen_dialect d)
{
	int rc = mgen__table_comments(run, t);

	/* names and types only: the reason says why */
	if (rc == 0 && t->unreadable && t->proposal.reason == NULL &&
	    t->proposal.status != MGEN_STATUS_NONE)
		rc = mgen_proposal_set(
		    &t->proposal, t->proposal.comment, t->proposal.path,
		    t->proposal.status,
		    "not profiled: the materialized view holds no data "
		    "(never refreshed); described from names and types");
	if (rc == 0 && t->profile_note)
		note_profile(t);
	/* within the target's comment limits and character set, the
	 * reason saying what was changed */
	if (rc == 0)
		rc = mgen_dialect_fit_table(d, t);
	return rc;
}

void mgen_commenter_close(mgen_commenter *c)
{
	if (c == NULL)
		return;
	mgen_prompt_set_free(c->run.prompts);
	mgen_comment_program_free(c->run.program);
	mgen_lm_free(c->run.lm);
	mgen_rag_close(c->run.rag);
	if (c->locks) {
		pthread_mutex_destroy(&c->run.lock);
		pthread_mutex_destroy(&c->run.rag_lock);
	}
	free(c);
}

int mgen_commenter_open(const mgen_config *cfg, int preflight, mgen_log_fn log,
			void *log_userdata, mgen_commenter **out, mgen_err *err)
{
	mgen_commenter *c = calloc(1, sizeof(*c));
	int rc = 0;

	*out = NULL;
	if (c == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	c->gopts.version = MGEN_GENERATE_OPTIONS_VERSION;
	c->gopts.cfg = cfg;
	c->gopts.log = log;
	c->gopts.log_userdata = log_userdata;
	c->run.cfg = cfg;
	c->run.opts = &c->gopts;
	snprintf(c->run.run_id, sizeof(c->run.run_id), "serve");
	if (pthread_mutex_init(&c->run.lock, NULL) != 0 ||
	    pthread_mutex_init(&c->run.rag_lock, NULL) != 0) {
		free(c);
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	c->locks = 1;
	if (cfg->dialect && mgen_dialect_parse(cfg->dialect, &c->dialect) != 0)
		rc = mgen_err_set(err, MGEN_ECONFIG, "unknown dialect '%s'",
				  cfg->dialect);
	if (rc == 0)
		rc = mgen__open_lm(&c->run, preflight, err);
	/* tell the LM what the target keeps, as generate does */
	c->run.popts.comment_limits =
	    mgen_dialect_limits_of(c->dialect)->prompt;
	if (rc != 0) {
		mgen_commenter_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

int mgen_commenter_table(mgen_commenter *c, mgen_table *t)
{
	char reason[600];
	int rc = mgen__untrusted_names(t, reason, sizeof(reason));

	if (rc == -1 || mgen__untrusted_profile(t) != 0) {
		rc = MGEN_ENOMEM;
	} else if (rc == 1) { /* not under a name that is not its own */
		mgen__fail_unset(t, reason);
		rc = 0;
	} else {
		rc = mgen__comment_profiled(&c->run, t, c->dialect);
	}
	/* e.g. a MySQL view: the rows say why (no target dialect: no
	 * target to refuse them) */
	if (rc == 0 && c->dialect != MGEN_DIALECT_AUTO)
		rc = mgen__mark_uncommentable(c->dialect, t);
	mgen_table_clear_sample(t); /* sample rows are not kept */
	return rc;
}

mgen_profile_options mgen_commenter_profile_options(const mgen_commenter *c)
{
	return mgen_profile_options_from_config(c->run.cfg);
}

mgen_dialect mgen_commenter_dialect(const mgen_commenter *c)
{
	return c->dialect;
}

int mgen_commenter_offline(const mgen_commenter *c)
{
	return c->run.lm == NULL;
}
