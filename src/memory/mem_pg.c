/*
 * mem_pg.c - the conversation memory store on PostgreSQL, reached through
 * the warehouse layer's ODBC connection (psqlODBC): the layout
 * `conversations` (id bigserial, session_id, role, content text,
 * "timestamp" timestamptz, metadata jsonb) with an index on (session_id,
 * id), its version in `metagen_schema`. Several processes share it: the
 * tables are created, when missing, in one transaction under an advisory
 * lock (two processes creating them at once would otherwise collide in
 * the catalog even with IF NOT EXISTS); ids come from the sequence, so
 * messages of one session written by different servers keep their
 * order. Every value is bound as a parameter (text, cast in the SQL);
 * every read names one session. One connection per handle behind a
 * mutex; a connection the server dropped is opened again once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory/memory_internal.h"
#include "metagen/warehouse.h"
#include "metagen/wh_query.h"
#include "util/util.h"

/* The key of the transaction-scoped advisory lock the schema is created
 * under ("mgenmem" in ASCII); pg_advisory_xact_lock takes a bigint. */
#define PG_SCHEMA_LOCK "30521920633840973"

/*
 * The statements. A time is bound as Unix ms and becomes timestamptz as
 * 'epoch' + ms * 1 ms; it is read back as floor(epoch * 1000) (both
 * exact: integer milliseconds). Reads are bounded, whoever wrote the
 * row: metagen writes at most MGEN_MEMORY_CONTENT_MAX (1048576) bytes,
 * so only foreign rows are cut, at 1048576 characters.
 */
static const char insert_sql[] =
    "INSERT INTO conversations (session_id, role, content, \"timestamp\","
    " metadata) VALUES (?, ?, ?,"
    " timestamptz 'epoch' + CAST(? AS bigint) * interval '1 ms',"
    " CAST(? AS jsonb)) RETURNING id";

static const char history_sql[] =
    "SELECT id, session_id, role, left(content, 1048576),"
    " floor(extract(epoch FROM \"timestamp\") * 1000)::bigint,"
    " left(metadata::text, 1048576) FROM conversations"
    " WHERE session_id = ? ORDER BY id DESC"
    " LIMIT NULLIF(CAST(? AS bigint), 0)";

static const char sessions_sql[] =
    "SELECT session_id, count(*),"
    " floor(extract(epoch FROM min(\"timestamp\")) * 1000)::bigint,"
    " floor(extract(epoch FROM max(\"timestamp\")) * 1000)::bigint"
    " FROM conversations GROUP BY session_id ORDER BY max(id) DESC";

static const char delete_sql[] =
    "WITH gone AS (DELETE FROM conversations WHERE session_id = ?"
    " RETURNING 1) SELECT count(*) FROM gone";

/* One statement (so one snapshot, one transaction): the sessions whose
 * last message is older than the bound, deleted whole. */
static const char prune_sql[] =
    "WITH old AS (SELECT session_id FROM conversations"
    " GROUP BY session_id HAVING max(\"timestamp\") <"
    " timestamptz 'epoch' + CAST(? AS bigint) * interval '1 ms'),"
    " gone AS (DELETE FROM conversations c USING old"
    " WHERE c.session_id = old.session_id RETURNING c.session_id)"
    " SELECT count(DISTINCT session_id), count(*) FROM gone";

typedef struct pg_store {
	mgen_wh *wh;
	pthread_mutex_t lock; /* one statement at a time on the connection */
	char *conn;	      /* the connection string, to connect again;
				 holds secrets: zeroed before it is freed */
} pg_store;

/* The connection's last error as MGEN_EDB ("memory: WHAT: SQLSTATE:
 * text", secrets masked by the warehouse layer). */
static int pg_err(pg_store *s, mgen_err *err)
{
	return mgen_err_set(err, MGEN_EDB, "memory: %s", mgen_wh_errmsg(s->wh));
}

static int to_ll(const char *t, long long *out)
{
	char *end = NULL;

	if (t == NULL || t[0] == '\0')
		return -1;
	errno = 0;
	*out = strtoll(t, &end, 10);
	return errno == 0 && *end == '\0' ? 0 : -1;
}

