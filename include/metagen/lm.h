/*
 * lm.h - the LM client: OpenAI-compatible chat completions over HTTPS
 * (docs/reference/llm-endpoints.md), with LiteLLM-style model strings,
 * timeouts, retries with exponential backoff and jitter honouring
 * Retry-After, and token usage summed across calls. Thread-safe: one
 * mgen_lm may be used from many threads at once.
 */
#ifndef METAGEN_LM_H
#define METAGEN_LM_H

#include <stddef.h>

#include "metagen.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mgen_lm_options {
	int version;	      /* MGEN_LM_OPTIONS_VERSION */
	const char *model;    /* "databricks/<endpoint>", "openai/<model>",
				 or a bare model name used with api_base */
	const char *api_base; /* e.g. "http://127.0.0.1:8080/v1"; NULL =
				 from the model string's provider */
	const char *api_key;  /* NULL = METAGEN_API_KEY, or the provider's
				 variable (DATABRICKS_TOKEN, OPENAI_API_KEY) */
	double temperature;   /* default 0.1 */
	int max_tokens;	      /* default 8192 */
	long timeout_ms;      /* whole request; default 120000 */
	int max_retries;      /* retries after the first try; default 3 */
	long backoff_base_ms; /* first backoff; default 1000 */
	long backoff_max_ms;  /* backoff cap; default 120000 */
	mgen_log_fn log;      /* optional */
	void *log_userdata;
	/* since version 2 */
	const char *cache_path;	    /* answer cache file (include/metagen/
				       cache.h), e.g. ".metagen/cache.sqlite";
				       NULL = no cache */
	const char *rollout_id;	    /* optional; part of the cache key (a new
				       id gets new answers), never sent */
	double requests_per_minute; /* 0 = unlimited */
	double tokens_per_minute;   /* 0 = unlimited */
} mgen_lm_options;

/* Version 1 (the struct up to log_userdata) is still accepted and means
 * no cache and no rate limit. */
#define MGEN_LM_OPTIONS_VERSION 2
#define MGEN_LM_OPTIONS_INIT                                                   \
	{                                                                      \
		MGEN_LM_OPTIONS_VERSION, NULL, NULL, NULL, 0.1, 8192, 120000,  \
		    3, 1000, 120000, NULL, NULL, NULL, NULL, 0, 0              \
	}

typedef struct mgen_lm mgen_lm;

/* One chat message; strings borrowed for the call. */
typedef struct mgen_message {
	const char *role; /* "system" | "user" | "assistant" */
	const char *content;
} mgen_message;

/* The answer to one chat call; release with mgen_lm_response_release. */
typedef struct mgen_lm_response {
	char *content;	     /* choices[0].message.content (owned); invalid
				UTF-8 in it is replaced with U+FFFD */
	char *finish_reason; /* "stop", "length", ... (owned; may be NULL) */
	long prompt_tokens;  /* usage, 0 when the endpoint gave none; a
				count that is not a whole number in
				[0, 1e9] (1e308, -5, 1.5, a string) is
				replaced by an estimate from the text
				and logged at MGEN_LOG_WARN */
	long completion_tokens;
	int http_status;   /* of the last attempt */
	int attempts;	   /* HTTP requests made, retries included */
	double latency_ms; /* wall time of the whole call */
	int cache_hit;	   /* 1 when the answer came from the cache */
} mgen_lm_response;

/*
 * Resolves the model string, base URL and key (options first, then the
 * environment: DATABRICKS_HOST + DATABRICKS_TOKEN for "databricks/X" ->
 * https://HOST/serving-endpoints with model X; OPENAI_BASE_URL +
 * OPENAI_API_KEY for "openai/X"; METAGEN_API_KEY for any) and creates a
 * client. Strings are copied; the environment is read here only.
 *
 * Base URL: opts->api_base if set; else "databricks/X" -> $DATABRICKS_HOST
 * (https:// added when it has no scheme) + "/serving-endpoints";
 * "openai/X" -> $OPENAI_BASE_URL or https://api.openai.com/v1;
 * "ollama/X", "ollama_chat/X" -> http://localhost:11434/v1; anything else
 * (a bare name, "hosted_vllm/X") needs api_base. Trailing '/' dropped.
 * The provider prefix is removed from the model sent; other names (e.g.
 * "meta-llama/Llama-3.1-8B") are sent whole.
 * Key: opts->api_key, else $METAGEN_API_KEY, else the provider's variable
 * ($DATABRICKS_TOKEN, $OPENAI_API_KEY), else no Authorization header.
 * Empty variables count as unset. `opts` NULL means MGEN_LM_OPTIONS_INIT.
 *
 * Returns 0, MGEN_ECONFIG (no model, or no base URL can be found: the
 * message says which variable to set), MGEN_EINVAL (opts->version is not
 * MGEN_LM_OPTIONS_VERSION or 1), MGEN_EHTTP (libcurl cannot
 * initialise), MGEN_EIO (opts->cache_path cannot be opened: SQLite's
 * text in `err`) or MGEN_ENOMEM.
 *
 * Rate limits (opts->requests_per_minute, opts->tokens_per_minute) are
 * token buckets shared by every thread using the client: requests are
 * spaced 60/rpm s apart; tokens may burst up to ten seconds' worth. Each
 * HTTP attempt (retries too) reserves one request and an estimate of its
 * tokens - prompt characters / 4 + 1, plus min(max_tokens, 1024) for the
 * answer - and the bucket is corrected with the usage the endpoint
 * reports (failed attempts give their tokens back). A thread waits for
 * the limiter, or for Retry-After, without blocking the others.
 */
