/*
 * test_memory.c - the conversation memory (include/metagen/memory.h) on a
 * real SQLite file: append and history (last N, oldest first), sessions
 * never seeing each other's messages, session ids and messages that are
 * refused (hostile ids, bad UTF-8, non-object metadata, roles), list,
 * delete, prune by idle time, retention, schema version (a newer file
 * refused), owner-only file mode, reopen. The store-independent tests run
 * again (names ending _pg) on PostgreSQL through psqlODBC, each on a new
 * database of the cluster METAGEN_TEST_PG names (skipped without it, which
 * `make check` counts as a failure), plus what only PostgreSQL has: the
 * schema created by racing openers, a newer schema refused, a connection
 * the server dropped, secrets of the connection string in no message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "metagen/memory.h"
#include "metagen/warehouse.h"

typedef struct fixture {
	char dir[64];
	char path[128];
	mgen_memory *m;
	char db[64];	/* PostgreSQL: the test's database */
	char conn[512]; /* PostgreSQL: its connection string */
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	mgen_err err = MGEN_ERR_INIT;

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/mgen-test-memory-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/x/memory.sqlite", f->dir);
	if (mgen_memory_open(f->path, &f->m, &err) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char cmd[160];

	mgen_memory_close(f->m);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* --- PostgreSQL fixtures ------------------------------------------------*/

/* Runs `sql` on the cluster's own database (METAGEN_TEST_PG). */
static int pg_admin(const char *sql)
{
	const char *cs = getenv("METAGEN_TEST_PG");
	mgen_err err = MGEN_ERR_INIT;
	mgen_wh *wh = NULL;
	int rc;

	if (cs == NULL || mgen_wh_connect(cs, MGEN_DIALECT_AUTO, &wh, &err))
		return -1;
	rc = mgen_wh_exec(wh, sql);
	mgen_wh_close(wh);
	return rc;
}

/* A new database `f->db` and its connection string in f->conn (the
 * Database= attribute of METAGEN_TEST_PG replaced). */
static int pg_new_db(fixture *f)
{
	static int seq;
	const char *cs = getenv("METAGEN_TEST_PG");
	const char *at, *end;
	char sql[128];

	if (cs == NULL || (at = strstr(cs, "Database=")) == NULL)
		return -1;
	end = strchr(at, ';');
	snprintf(f->db, sizeof(f->db), "mgen_mem_%d_%d", (int)getpid(), ++seq);
	snprintf(f->conn, sizeof(f->conn), "%.*sDatabase=%s%s", (int)(at - cs),
		 cs, f->db, end ? end : "");
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", f->db);
	return pg_admin(sql);
}

static int pg_drop_db(const fixture *f)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
		 f->db);
	return pg_admin(sql);
}

