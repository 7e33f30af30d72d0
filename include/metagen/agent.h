/*
 * agent.h - the `ask` agent of issue 12: a RAG program in the DSPy layout
 * that answers questions from the retrieval index (rag.h) and remembers
 * each conversation (memory.h).
 *
 * The program "ask" has two predictors (dspy.Predict each), rendered by
 * the same adapters as every program (mgen_predict: ChatAdapter, the
 * JSONAdapter on a parse error) and saved/loaded in DSPy's layout
 * (program.h) under the keys "rewrite" and "respond":
 *
 *   rewrite   question: str, history: list[dict[str, str]]
 *               -> search_query: str
 *             turns a follow-up ("and its discharge time?") into a
 *             standalone search query using the history.
 *   respond   context: str, question: str,
 *             history: list[dict[str, str]] -> answer: str
 *             answers only from the context, citing the chunks used as
 *             [n] (n = the chunk's 1-based position in `context`), and
 *             says it does not know when the context lacks the answer.
 *
 * `history` is the session's last messages, oldest first, as
 * [{"role": "user"|"assistant", "content": "..."}] (json.dumps in the
 * prompt). `context` is the retrieved chunks in DSPy's numbered list
 * layout, one a line: "[1] «title (base name of source): text»".
 * Deviation: DSPy renders a one-item list without its number; the agent
 * writes the text itself so that [1] exists for a single chunk too.
 *
 * One question (mgen_agent_ask):
 *   1. read the last history_messages messages of the session (memory);
 *   2. rewrite -> search_query (skipped when the history is empty: the
 *      question is the query, one LM call saved);
 *   3. BM25 search (top_k chunks, at most max_context_tokens words);
 *   4. no chunk at all -> the answer is MGEN_AGENT_UNKNOWN with no LM
 *      call; otherwise respond -> answer;
 *   5. the user message and the assistant message are appended to the
 *      session (metadata below), only once the answer exists: a failed
 *      question leaves the session as it was.
 * Metadata of the stored messages (JSON objects): the user message
 * {"search_query"}; the assistant message {"search_query", "chunk_ids":
 * [ids retrieved, in context order], "cited": [n, ...], "prompt_tokens",
 * "completion_tokens", "lm_calls"}.
 *
 * Sessions: ids as memory.h (1..128 bytes of A-Z a-z 0-9 . _ : -); no
 * call reads or writes any session but the one named. A NULL id starts a
 * new session with a fresh random id ("s-" + 16 hex digits).
 *
 * Ownership: the agent borrows the LM, the index and the memory store
 * (they must outlive it); mgen_agent_free frees only the agent. Thread
 * safety: mgen_agent_ask may be called from several threads at once (the
 * LM and memory are thread-safe; the agent serialises its index reads).
 * Errors: 0 or a negative mgen_error_code, one line in `err`.
 */
#ifndef METAGEN_AGENT_H
#define METAGEN_AGENT_H

#include <stddef.h>

#include "lm.h"
#include "memory.h"
#include "metagen.h"
#include "program.h"
#include "rag.h"
#include "signature.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Predictor names of the ask program (keys of its saved file). */
#define MGEN_AGENT_REWRITE "rewrite"
#define MGEN_AGENT_RESPOND "respond"
/* The answer given when nothing was retrieved; the respond instructions
 * ask the LM for these same words when the context lacks the answer. */
#define MGEN_AGENT_UNKNOWN "I do not know: the indexed documents do not say."
/* Longest question accepted, in bytes. */
#define MGEN_AGENT_QUESTION_MAX (64 * 1024)

typedef struct mgen_agent mgen_agent;

/* Settings; pointers borrowed for the agent's lifetime. */
typedef struct mgen_agent_options {
	int version;		/* MGEN_AGENT_OPTIONS_VERSION */
	mgen_lm *lm;		/* required */
	mgen_memory *memory;	/* required */
	mgen_rag *rag;		/* NULL = no index: every answer is
				   MGEN_AGENT_UNKNOWN */
	int top_k;		/* chunks retrieved, 1..128 (rag.top_k) */
	int max_context_tokens; /* words of context (rag.max_context_tokens) */
	int history_messages;	/* messages sent as history, 0..1000
				   (memory.history_messages) */
	const char *program_path; /* saved ask program; NULL = defaults */
} mgen_agent_options;

#define MGEN_AGENT_OPTIONS_VERSION 1
#define MGEN_AGENT_OPTIONS_INIT                                                \
	{                                                                      \
		MGEN_AGENT_OPTIONS_VERSION, NULL, NULL, NULL, 5, 400, 20, NULL \
	}

/* One retrieved chunk of an answer; strings owned by the answer. */
typedef struct mgen_agent_source {
	int n;	      /* its [n] in the context, 1-based */
	long long id; /* chunk id in the index */
	char *source; /* document path */
	char *title;
	double score; /* BM25 */
	int cited;    /* 1 when the answer cites [n] */
} mgen_agent_source;

/* The result of one question; release with mgen_agent_answer_release. */
typedef struct mgen_agent_answer {
	char *session_id;
	char *answer;
	char *search_query;
	mgen_agent_source *sources; /* in context order */
	size_t nsources;
	long prompt_tokens; /* summed over this question's LM calls */
	long completion_tokens;
	int lm_calls; /* 0..4 (2 per predictor with the fallback) */
} mgen_agent_answer;