int mgen_lm_new(const mgen_lm_options *opts, mgen_lm **out, mgen_err *err);

struct mgen_config;

/*
 * An LM client for a config (include/metagen/config.h): model, api_base,
 * the API key (mgen_config_read_api_key: api_key, else api_key_file,
 * else the environment as mgen_lm_new reads it), temperature,
 * max_tokens, timeout_seconds (per attempt, converted to ms),
 * max_retries, requests/tokens per minute, and, when cfg->cache, the
 * answer cache at <cache_dir>/cache.sqlite (cache_dir NULL or "":
 * ".metagen"). `log`/`log_ud` receive the client's log lines (may be
 * NULL). The key is zeroed and freed before returning. Returns 0 with
 * *out set (free with mgen_lm_free), or MGEN_ECONFIG / MGEN_ENOMEM /
 * mgen_lm_new's error with the message in `err` (*out NULL).
 */
int mgen_lm_new_from_config(const struct mgen_config *cfg, mgen_log_fn log,
			    void *log_ud, mgen_lm **out, mgen_err *err);

/* Frees the client. NULL is harmless. */
void mgen_lm_free(mgen_lm *lm);

/*
 * Checks, before a run spends anything, that the endpoint can answer:
 * 1. a provider that needs a key ("databricks/X", "openai/X" on its own
 *    base URL) has one: else MGEN_ECONFIG naming the provider's variable
 *    ("set OPENAI_API_KEY (or METAGEN_API_KEY)");
 * 2. GET {base}/models (OpenAI's model list, {"data": [{"id": ...}]}):
 *    no HTTP answer is MGEN_EHTTP ("lm endpoint URL is not reachable:
 *    <libcurl's text>"); 401/403 is MGEN_EAUTH (the status, the provider's
 *    message and the variable to check); a list that names the model is
 *    success;
 * 3. otherwise (no /models route, as on Databricks serving endpoints; a
 *    list without the model, as when a server lists aliases; any other
 *    status) one chat request with max_tokens 1, never cached: a 2xx
 *    chat completion is success; 401/403 MGEN_EAUTH; anything else
 *    MGEN_EHTTP "model 'M' is not available at URL: HTTP S: <provider's
 *    message>" (plus the models the list named, when it named others).
 * One attempt each, within the client's timeout; no retry. Neither
 * request counts in mgen_lm_usage. `err` never holds the key. Returns
 * 0, those codes, or MGEN_ENOMEM.
 */
int mgen_lm_preflight(mgen_lm *lm, mgen_err *err);

/* The resolved base URL and model name (borrowed), for traces. The base
 * is as configured and may hold credentials (user:password@, ?api-key=):
 * mask it with mgen_config_mask_connection before showing it. */
const char *mgen_lm_api_base(const mgen_lm *lm);
const char *mgen_lm_model(const mgen_lm *lm);

/*
 * POSTs {base}/chat/completions with the messages, model, temperature and
 * max_tokens (and `response_format_json`, raw JSON text, when not NULL).
 * Retries 408/409/429/5xx and network errors (connect, timeout, reset,
 * empty reply) up to max_retries times. Delay before retry n (0-based):
 * full jitter, uniform in [0, min(backoff_max_ms, backoff_base_ms * 2^n)]
 * ("Exponential Backoff And Jitter", AWS Architecture Blog), raised to
 * Retry-After (seconds or HTTP-date, RFC 9110) when the answer has it, but
 * never above backoff_max_ms. Each retry is logged at MGEN_LOG_WARN, e.g.
 * "retrying after HTTP 429 in 1.0 s (attempt 2/4)". Never retries other
 * 4xx. timeout_ms bounds each attempt (connect: at most 30 s of it).
 * Returns 0 and fills `out` (finish_reason "length" is still 0: the caller
 * decides), or MGEN_EAUTH (401/403), MGEN_EHTTP (other failures, with the
 * status and the endpoint's error.message in `err`), MGEN_EPARSE (a 200
 * whose body is not a chat completion, or whose content is null, as with
 * tool calls, or that holds a NUL character, raw or as \u0000, which
 * would cut the content short), MGEN_EINVAL (response_format_json does
 * not parse),
 * MGEN_ENOMEM. On failure `out` has no strings, but attempts, http_status
 * (0 when no HTTP answer came) and latency_ms are set. `err` never
 * contains the key. Answers are capped at 64 bytes per max_tokens, at
 * least 4 MiB and at most 64 MiB (a bigger answer is MGEN_EHTTP).
 *
 * With a cache (opts->cache_path) the call first looks up the request's
 * key (mgen_cache_key: model string as configured, messages,
 * temperature, max_tokens, response_format, rollout_id; never the key or
 * base URL). A hit returns the stored content and finish_reason with
 * cache_hit 1, attempts 0, http_status 0 and no usage (prompt and
 * completion tokens 0, as DSPy reports hits) and makes no HTTP request.
 * A miss calls the endpoint and stores the answer when it is a success
 * with content and finish_reason "stop" (or none); a cut-off answer
 * ("length") is never stored, so a re-run asks again. Cache
 * read or write failures are logged at MGEN_LOG_WARN and the call goes
 * on without the cache.
 */
