/*
 * table.c - one table's comments: the route (optimized -> legacy ->
 * offline, DESIGN.md "fallback"), and per path the chunks of columns,
 * render, ask, parse, align BY NAME, re-ask for what is still missing,
 * merge the chunk table descriptions. The optimized path's own attempt
 * (DSPy adapters) is in route.c.
 */
#include <stdlib.h>
#include <string.h>

#include "generate/generate_internal.h"
#include "generate/privacy.h"
#include "warehouse/untrusted.h"
#include "metagen/answer.h"
#include "util/text.h"
#include "util/util.h"

/* The start of the reason of a comment refused for repeating a value. */
#define REPEAT_PREFIX                                                          \
	"comment repeats a value shown to the LM verbatim "                    \
	"(allow_data_in_comments is false): "
/* The note for a comment whose LM text held invalid UTF-8. */
#define MGEN__LM_UTF8_NOTE "invalid UTF-8 in the answer replaced with U+FFFD"

/* Reason text for a kept existing comment. */
static const char kept_reason[] =
    "existing comment kept (use --overwrite to replace)";

/* Sets a proposal from a new comment, honouring existing comments;
 * `reason` (may be NULL) is recorded, else why a comment was kept.
 * Invalid UTF-8 left in the comment is replaced with U+FFFD; a U+FFFD in
 * the comment (the LM's text was mended where it entered, lm.c and
 * answer.c), or `fixed` (the object's warehouse text was mended), adds
 * a note to the reason. */
static int propose(const mgen__run *run, mgen_proposal *p, const char *existing,
		   const char *comment, mgen_path path, const char *reason,
		   unsigned fixed)
{
	int keep = existing && existing[0] && !run->cfg->overwrite;
	const char *why = reason ? reason : keep ? kept_reason : NULL;
	char *c = mgen__strdup(comment), *joined = NULL;
	size_t bad = mgen__utf8_fix(&c);
	int rc;

	if ((comment && c == NULL) || bad == (size_t)-1) {
		free(c);
		return MGEN_ENOMEM;
	}
	if (!fixed && strstr(c ? c : "", "\xEF\xBF\xBD") != NULL)
		bad = 1; /* mended where the LM's text entered (lm.c) */
	if (bad > 0 || fixed) {
		joined = mgen__join_reason(why, fixed ? MGEN__UTF8_NOTE
						      : MGEN__LM_UTF8_NOTE);
		if (joined == NULL) {
			free(c);
			return MGEN_ENOMEM;
		}
		why = joined;
	}
	rc = mgen_proposal_set(
	    p, c, path, keep ? MGEN_STATUS_KEPT : MGEN_STATUS_PROPOSED, why);
	free(c);
	free(joined);
	return rc;
}

/* 1 when proposed comments must not repeat the values the prompt
 * showed: allow_data_in_comments is false and values were read. */
static int guard_values(const mgen__run *run)
{
	return !run->cfg->allow_data_in_comments && run->cfg->allow_data;
}

/* Fails `p` when `comment` repeats a value of the columns cols[0..n)
 * (NULL: all) under guard_values; returns 1 then (0 when it does not,
 * MGEN_ENOMEM on out of memory). */
static int refuse_repeat(const mgen__run *run, const mgen_table *t,
			 const size_t *cols, size_t n, const char *comment,
			 mgen_proposal *p, mgen_path path)
{
	char why[300], reason[400];

	if (!guard_values(run) ||
	    !mgen__repeats_value(t, cols, n, comment, why, sizeof(why)))
		return 0;
	snprintf(reason, sizeof(reason), "%s%s", REPEAT_PREFIX, why);
	return mgen_proposal_set(p, NULL, path, MGEN_STATUS_FAILED, reason)
		   ? MGEN_ENOMEM
		   : 1;
}

/* Offline describer comments for every object of `t` still without a
 * status: the whole table in offline mode (PROPOSED), or what the LM
 * could not answer (then `reason` says why, and the new comments are
 * FALLBACK: applied only with apply_offline). Existing comments are KEPT
 * as everywhere else. */
