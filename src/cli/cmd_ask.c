/*
 * cmd_ask.c - `metagen ask "QUESTION" [--session ID] [--json]`: one
 * question to the ask agent (include/metagen/agent.h), answered from the
 * retrieval index with the session's history; prints the answer, its
 * sources and the session id (or, with --json, one JSON object).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

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
	       "\nWith no question on a terminal it is a conversation: each "
	       "line is a question\nin one session (line editing and history "
	       "by libedit); Ctrl-D leaves.\n");
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
		cli_put_safe(stdout,
			     mgen_buf_error(&b) ? "" : mgen_buf_str(&b));
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

/* One question: the answer printed (text or JSON); *session (owned)
 * becomes the answer's session. Returns 0 or an mgen_error_code with the
 * reason printed. */
static int one(cli_agent *c, char **session, const char *q, int json)
{
	mgen_agent_answer r;
	mgen_err err = MGEN_ERR_INIT;
	char *text = NULL;
	int rc = mgen_agent_ask(c->agent, *session, q, &r, &err);

	if (rc == 0 && json && mgen_agent_answer_json(&r, &text) != 0)
		rc = mgen_err_set(&err, MGEN_ENOMEM, "out of memory");
	if (rc != 0) {
		cli_say("ask: %s", err.msg);
		return rc;
	}
	if (json)
		printf("%s\n", text);
	else
		print_text(&r);
	fflush(stdout);
	free(text);
	free(*session);
	*session = r.session_id; /* moved */
	r.session_id = NULL;
	mgen_agent_answer_release(&r);
	return 0;
}

/* The conversation on a terminal: one question a line until Ctrl-D. */
static void converse(cli_agent *c, char **session, int json)
{
	char *line;

	printf("metagen ask: one question a line, Ctrl-D to leave\n");
	while ((line = readline("ask> ")) != NULL) {
		if (line[strspn(line, " \t")] != '\0') {
			add_history(line);
			one(c, session, line,
			    json); /* an error: the next line */
			printf("\n");
		}
		free(line);
	}
	printf("\n");
}

static int run(cli_args *a, const char *session, const char *program, int json)
{
	cli_agent c;
	mgen_err err = MGEN_ERR_INIT;
	char *sid = session ? strdup(session) : NULL;
	int rc;

	if (session != NULL && sid == NULL)
		return EXIT_USAGE;
	rc = cli_agent_open(&a->cfg, program, &a->quiet, &c, &err);
	if (rc != 0) { /* setup, preflight included: 2, as generate */
		cli_say("ask: %s", err.msg);
		free(sid);
		return EXIT_USAGE;
	}
	if (a->npositional == 0)
		converse(&c, &sid, json);
	else
		rc = one(&c, &sid, a->positional[0], json);
	cli_agent_close(&c);
	free(sid);
	return rc == 0 ? EXIT_ALL_OK : exit_code(rc);
}

int cmd_ask(int argc, char **argv)
{
	const char *session = NULL, *program = NULL;
	int json = 0, rc;
	const cli_local local[] = {{"--session", NULL, &session},
				   {"--ask-program", NULL, &program},
				   {"--json", &json, NULL},
				   {NULL, NULL, NULL}};
	cli_args args;

	rc = cli_parse_local(argc, argv, local, &args);
	if (rc == 0 && args.help)
		help();
	else if (rc == 0 && args.npositional == 0 &&
		 !(isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))) {
		fprintf(stderr, "metagen: ask: a question is required (or a "
				"terminal for a conversation): metagen ask "
				"\"QUESTION\"\n");
		rc = EXIT_USAGE;
	} else if (rc == 0 && args.npositional > 1) {
		fprintf(stderr, "metagen: ask: one question at a time (quote "
				"it): metagen ask \"QUESTION\"\n");
		rc = EXIT_USAGE;
	} else if (rc == 0)
		rc = run(&args, session, program, json);
	cli_args_release(&args);
	return rc;
}
