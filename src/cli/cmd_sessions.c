/*
 * cmd_sessions.c - `metagen sessions list|show ID|delete ID|prune`: looks
 * into the conversation memory (include/metagen/memory.h) that `ask` and
 * `serve` write.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "metagen/buf.h"
#include "metagen/memory.h"
#include "util/json.h"

static void help(void)
{
	printf("usage: metagen sessions list|show ID|delete ID|prune "
	       "[options]\n\n"
	       "The conversation memory keeps every message of every "
	       "session.\n"
	       "  list       sessions, most recently active first\n"
	       "  show ID    the session's messages as JSON lines (id, role,"
	       "\n             content, time, metadata), oldest first\n"
	       "  delete ID  removes the session's messages\n"
	       "  prune      removes sessions idle longer than "
	       "memory.retention_days\n\n"
	       "options:\n"
	       "  --memory-connection FILE|ODBC  the store: a SQLite file "
	       "(default\n"
	       "             <cache_dir>/memory.sqlite) or an ODBC connection "
	       "string\n             to PostgreSQL\n"
	       "  --memory-retention-days N days a session is kept (prune)\n"
	       "  --config FILE             YAML config\n");
}

/* A session id as listed: a valid one as it is; one another program
 * wrote into a shared store (any bytes) quoted, with every byte outside
 * printable ASCII (and the backslash and quote) as \xHH, so nothing
 * reaches the terminal as a control. */
static void shown_id(const char *id, mgen_buf *out)
{
	const unsigned char *p = (const unsigned char *)id;

	if (mgen_memory_session_valid(id)) {
		mgen_buf_puts(out, id);
		return;
	}
	mgen_buf_puts(out, "\"");
	for (; *p; p++)
		if (*p >= 0x20 && *p < 0x7f && *p != '\\' && *p != '"')
			mgen_buf_append(out, (const char *)p, 1);
		else
			mgen_buf_printf(out, "\\x%02x", *p);
	mgen_buf_puts(out, "\"");
}

static int list(mgen_memory *m)
{
	mgen_memory_session *s = NULL;
	mgen_err err = MGEN_ERR_INIT;
	char first[32], last[32];
	size_t n = 0, i;

	if (mgen_memory_sessions(m, &s, &n, &err) != 0) {
		fprintf(stderr, "metagen: %s\n", err.msg);
		return EXIT_USAGE;
	}
	printf("%-40s %8s  %-20s  %s\n", "session", "messages", "first",
	       "last");
	for (i = 0; i < n; i++) {
		mgen_buf id = MGEN_BUF_INIT;

		shown_id(s[i].session_id, &id);
		cli_iso_time(s[i].first_ms / 1000, first, sizeof(first));
		cli_iso_time(s[i].last_ms / 1000, last, sizeof(last));
		printf("%-40s %8lld  %-20s  %s\n",
		       mgen_buf_error(&id) ? "(out of memory)"
					   : mgen_buf_str(&id),
		       s[i].messages, first, last);
		mgen_buf_release(&id);
	}
	mgen_memory_sessions_free(s, n);
	return EXIT_ALL_OK;
}

/* One message as a JSON line: cJSON escapes every control character, so
 * stored text cannot drive the terminal. */
static int print_msg(const mgen_memory_msg *msg)
{
	cJSON *o = cJSON_CreateObject(), *meta = cJSON_Parse(msg->metadata);
	char when[32], *text = NULL;
	int err = o ? 0 : MGEN_ENOMEM;

	cli_iso_time(msg->time_ms / 1000, when, sizeof(when));
	/* checked adds (util/json.h): never a line missing a member */
	mgen__json_add_num(&err, o, "id", (double)msg->id);
	mgen__json_add_str(&err, o, "role", msg->role);
	mgen__json_add_str(&err, o, "content", msg->content);
	mgen__json_add_str(&err, o, "time", when);
	mgen__json_add(&err, o, "metadata", meta ? meta : cJSON_CreateObject());
	if (err == 0)
		text = cJSON_PrintUnformatted(o);
	if (text != NULL)
		printf("%s\n", text);
	cJSON_Delete(o);
	cJSON_free(text);
	return text ? 0 : -1;
}

