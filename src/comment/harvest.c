/*
 * harvest.c - gold examples from the comments already in a warehouse
 * (include/metagen/harvest.h): list the scope, keep the tables with a
 * comment, profile them and write one JSON line each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/buf.h"
#include "metagen/comment_program.h"
#include "metagen/config.h"
#include "metagen/dataset.h"
#include "metagen/harvest.h"
#include "comment/harvest_internal.h"
#include "metagen/warehouse.h"
#include "util/json.h"
#include "warehouse/untrusted.h"
#include "util/util.h"

typedef struct scope_ctx {
	const mgen_config *cfg;
} scope_ctx;

static int harvest_in_scope(void *ud, const char *catalog, const char *schema,
			    const char *table)
{
	return mgen_config_in_scope(((const scope_ctx *)ud)->cfg, catalog,
				    schema, table);
}

static int has_comment(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* generate's prompt options, but the existing table comment is the
 * answer here, never an input. */
static void harvest_prompt_options(const mgen_config *cfg,
				   mgen_prompt_options *p)
{
	mgen_prompt_options_from_config(cfg, p);
	p->include_existing_table_comment = 0;
	p->max_prompt_words = 0;
}

/* The "profile" object: the program's inputs for every column, built
 * with the existing comments hidden. */
static cJSON *profile_object(const mgen_config *cfg, mgen_table *t)
{
	mgen_prompt_options po;
	mgen_example *ex = NULL;
	char **saved = calloc(t->column_count + 1, sizeof(*saved));
	size_t *cols = calloc(t->column_count + 1, sizeof(*cols)), i;
	cJSON *o = NULL;
	char *text = NULL;

	if (saved == NULL || cols == NULL)
		goto done;
	harvest_prompt_options(cfg, &po);
	for (i = 0; i < t->column_count; i++) {
		cols[i] = i;
		saved[i] = t->columns[i].existing_comment;
		t->columns[i].existing_comment = NULL;
	}
	if (mgen_comment_inputs(t, cols, t->column_count, &po,
				(size_t)cfg->sample_size, &ex, NULL) == 0 &&
	    mgen_example_to_json(ex, &text) == 0)
		o = cJSON_Parse(text);
	for (i = 0; i < t->column_count; i++)
		t->columns[i].existing_comment = saved[i];
done:
	mgen_example_free(ex);
	free(text);
	free(saved);
	free(cols);
	return o;
}

/* Appends JSON `line` and a newline to `out`, in the hooks' format. */
static int harvest_put(const mgen__harvest_hooks *h, const char *line,
		       mgen_buf *out)
{
	char why[200];

	if (!h->dspy)
		return mgen_buf_printf(out, "%s\n", line);
	return mgen_dataset_line_to_dspy(line, strlen(line), out, why,
					 sizeof(why));
}

/* Appends the line of `t` to `out` (in hooks h's format, with its extra
 * members); *ncomments counts what it holds. */
static int harvest_line(const mgen_config *cfg, const mgen__harvest_hooks *h,
			mgen_table *t, mgen_buf *out, size_t *ncomments)
{
	cJSON *root = cJSON_CreateObject(), *cols;
	char *name = NULL, *line = NULL;
	size_t i, n = 0;
	int rc = MGEN_ENOMEM, err = 0;

	if (root == NULL)
		return rc;
	mgen_buf_reset(out);
	mgen_buf_printf(out, "%s%s%s", t->schema ? t->schema : "",
			t->schema && t->schema[0] ? "." : "", t->name);
	name = mgen__strdup(mgen_buf_str(out));
	mgen_buf_reset(out);
	if (name == NULL)
		goto done;
	/* checked adds (util/json.h): one check below */
	mgen__json_add_str(&err, root, "table", name);
	if (has_comment(t->existing_comment))
		n++;
	mgen__json_add_str(
	    &err, root, "table_comment",
	    has_comment(t->existing_comment) ? t->existing_comment : NULL);
	cols = mgen__json_add_object(&err, root, "columns");
	for (i = 0; err == 0 && i < t->column_count; i++) {
		if (!has_comment(t->columns[i].existing_comment))
			continue;
		n++;
		mgen__json_add_str(&err, cols, t->columns[i].name,
				   t->columns[i].existing_comment);
	}
	mgen__json_add(&err, root, "profile",
		       err == 0 ? profile_object(cfg, t) : NULL);
	if (err != 0)
		goto done;
	if (h->decorate && h->decorate(h->ud, t, root) != 0)
		goto done;
	line = cJSON_PrintUnformatted(root);
	if (line == NULL || harvest_put(h, line, out) != 0)
		goto done;
	*ncomments = n;
	rc = 0;
done:
	cJSON_Delete(root);
	free(name);
	free(line);
	return rc;
}

