/*
 * cmd_ask.c - `metagen ask "QUESTION" [--session ID] [--json]`: one
 * question to the ask agent (include/metagen/agent.h), answered from the
 * retrieval index with the session's history; prints the answer, its
 * sources and the session id (or, with --json, one JSON object).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void help(void)
{
	printf("usage: metagen ask \"QUESTION\" [--session ID] [--json] "
	       "[options]\n\n"
	       "Answers a question from the retrieval index (metagen index "
	       "add) with the\nLM, citing the passages used as [n], and "
	       "keeps the conversation in the\nmemory store: pass the "
	       "printed session id back with --session to ask a\nfollow-up. "
	       "The last memory.history_messages messages (20) of the "
	       "session\nare sent as history; sessions never see each "
	       "other's.\n\noptions:\n"
	       "  --session ID        continue this session (A-Z a-z 0-9 . "
	       "_ : -; default:\n                      a new one)\n"
	       "  --json              print {answer, sources, session_id, "
	       "...}\n"
	       "  --ask-program FILE  a saved ask program (DSPy layout: "
	       "rewrite, respond)\n"
	       "  --rag-index FILE, --rag-top-k N, --rag-max-context-tokens "
	       "N,\n  --memory-connection FILE, --memory-history-messages N,"
	       "\n  --model M, --api-base URL   as for generate\n"
	       "\nInteractive conversations (no question on a terminal) are "
	       "not built yet.\n");
}

static void print_text(const mgen_agent_answer *r)
{
	size_t i;

	cli_put_safe(stdout, r->answer);
	printf("\n");
	if (r->nsources > 0)
		printf("\nsources:\n");
	for (i = 0; i < r->nsources; i++) {
		mgen_buf b = MGEN_BUF_INIT;

		mgen_buf_printf(&b, "  [%d]%s %s (%s)\n", r->sources[i].n,
				r->sources[i].cited ? "*" : " ",
				r->sources[i].title, r->sources[i].source);
		cli_put_safe(stdout, mgen_buf_error(&b) ? "" : mgen_buf_str(&b));
		mgen_buf_release(&b);
	}
	printf("\nsession: %s\n", r->session_id);
}

static int exit_code(int rc)
{
	return rc == MGEN_EINVAL || rc == MGEN_ECONFIG || rc == MGEN_EAUTH ||
			       rc == MGEN_EUNSUPPORTED
		       ? EXIT_USAGE
		       : EXIT_SOME_FAILED;
}

static int run(cli_args *a, const char *session, const char *program,
	       int json)
{
	cli_agent c;
	mgen_agent_answer r;
	mgen_err err = MGEN_ERR_INIT;
	char *text = NULL;
	int rc;

	rc = cli_agent_open(&a->cfg, program, &a->quiet, &c, &err);
	if (rc == 0)
		rc = mgen_agent_ask(c.agent, session, a->positional[0], &r,
				    &err);
	if (rc != 0) {
		cli_say("ask: %s", err.msg);
		cli_agent_close(&c);
		return exit_code(rc);
	}
	if (json && mgen_agent_answer_json(&r, &text) == 0)
		printf("%s\n", text);
	else if (json)
		rc = mgen_err_set(&err, MGEN_ENOMEM, "out of memory");
	else
		print_text(&r);
	free(text);
	mgen_agent_answer_release(&r);
	cli_agent_close(&c);
	if (rc != 0)
		cli_say("ask: %s", err.msg);
	return rc == 0 ? EXIT_ALL_OK : EXIT_SOME_FAILED;
}

int cmd_ask(int argc, char **argv)
{
	const char *session = NULL, *program = NULL;
	int json = 0, rc, nargc = 0;
	const cli_local local[] = {{"--session", NULL, &session},
				   {"--ask-program", NULL, &program},
				   {"--json", &json, NULL},
				   {NULL, NULL, NULL}};
	char **nargv = NULL;
	cli_args args;

	rc = cli_take_local(argc, argv, local, &nargc, &nargv);
	if (rc != 0)
		return rc;
	rc = cli_parse(nargc, nargv, 2, &args);
	if (rc == 0 && args.help)
		help();
	else if (rc == 0 && args.npositional == 0) {
		fprintf(stderr, "metagen: ask: a question is required "
				"(interactive conversations are not built "
				"yet): metagen ask \"QUESTION\"\n");
		rc = EXIT_USAGE;
	} else if (rc == 0 && args.npositional > 1) {
		fprintf(stderr, "metagen: ask: one question at a time (quote "
				"it): metagen ask \"QUESTION\"\n");
		rc = EXIT_USAGE;
	} else if (rc == 0)
		rc = run(&args, session, program, json);
	cli_args_release(&args);
	free(nargv);
	return rc;
}
