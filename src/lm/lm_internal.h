/*
 * lm_internal.h - internals of the LM client shared by lm.c (calls, retry,
 * usage), lm_http.c (the easy handle's setup and callbacks), lm_usage.c
 * (usage numbers, answer bound), lm_resolve.c (model string + environment
 * resolution) and lm_preflight.c. Not part of the public API.
 */
#ifndef METAGEN_LM_INTERNAL_H
#define METAGEN_LM_INTERNAL_H

#include <stddef.h>

#include <pthread.h>
#include <stdint.h>

#include "lm/ratelimit.h"
#include "metagen/buf.h"
#include "metagen/cache.h"
#include "metagen/lm.h"
#include "util/json.h"
#include "util/secret.h"

struct curl_slist;

/* What a model string and the environment resolve to; all owned. */
typedef struct mgen_lm_target {
	char *base;	     /* base URL without trailing '/', e.g. ".../v1" */
	char *model;	     /* the model name sent in the request body */
	char *key;	     /* bearer key, or NULL when none was found */
	const char *key_env; /* the provider's key variable
				("DATABRICKS_TOKEN", "OPENAI_API_KEY"; static),
				NULL for a provider without one */
	int base_from_provider; /* 1 when the base came from the provider
				   (its variable or default), not api_base */
} mgen_lm_target;

/* One HTTP attempt's answer (lm.c's write and header callbacks fill it). */
typedef struct mgen_lm_http {
	mgen_buf body;	     /* capped at the client's answer bound */
	long retry_after_ms; /* -1 when absent */
} mgen_lm_http;

/*
 * Resolves opts->model, opts->api_base and opts->api_key against the
 * environment (read here, once; rules in lm.h and lm_resolve.c) into
 * `t`. Returns 0, MGEN_ECONFIG (message names the variable to set, or
 * says the key holds CR/LF) or MGEN_ENOMEM; on failure `t` holds nothing.
 */
int mgen_lm__resolve(const mgen_lm_options *opts, mgen_lm_target *t,
		     mgen_err *err);

/* Frees the strings of `t` and zeroes it. */
void mgen_lm__target_release(mgen_lm_target *t);

/* Where requests go, and what must never be shown of it; all owned. */
typedef struct mgen_lm_endpoint {
	char *url;	       /* base + suffix (curl URL API), sent */
	char *shown;	       /* url with credentials masked: messages */
	mgen__secrets secrets; /* key, URL user/password, secret query
				  values: scrubbed from error texts */
} mgen_lm_endpoint;

/*
 * Builds `e` for target `t`: the URL of `suffix` ("/chat/completions")
 * under t->base, joined by libcurl's URL API (a query such as
 * "?api-version=..." stays at the end), its masked form, and the secret
 * values to scrub. A base with CR/LF, or one libcurl does not take as an
 * http(s) URL, is MGEN_ECONFIG naming the (masked) base; else 0 or
 * MGEN_ENOMEM. On failure `e` holds nothing.
 */
int mgen_lm__endpoint(const mgen_lm_target *t, const char *suffix,
		      mgen_lm_endpoint *e, mgen_err *err);

/* Frees `e` (the URL zeroed first) and zeroes it. */
void mgen_lm__endpoint_release(mgen_lm_endpoint *e);

/* The largest token count accepted from an endpoint's usage (no model
 * takes or writes a billion tokens in one call). */
#define MGEN_LM_USAGE_MAX 1000000000L

/*
 * Sets out->prompt_tokens and out->completion_tokens from the "usage"
 * object of the completion `root` (0 when absent or null). A count that
 * is not a JSON number, not finite, negative, not whole or over
 * MGEN_LM_USAGE_MAX is replaced by an estimate (request_bytes / 4 + 1
 * for the prompt, the content's bytes / 4 + 1 for the completion) and
 * `why` (whysz bytes) says which count and why; else `why` is "".
 * out->content must be set first.
 */
void mgen_lm__usage(const cJSON *root, size_t request_bytes,
		    mgen_lm_response *out, char *why, size_t whysz);

/* Answer body bounds: MGEN_LM_BODY_PER_TOKEN bytes per max_tokens (a
 * token of ~10 characters, each JSON-escaped as \uXXXX), at least
 * MGEN_LM_MIN_BODY, at most MGEN_LM_MAX_BODY. */
