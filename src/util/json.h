/*
 * json.h - the one place cJSON enters the project: every module that reads
 * or writes JSON includes this header, never <cjson/cJSON.h> directly, so
 * swapping the JSON library touches one file. Adds a few typed getters.
 */
#ifndef METAGEN_JSON_H
#define METAGEN_JSON_H

#include <cjson/cJSON.h>

#include "metagen/buf.h"

/* Member `key` of object `o` as a string, or NULL (borrowed). */
const char *mgen__json_str(const cJSON *o, const char *key);
/* Member `key` as a number, or `dflt` when absent or not a number. */
double mgen__json_num(const cJSON *o, const char *key, double dflt);
/* Unformatted JSON text of `item`; caller frees; NULL on out of memory. */
char *mgen__json_print(const cJSON *item);

/* In each object member of `parent`, a finite number member `key` is
 * re-spelled as Python prints a float (repr: 4.0, 2.5, 1e-05), for
 * values that are floats in the Python the text is compared with (a
 * mean; DSPy renders dicts with json.dumps). cJSON alone would write a
 * whole double as 4. Returns 0 or MGEN_ENOMEM. */
int mgen__json_py_floats(cJSON *parent, const char *key);

/*
 * Checked builders. cJSON's add functions leave a created item with the
 * caller when the add fails, and most callers ignore the result; these
 * take ownership of `item` in every case and keep a sticky error, like
 * mgen_buf: a run of adds is checked once at the end.
 *
 * Adds `item` to object `parent` under `key`, or appends it to array
 * `parent` when `key` is NULL. When `*err` is already set, `parent` is
 * NULL, `item` is NULL (a create that failed), `key` is NULL and
 * `parent` is not an array (a member needs a name) or the add fails,
 * `item` is deleted and `*err` becomes MGEN_ENOMEM (when it was 0).
 * Returns *err.
 */
int mgen__json_add(int *err, cJSON *parent, const char *key, cJSON *item);

/* A new empty object (or array) added to `parent` under `key` (NULL:
 * appended); NULL with *err set on failure (borrowed pointer). */
cJSON *mgen__json_add_object(int *err, cJSON *parent, const char *key);
cJSON *mgen__json_add_array(int *err, cJSON *parent, const char *key);

/* Typed adds over mgen__json_add (same `key`, *err and return rules):
 * a string (JSON null when `v` is NULL; `v` is copied), a number, a
 * boolean (nonzero `v`: true). */
int mgen__json_add_str(int *err, cJSON *parent, const char *key, const char *v);
int mgen__json_add_num(int *err, cJSON *parent, const char *key, double v);
int mgen__json_add_bool(int *err, cJSON *parent, const char *key, int v);

/*
 * Offset of the first escaped NUL (\u0000, its backslash not itself
 * escaped) in the JSON text t[0..len), or of the first raw NUL byte,
 * whichever comes first; (size_t)-1 when there is none. cJSON decodes
 * \u0000 into a C string and so cuts it there: callers refuse such text
 * instead of losing the rest silently. Linear in `len`.
 */
size_t mgen__json_nul_escape(const char *t, size_t len);

/*
 * Appends `s` (a NUL-terminated UTF-8 string) to `b` as a JSON string
 * literal (RFC 8259 section 7): quotes, `"` and `\` escaped, \b \f \n \r
 * \t, other bytes below 0x20 as \u00xx (lowercase hex), every other byte
 * as is. The one JSON string writer of the project (program files, cache
 * keys, DSPy's Python-format JSON). Returns mgen_buf_error(b).
 */
int mgen__json_write_string(const char *s, mgen_buf *b);

#endif