/* Runs `sql` with `n` parameters and, when `cells` is given, reads its
 * first row's `ncells` cells (malloc'd; NULL for SQL NULL or no row). */
static int one_row(pg_store *s, const char *what, const char *sql,
		   const char *const *params, size_t n, char **cells,
		   int ncells, mgen_err *err)
{
	mgen_wh_rows *r = NULL;
	int rc, i;

	for (i = 0; i < ncells; i++)
		cells[i] = NULL;
	rc = mgen_wh_query_params(s->wh, what, sql, params, n, &r, err);
	if (rc == 0 && ncells > 0)
		rc = mgen_wh_rows_next(r, err);
	for (i = 0; rc == 1 && i < ncells; i++)
		if (mgen_wh_rows_text(r, i, &cells[i], err) != 0)
			rc = MGEN_EDB;
	mgen_wh_rows_free(r);
	if (rc < 0) {
		for (i = 0; i < ncells; i++) {
			free(cells[i]);
			cells[i] = NULL;
		}
		return rc;
	}
	return 0;
}

/* The cells of one_row as integers: MGEN_EDB naming `what` when one is
 * not a number. Frees the cells. */
static int cells_ll(char **cells, int n, long long *out, const char *what,
		    mgen_err *err)
{
	int i, rc = 0;

	for (i = 0; i < n; i++) {
		if (rc == 0 && to_ll(cells[i], &out[i]) != 0)
			rc = mgen_err_set(err, MGEN_EDB,
					  "%s: the server "
					  "sent no number",
					  what);
		free(cells[i]);
		cells[i] = NULL;
	}
	return rc;
}

/* --- schema -------------------------------------------------------------*/

/* The stored schema version, or -1 when there is none. */
static int read_version(pg_store *s, long long *v, mgen_err *err)
{
	char *cell = NULL;
	int rc = one_row(s, "memory: reading the schema version",
			 "SELECT version FROM metagen_schema WHERE "
			 "name = 'memory'",
			 NULL, 0, &cell, 1, err);

	*v = -1;
	if (rc == 0 && cell != NULL)
		rc = cells_ll(&cell, 1, v, "memory: reading the schema version",
			      err);
	return rc;
}

static int check_version(long long v, mgen_err *err)
{
	if (v == MGEN_MEMORY_SCHEMA_VERSION)
		return 0;
	return mgen_err_set(err, MGEN_EIO,
			    "memory: the PostgreSQL store has schema version "
			    "%lld; this metagen reads version %d",
			    v, MGEN_MEMORY_SCHEMA_VERSION);
}

/* Creates what is missing, in one transaction under the advisory lock:
 * a second process waits for the first, then finds everything there. */
static int create_schema(pg_store *s, mgen_err *err)
{
	static const char *const lead[] = {
	    "SELECT pg_advisory_xact_lock(" PG_SCHEMA_LOCK ")",
	    "CREATE TABLE IF NOT EXISTS metagen_schema ("
	    " name text PRIMARY KEY, version integer NOT NULL)",
	    "INSERT INTO metagen_schema (name, version) VALUES ('memory',"
	    " CAST(? AS integer)) ON CONFLICT (name) DO NOTHING"};
	static const char *const tables[] = {
	    "CREATE TABLE IF NOT EXISTS conversations ("
	    " id bigserial PRIMARY KEY,"
	    " session_id text NOT NULL,"
	    " role text NOT NULL,"
	    " content text NOT NULL,"
	    " \"timestamp\" timestamptz NOT NULL DEFAULT now(),"
	    " metadata jsonb NOT NULL DEFAULT '{}'::jsonb)",
	    "CREATE INDEX IF NOT EXISTS conversations_session"
	    " ON conversations (session_id, id)"};
	char vbuf[16];
	const char *ver[1] = {vbuf};
	long long v = -1;
	size_t i;
	int rc;

	snprintf(vbuf, sizeof(vbuf), "%d", MGEN_MEMORY_SCHEMA_VERSION);
	if (mgen_wh_begin(s->wh) != 0)
		return pg_err(s, err);
	for (i = 0, rc = 0; rc == 0 && i < 3; i++)
		rc = one_row(s, "memory: creating the tables", lead[i], ver,
			     i == 2 ? 1 : 0, NULL, 0, err);
	if (rc == 0)
		rc = read_version(s, &v, err);
	if (rc == 0)
		rc = check_version(v, err);
	for (i = 0; rc == 0 && i < 2; i++)
		rc = one_row(s, "memory: creating the tables", tables[i], NULL,
			     0, NULL, 0, err);
	if (rc == 0 && mgen_wh_commit(s->wh) != 0)
		rc = pg_err(s, err);
	if (rc != 0)
		(void)mgen_wh_rollback(s->wh);
	return rc;
}

