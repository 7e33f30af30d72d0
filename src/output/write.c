/*
 * write.c - the files of a run folder (DESIGN.md "Outputs of a run"):
 * comments.sql (the comment DDL of the run's proposals, to review or run
 * by hand, with kept and failed objects as escaped comment lines),
 * comments.json, manifest.json, and mgen_output_write_all, which writes those
 * plus comments.tsv (tsv.c) and dictionary.md (dictionary.c), each through a
 * temp file and rename.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "output/output_internal.h"
#include "util/json.h"
#include "util/util.h"

int mgen_output__one_line(const char *s, mgen_buf *out)
{
	const char *p;

	for (p = s; p && *p; p++)
		mgen_buf_putc(
		    out, (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p);
	return mgen_buf_error(out);
}

int mgen_output__sql_comment_text(const char *s, mgen_buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p ? p + strlen(s) : NULL;
	size_t n;

	while (p && *p) {
		if (*p == '\\' || *p < 0x20 || *p == 0x7f) {
			const char *e = *p == '\\'   ? "\\\\"
					: *p == '\n' ? "\\n"
					: *p == '\r' ? "\\r"
					: *p == '\t' ? "\\t"
						     : NULL;
			if (e)
				mgen_buf_puts(out, e);
			else
				mgen_buf_printf(out, "\\x%02x", *p);
			p++;
		} else if (*p < 0x80) {
			mgen_buf_putc(out, (char)*p++);
		} else if ((n = mgen__utf8_seq(p, (size_t)(end - p))) == 0) {
			mgen_buf_printf(out, "\\x%02x", *p++);
		} else if ((p[0] == 0xc2 && p[1] == 0x85) ||
			   (p[0] == 0xe2 && p[1] == 0x80 &&
			    (p[2] == 0xa8 || p[2] == 0xa9))) {
			/* NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR */
			mgen_buf_printf(out, "\\u%04x",
					n == 2 ? 0x85u
					       : 0x2028u + (p[2] - 0xa8u));
			p += n;
		} else {
			mgen_buf_append(out, (const char *)p, n);
			p += n;
		}
	}
	return mgen_buf_error(out);
}

int mgen_output__object_name(const mgen_table *t, const mgen_column *c,
			     mgen_buf *out)
{
	char *name = mgen_table_fullname(t);

	if (name == NULL)
		return MGEN_ENOMEM;
	mgen_buf_puts(out, name);
	free(name);
	if (c) {
		mgen_buf_putc(out, '.');
		mgen_buf_puts(out, c->name);
	}
	return mgen_buf_error(out);
}

/* One object's lines in comments.sql. */
static int sql_object(mgen_dialect d, const mgen_table *t, const mgen_column *c,
		      mgen_buf *out)
{
	const mgen_proposal *p = c ? &c->proposal : &t->proposal;
	mgen_buf name = MGEN_BUF_INIT;
	int rc = 0;

	switch (p->status) {
	case MGEN_STATUS_PROPOSED:
	case MGEN_STATUS_APPLIED: /* after --apply: the DDL that ran */
		if (p->comment == NULL)
			break;
		rc = c ? mgen_dialect_column_comment_ddl(d, t, c, p->comment,
							 out)
		       : mgen_dialect_table_comment_ddl(d, t, p->comment, out);
		if (rc == MGEN_EUNSUPPORTED) { /* e.g. MySQL column comments */
			rc = mgen_output__object_name(t, c, &name);
			mgen_buf_printf(out, "-- not supported by %s: ",
					mgen_dialect_name(d));
			mgen_output__sql_comment_text(mgen_buf_str(&name), out);
			if (c && c->definition_error) { /* MySQL MODIFY */
				mgen_buf_puts(out, ": its definition cannot be "
						   "rebuilt safely: ");
				mgen_output__sql_comment_text(
				    c->definition_error, out);
			}
		}
		mgen_buf_putc(out, '\n');
		break;
	case MGEN_STATUS_KEPT:
	case MGEN_STATUS_FAILED:
	case MGEN_STATUS_FALLBACK: /* applied only with apply_offline */
		rc = mgen_output__object_name(t, c, &name);
		if (rc)
			break;
		mgen_buf_puts(out, p->status == MGEN_STATUS_KEPT
				       ? "-- kept existing comment on "
				   : p->status == MGEN_STATUS_FAILED
				       ? "-- failed: "
				       : "-- offline fallback, not applied "
					 "(apply_offline: true applies it): ");
		mgen_output__sql_comment_text(mgen_buf_str(&name), out);
		if (p->status == MGEN_STATUS_KEPT) {
			mgen_buf_puts(out, " (use --overwrite to replace)\n");
			break;
		}
		mgen_buf_puts(out, ": ");
		mgen_output__sql_comment_text(
		    p->reason ? p->reason : "no reason given", out);
		mgen_buf_putc(out, '\n');
		break;
	default:
		break;
	}
	mgen_buf_release(&name);
	return rc ? rc : mgen_buf_error(out);
}

