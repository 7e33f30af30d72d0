/*
 * wh_query.h - statements with bound parameters on a warehouse
 * connection (include/metagen/warehouse.h), for the modules that keep
 * their own tables on a server reached through the same ODBC layer (the
 * PostgreSQL retrieval store, src/rag/rag_pg.c).
 *
 * Every value is bound (SQLBindParameter, SQL_C_CHAR: UTF-8 bytes, as
 * text) to a `?` marker of the statement, in order: a value is never
 * part of the SQL text, so no value can change what the statement does.
 * A statement that needs another type casts the marker in SQL
 * (PostgreSQL: CAST(? AS bigint)). A NULL parameter is bound as "".
 *
 * Errors: MGEN_EDB with "WHAT: SQLSTATE: driver text" (the connection's
 * secrets masked: mgen_wh_connect) in `err`; MGEN_ENOMEM. The
 * statements are counted in mgen_wh_query_count.
 */
#ifndef METAGEN_WH_QUERY_H
#define METAGEN_WH_QUERY_H

#include <stddef.h>

#include "metagen/metagen.h"
#include "metagen/warehouse.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The rows of one executed statement; read with mgen_wh_rows_next and
 * mgen_wh_rows_text, free with mgen_wh_rows_free. */
typedef struct mgen_wh_rows mgen_wh_rows;

/*
 * Executes `sql` with the `n` text `params` bound to its markers
 * (`params` need only live during the call). *out (NULL first) holds
 * the result, also for a statement without rows. `what` begins the
 * error message (e.g. "rag store 'X': cannot search").
 */
int mgen_wh_query_params(mgen_wh *wh, const char *what, const char *sql,
			 const char *const *params, size_t n,
			 mgen_wh_rows **out, mgen_err *err);

/* mgen_wh_query_params for a statement whose rows (if any) are not
 * read. Returns 0, MGEN_EDB or MGEN_ENOMEM. */
int mgen_wh_exec_params(mgen_wh *wh, const char *what, const char *sql,
			const char *const *params, size_t n, mgen_err *err);

/* Moves to the next row: 1 a row, 0 no more rows, MGEN_EDB. */
int mgen_wh_rows_next(mgen_wh_rows *rows, mgen_err *err);

/*
 * Column `i` (0-based) of the current row as text, whole (read in
 * chunks, never cut at the driver's column size), into *out (malloc'd;
 * NULL for SQL NULL). 0, MGEN_EDB or MGEN_ENOMEM.
 */
int mgen_wh_rows_text(mgen_wh_rows *rows, int i, char **out, mgen_err *err);

/* Frees the result. NULL is harmless. */
void mgen_wh_rows_free(mgen_wh_rows *rows);

#ifdef __cplusplus
}
#endif

#endif
