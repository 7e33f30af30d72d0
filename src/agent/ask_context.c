/*
 * ask_context.c - the ask agent's retrieval (agent_internal.h): BM25
 * hits kept under top_k and a word budget, laid out as the numbered
 * context the respond predictor reads. Shared by the agent and by the
 * ask program's compile and evaluation (ask_optimize.c), so both see the
 * same context for the same query.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_internal.h"
#include "metagen/buf.h"

/* Keeps the hits that fit top_k and the word budget, in rank order, and
 * writes the context text: "[n] «title (source): text»" per chunk, one a
 * line (DSPy's numbered list layout, kept for a single chunk too so that
 * [1] always means something). The kept hits are moved out of h. */
static int keep_hits(mgen_rag_hit *h, size_t n, int top_k, int max_tokens,
		     mgen_rag_hit **hits, size_t *nhits, char **context,
		     mgen_err *err)
{
	mgen_buf b = MGEN_BUF_INIT;
	long words = 0;
	size_t i;

	*hits = n ? calloc(n, sizeof(**hits)) : NULL;
	if (n && *hits == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	for (i = 0; i < n && *nhits < (size_t)top_k; i++) {
		const char *base = strrchr(h[i].source, '/');

		if (words + h[i].tokens > max_tokens)
			continue;
		words += h[i].tokens;
		mgen_buf_printf(&b, "%s[%zu] \xc2\xab%s (%s): %s\xc2\xbb",
				*nhits ? "\n" : "", *nhits + 1, h[i].title,
				base ? base + 1 : h[i].source, h[i].text);
		(*hits)[(*nhits)++] = h[i];
		memset(&h[i], 0, sizeof(h[i])); /* moved */
	}
	*context = mgen_buf_detach(&b);
	mgen_buf_release(&b);
	return *context ? 0 : mgen_err_set(err, MGEN_ENOMEM, "out of memory");
}

int mgen__agent_retrieve(mgen_rag *rag, pthread_mutex_t *lock,
			 const char *query, int top_k, int max_tokens,
			 mgen_rag_hit **hits, size_t *nhits, char **context,
			 mgen_err *err)
{
	mgen_rag_hit *h = NULL;
	size_t n = 0;
	int rc = 0;

	*hits = NULL;
	*nhits = 0;
	*context = NULL;
	if (rag != NULL) {
		if (lock)
			pthread_mutex_lock(lock);
		rc =
		    mgen_rag_search(rag, query, (size_t)top_k * 2, &h, &n, err);
		if (lock)
			pthread_mutex_unlock(lock);
	}
	if (rc == 0)
		rc = keep_hits(h, n, top_k, max_tokens, hits, nhits, context,
			       err);
	mgen_rag_hits_free(h, n);
	return rc;
}
