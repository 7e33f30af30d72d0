/*
 * test_memory.c - the conversation memory (include/metagen/memory.h) on a
 * real SQLite file: append and history (last N, oldest first), sessions
 * never seeing each other's messages, session ids and messages that are
 * refused (hostile ids, bad UTF-8, non-object metadata, roles), list,
 * delete, prune by idle time, schema version (a newer file refused),
 * owner-only file mode, reopen, ODBC strings refused as unsupported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metagen/memory.h"

typedef struct fixture {
	char dir[64];
	char path[128];
	mgen_memory *m;
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

static void add(mgen_memory *m, const char *s, const char *role,
		const char *content, long long t)
{
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(mgen_memory_append(m, s, role, content, NULL, t,
					    NULL, &err), 0);
}

static void test_memory__history_last_n_oldest_first(void **state)
{
	fixture *f = *state;
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
	assert_int_equal(mgen_memory_history(f->m, "s-a", 20, &v, &n, &err),
			 0);
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
	fixture *f = *state;
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
	assert_int_equal(mgen_memory_append(f->m, "%", "user", "x", NULL, 0,
					    NULL, &err), MGEN_EINVAL);
	assert_non_null(strstr(err.msg, "session id"));
	memset(&err, 0, sizeof(err)); /* the first error is kept */
	assert_int_equal(mgen_memory_append(f->m, "s", "tool", "x", NULL, 0,
					    NULL, &err), MGEN_EINVAL);
	assert_non_null(strstr(err.msg, "role"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(mgen_memory_append(f->m, "s", "user", "a\xff", NULL, 0,
					    NULL, &err), MGEN_EINVAL);
	assert_non_null(strstr(err.msg, "UTF-8"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(mgen_memory_append(f->m, "s", "user", "x", "[1]", 0,
					    NULL, &err), MGEN_EINVAL);
	assert_int_equal(mgen_memory_append(f->m, "s", "user", "x", "{", 0,
					    NULL, &err), MGEN_EINVAL);
	assert_non_null(strstr(err.msg, "metadata"));
	/* a LIKE-ish id reads nothing of another session; quotes are data */
	add(f->m, "s1", "user", "it's \"quoted\"; DROP TABLE conversations",
	    0);
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
	fixture *f = *state;
	mgen_err err = MGEN_ERR_INIT;
	mgen_memory_msg *v = NULL;
	long long id1 = 0, id2 = 0;
	size_t n = 0;

	assert_int_equal(mgen_memory_append(f->m, "m", "user", "q",
					    "{\"chunks\":[3,7]}", 5, &id1,
					    &err), 0);
	assert_int_equal(mgen_memory_append(f->m, "m", "assistant", "a [1]",
					    "{\"tokens\":12}", 6, &id2, &err),
			 0);
	assert_true(id2 > id1);
	assert_int_equal(mgen_memory_history(f->m, "m", 0, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].metadata, "{\"chunks\":[3,7]}");
	assert_int_equal(v[0].time_ms, 5);
	assert_int_equal(v[1].id, id2);
	mgen_memory_msgs_free(v, n);
}

static void test_memory__list_delete_prune(void **state)
{
	fixture *f = *state;
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
	assert_int_equal(sqlite3_exec(db, "UPDATE metagen_schema SET version"
					  " = 9 WHERE name = 'memory'", NULL,
				      NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(mgen_memory_open(f->path, &m2, &err), MGEN_EIO);
	assert_null(m2);
	assert_non_null(strstr(err.msg, "version 9"));
	assert_non_null(strstr(err.msg, "version 1"));
}

static void test_memory__open_refusals(void **state)
{
	mgen_err err = MGEN_ERR_INIT;
	mgen_memory *m = NULL;

	(void)state;
	assert_int_equal(mgen_memory_open("", &m, &err), MGEN_EINVAL);
	assert_int_equal(mgen_memory_open(NULL, &m, &err), MGEN_EINVAL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(mgen_memory_open("Driver=PostgreSQL;Server=h", &m,
					  &err), MGEN_EUNSUPPORTED);
	assert_non_null(strstr(err.msg, "memory.connection"));
	assert_int_equal(mgen_memory_open("/proc/no/such/dir/m.sqlite", &m,
					  &err), MGEN_EIO);
	assert_null(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_memory__history_last_n_oldest_first, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_memory__hostile_inputs_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory__metadata_and_ids,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory__list_delete_prune,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_memory__file_mode_reopen_version, setup, teardown),
		cmocka_unit_test(test_memory__open_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
