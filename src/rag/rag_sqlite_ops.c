/*
 * rag_sqlite_ops.c - the SQLite store (one index file with FTS5: rag.h)
 * as the store interface of rag_store.h.
 */
#include <sqlite3.h>

#include "rag/rag_store.h"

const mgen__rag_ops mgen__rag_sqlite_ops = {
    "sqlite",
    mgen__rag_sqlite_close,
    mgen__rag_sqlite_find_doc,
    mgen__rag_sqlite_store_doc,
    mgen__rag_sqlite_drop_doc,
    mgen__rag_sqlite_list_docs,
    mgen__rag_sqlite_stats,
    mgen__rag_sqlite_search,
    mgen__rag_sqlite_glossary,
    mgen__rag_sqlite_meta_get,
    mgen__rag_sqlite_count_vectors,
    mgen__rag_sqlite_pending,
    mgen__rag_sqlite_store_vectors,
    mgen__rag_sqlite_dense_prepare,
    mgen__rag_dense_memory,
    mgen__rag_fetch_hits,
};