/*
 * The ask program's declaration (two predictors "rewrite" and "respond"
 * with the default instructions and field texts, no demos): what an
 * optimizer starts from and what a saved file is loaded onto. Returns 0
 * or MGEN_ENOMEM.
 */
int mgen_agent_program_declare(mgen_program **out, mgen_err *err);

/*
 * The default signature of predictor `name` (MGEN_AGENT_REWRITE or
 * MGEN_AGENT_RESPOND). Returns 0, MGEN_EINVAL (another name) or
 * MGEN_ENOMEM.
 */
int mgen_agent_signature(const char *name, mgen_signature **out, mgen_err *err);

/*
 * Creates an agent. With o->program_path, the file is read in any layout
 * Python DSPy writes (mgen_program_read) and each predictor found under
 * its name (or "<name>.predict", a ChainOfThought) is fitted onto the
 * default signature (mgen_program_fit); a file holding neither is
 * MGEN_EINVAL naming the predictors it has. Returns 0, MGEN_EINVAL (no
 * lm or memory, a bad version or a setting out of range, named), the
 * program loader's errors prefixed with the path, or MGEN_ENOMEM.
 */
int mgen_agent_new(const mgen_agent_options *o, mgen_agent **out,
		   mgen_err *err);

/* Frees the agent (not what it borrows). NULL is harmless. */
void mgen_agent_free(mgen_agent *a);

/*
 * Answers `question` (UTF-8, 1..MGEN_AGENT_QUESTION_MAX bytes) in session
 * `session_id` (NULL = a new session), steps above. `out` is filled on
 * success and zeroed on failure. Returns 0, MGEN_EINVAL (empty, too long
 * or invalid UTF-8 question; bad session id), the LM's errors
 * (MGEN_EHTTP, MGEN_EAUTH, MGEN_EPARSE when neither adapter could read an
 * answer), MGEN_EDB (index), MGEN_EIO (memory) or MGEN_ENOMEM.
 */
int mgen_agent_ask(mgen_agent *a, const char *session_id, const char *question,
		   mgen_agent_answer *out, mgen_err *err);

/* Frees the answer's contents and zeroes it; NULL is harmless. */
void mgen_agent_answer_release(mgen_agent_answer *r);

/*
 * Steps of one question, for tracing (the server's JSONL spans). When a
 * thread has an observer (mgen_agent_observe_thread), each
 * mgen_agent_ask on that thread reports every step as it ends, children
 * before their parent:
 *   "ask"           id 1, parent 0: the whole question (session_id,
 *                   usage summed; on failure rc and the message)
 *   "memory.read"   the history read (count = messages read)
 *   "rewrite"       the rewrite predictor (skipped = 1 with no history)
 *   "retrieve"      the index search (count and chunk_ids: the chunks
 *                   kept, in context order)
 *   "respond"       the respond predictor (skipped = 1 with no chunk)
 *   "lm"            one LM call, a child of rewrite or respond
 *                   (adapter, usage, attempts, http_status, cache_hit)
 *   "memory.write"  the two messages stored (count = 2)
 * A step holds no question, answer, query or chunk text: ids, counts and
 * times only, plus `error` for a failed "ask".
 */
typedef struct mgen_agent_step {
	const char *name;  /* above (static) */
	int id;		   /* 1.. in start order within the question */
	int parent;	   /* id of the enclosing step; 0 for "ask" */
	double start_ms;   /* CLOCK_MONOTONIC milliseconds */
	double ms;	   /* duration */
	int rc;		   /* 0 or the step's mgen_error_code */
	const char *error; /* "ask" with rc != 0: the one-line message, as
			      the LM or store wrote it (endpoints shown
			      masked, keys scrubbed); NULL otherwise */
	int skipped;	   /* 1 when the step had nothing to do */
	size_t count;	   /* memory.read/memory.write: messages; retrieve:
			      chunks kept */
	const long long *chunk_ids; /* retrieve: `count` ids; else NULL */
	const char *session_id;	    /* "ask": the session; else NULL */
	const char *adapter;	    /* "lm": "chat" | "json"; else NULL */
	long prompt_tokens;	    /* "lm", and summed on "ask" */
	long completion_tokens;
	int lm_calls;	 /* "ask": LM calls made */
	int attempts;	 /* "lm": HTTP requests, retries included */
	int http_status; /* "lm": of the last attempt; 0 = none */
	int cache_hit;	 /* "lm": 1 when answered from the cache */
} mgen_agent_step;

/* Receives a step; `step` and what it points to are borrowed for the
 * call. Must be cheap: it runs inside the question. */
typedef void (*mgen_agent_step_fn)(void *ud, const mgen_agent_step *step);

/*
 * Sets the observer of the calling thread's mgen_agent_ask calls (all
 * agents), or clears it with fn NULL. Per thread, so a server can give
 * each request its own observer while one agent serves many threads.
 * The observer is called on this thread only.
 */
void mgen_agent_observe_thread(mgen_agent_step_fn fn, void *ud);

/*
 * The answer as one JSON object {"answer", "session_id", "search_query",
 * "sources": [{"n", "id", "source", "title", "score", "cited"}],
 * "usage": {"prompt_tokens", "completion_tokens", "lm_calls"}} (compact;
 * caller frees *out). Returns 0 or MGEN_ENOMEM.
 */
int mgen_agent_answer_json(const mgen_agent_answer *r, char **out);

#ifdef __cplusplus
}
#endif

#endif
