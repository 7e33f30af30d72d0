/*
 * rag_store.c - the index file: schema, adding a document (content hash:
 * unchanged = nothing written, changed = chunks replaced), removing,
 * pruning, the folder walk and the stats.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "metagen/buf.h"
#include "rag/rag_bm25.h"
#include "rag/rag_internal.h"
#include "rag/rag_store.h"
#include "util/hash.h"
#include "util/util.h"

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS rag_meta(key TEXT PRIMARY KEY, value TEXT);"
    "INSERT OR IGNORE INTO rag_meta VALUES('format', 'metagen-rag-1');"
    "CREATE TABLE IF NOT EXISTS documents(id INTEGER PRIMARY KEY,"
    " path TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL, mtime INTEGER,"
    " kind INTEGER NOT NULL, bytes INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS chunks(id INTEGER PRIMARY KEY,"
    " doc INTEGER NOT NULL REFERENCES documents(id), ref TEXT NOT NULL,"
    " title TEXT NOT NULL, tokens INTEGER NOT NULL,"
    " glossary INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc);"
    "CREATE INDEX IF NOT EXISTS chunks_term ON chunks(ref COLLATE NOCASE)"
    " WHERE glossary = 1;"
    "CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(title, text,"
    " tokenize = 'porter unicode61');"
    "CREATE TABLE IF NOT EXISTS chunk_vectors(id INTEGER PRIMARY KEY,"
    " v BLOB NOT NULL);";

int mgen__rag_db_err(mgen_rag *r, mgen_err *err, const char *what)
{
	return mgen_err_set(err, MGEN_EDB, "rag index '%s': %s: %s", r->path,
			    what, sqlite3_errmsg(r->db));
}

int mgen_rag_open(const char *path, int create, const mgen_rag_options *opt,
		  mgen_rag **out, mgen_err *err)
{
	mgen_rag *r = NULL;
	char *msg = NULL;
	int rc;

	*out = NULL;
	if (path == NULL || path[0] == '\0')
		return mgen_err_set(err, MGEN_EINVAL,
				    "rag: no index file name");
	if ((rc = mgen__rag_new(path, opt, &mgen__rag_sqlite_ops, &r, err)) !=
	    0)
		return rc;
	if (!create && access(path, F_OK) != 0) {
		rc = mgen_err_set(err, MGEN_ENOTFOUND,
				  "rag index '%s': no such "
				  "file (metagen index add creates it)",
				  path);
		goto fail;
	}
	/* folders 0700 and a new file 0600: a run's comments indexed with
	 * --run can hold what comments hold */
	if (create && (rc = mgen__prepare_private_db(path)) != 0) {
		rc = mgen_err_set(err, rc,
				  "rag index '%s': cannot create it or its "
				  "folder",
				  path);
		goto fail;
	}
	if (sqlite3_open_v2(path, &r->db,
			    SQLITE_OPEN_READWRITE |
				(create ? SQLITE_OPEN_CREATE : 0),
			    NULL) != SQLITE_OK) {
		rc = mgen_err_set(
		    err, MGEN_EDB, "rag index '%s': cannot open: %s", path,
		    r->db ? sqlite3_errmsg(r->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(r->db, 10000);
	if (sqlite3_exec(r->db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
		rc = mgen_err_set(err, MGEN_EDB,
				  "rag index '%s': cannot set up "
				  "(not a metagen index, or SQLite without "
				  "FTS5?): %s",
				  path, msg ? msg : "unknown error");
		sqlite3_free(msg);
		goto fail;
	}
	if ((rc = mgen__bm25_open(r, err)) != 0)
		goto fail;
	*out = r;
	return 0;
fail:
	mgen_rag_close(r);
	return rc;
}

void mgen__rag_sqlite_close(mgen_rag *r)
{
	mgen__bm25_free(r->bm25);
	r->bm25 = NULL;
	sqlite3_close(r->db);
	r->db = NULL;
}

/* Runs `sql` with int64 parameters a (and b when >= 0 params). */
static int exec_ll(mgen_rag *r, const char *sql, long long a, mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, a) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		rc = mgen__rag_db_err(r, err, "cannot write");
	sqlite3_finalize(st);
	return rc;
}

/* drop_doc's statements: postings, FTS5 rows, vectors, chunks. */
static int drop_rows(mgen_rag *r, long long doc, int all, mgen_err *err)
{
	int rc = mgen__bm25_drop_doc(r, doc, err);

	if (rc == 0)
		rc = exec_ll(r,
			     "DELETE FROM chunks_fts WHERE rowid IN"
			     " (SELECT id FROM chunks WHERE doc = ?)",
			     doc, err);

	mgen__rag_vec_forget(r);
	if (rc == 0)
		rc = exec_ll(r,
			     "DELETE FROM chunk_vectors WHERE id IN"
			     " (SELECT id FROM chunks WHERE doc = ?)",
			     doc, err);
	if (rc == 0)
		rc = exec_ll(r, "DELETE FROM chunks WHERE doc = ?", doc, err);
	if (rc == 0 && all)
		rc = exec_ll(r, "DELETE FROM documents WHERE id = ?", doc, err);
	return rc;
}

/* Drops the chunks of document `doc` (and the document when `all`), all
 * or nothing (a savepoint: its own transaction when none is open). */
static int drop_doc(mgen_rag *r, long long doc, int all, mgen_err *err)
{
	int rc;

	if (sqlite3_exec(r->db, "SAVEPOINT drop_doc", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return mgen__rag_db_err(r, err, "cannot begin");
	rc = drop_rows(r, doc, all, err);
	if (rc != 0)
		sqlite3_exec(r->db, "ROLLBACK TO drop_doc", NULL, NULL, NULL);
	if (sqlite3_exec(r->db, "RELEASE drop_doc", NULL, NULL, NULL) !=
		SQLITE_OK &&
	    rc == 0)
		rc = mgen__rag_db_err(r, err, "cannot commit");
	return rc;
}

int mgen__rag_sqlite_drop_doc(mgen_rag *r, long long doc, mgen_err *err)
{
	return drop_doc(r, doc, 1, err);
}

int mgen__rag_sqlite_find_doc(mgen_rag *r, const char *path, long long *id,
			      char hash[65], mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, s;

	if (sqlite3_prepare_v2(r->db,
			       "SELECT id, sha256 FROM documents"
			       " WHERE path = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return mgen__rag_db_err(r, err, "cannot read");
	sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		snprintf(hash, 65, "%s",
			 (const char *)sqlite3_column_text(st, 1));
		rc = 1;
	} else {
		rc = s == SQLITE_DONE ? 0
				      : mgen__rag_db_err(r, err, "cannot read");
	}
	sqlite3_finalize(st);
	return rc;
}

/* Writes the chunks of a new document row. */
static int insert_chunks(mgen_rag *r, long long doc, const mgen__rag_chunks *c,
			 mgen_err *err)
{
	sqlite3_stmt *ch = NULL, *ft = NULL;
	size_t i;
	int rc = 0;

	if (sqlite3_prepare_v2(r->db,
			       "INSERT INTO chunks(doc, ref, title,"
			       " tokens, glossary) VALUES(?,?,?,?,?)",
			       -1, &ch, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->db,
			       "INSERT INTO chunks_fts(rowid, title,"
			       " text) VALUES(?,?,?)",
			       -1, &ft, NULL) != SQLITE_OK) {
		rc = mgen__rag_db_err(r, err, "cannot write");
		goto done;
	}
	for (i = 0; i < c->n && rc == 0; i++) {
		const mgen__rag_chunk *k = &c->v[i];
		sqlite3_reset(ch);
		sqlite3_reset(ft);
		sqlite3_bind_int64(ch, 1, doc);
		sqlite3_bind_text(ch, 2, k->ref, -1, SQLITE_STATIC);
		sqlite3_bind_text(ch, 3, k->title, -1, SQLITE_STATIC);
		sqlite3_bind_int(ch, 4, k->tokens);
		sqlite3_bind_int(ch, 5, k->glossary);
		if (sqlite3_step(ch) != SQLITE_DONE) {
			rc = mgen__rag_db_err(r, err, "cannot write");
			break;
		}
		sqlite3_bind_int64(ft, 1, sqlite3_last_insert_rowid(r->db));
		sqlite3_bind_text(ft, 2, k->title, -1, SQLITE_STATIC);
		sqlite3_bind_text(ft, 3, k->text, -1, SQLITE_STATIC);
		if (sqlite3_step(ft) != SQLITE_DONE)
			rc = mgen__rag_db_err(r, err, "cannot write");
		else
			rc =
			    mgen__bm25_note(r, sqlite3_last_insert_rowid(r->db),
					    k->title, k->text, err);
	}
done:
	sqlite3_finalize(ch);
	sqlite3_finalize(ft);
	return rc;
}

static int store_rows(mgen_rag *r, const char *path, long long old,
		      const char *hash, long long mtime, size_t bytes,
		      const mgen__rag_chunks *c, mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (old > 0 && (rc = drop_doc(r, old, 1, err)) != 0)
		return rc;
	if (sqlite3_prepare_v2(r->db,
			       "INSERT INTO documents(path, sha256,"
			       " mtime, kind, bytes) VALUES(?,?,?,?,?)",
			       -1, &st, NULL) != SQLITE_OK)
		return mgen__rag_db_err(r, err, "cannot write");
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, mtime);
	sqlite3_bind_int(st, 4, (int)mgen__rag_kind_of(path));
	sqlite3_bind_int64(st, 5, (long long)bytes);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = mgen__rag_db_err(r, err, "cannot write");
	sqlite3_finalize(st);
	if (rc == 0)
		rc = insert_chunks(r, sqlite3_last_insert_rowid(r->db), c, err);
	if (rc == 0)
		rc = mgen__bm25_flush(r, err);
	return rc;
}

int mgen__rag_sqlite_store_doc(mgen_rag *r, const char *path, long long old,
			       const char *hash, long long mtime, size_t bytes,
			       const mgen__rag_chunks *c, mgen_err *err)
{
	int rc;

	if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return mgen__rag_db_err(r, err, "cannot begin");
	rc = store_rows(r, path, old, hash, mtime, bytes, c, err);
	if (rc != 0)
		mgen__bm25_discard(r);
	return mgen__rag_end(r, rc, err);
}

int mgen__rag_end(mgen_rag *r, int rc, mgen_err *err)
{
	if (sqlite3_exec(r->db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL,
			 NULL) != SQLITE_OK &&
	    rc == 0)
		rc = mgen__rag_db_err(r, err, "cannot commit");
	return rc;
}

/* The base name of `path` (borrowed). */
static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

int mgen__rag_add(mgen_rag *r, const char *path, const char *data, size_t len,
		  long long mtime, mgen__rag_added *res, mgen_err *err)
{
	mgen__rag_chunks c = {0};
	char hash[65], old_hash[65] = "";
	char *text = NULL;
	long long old = 0;
	size_t tlen = 0;
	int rc, found;

	memset(res, 0, sizeof(*res));
	if (mgen__rag_is_binary(data, len)) {
		res->status = MGEN_RAG_REFUSED;
		return mgen_err_set(err, MGEN_EINVAL,
				    "%s: binary file, not "
				    "indexed",
				    path);
	}
	if (mgen__sha256_hex(data, len, hash) != 0)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	found = mgen__rag_find_doc(r, path, &old, old_hash, err);
	if (found < 0)
		return found;
	if (found && strcmp(hash, old_hash) == 0) {
		res->status = MGEN_RAG_UNCHANGED;
		return 0;
	}
	text = mgen__rag_sanitize(data, len, &tlen);
	if (text == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	rc = mgen__rag_parse(&c, mgen__rag_kind_of(path), text, tlen,
			     base_name(path), &r->opt);
	if (rc != 0) {
		rc = mgen_err_set(err, rc, "%s: cannot chunk: %s", path,
				  mgen_strerror(rc));
		goto done;
	}
	rc = mgen__rag_store_doc(r, path, found ? old : 0, hash, mtime, len, &c,
				 err);
	res->status = rc == 1 ? MGEN_RAG_UNCHANGED
		      : found ? MGEN_RAG_REPLACED
			      : MGEN_RAG_ADDED;
	res->chunks = rc == 1 ? 0 : (long long)c.n;
	if (rc == 1)
		rc = 0; /* another process stored the same content */
	res->skipped = c.skipped;
done:
	mgen__rag_chunks_release(&c);
	free(text);
	return rc;
}

int mgen_rag_add_memory(mgen_rag *r, const char *path, const char *data,
			size_t len, mgen_rag_status *status, long long *chunks,
			mgen_err *err)
{
	mgen__rag_added res;
	int rc = mgen__rag_add(r, path, data, len, 0, &res, err);

	if (status)
		*status = res.status;
	if (chunks)
		*chunks = res.chunks;
	return rc;
}

int mgen__rag_sqlite_list_docs(mgen_rag *r, mgen__rag_doc_fn fn, void *ud,
			       mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0, s;

	if (sqlite3_prepare_v2(r->db, "SELECT id, path FROM documents", -1, &st,
			       NULL) != SQLITE_OK)
		return mgen__rag_db_err(r, err, "cannot read");
	while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 1);
		rc = fn(ud, sqlite3_column_int64(st, 0), p ? p : "");
		if (rc != 0)
			mgen_err_set(err, rc, "out of memory");
	}
	if (rc == 0 && s != SQLITE_DONE)
		rc = mgen__rag_db_err(r, err, "cannot read");
	sqlite3_finalize(st);
	return rc;
}

int mgen__rag_sqlite_stats(mgen_rag *r, mgen_rag_stats *st, mgen_err *err)
{
	sqlite3_stmt *s = NULL;
	struct stat sb;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	if (sqlite3_prepare_v2(r->db,
			       "SELECT (SELECT count(*) FROM documents),"
			       " count(*), coalesce(sum(tokens), 0),"
			       " coalesce(sum(glossary), 0),"
			       " (SELECT count(*) FROM chunk_vectors)"
			       " FROM chunks",
			       -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		rc = mgen__rag_db_err(r, err, "cannot read");
	} else {
		st->documents = sqlite3_column_int64(s, 0);
		st->chunks = sqlite3_column_int64(s, 1);
		st->tokens = sqlite3_column_int64(s, 2);
		st->glossary = sqlite3_column_int64(s, 3);
		st->embedded = sqlite3_column_int64(s, 4);
	}
	sqlite3_finalize(s);
	if (stat(r->path, &sb) == 0)
		st->file_bytes = (long long)sb.st_size;
	return rc;
}