int mgen_output__sql(const char *run_id, mgen_dialect dialect,
		     const mgen_table *tables, size_t n, mgen_buf *out)
{
	return mgen_output__sql_part(run_id, dialect, tables, n, 1, out);
}

/* comments.sql's header: what the file is, how its comment lines are
 * escaped, and the session setting its literals are written for. */
static int sql_head(const char *run_id, mgen_dialect dialect, mgen_buf *out)
{
	int rc;

	mgen_buf_puts(out, "-- metagen comments");
	if (run_id) {
		mgen_buf_puts(out, " for run ");
		mgen_output__sql_comment_text(run_id, out);
	}
	mgen_buf_printf(out, "\n-- dialect: %s\n", mgen_dialect_name(dialect));
	mgen_buf_puts(
	    out,
	    "-- The comment statements this run proposes, to review or to run "
	    "by hand\n-- (psql -f, sqlite3 < file, ...). `metagen apply` does "
	    "not read this file:\n-- it applies comments.tsv, re-reading each "
	    "table's comments first and\n-- keeping an existing one unless "
	    "--overwrite.\n-- Names and reasons in comment lines are escaped "
	    "(\\n \\r \\t \\xNN \\uNNNN \\\\):\n-- "
	    "nothing from the warehouse or the LM ends a line.\n");
	if (dialect == MGEN_DIALECT_POSTGRESQL)
		mgen_buf_puts(out, "-- The literals below mean the same with "
				   "standard_conforming_strings on or\n-- off; "
				   "this SET is the setting metagen itself "
				   "uses.\n");
	else if (dialect == MGEN_DIALECT_MYSQL)
		mgen_buf_puts(out,
			      "-- The literals below end at the same quote "
			      "with and without NO_BACKSLASH_ESCAPES;\n-- "
			      "their text is exact without it, which this "
			      "SET ensures (as metagen does).\n");
	else if (dialect == MGEN_DIALECT_SQLSERVER)
		mgen_buf_puts(out, "-- Run it with sqlcmd -x: sqlcmd replaces "
				   "$(name) even inside literals.\n");
	rc = mgen_dialect_session_sql(dialect, out);
	if (out->len && out->data[out->len - 1] == ';')
		mgen_buf_putc(out, '\n');
	if (rc == 0 && dialect == MGEN_DIALECT_SQLITE) {
		mgen_buf_puts(out, "-- SQLite has no COMMENT statement: "
				   "comments are stored in the "
				   "_metagen_comments table\n");
		rc = mgen_dialect_setup_ddl(dialect, out);
		mgen_buf_putc(out, '\n');
	}
	return rc ? rc : mgen_buf_error(out);
}

int mgen_output__sql_part(const char *run_id, mgen_dialect dialect,
			  const mgen_table *tables, size_t n, int head,
			  mgen_buf *out)
{
	mgen_buf name = MGEN_BUF_INIT;
	size_t i, j;
	int rc = head ? sql_head(run_id, dialect, out) : 0;

	for (i = 0; i < n && rc == 0; i++) {
		const mgen_table *t = &tables[i];
		mgen_buf_reset(&name);
		rc = mgen_output__object_name(t, NULL, &name);
		mgen_buf_puts(out, "\n-- ");
		mgen_output__sql_comment_text(mgen_buf_str(&name), out);
		mgen_buf_putc(out, '\n');
		if (rc == 0)
			rc = sql_object(dialect, t, NULL, out);
		for (j = 0; j < t->column_count && rc == 0; j++)
			rc = sql_object(dialect, t, &t->columns[j], out);
	}
	mgen_buf_release(&name);
	return rc ? rc : mgen_buf_error(out);
}

