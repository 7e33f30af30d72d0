/*
 * rag_store.h - the index handle, shared by the files of src/rag that
 * talk to its SQLite file.
 */
#ifndef METAGEN_RAG_STORE_H
#define METAGEN_RAG_STORE_H

#include <sqlite3.h>

#include "metagen/rag.h"

struct mgen_rag {
	sqlite3 *db;
	char *path;
	mgen_rag_options opt;
};

/* What adding one document did. */
typedef struct mgen__rag_added {
	mgen_rag_status status;
	long long chunks, skipped;
} mgen__rag_added;

/* Records "rag index 'PATH': WHAT: <sqlite errmsg>"; returns MGEN_EDB. */
int mgen__rag_db_err(mgen_rag *r, mgen_err *err, const char *what);

/* Indexes `len` bytes as document `path` (hash compared first). A binary
 * file is MGEN_EINVAL with res->status = MGEN_RAG_REFUSED. */
int mgen__rag_add(mgen_rag *r, const char *path, const char *data, size_t len,
		  long long mtime, mgen__rag_added *res, mgen_err *err);

#endif
