/*
 * mem_sqlite.c - the conversation memory store on a SQLite file (the
 * embedded default): table `conversations` (the column names of the
 * issue's PostgreSQL layout, so one schema serves both; the time in Unix
 * ms, the metadata as JSON text), its version in `metagen_schema`. Every
 * statement binds its values; every read names one session. SQLite
 * stays inside this file.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory/memory_internal.h"
#include "util/util.h"

#define MEMORY_BUSY_MS 10000

typedef struct sq_store {
	sqlite3 *db;
} sq_store;

static const char schema_sql[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS metagen_schema ("
    " name TEXT PRIMARY KEY,"
    " version INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO metagen_schema (name, version)"
    " VALUES ('memory', 1);"
    "CREATE TABLE IF NOT EXISTS conversations ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " session_id TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " content TEXT NOT NULL,"
    " timestamp INTEGER NOT NULL,"
    " metadata TEXT NOT NULL DEFAULT '{}');"
    "CREATE INDEX IF NOT EXISTS conversations_session"
    " ON conversations (session_id, id);";

/* SQLite's error recorded as MGEN_EIO ("memory: WHAT: sqlite message"). */
static int db_err(sq_store *s, const char *what, mgen_err *err)
{
	return mgen_err_set(err, MGEN_EIO, "memory: %s: %s", what,
			    sqlite3_errmsg(s->db));
}

/* The schema version recorded in the file, checked against ours. */
static int check_version(sq_store *s, const char *path, mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;
	int rc = 0;

	if (sqlite3_prepare_v2(s->db,
			       "SELECT version FROM metagen_schema "
			       "WHERE name = 'memory'",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "reading the schema version", err);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (v != MGEN_MEMORY_SCHEMA_VERSION)
		rc = mgen_err_set(err, MGEN_EIO,
				  "memory: '%s' has schema "
				  "version %lld; this metagen reads version %d",
				  path, v, MGEN_MEMORY_SCHEMA_VERSION);
	return rc;
}

static void sq_close(void *p)
{
	sq_store *s = p;

	if (s == NULL)
		return;
	sqlite3_close(s->db);
	free(s);
}

static int sq_append(void *p, const char *session_id, const char *role,
		     const char *content, const char *metadata,
		     long long time_ms, long long *id_out, mgen_err *err)
{
	sq_store *s = p;
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO conversations (session_id,"
			       " role, content, timestamp, metadata) "
			       "VALUES (?1, ?2, ?3, ?4, ?5)",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "storing a message", err);
	sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, content, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, time_ms);
	sqlite3_bind_text(st, 5, metadata, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_err(s, "storing a message", err);
	else if (id_out != NULL)
		*id_out = (long long)sqlite3_last_insert_rowid(s->db);
	sqlite3_finalize(st);
	return rc;
}

/* Column `i` of the current row as an owned string ("" for NULL). */
static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return mgen__strdup(t ? (const char *)t : "");
}

static int read_msg(sqlite3_stmt *st, mgen_memory_msg *msg)
{
	msg->id = sqlite3_column_int64(st, 0);
	msg->session_id = col_dup(st, 1);
	msg->role = col_dup(st, 2);
	msg->content = col_dup(st, 3);
	msg->time_ms = sqlite3_column_int64(st, 4);
	msg->metadata = col_dup(st, 5);
	return msg->session_id && msg->role && msg->content && msg->metadata
		   ? 0
		   : MGEN_ENOMEM;
}

/* The newest `limit` rows are selected newest first, then reversed. */
static int sq_history(void *p, const char *session_id, size_t limit,
		      mgen_memory_msg **out, size_t *n, mgen_err *err)
{
	sq_store *s = p;
	sqlite3_stmt *st = NULL;
	mgen_memory_msg *v = NULL;
	size_t cap = 0, cnt = 0;
	int rc = 0, step;

	if (sqlite3_prepare_v2(s->db,
			       "SELECT id, session_id, role, content,"
			       " timestamp, metadata FROM conversations"
			       " WHERE session_id = ?1 ORDER BY id DESC"
			       " LIMIT ?2",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "reading a session", err);
	sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit == 0 ? -1 : (sqlite3_int64)limit);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (mgen__memory_grow((void **)&v, sizeof(*v), &cap, cnt) !=
		    0) {
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
			goto done;
		}
		memset(&v[cnt], 0, sizeof(v[cnt]));
		if (read_msg(st, &v[cnt++]) != 0) {
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
			goto done;
		}
	}
	if (step != SQLITE_DONE) {
		rc = db_err(s, "reading a session", err);
		goto done;
	}
	mgen__memory_reverse(v, cnt);