int mgen_output_sql(mgen_dialect dialect, const mgen_table *tables, size_t n,
		    mgen_buf *out)
{
	return mgen_output__sql(NULL, dialect, tables, n, out);
}

/* --- comments.json ------------------------------------------------------ */

/* Every add below is checked (util/json.h): the first failure sets the
 * sticky error, the rest are no-ops, and the caller discards the whole
 * object, so a file never lacks a member. */
static void json_proposal(int *err, cJSON *o, const mgen_proposal *p,
			  const char *existing)
{
	const char *path = mgen_path_name(p->path);
	const char *status = mgen_status_name(p->status);

	mgen__json_add_str(err, o, "comment", p->comment);
	mgen__json_add_str(err, o, "path", path[0] ? path : NULL);
	mgen__json_add_str(err, o, "status", status[0] ? status : NULL);
	mgen__json_add_str(err, o, "reason", p->reason);
	mgen__json_add_str(err, o, "existing_comment", existing);
}

static cJSON *json_table(const mgen_table *t)
{
	cJSON *o = cJSON_CreateObject(), *cols;
	int err = o ? 0 : MGEN_ENOMEM;
	size_t j;

	mgen__json_add_str(&err, o, "catalog", t->catalog ? t->catalog : "");
	mgen__json_add_str(&err, o, "schema", t->schema ? t->schema : "");
	mgen__json_add_str(&err, o, "table", t->name);
	mgen__json_add_str(&err, o, "kind", mgen_object_kind_name(t->kind));
	json_proposal(&err, o, &t->proposal, t->existing_comment);
	cols = mgen__json_add_array(&err, o, "columns");
	for (j = 0; err == 0 && j < t->column_count; j++) {
		const mgen_column *c = &t->columns[j];
		cJSON *co = mgen__json_add_object(&err, cols, NULL);
		mgen__json_add_str(&err, co, "name", c->name);
		mgen__json_add_str(&err, co, "data_type", c->data_type);
		json_proposal(&err, co, &c->proposal, c->existing_comment);
	}
	if (err != 0) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Appends comments.json's text to `out`: {"tables": [...]} with one table
 * object a line, built one table at a time so memory stays at one table's
 * JSON tree however many tables the run has. `*written` counts the table
 * objects already in the file (for the commas between them). */
static int json_comments(const mgen_table *tables, size_t n, int head, int tail,
			 size_t *written, mgen_buf *out)
{
	size_t i;

	if (head)
		mgen_buf_puts(out, "{\"tables\": [\n");
	for (i = 0; i < n && !mgen_buf_error(out); i++) {
		cJSON *t = json_table(&tables[i]);
		char *text = t ? cJSON_PrintUnformatted(t) : NULL;
		cJSON_Delete(t);
		if (text == NULL)
			return MGEN_ENOMEM;
		if ((*written)++ > 0)
			mgen_buf_puts(out, ",\n");
		mgen_buf_puts(out, text);
		free(text);
	}
	if (tail)
		mgen_buf_puts(out, "\n]}\n");
	return mgen_buf_error(out);
}

/* --- manifest.json ------------------------------------------------------ */

typedef struct counts {
	double tables, tables_failed, columns, proposed, kept, failed;
	double by_path[4];
	double fallbacks;	 /* left the optimized path (reason says why) */
	double offline_fallback; /* FALLBACK: the LM could not answer */
} counts;

/* Counts one proposal; adds a failure entry when FAILED. */
static int count_proposal(counts *k, cJSON *failures, const mgen_table *t,
			  const mgen_column *c)
{
	const mgen_proposal *p = c ? &c->proposal : &t->proposal;
	mgen_buf name = MGEN_BUF_INIT;
	cJSON *f;
	int rc;

	if (p->status == MGEN_STATUS_PROPOSED)
		k->proposed++;
	else if (p->status == MGEN_STATUS_KEPT)
		k->kept++;
	else if (p->status == MGEN_STATUS_FALLBACK)
		k->offline_fallback++;
	if ((p->status == MGEN_STATUS_PROPOSED ||
	     p->status == MGEN_STATUS_KEPT ||
	     p->status == MGEN_STATUS_APPLIED) &&
	    (unsigned)p->path < 4)
		k->by_path[p->path]++;
	/* the generator's reason for a step down the path chain */
	if (p->reason && strncmp(p->reason, "optimized path:", 15) == 0)
		k->fallbacks++;
	if (p->status != MGEN_STATUS_FAILED)
		return 0;
	k->failed++;
	rc = mgen_output__object_name(t, c, &name);
	f = mgen__json_add_object(&rc, failures, NULL);
	mgen__json_add_str(&rc, f, "object", mgen_buf_str(&name));
	mgen__json_add_str(&rc, f, "reason", p->reason ? p->reason : "");
	mgen_buf_release(&name);
	return rc;
}

/* Counts table `t` and its columns into `k`, failures into `failures`. */
static int count_table(counts *k, cJSON *failures, const mgen_table *t)
{
	double before = k->failed;
	size_t j;

	k->tables++;
	k->columns += (double)t->column_count;
	if (count_proposal(k, failures, t, NULL))
		return MGEN_ENOMEM;
	for (j = 0; j < t->column_count; j++)
		if (count_proposal(k, failures, t, &t->columns[j]))
			return MGEN_ENOMEM;
	if (k->failed > before)
		k->tables_failed++;
	return 0;
}

/* Adds "counts" and "failures" (taken: detached from the caller). */
static int manifest_counts(cJSON *root, const counts *kp, cJSON *failures)
{
	cJSON *c, *bp;
	counts k = *kp;
	int err = 0;

	c = mgen__json_add_object(&err, root, "counts");
	mgen__json_add_num(&err, c, "tables", k.tables);
	mgen__json_add_num(&err, c, "tables_failed", k.tables_failed);
	mgen__json_add_num(&err, c, "columns", k.columns);
	mgen__json_add_num(&err, c, "comments_proposed", k.proposed);
	mgen__json_add_num(&err, c, "kept", k.kept);
	mgen__json_add_num(&err, c, "failed", k.failed);
	mgen__json_add_num(&err, c, "optimized_fallbacks", k.fallbacks);
	mgen__json_add_num(&err, c, "offline_fallback", k.offline_fallback);
	bp = mgen__json_add_object(&err, c, "by_path");
	mgen__json_add_num(&err, bp, "optimized",
			   k.by_path[MGEN_PATH_OPTIMIZED]);
	mgen__json_add_num(&err, bp, "legacy", k.by_path[MGEN_PATH_LEGACY]);
	mgen__json_add_num(&err, bp, "offline", k.by_path[MGEN_PATH_OFFLINE]);
	return mgen__json_add(&err, root, "failures", failures);
}

/* The run-info members of the manifest. */
static int manifest_info(cJSON *root, const mgen_run_info *info)
{
	cJSON *cfg = NULL, *tok;
	int err = 0;

	mgen__json_add_str(&err, root, "metagen", "run");
	mgen__json_add_num(&err, root, "format_version",
			   MGEN_RUN_FORMAT_VERSION);
	mgen__json_add_str(&err, root, "run_id", info->run_id);
	mgen__json_add_str(&err, root, "started_at", info->started_at);
	mgen__json_add_str(&err, root, "finished_at", info->finished_at);
	mgen__json_add_num(&err, root, "elapsed_ms", info->elapsed_ms);
	mgen__json_add_str(&err, root, "dialect", info->dialect);
	mgen__json_add_str(&err, root, "model", info->model);
	if (err != 0)
		return err;
	if (info->config_json)
		cfg = cJSON_Parse(info->config_json);
	if (cfg == NULL && info->config_json) /* keep it, as text */
		cfg = cJSON_CreateString(info->config_json);
	if (cfg == NULL)
		cfg = cJSON_CreateNull();
	mgen__json_add(&err, root, "config", cfg);
	mgen__json_add_str(&err, root, "config_digest", info->config_digest);
	tok = mgen__json_add_object(&err, root, "tokens");
	mgen__json_add_num(&err, tok, "prompt", (double)info->prompt_tokens);
	mgen__json_add_num(&err, tok, "completion",
			   (double)info->completion_tokens);
	mgen__json_add_num(&err, root, "lm_calls", (double)info->lm_calls);
	return mgen__json_add_num(&err, root, "warehouse_queries",
				  (double)info->warehouse_queries);
}

/* manifest.json's text; takes `failures`. */
static int json_manifest(const mgen_run_info *info, const counts *k,
			 cJSON *failures, mgen_buf *out)
{
	cJSON *root = cJSON_CreateObject();
	char *text = NULL;
	int rc = MGEN_ENOMEM;

	if (root == NULL || manifest_info(root, info)) {
		cJSON_Delete(failures);
		goto done;
	}
	if (manifest_counts(root, k, failures))
		goto done;
	text = cJSON_Print(root);
	if (text == NULL)
		goto done;
	mgen_buf_puts(out, text);
	mgen_buf_putc(out, '\n');
	rc = mgen_buf_error(out);
done:
	free(text);
	cJSON_Delete(root);
	return rc;
}

/* --- the run folder ----------------------------------------------------- */

enum { F_SQL, F_TSV, F_JSON, F_DICT, F_MANIFEST, NFILES };

static const char *const files[NFILES] = {"comments.sql", "comments.tsv",
					  "comments.json", "dictionary.md",
					  "manifest.json"};

/* Tables per piece: a file is built and written a piece at a time, so
 * memory holds one piece, not the whole file. */
#define OUTPUT_PIECE 64

struct mgen_output_stream {
	mgen_dialect dialect;
	FILE *f[NFILES - 1]; /* temp files of the four comment files */
	char *tmp[NFILES], *path[NFILES];
	size_t json_written; /* table objects in comments.json */
	counts k;	     /* for the manifest */
	cJSON *failures;
	mgen_buf b;
};

static int io_error(mgen_err *err, const char *path)
{
	return mgen_err_set(err, MGEN_EIO, "cannot write %s", path);
}

/* A builder's code, with the error's text set when it failed. */
static int built(int rc, mgen_err *err)
{
	if (rc)
		mgen_err_set(err, rc, "cannot build the run files: %s",
			     mgen_strerror(rc));
	return rc;
}

void mgen_output_stream_abort(mgen_output_stream *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < NFILES; i++) {
		if (i < NFILES - 1 && s->f[i])
			fclose(s->f[i]);
		if (s->tmp[i])
			remove(s->tmp[i]);
		free(s->tmp[i]);
		free(s->path[i]);
	}
	cJSON_Delete(s->failures);
	mgen_buf_release(&s->b);
	free(s);
}

