/*
 * memory_internal.h - the store interface behind include/metagen/memory.h:
 * memory.c checks every argument (session ids, roles, UTF-8, metadata)
 * and the retention, then calls one store through these functions; a
 * store only reads and writes. Two stores: SQLite (mem_sqlite.c) and
 * PostgreSQL over ODBC (mem_pg.c). Each records its own failures in
 * `err` ("memory: WHAT: driver text", secrets masked).
 */
#ifndef METAGEN_MEMORY_INTERNAL_H
#define METAGEN_MEMORY_INTERNAL_H

#include <stddef.h>

#include "metagen/memory.h"

/* One store's operations; `s` is the store the open function made. The
 * arguments are already checked; the semantics are memory.h's. */
typedef struct mgen__memory_ops {
	const char *kind; /* "sqlite", "postgresql" */
	int (*append)(void *s, const char *session_id, const char *role,
		      const char *content, const char *metadata,
		      long long time_ms, long long *id_out, mgen_err *err);
	int (*history)(void *s, const char *session_id, size_t limit,
		       mgen_memory_msg **out, size_t *n, mgen_err *err);
	int (*sessions)(void *s, mgen_memory_session **out, size_t *n,
			mgen_err *err);
	int (*remove)(void *s, const char *session_id, long long *removed,
		      mgen_err *err);
	int (*prune)(void *s, long long before_ms, long long *sessions,
		     long long *messages, mgen_err *err);
	void (*close)(void *s);
} mgen__memory_ops;

/* Opens the SQLite store at file `path`: *ops and *store on success. */
int mgen__memory_sqlite_open(const char *path, const mgen__memory_ops **ops,
			     void **store, mgen_err *err);

/* Opens the PostgreSQL store through ODBC connection string `conn`. */
int mgen__memory_pg_open(const char *conn, const mgen__memory_ops **ops,
			 void **store, mgen_err *err);

/* Grows *v (element size `size`, capacity *cap) to hold one more than
 * `n` elements: 0 or MGEN_ENOMEM (*v unchanged). */
int mgen__memory_grow(void **v, size_t size, size_t *cap, size_t n);

/* Reverses `n` messages in place (newest-first reads made oldest-first). */
void mgen__memory_reverse(mgen_memory_msg *v, size_t n);

#endif
