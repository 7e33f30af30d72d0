/*
 * sessions.c - the memory store's session-wide operations
 * (include/metagen/memory.h): list, delete one, prune the old ones.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory/memory_internal.h"
#include "util/util.h"

int mgen_memory_sessions(mgen_memory *m, mgen_memory_session **out, size_t *n,
			 mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	mgen_memory_session *v = NULL, *grown;
	size_t cap = 0, cnt = 0;
	int rc = 0, step;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(m->db,
			       "SELECT session_id, count(*),"
			       " min(timestamp), max(timestamp) FROM"
			       " conversations GROUP BY session_id"
			       " ORDER BY max(id) DESC",
			       -1, &st, NULL) != SQLITE_OK)
		return mgen__memory_db_err(m, "listing sessions", err);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(v, cap * sizeof(*v));
			if (grown == NULL)
				break;
			v = grown;
		}
		v[cnt].session_id =
		    mgen__strdup((const char *)sqlite3_column_text(st, 0));
		if (v[cnt].session_id == NULL)
			break;
		v[cnt].messages = sqlite3_column_int64(st, 1);
		v[cnt].first_ms = sqlite3_column_int64(st, 2);
		v[cnt].last_ms = sqlite3_column_int64(st, 3);
		cnt++;
	}
	if (step == SQLITE_ROW)
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	else if (step != SQLITE_DONE)
		rc = mgen__memory_db_err(m, "listing sessions", err);
	sqlite3_finalize(st);
	if (rc != 0) {
		mgen_memory_sessions_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

void mgen_memory_sessions_free(mgen_memory_session *s, size_t n)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++)
		free(s[i].session_id);
	free(s);
}

/* Runs `sql` with ?1 bound to text `a` or, when NULL, to integer `b`;
 * *changed (may be NULL) gets the rows changed. */
static int run_change(mgen_memory *m, const char *sql, const char *a,
		      long long b, long long *changed, const char *what,
		      mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(m->db, sql, -1, &st, NULL) != SQLITE_OK)
		return mgen__memory_db_err(m, what, err);
	if (a != NULL)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, b);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = mgen__memory_db_err(m, what, err);
	else if (changed != NULL)
		*changed = sqlite3_changes(m->db);
	sqlite3_finalize(st);
	return rc;
}

int mgen_memory_delete(mgen_memory *m, const char *session_id,
		       long long *removed, mgen_err *err)
{
	if (removed != NULL)
		*removed = 0;
	if (!mgen_memory_session_valid(session_id))
		return mgen_err_set(err, MGEN_EINVAL, "memory: bad session id");
	return run_change(m,
			  "DELETE FROM conversations WHERE session_id ="
			  " ?1",
			  session_id, 0, removed, "deleting a session", err);
}

/* Counts the sessions to go first, then deletes them in one statement
 * (a transaction, so the two agree). */
int mgen_memory_prune(mgen_memory *m, long long before_ms, long long *sessions,
		      long long *messages, mgen_err *err)
{
	static const char old_sessions[] =
	    " (SELECT session_id FROM conversations GROUP BY session_id"
	    " HAVING max(timestamp) < ?1)";
	sqlite3_stmt *st = NULL;
	long long ns = 0, nm = 0;
	char sql[256];
	int rc;

	if (sqlite3_exec(m->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return mgen__memory_db_err(m, "pruning", err);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM%s", old_sessions);
	if (sqlite3_prepare_v2(m->db, sql, -1, &st, NULL) != SQLITE_OK) {
		rc = mgen__memory_db_err(m, "pruning", err);
		goto done;
	}
	sqlite3_bind_int64(st, 1, before_ms);
	if (sqlite3_step(st) == SQLITE_ROW)
		ns = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	snprintf(sql, sizeof(sql),
		 "DELETE FROM conversations WHERE "
		 "session_id IN%s",
		 old_sessions);
	rc = run_change(m, sql, NULL, before_ms, &nm, "pruning", err);
done:
	sqlite3_exec(m->db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	if (sessions != NULL)
		*sessions = rc == 0 ? ns : 0;
	if (messages != NULL)
		*messages = rc == 0 ? nm : 0;
	return rc;
}
