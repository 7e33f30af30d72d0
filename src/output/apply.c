/*
 * apply.c - mgen_apply: writes the PROPOSED comments of a run (or of a
 * reviewed comments.tsv) to the warehouse. Per table: re-read the
 * table's current comments, decide per object (write, keep an existing
 * comment, or skip one that already says the same), then execute the
 * statements in one transaction where the dialect has transactional DDL
 * (PostgreSQL, SQLite). A failing table is rolled back and marked FAILED;
 * the next table is still tried.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "output/output_internal.h"
#include "util/util.h"

/* What apply does with one object. */
typedef enum decision {
	D_NONE = 0, /* not proposed */
	D_WRITE,    /* execute its statement */
	D_KEEP,	    /* a current comment is kept */
	D_SAME,	    /* the current comment already says this */
	D_CANNOT,   /* the engine takes no comment on this object */
	D_NODEF	    /* MySQL: the column's definition cannot be rebuilt */
} decision;

typedef struct apply_ctx {
	mgen_wh *wh;
	mgen_dialect d;
	const mgen_apply_options *o;
	mgen_buf *ddl;
	mgen_apply_summary *s;
	mgen_err *err;
	int transactional;
	mgen_table *tables; /* what to apply, n of them */
	size_t n;
	mgen_table_list listed; /* the warehouse's entries for them */
	mgen_buf stmt;		/* the statement being built */
	mgen_buf msg;		/* a failure message being built */
} apply_ctx;

#define KEPT_REASON "existing comment kept (use --overwrite to replace)"
#define SAME_REASON "the warehouse already has this comment"

static void apply_log(apply_ctx *a, mgen_log_level lv, const char *msg)
{
	if (a->o->log)
		a->o->log(a->o->log_userdata, lv, msg);
}