int mgen_lm_chat(mgen_lm *lm, const mgen_message *msgs, size_t message_count,
		 const char *response_format_json, mgen_lm_response *out,
		 mgen_err *err);

/*
 * Per-call overrides for mgen_lm_chat_ex (the optimizers' bootstrap
 * rounds > 1 and instruction proposals ask at temperature 1.0 with a
 * fresh rollout id, like DSPy's `lm.copy(rollout_id=..., temperature=
 * 1.0)`, without a second client). Strings borrowed for the call.
 */
typedef struct mgen_lm_call_options {
	double temperature;	/* < 0 = the client's temperature */
	const char *rollout_id; /* NULL = the client's rollout id */
} mgen_lm_call_options;

#define MGEN_LM_CALL_OPTIONS_INIT                                              \
	{                                                                      \
		-1.0, NULL                                                     \
	}

/*
 * mgen_lm_chat with `call` overriding the temperature sent (and keyed in
 * the cache) and the rollout id keyed in the cache. `call` NULL is
 * exactly mgen_lm_chat. Same returns, ownership and thread safety.
 */
int mgen_lm_chat_ex(mgen_lm *lm, const mgen_message *msgs, size_t message_count,
		    const char *response_format_json,
		    const mgen_lm_call_options *call, mgen_lm_response *out,
		    mgen_err *err);

/* Frees the response's strings and zeroes it. */
void mgen_lm_response_release(mgen_lm_response *r);

/* Token usage and HTTP request count (retries included) summed over every
 * call so far; cache hits count in neither. Any pointer may be NULL.
 * Thread-safe. */
void mgen_lm_usage(const mgen_lm *lm, long long *prompt_tokens,
		   long long *completion_tokens, long long *requests);

/* Calls answered from the cache so far. Thread-safe. */
long long mgen_lm_cache_hits(const mgen_lm *lm);

/*
 * Removes the cached answer of this exact request (same arguments as
 * mgen_lm_chat), so that asking again calls the endpoint and a re-run
 * does not replay it. For callers that found an answer unusable (does
 * not parse, no progress) and will ask the same thing again. Returns 0
 * (also without a cache or entry), MGEN_EINVAL (bad
 * response_format_json), MGEN_EIO or MGEN_ENOMEM.
 */
int mgen_lm_cache_drop(mgen_lm *lm, const mgen_message *msgs,
		       size_t message_count, const char *response_format_json,
		       mgen_err *err);

/* Texts per embeddings request when the caller gives 0. */
#define MGEN_LM_EMBED_BATCH 64

/*
 * Embeds `n` texts with the client's model: POST {base}/embeddings with
 * {"model": M, "input": [text, ...]}, at most `batch` texts per request
 * (0 = MGEN_LM_EMBED_BATCH, at most 2048), each request retried, rate
 * limited and scrubbed of secrets as mgen_lm_chat's. An answer must be
 * {"data": [{"index": i, "embedding": [numbers]}, ...]} (OpenAI's
 * "Create embeddings" shape; the order of data does not matter) with
 * exactly one vector per input, every index 0..m-1 once, every vector of
 * the same length, every number finite and within float range; an answer
 * body is read up to 1 MiB + 256 KiB per input (at most 64 MiB).
 *
 * `*dim` in: the expected dimension, 0 = whatever the first vector has
 * (1..65536); out: the dimension. `*out` receives n * dim floats, row i
 * the vector of texts[i] as the endpoint gave it (not normalised); free()
 * it; NULL when n is 0.
 *
 * With a cache (opts->cache_path) each text's vector is stored under the
 * SHA-256 of the model string as configured and the text (never the key
 * or base URL) as 8 hex digits per float32; a hit makes no request and
 * counts in mgen_lm_cache_hits. HTTP requests count in mgen_lm_usage.
 *
 * Returns 0, MGEN_EINVAL (batch or dim out of range), MGEN_EAUTH,
 * MGEN_EHTTP (status, network, an answer over the cap), MGEN_EPARSE (an
 * answer that breaks the rules above, naming the vector and the masked
 * endpoint) or MGEN_ENOMEM. Thread-safe like mgen_lm_chat.
 */
int mgen_lm_embed(mgen_lm *lm, const char *const *texts, size_t n, size_t batch,
		  int *dim, float **out, mgen_err *err);

#ifdef __cplusplus
}
#endif

#endif
