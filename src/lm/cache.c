/*
 * cache.c - the LM answer cache's store (include/metagen/cache.h): one
 * SQLite connection (sqlite3 C API) under a mutex, WAL journal so other
 * processes can read while one writes, busy_timeout for writers that
 * meet. SQLite stays inside this file.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "metagen/buf.h"
#include "metagen/cache.h"
#include "util/json.h"
#include "util/util.h"

#define CACHE_BUSY_MS 10000

struct mgen_cache {
	sqlite3 *db;
	pthread_mutex_t mu;
};

static const char schema_sql[] = "PRAGMA journal_mode=WAL;"
				 "PRAGMA synchronous=NORMAL;"
				 "CREATE TABLE IF NOT EXISTS entries ("
				 " key TEXT PRIMARY KEY,"
				 " model TEXT,"
				 " created_at INTEGER NOT NULL,"
				 " response TEXT NOT NULL,"
				 " hits INTEGER NOT NULL DEFAULT 0);";

/* Records SQLite's own message for `what`. */
static int db_err(mgen_cache *c, const char *what, mgen_err *err)
{
	return mgen_err_set(err, MGEN_EIO, "cache: %s: %s", what,
			    sqlite3_errmsg(c->db));
}

int mgen_cache_open(const char *path, mgen_cache **out, mgen_err *err)
{
	mgen_cache *c = NULL;
	char *msg = NULL;
	int rc;

	*out = NULL;
	if (path == NULL || path[0] == '\0')
		return mgen_err_set(err, MGEN_EINVAL, "cache: no file name");
	/* created owner-only (answers quote sample values); SQLite gives its
	 * journal and WAL files the database file's mode */
	rc = mgen__prepare_private_db(path);
	if (rc != 0)
		return mgen_err_set(err, rc,
				    "cache: cannot create the folder "
				    "of '%s'",
				    path);
	c = calloc(1, sizeof(*c));
	if (c == NULL || pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c);
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	if (sqlite3_open_v2(path, &c->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		rc = mgen_err_set(
		    err, MGEN_EIO, "cache: cannot open '%s': %s", path,
		    c->db ? sqlite3_errmsg(c->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(c->db, CACHE_BUSY_MS);
	if (sqlite3_exec(c->db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
		rc =
		    mgen_err_set(err, MGEN_EIO, "cache: cannot set up '%s': %s",
				 path, msg ? msg : "unknown error");
		sqlite3_free(msg);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	sqlite3_close(c->db);
	pthread_mutex_destroy(&c->mu);
	free(c);
	return rc;
}

void mgen_cache_close(mgen_cache *c)
{
	if (c == NULL)
		return;
	sqlite3_close(c->db);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

void mgen_cache_entry_release(mgen_cache_entry *e)
{
	if (e == NULL)
		return;
	free(e->content);
	free(e->finish_reason);
	memset(e, 0, sizeof(*e));
}

/* Fills `e` from the stored response JSON; MGEN_ENOTFOUND when it does
 * not have the expected shape. */
static int decode(const char *text, mgen_cache_entry *e)
{
	cJSON *root = cJSON_Parse(text);
	const char *content = mgen__json_str(root, "content");
	const char *fr = mgen__json_str(root, "finish_reason");
	int rc = MGEN_ENOTFOUND;

	if (content == NULL)
		goto done;
	e->content = mgen__strdup(content);
	e->finish_reason = fr ? mgen__strdup(fr) : NULL;
	e->prompt_tokens = (long)mgen__json_num(root, "prompt_tokens", 0);
	e->completion_tokens =
	    (long)mgen__json_num(root, "completion_tokens", 0);
	rc = (e->content && (!fr || e->finish_reason)) ? 0 : MGEN_ENOMEM;
	if (rc)
		mgen_cache_entry_release(e);
done:
	cJSON_Delete(root);
	return rc;
}

/* Prepares `sql` and binds `key` to ?1. */
static int prepare_key(mgen_cache *c, const char *sql, const char *key,
		       sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(c->db, sql, -1, st, NULL) != SQLITE_OK)
		return -1;
	if (key &&
	    sqlite3_bind_text(*st, 1, key, -1, SQLITE_STATIC) != SQLITE_OK)
		return -1;
	return 0;
}

int mgen_cache_get(mgen_cache *c, const char *key, mgen_cache_entry *out,
		   mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = MGEN_ENOTFOUND, s;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&c->mu);
	if (prepare_key(c, "SELECT response FROM entries WHERE key = ?1", key,
			&st) != 0) {
		rc = db_err(c, "lookup", err);
		goto done;
	}
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		rc = decode((const char *)sqlite3_column_text(st, 0), out);
	else if (s != SQLITE_DONE)
		rc = db_err(c, "lookup", err);
	sqlite3_finalize(st);
	st = NULL;
	if (rc == 0 &&
	    (prepare_key(c, "UPDATE entries SET hits = hits + 1 WHERE key = ?1",
			 key, &st) != 0 ||
	     sqlite3_step(st) != SQLITE_DONE))
		rc = db_err(c, "counting a hit", err);
	if (rc == MGEN_ENOMEM)
		mgen_err_set(err, rc, "out of memory");
done:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->mu);
	if (rc != 0)
		mgen_cache_entry_release(out);
	return rc;
}

/* The response JSON text of `e` (malloc'd), or NULL on out of memory
 * (checked adds: never an entry missing a member). */
static char *encode(const mgen_cache_entry *e)
{
	cJSON *o = cJSON_CreateObject();
	char *text = NULL;
	int err = o ? 0 : MGEN_ENOMEM;

	mgen__json_add_str(&err, o, "content", e->content ? e->content : "");
	mgen__json_add_str(&err, o, "finish_reason", e->finish_reason);
	mgen__json_add_num(&err, o, "prompt_tokens", (double)e->prompt_tokens);
	mgen__json_add_num(&err, o, "completion_tokens",
			   (double)e->completion_tokens);
	if (err == 0)
		text = mgen__json_print(o);
	cJSON_Delete(o);
	return text;
}

int mgen_cache_put(mgen_cache *c, const char *key, const char *model,
		   const mgen_cache_entry *e, mgen_err *err)
{
	static const char sql[] =
	    "INSERT OR REPLACE INTO entries (key, model, created_at, "
	    "response, hits) VALUES (?1, ?2, ?3, ?4, 0)";
	sqlite3_stmt *st = NULL;
	char *text = encode(e);
	int rc = 0;

	if (text == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	pthread_mutex_lock(&c->mu);
	if (prepare_key(c, sql, key, &st) != 0 ||
	    sqlite3_bind_text(st, 2, model ? model : "", -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL)) ||
	    sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC) ||
	    sqlite3_step(st) != SQLITE_DONE)
		rc = db_err(c, "storing an answer", err);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->mu);
	free(text);
	return rc;
}

int mgen_cache_delete(mgen_cache *c, const char *key, mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	pthread_mutex_lock(&c->mu);
	if (prepare_key(c, "DELETE FROM entries WHERE key = ?1", key, &st) !=
		0 ||
	    sqlite3_step(st) != SQLITE_DONE)
		rc = db_err(c, "removing an answer", err);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

/* One integer from a one-row query (0 when NULL). */
static int query_int(mgen_cache *c, const char *sql, long long *v)
{
	sqlite3_stmt *st = NULL;
	int ok;

	*v = 0;
	if (prepare_key(c, sql, NULL, &st) != 0) {
		sqlite3_finalize(st);
		return -1;
	}
	ok = sqlite3_step(st) == SQLITE_ROW;
	if (ok)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

int mgen_cache_stats_get(mgen_cache *c, mgen_cache_stats *out, mgen_err *err)
{
	long long psize = 0, pcount = 0;
	int bad;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&c->mu);
	bad =
	    query_int(c, "SELECT count(*) FROM entries", &out->entries) ||
	    query_int(c,
		      "SELECT total(length(response) + length(key) + "
		      "length(model)) FROM entries",
		      &out->bytes) ||
	    query_int(c, "SELECT total(hits) FROM entries", &out->hits) ||
	    query_int(c, "SELECT min(created_at) FROM entries", &out->oldest) ||
	    query_int(c, "SELECT max(created_at) FROM entries", &out->newest) ||
	    query_int(c, "PRAGMA page_size", &psize) ||
	    query_int(c, "PRAGMA page_count", &pcount);
	out->file_bytes = psize * pcount;
	if (bad)
		db_err(c, "reading statistics", err);
	pthread_mutex_unlock(&c->mu);
	return bad ? MGEN_EIO : 0;
}

int mgen_cache_clear(mgen_cache *c, long long *removed, mgen_err *err)
{
	char *msg = NULL;
	int rc = 0;

	if (removed)
		*removed = 0;
	pthread_mutex_lock(&c->mu);
	if (sqlite3_exec(c->db, "DELETE FROM entries", NULL, NULL, &msg) !=
	    SQLITE_OK) {
		rc = mgen_err_set(err, MGEN_EIO, "cache: clearing: %s",
				  msg ? msg : "unknown error");
		sqlite3_free(msg);
	} else {
		if (removed)
			*removed = sqlite3_changes(c->db);
		/* compaction is best effort: another process may be
		 * reading */
		sqlite3_exec(c->db, "VACUUM", NULL, NULL, NULL);
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}
