/*
 * progress.c - what the CLI prints while it works: warnings and errors
 * prefixed "metagen: ", and table progress on stderr (a redrawn bar on a
 * terminal, one plain line per table otherwise).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "metagen/buf.h"
#include "util/text.h"

/* Writes "metagen: " + `prefix` + neutralised `msg` + "\n" to stderr in
 * one call (lines from worker threads do not interleave). A message of
 * several lines (the library's listings, e.g. what a connection sees)
 * keeps its line breaks; every line is neutralised on its own, and names
 * inside such listings are escaped by the library. */
static void say_line(const char *prefix, const char *msg)
{
	mgen_buf b = MGEN_BUF_INIT, line = MGEN_BUF_INIT;
	const char *nl;

	mgen_buf_printf(&b, "metagen: %s", prefix);
	while ((nl = strchr(msg, '\n')) != NULL) {
		mgen_buf_reset(&line);
		mgen_buf_append(&line, msg, (size_t)(nl - msg));
		mgen__term_safe(&b, mgen_buf_str(&line), 0);
		mgen_buf_putc(&b, '\n');
		msg = nl + 1;
	}
	mgen_buf_release(&line);
	mgen__term_safe(&b, msg, 0);
	mgen_buf_putc(&b, '\n');
	fputs(mgen_buf_error(&b) ? "metagen: out of memory\n"
				 : mgen_buf_str(&b),
	      stderr);
	mgen_buf_release(&b);
}

void cli_say(const char *fmt, ...)
{
	mgen_buf b = MGEN_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	mgen_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	say_line("", mgen_buf_error(&b) ? "out of memory" : mgen_buf_str(&b));
	mgen_buf_release(&b);
}

void cli_put_safe(FILE *f, const char *text)
{
	mgen_buf b = MGEN_BUF_INIT;

	mgen__term_safe(&b, text, 1);
	fputs(mgen_buf_error(&b) ? "metagen: out of memory\n"
				 : mgen_buf_str(&b),
	      f);
	mgen_buf_release(&b);
}

void cli_log(void *userdata, mgen_log_level level, const char *msg)
{
	static const char *const names[] = {
	    "debug: ", "note: ", "warning: ", "error: "};
	int quiet = userdata ? *(const int *)userdata : 0;

	if (level == MGEN_LOG_DEBUG || (quiet && level < MGEN_LOG_WARN))
		return;
	if (isatty(STDERR_FILENO))
		fputs("\r\033[K", stderr);
	say_line(names[level], msg);
}

/* "ok", "failed" or "kept" for a finished table. */
static const char *table_outcome(const mgen_table *t, size_t *failed)
{
	size_t i;

	*failed = t->proposal.status == MGEN_STATUS_FAILED;
	for (i = 0; i < t->column_count; i++)
		*failed += t->columns[i].proposal.status == MGEN_STATUS_FAILED;
	return *failed ? "FAILED" : "ok";
}

static void draw_bar(size_t done, size_t total, const char *name)
{
	int width = 30, fill = total ? (int)(done * (size_t)width / total) : 0;
	mgen_buf safe = MGEN_BUF_INIT;

	mgen__term_safe(&safe, name ? name : "", 0);
	fprintf(stderr, "\r\033[K[%.*s%*s] %zu/%zu %s", fill,
		"==============================", width - fill, "", done, total,
		mgen_buf_str(&safe));
	fflush(stderr);
	mgen_buf_release(&safe);
}

void cli_progress(void *userdata, mgen_progress_event ev, size_t done,
		  size_t total, const mgen_table *t)
{
	int tty = isatty(STDERR_FILENO);
	int quiet = userdata ? *(const int *)userdata : 0;
	size_t failed = 0;
	const char *outcome;
	char nfail[64];

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
		outcome = table_outcome(t, &failed);
		nfail[0] = '\0';
		if (failed)
			snprintf(nfail, sizeof(nfail),
				 " (%zu comment(s) failed)", failed);
		cli_say("[%zu/%zu] %s.%s: %zu column(s), %s%s (%.1f s)", done,
			total, t->schema ? t->schema : "", t->name,
			t->column_count, outcome, nfail,
			t->elapsed_ms / 1000.0);
		break;
	case MGEN_PROGRESS_APPLYING:
		fprintf(stderr, "metagen: applying comments\n");
		break;
	}
}
