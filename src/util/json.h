/*
 * json.h - the one place cJSON enters the project: every module that reads
 * or writes JSON includes this header, never <cjson/cJSON.h> directly, so
 * swapping the JSON library touches one file. Adds a few typed getters.
 */
#ifndef METAGEN_JSON_H
#define METAGEN_JSON_H

#include <cjson/cJSON.h>

/* Member `key` of object `o` as a string, or NULL (borrowed). */
const char *mgen__json_str(const cJSON *o, const char *key);
/* Member `key` as a number, or `dflt` when absent or not a number. */
double mgen__json_num(const cJSON *o, const char *key, double dflt);
/* Unformatted JSON text of `item`; caller frees; NULL on out of memory. */
char *mgen__json_print(const cJSON *item);

#endif
