/*
 * agent_internal.h - what the agent's files share: one fitted predictor
 * (signature and demos) and its loader (ask_program.c).
 */
#ifndef METAGEN_AGENT_INTERNAL_H
#define METAGEN_AGENT_INTERNAL_H

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

#endif
