/*
 * agent_cli.c - the ask agent built from a config for `metagen ask` and
 * `metagen serve`: the LM client (generate's factory), the retrieval
 * index (rag.index, absent = no index), the memory store
 * (memory.connection, pruned by memory.retention_days at start and
 * hourly after) and the agent with rag.top_k,
 * rag.max_context_tokens and memory.history_messages; then the
 * endpoint's preflight (mgen_lm_preflight), as generate does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "metagen/lm.h"

void cli_agent_close(cli_agent *c)
{
	if (c == NULL)
		return;
	mgen_agent_free(c->agent);
	mgen_memory_close(c->memory);
	mgen_rag_close(c->rag);
	mgen_lm_free(c->lm);
	memset(c, 0, sizeof(*c));
}

int cli_agent_open(const mgen_config *cfg, const char *program, void *log_ud,
		   cli_agent *c, mgen_err *err)
{
	mgen_agent_options o = MGEN_AGENT_OPTIONS_INIT;
	mgen_buf mem = MGEN_BUF_INIT;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	if (cfg->model == NULL || strcmp(cfg->model, "offline") == 0)
		return mgen_err_set(err, MGEN_ECONFIG,
				    "the agent needs an "
				    "LM: set --model and --api-base (or a "
				    "provider model string)");
	if (cli_memory_path(cfg, &mem) != 0)
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (rc == 0)
		rc = mgen_lm_new_from_config(cfg, cli_log, log_ud, &c->lm, err);
	if (rc == 0)
		rc = mgen_rag_open_config(cfg, 0, &c->rag, err);
	if (rc == 0)
		rc = mgen_memory_open(mgen_buf_str(&mem), &c->memory, err);
	if (rc == 0)
		rc = mgen_memory_set_retention(c->memory,
					       cfg->memory_retention_days, err);
	o.lm = c->lm;
	o.rag = c->rag;
	o.memory = c->memory;
	o.top_k = cfg->rag_top_k;
	o.max_context_tokens = cfg->rag_max_context_tokens;
	o.history_messages = cfg->memory_history_messages;
	o.program_path = program;
	if (rc == 0)
		rc = mgen_agent_new(&o, &c->agent, err);
	/* the endpoint last, as generate checks it: a local configuration
	 * error costs no request */
	if (rc == 0)
		rc = mgen_lm_preflight(c->lm, err);
	mgen_buf_release(&mem);
	if (rc != 0)
		cli_agent_close(c);
	return rc;
}
