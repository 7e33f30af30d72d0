/*
 * fuzz_qa.c - libFuzzer target for the ask program's QA inputs
 * (include/metagen/qa.h): each input is read as a QA file
 * (mgen_qa_parse) and every example read is scored with its own
 * question as the answer; the raw input is also scored as an answer
 * against a fixed gold and as a context (passages, citations, the held
 * test), and parsed by the ChatAdapter as a judge answer whose values
 * are then read (mgen_qa_judge_read). Seeds: tests/fuzz/qa/. Built by
 * `make fuzz`, run by `make fuzz-smoke` and the allocation-failure
 * sweep.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/qa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void judge(const char *text)
{
	mgen_signature *sig = NULL;
	mgen_example *pred = NULL;
	mgen_err err = MGEN_ERR_INIT;
	double j = 0;

	if (mgen_qa_judge_signature(&sig, &err) != 0)
		return;
	if (mgen_chat_adapter_parse(sig, text, &pred, &err) == 0)
		(void)mgen_qa_judge_read(pred, &j, &err);
	if (j < 0 || j > 1)
		abort(); /* J is always in [0, 1] */
	mgen_example_free(pred);
	mgen_signature_free(sig);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	mgen_example **ex = NULL;
	mgen_err err = MGEN_ERR_INIT;
	mgen_qa_parts p;
	size_t n = 0, i;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (mgen_qa_parse(text, size, "fuzz", &ex, &n, &err) == 0)
		for (i = 0; i < n; i++)
			(void)mgen_qa_score(
			    mgen_example_get_str(ex[i], "answer"),
			    mgen_example_get_str(ex[i], "question"), text, -1,
			    &p);
	mgen_qa_examples_free(ex, n);
	if (mgen_qa_score("one row per stay", text, text, 0.5, &p) == 0 &&
	    (p.score < 0 || p.score > 1 || p.nbad > p.ncited))
		abort();
	if (mgen_qa_score(text, "x [1]", "[1] \xc2\xab x \xc2\xbb", -1, &p) ==
		0 &&
	    (p.f1 < 0 || p.f1 > 1))
		abort();
	judge(text);
	free(text);
	return 0;
}
