/*
 * rag_config.c - the index named by a config (rag.* keys) and its
 * embeddings client (rag.embeddings.*).
 */
#include <unistd.h>

#include "metagen/config.h"
#include "metagen/lm.h"
#include "metagen/rag.h"

void mgen_rag_options_from_config(const mgen_config *cfg, mgen_rag_options *o)
{
	mgen_rag_options d = MGEN_RAG_OPTIONS_INIT;

	*o = d;
	o->chunk_tokens = cfg->rag_chunk_tokens;
	o->chunk_overlap = cfg->rag_chunk_overlap;
	o->max_file_bytes = (size_t)cfg->rag_max_file_mb * 1024 * 1024;
}

int mgen_rag_open_config(const mgen_config *cfg, int create, mgen_rag **out,
			 mgen_err *err)
{
	mgen_rag_options o;

	*out = NULL;
	mgen_rag_options_from_config(cfg, &o);
	if (cfg->rag_connection && cfg->rag_connection[0]) {
		int rc = mgen_rag_connect(cfg->rag_connection, cfg->rag_schema,
					  create, &o, out, err);
		if (rc == MGEN_ENOTFOUND && !create) {
			mgen_err_clear(err);
			return 0; /* no store made yet */
		}
		return rc;
	}
	if (!create && (cfg->rag_index == NULL || cfg->rag_index[0] == '\0' ||
			access(cfg->rag_index, F_OK) != 0))
		return 0;
	return mgen_rag_open(cfg->rag_index, create, &o, out, err);
}

int mgen_rag_embedder_from_config(const mgen_config *cfg, mgen_rag *rag,
				  mgen_log_fn log, void *log_ud,
				  struct mgen_lm **lm, mgen_err *err)
{
	mgen_config c = *cfg; /* a shallow copy: only the model differs */
	int rc;

	*lm = NULL;
	if (cfg->rag_embed_model == NULL || cfg->rag_embed_model[0] == '\0')
		return 0;
	c.model = cfg->rag_embed_model;
	rc = mgen_lm_new_from_config(&c, log, log_ud, lm, err);
	if (rc == 0)
		rc = mgen_rag_set_embedder(rag, *lm,
					   (size_t)cfg->rag_embed_batch, err);
	if (rc != 0) {
		mgen_lm_free(*lm);
		*lm = NULL;
	}
	return rc;
}