static int same_name(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* 1 when `p` is to be applied: PROPOSED (or FALLBACK with
 * apply_offline) with a non-empty comment. */
static int is_live(const mgen_apply_options *o, const mgen_proposal *p)
{
	return (p->status == MGEN_STATUS_PROPOSED ||
		(p->status == MGEN_STATUS_FALLBACK && o->apply_offline)) &&
	       p->comment && p->comment[0];
}

static int has_proposed(const mgen_apply_options *o, const mgen_table *t)
{
	size_t j;

	if (is_live(o, &t->proposal))
		return 1;
	for (j = 0; j < t->column_count; j++)
		if (is_live(o, &t->columns[j].proposal))
			return 1;
	return 0;
}

/* --- finding the tables and re-reading their comments ------------------ */

/* 1 when the warehouse's (catalog, schema, table) names `t`; an empty
 * catalog in `t` (a hand-made table or TSV) matches any catalog. */
static int names_match(const mgen_table *t, const char *catalog,
		       const char *schema, const char *table)
{
	return (t->catalog == NULL || t->catalog[0] == '\0' ||
		same_name(t->catalog, catalog)) &&
	       same_name(t->schema, schema) && same_name(t->name, table);
}

/* Keeps the warehouse tables that some table to apply names. */
static int filter_wanted(void *userdata, const char *catalog,
			 const char *schema, const char *table)
{
	const apply_ctx *a = userdata;
	size_t i;

	for (i = 0; i < a->n; i++)
		if (has_proposed(a->o, &a->tables[i]) &&
		    names_match(&a->tables[i], catalog, schema, table))
			return 1;
	return 0;
}

/*
 * The warehouse's own entry for `t` (listed once by mgen_apply, so its
 * names are the warehouse's and it is known to exist), with its comments
 * re-read right before writing, or NULL with the reason in a->msg.
 * Columns of `t` missing from the entry no longer exist.
 */
static mgen_table *reread(apply_ctx *a, const mgen_table *t)
{
	mgen_table *cur = NULL;
	size_t i;
	int rc;

	for (i = 0; i < a->listed.n && cur == NULL; i++)
		if (names_match(t, a->listed.items[i].catalog,
				a->listed.items[i].schema,
				a->listed.items[i].name))
			cur = &a->listed.items[i];
	if (cur == NULL) {
		mgen_buf_puts(&a->msg, "table not found in the warehouse");
		return NULL;
	}
	rc = mgen_wh_table_comments(a->wh, cur);
	if (rc == 0)
		return cur;
	mgen_buf_puts(&a->msg, rc == MGEN_EDB ? mgen_wh_errmsg(a->wh)
					      : mgen_strerror(rc));
	return NULL;
}

/* The current column named like `c`, or NULL. */
static const mgen_column *cur_column(const mgen_table *cur,
				     const mgen_column *c)
{
	size_t j;

	for (j = 0; j < cur->column_count; j++)
		if (same_name(cur->columns[j].name, c->name))
			return &cur->columns[j];
	return NULL;
}

/* --- deciding ----------------------------------------------------------- */

/* A PROPOSED proposal without text becomes SKIPPED (a blanked row). */
static void blank_to_skipped(const apply_ctx *a, mgen_proposal *p)
{
	if (p->status == MGEN_STATUS_PROPOSED && !is_live(a->o, p))
		p->status = MGEN_STATUS_SKIPPED;
}

static decision decide(const apply_ctx *a, const mgen_proposal *p,
		       const char *current)
{
	if (!is_live(a->o, p))
		return D_NONE;
	if (current && strcmp(current, p->comment) == 0)
		return D_SAME;
	if (current && current[0] && !a->o->overwrite)
		return D_KEEP;
	return D_WRITE;
}

/* Counts the objects apply will not consider (input not PROPOSED). */
static void count_unproposed(apply_ctx *a, const mgen_proposal *p)
{
	if (p->status == MGEN_STATUS_KEPT)
		a->s->kept++;
	else if (p->status != MGEN_STATUS_NONE && !is_live(a->o, p))
		a->s->skipped++;
}

/* Sets every decision of `t` (dec[0] the table, dec[1+j] column j).
 * Returns the number of writes, or -1 when a column to write no longer
 * exists (its name then in a->msg). */
static long decide_table(apply_ctx *a, const mgen_table *t,
			 const mgen_table *cur, decision *dec)
{
	long writes = 0;
	size_t j;

	dec[0] = decide(a, &t->proposal, cur->existing_comment);
	if (dec[0] != D_NONE &&
	    mgen_dialect_comment_support(a->d, cur->kind, 0))
		dec[0] = D_CANNOT;
	writes += dec[0] == D_WRITE;
	for (j = 0; j < t->column_count; j++) {
		const mgen_column *c = &t->columns[j];
		const mgen_column *cc = cur_column(cur, c);
		dec[1 + j] =
		    decide(a, &c->proposal, cc ? cc->existing_comment : NULL);
		if (dec[1 + j] != D_NONE &&
		    mgen_dialect_comment_support(a->d, cur->kind, 1))
			dec[1 + j] = D_CANNOT;
		if (dec[1 + j] == D_WRITE && cc == NULL) {
			mgen_buf_printf(&a->msg,
					"column \"%s\" not found in "
					"the warehouse",
					c->name);
			return -1;
		}
		if (dec[1 + j] == D_WRITE && a->d == MGEN_DIALECT_MYSQL &&
		    cc->definition == NULL)
			dec[1 + j] = D_NODEF; /* no MODIFY that would change
						 the column: refuse_columns */
		writes += dec[1 + j] == D_WRITE;
	}
	return writes;
}

/* --- applying ----------------------------------------------------------- */

/* Updates statuses and counts after a table's attempt. `failed_at` is
 * the index of the first decision not applied (all applied: > column_count),
 * `why` the failure message (NULL when none). */
static int settle(apply_ctx *a, mgen_table *t, const decision *dec,
		  size_t failed_at, const char *why)
{
	size_t k;
	int rc = 0;

	for (k = 0; k <= t->column_count; k++) {
		mgen_proposal *p =
		    k ? &t->columns[k - 1].proposal : &t->proposal;
		int dry = a->o->dry_run;
		switch (dec[k]) {
		case D_WRITE:
			if (why && k >= failed_at) {
				if (!dry &&
				    mgen_proposal_set(p, p->comment, p->path,
						      MGEN_STATUS_FAILED, why))
					rc = MGEN_ENOMEM;
			} else {
				a->s->applied++;
				if (!dry)
					p->status = MGEN_STATUS_APPLIED;
			}
			break;
		case D_CANNOT: /* never a failure: the row says why */
			a->s->skipped++;
			if (!dry &&
			    mgen_proposal_set(p, p->comment, p->path,
					      MGEN_STATUS_SKIPPED,
					      mgen_dialect_comment_support(
						  a->d, t->kind, k > 0)))
				rc = MGEN_ENOMEM;
			break;
		case D_KEEP:
		case D_SAME:
			if (dec[k] == D_KEEP)
				a->s->kept++;
			else
				a->s->skipped++;
			if (!dry &&
			    mgen_proposal_set(
				p, p->comment, p->path,
				dec[k] == D_KEEP ? MGEN_STATUS_KEPT
						 : MGEN_STATUS_SKIPPED,
				dec[k] == D_KEEP ? KEPT_REASON : SAME_REASON))
				rc = MGEN_ENOMEM;
			break;
		default:
			count_unproposed(a, p);
			break;
		}
	}
	return rc;
}

/* Builds decision k's statement into a->stmt; a column's definition
 * (MySQL) is the one just re-read from the warehouse (`cur`). */
static int build_stmt(apply_ctx *a, const mgen_table *t, const mgen_table *cur,
		      size_t k)
{
	mgen_column c;
	const mgen_column *cc;

	mgen_buf_reset(&a->stmt);
	if (k == 0)
		return mgen_dialect_table_comment_ddl(
		    a->d, t, t->proposal.comment, &a->stmt);
	c = t->columns[k - 1];
	cc = cur_column(cur, &c);
	c.definition = cc ? cc->definition : NULL;
	c.definition_comment_at = cc ? cc->definition_comment_at : 0;
	c.definition_keep_history = cc ? cc->definition_keep_history : 0;
	return mgen_dialect_column_comment_ddl(a->d, t, &c, c.proposal.comment,
					       &a->stmt);
}

/* Marks each D_NODEF column of `t` FAILED with why its definition could
 * not be rebuilt (from `cur`), logs it, and counts the table failed when
 * it has such a column and did not fail otherwise (`failed`). */
static int refuse_columns(apply_ctx *a, mgen_table *t, const mgen_table *cur,
			  const decision *dec, int failed)
{
	mgen_buf why = MGEN_BUF_INIT;
	size_t j, n = 0;
	int rc = 0;

	for (j = 0; j < t->column_count && rc == 0; j++) {
		const mgen_column *cc;
		if (dec[1 + j] != D_NODEF)
			continue;
		cc = cur_column(cur, &t->columns[j]);
		mgen_buf_reset(&why);
		mgen_buf_printf(&why,
				"apply failed: the column's definition "
				"cannot be rebuilt safely for ALTER TABLE ... "
				"MODIFY (%s); nothing written to it",
				cc && cc->definition_error
				    ? cc->definition_error
				    : "not read from the catalog");
		mgen_buf_reset(&a->stmt);
		mgen_output__object_name(t, &t->columns[j], &a->stmt);
		mgen_buf_printf(&a->stmt, ": %s", mgen_buf_str(&why));
		if (mgen_buf_error(&a->stmt) == 0)
			apply_log(a, MGEN_LOG_WARN, mgen_buf_str(&a->stmt));
		rc = mgen_buf_error(&why);
		if (rc == 0 && !a->o->dry_run)
			rc = mgen_proposal_set(&t->columns[j].proposal,
					       t->columns[j].proposal.comment,
					       t->columns[j].proposal.path,
					       MGEN_STATUS_FAILED,
					       mgen_buf_str(&why));
		n++;
	}
	if (n && !failed)
		a->s->failed_tables++;
	mgen_buf_release(&why);
	return rc;
}

/* Records why table `t` failed, logs it and counts it. */
static void table_failed(apply_ctx *a, const mgen_table *t, const char *why)
{
	mgen_buf line = MGEN_BUF_INIT;

	a->s->failed_tables++;
	mgen_buf_puts(&line, "apply failed on ");
	mgen_output__object_name(t, NULL, &line);
	mgen_buf_puts(&line, ": ");
	mgen_output__one_line(why, &line);
	if (mgen_buf_error(&line) == 0) {
		apply_log(a, MGEN_LOG_WARN, mgen_buf_str(&line));
		mgen_err_set(a->err, MGEN_EDB, "%s", mgen_buf_str(&line));
	}
	mgen_buf_release(&line);
}

/* Executes the writes of `t`; returns the index of the decision that
 * failed (or column_count + 1 when all went through); the message in a->msg. */
static size_t execute(apply_ctx *a, mgen_table *t, const mgen_table *cur,
		      const decision *dec)
{
	size_t k;
	int rc;

	if (!a->o->dry_run && a->transactional && mgen_wh_begin(a->wh)) {
		mgen_buf_puts(&a->msg, mgen_wh_errmsg(a->wh));
		return 0;
	}
	for (k = 0; k <= t->column_count; k++) {
		if (dec[k] != D_WRITE)
			continue;
		rc = build_stmt(a, t, cur, k);
		if (rc) {
			mgen_buf_printf(&a->msg,
					"cannot build the statement: "
					"%s",
					mgen_strerror(rc));
			break;
		}
		if (a->ddl) {
			mgen_buf_puts(a->ddl, mgen_buf_str(&a->stmt));
			mgen_buf_putc(a->ddl, '\n');
		}
		if (!a->o->dry_run &&
		    mgen_wh_exec(a->wh, mgen_buf_str(&a->stmt))) {
			mgen_buf_puts(&a->msg, mgen_wh_errmsg(a->wh));
			break;
		}
	}
	if (a->o->dry_run)
		return k <= t->column_count ? k : t->column_count + 1;
	if (k > t->column_count && a->transactional && mgen_wh_commit(a->wh)) {
		mgen_buf_puts(&a->msg, mgen_wh_errmsg(a->wh));
		k = 0;
	}
	if (k <= t->column_count && a->transactional) {
		mgen_wh_rollback(a->wh);
		k = 0; /* nothing of the table was kept */
	}
	return k;
}

/* "apply failed: <why>" into a->stmt, returned borrowed. */
static const char *failure_reason(apply_ctx *a)
{
	mgen_buf_reset(&a->stmt);
	mgen_buf_puts(&a->stmt, "apply failed: ");
	mgen_output__one_line(
	    a->msg.len ? mgen_buf_str(&a->msg) : "unknown error", &a->stmt);
	return mgen_buf_str(&a->stmt);
}

/* Logs what was (or would be) written to `t`. */
static void table_done(apply_ctx *a, const mgen_table *t, long writes)
{
	mgen_buf line = MGEN_BUF_INIT;

	mgen_buf_printf(&line, "%s %ld comment%s to ",
			a->o->dry_run ? "would apply" : "applied", writes,
			writes == 1 ? "" : "s");
	mgen_output__object_name(t, NULL, &line);
	if (mgen_buf_error(&line) == 0)
		apply_log(a, MGEN_LOG_INFO, mgen_buf_str(&line));
	mgen_buf_release(&line);
}

static int apply_table(apply_ctx *a, mgen_table *t)
{
	decision *dec = calloc(t->column_count + 1, sizeof(*dec));
	size_t failed_at = t->column_count + 1;
	const mgen_table *cur;
	const char *why = NULL;
	long writes = 0;
	int rc = 0;

	if (dec == NULL)
		return mgen_err_set(a->err, MGEN_ENOMEM, "out of memory");
	mgen_buf_reset(&a->msg);
	/* a reviewed TSV may hold what the target cannot take */
	if (mgen_dialect_fit_table(a->d, t)) {
		free(dec);
		return mgen_err_set(a->err, MGEN_ENOMEM, "out of memory");
	}
	cur = reread(a, t);
	if (cur) { /* the warehouse says what kind of object it is */
		t->kind = cur->kind;
		t->is_partition = cur->is_partition;
		writes = decide_table(a, t, cur, dec);
	}
	if (a->msg.len) { /* every proposed object fails */
		size_t k;
		for (k = 0; k <= t->column_count; k++)
			dec[k] = decide(
			    a, k ? &t->columns[k - 1].proposal : &t->proposal,
			    NULL);
		failed_at = 0;
	} else if (writes > 0) {
		failed_at = execute(a, t, cur, dec);
	}
	if (failed_at <= t->column_count)
		why = failure_reason(a);
	rc = settle(a, t, dec, failed_at, why);
	if (rc == 0 && cur)
		rc = refuse_columns(a, t, cur, dec, why != NULL);
	if (why)
		table_failed(
		    a, t, a->msg.len ? mgen_buf_str(&a->msg) : "unknown error");
	else if (writes > 0)
		table_done(a, t, writes);
	free(dec);
	return rc;
}

/* SQLite: the sidecar table, created once before any table. */
static int apply_setup(apply_ctx *a)
{
	int rc;

	if (a->d != MGEN_DIALECT_SQLITE)
		return 0;
	apply_log(a, MGEN_LOG_WARN,
		  "SQLite has no COMMENT statement: comments are stored in "
		  "the _metagen_comments table");
	mgen_buf_reset(&a->stmt);
	rc = mgen_dialect_setup_ddl(a->d, &a->stmt);
	if (rc)
		return mgen_err_set(a->err, rc, "cannot build the setup ddl");
	if (a->ddl) {
		mgen_buf_puts(a->ddl, mgen_buf_str(&a->stmt));
		mgen_buf_putc(a->ddl, '\n');
	}
	if (!a->o->dry_run && mgen_wh_exec(a->wh, mgen_buf_str(&a->stmt)))
		return mgen_err_set(a->err, MGEN_EDB,
				    "cannot create the _metagen_comments "
				    "table: %s",
				    mgen_wh_errmsg(a->wh));
	return 0;
}

int mgen_apply(mgen_wh *wh, mgen_table *tables, size_t n,
	       const mgen_apply_options *opts, mgen_buf *ddl,
	       mgen_apply_summary *summary, mgen_err *err)
{
	static const mgen_apply_options dflt = MGEN_APPLY_OPTIONS_INIT;
	mgen_apply_summary sum;
	apply_ctx a;
	size_t i, j;
	int rc = 0;

	memset(&sum, 0, sizeof(sum));
	memset(&a, 0, sizeof(a));
	a.wh = wh;
	a.d = mgen_wh_dialect(wh);
	a.o = opts ? opts : &dflt;
	a.ddl = ddl;
	a.s = &sum;
	a.err = err;
	a.tables = tables;
	a.n = n;
	a.transactional =
	    a.d == MGEN_DIALECT_POSTGRESQL || a.d == MGEN_DIALECT_SQLITE;
	for (i = 0; i < n && !a.o->dry_run; i++) {
		blank_to_skipped(&a, &tables[i].proposal);
		for (j = 0; j < tables[i].column_count; j++)
			blank_to_skipped(&a, &tables[i].columns[j].proposal);
	}
	rc = apply_setup(&a);
	/* the rows name their objects: find each, whatever its kind or
	 * database */
	mgen_wh_set_object_types(wh,
				 MGEN_WH_KINDS_ALL | MGEN_WH_KIND_PARTITIONS);
	mgen_wh_set_home_only(wh, 0);
	if (rc == 0 && mgen_wh_list_tables(wh, filter_wanted, &a, &a.listed))
		rc = mgen_err_set(err, MGEN_EDB, "cannot list the tables: %s",
				  mgen_wh_errmsg(wh));
	for (i = 0; i < n && rc == 0; i++) {
		if (has_proposed(a.o, &tables[i])) {
			rc = apply_table(&a, &tables[i]);
			continue;
		}
		count_unproposed(&a, &tables[i].proposal);
		for (j = 0; j < tables[i].column_count; j++)
			count_unproposed(&a, &tables[i].columns[j].proposal);
	}
	if (rc == 0 && sum.failed_tables)
		rc = MGEN_EDB;
	if (rc == 0 && ddl && mgen_buf_error(ddl))
		rc = mgen_err_set(err, mgen_buf_error(ddl),
				  "cannot hold the ddl text");
	mgen_table_list_release(&a.listed);
	mgen_buf_release(&a.stmt);
	mgen_buf_release(&a.msg);
	if (summary)
		*summary = sum;
	return rc;
}