static int show(mgen_memory *m, const char *id)
{
	mgen_memory_msg *v = NULL;
	mgen_err err = MGEN_ERR_INIT;
	size_t n = 0, i;
	int rc = EXIT_ALL_OK;

	if (mgen_memory_history(m, id, 0, &v, &n, &err) != 0) {
		fprintf(stderr, "metagen: %s\n", err.msg);
		return EXIT_USAGE;
	}
	if (n == 0) {
		fprintf(stderr, "metagen: no session '%s'\n", id);
		rc = EXIT_SOME_FAILED;
	}
	for (i = 0; i < n && rc == EXIT_ALL_OK; i++)
		if (print_msg(&v[i]) != 0) {
			fprintf(stderr, "metagen: out of memory\n");
			rc = EXIT_USAGE;
		}
	mgen_memory_msgs_free(v, n);
	return rc;
}

static int change(mgen_memory *m, const char *what, const char *id, int days)
{
	mgen_err err = MGEN_ERR_INIT;
	long long msgs = 0, sess = 0;

	if (strcmp(what, "delete") == 0) {
		if (mgen_memory_delete(m, id, &msgs, &err) != 0)
			goto fail;
		printf("metagen: removed %lld message%s of session %s\n", msgs,
		       msgs == 1 ? "" : "s", id);
		return msgs > 0 ? EXIT_ALL_OK : EXIT_SOME_FAILED;
	}
	if (days <= 0) {
		printf("metagen: memory.retention_days is 0: sessions are "
		       "kept, nothing pruned\n");
		return EXIT_ALL_OK;
	}
	if (mgen_memory_prune(m,
			      ((long long)time(NULL) - days * 86400LL) * 1000,
			      &sess, &msgs, &err) != 0)
		goto fail;
	printf("metagen: pruned %lld session%s (%lld messages) idle for more "
	       "than %d days\n",
	       sess, sess == 1 ? "" : "s", msgs, days);
	return EXIT_ALL_OK;
fail:
	fprintf(stderr, "metagen: %s\n", err.msg);
	return EXIT_USAGE;
}

int cli_memory_path(const mgen_config *cfg, mgen_buf *out)
{
	if (cfg->memory_connection && cfg->memory_connection[0])
		mgen_buf_puts(out, cfg->memory_connection);
	else
		mgen_buf_printf(out, "%s/memory.sqlite",
				cfg->cache_dir && cfg->cache_dir[0]
				    ? cfg->cache_dir
				    : ".metagen");
	return mgen_buf_error(out) ? -1 : 0;
}

static int run(cli_args *a)
{
	const char *what = a->positional[0];
	const char *id = a->npositional > 1 ? a->positional[1] : NULL;
	int with_id = strcmp(what, "show") == 0 || strcmp(what, "delete") == 0;
	mgen_buf path = MGEN_BUF_INIT;
	mgen_err err = MGEN_ERR_INIT;
	mgen_memory *m = NULL;
	int rc;

	if ((!with_id && strcmp(what, "list") != 0 &&
	     strcmp(what, "prune") != 0) ||
	    a->npositional != (size_t)(with_id ? 2 : 1)) {
		fprintf(stderr, "metagen: sessions takes list, show ID, delete "
				"ID or prune\n");
		return EXIT_USAGE;
	}
	if (cli_memory_path(&a->cfg, &path) != 0) {
		rc = EXIT_USAGE;
		fprintf(stderr, "metagen: out of memory\n");
	} else if (access(mgen_buf_str(&path), F_OK) != 0 &&
		   strchr(mgen_buf_str(&path), '=') == NULL) {
		/* no store yet: nothing to show, and nothing created */
		printf("metagen: no memory store at %s yet\n",
		       mgen_buf_str(&path));
		rc = with_id ? EXIT_SOME_FAILED : EXIT_ALL_OK;
	} else if (mgen_memory_open(mgen_buf_str(&path), &m, &err) != 0) {
		fprintf(stderr, "metagen: %s\n", err.msg);
		rc = EXIT_USAGE;
	} else if (strcmp(what, "list") == 0) {
		rc = list(m);
	} else if (strcmp(what, "show") == 0) {
		rc = show(m, id);
	} else {
		rc = change(m, what, id, a->cfg.memory_retention_days);
	}
	mgen_memory_close(m);
	mgen_buf_release(&path);
	return rc;
}

int cmd_sessions(int argc, char **argv)
{
	cli_args args;
	int rc = cli_parse(argc, argv, 2, &args);

	if (rc == 0 && args.help)
		help();
	else if (rc == 0 && args.npositional == 0) {
		fprintf(stderr, "metagen: sessions needs an action: list, show "
				"ID, delete ID or prune\n");
		rc = EXIT_USAGE;
	} else if (rc == 0)
		rc = run(&args);
	cli_args_release(&args);
	return rc;
}
