/*
 * embed.c - embeddings from an OpenAI-compatible endpoint (include/
 * metagen/lm.h, mgen_lm_embed): POST {base}/embeddings with
 * {"model": M, "input": [...]} in batches, through the chat client's
 * HTTP attempts (retries, backoff, rate limit, secrets scrubbed), each
 * text's vector cached in the answer cache. Request and answer shape:
 * OpenAI API reference, "Create embeddings" (data[i].index,
 * data[i].embedding), docs/reference/llm-endpoints.md.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lm/lm_internal.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/util.h"

#define EMBED_MAX_DIM 65536
#define EMBED_MAX_BATCH 2048
/* answer bytes allowed: 1 MiB plus 256 KiB per input (8192 numbers of
 * 32 characters), at most MGEN_LM_MAX_BODY */
#define EMBED_BODY_BASE ((size_t)1024 * 1024)
#define EMBED_BODY_PER_INPUT ((size_t)256 * 1024)

static void embed_warn(const mgen_lm *lm, const char *msg)
{
	if (lm->log)
		lm->log(lm->log_userdata, MGEN_LOG_WARN, msg);
}

/* The cache key of `text` for this client's model: SHA-256 over a tag,
 * the model string as configured and the text, NUL-separated. */
static int embed_key(const mgen_lm *lm, const char *text, char hex[65])
{
	mgen_buf b = MGEN_BUF_INIT;
	int rc;

	mgen_buf_puts(&b, "metagen-embeddings-1");
	mgen_buf_putc(&b, '\0');
	mgen_buf_puts(&b, lm->model_str);
	mgen_buf_putc(&b, '\0');
	mgen_buf_puts(&b, text);
	rc = mgen_buf_error(&b) ? MGEN_ENOMEM
				: mgen__sha256_hex(b.data, b.len, hex);
	mgen_buf_release(&b);
	return rc;
}

/* A vector as cache text: 8 hex digits per float32 (its IEEE bits). */
static char *vec_hex(const float *v, int dim)
{
	char *s = malloc((size_t)dim * 8 + 1);
	int i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < dim; i++) {
		uint32_t u;
		memcpy(&u, &v[i], sizeof(u));
		snprintf(s + (size_t)i * 8, 9, "%08x", (unsigned)u);
	}
	s[(size_t)dim * 8] = '\0';
	return s;
}

/* The vector of a cache text, or NULL (malformed, other dimension, not
 * finite: treated as a miss). */
