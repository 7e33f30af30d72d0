/*
 * lm.c - the LM client (include/metagen/lm.h): POST {base}/chat/completions
 * with libcurl, one easy handle per call, retries with exponential backoff
 * and full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog,
 * 2015) honouring Retry-After (RFC 9110 10.2.3), usage summed under a
 * mutex. Request and answer shapes: docs/reference/llm-endpoints.md.
 * Optional answer cache (cache.h) and request/token rate limits
 * (ratelimit.h) around the HTTP attempts. The easy handle's setup and
 * callbacks are in lm_http.c. libcurl stays inside the LM client's files
 * (this one, lm_http.c and lm_preflight.c).
 */
#include <assert.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lm/lm_internal.h"
#include "lm/ratelimit.h"
#include "metagen/buf.h"
#include "metagen/cache.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/text.h"
#include "util/util.h"

#define LM_EST_ANSWER_TOKENS 1024 /* answer guess for the token bucket */

/* struct mgen_lm: lm_internal.h */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void lm_log(const mgen_lm *lm, mgen_log_level lvl, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void lm_log(const mgen_lm *lm, mgen_log_level lvl, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (lm->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lm->log(lm->log_userdata, lvl, msg);
}

/* The cache, limiter and copies of the options that version 2 added. */
static int lm_open_extras(mgen_lm *lm, const mgen_lm_options *opts,
			  mgen_err *err)
{
	int v2 = opts->version >= 2;

	if (mgen__ratelimit_init(&lm->rl, v2 ? opts->requests_per_minute : 0,
				 v2 ? opts->tokens_per_minute : 0) != 0)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	lm->model_str = mgen__strdup(opts->model);
	lm->rollout_id =
	    v2 && opts->rollout_id ? mgen__strdup(opts->rollout_id) : NULL;
	if (lm->model_str == NULL ||
	    (v2 && opts->rollout_id && lm->rollout_id == NULL))
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (!v2 || opts->cache_path == NULL)
		return 0;
	return mgen_cache_open(opts->cache_path, &lm->cache, err);
}

int mgen_lm_new(const mgen_lm_options *opts, mgen_lm **out, mgen_err *err)
{
	mgen_lm_options dflt = MGEN_LM_OPTIONS_INIT;
	mgen_lm *lm = NULL;
	int rc;

	*out = NULL;
	if (opts == NULL)
		opts = &dflt;
	if (opts->version != MGEN_LM_OPTIONS_VERSION && opts->version != 1)
		return mgen_err_set(err, MGEN_EINVAL,
				    "unsupported mgen_lm_options version %d "
				    "(expected %d)",
				    opts->version, MGEN_LM_OPTIONS_VERSION);
	pthread_once(&curl_once, curl_init_once);
	if (curl_init_rc != CURLE_OK)
		return mgen_err_set(err, MGEN_EHTTP,
				    "cannot initialise libcurl: %s",
				    curl_easy_strerror(curl_init_rc));
	lm = calloc(1, sizeof(*lm));
	if (lm == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	rc = mgen_lm__resolve(opts, &lm->t, err);
	if (rc != 0) {
		free(lm);
		return rc;
	}
	rc = mgen_lm__endpoint(&lm->t, "/chat/completions", &lm->ep, err);
	if (rc != 0 || pthread_mutex_init(&lm->mu, NULL) != 0) {
		mgen_lm__target_release(&lm->t);
		mgen_lm__endpoint_release(&lm->ep);
		free(lm);
		return rc ? rc
			  : mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	rc = lm_open_extras(lm, opts, err);
	if (rc != 0) {
		mgen_lm_free(lm); /* the limiter is set up before the cache */
		return rc;
	}
	lm->temperature = opts->temperature;
	lm->max_tokens = opts->max_tokens > 0 ? opts->max_tokens : 8192;
	lm->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 120000;
	lm->max_retries = opts->max_retries >= 0 ? opts->max_retries : 0;
	lm->backoff_base_ms =
	    opts->backoff_base_ms >= 0 ? opts->backoff_base_ms : 1000;
	lm->backoff_max_ms =
	    opts->backoff_max_ms > 0 ? opts->backoff_max_ms : 120000;
	lm->log = opts->log;
	lm->log_userdata = opts->log_userdata;
	lm->rng = mgen__random_seed();
	*out = lm;
	return 0;
}

void mgen_lm_free(mgen_lm *lm)
{
	if (lm == NULL)
		return;
	mgen_lm__target_release(&lm->t);
	mgen_lm__endpoint_release(&lm->ep);
	free(lm->model_str);
	free(lm->rollout_id);
	mgen_cache_close(lm->cache);
	mgen__ratelimit_destroy(&lm->rl);
	while (lm->idle_count > 0)
		curl_easy_cleanup(lm->idle[--lm->idle_count]);
	pthread_mutex_destroy(&lm->mu);
	free(lm);
}

const char *mgen_lm_api_base(const mgen_lm *lm)
{
	return lm->t.base;
}

const char *mgen_lm_model(const mgen_lm *lm)
{
	return lm->t.model;
}

const mgen_lm_target *mgen_lm__target(const mgen_lm *lm)
{
	return &lm->t;
}

long mgen_lm__timeout_ms(const mgen_lm *lm)
{
	return lm->timeout_ms;
}

void mgen_lm__pace(const mgen_lm *lm)
{
	mgen_lm *m = (mgen_lm *)(uintptr_t)lm; /* the limiter is not const */

	mgen__ratelimit_acquire(&m->rl, 1);
	mgen__ratelimit_settle(&m->rl, 1, 1);
}

void mgen_lm_usage(const mgen_lm *lm, long long *prompt_tokens,
		   long long *completion_tokens, long long *requests)
{
	mgen_lm *m = (mgen_lm *)(uintptr_t)lm; /* the mutex is not const */

	pthread_mutex_lock(&m->mu);
	if (prompt_tokens)
		*prompt_tokens = m->prompt_tokens;
	if (completion_tokens)
		*completion_tokens = m->completion_tokens;
	if (requests)
		*requests = m->requests;
	pthread_mutex_unlock(&m->mu);
}

void mgen_lm_response_release(mgen_lm_response *r)
{
	if (r == NULL)
		return;
	free(r->content);
	free(r->finish_reason);
	memset(r, 0, sizeof(*r));
}

/* Uniform random number in [0, n] (splitmix64, under the mutex). */
static long lm_random(mgen_lm *lm, long n)
{
	uint64_t x;

	if (n <= 0)
		return 0;
	pthread_mutex_lock(&lm->mu);
	x = mgen__splitmix64_next(&lm->rng);
	pthread_mutex_unlock(&lm->mu);
	return (long)((x >> 11) % ((uint64_t)n + 1));
}

/*
 * Delay before retry number `attempt` (0-based): full jitter, a random
 * number in [0, min(cap, base * 2^attempt)], raised to Retry-After when
 * the endpoint gave one, and never above the cap.
 */
static long backoff_ms(mgen_lm *lm, int attempt, long retry_after_ms)
{
	long ceil = lm->backoff_base_ms, d;
	int i;

	for (i = 0; i < attempt && ceil < lm->backoff_max_ms; i++)
		ceil *= 2;
	if (ceil > lm->backoff_max_ms)
		ceil = lm->backoff_max_ms;
	d = lm_random(lm, ceil);
	if (retry_after_ms > d)
		d = retry_after_ms;
	return d > lm->backoff_max_ms ? lm->backoff_max_ms : d;
}

/* The request body: model, messages, temperature, max_tokens and the
 * optional response_format, into *out (malloc'd). 0, MGEN_EINVAL (bad
 * response_format) or MGEN_ENOMEM. */
static int build_body(const mgen_lm *lm, const mgen_message *msgs,
		      size_t message_count, const char *response_format_json,
		      double temperature, char **out, mgen_err *err)
{
	cJSON *root = cJSON_CreateObject(), *arr, *m, *rf = NULL;
	int rc = root ? 0 : MGEN_ENOMEM;
	size_t i;

	*out = NULL;
	mgen__json_add_str(&rc, root, "model", lm->t.model);
	arr = mgen__json_add_array(&rc, root, "messages");
	for (i = 0; rc == 0 && i < message_count; i++) {
		m = mgen__json_add_object(&rc, arr, NULL);
		mgen__json_add_str(&rc, m, "role", msgs[i].role);
		mgen__json_add_str(&rc, m, "content",
				   msgs[i].content ? msgs[i].content : "");
	}
	mgen__json_add_num(&rc, root, "temperature", temperature);
	mgen__json_add_num(&rc, root, "max_tokens", lm->max_tokens);
	if (rc == 0 && response_format_json) {
		rf = cJSON_Parse(response_format_json);
		if (rf == NULL) {
			rc = mgen_err_set(err, MGEN_EINVAL,
					  "response_format is not valid json");
			goto done;
		}
		mgen__json_add(&rc, root, "response_format", rf);
	}
	if (rc == 0)
		*out = mgen__json_print(root);
	if (*out == NULL)
		rc = mgen_err_set(err, MGEN_ENOMEM,
				  "out of memory building the request");
done:
	cJSON_Delete(root);
	return rc;
}

/* Turns line breaks and tabs into spaces: messages are one line. */
static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
}

/*
 * The endpoint's own words about a failure: error.message (or an "error"
 * string, or a top-level "message"), else the start of the body, on one
 * line (the body was scrubbed of every secret when it arrived).
 */
void mgen_lm__error_text(const mgen_buf *body, char *out, size_t cap)
{
	cJSON *root = cJSON_Parse(mgen_buf_str(body)), *e;
	const char *msg = NULL;

	e = cJSON_GetObjectItemCaseSensitive(root, "error");
	if (cJSON_IsString(e))
		msg = e->valuestring;
	else if (cJSON_IsObject(e))
		msg = mgen__json_str(e, "message");
	if (msg == NULL)
		msg = mgen__json_str(root, "message");
	if (msg == NULL)
		msg = body->len ? mgen_buf_str(body) : "no error message";
	snprintf(out, cap, "%.300s", msg);
	cJSON_Delete(root);
	one_line(out);
}

/* Fills `out` from a 200 answer to a request of `request_bytes`, or
 * returns MGEN_EPARSE (a NUL in the body is refused: cJSON would cut
 * the content there), or MGEN_EHTTP with the provider's message when the
 * body is an {"error": ...}. Invalid UTF-8 in the content becomes U+FFFD
 * here, where LM text enters, so no trace, cache or output sees it.
 * Usage numbers are checked (mgen_lm__usage). */
static int parse_answer(const mgen_lm *lm, const mgen_buf *body,
			size_t request_bytes, mgen_lm_response *out,
			mgen_err *err)
{
	size_t nul = mgen__json_nul_escape(mgen_buf_str(body), body->len);
	cJSON *root = NULL, *ch, *msg, *c;
	const char *fr;
	char start[81], why[200];
	int rc = MGEN_EPARSE;

	if (nul != (size_t)-1) {
		mgen_err_set(err, rc,
			     "lm answer holds a NUL character at "
			     "byte %zu; refused",
			     nul);
		goto done;
	}
	root = cJSON_Parse(mgen_buf_str(body));
	if (root == NULL) {
		snprintf(start, sizeof(start), "%s", mgen_buf_str(body));
		one_line(start);
		mgen_err_set(err, rc, "lm answer is not json: %s", start);
		goto done;
	}
	if (cJSON_GetObjectItemCaseSensitive(root, "error") &&
	    !cJSON_GetObjectItemCaseSensitive(root, "choices")) {
		char perr[400]; /* a 200 that carries the provider's error */
		mgen_lm__error_text(body, perr, sizeof(perr));
		rc = mgen_err_set(err, MGEN_EHTTP,
				  "lm endpoint %s answered HTTP 200 with an "
				  "error: %s",
				  lm->ep.shown, perr);
		goto done;
	}
	ch = cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(root, "choices"), 0);
	msg = cJSON_GetObjectItemCaseSensitive(ch, "message");
	c = cJSON_GetObjectItemCaseSensitive(msg, "content");
	if (!cJSON_IsString(c)) {
		mgen_err_set(err, rc,
			     "lm answer has no choices[0].message."
			     "content text%s",
			     cJSON_GetObjectItemCaseSensitive(msg, "tool_calls")
				 ? " (tool calls only)"
				 : "");
		goto done;
	}
	fr = mgen__json_str(ch, "finish_reason");
	out->content = mgen__strdup(c->valuestring);
	out->finish_reason = fr ? mgen__strdup(fr) : NULL;
	if (out->content == NULL || (fr && out->finish_reason == NULL)) {
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		goto done;
	}
	if (mgen__utf8_fix(&out->content) == (size_t)-1) {
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		goto done;
	}
	mgen_lm__usage(root, request_bytes, out, why, sizeof(why));
	if (why[0])
		lm_log(lm, MGEN_LOG_WARN, "%s", why);
	rc = 0;
done:
	cJSON_Delete(root);
	return rc;
}

static int retryable_status(long st)
{
	return st == 408 || st == 409 || st == 429 || st >= 500;
}

static int retryable_curl(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/* The final failure of a call, after `attempts` HTTP requests. */
static int call_failed(const mgen_lm_endpoint *ep, CURLcode cc, long status,
		       const mgen_lm_http *ans, const char *errbuf,
		       int attempts, mgen_err *err)
{
	char why[400];

	if (cc == CURLE_WRITE_ERROR && mgen_buf_error(&ans->body))
		return mgen_err_set(err, MGEN_EHTTP,
				    "lm answer from %s is larger than %zu "
				    "bytes",
				    ep->shown, ans->body.max);
	if (cc != CURLE_OK)
		return mgen_err_set(err, MGEN_EHTTP,
				    "lm request to %s failed after %d "
				    "attempt(s): %s",
				    ep->shown, attempts,
				    errbuf[0] ? errbuf
					      : curl_easy_strerror(cc));
	mgen_lm__error_text(&ans->body, why, sizeof(why));
	if (status == 401 || status == 403)
		return mgen_err_set(err, MGEN_EAUTH,
				    "endpoint refused the credentials (HTTP "
				    "%ld): %s; check METAGEN_API_KEY / "
				    "DATABRICKS_TOKEN",
				    status, why);
	return mgen_err_set(err, MGEN_EHTTP,
			    "lm endpoint %s answered HTTP %ld after %d "
			    "attempt(s): %s",
			    ep->shown, status, attempts, why);
}

static void add_usage(mgen_lm *lm, long requests, const mgen_lm_response *r)
{
	pthread_mutex_lock(&lm->mu);
	lm->requests += requests;
	if (r) {
		lm->prompt_tokens += r->prompt_tokens;
		lm->completion_tokens += r->completion_tokens;
	}
	pthread_mutex_unlock(&lm->mu);
}

/* Waits before the next attempt and says so in the log. */
static void pause_before_retry(mgen_lm *lm, CURLcode cc, long status,
			       const mgen_lm_http *ans, int attempt)
{
	long delay = backoff_ms(lm, attempt, ans->retry_after_ms);
	char why[160];

	if (cc == CURLE_OK)
		snprintf(why, sizeof(why), "HTTP %ld", status);
	else
		snprintf(why, sizeof(why), "%s", curl_easy_strerror(cc));
	lm_log(lm, MGEN_LOG_WARN, "retrying after %s in %.1f s (attempt %d/%d)",
	       why, (double)delay / 1000.0, attempt + 2, lm->max_retries + 1);
	mgen__sleep_ms(delay);
}

/* The cache key of a request to this client. */
static int lm_key(const mgen_lm *lm, const mgen_message *msgs,
		  size_t message_count, const char *response_format_json,
		  const mgen_lm_call_options *call, char hex[65], mgen_err *err)
{
	mgen_cache_request req;

	req.model = lm->model_str;
	req.msgs = msgs;
	req.message_count = message_count;
	req.temperature = call && call->temperature >= 0 ? call->temperature
							 : lm->temperature;
	req.max_tokens = lm->max_tokens;
	req.response_format_json = response_format_json;
	req.rollout_id =
	    call && call->rollout_id ? call->rollout_id : lm->rollout_id;
	return mgen_cache_key(&req, hex, err);
}

/* 1 and fills `out` on a hit; 0 on a miss or a cache failure (logged). */
static int cache_lookup(mgen_lm *lm, const char *key, mgen_lm_response *out)
{
	mgen_cache_entry e;
	mgen_err err = MGEN_ERR_INIT;
	int rc = mgen_cache_get(lm->cache, key, &e, &err);

	if (rc == MGEN_ENOTFOUND)
		return 0;
	if (rc != 0) {
		lm_log(lm, MGEN_LOG_WARN, "%s; asking the endpoint", err.msg);
		return 0;
	}
	out->content = e.content;
	out->finish_reason = e.finish_reason;
	out->cache_hit = 1;
	pthread_mutex_lock(&lm->mu);
	lm->cache_hits++;
	pthread_mutex_unlock(&lm->mu);
	return 1;
}

/* Stores a successful answer; failures are logged, not fatal. */
static void cache_store(mgen_lm *lm, const char *key, const mgen_lm_response *r)
{
	mgen_cache_entry e;
	mgen_err err = MGEN_ERR_INIT;

	/* a cut-off answer (finish_reason "length") is never stored: a
	 * re-run must ask again rather than repeat the truncation */
	if (r->content == NULL ||
	    (r->finish_reason && strcmp(r->finish_reason, "stop") != 0))
		return;
	e.content = r->content;
	e.finish_reason = r->finish_reason;
	e.prompt_tokens = r->prompt_tokens;
	e.completion_tokens = r->completion_tokens;
	if (mgen_cache_put(lm->cache, key, lm->model_str, &e, &err) != 0)
		lm_log(lm, MGEN_LOG_WARN, "%s", err.msg);
}

/* Tokens one attempt is expected to use, for the token bucket. */
static long estimate_tokens(const mgen_lm *lm, const mgen_message *msgs,
			    size_t message_count)
{
	size_t chars = 0, i;

	for (i = 0; i < message_count; i++)
		chars += msgs[i].content ? strlen(msgs[i].content) : 0;
	return (long)(chars / 4) + 1 +
	       (lm->max_tokens < LM_EST_ANSWER_TOKENS ? lm->max_tokens
						      : LM_EST_ANSWER_TOKENS);
}

/* An easy handle for one call: an idle one (reset: no option of the
 * previous call is left, its open connections are) or a new one. */
static CURL *take_handle(mgen_lm *lm)
{
	CURL *h = NULL;

	pthread_mutex_lock(&lm->mu);
	if (lm->idle_count > 0)
		h = lm->idle[--lm->idle_count];
	pthread_mutex_unlock(&lm->mu);
	if (h == NULL)
		return curl_easy_init();
	curl_easy_reset(h);
	return h;
}

/* Keeps `h` for a later call, or frees it when enough are kept. A call
 * that failed gives its handle up: a connection in an unknown state is
 * not reused. */
static void give_handle(mgen_lm *lm, CURL *h, int ok)
{
	if (h == NULL)
		return;
	/* the options point into this call's buffers: none may outlive it */
	curl_easy_reset(h);
	pthread_mutex_lock(&lm->mu);
	if (ok && lm->idle_count < LM_IDLE_HANDLES) {
		lm->idle[lm->idle_count++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&lm->mu);
	if (h)
		curl_easy_cleanup(h);
}

int mgen_lm__http(mgen_lm *lm, const mgen_lm_endpoint *ep, const char *body,
		  long est, size_t cap, mgen_buf *raw, mgen_lm_response *out,
		  mgen_err *err)
{
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdrs = NULL;
	mgen_lm_http ans;
	CURL *h = take_handle(lm);
	CURLcode cc;
	long status;
	int attempt, rc = 0;

	mgen_buf_init(&ans.body, cap);
	if (h == NULL ||
	    mgen_lm__setup_handle(lm, h, ep->url, body, &hdrs, &ans, errbuf)) {
		rc = mgen_err_set(err, MGEN_ENOMEM, "cannot set up a request");
		goto done;
	}
	for (attempt = 0;; attempt++) {
		mgen_buf_reset(&ans.body);
		ans.retry_after_ms = -1;
		errbuf[0] = '\0';
		status = 0;
		mgen__ratelimit_acquire(&lm->rl, est);
		cc = curl_easy_perform(h);
		if (cc == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (ans.body.data) { /* before any of it is cut or shown */
			mgen__secrets_scrub(&ep->secrets, ans.body.data,
					    ans.body.cap);
			ans.body.len = strlen(ans.body.data);
		}
		out->attempts = attempt + 1;
		out->http_status = (int)status;
		if (cc == CURLE_OK && status >= 200 && status < 300) {
			rc = raw ? mgen_buf_append(raw, mgen_buf_str(&ans.body),
						   ans.body.len)
				 : parse_answer(lm, &ans.body, strlen(body),
						out, err);
			if (rc == MGEN_ENOMEM && raw)
				mgen_err_set(err, rc, "out of memory");
			add_usage(lm, 1, rc == 0 ? out : NULL);
			mgen__ratelimit_settle(
			    &lm->rl, est,
			    rc == 0 && (out->prompt_tokens ||
					out->completion_tokens)
				? out->prompt_tokens + out->completion_tokens
				: est);
			break;
		}
		add_usage(lm, 1, NULL);
		mgen__ratelimit_settle(&lm->rl, est, 0);
		if (attempt >= lm->max_retries ||
		    !(cc == CURLE_OK ? retryable_status(status)
				     : retryable_curl(cc))) {
			rc = call_failed(ep, cc, status, &ans, errbuf,
					 attempt + 1, err);
			break;
		}
		pause_before_retry(lm, cc, status, &ans, attempt);
	}
done:
	give_handle(lm, h, rc == 0);
	curl_slist_free_all(hdrs);
	mgen_buf_release(&ans.body);
	/* an endpoint may echo the request (headers, URL) in an error or
	 * an answer: no secret goes further than here */
	if (rc != 0 && err)
		mgen__secrets_scrub(&ep->secrets, err->msg, sizeof(err->msg));
	if (rc == 0 && !raw &&
	    mgen__secrets_scrub_str(&ep->secrets, &out->content) != 0)
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	return rc;
}

int mgen_lm_chat(mgen_lm *lm, const mgen_message *msgs, size_t message_count,
		 const char *response_format_json, mgen_lm_response *out,
		 mgen_err *err)
{
	return mgen_lm_chat_ex(lm, msgs, message_count, response_format_json,
			       NULL, out, err);
}

int mgen_lm_chat_ex(mgen_lm *lm, const mgen_message *msgs, size_t message_count,
		    const char *response_format_json,
		    const mgen_lm_call_options *call, mgen_lm_response *out,
		    mgen_err *err)
{
	double t0 = mgen__now_ms();
	char *body = NULL, key[65];
	int rc;

	assert(lm != NULL && out != NULL &&
	       (msgs != NULL || message_count == 0));
	memset(out, 0, sizeof(*out));
	rc = build_body(lm, msgs, message_count, response_format_json,
			call && call->temperature >= 0 ? call->temperature
						       : lm->temperature,
			&body, err);
	if (rc == 0 && lm->cache)
		rc = lm_key(lm, msgs, message_count, response_format_json, call,
			    key, err);
	if (rc != 0)
		goto done;
	if (lm->cache && cache_lookup(lm, key, out))
		goto done;
	rc = mgen_lm__http(lm, &lm->ep, body,
			   estimate_tokens(lm, msgs, message_count),
			   mgen_lm__body_cap(lm->max_tokens), NULL, out, err);
	if (rc == 0 && lm->cache)
		cache_store(lm, key, out);
done:
	if (rc != 0) {
		free(out->content);
		free(out->finish_reason);
		out->content = out->finish_reason = NULL;
	}
	out->latency_ms = mgen__now_ms() - t0;
	free(body);
	return rc;
}

long long mgen_lm_cache_hits(const mgen_lm *lm)
{
	mgen_lm *m = (mgen_lm *)(uintptr_t)lm; /* the mutex is not const */
	long long n;

	pthread_mutex_lock(&m->mu);
	n = m->cache_hits;
	pthread_mutex_unlock(&m->mu);
	return n;
}

int mgen_lm_cache_drop(mgen_lm *lm, const mgen_message *msgs,
		       size_t message_count, const char *response_format_json,
		       mgen_err *err)
{
	char key[65];
	int rc;

	if (lm->cache == NULL)
		return 0;
	rc = lm_key(lm, msgs, message_count, response_format_json, NULL, key,
		    err);
	if (rc == 0)
		rc = mgen_cache_delete(lm->cache, key, err);
	return rc;
}