static int describe_offline(mgen__run *run, mgen_table *t, const char *reason)
{
	char *tc = NULL, **cc = calloc(t->column_count + 1, sizeof(*cc));
	size_t i;
	int rc;

	if (cc == NULL)
		return MGEN_ENOMEM;
	rc = mgen_offline_describe(
	    t, &run->cfg->abbreviations,
	    run->cfg->allow_data && run->cfg->allow_data_in_comments, &tc, cc);
	if (rc == 0 && t->proposal.status == MGEN_STATUS_NONE &&
	    (rc = refuse_repeat(run, t, NULL, 0, tc, &t->proposal,
				MGEN_PATH_OFFLINE)) == 0)
		rc = propose(run, &t->proposal, t->existing_comment, tc,
			     MGEN_PATH_OFFLINE, reason, t->text_fixed);
	if (reason && t->proposal.status == MGEN_STATUS_PROPOSED &&
	    t->proposal.path == MGEN_PATH_OFFLINE)
		t->proposal.status = MGEN_STATUS_FALLBACK;
	for (i = 0; rc >= 0 && i < t->column_count; i++) {
		mgen_column *c = &t->columns[i];
		if (c->proposal.status != MGEN_STATUS_NONE)
			continue;
		rc = refuse_repeat(run, t, &i, 1, cc[i], &c->proposal,
				   MGEN_PATH_OFFLINE);
		if (rc == 0)
			rc = propose(run, &c->proposal, c->existing_comment,
				     cc[i], MGEN_PATH_OFFLINE, reason,
				     c->text_fixed);
		if (rc == 0 && reason &&
		    c->proposal.status == MGEN_STATUS_PROPOSED)
			c->proposal.status = MGEN_STATUS_FALLBACK;
	}
	rc = rc < 0 ? MGEN_ENOMEM : 0;
	for (i = 0; i < t->column_count; i++)
		free(cc[i]);
	free(cc);
	free(tc);
	return rc;
}

/* Records `why` as column `ci`'s own cause in cs->col_why (kept NULL,
 * so cs->reason is used, when out of memory). */
static void col_why(mgen__chunk *cs, size_t ci, const char *why)
{
	if (cs->col_why == NULL)
		return;
	free(cs->col_why[ci]);
	cs->col_why[ci] = mgen__strdup(why);
}

/* Keeps column `ci` pending when its comment repeats a value the prompt
 * showed (columns shown[0..nshown)); the reason goes to cs->reason and
 * to the column's own cause. */
static int repeats(const mgen__run *run, const mgen_table *t, mgen__chunk *cs,
		   const size_t *shown, size_t nshown, size_t ci,
		   const char *comment, const char *fullname)
{
	char why[300], full[400];

	if (!guard_values(run) ||
	    !mgen__repeats_value(t, shown, nshown, comment, why, sizeof(why)))
		return 0;
	snprintf(cs->reason, sizeof(cs->reason), "%s.%s: %s%s", fullname,
		 t->columns[ci].name, REPEAT_PREFIX, why);
	snprintf(full, sizeof(full), "%s%s", REPEAT_PREFIX, why);
	col_why(cs, ci, full);
	return 1;
}

int mgen__take_answer(mgen__run *run, mgen_table *t, mgen__chunk *cs,
		      const mgen_answer *a, const char *fullname)
{
	const char **names = calloc(cs->npending + 1, sizeof(*names));
	size_t *shown = calloc(cs->npending + 1, sizeof(*shown));
	size_t i, kept = 0, nshown = cs->npending;
	mgen_alignment al;
	mgen_err e = MGEN_ERR_INIT;
	int rc = 0;

	if (names == NULL || shown == NULL) {
		rc = MGEN_ENOMEM;
		goto done;
	}
	for (i = 0; i < cs->npending; i++) {
		names[i] = t->columns[cs->pending[i]].name;
		shown[i] = cs->pending[i];
	}
	memset(&al, 0, sizeof(al));
	rc = mgen_answer_align(a, fullname, names, cs->npending, &al, &e);
	if (rc == MGEN_ENOMEM)
		goto done;
	if (rc != 0)
		snprintf(cs->reason, sizeof(cs->reason), "%s", e.msg);
	for (i = 0, rc = 0; i < cs->npending && rc == 0; i++) {
		mgen_column *c = &t->columns[cs->pending[i]];
		if (al.comments[i] == NULL) {
			col_why(cs, cs->pending[i],
				al.problems && al.problems[i]
				    ? al.problems[i]
				    : "not in the answer");
			cs->pending[kept++] = cs->pending[i];
			continue;
		}
		if (repeats(run, t, cs, shown, nshown, cs->pending[i],
			    al.comments[i], fullname)) {
			cs->pending[kept++] = cs->pending[i];
			continue;
		}
		rc = propose(run, &c->proposal, c->existing_comment,
			     al.comments[i], cs->path, NULL, c->text_fixed);
	}
	if (rc == 0)
		cs->npending = kept;
	if (rc == 0 && cs->table_comment == NULL && a->table_comment &&
	    a->table_comment[0]) {
		if (guard_values(run) &&
		    mgen__repeats_value(t, shown, nshown, a->table_comment,
					cs->table_reason,
					sizeof(cs->table_reason)))
			goto release;
		cs->table_comment = mgen__strdup(a->table_comment);
		if (cs->table_comment == NULL)
			rc = MGEN_ENOMEM;
	}
release:
	mgen_alignment_release(&al);
done:
	free(names);
	free(shown);
	return rc;
}

