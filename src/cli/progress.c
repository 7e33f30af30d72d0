/*
 * progress.c - what the CLI prints while it works: warnings and errors
 * prefixed "metagen: ", and table progress on stderr (a redrawn bar on a
 * terminal, one plain line per table otherwise).
 */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

void cli_log(void *userdata, mgen_log_level level, const char *msg)
{
	static const char *const names[] = {"debug", "note", "warning",
					    "error"};
	int quiet = userdata ? *(const int *)userdata : 0;

	if (level == MGEN_LOG_DEBUG || (quiet && level < MGEN_LOG_WARN))
		return;
	if (isatty(STDERR_FILENO))
		fputs("\r\033[K", stderr);
	fprintf(stderr, "metagen: %s: %s\n", names[level], msg);
}

/* "ok", "failed" or "kept" for a finished table. */
static const char *table_outcome(const mgen_table *t, size_t *failed)
{
	size_t i;

	*failed = t->proposal.status == MGEN_STATUS_FAILED;
	for (i = 0; i < t->ncolumns; i++)
		*failed += t->columns[i].proposal.status == MGEN_STATUS_FAILED;
	return *failed ? "FAILED" : "ok";
}

static void draw_bar(size_t done, size_t total, const char *name)
{
	int width = 30, fill = total ? (int)(done * (size_t)width / total) : 0;

	fprintf(stderr, "\r\033[K[%.*s%*s] %zu/%zu %s", fill,
		"==============================", width - fill, "", done, total,
		name ? name : "");
	fflush(stderr);
}

void cli_progress(void *userdata, mgen_progress_event ev, size_t done,
		  size_t total, const mgen_table *t)
{
	int tty = isatty(STDERR_FILENO);
	int quiet = userdata ? *(const int *)userdata : 0;
	size_t failed = 0;

	if (quiet)
		return;
	switch (ev) {
	case MGEN_PROGRESS_LISTED:
		fprintf(stderr, "metagen: %zu table(s) in scope\n", total);
		break;
	case MGEN_PROGRESS_TABLE_START:
		if (tty)
			draw_bar(done, total, t->name);
		break;
	case MGEN_PROGRESS_TABLE_DONE:
		if (tty) {
			draw_bar(done, total, t->name);
			if (done == total)
				fputs("\n", stderr);
			break;
		}
		fprintf(stderr, "metagen: [%zu/%zu] %s.%s: %zu column(s), %s",
			done, total, t->schema ? t->schema : "", t->name,
			t->ncolumns, table_outcome(t, &failed));
		if (failed)
			fprintf(stderr, " (%zu comment(s) failed)", failed);
		fprintf(stderr, " (%.1f s)\n", t->elapsed_ms / 1000.0);
		break;
	case MGEN_PROGRESS_APPLYING:
		fprintf(stderr, "metagen: applying comments\n");
		break;
	}
}
