/*
 * sig_example.c - mgen_example, DSPy's dspy.Example: an ordered map of
 * field name -> JSON value plus the `augmented` flag of bootstrapped
 * demos; and the release of rendered message arrays.
 */
#include <stdlib.h>
#include <string.h>

#include "dspy/signature_internal.h"
#include "util/util.h"

int mgen_example_new(mgen_example **out)
{
	mgen_example *ex = calloc(1, sizeof *ex);

	*out = NULL;
	if (ex == NULL || (ex->obj = cJSON_CreateObject()) == NULL) {
		free(ex);
		return MGEN_ENOMEM;
	}
	*out = ex;
	return 0;
}

void mgen_example_free(mgen_example *ex)
{
	if (ex == NULL)
		return;
	cJSON_Delete(ex->obj);
	free(ex);
}

/* Puts `v` (consumed) under `name`, in place when the key exists. */
static int put(mgen_example *ex, const char *name, cJSON *v)
{
	char *key;
	int ok;

	if (v == NULL)
		return MGEN_ENOMEM;
	if (cJSON_GetObjectItemCaseSensitive(ex->obj, name) != NULL) {
		/* cJSON frees v->string before copying `name`: never alias */
		key = mgen__strdup(name);
		ok = key &&
		     cJSON_ReplaceItemInObjectCaseSensitive(ex->obj, key, v);
		free(key);
		if (!ok)
			goto nomem;
		return 0;
	}
	if (!cJSON_AddItemToObject(ex->obj, name, v))
		goto nomem;
	return 0;
nomem:
	cJSON_Delete(v);
	return MGEN_ENOMEM;
}

int mgen_example_from_json(const char *json, mgen_example **out, mgen_err *err)
{
	mgen_example *ex = NULL;
	cJSON *v = NULL, *c;
	int rc;

	*out = NULL;
	if (json == NULL)
		return mgen_err_set(err, MGEN_EPARSE, "example: no JSON text");
	rc = mgen_sig__json_parse(json, strlen(json), &v);
	if (rc == MGEN_ENOMEM)
		return mgen_err_set(err, rc, "out of memory");
	if (rc || !cJSON_IsObject(v)) {
		cJSON_Delete(v);
		return mgen_err_set(err, MGEN_EPARSE, "example: %s",
				    rc ? "not valid JSON"
				       : "not a JSON object");
	}
	if (mgen_example_new(&ex) != 0) {
		cJSON_Delete(v);
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	while ((c = v->child) != NULL && rc == 0) {
		cJSON_DetachItemViaPointer(v, c);
		if (c->string && strcmp(c->string, "augmented") == 0 &&
		    cJSON_IsBool(c)) {
			ex->augmented = cJSON_IsTrue(c);
			cJSON_Delete(c);
			continue;
		}
		rc = put(ex, c->string ? c->string : "", c);
	}
	cJSON_Delete(v);
	if (rc) {
		mgen_example_free(ex);
		return mgen_err_set(err, rc, "out of memory");
	}
	*out = ex;
	return 0;
}

int mgen_example_set_str(mgen_example *ex, const char *name, const char *value)
{
	if (name == NULL || value == NULL)
		return MGEN_EINVAL;
	return put(ex, name, cJSON_CreateString(value));
}

int mgen_example_set_json(mgen_example *ex, const char *name, const char *json,
			  mgen_err *err)
{
	cJSON *v = NULL;
	int rc;

	if (name == NULL || json == NULL)
		return mgen_err_set(err, MGEN_EINVAL,
				    "example: no name or value");
	rc = mgen_sig__json_parse(json, strlen(json), &v);
	if (rc == MGEN_EPARSE)
		return mgen_err_set(err, rc,
				    "example: value of \"%s\" is not "
				    "valid JSON",
				    name);
	if (rc)
		return mgen_err_set(err, rc, "out of memory");
	rc = put(ex, name, v);
	return rc ? mgen_err_set(err, rc, "out of memory") : 0;
}

int mgen_example_remove(mgen_example *ex, const char *name)
{
	cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(ex->obj, name);

	if (v == NULL)
		return MGEN_ENOTFOUND;
	cJSON_Delete(v);
	return 0;
}

int mgen_example_has(const mgen_example *ex, const char *name)
{
	return name && cJSON_GetObjectItemCaseSensitive(ex->obj, name) != NULL;
}

const char *mgen_example_get_str(const mgen_example *ex, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ex->obj, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int mgen_example_get_json(const mgen_example *ex, const char *name, char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ex->obj, name);
	mgen_buf b = MGEN_BUF_INIT;

	*out = NULL;
	if (v == NULL)
		return MGEN_ENOTFOUND;
	mgen_sig__pyjson(&b, v, 0);
	*out = mgen_buf_detach(&b);
	return *out ? 0 : MGEN_ENOMEM;
}

size_t mgen_example_count(const mgen_example *ex)
{
	return (size_t)cJSON_GetArraySize(ex->obj);
}

const char *mgen_example_key(const mgen_example *ex, size_t i)
{
	const cJSON *c = ex->obj->child;

	while (c != NULL && i-- > 0)
		c = c->next;
	return c ? c->string : NULL;
}

void mgen_example_set_augmented(mgen_example *ex, int augmented)
{
	ex->augmented = augmented != 0;
}

int mgen_example_augmented(const mgen_example *ex)
{
	return ex->augmented;
}

int mgen_example_to_json(const mgen_example *ex, char **out)
{
	mgen_buf b = MGEN_BUF_INIT;

	*out = NULL;
	mgen_sig__pyjson(&b, ex->obj, 0);
	if (ex->augmented && b.len > 0 && !b.error) {
		mgen_buf t = MGEN_BUF_INIT;

		mgen_buf_puts(&t, "{\"augmented\": true");
		if (b.len > 2)
			mgen_buf_puts(&t, ", ");
		mgen_buf_puts(&t, mgen_buf_str(&b) + 1);
		mgen_buf_release(&b);
		b = t;
	}
	*out = mgen_buf_detach(&b);
	return *out ? 0 : MGEN_ENOMEM;
}

int mgen_example_copy(const mgen_example *ex, mgen_example **out)
{
	mgen_example *c = calloc(1, sizeof *c);

	*out = NULL;
	if (c == NULL || (c->obj = cJSON_Duplicate(ex->obj, 1)) == NULL) {
		free(c);
		return MGEN_ENOMEM;
	}
	c->augmented = ex->augmented;
	*out = c;
	return 0;
}

void mgen_sig_messages_release(mgen_sig_messages *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		char *p;

		memcpy(&p, &m->msgs[i].content, sizeof p); /* owned */
		free(p);
	}
	free(m->msgs);
	m->msgs = NULL;
	m->n = 0;
}