/* The tables of a ready store are only read (a role without CREATE
 * rights can use tables made for it); else they are created. */
static int ensure_schema(pg_store *s, mgen_err *err)
{
	char *cell = NULL;
	long long ready = 0, v = -1;
	int rc = one_row(s, "memory: reading the schema",
			 "SELECT CASE WHEN to_regclass('metagen_schema') IS"
			 " NOT NULL AND to_regclass('conversations') IS NOT"
			 " NULL THEN 1 ELSE 0 END",
			 NULL, 0, &cell, 1, err);

	if (rc == 0)
		rc = cells_ll(&cell, 1, &ready, "memory: reading the schema",
			      err);
	if (rc != 0)
		return rc;
	if (!ready)
		return create_schema(s, err);
	rc = read_version(s, &v, err);
	return rc == 0 ? check_version(v, err) : rc;
}

/* --- the connection -----------------------------------------------------*/

/* A statement of the store runs at most this long (a lock held by
 * someone else, a stuck server): its request fails instead of hanging.
 * Kept when the connection string sets statement_timeout itself
 * (pqopt={options=-cstatement_timeout=...}). */
static const char timeout_sql[] =
    "SELECT set_config('statement_timeout', '30s', false)"
    " WHERE current_setting('statement_timeout') = '0'";

/* Connects `conn` (AUTO: dialect detected and checked) with the
 * statement timeout set; *out is NULL on error. */
static int pg_connect(const char *conn, mgen_dialect d, mgen_wh **out,
		      mgen_err *err)
{
	mgen_err e = MGEN_ERR_INIT;
	int rc;

	/* the driver's text, secrets masked by the warehouse layer */
	rc = mgen_wh_connect(conn, d, out, &e);
	if (rc != 0)
		return mgen_err_set(err, rc, "memory: %s", e.msg);
	if (mgen_wh_dialect(*out) != MGEN_DIALECT_POSTGRESQL) {
		rc = mgen_err_set(err, MGEN_EUNSUPPORTED,
				  "memory: memory.connection reaches %s; an "
				  "ODBC memory store must be PostgreSQL (or "
				  "give a SQLite file path)",
				  mgen_dialect_name(mgen_wh_dialect(*out)));
	} else {
		rc = mgen_wh_exec_params(
		    *out, "memory: setting the statement timeout", timeout_sql,
		    NULL, 0, err);
	}
	if (rc != 0) {
		mgen_wh_close(*out);
		*out = NULL;
	}
	return rc;
}

/* After a failed try: 1 when the server dropped the connection (a
 * restart, an idle timeout) and a new one is open, so the statement is
 * worth one more try; 0 otherwise (the first error stays in `err`). */
static int again(pg_store *s, int rc, int *tries)
{
	mgen_err e = MGEN_ERR_INIT;
	mgen_wh *wh = NULL;

	if (rc != MGEN_EDB || (*tries)++ > 0 || !mgen_wh_connection_dead(s->wh))
		return 0;
	if (pg_connect(s->conn, MGEN_DIALECT_POSTGRESQL, &wh, &e) != 0)
		return 0;
	mgen_wh_close(s->wh);
	s->wh = wh;
	return 1;
}

/* Clears the error of the last try and returns it for the next. */
static mgen_err *fresh(mgen_err *e)
{
	mgen_err_clear(e);
	return e;
}

/* The last try's error (rc != 0) recorded in `err`; returns rc. */
static int keep(mgen_err *err, int rc, const mgen_err *e)
{
	return rc == 0 ? 0 : mgen_err_set(err, rc, "%s", e->msg);
}

/* --- the operations -----------------------------------------------------*/

