/*
 * legacy.c - the legacy comment prompts: loading the template set (from
 * prompts.dir or the copies compiled into the binary, see embedded.h) and
 * rendering the chat messages of a comment call (system, few-shot pairs,
 * user) and of a merge call, shrinking a comment prompt that is over
 * max_prompt_length words.
 */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "metagen/prompt.h"
#include "prompt/embedded.h"
#include "prompt/prompt_internal.h"
#include "util/json.h"
#include "util/util.h"

/* Few-shot pairs read at most; more files are ignored. */
#define PS_MAX_FEWSHOT 16
/* The smallest cell word limit shrinking goes down to. */
#define PS_MIN_CELL_WORDS 8
/* Where shrinking starts halving when word_limit_per_cell is 0 (none). */
#define PS_UNLIMITED_CELL_WORDS 1024

struct mgen_prompt_set {
	mgen_template *system;
	mgen_template *system_nodata;
	mgen_template *user;
	mgen_template *merge_system;
	mgen_template *merge_user;
	mgen_template *fewshot[2 * PS_MAX_FEWSHOT]; /* user, assistant, ... */
	size_t nfewshot;			    /* pairs */
};

void mgen_prompt_set_free(mgen_prompt_set *ps)
{
	size_t i;

	if (ps == NULL)
		return;
	mgen_template_free(ps->system);
	mgen_template_free(ps->system_nodata);
	mgen_template_free(ps->user);
	mgen_template_free(ps->merge_system);
	mgen_template_free(ps->merge_user);
	for (i = 0; i < 2 * ps->nfewshot; i++)
		mgen_template_free(ps->fewshot[i]);
	free(ps);
}

/*
 * Compiles template `file` from `dir` (NULL = the embedded copies) into
 * *out. A missing file gives MGEN_ENOTFOUND with nothing recorded in `err`
 * when `optional`, else MGEN_EIO; read and template errors are recorded.
 */
static int ps_load_one(const char *dir, const char *file, int optional,
		       mgen_template **out, mgen_err *err)
{
	mgen_buf path = MGEN_BUF_INIT;
	const char *text = NULL;
	char *owned = NULL;
	struct stat st;
	size_t i, len;
	int rc;

	*out = NULL;
	if (dir == NULL) {
		for (i = 0; mgen__embedded_prompts[i].name != NULL; i++)
			if (strcmp(mgen__embedded_prompts[i].name, file) == 0)
				text = mgen__embedded_prompts[i].text;
		mgen_buf_printf(&path, "prompts/%s", file);
	} else {
		mgen_buf_printf(&path, "%s/%s", dir, file);
	}
	if ((rc = mgen_buf_error(&path)) != 0) {
		rc = mgen_err_set(err, rc, "out of memory loading prompts");
		goto done;
	}
	if (dir != NULL && stat(mgen_buf_str(&path), &st) != 0 &&
	    errno == ENOENT) {
		text = NULL;
	} else if (dir != NULL) {
		if (mgen__read_file(mgen_buf_str(&path), &owned, &len) != 0) {
			rc = mgen_err_set(err, MGEN_EIO, "cannot read %s: %s",
					  mgen_buf_str(&path), strerror(errno));
			goto done;
		}
		text = owned;
	}
	if (text == NULL) {
		rc = optional ? MGEN_ENOTFOUND
			      : mgen_err_set(err, MGEN_EIO,
					     "missing prompt template %s",
					     mgen_buf_str(&path));
		goto done;
	}
	rc = mgen_template_compile(mgen_buf_str(&path), text, out, err);
done:
	free(owned);
	mgen_buf_release(&path);
	return rc;
}

/* Loads fewshot_N_user.txt / fewshot_N_assistant.txt for N = 1, 2, ...
 * until the first missing user file. */
static int ps_load_fewshot(const char *dir, mgen_prompt_set *ps, mgen_err *err)
{
	char name[64];
	size_t n;
	int rc;

	for (n = 1; n <= PS_MAX_FEWSHOT; n++) {
		mgen_template **pair = &ps->fewshot[2 * (n - 1)];
		snprintf(name, sizeof(name), "fewshot_%zu_user.txt", n);
		rc = ps_load_one(dir, name, 1, &pair[0], err);
		if (rc == MGEN_ENOTFOUND)
			return 0;
		if (rc != 0)
			return rc;
		snprintf(name, sizeof(name), "fewshot_%zu_assistant.txt", n);
		rc = ps_load_one(dir, name, 0, &pair[1], err);
		if (rc != 0) {
			mgen_template_free(pair[0]);
			pair[0] = NULL;
			return rc;
		}
		ps->nfewshot = n;
	}
	return 0;
}

