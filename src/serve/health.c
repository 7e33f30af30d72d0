/*
 * health.c - GET /health (include/metagen/serve.h): the retrieval index,
 * the memory store and the LM endpoint, each with its status and whether
 * the server needs it; 503 when a needed one is down. The index and the
 * memory are opened on each call (a SQLite open and a schema read). The
 * LM is checked with generate's preflight (mgen_lm_preflight), whose
 * result is reused for lm_check_seconds so /health stays cheap: one
 * check at a time, the others answer with the last result meanwhile.
 * No message from a component goes out, only fixed words: an endpoint's
 * error text could hold its URL, and a URL can hold a key.
 */
#include <errno.h>
#include <string.h>

#include "metagen/lm.h"
#include "metagen/memory.h"
#include "metagen/rag.h"
#include "serve/serve_internal.h"
#include "util/json.h"
#include "util/util.h"

#define LM_CHECK_SECONDS 5

int mgen__serve_health_init(serve_health *h)
{
	memset(h, 0, sizeof(*h));
	h->lm_rc = -1; /* never checked */
	return pthread_mutex_init(&h->mu, NULL) != 0 ? MGEN_ENOMEM : 0;
}

void mgen__serve_health_destroy(serve_health *h)
{
	pthread_mutex_destroy(&h->mu);
}

/* A preflight code as a fixed word. */
static const char *lm_word(int rc)
{
	switch (rc) {
	case 0:
		return "ok";
	case MGEN_EAUTH:
		return "key refused";
	case MGEN_ECONFIG:
		return "not configured right";
	case -1:
		return "not checked yet";
	default:
		return "unreachable or model not served";
	}
}

/* The LM check, from the cache when it is fresh. */
static int lm_status(const mgen_serve_options *o, serve_health *h,
		     double *age_s)
{
	double now = mgen__now_ms(), ttl = o->lm_check_seconds > 0
					       ? o->lm_check_seconds
					       : LM_CHECK_SECONDS;
	mgen_err err = MGEN_ERR_INIT;
	int rc, run = 0;

	pthread_mutex_lock(&h->mu);
	if (!h->checking && (h->lm_rc == -1 || now - h->lm_at >= ttl * 1000)) {
		h->checking = 1;
		run = 1;
	}
	pthread_mutex_unlock(&h->mu);
	if (run) { /* outside the lock: bounded by the LM's timeout */
		rc = mgen_lm_preflight(o->lm, &err);
		pthread_mutex_lock(&h->mu);
		h->lm_rc = rc;
		h->lm_at = mgen__now_ms();
		h->checking = 0;
		pthread_mutex_unlock(&h->mu);
	}
	pthread_mutex_lock(&h->mu);
	rc = h->lm_rc;
	*age_s = rc == -1 ? 0 : (mgen__now_ms() - h->lm_at) / 1000.0;
	pthread_mutex_unlock(&h->mu);
	return rc;
}

/* {"status", "required"} (+ "checked_seconds_ago") under `name`;
 * returns 1 when the component is required and not ok. */
static int component(int *jerr, cJSON *root, const char *name,
		     const char *status, int required, double age_s)
{
	cJSON *c = mgen__json_add_object(jerr, root, name);

	mgen__json_add_str(jerr, c, "status", status);
	mgen__json_add_bool(jerr, c, "required", required);
	if (age_s >= 0)
		mgen__json_add_num(jerr, c, "checked_seconds_ago",
				   (double)(long long)age_s);
	return required && strcmp(status, "ok") != 0;
}

static const char *index_status(const mgen_serve_options *o)
{
	mgen_rag *rag = NULL;
	mgen_err err = MGEN_ERR_INIT;
	int rc;

	if (o->index_path == NULL || o->index_path[0] == '\0')
		return "not configured";
	rc = mgen_rag_open(o->index_path, 0, NULL, &rag, &err);
	mgen_rag_close(rag);
	return rc == 0 ? "ok" : rc == MGEN_ENOTFOUND ? "missing" : "error";
}

static const char *memory_status(const mgen_serve_options *o)
{
	mgen_memory *m = NULL;
	mgen_err err = MGEN_ERR_INIT;
	int rc;

	if (o->memory_path == NULL)
		return "not configured";
	rc = mgen_memory_open(o->memory_path, &m, &err);
	mgen_memory_close(m);
	return rc == 0 ? "ok" : "error";
}

void mgen__serve_health(const mgen_serve_options *o, serve_health *h,
			inv_result *r)
{
	cJSON *root = cJSON_CreateObject(), *st;
	int jerr = root ? 0 : MGEN_ENOMEM, down = 0, agent = o->agent != NULL;
	double age = 0;
	const char *lm = "not configured";

	st = mgen__json_add_str(&jerr, root, "status", "ok") == 0
		 ? cJSON_GetObjectItem(root, "status")
		 : NULL;
	/* the agent answers from the index and keeps its messages */
	down |= component(&jerr, root, "index", index_status(o),
			  agent && o->index_path != NULL, -1);
	down |= component(&jerr, root, "memory", memory_status(o),
			  agent && o->memory_path != NULL, -1);
	if (o->lm != NULL)
		lm = lm_word(lm_status(o, h, &age));
	down |= component(&jerr, root, "lm", lm, o->lm != NULL,
			  o->lm != NULL ? age : -1);
	if (down && st != NULL)
		cJSON_SetValuestring(st, "error");
	r->body = jerr ? NULL : mgen__json_print(root);
	r->status = down ? 503 : 200;
	cJSON_Delete(root);
}
