/*
 * fuzz_program.c - libFuzzer target for the saved-program JSON loader
 * (src/dspy/program_file.c): each input is loaded onto a fresh
 * declaration (a ChainOfThought-style predictor "comment.predict" with
 * five fields, and a bare "self" with two), once with the default
 * options and once trusting the lm base; when a load succeeds the
 * program is written back to JSON. Seeds: tests/fuzz/program/ (DSPy
 * layout files, valid and broken). Built by `make fuzz`, run by `make
 * fuzz-smoke` on a copy of the seeds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/program.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const PREFIXES[] = {"Table Name:", "Columns:",
				       "Reasoning:", "Table Comment:",
				       "Column Comments:"};

static mgen_program *declare(void)
{
	mgen_program *p = NULL;
	size_t f;

	if (mgen_program_new(&p) != 0)
		return NULL;
	if (mgen_program_add_predictor(p, "comment.predict", "Original.",
				       NULL) != 0 ||
	    mgen_program_add_predictor(p, "self", NULL, NULL) != 0)
		goto fail;
	for (f = 0; f < 5; f++)
		if (mgen_program_add_field(p, 0, PREFIXES[f], "${x}") != 0)
			goto fail;
	for (f = 0; f < 2; f++)
		if (mgen_program_add_field(p, 1, PREFIXES[f], NULL) != 0)
			goto fail;
	return p;
fail:
	mgen_program_free(p);
	return NULL;
}

static void load_once(const uint8_t *data, size_t size, int trust)
{
	mgen_program_load_options opts = MGEN_PROGRAM_LOAD_OPTIONS_INIT;
	mgen_err err = MGEN_ERR_INIT;
	mgen_program *p = declare();
	char *json = NULL;

	if (p == NULL)
		return;
	opts.trust_lm_base = trust;
	if (mgen_program_load_json(p, (const char *)data, size, "fuzz.json",
				   &opts, &err) == 0 &&
	    mgen_program_to_json(p, &json, &err) == 0)
		free(json);
	mgen_program_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load_once(data, size, 0);
	load_once(data, size, 1);
	return 0;
}
