/*
 * config_json.c - the settings as a JSON object for the run manifest
 * (mgen_config_to_json) and secret masking of connection strings
 * (mgen_config_mask_connection, through util/secret.c, the one masking
 * function). Secrets never leave this file unmasked.
 */
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"
#include "metagen/buf.h"
#include "util/json.h"
#include "util/secret.h"
#include "util/util.h"

char *mgen_config_mask_connection(const char *conn)
{
	return mgen__mask_secrets(conn);
}

/* The `i`th choice of "a|b|c" as a new string, or NULL. */
static char *nth_choice(const char *choices, int i)
{
	const char *p = choices, *bar;

	while (i-- > 0 && p != NULL) {
		p = strchr(p, '|');
		p = p ? p + 1 : NULL;
	}
	if (p == NULL)
		return NULL;
	bar = strchr(p, '|');
	return mgen__strndup(p, bar ? (size_t)(bar - p) : strlen(p));
}

/* A JSON string, or null for NULL; NULL on out of memory. */
static cJSON *str_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* The JSON value of one key; NULL on out of memory. */
static cJSON *key_json(const mgen_config *cfg, const mgen__config_spec *s)
{
	const void *p = (const char *)cfg + s->off;
	const mgen_strlist *l;
	const mgen_kvlist *m;
	cJSON *v = NULL;
	char *tmp;
	size_t i;

	switch (s->type) {
	case MGEN__CT_STRING:
	case MGEN__CT_CHOICE:
		tmp = *(char *const *)p;
		if (tmp != NULL && (s->flags & MGEN__CF_SECRET))
			return cJSON_CreateString("***");
		if (tmp == NULL || !(s->flags & MGEN__CF_CONNSTR))
			return str_or_null(tmp);
		tmp = mgen_config_mask_connection(tmp);
		v = tmp ? cJSON_CreateString(tmp) : NULL;
		free(tmp);
		return v;
	case MGEN__CT_BOOL:
		return cJSON_CreateBool(*(const int *)p);
	case MGEN__CT_INT:
		return cJSON_CreateNumber(*(const int *)p);
	case MGEN__CT_NUMBER:
		return cJSON_CreateNumber(*(const double *)p);
	case MGEN__CT_ENUM:
		tmp = nth_choice(s->choices, *(const int *)p);
		v = str_or_null(tmp);
		free(tmp);
		return v;
	case MGEN__CT_LIST:
		l = p;
		v = cJSON_CreateArray();
		for (i = 0; v != NULL && i < l->n; i++)
			if (!cJSON_AddItemToArray(
				v, cJSON_CreateString(l->items[i])))
				goto fail;
		return v;
	case MGEN__CT_MAP:
		m = p;
		v = cJSON_CreateObject();
		for (i = 0; v != NULL && i < m->n; i++)
			if (cJSON_AddStringToObject(v, m->items[i].key,
						    m->items[i].value) == NULL)
				goto fail;
		return v;
	}
fail:
	cJSON_Delete(v);
	return NULL;
}

char *mgen_config_to_json(const mgen_config *cfg)
{
	cJSON *root = cJSON_CreateObject(), *v;
	char *text = NULL;
	size_t i;

	if (root == NULL)
		return NULL;
	for (i = 0; i < mgen__config_nspecs; i++) {
		v = key_json(cfg, &mgen__config_specs[i]);
		if (v == NULL || !cJSON_AddItemToObject(
				     root, mgen__config_specs[i].key, v)) {
			cJSON_Delete(v);
			goto done;
		}
	}
	v = str_or_null(cfg->config_path);
	if (v == NULL || !cJSON_AddItemToObject(root, "config_path", v)) {
		cJSON_Delete(v);
		goto done;
	}
	text = mgen__json_print(root);
done:
	cJSON_Delete(root);
	return text;
}

/* The secret in file `path` (named by the key `what` in messages): its
 * first line, without the line end; a second line, a NUL or nothing at
 * all is refused. */
static int secret_from_file(const char *what, const char *path, char **out,
			    mgen_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc = mgen__read_file(path, &text, &len);

	if (rc == MGEN_ENOMEM)
		return mgen_err_set(err, rc, "out of memory");
	if (rc != 0)
		return mgen_err_set(err, MGEN_ECONFIG,
				    "%s '%s': cannot read it", what, path);
	if (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	if (len > 0 && text[len - 1] == '\r')
		text[--len] = '\0';
	if (len == 0 || strlen(text) != len || mgen__has_line_break(text)) {
		memset(text, 0, len);
		free(text);
		return mgen_err_set(err, MGEN_ECONFIG, "%s '%s': %s", what,
				    path,
				    len == 0 ? "the file is empty"
					     : "the secret must be one line "
					       "without NUL, CR or LF");
	}
	*out = text;
	return 0;
}

/* `value` when set, else the secret in `file` (key `what`), else none. */
static int read_secret(const char *value, const char *what, const char *file,
		       char **out, mgen_err *err)
{
	*out = NULL;
	if (value && value[0]) {
		*out = mgen__strdup(value);
		return *out ? 0
			    : mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	if (file && file[0])
		return secret_from_file(what, file, out, err);
	return 0;
}

int mgen_config_read_api_key(const mgen_config *cfg, char **out, mgen_err *err)
{
	return read_secret(cfg->api_key, "api_key_file", cfg->api_key_file, out,
			   err);
}

int mgen_config_read_serve_token(const mgen_config *cfg, char **out,
				 mgen_err *err)
{
	return read_secret(cfg->serve_token, "serve.token_file",
			   cfg->serve_token_file, out, err);
}