/* The last attempt failed as a whole (LM error, unparsable answer):
 * cs->reason is every pending column's cause, and the table's. */
static void whole_attempt_failed(const mgen_table *t, mgen__chunk *cs)
{
	size_t i;

	snprintf(cs->cause, sizeof(cs->cause), "%s", cs->reason);
	for (i = 0; cs->col_why && i < t->column_count; i++) {
		free(cs->col_why[i]);
		cs->col_why[i] = NULL;
	}
}

/* One legacy attempt for the pending columns of `cs` (see
 * mgen__opt_attempt for the contract). */
static int legacy_attempt(mgen__run *run, mgen_table *t, const char *fullname,
			  mgen__chunk *cs, int chunk, int attempt, int *stop)
{
	mgen_chat chat;
	mgen_lm_response resp;
	mgen_answer a;
	mgen_err e = MGEN_ERR_INIT;
	size_t before = cs->npending;
	int rc, truncated;

	memset(&chat, 0, sizeof(chat));
	memset(&resp, 0, sizeof(resp));
	memset(&a, 0, sizeof(a));
	rc = mgen_prompt_render_comment(run->prompts, t, cs->pending,
					cs->npending, cs->popts, &chat, &e);
	if (rc != 0) {
		snprintf(cs->reason, sizeof(cs->reason), "%s", e.msg);
		*stop = 1;
		return rc == MGEN_ENOMEM ? rc : 0;
	}
	rc = mgen__ask(run, t, fullname, "comment", "legacy", chunk, attempt,
		       &chat, cs->context_trace, &resp, &e);
	if (rc != 0) {
		mgen_chat_release(&chat);
		snprintf(cs->reason, sizeof(cs->reason), "%s", e.msg);
		whole_attempt_failed(t, cs);
		mgen_lm_response_release(&resp);
		*stop = 1;
		if (rc == MGEN_ELIMIT)
			return rc; /* budget: the table stays unfinished */
		cs->lm_error = 1;
		return (rc == MGEN_EAUTH || rc == MGEN_ENOMEM) ? rc : 0;
	}
	truncated =
	    resp.finish_reason && strcmp(resp.finish_reason, "length") == 0;
	rc = mgen_answer_parse_capped(
	    resp.content ? resp.content : "", truncated,
	    mgen_answer_entry_cap(cs->npending), &a, &e);
	mgen_lm_response_release(&resp);
	if (rc == 0)
		rc = mgen__take_answer(run, t, cs, &a, fullname);
	else if (rc != MGEN_ENOMEM) {
		snprintf(cs->reason, sizeof(cs->reason),
			 "answer did not parse: %s", e.msg);
		whole_attempt_failed(t, cs);
		rc = 0;
	}
	mgen_answer_release(&a);
	/* a useless answer must not come back from the cache for the
	 * identical re-ask, nor on a re-run */
	if (rc == 0 && cs->npending == before)
		mgen_lm_cache_drop(run->lm, chat.msgs, chat.n, NULL, &e);
	mgen_chat_release(&chat);
	return rc;
}

/* Asks for the columns of one chunk until all have comments or the
 * re-asks run out. On the legacy path failed columns get the last
 * reason; on the optimized path they are left unset for the legacy
 * path to take over. */