static float *hex_vec(const char *s, int want)
{
	size_t len = strlen(s);
	int dim = (int)(len / 8), i;
	float *v;

	if (len % 8 || dim < 1 || dim > EMBED_MAX_DIM || (want && dim != want))
		return NULL;
	if ((v = malloc((size_t)dim * sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < dim; i++) {
		char part[9], *end;
		uint32_t u;
		memcpy(part, s + (size_t)i * 8, 8);
		part[8] = '\0';
		u = (uint32_t)strtoul(part, &end, 16);
		memcpy(&v[i], &u, sizeof(u));
		if (*end || !isfinite(v[i])) {
			free(v);
			return NULL;
		}
	}
	return v;
}

/* A cached vector of `key` into *row (and *dim when 0): 1 hit, 0 miss. */
static int cache_get_vec(mgen_lm *lm, const char *key, int *dim, float **row)
{
	mgen_cache_entry e;
	mgen_err err = MGEN_ERR_INIT;
	int rc = mgen_cache_get(lm->cache, key, &e, &err);

	if (rc != 0) {
		if (rc != MGEN_ENOTFOUND)
			embed_warn(lm, err.msg);
		return 0;
	}
	*row = hex_vec(e.content, *dim);
	if (*row && *dim == 0)
		*dim = (int)(strlen(e.content) / 8);
	free(e.content);
	free(e.finish_reason);
	if (*row == NULL)
		return 0;
	pthread_mutex_lock(&lm->mu);
	lm->cache_hits++;
	pthread_mutex_unlock(&lm->mu);
	return 1;
}

static void cache_put_vec(mgen_lm *lm, const char *key, const float *v, int dim)
{
	mgen_cache_entry e = {NULL, NULL, 0, 0};
	mgen_err err = MGEN_ERR_INIT;

	e.content = vec_hex(v, dim);
	if (e.content == NULL ||
	    mgen_cache_put(lm->cache, key, lm->model_str, &e, &err) != 0)
		embed_warn(lm, e.content ? err.msg
					 : "embeddings cache: out "
					   "of memory");
	free(e.content);
}

/* Reads one data[] item's numbers into a new row. */
static int parse_vector(const mgen_lm_endpoint *ep, const cJSON *emb, int idx,
			int *dim, float **row, mgen_err *err)
{
	const cJSON *x;
	int n, i = 0;

	if (cJSON_IsString(emb))
		return mgen_err_set(err, MGEN_EPARSE,
				    "embeddings answer from "
				    "%s: vector %d is a string (base64?), not "
				    "numbers",
				    ep->shown, idx);
	n = cJSON_IsArray(emb) ? cJSON_GetArraySize(emb) : -1;
	if (n < 1 || n > EMBED_MAX_DIM || (*dim && n != *dim))
		return mgen_err_set(
		    err, MGEN_EPARSE,
		    "embeddings answer from "
		    "%s: vector %d has %d numbers, expected %s%d",
		    ep->shown, idx, n < 0 ? 0 : n, *dim ? "" : "1 to ",
		    *dim ? *dim : EMBED_MAX_DIM);
	if ((*row = malloc((size_t)n * sizeof(float))) == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	cJSON_ArrayForEach(x, emb)
	{
		double d = cJSON_IsNumber(x) ? x->valuedouble : NAN;
		if (!isfinite(d) || fabs(d) > 3.0e38) {
			free(*row);
			*row = NULL;
			return mgen_err_set(err, MGEN_EPARSE,
					    "embeddings "
					    "answer from %s: vector %d, number "
					    "%d is not a finite number",
					    ep->shown, idx, i);
		}
		(*row)[i++] = (float)d;
	}
	*dim = n;
	return 0;
}

/* Checks an answer to `m` inputs and fills rows[idx[k]] from data[k]
 * by its "index". */
static int parse_answer(const mgen_lm_endpoint *ep, const char *body,
			const size_t *idx, size_t m, int *dim, float **rows,
			mgen_err *err)
{
	cJSON *root = cJSON_Parse(body), *data, *it;
	int n, rc = 0;

	data = cJSON_GetObjectItemCaseSensitive(root, "data");
	n = cJSON_IsArray(data) ? cJSON_GetArraySize(data) : -1;
	if (root == NULL || n < 0)
		rc = mgen_err_set(
		    err, MGEN_EPARSE,
		    "embeddings answer from %s "
		    "is not %s",
		    ep->shown, root ? "an object with a data array" : "json");
	else if ((size_t)n != m)
		rc = mgen_err_set(err, MGEN_EPARSE,
				  "embeddings answer from %s "
				  "holds %d vectors for %zu inputs",
				  ep->shown, n, m);
	if (rc != 0)
		data = NULL;
	cJSON_ArrayForEach(it, data)
	{
		const cJSON *ix = cJSON_GetObjectItemCaseSensitive(it, "index");
		double d = cJSON_IsNumber(ix) ? ix->valuedouble : -1;
		size_t k = d >= 0 && d < (double)m ? (size_t)d : 0;
		if (d < 0 || d >= (double)m || d != floor(d) || rows[idx[k]]) {
			rc = mgen_err_set(err, MGEN_EPARSE,
					  "embeddings answer "
					  "from %s: an item has a missing, "
					  "repeated or out-of-range index",
					  ep->shown);
			break;
		}
		rc = parse_vector(
		    ep, cJSON_GetObjectItemCaseSensitive(it, "embedding"),
		    (int)k, dim, &rows[idx[k]], err);
		if (rc != 0)
			break;
	}
	cJSON_Delete(root);
	return rc;
}

/* One request for the texts idx[0..m). */
static int embed_batch(mgen_lm *lm, const mgen_lm_endpoint *ep,
		       const char *const *texts, const size_t *idx, size_t m,
		       int *dim, float **rows, mgen_err *err)
{
	cJSON *root = cJSON_CreateObject(), *in;
	mgen_lm_response resp;
	mgen_buf raw = MGEN_BUF_INIT;
	size_t cap = EMBED_BODY_BASE + m * EMBED_BODY_PER_INPUT, chars = 0, k;
	char *body = NULL;
	int rc = 0;

	memset(&resp, 0, sizeof(resp));
	in = cJSON_AddArrayToObject(root, "input");
	if (root == NULL || in == NULL ||
	    !cJSON_AddStringToObject(root, "model", lm->t.model))
		rc = MGEN_ENOMEM;
	for (k = 0; k < m && rc == 0; k++) {
		chars += strlen(texts[idx[k]]);
		if (!cJSON_AddItemToArray(in,
					  cJSON_CreateString(texts[idx[k]])))
			rc = MGEN_ENOMEM;
	}
	if (rc == 0 && (body = mgen__json_print(root)) == NULL)
		rc = MGEN_ENOMEM;
	cJSON_Delete(root);
	if (rc != 0)
		return mgen_err_set(err, rc, "out of memory");
	if (cap > MGEN_LM_MAX_BODY)
		cap = MGEN_LM_MAX_BODY;
	mgen_buf_init(&raw, cap);
	rc = mgen_lm__http(lm, ep, body, (long)(chars / 4) + 1, cap, &raw,
			   &resp, err);
	if (rc == 0)
		rc = parse_answer(ep, mgen_buf_str(&raw), idx, m, dim, rows,
				  err);
	mgen_buf_release(&raw);
	free(body);
	return rc;
}

/* Asks the endpoint for the rows still NULL, `batch` texts at a time,
 * and caches each answer. */
static int embed_misses(mgen_lm *lm, const char *const *texts, size_t n,
			size_t batch, int *dim, float **rows, char (*keys)[65],
			mgen_err *err)
{
	mgen_lm_endpoint ep;
	size_t *miss = malloc((n ? n : 1) * sizeof(*miss)), m = 0, s, i;
	int rc = 0;

	if (miss == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		if (rows[i] == NULL)
			miss[m++] = i;
	if (m == 0 ||
	    (rc = mgen_lm__endpoint(&lm->t, "/embeddings", &ep, err)) != 0) {
		free(miss);
		return rc;
	}
	for (s = 0; s < m && rc == 0; s += batch) {
		size_t b = m - s < batch ? m - s : batch;
		rc = embed_batch(lm, &ep, texts, miss + s, b, dim, rows, err);
		for (i = s; i < s + b && rc == 0 && keys; i++)
			cache_put_vec(lm, keys[miss[i]], rows[miss[i]], *dim);
	}
	mgen_lm__endpoint_release(&ep);
	free(miss);
	return rc;
}

/* The rows, packed into one n x dim array. */
static float *pack(float **rows, size_t n, int dim)
{
	float *v = malloc((n ? n : 1) * (size_t)dim * sizeof(*v));
	size_t i;

	for (i = 0; v && i < n; i++)
		memcpy(v + i * (size_t)dim, rows[i], (size_t)dim * sizeof(*v));
	return v;
}

int mgen_lm_embed(mgen_lm *lm, const char *const *texts, size_t n, size_t batch,
		  int *dim, float **out, mgen_err *err)
{
	float **rows = calloc(n ? n : 1, sizeof(*rows));
	char(*keys)[65] = lm->cache ? malloc((n ? n : 1) * 65) : NULL;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (batch == 0)
		batch = MGEN_LM_EMBED_BATCH;
	if (rows == NULL || (lm->cache && keys == NULL))
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	else if (batch > EMBED_MAX_BATCH || *dim < 0 || *dim > EMBED_MAX_DIM)
		rc = mgen_err_set(err, MGEN_EINVAL,
				  "embeddings: batch must be "
				  "1..%d and the dimension 0..%d",
				  EMBED_MAX_BATCH, EMBED_MAX_DIM);
	for (i = 0; i < n && rc == 0 && keys; i++) {
		if (embed_key(lm, texts[i], keys[i]) != 0)
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		else
			cache_get_vec(lm, keys[i], dim, &rows[i]);
	}
	if (rc == 0)
		rc = embed_misses(lm, texts, n, batch, dim, rows, keys, err);
	if (rc == 0 && n > 0 && (*out = pack(rows, n, *dim)) == NULL)
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	for (i = 0; rows && i < n; i++)
		free(rows[i]);
	free(rows);
	free(keys);
	return rc;
}
