/*
 * memory_internal.h - what memory.c and sessions.c share: the handle and
 * SQLite's error recorded as MGEN_EIO ("memory: WHAT: sqlite message").
 */
#ifndef METAGEN_MEMORY_INTERNAL_H
#define METAGEN_MEMORY_INTERNAL_H

#include <sqlite3.h>

#include "metagen/memory.h"

struct mgen_memory {
	sqlite3 *db;
};

int mgen__memory_db_err(mgen_memory *m, const char *what, mgen_err *err);

#endif
