/*
 * ask_program.c - the ask program (include/metagen/agent.h): the two
 * signatures with metagen's instructions and field texts, the program's
 * declaration, and fitting a saved program file onto them.
 */
#include <stdlib.h>
#include <string.h>

#include "agent/agent_internal.h"
#include "util/util.h"

typedef struct field_decl {
	const char *name, *type, *desc;
	int output;
} field_decl;

#define HISTORY_TYPE "list[dict[str, str]]"
#define HISTORY_DESC                                                           \
	"the conversation so far, oldest first: {role, content} messages"

static const char rewrite_instructions[] =
    "Rewrite the user's question as one standalone search query for a "
    "keyword search over the data team's documentation, glossary and "
    "data dictionary.\n"
    "Use the history only to resolve what a follow-up question refers "
    "to (\"it\", \"that one\", \"and when was it last changed?\"); keep "
    "the question's own words, names and identifiers; add nothing the "
    "question and history do not say. Answer with the query only.";

static const char respond_instructions[] =
    "Answer the question using ONLY the numbered context passages.\n"
    "Cite every passage you used as [n], the number it has in the "
    "context, right after the statement it supports.\n"
    "When the context does not hold the answer, say exactly: "
    "\"" MGEN_AGENT_UNKNOWN "\" and nothing else; never answer from your own "
    "knowledge. Use the history only to understand the question. Be "
    "brief: one to four sentences.";

static const field_decl rewrite_fields[] = {
    {"question", "str", "the user's latest question", 0},
    {"history", HISTORY_TYPE, HISTORY_DESC, 0},
    {"search_query", "str", "a standalone keyword query", 1},
};

static const field_decl respond_fields[] = {
    {"context", "str",
     "numbered passages retrieved for the question ([1], [2], ...)", 0},
    {"question", "str", "the user's latest question", 0},
    {"history", HISTORY_TYPE, HISTORY_DESC, 0},
    {"answer", "str",
     "the answer with [n] citations, or the not-known sentence", 1},
};

static int build(const field_decl *f, size_t n, const char *instructions,
		 mgen_signature **out, mgen_err *err)
{
	mgen_signature *sig = NULL;
	size_t i;
	int rc = mgen_signature_new(&sig);

	for (i = 0; rc == 0 && i < n; i++)
		rc = f[i].output
			 ? mgen_signature_add_output(sig, f[i].name, f[i].type,
						     f[i].desc, NULL, err)
			 : mgen_signature_add_input(sig, f[i].name, f[i].type,
						    f[i].desc, NULL, err);
	if (rc == 0)
		rc = mgen_signature_set_instructions(sig, instructions);
	if (rc != 0) {
		mgen_signature_free(sig);
		sig = NULL;
		if (rc == MGEN_ENOMEM)
			mgen_err_set(err, rc, "out of memory");
	}
	*out = sig;
	return rc;
}

int mgen_agent_signature(const char *name, mgen_signature **out, mgen_err *err)
{
	*out = NULL;
	if (name != NULL && strcmp(name, MGEN_AGENT_REWRITE) == 0)
		return build(rewrite_fields,
			     sizeof(rewrite_fields) / sizeof(rewrite_fields[0]),
			     rewrite_instructions, out, err);
	if (name != NULL && strcmp(name, MGEN_AGENT_RESPOND) == 0)
		return build(respond_fields,
			     sizeof(respond_fields) / sizeof(respond_fields[0]),
			     respond_instructions, out, err);
	return mgen_err_set(err, MGEN_EINVAL,
			    "ask program: no predictor "
			    "'%s' (rewrite, respond)",
			    name ? name : "");
}

/* Appends predictor `name` with its default signature's texts. */
static int declare_one(mgen_program *prog, const char *name, mgen_err *err)
{
	mgen_signature *sig = NULL;
	int rc = mgen_agent_signature(name, &sig, err);

	if (rc == 0)
		rc = mgen_program_add_signature(prog, name, sig, err);
	mgen_signature_free(sig);
	return rc;
}

int mgen_agent_program_declare(mgen_program **out, mgen_err *err)
{
	mgen_program *prog = NULL;
	int rc = mgen_program_new(&prog);

	*out = NULL;
	if (rc == 0)
		rc = declare_one(prog, MGEN_AGENT_REWRITE, err);
	if (rc == 0)
		rc = declare_one(prog, MGEN_AGENT_RESPOND, err);
	if (rc == 0)
		rc = mgen_program_set_meta(prog, NULL, -1, -1);
	if (rc != 0) {
		mgen_program_free(prog);
		if (rc == MGEN_ENOMEM)
			mgen_err_set(err, rc, "out of memory");
		return rc;
	}
	*out = prog;
	return 0;
}

void mgen__agent_predictor_release(mgen__agent_predictor *p)
{
	mgen_program_demos_free(p->demos, p->ndemos);
	mgen_signature_free(p->sig);
	memset(p, 0, sizeof(*p));
}

/* The index of predictor `name` in a file: `name`, else "<name>.predict"
 * (a ChainOfThought saved inside a module), else -1. */
static long find_predictor(const mgen_program *prog, const char *name)
{
	char dotted[64];
	long i = mgen_program_find(prog, name);

	if (i >= 0)
		return i;
	snprintf(dotted, sizeof(dotted), "%s.predict", name);
	return mgen_program_find(prog, dotted);
}

/* The names of the file's predictors, for a refusal. */
static void list_names(const mgen_program *prog, char *out, size_t n)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < mgen_program_count(prog) && len + 1 < n; i++)
		len +=
		    (size_t)snprintf(out + len, n - len, "%s'%s'",
				     i ? ", " : "", mgen_program_name(prog, i));
}

int mgen__agent_predictor_load(const mgen_program *prog, const char *name,
			       mgen__agent_predictor *p, mgen_err *err)
{
	char names[256];
	long i;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = mgen_agent_signature(name, &p->sig, err);
	if (rc != 0 || prog == NULL)
		return rc;
	i = find_predictor(prog, name);
	if (i < 0) {
		list_names(prog, names, sizeof(names));
		mgen__agent_predictor_release(p);
		return mgen_err_set(err, MGEN_EINVAL,
				    "no predictor '%s' "
				    "(the file has %s)",
				    name, names[0] ? names : "none");
	}
	rc = mgen_program_fit(prog, (size_t)i, &p->sig, &p->demos, &p->ndemos,
			      err);
	if (rc != 0)
		mgen__agent_predictor_release(p);
	return rc;
}

int mgen__agent_program_load(const char *path, mgen__agent_predictor *rewrite,
			     mgen__agent_predictor *respond, mgen_err *err)
{
	mgen_program *prog = NULL;
	mgen_err fe = MGEN_ERR_INIT;
	int rc = 0;

	memset(rewrite, 0, sizeof(*rewrite));
	memset(respond, 0, sizeof(*respond));
	if (path != NULL && path[0] != '\0') {
		rc = mgen_program_read(path, NULL, &prog, err);
		if (rc != 0)
			return rc;
	}
	rc = mgen__agent_predictor_load(prog, MGEN_AGENT_REWRITE, rewrite, &fe);
	if (rc == 0)
		rc = mgen__agent_predictor_load(prog, MGEN_AGENT_RESPOND,
						respond, &fe);
	if (rc != 0 && prog != NULL)
		mgen_err_set(err, rc, "%s: %s", path, fe.msg);
	else if (rc != 0)
		mgen_err_set(err, rc, "%s", fe.msg);
	if (rc != 0) {
		mgen__agent_predictor_release(rewrite);
		mgen__agent_predictor_release(respond);
	}
	mgen_program_free(prog);
	return rc;
}