int mgen_prompt_set_load(const char *dir, mgen_prompt_set **out, mgen_err *err)
{
	mgen_prompt_set *ps;
	int rc;

	*out = NULL;
	ps = calloc(1, sizeof(*ps));
	if (ps == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if ((rc = ps_load_one(dir, "system.txt", 0, &ps->system, err)) != 0 ||
	    (rc = ps_load_one(dir, "system_nodata.txt", 0, &ps->system_nodata,
			      err)) != 0 ||
	    (rc = ps_load_one(dir, "user.txt", 0, &ps->user, err)) != 0 ||
	    (rc = ps_load_one(dir, "merge_system.txt", 0, &ps->merge_system,
			      err)) != 0 ||
	    (rc = ps_load_one(dir, "merge_user.txt", 0, &ps->merge_user,
			      err)) != 0 ||
	    (rc = ps_load_fewshot(dir, ps, err)) != 0) {
		mgen_prompt_set_free(ps);
		return rc;
	}
	*out = ps;
	return 0;
}

void mgen_chat_release(mgen_chat *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		free((void *)(uintptr_t)c->msgs[i].content);
	free(c->msgs);
	memset(c, 0, sizeof(*c));
}

/* Whitespace-separated words in `s`. */
static size_t ps_words(const char *s)
{
	size_t n = 0;
	int in_word = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int sp = c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
			 c == '\v' || c == '\f';
		if (!sp && !in_word)
			n++;
		in_word = !sp;
	}
	return n;
}

