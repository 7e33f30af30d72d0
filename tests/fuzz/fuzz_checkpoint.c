/*
 * fuzz_checkpoint.c - libFuzzer target for the checkpoint writer and
 * reader (src/generate/checkpoint.c): the input's lines become a finished
 * table - catalog, schema, name, existing comment, the table's comment,
 * then (column name, column comment) pairs - written as a checkpoint line
 * and read back into a fresh table. The line must be whole: every comment
 * is in it, spelled as written (the text is kept to characters JSON does
 * not escape, so the check allocates nothing and holds under the
 * allocation-failure sweep, tests/allocfail/sweep.c); when the read-back
 * succeeds it must give the same comments. A record missing a comment is
 * what --resume would trust, so it aborts. Seeds: tests/fuzz/checkpoint/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generate/checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FIELDS 64

/* Splits `text` in place on '\n'; other bytes outside [A-Za-z0-9 _.-]
 * become '_' (a comment JSON would not escape), and so do line breaks
 * past the MAX_FIELDS-th field. */
static size_t split(char *text, char **f)
{
	size_t n = 0;
	char *p = text;

	f[n++] = p;
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\n' && n < MAX_FIELDS) {
			*p = '\0';
			f[n++] = p + 1;
		} else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == ' ' || c == '_' ||
			     c == '.' || c == '-')) {
			*p = '_';
		}
	}
	return n;
}

/* 1 when `line` holds "comment":"<c>" (allocation-free). */
static int has_comment(const char *line, const char *c)
{
	const char *p = line;
	size_t n = strlen(c);

	while ((p = strstr(p, "\"comment\":\"")) != NULL) {
		p += 11;
		if (strncmp(p, c, n) == 0 && p[n] == '"')
			return 1;
	}
	return 0;
}

static int build(mgen_table *t, char **f, size_t n)
{
	size_t i;

	if (n < 5)
		return -1;
	t->catalog = strdup(f[0]);
	t->schema = strdup(f[1]);
	t->name = strdup(f[2]);
	t->existing_comment = strdup(f[3]);
	if (!t->catalog || !t->schema || !t->name || !t->existing_comment ||
	    mgen_proposal_set(&t->proposal, f[4], MGEN_PATH_LEGACY,
			      MGEN_STATUS_PROPOSED, NULL) != 0)
		return -1;
	for (i = 5; i + 1 < n; i += 2) {
		mgen_column *c;
		if (mgen_table_add_column(t, &c) != 0)
			return -1;
		c->name = strdup(f[i]);
		if (c->name == NULL ||
		    mgen_proposal_set(&c->proposal, f[i + 1],
				      MGEN_PATH_LEGACY, MGEN_STATUS_PROPOSED,
				      NULL) != 0)
			return -1;
	}
	return 0;
}

static void check_line(const char *line, const mgen_table *t)
{
	size_t i;

	if (!has_comment(line, t->proposal.comment))
		abort();
	for (i = 0; i < t->column_count; i++)
		if (!has_comment(line, t->columns[i].proposal.comment))
			abort();
}

static void read_back(const char *line, const mgen_table *t)
{
	mgen_table back;
	FILE *f = fmemopen((void *)(uintptr_t)line, strlen(line), "r");
	size_t i;

	if (f == NULL)
		return;
	memset(&back, 0, sizeof(back));
	back.catalog = strdup(t->catalog);
	back.schema = strdup(t->schema);
	back.name = strdup(t->name);
	if (back.catalog && back.schema && back.name &&
	    mgen__checkpoint_load(f, 0, &back) == 0) {
		if (back.proposal.comment == NULL ||
		    strcmp(back.proposal.comment, t->proposal.comment) != 0 ||
		    back.column_count != t->column_count)
			abort();
		for (i = 0; i < t->column_count; i++)
			if (back.columns[i].proposal.comment == NULL ||
			    strcmp(back.columns[i].proposal.comment,
				   t->columns[i].proposal.comment) != 0)
				abort();
	}
	fclose(f);
	mgen_table_release(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *f[MAX_FIELDS];
	mgen_table t;
	char *line;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&t, 0, sizeof(t));
	if (build(&t, f, split(text, f)) == 0) {
		line = mgen__checkpoint_line(&t);
		if (line) {
			check_line(line, &t);
			read_back(line, &t);
		}
		free(line);
	}
	mgen_table_release(&t);
	free(text);
	return 0;
}
