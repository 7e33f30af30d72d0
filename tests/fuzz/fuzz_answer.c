/*
 * fuzz_answer.c - libFuzzer target for the LM answer parser and the
 * name alignment (src/comment/answer.c, align.c). Each input is parsed
 * as a complete answer and as a cut-off one (truncated = 1); every
 * successful parse is aligned to a fixed list of asked columns. Each
 * input is also parsed with the entry cap for those columns
 * (mgen_answer_entry_cap), as the generator does. Large inputs are part
 * of the target: the seed 20_200k_entries.txt is an answer with 200,000
 * entries per list, which must be refused quickly (the parse is linear).
 * Seeds: tests/fuzz/answer/. Built by `make fuzz`, run by `make
 * fuzz-smoke` on a copy of the seeds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const ASKED[] = {"subject_id", "gender", "DOB",
				    "hadm_id", "value"};

static void parse_and_align(const char *text, int truncated, int capped)
{
	mgen_answer a;
	mgen_alignment al;
	mgen_err err = MGEN_ERR_INIT;
	size_t asked_count = sizeof(ASKED) / sizeof(ASKED[0]);

	memset(&a, 0, sizeof(a));
	if ((capped ? mgen_answer_parse_capped(text, truncated,
					       mgen_answer_entry_cap(asked_count),
					       &a, &err)
		    : mgen_answer_parse(text, truncated, &a, &err)) != 0) {
		mgen_answer_release(&a);
		return;
	}
	mgen_err_clear(&err);
	memset(&al, 0, sizeof(al));
	(void)mgen_answer_align(&a, "mimiciii.patients", ASKED, asked_count, &al,
				&err);
	mgen_alignment_release(&al);
	mgen_err_clear(&err);
	memset(&al, 0, sizeof(al));
	(void)mgen_answer_align(&a, NULL, ASKED, 1, &al, &err);
	mgen_alignment_release(&al);
	mgen_answer_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	parse_and_align(text, 0, 0);
	parse_and_align(text, 1, 0);
	parse_and_align(text, 0, 1);
	free(text);
	return 0;
}
