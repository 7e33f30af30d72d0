/*
 * gepa_internal.h - the pieces of GEPA (opt_gepa.c) that are tested on
 * their own (tests/unit/test_gepa.c). Not part of the public API.
 */
#ifndef METAGEN_GEPA_INTERNAL_H
#define METAGEN_GEPA_INTERNAL_H

#include <stddef.h>

#include "dspy/optimize_internal.h"

/*
 * The Pareto frontier of `ncand` candidates over `nval` examples
 * (scores[k * nval + i] = candidate k's score on example i): for each
 * example the candidates with its highest score form that example's
 * front; candidates dominated on every front they belong to (another
 * remaining candidate is on each of them) are removed one at a time,
 * lowest total score first (ties: lowest index first), until none is.
 * freq[k] = number of fronts holding candidate k after that (0 = not on
 * the frontier). Returns 0 or MGEN_ENOMEM (freq all 0).
 */
int mgen__gepa_front_freq(const double *scores, size_t ncand, size_t nval,
			  size_t *freq);

/* A candidate drawn with probability freq[k] / sum(freq) (one draw of
 * r); 0 when every freq is 0. */
size_t mgen__gepa_select(const size_t *freq, size_t ncand, opt_rng *r);

/*
 * The instruction in a reflection answer: the text between the first
 * ``` line (its language tag dropped) and the last ``` after it (to the
 * end without a closing fence), else the whole answer; blanks trimmed.
 * *out NULL (returns 0) when that is empty or longer than `max_bytes`.
 * Returns 0 or MGEN_ENOMEM.
 */
int mgen__gepa_extract(const char *answer, size_t max_bytes, char **out);

#endif
