/*
 * cache.h - the LM answer cache: one SQLite file (normally
 * <cache_dir>/cache.sqlite, cache_dir ".metagen") mapping the SHA-256 of
 * a canonical request to the answer, so re-running an unchanged scope
 * makes no LM calls. The key follows DSPy's (dspy/clients/cache.py): the
 * canonical JSON (sorted keys) of the model, the messages, every request
 * parameter and the rollout id; never the API key or the base URL.
 * Thread-safe: one mgen_cache may be used from many threads at once
 * (one connection under a mutex); several processes may share a file
 * (WAL mode, busy timeout 10 s).
 */
#ifndef METAGEN_CACHE_H
#define METAGEN_CACHE_H

#include <stddef.h>

#include "lm.h"
#include "metagen.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mgen_cache mgen_cache;

/* One cached answer; release with mgen_cache_entry_release. */
typedef struct mgen_cache_entry {
	char *content;	     /* the answer text (owned) */
	char *finish_reason; /* "stop", "length" (owned; may be NULL) */
	long prompt_tokens;  /* usage of the call that was cached */
	long completion_tokens;
} mgen_cache_entry;

/* What `metagen cache stats` shows. Times are Unix seconds (0 = empty). */
typedef struct mgen_cache_stats {
	long long entries;
	long long bytes;      /* stored answer JSON + keys, in bytes */
	long long file_bytes; /* the database's pages (page_count*size) */
	long long hits;	      /* sum over entries of their hit counts */
	long long oldest;     /* created_at of the oldest entry */
	long long newest;
} mgen_cache_stats;

/*
 * Opens (creating it and its parent folders when missing) the cache file
 * at `path`, with the table
 *   entries(key TEXT PRIMARY KEY, model TEXT, created_at INTEGER,
 *           response TEXT, hits INTEGER)
 * where response is the JSON object {"content", "finish_reason",
 * "prompt_tokens", "completion_tokens"}. Returns 0, MGEN_EIO (folder or
 * file cannot be created or is not a SQLite database; SQLite's text in
 * `err`) or MGEN_ENOMEM.
 */
int mgen_cache_open(const char *path, mgen_cache **out, mgen_err *err);

/* Closes the cache. NULL is harmless. */
void mgen_cache_close(mgen_cache *c);

/*
 * Looks up `key` (64 hex digits) and fills `out` (owned strings) and
 * adds one to the entry's hit count. Returns 0, MGEN_ENOTFOUND (no such
 * entry; `err` untouched), MGEN_EIO (SQLite error) or MGEN_ENOMEM. An
 * entry whose response does not parse counts as not found.
 */
int mgen_cache_get(mgen_cache *c, const char *key, mgen_cache_entry *out,
		   mgen_err *err);

/* Stores (or replaces) the answer for `key`; `model` is kept for stats.
 * Returns 0, MGEN_EIO or MGEN_ENOMEM. */
int mgen_cache_put(mgen_cache *c, const char *key, const char *model,
		   const mgen_cache_entry *e, mgen_err *err);

/* Removes the entry for `key` if there is one. 0 or MGEN_EIO. */
int mgen_cache_delete(mgen_cache *c, const char *key, mgen_err *err);

/* Fills `out` with the counts above. 0 or MGEN_EIO. */
int mgen_cache_stats_get(mgen_cache *c, mgen_cache_stats *out, mgen_err *err);

/* Removes every entry and compacts the file; *removed (may be NULL)
 * gets how many there were. 0 or MGEN_EIO. */
int mgen_cache_clear(mgen_cache *c, long long *removed, mgen_err *err);

/* Frees the entry's strings and zeroes it. */
void mgen_cache_entry_release(mgen_cache_entry *e);

/*
 * Canonical JSON of the JSON text `json` (RFC 8785-like): object keys
 * sorted by their UTF-8 bytes, no whitespace, strings escaped only where
 * JSON requires (", \, control characters as \b \f \n \r \t or \u00XX;
 * other characters as UTF-8), integral numbers up to 2^53 as integers
 * ("8192", "-3", "0" for -0), other numbers in the shortest of %.15g /
 * %.17g that reads back exactly ("0.1", "1e+300"), non-finite as null.
 * Equal JSON values give equal text. *out malloc'd. Returns 0,
 * MGEN_EPARSE (not JSON) or MGEN_ENOMEM.
 */
int mgen_cache_canonical_json(const char *json, char **out, mgen_err *err);

/* The parts of a chat request that make its cache key. Strings borrowed;
 * response_format_json and rollout_id may be NULL (left out of the
 * key). api_key and api_base are deliberately not here. */
typedef struct mgen_cache_request {
	const char *model; /* the model string as configured */
	const mgen_message *msgs;
	size_t message_count;
	double temperature;
	int max_tokens;
	const char *response_format_json; /* raw JSON text */
	const char *rollout_id;
} mgen_cache_request;

/*
 * The cache key of `req`: SHA-256 (lowercase hex, 64 digits + NUL into
 * `hex`) of the canonical JSON of {"max_tokens", "messages": [{"content",
 * "role"}...], "model", "response_format"?, "rollout_id"?,
 * "temperature"}. Returns 0, MGEN_EINVAL (response_format_json is not
 * JSON) or MGEN_ENOMEM.
 */
int mgen_cache_key(const mgen_cache_request *req, char hex[65], mgen_err *err);

#ifdef __cplusplus
}
#endif

#endif