#define MGEN_LM_MAX_BODY ((size_t)64 * 1024 * 1024)
#define MGEN_LM_MIN_BODY ((size_t)4 * 1024 * 1024)
#define MGEN_LM_BODY_PER_TOKEN 64

/* The largest answer body read for a client with `max_tokens`, so that
 * reading and parsing an answer stays within bounded time and memory
 * whatever the endpoint sends. */
size_t mgen_lm__body_cap(int max_tokens);

/* The client's resolved target (borrowed), and its per-attempt timeout
 * in milliseconds (timeout_seconds). */
const mgen_lm_target *mgen_lm__target(const mgen_lm *lm);
long mgen_lm__timeout_ms(const mgen_lm *lm);

/* Waits for the client's request rate limit (requests_per_minute) and
 * takes one request (and one token) from it: the preflight's requests
 * count like any other. */
void mgen_lm__pace(const mgen_lm *lm);

/*
 * Sets up the libcurl easy handle `handle` (a CURL *) for requests to
 * `url` with the client's headers (JSON, Authorization: Bearer key when
 * there is one), timeouts and user agent: a POST of `body`, or a GET
 * when `body` is NULL (borrowed: it must outlive the transfers). The
 * answer goes into ans->body (ans->body must be initialised with its
 * bound), Retry-After into ans->retry_after_ms, libcurl's error text into
 * `errbuf` (CURL_ERROR_SIZE bytes). *hdrs receives the header list
 * (caller frees with curl_slist_free_all, also on failure). Returns 0 or
 * MGEN_ENOMEM.
 */
int mgen_lm__setup_handle(const mgen_lm *lm, void *handle, const char *url,
			  const char *body, struct curl_slist **hdrs,
			  mgen_lm_http *ans, char *errbuf);

/* The endpoint's own words about a failure in `body` (error.message, an
 * "error" string or a top-level "message", else the start of the body),
 * on one line, at most 300 bytes, into `out` (the callers, lm.c and
 * lm_preflight.c, scrub the body of every secret before). */
void mgen_lm__error_text(const mgen_buf *body, char *out, size_t cap);

/* The client; fields are set by mgen_lm_new and read-only afterwards,
 * except the counters and rng (under mu). Shared with embed.c. */
#define LM_IDLE_HANDLES 64 /* at most this many kept between calls */

struct mgen_lm {
	mgen_lm_target t;
	mgen_lm_endpoint ep; /* base + "/chat/completions", masked form,
				secrets to scrub */
	double temperature;
	int max_tokens;
	long timeout_ms;
	int max_retries;
	long backoff_base_ms;
	long backoff_max_ms;
	mgen_log_fn log;
	void *log_userdata;
	char *model_str;   /* the model string as configured (cache key) */
	char *rollout_id;  /* NULL or owned */
	mgen_cache *cache; /* NULL = no cache */
	mgen__ratelimit rl;
	pthread_mutex_t mu; /* guards the counters and rng */
	long long prompt_tokens;
	long long completion_tokens;
	long long requests;
	long long cache_hits;
	uint64_t rng;
	/* idle libcurl easy handles kept for the next call, so a call reuses
	 * the connection an earlier one left open (libcurl keeps a handle's
	 * connections after curl_easy_reset); guarded by mu */
	void *idle[LM_IDLE_HANDLES];
	size_t idle_count;
};

/*
 * The HTTP attempts of one POST of `body` to `ep` (rate limited with an
 * estimate of `est` tokens, retried as mgen_lm_chat says), answers read
 * up to `cap` bytes. With `raw` NULL the 2xx answer is parsed as a chat
 * completion into `out`; else its body (secrets scrubbed) is appended
 * to `*raw` (an initialised buffer) and only out->attempts, http_status
 * are set. Errors as mgen_lm_chat, naming ep->shown; never a secret.
 */
int mgen_lm__http(mgen_lm *lm, const mgen_lm_endpoint *ep, const char *body,
		  long est, size_t cap, mgen_buf *raw, mgen_lm_response *out,
		  mgen_err *err);

#endif
