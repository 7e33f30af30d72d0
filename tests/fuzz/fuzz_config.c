/*
 * fuzz_config.c - libFuzzer target for the YAML config loader and the
 * connection-string masker. Seeds: tests/fuzz/config/. Built by `make
 * fuzz` (clang -fsanitize=fuzzer,address,undefined, into build-fuzz/),
 * run by `make fuzz-smoke` on a copy of the seeds (libFuzzer writes new
 * inputs into the folder it is given).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;
	char *text, *json, *masked;

	if (mgen_config_init(&cfg) != 0)
		return 0;
	(void)mgen__config_load_yaml(&cfg, "fuzz.yaml", (const char *)data,
				     size, &err);
	json = mgen_config_to_json(&cfg);
	free(json);
	mgen_config_release(&cfg);
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	masked = mgen_config_mask_connection(text);
	free(masked);
	free(text);
	return 0;
}