/* 1 when the table or a column has a comment. */
static int table_has_comments(const mgen_table *t)
{
	size_t i;

	if (has_comment(t->existing_comment))
		return 1;
	for (i = 0; i < t->column_count; i++)
		if (has_comment(t->columns[i].existing_comment))
			return 1;
	return 0;
}

static int harvest_tables(const mgen_config *cfg, const mgen__harvest_hooks *h,
			  mgen_wh *wh, mgen_table_list *tl, mgen_buf *all,
			  mgen_log_fn log, void *lud, mgen_harvest_result *res)
{
	mgen_profile_options po = mgen_profile_options_from_config(cfg);
	mgen_buf line = MGEN_BUF_INIT, msg = MGEN_BUF_INIT;
	char why[200];
	size_t i, n;
	int rc = 0, bad;

	for (i = 0; rc == 0 && i < tl->n; i++) {
		mgen_table *t = &tl->items[i];
		if (h->gold && (rc = h->gold(h->ud, t)) != 0)
			break;
		if (!table_has_comments(t))
			continue;
		bad = mgen__untrusted_names(t, why, sizeof(why));
		if (bad == -1) {
			rc = MGEN_ENOMEM;
			break;
		}
		if (bad || mgen_wh_profile(wh, t, &po) != 0) {
			res->failed++;
			mgen_buf_reset(&msg);
			mgen_buf_printf(&msg, "%s: %s%s", t->name,
					bad ? "" : "profile failed: ",
					bad ? why : mgen_wh_errmsg(wh));
			if (log && !mgen_buf_error(&msg))
				log(lud, MGEN_LOG_WARN, mgen_buf_str(&msg));
			continue;
		}
		/* warehouse text that is not UTF-8 never reaches the JSON */
		rc = mgen__untrusted_profile(t);
		if (rc == 0)
			rc = harvest_line(cfg, h, t, &line, &n);
		if (rc == 0 && mgen_buf_puts(all, mgen_buf_str(&line)) != 0)
			rc = MGEN_ENOMEM;
		if (rc == 0) {
			res->written++;
			res->comments += n;
		}
		mgen_table_clear_sample(t);
	}
	mgen_buf_release(&line);
	mgen_buf_release(&msg);
	return rc;
}

int mgen_harvest(const mgen_config *cfg, const char *out_path, mgen_log_fn log,
		 void *log_userdata, mgen_harvest_result *res, mgen_err *err)
{
	return mgen_harvest_format(cfg, out_path, 0, log, log_userdata, res,
				   err);
}

int mgen_harvest_format(const mgen_config *cfg, const char *out_path, int dspy,
			mgen_log_fn log, void *log_userdata,
			mgen_harvest_result *res, mgen_err *err)
{
	scope_ctx sc;
	mgen__harvest_hooks h;

	memset(&h, 0, sizeof(h));
	sc.cfg = cfg;
	h.in_scope = harvest_in_scope;
	h.ud = &sc;
	h.dspy = dspy;
	return mgen__harvest_run(cfg, &h, out_path, log, log_userdata, res,
				 err);
}

int mgen__harvest_run(const mgen_config *cfg, const mgen__harvest_hooks *h,
		      const char *out_path, mgen_log_fn log, void *log_userdata,
		      mgen_harvest_result *res, mgen_err *err)
{
	mgen_harvest_result local;
	mgen_table_list tl;
	mgen_buf all = MGEN_BUF_INIT;
	mgen_wh *wh = NULL;
	int rc;

	if (res == NULL)
		res = &local;
	memset(res, 0, sizeof(*res));
	memset(&tl, 0, sizeof(tl));
	rc = mgen_wh_open_config(cfg, &wh, err);
	if (rc == 0 && mgen_wh_list_tables(wh, h->in_scope, h->ud, &tl) != 0)
		rc = mgen_err_set(err, MGEN_EDB, "listing tables failed: %s",
				  mgen_wh_errmsg(wh));
	res->tables = tl.n;
	if (rc == 0)
		rc = harvest_tables(cfg, h, wh, &tl, &all, log, log_userdata,
				    res);
	if (rc == MGEN_ENOMEM)
		mgen_err_set(err, rc, "out of memory");
	if (rc == 0 && mgen__write_file_atomic(out_path, mgen_buf_str(&all),
					       strlen(mgen_buf_str(&all))) != 0)
		rc = mgen_err_set(err, MGEN_EIO, "cannot write %s", out_path);
	mgen_table_list_release(&tl);
	mgen_buf_release(&all);
	mgen_wh_close(wh);
	return rc;
}
