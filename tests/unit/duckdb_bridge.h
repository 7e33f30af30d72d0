/*
 * duckdb_bridge.h - runs SQL on a real DuckDB for test_duckdb.c. DuckDB
 * has no ODBC driver on Debian, so the statements go, NUL-separated, to
 * tests/duckdb/duckdb.sh: node with the npm package @duckdb/node-api at a
 * pinned version (installed on first use; see tests/duckdb/run_sql.mjs
 * for the line format). Each statement's JSON line comes back as one
 * item of a cJSON array. A missing node, npm or package fails the test
 * that ran the batch: nothing here skips. Included once (static
 * definitions).
 */
#ifndef METAGEN_TEST_DUCKDB_BRIDGE_H
#define METAGEN_TEST_DUCKDB_BRIDGE_H

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "metagen/buf.h"
#include "util/json.h"
#include "util/util.h"

extern char **environ;

/* Statements waiting to run. */
typedef struct duck_batch {
	char **text;
	size_t n;
} duck_batch;

static char duck_dir[64]; /* the tests' folder: databases, bridge files */

/* The running bridge: one DuckDB instance and connection for the test
 * group (duck_open .. duck_close). */
static struct {
	pid_t pid;
	FILE *to, *from;
	char err[128]; /* its standard error */
} duck = {-1, NULL, NULL, ""};

/* Adds one statement (the text as it is, no format). */
static void duck_add(duck_batch *b, const char *sql)
{
	char **t = realloc(b->text, (b->n + 1) * sizeof(*t));

	assert_non_null(t);
	b->text = t;
	b->text[b->n] = mgen__strdup(sql);
	assert_non_null(b->text[b->n]);
	b->n++;
}

static void duck_batch_release(duck_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->text[i]);
	free(b->text);
	memset(b, 0, sizeof(*b));
}

/* What the bridge wrote to its standard error (for failure messages);
 * a static copy, cut at 4 KiB. */
static const char *duck_stderr(void)
{
	static char text[4096];
	FILE *f = fopen(duck.err, "rb");
	size_t n = 0;

	if (f) {
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
	}
	text[n] = '\0';
	return text;
}

/*
 * Starts tests/duckdb/duckdb.sh on database file `db` in duck_dir, its
 * standard input and output on pipes. Returns 0, or -1 when it could not
 * start (a missing node or npm shows as an early exit at the first
 * duck_run, with duckdb.sh's message).
 */
static int duck_open(const char *db)
{
	const char *root = getenv("METAGEN_SRCDIR");
	char script[1024], dbarg[256], bash[] = "bash";
	char *argv[] = {bash, script, dbarg, NULL};
	posix_spawn_file_actions_t fa;
	int in[2], out[2], rc;

	snprintf(script, sizeof(script), "%s/tests/duckdb/duckdb.sh",
		 root ? root : ".");
	snprintf(dbarg, sizeof(dbarg), "%s/%s", duck_dir, db);
	snprintf(duck.err, sizeof(duck.err), "%s/bridge.err", duck_dir);
	signal(SIGPIPE, SIG_IGN); /* a dead bridge is a failed write */
	if (pipe(in) != 0 || pipe(out) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, duck.err,
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addclose(&fa, in[1]);
	posix_spawn_file_actions_addclose(&fa, out[0]);
	rc = posix_spawnp(&duck.pid, "bash", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	if (rc != 0) {
		close(in[1]);
		close(out[0]);
		return -1;
	}
	duck.to = fdopen(in[1], "wb");
	duck.from = fdopen(out[0], "rb");
	return duck.to && duck.from ? 0 : -1;
}

/* Ends the bridge (end of input) and returns its exit status: 0 when
 * every statement ran, 1 when one failed, else -1 or its error code. */
static int duck_close(void)
{
	int status = 0;

	if (duck.pid < 0)
		return -1;
	if (duck.to)
		fclose(duck.to);
	if (duck.from)
		fclose(duck.from);
	duck.to = duck.from = NULL;
	if (waitpid(duck.pid, &status, 0) != duck.pid)
		return -1;
	duck.pid = -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Runs the batch's statements one at a time (send one, read its line:
 * no pipe can fill both ways) and returns one result object per
 * statement: {"columns","types","rows"} or {"error"}. When `must_run`,
 * a statement's error fails the test naming that statement. The batch
 * is emptied. The caller cJSON_Delete()s the array.
 */
static cJSON *duck_run(duck_batch *b, int must_run)
{
	cJSON *res = cJSON_CreateArray(), *line;
	char *text = NULL;
	size_t cap = 0, i;
	ssize_t n;

	assert_non_null(res);
	if (duck.to == NULL)
		fail_msg("duckdb bridge not running: %s", duck_stderr());
	for (i = 0; i < b->n; i++) {
		if (fwrite(b->text[i], 1, strlen(b->text[i]) + 1, duck.to) !=
			strlen(b->text[i]) + 1 ||
		    fflush(duck.to) != 0 ||
		    (n = getline(&text, &cap, duck.from)) <= 0)
			fail_msg("duckdb bridge stopped (exit %d): %s",
				 duck_close(), duck_stderr());
		line = cJSON_Parse(text);
		assert_non_null(line);
		if (must_run && mgen__json_str(line, "error"))
			fail_msg("duckdb: %s\nstatement %zu: %s",
				 mgen__json_str(line, "error"), i, b->text[i]);
		cJSON_AddItemToArray(res, line);
	}
	free(text);
	duck_batch_release(b);
	return res;
}

/* The rows of result `i` (an array of arrays). */
static const cJSON *duck_rows(const cJSON *res, int i)
{
	const cJSON *r = cJSON_GetArrayItem(res, i);
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(r, "rows");

	assert_non_null(rows);
	return rows;
}

static int duck_nrows(const cJSON *res, int i)
{
	return cJSON_GetArraySize(duck_rows(res, i));
}

static int duck_ncols(const cJSON *res, int i)
{
	const cJSON *r = cJSON_GetArrayItem(res, i);

	return cJSON_GetArraySize(
	    cJSON_GetObjectItemCaseSensitive(r, "columns"));
}

/* Cell (row, col) of result `i`: a string, or NULL for SQL NULL. */
static const char *duck_cell(const cJSON *res, int i, int row, int col)
{
	const cJSON *v =
	    cJSON_GetArrayItem(cJSON_GetArrayItem(duck_rows(res, i), row), col);

	assert_non_null(v);
	if (cJSON_IsNull(v))
		return NULL;
	if (!cJSON_IsString(v))
		fail_msg("result %d row %d column %d is not a string", i, row,
			 col);
	return v->valuestring;
}

/* Cell (row, col) as an integer (JSON number or decimal string); -1 for
 * SQL NULL. */
static long long duck_int(const cJSON *res, int i, int row, int col)
{
	const cJSON *v =
	    cJSON_GetArrayItem(cJSON_GetArrayItem(duck_rows(res, i), row), col);
	char *end = NULL;
	long long n;

	assert_non_null(v);
	if (cJSON_IsNull(v))
		return -1;
	if (cJSON_IsNumber(v))
		return (long long)v->valuedouble;
	assert_true(cJSON_IsString(v));
	n = strtoll(v->valuestring, &end, 10);
	if (end == v->valuestring || *end != '\0')
		fail_msg("not an integer: %s", v->valuestring);
	return n;
}

#endif
