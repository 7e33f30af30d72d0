/*
 * lm_config.c - an LM client from a config (mgen_lm_new_from_config,
 * include/metagen/lm.h).
 */
#include <stdlib.h>
#include <string.h>

#include "metagen/buf.h"
#include "metagen/config.h"
#include "metagen/lm.h"

int mgen_lm_new_from_config(const mgen_config *cfg, mgen_log_fn log,
			    void *log_ud, mgen_lm **out, mgen_err *err)
{
	mgen_lm_options lo = MGEN_LM_OPTIONS_INIT;
	mgen_buf cache_path = MGEN_BUF_INIT;
	char *key = NULL;
	int rc;

	*out = NULL;
	rc = mgen_config_read_api_key(cfg, &key, err);
	if (rc != 0)
		return rc;
	if (cfg->cache) {
		mgen_buf_printf(&cache_path, "%s/cache.sqlite",
				cfg->cache_dir && cfg->cache_dir[0]
				    ? cfg->cache_dir
				    : ".metagen");
		if (mgen_buf_error(&cache_path)) {
			free(key);
			return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		}
		lo.cache_path = mgen_buf_str(&cache_path);
	}
	lo.requests_per_minute = cfg->requests_per_minute;
	lo.tokens_per_minute = cfg->tokens_per_minute;
	lo.model = cfg->model;
	lo.api_base = cfg->api_base;
	lo.api_key = key;
	lo.temperature = cfg->temperature;
	lo.max_tokens = cfg->max_tokens;
	lo.timeout_ms = (long)cfg->timeout_seconds * 1000;
	lo.max_retries = cfg->max_retries;
	lo.log = log;
	lo.log_userdata = log_ud;
	rc = mgen_lm_new(&lo, out, err);
	mgen_buf_release(&cache_path);
	if (key)
		memset(key, 0, strlen(key));
	free(key);
	return rc;
}