/* Writes the buffer to file i and empties it. */
static int put(mgen_output_stream *s, int i, mgen_err *err)
{
	if (s->b.len && fwrite(s->b.data, 1, s->b.len, s->f[i]) != s->b.len)
		return io_error(err, s->path[i]);
	mgen_buf_reset(&s->b);
	return 0;
}

int mgen_output_stream_open(const mgen_run_info *info, mgen_dialect dialect,
			    size_t total, mgen_output_stream **out,
			    mgen_err *err)
{
	mgen_output_stream *s;
	mgen_buf p = MGEN_BUF_INIT;
	int i, rc = 0;

	*out = NULL;
	if (info == NULL || info->dir == NULL)
		return mgen_err_set(err, MGEN_EINVAL, "no run folder given");
	if (mgen__mkdirs(info->dir))
		return mgen_err_set(err, MGEN_EIO, "cannot create %s",
				    info->dir);
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->failures = cJSON_CreateArray()) == NULL) {
		free(s);
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	s->dialect = dialect;
	for (i = 0; i < NFILES && rc == 0; i++) {
		mgen_buf_reset(&p);
		mgen_buf_printf(&p, "%s/%s", info->dir, files[i]);
		s->path[i] = mgen__strdup(mgen_buf_str(&p));
		mgen_buf_printf(&p, ".tmp.%ld", (long)getpid());
		s->tmp[i] =
		    mgen_buf_error(&p) ? NULL : mgen__strdup(mgen_buf_str(&p));
		if (s->path[i] == NULL || s->tmp[i] == NULL)
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		else if (i < NFILES - 1 && (s->f[i] = mgen__fopen_private(
						s->tmp[i], "wb")) == NULL)
			rc = io_error(err, s->path[i]);
	}
	mgen_buf_release(&p);
	/* the heads: comments.sql's header, the TSV header row, "[" */
	if (rc == 0)
		rc = built(mgen_output__sql_part(info->run_id, dialect, NULL, 0,
						 1, &s->b),
			   err);
	if (rc == 0 && (rc = put(s, F_SQL, err)) == 0)
		rc = built(mgen_output__tsv_part(NULL, 0, 1, &s->b), err);
	if (rc == 0 && (rc = put(s, F_TSV, err)) == 0)
		rc = built(
		    json_comments(NULL, 0, 1, 0, &s->json_written, &s->b), err);
	if (rc == 0 && (rc = put(s, F_JSON, err)) == 0)
		rc = built(mgen_output__dictionary_part(info, NULL, 0, total, 1,
							&s->b),
			   err);
	if (rc == 0)
		rc = put(s, F_DICT, err);
	if (rc) {
		mgen_output_stream_abort(s);
		return rc;
	}
	*out = s;
	return 0;
}

