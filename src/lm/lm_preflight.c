/*
 * lm_preflight.c - mgen_lm_preflight (include/metagen/lm.h): before a run
 * profiles anything, is the endpoint reachable, does it take the key, does
 * it serve the model? GET {base}/models (OpenAI's list shape, "List
 * models" in docs/reference/llm-endpoints.md's family of APIs), and
 * where that cannot tell, one chat request of one token.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "lm/lm_internal.h"
#include "util/json.h"
#include "util/util.h"

#define PF_MAX_BODY ((size_t)4 * 1024 * 1024) /* a model list's bound */

/* One request's outcome. */
typedef struct pf_answer {
	mgen_lm_http http;
	mgen_lm_endpoint ep; /* the URL asked, its masked form, secrets */
	long status;	     /* 0: no HTTP answer */
	char curl_error[CURL_ERROR_SIZE];
} pf_answer;

/* One request (GET when `body` is NULL) to base + `path` (libcurl's URL
 * API, lm_internal.h); no retry; the answer scrubbed of every secret.
 * Returns 0 (any HTTP status, or none: status 0 with curl_error set),
 * MGEN_ECONFIG (a base libcurl refuses) or MGEN_ENOMEM, in `err`. */
static int request(const mgen_lm *lm, const char *path, const char *body,
		   pf_answer *a, mgen_err *err)
{
	struct curl_slist *hdrs = NULL;
	CURL *h = NULL;
	CURLcode cc;
	int rc;

	a->status = 0;
	a->curl_error[0] = '\0';
	a->http.retry_after_ms = -1;
	mgen_lm__endpoint_release(&a->ep);
	rc = mgen_lm__endpoint(mgen_lm__target(lm), path, &a->ep, err);
	if (rc)
		return rc;
	h = curl_easy_init();
	if (h == NULL || mgen_lm__setup_handle(lm, h, a->ep.url, body, &hdrs,
					       &a->http, a->curl_error)) {
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		goto done;
	}
	mgen_lm__pace(lm);
	cc = curl_easy_perform(h);
	if (cc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->status);
	else if (a->curl_error[0] == '\0')
		snprintf(a->curl_error, sizeof(a->curl_error), "%s",
			 curl_easy_strerror(cc));
	if (a->http.body.data) {
		mgen__secrets_scrub(&a->ep.secrets, a->http.body.data,
				    a->http.body.cap);
		a->http.body.len = strlen(a->http.body.data);
	}
	mgen__secrets_scrub(&a->ep.secrets, a->curl_error,
			    sizeof(a->curl_error));
done:
	if (h)
		curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	return rc;
}

/* 1 when the model list in `body` has an entry with id `model`; the ids
 * (the first few) go to `ids` for messages. */
static int lists_model(const mgen_buf *body, const char *model, mgen_buf *ids)
{
	cJSON *root = cJSON_Parse(mgen_buf_str(body)), *e;
	int found = 0, n = 0;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(root, "data"))
	{
		const char *id = mgen__json_str(e, "id");
		if (id == NULL)
			continue;
		if (strcmp(id, model) == 0)
			found = 1;
		if (n++ < 8)
			mgen_buf_printf(ids, "%s%s", n > 1 ? ", " : "", id);
	}
	if (n > 8)
		mgen_buf_printf(ids, " and %d more", n - 8);
	cJSON_Delete(root);
	return found;
}

/* The error for an answer that is not a success. */
static int refused(const mgen_lm *lm, const pf_answer *a, const char *what,
		   const char *listed, mgen_err *err)
{
	const mgen_lm_target *t = mgen_lm__target(lm);
	char why[400];

	if (a->status == 0)
		return mgen_err_set(err, MGEN_EHTTP,
				    "lm endpoint %s is not reachable: %s",
				    a->ep.shown, a->curl_error);
	mgen_lm__error_text(&a->http.body, why, sizeof(why));
	if (a->status == 401 || a->status == 403)
		return mgen_err_set(
		    err, MGEN_EAUTH,
		    "lm endpoint %s refused the %s (HTTP %ld: %s); %s %s%s",
		    a->ep.shown, t->key ? "key" : "request without a key",
		    a->status, why, t->key ? "check" : "set",
		    t->key_env ? t->key_env : "METAGEN_API_KEY",
		    t->key_env ? " or METAGEN_API_KEY" : "");
	return mgen_err_set(err, MGEN_EHTTP,
			    "model '%s' is not available at %s: %s answered "
			    "HTTP %ld: %s%s%s%s",
			    t->model, a->ep.shown, what, a->status, why,
			    listed[0] ? " (its model list names: " : "", listed,
			    listed[0] ? ")" : "");
}

/* One chat request of one token for the model. */
static int one_token(const mgen_lm *lm, pf_answer *a, mgen_err *err)
{
	cJSON *root = cJSON_CreateObject(), *msgs, *m;
	char *body = NULL;
	int rc = root ? 0 : MGEN_ENOMEM;

	msgs = mgen__json_add_array(&rc, root, "messages");
	m = mgen__json_add_object(&rc, msgs, NULL);
	mgen__json_add_str(&rc, root, "model", mgen_lm__target(lm)->model);
	mgen__json_add_str(&rc, m, "role", "user");
	mgen__json_add_str(&rc, m, "content", "Reply with OK.");
	mgen__json_add_num(&rc, root, "max_tokens", 1);
	if (rc == 0)
		body = mgen__json_print(root);
	cJSON_Delete(root);
	if (body == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	rc = request(lm, "/chat/completions", body, a, err);
	free(body);
	return rc;
}

/* 1 when a 2xx chat answer is a completion (has choices), not an error. */
static int is_completion(const mgen_buf *body)
{
	cJSON *root = cJSON_Parse(mgen_buf_str(body));
	int ok =
	    cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "choices"));

	cJSON_Delete(root);
	return ok;
}

int mgen_lm_preflight(mgen_lm *lm, mgen_err *err)
{
	const mgen_lm_target *t = mgen_lm__target(lm);
	mgen_buf listed = MGEN_BUF_INIT;
	pf_answer a;
	int rc;

	if (t->key == NULL && t->key_env && t->base_from_provider)
		return mgen_err_set(err, MGEN_ECONFIG,
				    "no API key for model '%s': set %s (or "
				    "METAGEN_API_KEY)",
				    t->model, t->key_env);
	memset(&a, 0, sizeof(a));
	mgen_buf_init(&a.http.body, PF_MAX_BODY);
	rc = request(lm, "/models", NULL, &a, err);
	if (rc == 0 && (a.status == 0 || a.status == 401 || a.status == 403))
		rc = refused(lm, &a, "GET /models", "", err);
	else if (rc == 0 && a.status / 100 == 2 &&
		 lists_model(&a.http.body, t->model, &listed))
		goto done;
	else if (rc == 0) {
		mgen_buf_reset(&a.http.body);
		rc = one_token(lm, &a, err);
		if (rc == 0 &&
		    !(a.status / 100 == 2 && is_completion(&a.http.body)))
			rc = refused(lm, &a, "a one-token chat request",
				     mgen_buf_str(&listed), err);
	}
done:
	if (rc)
		mgen__secrets_scrub(&a.ep.secrets, err->msg, sizeof(err->msg));
	mgen_lm__endpoint_release(&a.ep);
	mgen_buf_release(&a.http.body);
	mgen_buf_release(&listed);
	return rc;
}
