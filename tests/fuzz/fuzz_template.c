/*
 * fuzz_template.c - libFuzzer target for the template engine
 * (src/prompt/template.c): each input is compiled as a template and,
 * when it compiles, rendered twice with a small fixed variable list
 * (one non-empty value per prompt variable, one empty) into a bounded
 * buffer. Seeds: tests/fuzz/template/. Built by `make fuzz`, run by
 * `make fuzz-smoke` on a copy of the seeds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/buf.h"
#include "metagen/prompt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const VARS[][2] = {
    {"table_name", "mimiciii.patients"},
    {"column_count", "3"},
    {"content", "{\"columns\": [\"a\", \"b\"]}"},
    {"style_guideline", "Short, plain sentences.\n"},
    {"abbreviations", ""},
    {"existing_table_comment", "{{table_name}} {{#x}}"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mgen_kvlist vars = {NULL, 0, 0};
	mgen_template *t = NULL;
	mgen_buf out;
	mgen_err err = MGEN_ERR_INIT;
	char *text;
	size_t i;

	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (i = 0; i < sizeof(VARS) / sizeof(VARS[0]); i++)
		if (mgen_kvlist_add(&vars, VARS[i][0], VARS[i][1]) != 0)
			goto done;
	if (mgen_template_compile("fuzz.txt", text, &t, &err) != 0)
		goto done;
	/* 1 MiB bound: nested sections must not blow up the output */
	mgen_buf_init(&out, (size_t)1 << 20);
	mgen_err_clear(&err);
	(void)mgen_template_render(t, &vars, &out, &err);
	mgen_buf_reset(&out);
	mgen_err_clear(&err);
	(void)mgen_template_render(t, NULL, &out, &err);
	mgen_buf_release(&out);
done:
	mgen_template_free(t);
	mgen_kvlist_release(&vars);
	free(text);
	return 0;
}
