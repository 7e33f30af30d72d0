/*
 * wh_internal.h - internal helpers shared by the warehouse files: the
 * column type classes the SQL builders and the profiler agree on, the
 * listing SQL builders (unit-tested as strings) and the ODBC statement
 * helpers odbc.c gives catalog.c and profile.c.
 * Internal: not part of the public API (mgen_wh__ prefix).
 */
#ifndef METAGEN_WH_INTERNAL_H
#define METAGEN_WH_INTERNAL_H

#include <stddef.h>

#include "metagen/buf.h"
#include "metagen/warehouse.h"

/* The name of the SQLite sidecar table that holds comments. */
#define MGEN_WH_SIDECAR "_metagen_comments"

/* What a column's declared type allows in the statistics query. */
typedef enum mgen_wh_tclass {
	MGEN_WH_T_OTHER = 0, /* numbers, dates...: MIN/MAX, no avg length */
	MGEN_WH_T_TEXT,	     /* MIN/MAX and AVG(LENGTH()) */
	MGEN_WH_T_BOOL,	     /* MIN/MAX through an int cast where needed */
	MGEN_WH_T_BINARY,    /* no MIN/MAX; sample cells are base64 */
	MGEN_WH_T_NOORDER    /* json, xml, arrays, maps, geometry: no MIN/MAX;
				distinct through ::text (PostgreSQL) or none */
} mgen_wh_tclass;

/* Classifies a declared type name ("character varying(20)", "jsonb",
 * "BLOB", "array<string>", "integer[]"); NULL or "" is OTHER. */
mgen_wh_tclass mgen_wh__type_class(mgen_dialect d, const char *type);

/*
 * The listing SQL of a dialect (catalog.c). Tables query: one row per user
 * table: catalog, schema, table, comment. Columns query: one row per
 * column: catalog, schema, table, ordinal, column, type, comment, ordered
 * by table then ordinal. Both are limited to the tables named in `keys`
 * ((catalog, schema, table) triples, 3*nkeys strings; the catalog is
 * ignored where the connection fixes it) unless `keys` is NULL.
 * Return 0, a buffer error or MGEN_EUNSUPPORTED (AUTO).
 */
int mgen_wh__tables_sql(mgen_dialect d, const char *const *keys, size_t nkeys,
			mgen_buf *out);
int mgen_wh__columns_sql(mgen_dialect d, const char *const *keys, size_t nkeys,
			 mgen_buf *out);

/* --- odbc.c helpers for catalog.c and profile.c ------------------------ */

typedef struct mgen_wh_stmt mgen_wh_stmt;

/* Executes `sql` (counted) on a new statement. 0 or MGEN_EDB (message in
 * the connection's errmsg, prefixed with `what`). */
int mgen_wh__query(mgen_wh *wh, const char *what, const char *sql,
		   mgen_wh_stmt **out);

/* Number of result columns. */
int mgen_wh__ncols(mgen_wh_stmt *st);

/* 1 when result column `i` (0-based) is binary per SQLDescribeCol. */
int mgen_wh__col_is_binary(mgen_wh_stmt *st, int i);

/* Fetches the next row: 1 row, 0 no more, MGEN_EDB. */
int mgen_wh__fetch(mgen_wh_stmt *st);

/*
 * Reads column `i` (0-based) of the current row as text, whole (chunked
 * SQLGetData). *out is malloc'd, or NULL for SQL NULL. When `binary_max` >
 * 0 the column is read as bytes, at most binary_max of them, and *out is
 * their base64 followed by "..." when the value was longer. 0, MGEN_ENOMEM
 * or MGEN_EDB.
 */
int mgen_wh__get_text(mgen_wh_stmt *st, int i, size_t binary_max, char **out);

/* Frees the statement. NULL is harmless. */
void mgen_wh__stmt_free(mgen_wh_stmt *st);

/* Records a one-line error on the connection (first wins per call). */
void mgen_wh__set_error(mgen_wh *wh, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
