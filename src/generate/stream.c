/*
 * stream.c - what keeps a run's memory at the tables in flight rather than
 * the whole scope: columns are read a window of tables at a time, and
 * finished tables are written to the run files in listing order as soon
 * as every table before them is finished, then slimmed to their names.
 */
#include <stdlib.h>

#include "generate/checkpoint.h"
#include "generate/generate_internal.h"

int mgen__load_window(mgen__run *run, mgen_wh *wh, mgen_table_list *tables,
		      size_t w)
{
	mgen_table *ptrs[MGEN__WINDOW];
	size_t i, k = 0, end = (w + 1) * MGEN__WINDOW;

	if (end > tables->n)
		end = tables->n;
	for (i = w * MGEN__WINDOW; i < end; i++)
		if (!(run->tstate[i] & MGEN__T_DONE) &&
		    tables->items[i].column_count == 0)
			ptrs[k++] = &tables->items[i];
	return mgen_wh_load_columns(wh, ptrs, k, &run->listing);
}

void mgen__tally_table(mgen_run_result *res, const mgen_table *t)
{
	size_t j;
	int failed = 0, fallback = 0;

	for (j = 0; j <= t->column_count; j++) {
		const mgen_proposal *p = j < t->column_count
					     ? &t->columns[j].proposal
					     : &t->proposal;
		switch (p->status) {
		case MGEN_STATUS_PROPOSED:
			res->comments_proposed++;
			break;
		case MGEN_STATUS_APPLIED:
			res->comments_applied++;
			break;
		case MGEN_STATUS_KEPT:
			res->comments_kept++;
			break;
		case MGEN_STATUS_FALLBACK:
			res->comments_fallback++;
			fallback = 1;
			break;
		case MGEN_STATUS_FAILED:
			res->comments_failed++;
			failed = 1;
			break;
		default:
			break;
		}
	}
	res->tables++;
	res->tables_failed += (size_t)failed;
	res->tables_fallback += (size_t)fallback;
	res->columns += t->column_count;
	res->prompt_tokens += t->prompt_tokens;
	res->completion_tokens += t->completion_tokens;
	res->lm_calls += t->lm_calls;
}

/* 1 when any proposal of `t` FAILED. */
static int has_failure(const mgen_table *t)
{
	size_t j;

	if (t->proposal.status == MGEN_STATUS_FAILED)
		return 1;
	for (j = 0; j < t->column_count; j++)
		if (t->columns[j].proposal.status == MGEN_STATUS_FAILED)
			return 1;
	return 0;
}

/* Frees what the run files now hold: columns, comment texts. The names,
 * the table's path and status and its usage stay. */
static void slim(mgen_table *t)
{
	mgen_table_clear_columns(t);
	free(t->existing_comment);
	free(t->proposal.comment);
	free(t->proposal.reason);
	t->existing_comment = t->proposal.comment = t->proposal.reason = NULL;
}

int mgen__write_ready(mgen__run *run, mgen_table_list *tables, mgen_err *err)
{
	int rc = 0;

	while (rc == 0 && run->written < tables->n) {
		size_t i = run->written;
		mgen_table *t = &tables->items[i];
		unsigned char st = run->tstate[i];

		if (!(st & (MGEN__T_DONE | MGEN__T_SETTLED)))
			break;
		if ((st & MGEN__T_DONE) && !(st & MGEN__T_SETTLED)) {
			rc = mgen__checkpoint_load(run->ckpt_in,
						   run->ckpt_off[i], t);
			if (rc) {
				mgen_err_set(err, rc,
					     "cannot read %s back from the "
					     "checkpoint: %s",
					     t->name, mgen_strerror(rc));
				break;
			}
			run->tstate[i] |= MGEN__T_SETTLED;
		}
		if (run->out)
			rc = mgen_output_stream_add(run->out, t, 1, err);
		if (rc)
			break;
		mgen__tally_table(run->res, t);
		if (!run->keep && !has_failure(t))
			slim(t);
		run->tstate[i] |= MGEN__T_WRITTEN;
		run->written++;
	}
	return rc;
}