done:
	sqlite3_finalize(st);
	if (rc != 0) {
		mgen_memory_msgs_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

static int sq_sessions(void *p, mgen_memory_session **out, size_t *n,
		       mgen_err *err)
{
	sq_store *s = p;
	sqlite3_stmt *st = NULL;
	mgen_memory_session *v = NULL;
	size_t cap = 0, cnt = 0;
	int rc = 0, step;

	if (sqlite3_prepare_v2(s->db,
			       "SELECT session_id, count(*),"
			       " min(timestamp), max(timestamp) FROM"
			       " conversations GROUP BY session_id"
			       " ORDER BY max(id) DESC",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "listing sessions", err);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (mgen__memory_grow((void **)&v, sizeof(*v), &cap, cnt) != 0)
			break;
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
		rc = db_err(s, "listing sessions", err);
	sqlite3_finalize(st);
	if (rc != 0) {
		mgen_memory_sessions_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* Runs `sql` with ?1 bound to text `a` or, when NULL, to integer `b`;
 * *changed (may be NULL) gets the rows changed. */
static int run_change(sq_store *s, const char *sql, const char *a, long long b,
		      long long *changed, const char *what, mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_err(s, what, err);
	if (a != NULL)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, b);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_err(s, what, err);
	else if (changed != NULL)
		*changed = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	return rc;
}

static int sq_remove(void *p, const char *session_id, long long *removed,
		     mgen_err *err)
{
	return run_change(p,
			  "DELETE FROM conversations WHERE session_id ="
			  " ?1",
			  session_id, 0, removed, "deleting a session", err);
}

/* Counts the sessions to go first, then deletes them in one statement
 * (a transaction, so the two agree). */
static int sq_prune(void *p, long long before_ms, long long *sessions,
		    long long *messages, mgen_err *err)
{
	static const char old_sessions[] =
	    " (SELECT session_id FROM conversations GROUP BY session_id"
	    " HAVING max(timestamp) < ?1)";
	sq_store *s = p;
	sqlite3_stmt *st = NULL;
	long long ns = 0, nm = 0;
	char sql[256];
	int rc;

	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return db_err(s, "pruning", err);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM%s", old_sessions);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		rc = db_err(s, "pruning", err);
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
	rc = run_change(s, sql, NULL, before_ms, &nm, "pruning", err);
done:
	sqlite3_exec(s->db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	if (sessions != NULL)
		*sessions = ns;
	if (messages != NULL)
		*messages = nm;
	return rc;
}

static const mgen__memory_ops sq_ops = {"sqlite",    sq_append, sq_history,
					sq_sessions, sq_remove, sq_prune,
					sq_close};

int mgen__memory_sqlite_open(const char *path, const mgen__memory_ops **ops,
			     void **store, mgen_err *err)
{
	sq_store *s;
	char *msg = NULL;
	int rc;

	rc = mgen__prepare_private_db(path);
	if (rc != 0)
		return mgen_err_set(err, rc,
				    "memory: cannot create the folder "
				    "of '%s'",
				    path);
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (sqlite3_open_v2(path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		rc = mgen_err_set(
		    err, MGEN_EIO, "memory: cannot open '%s': %s", path,
		    s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, MEMORY_BUSY_MS);
	if (sqlite3_exec(s->db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
		rc = mgen_err_set(err, MGEN_EIO,
				  "memory: cannot set up '%s': %s", path,
				  msg ? msg : "unknown error");
		sqlite3_free(msg);
		goto fail;
	}
	rc = check_version(s, path, err);
	if (rc != 0)
		goto fail;
	*ops = &sq_ops;
	*store = s;
	return 0;
fail:
	sq_close(s);
	return rc;
}
