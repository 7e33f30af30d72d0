/*
 * trace_internal.h - the agent's steps reported to the calling thread's
 * observer (agent_trace.c; agent.h mgen_agent_observe_thread). Every
 * function is a no-op when the thread has no observer.
 */
#ifndef METAGEN_AGENT_TRACE_INTERNAL_H
#define METAGEN_AGENT_TRACE_INTERNAL_H

#include "metagen/agent.h"
#include "metagen/optimize.h"

/* A step in progress: begun, not yet reported. */
typedef struct mgen__astep {
	const char *name;
	int id, parent;
	double start_ms;
} mgen__astep;

/* Starts step `name` ("ask" starts a question: id 1, parent 0; any other
 * is a child of the step in progress). */
void mgen__atrace_begin(mgen__astep *s, const char *name);

/* Ends `s` with `rc` and reports it with the attributes of `attrs`
 * (may be NULL; its name, ids, times and rc are filled here). */
void mgen__atrace_end(mgen__astep *s, int rc, mgen_agent_step *attrs);

/* Ends the question begun as "ask": rc, the message of `err` on failure,
 * the session and usage of `a` (may be partly filled). */
void mgen__atrace_ask_end(mgen__astep *s, int rc, const mgen_err *err,
			  const mgen_agent_answer *a);

/* Sets po->on_call so that each LM call of the prediction is reported as
 * an "lm" step under the step in progress. */
void mgen__atrace_predict_options(mgen_predict_options *po);

#endif
