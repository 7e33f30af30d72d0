/*
 * agent_internal.h - what the agent's files share: one fitted predictor
 * (signature and demos) and its loader (ask_program.c).
 */
#ifndef METAGEN_AGENT_INTERNAL_H
#define METAGEN_AGENT_INTERNAL_H

#include <pthread.h>

#include "metagen/agent.h"

typedef struct mgen__agent_predictor {
	mgen_signature *sig;
	mgen_example **demos;
	size_t ndemos;
} mgen__agent_predictor;

/* Predictor `name` with its default signature, fitted with the file's
 * predictor of that name when `prog` (read by mgen_program_read) is not
 * NULL. 0 or an error named in `err`; *p empty on error. */
int mgen__agent_predictor_load(const mgen_program *prog, const char *name,
			       mgen__agent_predictor *p, mgen_err *err);

/* Frees what *p holds and zeroes it. */
void mgen__agent_predictor_release(mgen__agent_predictor *p);

/* Both predictors from the saved program at `path` (NULL or "" = the
 * defaults), as mgen_agent_new documents; errors prefixed with the path.
 * On error both are empty. */
int mgen__agent_program_load(const char *path, mgen__agent_predictor *rewrite,
			     mgen__agent_predictor *respond, mgen_err *err);

/*
 * The agent's retrieval (ask_context.c): BM25 search for `query` (2 x
 * top_k hits; `rag` NULL = none), under `lock` when not NULL; keeps the
 * hits that fit top_k and max_tokens words, in rank order, into *hits /
 * *nhits (free with mgen_rag_hits_free), and writes *context: one
 * "[n] «title (base name of source): text»" line per kept hit (caller
 * frees; "" when none). 0, the index's errors or MGEN_ENOMEM.
 */
int mgen__agent_retrieve(mgen_rag *rag, pthread_mutex_t *lock,
			 const char *query, int top_k, int max_tokens,
			 mgen_rag_hit **hits, size_t *nhits, char **context,
			 mgen_err *err);

#endif
