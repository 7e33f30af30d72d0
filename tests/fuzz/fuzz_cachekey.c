/*
 * fuzz_cachekey.c - libFuzzer target for the LM cache key
 * (src/lm/cache_key.c): the input's lines are the model, the
 * response_format JSON (an empty line: none), the rollout id (empty:
 * none), then (role, content) pairs. The key is computed twice; when both
 * calls succeed they must give the same key. Under the allocation-failure
 * sweep (tests/allocfail/sweep.c) one allocation of the first call fails:
 * a key computed from a request tree missing a member would differ from
 * the second, whole one, and a wrong key is a wrong cache hit, so that
 * aborts. Seeds: tests/fuzz/cachekey/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/cache.h"
#include "metagen/lm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 67 /* model, response_format, rollout id, 32 messages */

/* Splits `text` in place on '\n' (past MAX_LINES, line breaks stay). */
static size_t split(char *text, char **f)
{
	size_t n = 0;
	char *p = text;

	f[n++] = p;
	for (; *p; p++)
		if (*p == '\n' && n < MAX_LINES) {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *f[MAX_LINES];
	mgen_message msgs[(MAX_LINES - 3) / 2];
	mgen_cache_request req;
	char a[65], b[65];
	size_t n, i;
	int ra, rb;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	n = split(text, f);
	memset(&req, 0, sizeof(req));
	req.model = f[0];
	req.response_format_json = n > 1 && f[1][0] ? f[1] : NULL;
	req.rollout_id = n > 2 && f[2][0] ? f[2] : NULL;
	req.temperature = 0.7;
	req.max_tokens = 512;
	for (i = 3; i + 1 < n; i += 2) {
		msgs[req.message_count].role = f[i];
		msgs[req.message_count++].content = f[i + 1];
	}
	req.msgs = msgs;
	ra = mgen_cache_key(&req, a, NULL);
	rb = mgen_cache_key(&req, b, NULL);
	if (ra == 0 && rb == 0 && strcmp(a, b) != 0)
		abort();
	if (ra == 0 && strlen(a) != 64)
		abort();
	free(text);
	return 0;
}
