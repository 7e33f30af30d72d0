/*
 * lm_chat.h - what the LM client's unit tests (test_lm.c, test_lm_cache.c)
 * share: one comment request about a table, as the generator sends it.
 * Included by one test file each (static functions).
 */
#ifndef METAGEN_TEST_LM_CHAT_H
#define METAGEN_TEST_LM_CHAT_H

#include <stdio.h>

#include "metagen/lm.h"

static const char SYS[] = "You write comments for SQL tables.";

/* One comment request about `table` with columns a and b. */
static int chat_table(mgen_lm *lm, const char *table, mgen_lm_response *r,
		      mgen_err *err)
{
	char user[256];
	mgen_message m[2] = {{"system", SYS}, {"user", user}};

	snprintf(user, sizeof(user),
		 "Describe this table:\n{\"table_name\": \"%s\", "
		 "\"columns\": [\"a\", \"b\"]}\n",
		 table);
	return mgen_lm_chat(lm, m, 2, NULL, r, err);
}

#endif
