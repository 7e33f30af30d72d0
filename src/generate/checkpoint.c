/*
 * checkpoint.c - the run's checkpoint file, <run>/checkpoint.jsonl: one
 * JSON line per finished table (names, existing comments, proposals,
 * usage), appended and fsync'ed when the table finishes, so a run killed
 * at any point can be finished with `generate --resume RUN` without
 * asking the LM again for tables already done. A torn last line (the
 * process died while writing it) is ignored on reading.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "generate/checkpoint.h"
#include "util/json.h"
#include "util/util.h"

/* Every add is checked (util/json.h): on the first failure *err is set,
 * the rest are no-ops and the caller throws the whole record away, so a
 * line is written complete or not at all. */
static void add_proposal(int *err, cJSON *parent, const mgen_proposal *p)
{
	cJSON *o = mgen__json_add_object(err, parent, "proposal");

	mgen__json_add_str(err, o, "comment", p->comment);
	mgen__json_add_str(err, o, "path", mgen_path_name(p->path));
	mgen__json_add_str(err, o, "status", mgen_status_name(p->status));
	mgen__json_add_str(err, o, "reason", p->reason);
}

/* The table's record; NULL on out of memory (nothing half-built
 * escapes). */
static cJSON *table_json(const mgen_table *t)
{
	cJSON *o = cJSON_CreateObject(), *cols;
	int err = o ? 0 : MGEN_ENOMEM;
	size_t i;

	mgen__json_add_str(&err, o, "catalog", t->catalog);
	mgen__json_add_str(&err, o, "schema", t->schema);
	mgen__json_add_str(&err, o, "table", t->name);
	mgen__json_add_str(&err, o, "existing_comment", t->existing_comment);
	mgen__json_add_num(&err, o, "row_count", (double)t->row_count);
	add_proposal(&err, o, &t->proposal);
	mgen__json_add_num(&err, o, "prompt_tokens", (double)t->prompt_tokens);
	mgen__json_add_num(&err, o, "completion_tokens",
			   (double)t->completion_tokens);
	mgen__json_add_num(&err, o, "lm_calls", t->lm_calls);
	mgen__json_add_num(&err, o, "elapsed_ms", t->elapsed_ms);
	cols = mgen__json_add_array(&err, o, "columns");
	for (i = 0; err == 0 && i < t->column_count; i++) {
		const mgen_column *c = &t->columns[i];
		cJSON *co = mgen__json_add_object(&err, cols, NULL);
		mgen__json_add_str(&err, co, "name", c->name);
		mgen__json_add_str(&err, co, "data_type", c->data_type);
		mgen__json_add_str(&err, co, "existing_comment",
				   c->existing_comment);
		add_proposal(&err, co, &c->proposal);
	}
	if (err != 0) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

char *mgen__checkpoint_line(const mgen_table *t)
{
	cJSON *o = table_json(t);
	char *json = o ? cJSON_PrintUnformatted(o) : NULL;
	char *line = json ? malloc(strlen(json) + 2) : NULL;

	cJSON_Delete(o);
	if (line) {
		size_t n = strlen(json);
		memcpy(line, json, n);
		line[n] = '\n';
		line[n + 1] = '\0';
	}
	free(json);
	return line;
}

int mgen__checkpoint_write(FILE *f, const char *line)
{
	if (fputs(line, f) == EOF || fflush(f) != 0)
		return MGEN_EIO;
	return 0;
}

static int take_proposal(const cJSON *o, mgen_proposal *p)
{
	int path = mgen_path_from_name(mgen__json_str(o, "path"));
	int status = mgen_status_from_name(mgen__json_str(o, "status"));

	if (!cJSON_IsObject(o) || path < 0 || status < 0)
		return MGEN_EPARSE;
	return mgen_proposal_set(p, mgen__json_str(o, "comment"),
				 (mgen_path)path, (mgen_status)status,
				 mgen__json_str(o, "reason"));
}

/* Fills listed table `t` (names set, no columns) from checkpoint entry
 * `o`: existing comment, columns with their proposals, the table's
 * proposal and usage. */
static int restore(const cJSON *o, mgen_table *t)
{
	const cJSON *cols = cJSON_GetObjectItemCaseSensitive(o, "columns");
	const cJSON *c;
	const char *s;
	mgen_column *col;
	int rc = take_proposal(cJSON_GetObjectItemCaseSensitive(o, "proposal"),
			       &t->proposal);

	t->prompt_tokens = (long long)mgen__json_num(o, "prompt_tokens", 0);
	t->completion_tokens =
	    (long long)mgen__json_num(o, "completion_tokens", 0);
	t->lm_calls = (int)mgen__json_num(o, "lm_calls", 0);
	t->elapsed_ms = mgen__json_num(o, "elapsed_ms", 0);
	t->row_count = (long long)mgen__json_num(o, "row_count", -1);
	free(t->existing_comment);
	s = mgen__json_str(o, "existing_comment");
	t->existing_comment = s ? mgen__strdup(s) : NULL;
	if (s && t->existing_comment == NULL)
		rc = MGEN_ENOMEM;
	cJSON_ArrayForEach(c, cols)
	{
		const char *name = mgen__json_str(c, "name");
		const char *type = mgen__json_str(c, "data_type");
		const char *ex = mgen__json_str(c, "existing_comment");
		if (rc || name == NULL)
			continue;
		rc = mgen_table_add_column(t, &col);
		if (rc)
			break;
		col->name = mgen__strdup(name);
		col->data_type = mgen__strdup(type ? type : "");
		col->existing_comment = ex ? mgen__strdup(ex) : NULL;
		if (col->name == NULL || col->data_type == NULL ||
		    (ex && col->existing_comment == NULL))
			rc = MGEN_ENOMEM;
		else
			rc = take_proposal(
			    cJSON_GetObjectItemCaseSensitive(c, "proposal"),
			    &col->proposal);
	}
	return rc;
}

/* The listed table entry `o` names, or NULL. */
static const mgen_table *find(mgen_table *const *idx, size_t n, const cJSON *o)
{
	const char *name = mgen__json_str(o, "table");

	return name ? mgen__table_find(idx, n, mgen__json_str(o, "catalog"),
				       mgen__json_str(o, "schema"), name)
		    : NULL;
}

int mgen__checkpoint_index(const char *path, const mgen_table_list *tables,
			   unsigned char *state, unsigned char mark, long *off,
			   size_t *ndone, mgen_err *err)
{
	mgen_table **idx;
	char *line = NULL;
	size_t cap = 0, lineno = 0, i;
	ssize_t len;
	long at, torn = -1;
	FILE *f;
	int rc = 0;

	*ndone = 0;
	idx = malloc((tables->n + 1) * sizeof(*idx));
	if (idx == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	for (i = 0; i < tables->n; i++)
		idx[i] = &tables->items[i];
	mgen__table_index_sort(idx, tables->n);
	f = fopen(path, "r");
	if (f == NULL) {
		free(idx);
		return mgen_err_set(err, MGEN_EIO, "cannot read '%s'", path);
	}
	while ((at = ftell(f)) >= 0 && (len = getline(&line, &cap, f)) > 0) {
		const mgen_table *t;
		cJSON *o;
		lineno++;
		if (line[len - 1] != '\n') {
			torn = at; /* torn last line: the table is done again */
			break;
		}
		o = cJSON_Parse(line);
		if (o == NULL) {
			rc = mgen_err_set(err, MGEN_EPARSE,
					  "%s:%zu: not a checkpoint line", path,
					  lineno);
			break;
		}
		t = find(idx, tables->n, o);
		cJSON_Delete(o);
		if (t == NULL)
			continue; /* no longer in scope */
		i = (size_t)(t - tables->items);
		*ndone += !(state[i] & mark);
		state[i] |= mark;
		off[i] = at;
	}
	if (rc == 0 && ferror(f))
		rc = mgen_err_set(err, MGEN_EIO, "cannot read '%s'", path);
	free(line);
	fclose(f);
	free(idx);
	/* cut the torn bytes, so the next line appended starts a line */
	if (rc == 0 && torn >= 0 && truncate(path, (off_t)torn) != 0)
		rc = mgen_err_set(err, MGEN_EIO, "cannot write '%s'", path);
	return rc;
}

int mgen__checkpoint_load(FILE *f, long off, mgen_table *t)
{
	char *line = NULL;
	size_t cap = 0;
	cJSON *o = NULL;
	int rc = MGEN_EIO;

	if (fseek(f, off, SEEK_SET) == 0 && getline(&line, &cap, f) > 0)
		rc = (o = cJSON_Parse(line)) ? restore(o, t) : MGEN_EPARSE;
	cJSON_Delete(o);
	free(line);
	return rc;
}
