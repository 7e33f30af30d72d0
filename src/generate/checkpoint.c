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

#include "checkpoint.h"
#include "util/json.h"
#include "util/util.h"

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static cJSON *proposal_json(const mgen_proposal *p)
{
	cJSON *o = cJSON_CreateObject();

	add_str(o, "comment", p->comment);
	cJSON_AddStringToObject(o, "path", mgen_path_name(p->path));
	cJSON_AddStringToObject(o, "status", mgen_status_name(p->status));
	add_str(o, "reason", p->reason);
	return o;
}

static cJSON *table_json(const mgen_table *t)
{
	cJSON *o = cJSON_CreateObject(), *cols;
	size_t i;

	add_str(o, "catalog", t->catalog);
	add_str(o, "schema", t->schema);
	add_str(o, "table", t->name);
	add_str(o, "existing_comment", t->existing_comment);
	cJSON_AddNumberToObject(o, "row_count", (double)t->row_count);
	cJSON_AddItemToObject(o, "proposal", proposal_json(&t->proposal));
	cJSON_AddNumberToObject(o, "prompt_tokens", (double)t->prompt_tokens);
	cJSON_AddNumberToObject(o, "completion_tokens",
				(double)t->completion_tokens);
	cJSON_AddNumberToObject(o, "lm_calls", t->lm_calls);
	cJSON_AddNumberToObject(o, "elapsed_ms", t->elapsed_ms);
	cols = cJSON_AddArrayToObject(o, "columns");
	for (i = 0; i < t->ncolumns; i++) {
		const mgen_column *c = &t->columns[i];
		cJSON *co = cJSON_CreateObject();
		add_str(co, "name", c->name);
		add_str(co, "data_type", c->data_type);
		add_str(co, "existing_comment", c->existing_comment);
		cJSON_AddItemToObject(co, "proposal",
				      proposal_json(&c->proposal));
		cJSON_AddItemToArray(cols, co);
	}
	return o;
}

int mgen__checkpoint_append(FILE *f, const mgen_table *t)
{
	cJSON *o = table_json(t);
	char *line = o ? cJSON_PrintUnformatted(o) : NULL;
	int rc = 0;

	cJSON_Delete(o);
	if (line == NULL)
		return MGEN_ENOMEM;
	if (fputs(line, f) == EOF || fputc('\n', f) == EOF || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0)
		rc = MGEN_EIO;
	free(line);
	return rc;
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

/* Copies the checkpointed results of table `o` into the listed `t`,
 * matching columns by name; a column the checkpoint lacks stays unset. */
static int restore(const cJSON *o, mgen_table *t)
{
	const cJSON *cols = cJSON_GetObjectItemCaseSensitive(o, "columns");
	const cJSON *c;
	size_t i;
	int rc = take_proposal(cJSON_GetObjectItemCaseSensitive(o, "proposal"),
			       &t->proposal);

	t->prompt_tokens = (long long)mgen__json_num(o, "prompt_tokens", 0);
	t->completion_tokens =
		(long long)mgen__json_num(o, "completion_tokens", 0);
	t->lm_calls = (int)mgen__json_num(o, "lm_calls", 0);
	t->elapsed_ms = mgen__json_num(o, "elapsed_ms", 0);
	t->row_count = (long long)mgen__json_num(o, "row_count", -1);
	cJSON_ArrayForEach(c, cols)
	{
		const char *name = mgen__json_str(c, "name");
		for (i = 0; rc == 0 && name && i < t->ncolumns; i++)
			if (strcmp(t->columns[i].name, name) == 0)
				rc = take_proposal(
					cJSON_GetObjectItemCaseSensitive(
						c, "proposal"),
					&t->columns[i].proposal);
	}
	return rc;
}

static int same_name(const cJSON *o, const mgen_table *t)
{
	const char *cat = mgen__json_str(o, "catalog");
	const char *sch = mgen__json_str(o, "schema");
	const char *tab = mgen__json_str(o, "table");

	return tab && strcmp(tab, t->name) == 0 &&
	       strcmp(cat ? cat : "", t->catalog ? t->catalog : "") == 0 &&
	       strcmp(sch ? sch : "", t->schema ? t->schema : "") == 0;
}

int mgen__checkpoint_restore(const char *path, mgen_table_list *tables,
			     unsigned char *done, size_t *ndone, mgen_err *err)
{
	char *text = NULL, *line, *next;
	size_t i, lineno = 0;
	int rc;

	*ndone = 0;
	rc = mgen__read_file(path, &text, NULL);
	if (rc)
		return mgen_err_set(err, MGEN_EIO, "cannot read '%s'", path);
	for (line = text; line && *line; line = next) {
		cJSON *o;
		next = strchr(line, '\n');
		lineno++;
		if (next == NULL)
			break; /* torn last line: the table is done again */
		*next++ = '\0';
		o = cJSON_Parse(line);
		if (o == NULL) {
			rc = mgen_err_set(err, MGEN_EPARSE,
					  "%s:%zu: not a checkpoint line", path,
					  lineno);
			break;
		}
		for (i = 0; i < tables->n; i++) {
			if (done[i] || !same_name(o, &tables->items[i]))
				continue;
			rc = restore(o, &tables->items[i]);
			done[i] = rc == 0;
			*ndone += rc == 0;
			break;
		}
		cJSON_Delete(o);
		if (rc) {
			mgen_err_set(err, rc, "%s:%zu: bad checkpoint entry",
				     path, lineno);
			break;
		}
	}
	free(text);
	return rc;
}
