/*
 * lm_usage.c - the usage numbers of a chat completion, checked before
 * they are counted (lm_internal.h). The endpoint is outside the program:
 * a token count of 1e308 converted to an integer is undefined behaviour
 * (C11 6.3.1.4p1), and a negative or wrapped count would let a run pass
 * budget.max_tokens. Shape: llm-endpoints.md, "usage" of a completion.
 * Also the size bound of an answer body (mgen_lm__body_cap).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lm/lm_internal.h"

/* One count: 0 when absent; the estimate with a reason when not a whole
 * number of tokens in [0, MGEN_LM_USAGE_MAX]. */
static long one_count(const cJSON *u, const char *key, long estimate, char *why,
		      size_t whysz)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(u, key);
	double d;
	const char *bad = NULL;

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v))
		bad = "not a number";
	else if (!isfinite(d = v->valuedouble))
		bad = "not finite";
	else if (d < 0)
		bad = "negative";
	else if (d != floor(d))
		bad = "not a whole number";
	else if (d > (double)MGEN_LM_USAGE_MAX)
		bad = "over the bound of 1000000000";
	if (bad == NULL)
		return (long)d;
	if (why[0] == '\0')
		snprintf(why, whysz,
			 "lm usage.%s is %s; %ld tokens estimated from the "
			 "text are counted instead",
			 key, bad, estimate);
	return estimate;
}

void mgen_lm__usage(const cJSON *root, size_t request_bytes,
		    mgen_lm_response *out, char *why, size_t whysz)
{
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(root, "usage");
	long pe = (long)(request_bytes / 4) + 1;
	long ce = (long)(out->content ? strlen(out->content) / 4 : 0) + 1;

	why[0] = '\0';
	if (u != NULL && !cJSON_IsNull(u) && !cJSON_IsObject(u)) {
		snprintf(why, whysz,
			 "lm usage is not an object; %ld + %ld "
			 "tokens estimated from the text are counted instead",
			 pe, ce);
		out->prompt_tokens = pe;
		out->completion_tokens = ce;
		return;
	}
	out->prompt_tokens = one_count(u, "prompt_tokens", pe, why, whysz);
	out->completion_tokens =
	    one_count(u, "completion_tokens", ce, why, whysz);
}

size_t mgen_lm__body_cap(int max_tokens)
{
	size_t want =
	    max_tokens > 0 ? (size_t)max_tokens * MGEN_LM_BODY_PER_TOKEN : 0;

	return want < MGEN_LM_MIN_BODY	 ? MGEN_LM_MIN_BODY
	       : want > MGEN_LM_MAX_BODY ? MGEN_LM_MAX_BODY
					 : want;
}