/* Renders `tpl` as message `role` appended to `c`. */
static int ps_add_msg(mgen_chat *c, const char *role, const mgen_template *tpl,
		      const mgen_kvlist *vars, mgen_err *err)
{
	mgen_buf b = MGEN_BUF_INIT;
	char *text;
	int rc = mgen_template_render(tpl, vars, &b, err);

	if (rc != 0) {
		mgen_buf_release(&b);
		return rc;
	}
	text = mgen_buf_detach(&b);
	mgen_buf_release(&b);
	if (text == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	c->msgs[c->n].role = role;
	c->msgs[c->n].content = text;
	c->n++;
	c->words += ps_words(text);
	return 0;
}

/* Renders system, the few-shot pairs (when `fewshot`), and user into a
 * fresh `c`. */
static int ps_render_chat(const mgen_prompt_set *ps, const mgen_template *sys,
			  int fewshot, const mgen_template *user,
			  const mgen_kvlist *vars, mgen_chat *c, mgen_err *err)
{
	size_t nmsg = 2 + (fewshot ? 2 * ps->nfewshot : 0), i;
	int rc;

	memset(c, 0, sizeof(*c));
	c->msgs = calloc(nmsg, sizeof(*c->msgs));
	if (c->msgs == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	rc = ps_add_msg(c, "system", sys, vars, err);
	for (i = 0; rc == 0 && fewshot && i < 2 * ps->nfewshot; i++)
		rc = ps_add_msg(c, i % 2 ? "assistant" : "user", ps->fewshot[i],
				vars, err);
	if (rc == 0)
		rc = ps_add_msg(c, "user", user, vars, err);
	if (rc != 0)
		mgen_chat_release(c);
	return rc;
}

/* The comment_style sentence (mgen_comment_style from config.h). */
static const char *ps_style_guideline(int style)
{
	switch (style) {
	case 0: /* MGEN_STYLE_CONCISE */
		return "Write every comment as one short sentence of at most "
		       "about 15 words.";
	case 2: /* MGEN_STYLE_DETAILED */
		return "Write every comment in two to four sentences: what "
		       "the data means for the business, how it is typically "
		       "used, and any caveats a consumer should know.";
	default: /* MGEN_STYLE_STANDARD */
		return "Write every comment in one or two clear sentences.";
	}
}

/* The abbreviations as a JSON object text ("{}" when none); NULL on
 * ENOMEM. */
static char *ps_abbreviations(const mgen_kvlist *abbr)
{
	cJSON *o = cJSON_CreateObject();
	char *text = NULL;
	size_t i;

	for (i = 0; o != NULL && abbr != NULL && i < abbr->n; i++)
		if (cJSON_AddStringToObject(o, abbr->items[i].key,
					    abbr->items[i].value
						? abbr->items[i].value
						: "") == NULL)
			goto done;
	if (o != NULL)
		text = mgen_prompt__json_print(o);
done:
	cJSON_Delete(o);
	return text;
}

/* Fills the variables every template may use; `content` starts empty. */
static int ps_vars(const mgen_table *t, size_t ncols,
		   const mgen_prompt_options *o, mgen_kvlist *vars)
{
	char *name = mgen_table_fullname(t);
	char *abbr = ps_abbreviations(o->abbreviations);
	char count[32];
	const char *tc =
	    o->include_existing_table_comment && t->existing_comment != NULL
		? t->existing_comment
		: "";
	int rc = MGEN_ENOMEM;

	snprintf(count, sizeof(count), "%zu", ncols);
	if (name != NULL && abbr != NULL &&
	    mgen_kvlist_add(vars, "content", "") == 0 &&
	    mgen_kvlist_add(vars, "style_guideline",
			    ps_style_guideline(o->comment_style)) == 0 &&
	    mgen_kvlist_add(vars, "table_name", name) == 0 &&
	    mgen_kvlist_add(vars, "abbreviations", abbr) == 0 &&
	    mgen_kvlist_add(vars, "existing_table_comment", tc) == 0 &&
	    mgen_kvlist_add(vars, "column_count", count) == 0 &&
	    mgen_kvlist_add(vars, "comment_limits",
			    o->comment_limits ? o->comment_limits : "") == 0 &&
	    mgen_kvlist_add(vars, "context", o->context ? o->context : "") == 0)
		rc = 0;
	free(name);
	free(abbr);
	return rc;
}

/* Sets the value of "content" (vars->items[0], see ps_vars); takes
 * ownership of `text`. */
static void ps_set_content(mgen_kvlist *vars, char *text)
{
	free(vars->items[0].value);
	vars->items[0].value = text;
}

int mgen_prompt_render_comment(const mgen_prompt_set *ps, const mgen_table *t,
			       const size_t *cols, size_t ncols,
			       const mgen_prompt_options *opts, mgen_chat *out,
			       mgen_err *err)
{
	mgen_prompt_options o = *opts;
	mgen_kvlist vars = {NULL, 0, 0};
	const mgen_template *sys =
	    opts->allow_data_in_comments ? ps->system : ps->system_nodata;
	size_t rows = opts->allow_data ? t->sample_row_count : 0;
	char *content;
	int rc;

	memset(out, 0, sizeof(*out));
	if (ps_vars(t, ncols, opts, &vars) != 0) {
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		goto done;
	}
	for (;;) {
		content = mgen_prompt_profile_json(t, cols, ncols, &o, rows);
		if (content == NULL) {
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
			goto done;
		}
		ps_set_content(&vars, content);
		rc = ps_render_chat(ps, sys, 1, ps->user, &vars, out, err);
		if (rc != 0)
			goto done;
		out->sample_rows = rows;
		if (opts->max_prompt_words == 0 ||
		    out->words <= opts->max_prompt_words)
			goto done;
		if (rows > 0) {
			rows /= 2;
		} else if (o.word_limit_per_cell == 0) {
			o.word_limit_per_cell = PS_UNLIMITED_CELL_WORDS;
		} else if (o.word_limit_per_cell > PS_MIN_CELL_WORDS) {
			o.word_limit_per_cell /= 2;
			if (o.word_limit_per_cell < PS_MIN_CELL_WORDS)
				o.word_limit_per_cell = PS_MIN_CELL_WORDS;
		} else {
			rc = mgen_err_set(err, MGEN_ELIMIT,
					  "prompt for %s is %zu words, over "
					  "max_prompt_length %zu even with no "
					  "sample rows",
					  mgen_kvlist_get(&vars, "table_name"),
					  out->words, opts->max_prompt_words);
			mgen_chat_release(out);
			goto done;
		}
		mgen_chat_release(out);
	}
done:
	mgen_kvlist_release(&vars);
	return rc;
}

/* {"table_name": ..., "table_descriptions": [...]}; NULL on ENOMEM. */
static char *ps_merge_json(const mgen_table *t, const char *const *parts,
			   size_t nparts)
{
	cJSON *o = cJSON_CreateObject(), *arr = NULL;
	char *name = mgen_table_fullname(t), *text = NULL;
	size_t i;

	if (o == NULL || name == NULL ||
	    cJSON_AddStringToObject(o, "table_name", name) == NULL ||
	    (arr = cJSON_AddArrayToObject(o, "table_descriptions")) == NULL)
		goto done;
	for (i = 0; i < nparts; i++) {
		cJSON *s = cJSON_CreateString(parts[i] ? parts[i] : "");
		if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			goto done;
		}
	}
	text = mgen_prompt__json_print(o);
done:
	free(name);
	cJSON_Delete(o);
	return text;
}

int mgen_prompt_render_merge(const mgen_prompt_set *ps, const mgen_table *t,
			     const char *const *parts, size_t nparts,
			     const mgen_prompt_options *opts, mgen_chat *out,
			     mgen_err *err)
{
	mgen_kvlist vars = {NULL, 0, 0};
	char *content;
	int rc;

	memset(out, 0, sizeof(*out));
	if (ps_vars(t, 0, opts, &vars) != 0 ||
	    (content = ps_merge_json(t, parts, nparts)) == NULL) {
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		goto done;
	}
	ps_set_content(&vars, content);
	rc = ps_render_chat(ps, ps->merge_system, 0, ps->merge_user, &vars, out,
			    err);
	if (rc == 0 && opts->max_prompt_words != 0 &&
	    out->words > opts->max_prompt_words) {
		rc = mgen_err_set(err, MGEN_ELIMIT,
				  "merge prompt for %s is %zu words, over "
				  "max_prompt_length %zu",
				  mgen_kvlist_get(&vars, "table_name"),
				  out->words, opts->max_prompt_words);
		mgen_chat_release(out);
	}
done:
	mgen_kvlist_release(&vars);
	return rc;
}
