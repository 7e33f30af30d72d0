/*
 * privacy.h - with allow_data_in_comments false, no proposed comment may
 * repeat a value the profile read (a sample cell, a minimum, a maximum):
 * PostgreSQL lets every user read comments, even without SELECT on the
 * table. The rules for "repeats a value" are in privacy.c (and README).
 * Internal to src/generate.
 */
#ifndef METAGEN_PRIVACY_H
#define METAGEN_PRIVACY_H

#include <stddef.h>

#include "metagen/table.h"

/*
 * 1 when `comment` repeats verbatim a value of the columns
 * cols[0..ncols) of `t` (all columns when cols is NULL): a sample cell
 * (t->sample) or the column's min_value / max_value. `why` (whysz bytes)
 * then names the column and which kind of value, never the value itself
 * ("a sample cell of column ssn"). 0 when it repeats none, or when
 * `comment` is NULL. Linear in comment length times values checked.
 */
int mgen__repeats_value(const mgen_table *t, const size_t *cols, size_t ncols,
			const char *comment, char *why, size_t whysz);

/* 1 when value `v` is one the check above looks for (see privacy.c:
 * at least 4 characters, not a single letters-only word shorter than 8
 * letters, not a boolean/null word, not a number of fewer
 * than 5 digits, not a name of the table or a name or data type of one
 * of its columns, not one of the profile's counts). */
int mgen__value_is_telling(const mgen_table *t, const char *v);

#endif
