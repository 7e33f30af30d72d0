/*
 * config_env.c - settings from METAGEN_* environment variables: the name
 * after the prefix is matched against the key table with dots,
 * underscores and case folded (METAGEN_PROMPTS_DIR is prompts.dir); list
 * and map keys are replaced by the comma-separated value.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config/config_internal.h"

/* 1 for METAGEN_ variables owned by someone else (the name after the
 * prefix is `name`, `len` bytes). */
static int env_ignored(const char *name, size_t len)
{
	static const char *const skip[] = {"CONFIG", "API_KEY", "SRCDIR"};
	size_t i;

	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (len == strlen(skip[i]) && memcmp(name, skip[i], len) == 0)
			return 1;
	return len >= 5 && memcmp(name, "TEST_", 5) == 0;
}

/* Applies one "METAGEN_X=value" entry. */
static int env_one(mgen_config *cfg, const char *entry, mgen_err *err)
{
	const char *name = entry + 8, *eq = strchr(entry, '=');
	const mgen__config_spec *s, *near;
	char key[128], where[160];
	size_t len;

	if (eq == NULL)
		return 0;
	len = (size_t)(eq - name);
	if (env_ignored(name, len))
		return 0;
	snprintf(where, sizeof(where), "environment METAGEN_%.*s",
		 (int)(len > 100 ? 100 : len), name);
	s = NULL;
	if (len < sizeof(key)) {
		memcpy(key, name, len);
		key[len] = '\0';
		s = mgen__config_find(key);
	}
	if (s != NULL)
		return mgen_config_set(cfg, s->key, eq + 1, 1, where, err);
	near = len < sizeof(key) ? mgen__config_suggest(key) : NULL;
	if (near == NULL)
		return mgen_err_set(err, MGEN_ECONFIG, "%s: unknown key",
				    where);
	snprintf(key, sizeof(key), "%s", near->key);
	for (len = 0; key[len]; len++)
		key[len] = key[len] == '.' ? '_' : (char)toupper(key[len]);
	return mgen_err_set(err, MGEN_ECONFIG,
			    "%s: unknown key; did you mean METAGEN_%s?", where,
			    key);
}

int mgen_config_load_env(mgen_config *cfg, char *const *envp, mgen_err *err)
{
	size_t i;
	int rc;

	if (envp == NULL)
		return 0;
	for (i = 0; envp[i] != NULL; i++) {
		if (strncmp(envp[i], "METAGEN_", 8) != 0)
			continue;
		rc = env_one(cfg, envp[i], err);
		if (rc != 0)
			return rc;
	}
	return 0;
}
