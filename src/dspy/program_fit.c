/*
 * program_fit.c - one saved predictor fitted onto the signature a task
 * declares (include/metagen/program.h, mgen_program_fit): fields matched
 * BY NAME, a reasoning field making the signature ChainOfThought's, the
 * instructions and demos taken from the file. Shared by every task
 * program (comment, ask).
 */
#include <stdlib.h>
#include <string.h>

#include "metagen/program.h"
#include "util/util.h"

/* Makes *sig a ChainOfThought signature when the file has a reasoning
 * field. */
static int take_reasoning(mgen_signature **sig, const long *map, size_t n,
			  mgen_err *err)
{
	mgen_signature *cot = NULL;
	size_t i;
	int rc;

	for (i = 0; i < n && map[i] != MGEN_PROGRAM_FIELD_REASONING; i++)
		;
	if (i == n)
		return 0;
	rc = mgen_signature_chain_of_thought(*sig, &cot, err);
	if (rc != 0)
		return rc;
	mgen_signature_free(*sig);
	*sig = cot;
	return 0;
}

/* Overlays the saved fields of predictor `p` onto *sig, matched BY NAME
 * (mgen_program_match_fields). */
static int overlay_fields(mgen_signature **sig, const mgen_program *prog,
			  size_t p, mgen_err *err)
{
	size_t i, n = mgen_program_field_count(prog, p);
	char **names = calloc(n ? n : 1, sizeof(*names));
	long *map = NULL;
	mgen_sig_field f;
	int rc = names ? 0 : MGEN_ENOMEM;

	if (rc == 0)
		rc = mgen_program_match_fields(prog, p, *sig, &map, err);
	for (i = 0; rc == 0 && i < n; i++) {
		if (map[i] != MGEN_PROGRAM_FIELD_REASONING)
			mgen_signature_field(*sig, (size_t)map[i], &f);
		names[i] = mgen__strdup(map[i] == MGEN_PROGRAM_FIELD_REASONING
					    ? "reasoning"
					    : f.name);
		if (names[i] == NULL)
			rc = MGEN_ENOMEM;
	}
	if (rc == 0)
		rc = take_reasoning(sig, map, n, err);
	for (i = 0; rc == 0 && i < n; i++) {
		long k = mgen_signature_find(*sig, names[i]);

		rc = mgen_signature_set_field_prefix(
		    *sig, (size_t)k, mgen_program_field_prefix(prog, p, i));
		if (rc == 0)
			rc = mgen_signature_set_field_desc(
			    *sig, (size_t)k,
			    mgen_program_field_description(prog, p, i));
	}
	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	free(map);
	return rc;
}

void mgen_program_demos_free(mgen_example **demos, size_t n)
{
	size_t i;

	for (i = 0; demos && i < n; i++)
		mgen_example_free(demos[i]);
	free(demos);
}

int mgen_program_fit(const mgen_program *prog, size_t p, mgen_signature **sig,
		     mgen_example ***demos, size_t *ndemos, mgen_err *err)
{
	size_t i, n;
	int rc = overlay_fields(sig, prog, p, err);

	*demos = NULL;
	*ndemos = 0;
	if (rc == 0)
		rc = mgen_signature_set_instructions(
		    *sig, mgen_program_instructions(prog, p));
	n = mgen_program_demo_count(prog, p);
	if (rc == 0 && n > 0) {
		*demos = calloc(n, sizeof(**demos));
		if (*demos == NULL)
			rc = MGEN_ENOMEM;
	}
	for (i = 0; rc == 0 && i < n; i++) {
		rc = mgen_example_from_json(mgen_program_demo(prog, p, i),
					    &(*demos)[i], err);
		if (rc == 0)
			(*ndemos)++;
	}
	if (rc == MGEN_ENOMEM)
		mgen_err_set(err, rc, "out of memory");
	if (rc != 0) {
		mgen_program_demos_free(*demos, *ndemos);
		*demos = NULL;
		*ndemos = 0;
	}
	return rc;
}

int mgen_program_add_signature(mgen_program *prog, const char *name,
			       const mgen_signature *sig, mgen_err *err)
{
	size_t i, p = mgen_program_count(prog);
	mgen_sig_field f;
	int rc = mgen_program_add_predictor(
	    prog, name, mgen_signature_instructions(sig), err);

	for (i = 0; rc == 0 && i < mgen_signature_n_fields(sig); i++) {
		mgen_signature_field(sig, i, &f);
		rc = mgen_program_add_field(prog, p, f.prefix, f.desc);
	}
	if (rc == MGEN_ENOMEM)
		mgen_err_set(err, rc, "out of memory");
	return rc;
}