int mgen_output_stream_add(mgen_output_stream *s, const mgen_table *tables,
			   size_t n, mgen_err *err)
{
	size_t first, k, i;
	int rc = 0;

	for (first = 0; first < n && rc == 0; first += k) {
		const mgen_table *t = tables + first;
		k = n - first < OUTPUT_PIECE ? n - first : OUTPUT_PIECE;
		rc = built(
		    mgen_output__sql_part(NULL, s->dialect, t, k, 0, &s->b),
		    err);
		if (rc == 0 && (rc = put(s, F_SQL, err)) == 0)
			rc = built(mgen_output__tsv_part(t, k, 0, &s->b), err);
		if (rc == 0 && (rc = put(s, F_TSV, err)) == 0)
			rc = built(
			    json_comments(t, k, 0, 0, &s->json_written, &s->b),
			    err);
		if (rc == 0 && (rc = put(s, F_JSON, err)) == 0)
			rc = built(mgen_output__dictionary_part(NULL, t, k, 0,
								0, &s->b),
				   err);
		if (rc == 0)
			rc = put(s, F_DICT, err);
		for (i = 0; i < k && rc == 0; i++)
			rc = built(count_table(&s->k, s->failures, &t[i]), err);
	}
	mgen_buf_reset(&s->b);
	return rc;
}

