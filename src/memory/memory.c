/*
 * memory.c - the conversation memory store (include/metagen/memory.h) on
 * SQLite: table `conversations` (the column names of the issue's
 * PostgreSQL layout, so one schema serves both), its version in
 * `metagen_schema`. Every statement binds its values; every read names
 * one session. SQLite stays inside this file.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memory/memory_internal.h"
#include "util/json.h"
#include "util/util.h"

#define MEMORY_BUSY_MS 10000

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

int mgen__memory_db_err(mgen_memory *m, const char *what, mgen_err *err)
{
	return mgen_err_set(err, MGEN_EIO, "memory: %s: %s", what,
			    sqlite3_errmsg(m->db));
}

/* The schema version recorded in the file, checked against ours. */
static int check_version(mgen_memory *m, const char *path, mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;
	int rc = 0;

	if (sqlite3_prepare_v2(m->db,
			       "SELECT version FROM metagen_schema "
			       "WHERE name = 'memory'",
			       -1, &st, NULL) != SQLITE_OK)
		return mgen__memory_db_err(m, "reading the schema version",
					   err);
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

int mgen_memory_open(const char *connection, mgen_memory **out, mgen_err *err)
{
	mgen_memory *m;
	char *msg = NULL;
	int rc;

	*out = NULL;
	if (connection == NULL || connection[0] == '\0')
		return mgen_err_set(
		    err, MGEN_EINVAL,
		    "memory: no connection (memory.connection)");
	if (strchr(connection, '=') != NULL)
		return mgen_err_set(err, MGEN_EUNSUPPORTED,
				    "memory.connection: ODBC stores are not "
				    "supported yet; give a SQLite file path");
	rc = mgen__prepare_private_db(connection);
	if (rc != 0)
		return mgen_err_set(err, rc,
				    "memory: cannot create the folder "
				    "of '%s'",
				    connection);
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (sqlite3_open_v2(connection, &m->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		rc = mgen_err_set(
		    err, MGEN_EIO, "memory: cannot open '%s': %s", connection,
		    m->db ? sqlite3_errmsg(m->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(m->db, MEMORY_BUSY_MS);
	if (sqlite3_exec(m->db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
		rc = mgen_err_set(err, MGEN_EIO,
				  "memory: cannot set up '%s': %s", connection,
				  msg ? msg : "unknown error");
		sqlite3_free(msg);
		goto fail;
	}
	rc = check_version(m, connection, err);
	if (rc != 0)
		goto fail;
	*out = m;
	return 0;
fail:
	mgen_memory_close(m);
	return rc;
}

void mgen_memory_close(mgen_memory *m)
{
	if (m == NULL)
		return;
	sqlite3_close(m->db);
	free(m);
}

int mgen_memory_session_valid(const char *id)
{
	size_t i;

	if (id == NULL || id[0] == '\0')
		return 0;
	for (i = 0; id[i] != '\0'; i++) {
		unsigned char c = (unsigned char)id[i];
		if (i >= MGEN_MEMORY_SESSION_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == ':' || c == '-'))
			return 0;
	}
	return 1;
}

static int check_session(const char *id, mgen_err *err)
{
	if (mgen_memory_session_valid(id))
		return 0;
	return mgen_err_set(err, MGEN_EINVAL,
			    "memory: bad session id (1-%d characters of "
			    "A-Z a-z 0-9 . _ : -)",
			    MGEN_MEMORY_SESSION_MAX);
}

/* 1 when `s` is valid UTF-8 of at most MGEN_MEMORY_CONTENT_MAX bytes. */
static int utf8_ok(const char *s)
{
	size_t len = strlen(s), i = 0, k;

	if (len > MGEN_MEMORY_CONTENT_MAX)
		return 0;
	while (i < len) {
		k = mgen__utf8_seq((const unsigned char *)s + i, len - i);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

static int check_message(const char *role, const char *content,
			 const char *metadata, mgen_err *err)
{
	cJSON *j;
	int ok;

	if (role == NULL ||
	    (strcmp(role, "user") != 0 && strcmp(role, "assistant") != 0 &&
	     strcmp(role, "system") != 0))
		return mgen_err_set(err, MGEN_EINVAL,
				    "memory: role must be "
				    "user, assistant or system");
	if (content == NULL || !utf8_ok(content))
		return mgen_err_set(err, MGEN_EINVAL,
				    "memory: content is not "
				    "UTF-8 text of at most %d bytes",
				    MGEN_MEMORY_CONTENT_MAX);
	if (metadata == NULL)
		return 0;
	if (strlen(metadata) > MGEN_MEMORY_CONTENT_MAX)
		return mgen_err_set(err, MGEN_EINVAL,
				    "memory: metadata is too large");
	j = cJSON_Parse(metadata);
	ok = j != NULL && cJSON_IsObject(j);
	cJSON_Delete(j);
	return ok ? 0
		  : mgen_err_set(err, MGEN_EINVAL,
				 "memory: metadata is "
				 "not a JSON object");
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int mgen_memory_append(mgen_memory *m, const char *session_id, const char *role,
		       const char *content, const char *metadata,
		       long long time_ms, long long *id_out, mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = check_session(session_id, err);
	if (rc == 0)
		rc = check_message(role, content, metadata, err);
	if (rc != 0)
		return rc;
	if (sqlite3_prepare_v2(m->db,
			       "INSERT INTO conversations (session_id,"
			       " role, content, timestamp, metadata) "
			       "VALUES (?1, ?2, ?3, ?4, ?5)",
			       -1, &st, NULL) != SQLITE_OK)
		return mgen__memory_db_err(m, "storing a message", err);
	sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, content, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, time_ms > 0 ? time_ms : now_ms());
	sqlite3_bind_text(st, 5, metadata ? metadata : "{}", -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = mgen__memory_db_err(m, "storing a message", err);
	else if (id_out != NULL)
		*id_out = (long long)sqlite3_last_insert_rowid(m->db);
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
int mgen_memory_history(mgen_memory *m, const char *session_id, size_t limit,
			mgen_memory_msg **out, size_t *n, mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	mgen_memory_msg *v = NULL, *grown, tmp;
	size_t cap = 0, cnt = 0, i;
	int rc, step;

	*out = NULL;
	*n = 0;
	rc = check_session(session_id, err);
	if (rc != 0)
		return rc;
	if (sqlite3_prepare_v2(m->db,
			       "SELECT id, session_id, role, content,"
			       " timestamp, metadata FROM conversations"
			       " WHERE session_id = ?1 ORDER BY id DESC"
			       " LIMIT ?2",
			       -1, &st, NULL) != SQLITE_OK)
		return mgen__memory_db_err(m, "reading a session", err);
	sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit == 0 ? -1 : (sqlite3_int64)limit);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(v, cap * sizeof(*v));
			if (grown == NULL) {
				rc = mgen_err_set(err, MGEN_ENOMEM,
						  "out of memory");
				goto done;
			}
			v = grown;
		}
		memset(&v[cnt], 0, sizeof(v[cnt]));
		if (read_msg(st, &v[cnt++]) != 0) {
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
			goto done;
		}
	}
	if (step != SQLITE_DONE) {
		rc = mgen__memory_db_err(m, "reading a session", err);
		goto done;
	}
	for (i = 0; i < cnt / 2; i++) {
		tmp = v[i];
		v[i] = v[cnt - 1 - i];
		v[cnt - 1 - i] = tmp;
	}
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

void mgen_memory_msgs_free(mgen_memory_msg *msgs, size_t n)
{
	size_t i;

	for (i = 0; msgs != NULL && i < n; i++) {
		free(msgs[i].session_id);
		free(msgs[i].role);
		free(msgs[i].content);
		free(msgs[i].metadata);
	}
	free(msgs);
}
