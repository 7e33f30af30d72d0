/*
 * fuzz_adapter.c - libFuzzer target for the optimized path's answer
 * parsers (mgen_chat_adapter_parse, mgen_json_adapter_parse) and for
 * rendering arbitrary text as an input value. Seeds: tests/fuzz/adapter/.
 * Build with clang -fsanitize=fuzzer,address,undefined -Iinclude -Isrc
 * from this file plus every .c of src/dspy, src/lm and src/util, linked with
 * libcjson (pkg-config), -pthread -lm; run it on a copy of
 * tests/fuzz/adapter (libFuzzer writes new inputs into the folder).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/signature.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse_both(const mgen_signature *sig, const char *text)
{
	mgen_example *out = NULL;
	mgen_err err = MGEN_ERR_INIT;
	char *json = NULL;

	if (mgen_chat_adapter_parse(sig, text, &out, &err) == 0 &&
	    mgen_example_to_json(out, &json) == 0)
		free(json);
	mgen_example_free(out);
	out = NULL;
	mgen_err_clear(&err);
	if (mgen_json_adapter_parse(sig, text, &out, &err) == 0 &&
	    mgen_example_to_json(out, &json) == 0)
		free(json);
	mgen_example_free(out);
}

static void render_with(const mgen_signature *sig, const char *text)
{
	mgen_example *in = NULL, *demo = NULL;
	const mgen_example *demos[1];
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;

	if (mgen_example_new(&in) != 0)
		return;
	if (mgen_example_set_str(in, "question", text) == 0 &&
	    mgen_example_from_json(text, &demo, NULL) == 0) {
		demos[0] = demo;
		(void)mgen_chat_adapter_render(sig, demos, 1, in, &m, NULL);
		mgen_sig_messages_release(&m);
		(void)mgen_json_adapter_render(sig, demos, 1, in, &m, NULL);
		mgen_sig_messages_release(&m);
	}
	mgen_example_free(demo);
	mgen_example_free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static mgen_signature *sig;
	char *text;

	if (sig == NULL &&
	    mgen_signature_parse("question -> reasoning, answer, count: int, "
				 "tags: list[str]",
				 NULL, &sig, NULL) != 0)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	parse_both(sig, text);
	render_with(sig, text);
	free(text);
	return 0;
}