static int ask_chunk(mgen__run *run, mgen_table *t, const char *fullname,
		     mgen__chunk *cs, int chunk)
{
	int attempt, rc = 0, stop = 0, tries = run->cfg->parse_retries + 1;
	int opt = cs->path == MGEN_PATH_OPTIMIZED;
	size_t i;

	for (attempt = 1; attempt <= tries && cs->npending && !stop;
	     attempt++) {
		rc = opt ? mgen__opt_attempt(run, t, fullname, cs, chunk,
					     attempt, &stop)
			 : legacy_attempt(run, t, fullname, cs, chunk, attempt,
					  &stop);
		if (rc)
			return rc;
		if (cs->npending && !stop)
			mgen__log(run, MGEN_LOG_WARN,
				  "%s: %s attempt %d left %zu column(s) "
				  "without a comment: %s",
				  fullname, opt ? "optimized" : "legacy",
				  attempt, cs->npending, cs->reason);
	}
	/* left unset when the legacy path or the offline describer will
	 * take them over */
	if (opt || (cs->lm_error && run->cfg->offline_fallback))
		return rc;
	for (i = 0; rc == 0 && i < cs->npending; i++) {
		size_t k = cs->pending[i];
		mgen_buf b = MGEN_BUF_INIT;
		mgen_buf_printf(&b, "column \"%s\": %s", t->columns[k].name,
				cs->col_why && cs->col_why[k] ? cs->col_why[k]
							      : cs->reason);
		rc = mgen_buf_error(&b)
			 ? MGEN_ENOMEM
			 : mgen_proposal_set(
			       &t->columns[k].proposal, NULL, MGEN_PATH_LEGACY,
			       MGEN_STATUS_FAILED, mgen_buf_str(&b));
		mgen_buf_release(&b);
	}
	return rc;
}

/* The last fallback: offline comments for every object the LM could not
 * answer, with the LM's error as the reason. */
static int fallback_offline(mgen__run *run, mgen_table *t, const char *why)
{
	char reason[700];

	snprintf(reason, sizeof(reason),
		 "LM could not answer (%s); offline describer used", why);
	return describe_offline(run, t, reason);
}

/* Merges chunk descriptions into one table comment with one more call
 * of the legacy merge template, traced on path `path`. `why` (may be
 * NULL) gets the problem when no merged text came back. */
static int legacy_merge(mgen__run *run, mgen_table *t, const char *fullname,
			mgen_path path, char **parts, size_t nparts, char **out,
			char *why, size_t whysz)
{
	mgen_chat chat;
	mgen_lm_response resp;
	mgen_answer a;
	mgen_err e = MGEN_ERR_INIT;
	int rc;

	*out = NULL;
	memset(&chat, 0, sizeof(chat));
	memset(&resp, 0, sizeof(resp));
	memset(&a, 0, sizeof(a));
	rc = mgen_prompt_render_merge(run->prompts, t,
				      (const char *const *)parts, nparts,
				      &run->popts, &chat, &e);
	if (rc == 0)
		rc = mgen__ask(run, t, fullname, "merge", mgen_path_name(path),
			       0, 1, &chat, NULL, &resp, &e);
	if (rc == MGEN_ELIMIT) {
		mgen_chat_release(&chat);
		return rc;
	}
	if (rc == 0)
		rc = mgen_answer_parse_capped(resp.content ? resp.content : "",
					      0, mgen_answer_entry_cap(0), &a,
					      &e);
	if (rc == 0 && a.table_comment && a.table_comment[0])
		*out = mgen__strdup(a.table_comment);
	else if (resp.content) /* answered but useless: not for re-runs */
		mgen_lm_cache_drop(run->lm, chat.msgs, chat.n, NULL, NULL);
	if (*out == NULL && why)
		snprintf(why, whysz, "%s", rc ? e.msg : "no table comment");
	mgen_answer_release(&a);
	mgen_lm_response_release(&resp);
	mgen_chat_release(&chat);
	return rc == MGEN_EAUTH || rc == MGEN_ENOMEM ? rc : 0;
}

/* Merges chunk descriptions into one table comment: on the optimized
 * path with the program's merge predictor, falling back to the legacy
 * merge template (then *used is LEGACY and `note` says why); on the
 * legacy path with the template. When no merge answers, *out stays NULL
 * (the first chunk's description is used); on the optimized path `note`
 * then says so. */
