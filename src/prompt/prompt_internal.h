/*
 * internal.h - helpers shared by the files of src/prompt/ (not public).
 */
#ifndef METAGEN_PROMPT_INTERNAL_H
#define METAGEN_PROMPT_INTERNAL_H

#include "util/json.h"

/*
 * JSON text of `item` with ", " and ": " separators on one line (the
 * layout of Python's json.dumps default, which the few-shot examples use),
 * so that whitespace-separated word counts follow the content's size.
 * Strings are escaped per RFC 8259 section 7 (UTF-8 kept as is); integral
 * numbers print without a fraction. Caller frees; NULL on out of memory.
 */
char *mgen_prompt__json_print(const cJSON *item);

#endif