static int append_once(pg_store *s, const char *const *params, long long *id,
		       mgen_err *err)
{
	char *cell = NULL;
	int rc = one_row(s, "memory: storing a message", insert_sql, params, 5,
			 &cell, 1, err);

	return rc == 0
		   ? cells_ll(&cell, 1, id, "memory: storing a message", err)
		   : rc;
}

static int pg_append(void *p, const char *session_id, const char *role,
		     const char *content, const char *metadata,
		     long long time_ms, long long *id_out, mgen_err *err)
{
	pg_store *s = p;
	char when[32];
	const char *params[5] = {session_id, role, content, when, metadata};
	long long id = 0;
	mgen_err e = MGEN_ERR_INIT;
	int rc, tries = 0;

	snprintf(when, sizeof(when), "%lld", time_ms);
	pthread_mutex_lock(&s->lock);
	do
		rc = append_once(s, params, &id, fresh(&e));
	while (again(s, rc, &tries));
	pthread_mutex_unlock(&s->lock);
	if (rc == 0 && id_out != NULL)
		*id_out = id;
	return keep(err, rc, &e);
}

/* One history row (id, session_id, role, content, ms, metadata) into
 * `msg`; its strings owned. */
static int read_msg(mgen_wh_rows *r, mgen_memory_msg *msg, mgen_err *err)
{
	char *c[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
	int i, rc = 0;

	for (i = 0; rc == 0 && i < 6; i++)
		rc = mgen_wh_rows_text(r, i, &c[i], err);
	if (rc == 0 &&
	    (to_ll(c[0], &msg->id) != 0 || to_ll(c[4], &msg->time_ms) != 0 ||
	     c[1] == NULL || c[2] == NULL || c[3] == NULL || c[5] == NULL))
		rc = mgen_err_set(err, MGEN_EDB,
				  "memory: reading a session: "
				  "a row the server sent is incomplete");
	if (rc == 0) {
		msg->session_id = c[1];
		msg->role = c[2];
		msg->content = c[3];
		msg->metadata = c[5];
		c[1] = c[2] = c[3] = c[5] = NULL;
	}
	for (i = 0; i < 6; i++)
		free(c[i]);
	return rc;
}

/* The newest `limit` rows (0: all) newest first, then reversed. */
static int history_once(pg_store *s, const char *session_id, size_t limit,
			mgen_memory_msg **out, size_t *n, mgen_err *err)
{
	char lim[32];
	const char *params[2] = {session_id, lim};
	mgen_memory_msg *v = NULL;
	mgen_wh_rows *r = NULL;
	size_t cap = 0, cnt = 0;
	int rc;

	snprintf(lim, sizeof(lim), "%zu", limit);
	rc = mgen_wh_query_params(s->wh, "memory: reading a session",
				  history_sql, params, 2, &r, err);
	while (rc == 0 && (rc = mgen_wh_rows_next(r, err)) == 1) {
		if (mgen__memory_grow((void **)&v, sizeof(*v), &cap, cnt) !=
		    0) {
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
			break;
		}
		memset(&v[cnt], 0, sizeof(v[cnt]));
		rc = read_msg(r, &v[cnt], err);
		cnt += rc == 0;
	}
	mgen_wh_rows_free(r);
	if (rc != 0) {
		mgen_memory_msgs_free(v, cnt);
		return rc;
	}
	mgen__memory_reverse(v, cnt);
	*out = v;
	*n = cnt;
	return 0;
}

static int pg_history(void *p, const char *session_id, size_t limit,
		      mgen_memory_msg **out, size_t *n, mgen_err *err)
{
	pg_store *s = p;
	mgen_err e = MGEN_ERR_INIT;
	int rc, tries = 0;

	pthread_mutex_lock(&s->lock);
	do
		rc = history_once(s, session_id, limit, out, n, fresh(&e));
	while (again(s, rc, &tries));
	pthread_mutex_unlock(&s->lock);
	return keep(err, rc, &e);
}

static int sessions_once(pg_store *s, mgen_memory_session **out, size_t *n,
			 mgen_err *err)
{
	mgen_memory_session *v = NULL;
	mgen_wh_rows *r = NULL;
	char *c[4] = {NULL, NULL, NULL, NULL};
	long long num[3];
	size_t cap = 0, cnt = 0;
	int rc, i;

	rc = mgen_wh_query_params(s->wh, "memory: listing sessions",
				  sessions_sql, NULL, 0, &r, err);
	while (rc == 0 && (rc = mgen_wh_rows_next(r, err)) == 1) {
		for (i = 0, rc = 0; rc == 0 && i < 4; i++)
			rc = mgen_wh_rows_text(r, i, &c[i], err);
		if (rc == 0 && c[0] == NULL)
			rc = mgen_err_set(err, MGEN_EDB,
					  "memory: listing sessions: a "
					  "session id is NULL");
		if (rc == 0)
			rc = cells_ll(c + 1, 3, num, "memory: listing sessions",
				      err);
		else
			for (i = 1; i < 4; i++)
				free(c[i]);
		if (rc == 0 &&
		    mgen__memory_grow((void **)&v, sizeof(*v), &cap, cnt) != 0)
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		if (rc != 0)
			break;
		v[cnt].session_id = c[0];
		c[0] = NULL;
		v[cnt].messages = num[0];
		v[cnt].first_ms = num[1];
		v[cnt++].last_ms = num[2];
	}
	free(c[0]);
	mgen_wh_rows_free(r);
	if (rc != 0) {
		mgen_memory_sessions_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

static int pg_sessions(void *p, mgen_memory_session **out, size_t *n,
		       mgen_err *err)
{
	pg_store *s = p;
	mgen_err e = MGEN_ERR_INIT;
	int rc, tries = 0;

	pthread_mutex_lock(&s->lock);
	do
		rc = sessions_once(s, out, n, fresh(&e));
	while (again(s, rc, &tries));
	pthread_mutex_unlock(&s->lock);
	return keep(err, rc, &e);
}

/* Runs a counting statement (one row of `ncount` numbers) with `n`
 * parameters, retried once on a dropped connection. */
static int count_stmt(pg_store *s, const char *what, const char *sql,
		      const char *const *params, size_t n, long long *count,
		      int ncount, mgen_err *err)
{
	mgen_err e = MGEN_ERR_INIT;
	char *c[2] = {NULL, NULL};
	int rc, tries = 0;

	pthread_mutex_lock(&s->lock);
	do {
		rc = one_row(s, what, sql, params, n, c, ncount, fresh(&e));
		if (rc == 0)
			rc = cells_ll(c, ncount, count, what, &e);
	} while (again(s, rc, &tries));
	pthread_mutex_unlock(&s->lock);
	return keep(err, rc, &e);
}

static int pg_remove(void *p, const char *session_id, long long *removed,
		     mgen_err *err)
{
	const char *params[1] = {session_id};

	return count_stmt(p, "memory: deleting a session", delete_sql, params,
			  1, removed, 1, err);
}

static int pg_prune(void *p, long long before_ms, long long *sessions,
		    long long *messages, mgen_err *err)
{
	char when[32];
	const char *params[1] = {when};
	long long c[2] = {0, 0};
	int rc;

	snprintf(when, sizeof(when), "%lld", before_ms);
	rc = count_stmt(p, "memory: pruning", prune_sql, params, 1, c, 2, err);
	if (sessions != NULL)
		*sessions = c[0];
	if (messages != NULL)
		*messages = c[1];
	return rc;
}

static void pg_close(void *p)
{
	pg_store *s = p;

	if (s == NULL)
		return;
	mgen_wh_close(s->wh);
	if (s->conn != NULL) {
		memset(s->conn, 0, strlen(s->conn));
		free(s->conn);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static const mgen__memory_ops pg_ops = {"postgresql", pg_append, pg_history,
					pg_sessions,  pg_remove, pg_prune,
					pg_close};

int mgen__memory_pg_open(const char *conn, const mgen__memory_ops **ops,
			 void **store, mgen_err *err)
{
	pg_store *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL || (s->conn = mgen__strdup(conn)) == NULL) {
		free(s);
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	pthread_mutex_init(&s->lock, NULL);
	rc = pg_connect(conn, MGEN_DIALECT_AUTO, &s->wh, err);
	if (rc == 0)
		rc = ensure_schema(s, err);
	if (rc != 0) {
		pg_close(s);
		return rc;
	}
	*ops = &pg_ops;
	*store = s;
	return 0;
}