/* Flushes, syncs and closes file i. */
static int sync_close(mgen_output_stream *s, int i, FILE *f, mgen_err *err)
{
	int rc = 0;

	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = io_error(err, s->path[i]);
	if (fclose(f) != 0 && rc == 0)
		rc = io_error(err, s->path[i]);
	return rc;
}

/* Writes manifest.json's text (in s->b) to its temp file. */
static int write_manifest(mgen_output_stream *s, mgen_err *err)
{
	FILE *f = mgen__fopen_private(s->tmp[F_MANIFEST], "wb");
	int rc = 0;

	if (f == NULL)
		return io_error(err, s->path[F_MANIFEST]);
	if (s->b.len && fwrite(s->b.data, 1, s->b.len, f) != s->b.len)
		rc = io_error(err, s->path[F_MANIFEST]);
	if (rc == 0)
		return sync_close(s, F_MANIFEST, f, err);
	fclose(f);
	return rc;
}

/* Every file is complete and synced before the first rename, so an error
 * leaves the earlier files as they were; the manifest goes last. */
int mgen_output_stream_close(mgen_output_stream *s, const mgen_run_info *info,
			     mgen_err *err)
{
	cJSON *failures = s->failures;
	FILE *f;
	int i, rc;

	s->failures = NULL;
	rc = built(json_comments(NULL, 0, 0, 1, &s->json_written, &s->b), err);
	if (rc == 0)
		rc = put(s, F_JSON, err);
	for (i = 0; i < NFILES - 1; i++) {
		f = s->f[i];
		s->f[i] = NULL;
		if (rc == 0)
			rc = sync_close(s, i, f, err);
		else
			fclose(f);
	}
	if (rc == 0)
		rc = built(json_manifest(info, &s->k, failures, &s->b), err);
	else
		cJSON_Delete(failures);
	if (rc == 0)
		rc = write_manifest(s, err);
	for (i = 0; i < NFILES && rc == 0; i++) {
		if (rename(s->tmp[i], s->path[i]) != 0)
			rc = io_error(err, s->path[i]);
		else { /* in place: nothing left to remove */
			free(s->tmp[i]);
			s->tmp[i] = NULL;
		}
	}
	mgen_output_stream_abort(s);
	return rc;
}

int mgen_output_write_all(const mgen_run_info *info, mgen_dialect dialect,
			  const mgen_table *tables, size_t n, mgen_err *err)
{
	mgen_output_stream *s = NULL;
	int rc;

	rc = mgen_output_stream_open(info, dialect, n, &s, err);
	if (rc == 0)
		rc = mgen_output_stream_add(s, tables, n, err);
	if (rc == 0)
		return mgen_output_stream_close(s, info, err);
	mgen_output_stream_abort(s);
	return rc;
}
