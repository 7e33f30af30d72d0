/*
 * cache_key.c - the LM cache key (include/metagen/cache.h): canonical
 * JSON (sorted keys, no whitespace, stable numbers; in the spirit of RFC
 * 8785) of the request's model, messages and parameters, hashed with
 * SHA-256 as DSPy does (dspy/clients/cache.py). The key and base URL are
 * never part of it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/buf.h"
#include "metagen/cache.h"
#include "util/hash.h"
#include "util/json.h"

static void put_number(mgen_buf *b, double d)
{
	char tmp[64];

	if (!isfinite(d)) {
		mgen_buf_puts(b, "null");
		return;
	}
	if (d == floor(d) && fabs(d) <= 9007199254740992.0) {
		mgen_buf_printf(b, "%lld", (long long)d);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%.15g", d);
	if (strtod(tmp, NULL) != d)
		snprintf(tmp, sizeof(tmp), "%.17g", d);
	mgen_buf_puts(b, tmp);
}

static int cmp_keys(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a;
	const cJSON *y = *(const cJSON *const *)b;

	return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

static int put_value(mgen_buf *b, const cJSON *v, int depth);

/* An object with its members sorted by key (stable for duplicates). */
static int put_object(mgen_buf *b, const cJSON *v, int depth)
{
	const cJSON *it, **items;
	size_t n = 0, i;
	int rc = 0;

	for (it = v->child; it; it = it->next)
		n++;
	items = calloc(n + 1, sizeof(*items));
	if (items == NULL)
		return MGEN_ENOMEM;
	for (n = 0, it = v->child; it; it = it->next)
		items[n++] = it;
	/* insertion sort: stable, and objects here are small */
	for (i = 1; i < n; i++) {
		const cJSON *x = items[i];
		size_t j = i;
		while (j > 0 && cmp_keys(&items[j - 1], &x) > 0) {
			items[j] = items[j - 1];
			j--;
		}
		items[j] = x;
	}
	mgen_buf_putc(b, '{');
	for (i = 0; i < n && rc == 0; i++) {
		if (i)
			mgen_buf_putc(b, ',');
		mgen__json_write_string(
		    items[i]->string ? items[i]->string : "", b);
		mgen_buf_putc(b, ':');
		rc = put_value(b, items[i], depth + 1);
	}
	mgen_buf_putc(b, '}');
	free(items);
	return rc;
}

static int put_value(mgen_buf *b, const cJSON *v, int depth)
{
	const cJSON *it;
	int rc = 0;

	if (depth > 200)
		return MGEN_ELIMIT;
	if (cJSON_IsObject(v))
		return put_object(b, v, depth);
	if (cJSON_IsArray(v)) {
		mgen_buf_putc(b, '[');
		for (it = v->child; it && rc == 0; it = it->next) {
			if (it != v->child)
				mgen_buf_putc(b, ',');
			rc = put_value(b, it, depth + 1);
		}
		mgen_buf_putc(b, ']');
	} else if (cJSON_IsString(v)) {
		mgen__json_write_string(v->valuestring, b);
	} else if (cJSON_IsNumber(v)) {
		put_number(b, v->valuedouble);
	} else if (cJSON_IsTrue(v)) {
		mgen_buf_puts(b, "true");
	} else if (cJSON_IsFalse(v)) {
		mgen_buf_puts(b, "false");
	} else {
		mgen_buf_puts(b, "null");
	}
	return rc;
}

/* Canonical text of a cJSON tree into *out (malloc'd). */
static int canonical(const cJSON *root, char **out)
{
	mgen_buf b = MGEN_BUF_INIT;
	int rc = put_value(&b, root, 0);

	if (rc == 0 && mgen_buf_error(&b))
		rc = MGEN_ENOMEM;
	*out = rc == 0 ? mgen_buf_detach(&b) : NULL;
	mgen_buf_release(&b);
	if (rc == 0 && *out == NULL)
		rc = MGEN_ENOMEM;
	return rc;
}

int mgen_cache_canonical_json(const char *json, char **out, mgen_err *err)
{
	cJSON *root = json ? cJSON_Parse(json) : NULL;
	int rc;

	*out = NULL;
	if (root == NULL)
		return mgen_err_set(err, MGEN_EPARSE, "not valid json");
	rc = canonical(root, out);
	cJSON_Delete(root);
	if (rc == MGEN_ELIMIT)
		return mgen_err_set(err, MGEN_EPARSE, "json nested too deeply");
	if (rc != 0)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	return 0;
}

/* The request as a cJSON object (key order does not matter here). */
static int request_tree(const mgen_cache_request *req, cJSON **out,
			mgen_err *err)
{
	cJSON *root = cJSON_CreateObject(), *arr, *m, *rf;
	size_t i;

	*out = NULL;
	if (root == NULL)
		goto oom;
	if (!cJSON_AddStringToObject(root, "model",
				     req->model ? req->model : "") ||
	    !cJSON_AddNumberToObject(root, "temperature", req->temperature) ||
	    !cJSON_AddNumberToObject(root, "max_tokens", req->max_tokens))
		goto oom;
	arr = cJSON_AddArrayToObject(root, "messages");
	for (i = 0; arr && i < req->message_count; i++) {
		m = cJSON_CreateObject();
		if (m == NULL || !cJSON_AddItemToArray(arr, m)) {
			cJSON_Delete(m);
			goto oom;
		}
		if (!cJSON_AddStringToObject(m, "role", req->msgs[i].role) ||
		    !cJSON_AddStringToObject(
			m, "content",
			req->msgs[i].content ? req->msgs[i].content : ""))
			goto oom;
	}
	if (arr == NULL)
		goto oom;
	if (req->response_format_json) {
		rf = cJSON_Parse(req->response_format_json);
		if (rf == NULL) {
			cJSON_Delete(root);
			return mgen_err_set(
			    err, MGEN_EINVAL,
			    "response_format is not valid json");
		}
		if (!cJSON_AddItemToObject(root, "response_format", rf)) {
			cJSON_Delete(rf);
			goto oom;
		}
	}
	if (req->rollout_id &&
	    !cJSON_AddStringToObject(root, "rollout_id", req->rollout_id))
		goto oom;
	*out = root;
	return 0;
oom:
	cJSON_Delete(root);
	return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
}

int mgen_cache_key(const mgen_cache_request *req, char hex[65], mgen_err *err)
{
	cJSON *root = NULL;
	char *text = NULL;
	int rc;

	hex[0] = '\0';
	rc = request_tree(req, &root, err);
	if (rc != 0)
		return rc;
	rc = canonical(root, &text);
	cJSON_Delete(root);
	if (rc == MGEN_ELIMIT)
		return mgen_err_set(err, MGEN_EINVAL,
				    "response_format nested too deeply");
	if (rc == 0)
		rc = mgen__sha256_hex(text, strlen(text), hex);
	free(text);
	if (rc != 0)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	return 0;
}