static int merge_parts(mgen__run *run, mgen_table *t, const char *fullname,
		       mgen_path path, char **parts, size_t nparts, char **out,
		       mgen_path *used, char *note, size_t notesz)
{
	char why[512] = "", lwhy[512] = "";
	int rc;

	*used = path;
	if (path == MGEN_PATH_OPTIMIZED && run->program) {
		rc = mgen__opt_merge(run, t, fullname, parts, nparts, out, why,
				     sizeof(why));
		if (rc != 0 || *out != NULL)
			return rc;
		mgen__log(run, MGEN_LOG_WARN,
			  "%s: optimized merge call failed (%s); the legacy "
			  "merge is used",
			  fullname, why);
		*used = MGEN_PATH_LEGACY;
	}
	rc = legacy_merge(run, t, fullname, *used, parts, nparts, out, lwhy,
			  sizeof(lwhy));
	if (*out == NULL && rc != MGEN_EAUTH && rc != MGEN_ENOMEM &&
	    rc != MGEN_ELIMIT)
		mgen__log(run, MGEN_LOG_WARN,
			  "%s: merge call failed (%s); the first chunk's "
			  "table description is used",
			  fullname, lwhy);
	if (rc == 0 && why[0] && *out)
		snprintf(note, notesz,
			 "optimized path: merge call failed (%.200s); legacy "
			 "used",
			 why);
	else if (rc == 0 && why[0]) {
		snprintf(note, notesz,
			 "merge calls failed (optimized: %.150s; legacy: "
			 "%.150s); the first chunk's table description is used",
			 why, lwhy);
		*used = path;
	}
	return rc;
}

/* Sets the table's own proposal from the chunks' descriptions (left
 * unset when another path or the offline describer will write it).
 * `repeat_why` (may be "") says why an answer's table comment was
 * refused for repeating a value. */
static int table_proposal(mgen__run *run, mgen_table *t, const char *fullname,
			  mgen_path path, char **parts, size_t nparts,
			  int lm_error, const char *repeat_why,
			  const char *cause)
{
	char *merged = NULL, why[700], reason[400], note[600] = "";
	mgen_path used = path;
	int rc = 0;

	if (t->proposal.status != MGEN_STATUS_NONE)
		return 0; /* the optimized path wrote it */
	if (nparts == 0 && (path == MGEN_PATH_OPTIMIZED ||
			    (lm_error && run->cfg->offline_fallback)))
		return 0;
	if (nparts == 0) {
		snprintf(why, sizeof(why), "table comment: %s%s",
			 repeat_why[0] ? REPEAT_PREFIX : "",
			 repeat_why[0] ? repeat_why
			 : cause[0]    ? cause
				    : "no answer had a \"table\" description");
		return mgen_proposal_set(&t->proposal, NULL, MGEN_PATH_LEGACY,
					 MGEN_STATUS_FAILED, why);
	}
	if (nparts > 1)
		rc = merge_parts(run, t, fullname, path, parts, nparts, &merged,
				 &used, note, sizeof(note));
	if (rc == 0 && merged && guard_values(run) &&
	    mgen__repeats_value(t, NULL, 0, merged, reason, sizeof(reason))) {
		mgen__log(run, MGEN_LOG_WARN,
			  "%s: the merged table description repeats %s; the "
			  "first chunk's is used",
			  fullname, reason);
		free(merged);
		merged = NULL;
		used = path;
		note[0] = '\0';
	}
	if (rc == 0)
		rc = propose(run, &t->proposal, t->existing_comment,
			     merged ? merged : parts[0], used,
			     note[0] ? note : NULL, t->text_fixed);
	free(merged);
	return rc;
}

/* The columns of the chunk starting at `first` that still have no
 * proposal into cs->pending. */
static void fill_pending(const mgen_table *t, size_t first, size_t per,
			 mgen__chunk *cs)
{
	size_t i;

	cs->npending = 0;
	for (i = first; i < t->column_count && i < first + per; i++)
		if (t->columns[i].proposal.status == MGEN_STATUS_NONE)
			cs->pending[cs->npending++] = i;
	cs->reason[0] = '\0';
	cs->cause[0] = '\0';
	cs->lm_error = 0;
}

/* Comments every column still without a proposal on `path` (LEGACY or
 * OPTIMIZED), chunk by chunk. `why` gets the first problem that left
 * something unanswered. */
