/*
 * untrusted.h - warehouse text is outside input: names, data types,
 * comments and sampled cells may hold bytes that are not UTF-8 (SQLite
 * stores whatever it is given; a Latin-1 database answers in Latin-1).
 * Such bytes must not reach a JSON or SQL output, so each table is
 * mended once, before anything is written about it (util/text.h's one
 * validator), and the affected rows say so in their reason.
 */
#ifndef METAGEN_UNTRUSTED_H
#define METAGEN_UNTRUSTED_H

#include <stddef.h>

#include "metagen/table.h"

/* The reason given to rows whose warehouse text was mended. */
#define MGEN__UTF8_NOTE                                                        \
	"invalid UTF-8 in the warehouse's text replaced with U+FFFD"

/*
 * Checks the table's own names (catalog, schema, name). When any is not
 * valid UTF-8 they are mended (invalid stretches -> U+FFFD), `why` says
 * so and 1 is returned: the table cannot be profiled or commented under
 * a name that is not its own. 0 when the names are valid; -1 on out of
 * memory.
 */
int mgen__untrusted_names(mgen_table *t, char *why, size_t whysz);

/*
 * Mends a profiled table's column names, data types, existing comments
 * (table and columns), profile note, min/max and sample cells. A column whose
 * name was mended is FAILED ("column name is not valid UTF-8 ..."); other
 * mended text sets `text_fixed` on its column or table. Returns 0 or
 * MGEN_ENOMEM.
 */
int mgen__untrusted_profile(mgen_table *t);

/* "`reason`; `note`" (just `note` when reason is NULL or ""); caller
 * frees; NULL on out of memory. */
char *mgen__join_reason(const char *reason, const char *note);

#endif