/* No METAGEN_TEST_PG: f->m stays NULL and the test skips (fx). */
static int setup_pg(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	mgen_err err = MGEN_ERR_INIT;

	if (f == NULL)
		return -1;
	*state = f;
	if (getenv("METAGEN_TEST_PG") == NULL)
		return 0;
	if (pg_new_db(f) != 0 || mgen_memory_open(f->conn, &f->m, &err) != 0) {
		fprintf(stderr, "setup_pg: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown_pg(void **state)
{
	fixture *f = *state;
	int rc = 0;

	mgen_memory_close(f->m);
	if (f->db[0])
		rc = pg_drop_db(f);
	free(f);
	return rc;
}

/* The fixture; skips the test when its store is not there. */
static fixture *fx(void **state)
{
	fixture *f = *state;

	if (f->m == NULL)
		skip();
	return f;
}

/* `s` without blanks (jsonb gives metadata back normalised). */
static const char *squeeze(const char *s)
{
	static char out[256];
	size_t j = 0;

	for (; *s && j + 1 < sizeof(out); s++)
		if (*s != ' ')
			out[j++] = *s;
	out[j] = '\0';
	return out;
}

static void add(mgen_memory *m, const char *s, const char *role,
		const char *content, long long t)
{
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(
	    mgen_memory_append(m, s, role, content, NULL, t, NULL, &err), 0);
}

static void test_memory__history_last_n_oldest_first(void **state)
{
	fixture *f = fx(state);
	mgen_memory_msg *v = NULL;
	mgen_err err = MGEN_ERR_INIT;
	char text[32];
	size_t n = 0;
	int i;

	for (i = 0; i < 25; i++) {
		snprintf(text, sizeof(text), "a%d", i);
		add(f->m, "s-a", i % 2 ? "assistant" : "user", text, 1000 + i);
		snprintf(text, sizeof(text), "b%d", i);
		add(f->m, "s-b", "user", text, 1000 + i);
	}
	assert_int_equal(mgen_memory_history(f->m, "s-a", 20, &v, &n, &err), 0);
	assert_int_equal(n, 20);
	assert_string_equal(v[0].content, "a5");
	assert_string_equal(v[19].content, "a24");
	assert_string_equal(v[19].role, "user");
	assert_string_equal(v[0].metadata, "{}");
	for (i = 0; i < 20; i++) {
		assert_string_equal(v[i].session_id, "s-a");
		assert_int_equal(v[i].content[0], 'a');
	}
	mgen_memory_msgs_free(v, n);
	/* 0 = all; an unknown session is empty, not an error */
	assert_int_equal(mgen_memory_history(f->m, "s-b", 0, &v, &n, &err), 0);
	assert_int_equal(n, 25);
	assert_string_equal(v[0].content, "b0");
	mgen_memory_msgs_free(v, n);
	assert_int_equal(mgen_memory_history(f->m, "s-c", 20, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	mgen_memory_msgs_free(v, n);
}

static void test_memory__hostile_inputs_refused(void **state)
{
	fixture *f = fx(state);
	mgen_err err = MGEN_ERR_INIT;
	mgen_memory_msg *v = NULL;
	char longid[MGEN_MEMORY_SESSION_MAX + 2];
	size_t n = 0;

	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	assert_false(mgen_memory_session_valid(longid));
	longid[MGEN_MEMORY_SESSION_MAX] = '\0';
	assert_true(mgen_memory_session_valid(longid));
	assert_false(mgen_memory_session_valid(""));
	assert_false(mgen_memory_session_valid(NULL));
	assert_false(mgen_memory_session_valid("a' OR '1'='1"));
	assert_false(mgen_memory_session_valid("a%"));
	assert_false(mgen_memory_session_valid("a\n"));
	assert_int_equal(
	    mgen_memory_append(f->m, "%", "user", "x", NULL, 0, NULL, &err),
	    MGEN_EINVAL);
	assert_non_null(strstr(err.msg, "session id"));
	memset(&err, 0, sizeof(err)); /* the first error is kept */
	assert_int_equal(
	    mgen_memory_append(f->m, "s", "tool", "x", NULL, 0, NULL, &err),
	    MGEN_EINVAL);
	assert_non_null(strstr(err.msg, "role"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(
	    mgen_memory_append(f->m, "s", "user", "a\xff", NULL, 0, NULL, &err),
	    MGEN_EINVAL);
	assert_non_null(strstr(err.msg, "UTF-8"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(
	    mgen_memory_append(f->m, "s", "user", "x", "[1]", 0, NULL, &err),
	    MGEN_EINVAL);
	assert_int_equal(
	    mgen_memory_append(f->m, "s", "user", "x", "{", 0, NULL, &err),
	    MGEN_EINVAL);
	assert_non_null(strstr(err.msg, "metadata"));
	/* a LIKE-ish id reads nothing of another session; quotes are data */
	add(f->m, "s1", "user", "it's \"quoted\"; DROP TABLE conversations", 0);
	assert_int_equal(mgen_memory_history(f->m, "s_", 0, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	mgen_memory_msgs_free(v, n);
	assert_int_equal(mgen_memory_history(f->m, "s1", 0, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].content,
			    "it's \"quoted\"; DROP TABLE conversations");
	assert_true(v[0].time_ms > 1600000000000LL);
	mgen_memory_msgs_free(v, n);
	assert_int_equal(mgen_memory_history(f->m, "s 1", 0, &v, &n, &err),
			 MGEN_EINVAL);
}

static void test_memory__metadata_and_ids(void **state)
{
	fixture *f = fx(state);
	mgen_err err = MGEN_ERR_INIT;
	mgen_memory_msg *v = NULL;
	long long id1 = 0, id2 = 0;
	size_t n = 0;

	assert_int_equal(mgen_memory_append(f->m, "m", "user", "q",
					    "{\"chunks\":[3,7]}", 5, &id1,
					    &err),
			 0);
	assert_int_equal(mgen_memory_append(f->m, "m", "assistant", "a [1]",
					    "{\"tokens\":12}", 6, &id2, &err),
			 0);
	assert_true(id2 > id1);
	assert_int_equal(mgen_memory_history(f->m, "m", 0, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(squeeze(v[0].metadata), "{\"chunks\":[3,7]}");
	assert_int_equal(v[0].time_ms, 5);
	assert_int_equal(v[1].id, id2);
	mgen_memory_msgs_free(v, n);
}

static void test_memory__list_delete_prune(void **state)
{
	fixture *f = fx(state);
	mgen_err err = MGEN_ERR_INIT;
	mgen_memory_session *s = NULL;
	mgen_memory_msg *v = NULL;
	long long removed = -1, ns = -1, nm = -1;
	size_t n = 0;

	add(f->m, "old", "user", "1", 1000);
	add(f->m, "old", "assistant", "2", 2000);
	add(f->m, "mixed", "user", "3", 1500);
	add(f->m, "mixed", "user", "4", 9000);
	add(f->m, "new", "user", "5", 8000);
	assert_int_equal(mgen_memory_sessions(f->m, &s, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(s[0].session_id, "new"); /* last written */
	assert_string_equal(s[1].session_id, "mixed");
	assert_int_equal(s[1].messages, 2);
	assert_int_equal(s[1].first_ms, 1500);
	assert_int_equal(s[1].last_ms, 9000);
	mgen_memory_sessions_free(s, n);
	/* prune takes whole sessions idle since before_ms: "mixed" stays */
	assert_int_equal(mgen_memory_prune(f->m, 5000, &ns, &nm, &err), 0);
	assert_int_equal(ns, 1);
	assert_int_equal(nm, 2);
	assert_int_equal(mgen_memory_history(f->m, "mixed", 0, &v, &n, &err),
			 0);
	assert_int_equal(n, 2);
	mgen_memory_msgs_free(v, n);
	assert_int_equal(mgen_memory_delete(f->m, "mixed", &removed, &err), 0);
	assert_int_equal(removed, 2);
	assert_int_equal(mgen_memory_delete(f->m, "mixed", &removed, &err), 0);
	assert_int_equal(removed, 0);
	assert_int_equal(mgen_memory_delete(f->m, "*", &removed, &err),
			 MGEN_EINVAL);
	assert_int_equal(mgen_memory_sessions(f->m, &s, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(s[0].session_id, "new");
	mgen_memory_sessions_free(s, n);
}

static void test_memory__file_mode_reopen_version(void **state)
{
	fixture *f = *state;
	mgen_err err = MGEN_ERR_INIT;
	mgen_memory *m2 = NULL;
	mgen_memory_msg *v = NULL;
	sqlite3 *db = NULL;
	struct stat sb;
	size_t n = 0;

	add(f->m, "k", "user", "kept", 0);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* a second handle (as a second process) sees the same session */
	assert_int_equal(mgen_memory_open(f->path, &m2, &err), 0);
	assert_int_equal(mgen_memory_history(m2, "k", 0, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	mgen_memory_msgs_free(v, n);
	mgen_memory_close(m2);
	/* a file written by a newer schema is refused, naming both */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "UPDATE metagen_schema SET version"
				      " = 9 WHERE name = 'memory'",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(mgen_memory_open(f->path, &m2, &err), MGEN_EIO);
	assert_null(m2);
	assert_non_null(strstr(err.msg, "version 9"));
	assert_non_null(strstr(err.msg, "version 1"));
}

/* Content is kept byte for byte up to the limit, whatever it holds. */
static void test_memory__content_exact_and_bounded(void **state)
{
	static const char odd[] = "it's \\' \\\\ \"q\" %_ ? $1 :x \t\r\n"
				  "\xc3\xa9 \xe6\xbc\xa2 \xf0\x9f\x98\x80 ;--";
	fixture *f = fx(state);
	mgen_err err = MGEN_ERR_INIT;
	mgen_memory_msg *v = NULL;
	char *big = malloc(MGEN_MEMORY_CONTENT_MAX + 2);
	size_t n = 0, i, k = strlen(odd);

	assert_non_null(big);
	for (i = 0; i + k <= MGEN_MEMORY_CONTENT_MAX; i += k)
		memcpy(big + i, odd, k);
	memset(big + i, 'z', MGEN_MEMORY_CONTENT_MAX - i);
	big[MGEN_MEMORY_CONTENT_MAX] = '\0';
	add(f->m, "big", "user", big, 0);
	add(f->m, "big", "assistant", odd, 0);
	add(f->m, "big", "system", "", 0);
	assert_int_equal(mgen_memory_history(f->m, "big", 0, &v, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(strlen(v[0].content), MGEN_MEMORY_CONTENT_MAX);
	assert_memory_equal(v[0].content, big, MGEN_MEMORY_CONTENT_MAX);
	assert_string_equal(v[1].content, odd);
	assert_string_equal(v[2].content, "");
	mgen_memory_msgs_free(v, n);
	/* one byte more is refused, and nothing is stored */
	big[MGEN_MEMORY_CONTENT_MAX] = 'z';
	big[MGEN_MEMORY_CONTENT_MAX + 1] = '\0';
	assert_int_equal(
	    mgen_memory_append(f->m, "big", "user", big, NULL, 0, NULL, &err),
	    MGEN_EINVAL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(mgen_memory_append(f->m, "big", "user", "x",
					    "{\"a\":\"\\u0000\"}", 0, NULL,
					    &err),
			 MGEN_EINVAL);
	assert_non_null(strstr(err.msg, "u0000"));
	assert_int_equal(mgen_memory_history(f->m, "big", 0, &v, &n, &err), 0);
	assert_int_equal(n, 3);
	mgen_memory_msgs_free(v, n);
	free(big);
}

/* memory.retention_days: old sessions go at once, recent ones stay. */
static void test_memory__retention(void **state)
{
	fixture *f = fx(state);
	mgen_err err = MGEN_ERR_INIT;
	mgen_memory_session *s = NULL;
	long long now = (long long)time(NULL) * 1000;
	size_t n = 0;

	add(f->m, "ancient", "user", "1", now - 40LL * 86400000);
	add(f->m, "ancient", "assistant", "2", now - 39LL * 86400000);
	add(f->m, "lately", "user", "3", now - 40LL * 86400000);
	add(f->m, "lately", "user", "4", now - 2LL * 86400000);
	add(f->m, "today", "user", "5", 0);
	assert_int_equal(mgen_memory_set_retention(f->m, 0, &err), 0);
	assert_int_equal(mgen_memory_sessions(f->m, &s, &n, &err), 0);
	assert_int_equal(n, 3); /* 0 keeps everything */
	mgen_memory_sessions_free(s, n);
	assert_int_equal(mgen_memory_set_retention(f->m, -1, &err),
			 MGEN_EINVAL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(mgen_memory_set_retention(f->m, 30, &err), 0);
	assert_int_equal(mgen_memory_sessions(f->m, &s, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(s[0].session_id, "today");
	assert_string_equal(s[1].session_id, "lately");
	assert_int_equal(s[1].messages, 2);
	mgen_memory_sessions_free(s, n);
	/* a message stored within the hour does not prune again */
	add(f->m, "stale", "user", "6", now - 90LL * 86400000);
	assert_int_equal(mgen_memory_sessions(f->m, &s, &n, &err), 0);
	assert_int_equal(n, 3);
	mgen_memory_sessions_free(s, n);
	assert_int_equal(mgen_memory_set_retention(f->m, 1, &err), 0);
	assert_int_equal(mgen_memory_sessions(f->m, &s, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(s[0].session_id, "today");
	mgen_memory_sessions_free(s, n);
}

static void test_memory__open_refusals(void **state)
{
	mgen_err err = MGEN_ERR_INIT;
	mgen_memory *m = NULL;

	(void)state;
	assert_int_equal(mgen_memory_open("", &m, &err), MGEN_EINVAL);
	assert_int_equal(mgen_memory_open(NULL, &m, &err), MGEN_EINVAL);
	memset(&err, 0, sizeof(err));
	/* an ODBC string: a driver that is not there, its secret masked */
	assert_int_equal(mgen_memory_open("Driver=NoSuchDriverX;Server=h;"
					  "Pwd=Sekr3t-pw-77",
					  &m, &err),
			 MGEN_EDB);
	assert_non_null(strstr(err.msg, "memory: cannot connect"));
	assert_null(strstr(err.msg, "Sekr3t-pw-77"));
	assert_int_equal(
	    mgen_memory_open("/proc/no/such/dir/m.sqlite", &m, &err), MGEN_EIO);
	assert_null(m);
}

/* --- PostgreSQL only ------------------------------------------------------*/

typedef struct racer {
	const char *conn;
	pthread_barrier_t *go;
	int rc;
	mgen_err err;
} racer;

static void *race_open(void *p)
{
	racer *r = p;
	mgen_memory *m = NULL;

	pthread_barrier_wait(r->go);
	r->rc = mgen_memory_open(r->conn, &m, &r->err);
	if (r->rc == 0)
		r->rc = mgen_memory_append(m, "race", "user", "x", NULL, 0,
					   NULL, &r->err);
	mgen_memory_close(m);
	return NULL;
}

/* Eight connections create the tables of a new database at once: every
 * open succeeds (the advisory lock serialises them) and one schema row
 * results. */
static void test_memory__pg_schema_race(void **state)
{
	fixture *f = fx(state), g;
	racer r[8];
	pthread_t t[8];
	pthread_barrier_t go;
	mgen_memory *m = NULL;
	mgen_memory_msg *v = NULL;
	mgen_err err = MGEN_ERR_INIT;
	size_t i, n = 0;

	memset(&g, 0, sizeof(g));
	assert_int_equal(pg_new_db(&g), 0);
	pthread_barrier_init(&go, NULL, 8);
	for (i = 0; i < 8; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].conn = g.conn;
		r[i].go = &go;
		assert_int_equal(pthread_create(&t[i], NULL, race_open, &r[i]),
				 0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		if (r[i].rc != 0)
			fprintf(stderr, "racer %zu: %s\n", i, r[i].err.msg);
		assert_int_equal(r[i].rc, 0);
	}
	pthread_barrier_destroy(&go);
	assert_int_equal(mgen_memory_open(g.conn, &m, &err), 0);
	assert_string_equal(mgen_memory_kind(m), "postgresql");
	assert_int_equal(mgen_memory_history(m, "race", 0, &v, &n, &err), 0);
	assert_int_equal(n, 8);
	mgen_memory_msgs_free(v, n);
	mgen_memory_close(m);
	assert_int_equal(pg_drop_db(&g), 0);
	(void)f;
}

/* A newer schema is refused naming both versions; a wrong password
 * without the secret. (An ODBC store that is not PostgreSQL: in
 * cases_pgmem12.sh, as loading and unloading a second driver in one
 * process leaves glibc's dlopen bookkeeping behind for valgrind.) */
static void test_memory__pg_version_and_secrets(void **state)
{
	fixture *f = fx(state);
	mgen_err err = MGEN_ERR_INIT;
	mgen_memory *m = NULL;
	mgen_wh *wh = NULL;
	char bad[600], *pw;

	assert_int_equal(mgen_wh_connect(f->conn, MGEN_DIALECT_AUTO, &wh, &err),
			 0);
	assert_int_equal(mgen_wh_exec(wh, "UPDATE metagen_schema SET version"
					  " = 9 WHERE name = 'memory'"),
			 0);
	mgen_wh_close(wh);
	assert_int_equal(mgen_memory_open(f->conn, &m, &err), MGEN_EIO);
	assert_null(m);
	assert_non_null(strstr(err.msg, "version 9"));
	assert_non_null(strstr(err.msg, "version 1"));
	/* the password replaced by a longer wrong one */
	pw = strstr(f->conn, "Pwd=");
	assert_non_null(pw);
	snprintf(bad, sizeof(bad), "%.*sPwd=Wr0ng-Sekr3t-991",
		 (int)(pw - f->conn), f->conn);
	memset(&err, 0, sizeof(err));
	assert_int_equal(mgen_memory_open(bad, &m, &err), MGEN_EDB);
	assert_non_null(strstr(err.msg, "memory: cannot connect"));
	assert_null(strstr(err.msg, "Wr0ng-Sekr3t-991"));
}

/* The server drops the store's connection (a restart, an idle timeout):
 * the next call connects again and works. */
static void test_memory__pg_dropped_connection(void **state)
{
	fixture *f = fx(state);
	mgen_err err = MGEN_ERR_INIT;
	mgen_memory_msg *v = NULL;
	char sql[256];
	size_t n = 0;

	add(f->m, "d", "user", "before", 0);
	snprintf(sql, sizeof(sql),
		 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
		 "WHERE datname = '%s'",
		 f->db);
	assert_int_equal(pg_admin(sql), 0);
	add(f->m, "d", "assistant", "after", 0);
	assert_int_equal(pg_admin(sql), 0);
	assert_int_equal(mgen_memory_history(f->m, "d", 0, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[1].content, "after");
	mgen_memory_msgs_free(v, n);
}

/* A statement waiting on a lock is bounded by statement_timeout (30 s
 * unless the connection string sets it, as here: 1.5 s): the call fails
 * saying so instead of hanging. */
static void test_memory__pg_statement_timeout(void **state)
{
	fixture *f = fx(state);
	mgen_err err = MGEN_ERR_INIT;
	mgen_memory *m = NULL;
	mgen_memory_msg *v = NULL;
	mgen_wh *locker = NULL;
	char conn[600];
	size_t n = 0;
	time_t t0;

	snprintf(conn, sizeof(conn),
		 "%s;pqopt={options=-cstatement_timeout=1500}", f->conn);
	assert_int_equal(mgen_memory_open(conn, &m, &err), 0);
	assert_int_equal(
	    mgen_wh_connect(f->conn, MGEN_DIALECT_AUTO, &locker, &err), 0);
	assert_int_equal(mgen_wh_begin(locker), 0);
	assert_int_equal(mgen_wh_exec(locker, "LOCK TABLE conversations IN "
					      "ACCESS EXCLUSIVE MODE"),
			 0);
	t0 = time(NULL);
	assert_int_equal(mgen_memory_history(m, "t", 0, &v, &n, &err),
			 MGEN_EDB);
	assert_true(time(NULL) - t0 < 10);
	assert_non_null(strstr(err.msg, "statement timeout"));
	assert_int_equal(mgen_wh_rollback(locker), 0);
	mgen_wh_close(locker);
	/* the lock gone, the same handle works again */
	add(m, "t", "user", "x", 0);
	mgen_memory_close(m);
}

#define SQ(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define PG(fn)                                                                 \
	{                                                                      \
#fn "_pg", fn, setup_pg, teardown_pg, NULL                     \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SQ(test_memory__history_last_n_oldest_first),
	    SQ(test_memory__hostile_inputs_refused),
	    SQ(test_memory__metadata_and_ids),
	    SQ(test_memory__list_delete_prune),
	    SQ(test_memory__file_mode_reopen_version),
	    SQ(test_memory__content_exact_and_bounded),
	    SQ(test_memory__retention),
	    cmocka_unit_test(test_memory__open_refusals),
	    PG(test_memory__history_last_n_oldest_first),
	    PG(test_memory__hostile_inputs_refused),
	    PG(test_memory__metadata_and_ids),
	    PG(test_memory__list_delete_prune),
	    PG(test_memory__content_exact_and_bounded),
	    PG(test_memory__retention),
	    PG(test_memory__pg_schema_race),
	    PG(test_memory__pg_version_and_secrets),
	    PG(test_memory__pg_dropped_connection),
	    PG(test_memory__pg_statement_timeout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
