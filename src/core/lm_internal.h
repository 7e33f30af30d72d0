/*
 * lm_internal.h - internals of the LM client shared by lm.c (HTTP, retry,
 * usage) and lm_resolve.c (model string + environment resolution). Not
 * part of the public API.
 */
#ifndef METAGEN_LM_INTERNAL_H
#define METAGEN_LM_INTERNAL_H

#include "metagen/lm.h"

/* What a model string and the environment resolve to; all owned. */
typedef struct mgen_lm_target {
	char *base;  /* base URL without trailing '/', e.g. ".../v1" */
	char *model; /* the model name sent in the request body */
	char *key;   /* bearer key, or NULL when none was found */
} mgen_lm_target;

/*
 * Resolves opts->model, opts->api_base and opts->api_key against the
 * environment (read here, once; rules in lm.h and lm_resolve.c) into
 * `t`. Returns 0, MGEN_ECONFIG (message names the variable to set) or
 * MGEN_ENOMEM; on failure `t` holds nothing.
 */
int mgen_lm__resolve(const mgen_lm_options *opts, mgen_lm_target *t,
		     mgen_err *err);

/* Frees the strings of `t` and zeroes it. */
void mgen_lm__target_release(mgen_lm_target *t);

#endif