static int describe_path(mgen__run *run, mgen_table *t, mgen_path path,
			 char *why, size_t whysz)
{
	size_t per = (size_t)run->cfg->columns_per_call, first, i;
	size_t nchunks = (t->column_count + per - 1) / per, nparts = 0;
	char *fullname = mgen_table_fullname(t), **parts, cause[512] = "";
	char *ctx = NULL, *ctx_trace = NULL;
	mgen_prompt_options po = run->popts;
	mgen_err e = MGEN_ERR_INIT;
	mgen__chunk cs;
	int rc = 0, lm_error = 0;

	parts = calloc(nchunks + 1, sizeof(*parts));
	memset(&cs, 0, sizeof(cs));
	cs.path = path;
	cs.pending = calloc(per + 1, sizeof(*cs.pending));
	cs.col_why = calloc(t->column_count + 1, sizeof(*cs.col_why));
	if (fullname == NULL || parts == NULL || cs.pending == NULL ||
	    cs.col_why == NULL) {
		rc = MGEN_ENOMEM;
		goto done;
	}
	if (mgen__table_context(run, t, &ctx, &ctx_trace, &e) != 0) {
		/* the table is still described, without its context */
		mgen__log(run, MGEN_LOG_WARN, "%s: no retrieved context: %s",
			  fullname, e.msg);
	}
	po.context = ctx;
	cs.popts = &po;
	cs.context_trace = ctx_trace;
	for (first = 0; rc == 0 && first < t->column_count; first += per) {
		fill_pending(t, first, per, &cs);
		if (cs.npending == 0)
			continue;
		rc = ask_chunk(run, t, fullname, &cs, (int)(first / per) + 1);
		if (cs.npending && !why[0])
			snprintf(why, whysz, "%s", cs.reason);
		lm_error |= cs.lm_error;
		if (!cause[0])
			snprintf(cause, sizeof(cause), "%s", cs.cause);
		if (cs.table_comment)
			parts[nparts++] = cs.table_comment;
		cs.table_comment = NULL;
	}
	if (rc == 0)
		rc = table_proposal(run, t, fullname, path, parts, nparts,
				    lm_error, cs.table_reason, cause);
	if (rc == 0 && path == MGEN_PATH_OPTIMIZED && !why[0] &&
	    t->proposal.status == MGEN_STATUS_NONE)
		snprintf(why, whysz, "no table comment in any answer");
	if (rc == 0 && path == MGEN_PATH_LEGACY && lm_error &&
	    run->cfg->offline_fallback)
		rc = fallback_offline(run, t, why);
done:
	for (i = 0; parts && i < nparts; i++)
		free(parts[i]);
	free(parts);
	free(cs.pending);
	for (i = 0; cs.col_why && i < t->column_count; i++)
		free(cs.col_why[i]);
	free(cs.col_why);
	free(fullname);
	free(ctx);
	free(ctx_trace);
	return rc;
}

/* Prefixes the reason of every proposal the legacy path (or the offline
 * describer after it) wrote with why the optimized path was left. */
static int note_fallback(mgen_table *t, const char *why)
{
	mgen_buf b = MGEN_BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i <= t->column_count; i++) {
		mgen_proposal *p = i < t->column_count ? &t->columns[i].proposal
						       : &t->proposal;
		if (p->path != MGEN_PATH_LEGACY && p->path != MGEN_PATH_OFFLINE)
			continue;
		mgen_buf_reset(&b);
		mgen_buf_printf(&b, "optimized path: %s; legacy used", why);
		if (p->reason && p->reason[0])
			mgen_buf_printf(&b, "; %s", p->reason);
		if (mgen_buf_error(&b))
			rc = MGEN_ENOMEM;
		else
			rc = mgen_proposal_set(p, p->comment, p->path,
					       p->status, mgen_buf_str(&b));
	}
	mgen_buf_release(&b);
	return rc;
}

/* The chain for a table on the optimized route: optimized, then legacy
 * (then offline) for whatever is still unanswered. */
static int describe_routed(mgen__run *run, mgen_table *t)
{
	char why[512] = "";
	int rc = 0;

	if (run->program == NULL)
		snprintf(why, sizeof(why), "%s",
			 run->program_error[0] ? run->program_error
					       : "no program loaded");
	else
		rc = describe_path(run, t, MGEN_PATH_OPTIMIZED, why,
				   sizeof(why));
	if (rc != 0 || !why[0])
		return rc;
	mgen__log(run, MGEN_LOG_WARN, "%s.%s: optimized path: %s; legacy used",
		  t->schema ? t->schema : "", t->name, why);
	{
		char lwhy[512] = "";
		rc =
		    describe_path(run, t, MGEN_PATH_LEGACY, lwhy, sizeof(lwhy));
	}
	if (rc == 0)
		rc = note_fallback(t, why);
	return rc;
}

int mgen__table_comments(mgen__run *run, mgen_table *t)
{
	if (run->estimate)
		return run->lm ? mgen__estimate_table(run, t) : 0;
	if (run->lm == NULL)
		return describe_offline(run, t, NULL);
	if (mgen__use_optimized(run, t))
		return describe_routed(run, t);
	{
		char why[512] = "";
		return describe_path(run, t, MGEN_PATH_LEGACY, why,
				     sizeof(why));
	}
}
