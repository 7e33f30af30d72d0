/*
 * cmd_serve.c - `metagen serve`: the HTTP server (include/metagen/serve.h)
 * with the settings of the serve.* keys; SIGTERM or SIGINT drains the
 * requests in flight and exits 0.
 */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "metagen/buf.h"
#include "metagen/commenter.h"
#include "metagen/serve.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void help(void)
{
	printf(
	    "usage: metagen serve [options]\n\n"
	    "Serves GET /ping, /health, /version and /metrics, and POST "
	    "/invocations\n(the ask agent: MLflow scoring records with "
	    "\"query\", or a ChatAgent\n{\"messages\"} request; needs "
	    "--model; the comment program: records with\n\"table_name\" "
	    "and \"table_data\", answered as generate would) over HTTP "
	    "(default\n127.0.0.1:8080). The LM endpoint is checked before "
	    "serving. With a token\nset, every route but "
	    "/ping needs 'Authorization: Bearer TOKEN';\na non-loopback "
	    "host needs a token.\nSIGTERM drains the requests in flight, "
	    "then exits.\n\noptions:\n"
	    "  --serve-host ADDR        IPv4 address (127.0.0.1)\n"
	    "  --serve-port N           TCP port (8080; 0 = any)\n"
	    "  --serve-token-file FILE  file holding the token "
	    "(or METAGEN_SERVE_TOKEN)\n"
	    "  --serve-trace FILE       JSONL trace: spans of every request\n"
	    "  --serve-max-inflight N   agent requests at once (64); "
	    "--serve-max-queue N\n"
	    "                           more waiting (256), beyond: 503\n"
	    "  --serve-request-timeout-seconds N  504 after N s (60)\n"
	    "  --port-file FILE         write the bound port there\n"
	    "  --health-lm-seconds N    /health reuses an LM check this "
	    "long (5)\n"
	    "  --ask-program FILE       a saved ask program (DSPy layout)\n"
	    "  --model M, --api-base URL, --rag-index FILE, "
	    "--memory-connection FILE\n"
	    "                           the agent's LM, index and memory\n"
	    "  --config FILE            YAML config (serve.*)\n");
}

/* The agent behind /invocations when a model is configured. */
static int open_agent(cli_args *a, const char *program, cli_agent *ag)
{
	mgen_err err = MGEN_ERR_INIT;

	memset(ag, 0, sizeof(*ag));
	if (a->cfg.model == NULL || strcmp(a->cfg.model, "offline") == 0)
		return 0; /* /invocations answers 503 saying so */
	if (cli_agent_open(&a->cfg, program, &a->quiet, ag, &err) != 0) {
		cli_say("serve: %s", err.msg);
		return EXIT_USAGE;
	}
	return 0;
}

/* The comment program behind comment records: generate's per-table
 * path with the same config (offline describer without a model). The
 * agent's preflight has checked the endpoint already. */
static int open_commenter(cli_args *a, mgen_commenter **cm)
{
	mgen_err err = MGEN_ERR_INIT;

	if (mgen_commenter_open(&a->cfg, 0, cli_log, &a->quiet, cm, &err) !=
	    0) {
		cli_say("serve: %s", err.msg);
		return EXIT_USAGE;
	}
	return 0;
}

/* --health-lm-seconds N (1-3600), or NULL for the default. */
static int lm_seconds(const char *v, int *out)
{
	char *end;
	long n;

	*out = 0;
	if (v == NULL)
		return 0;
	n = strtol(v, &end, 10);
	if (end == v || *end != '\0' || n < 1 || n > 3600) {
		fprintf(stderr,
			"metagen: --health-lm-seconds: '%s' is not a "
			"number of seconds from 1 to 3600\n",
			v);
		return EXIT_USAGE;
	}
	*out = (int)n;
	return 0;
}

static int run(cli_args *a, const char *port_file, const char *program,
	       int lm_check)
{
	mgen_serve_options o;
	mgen_buf mem = MGEN_BUF_INIT;
	mgen_err err = MGEN_ERR_INIT;
	struct sigaction sa;
	cli_agent ag;
	mgen_commenter *cm = NULL;
	char *token = NULL;
	int rc = 0;

	memset(&o, 0, sizeof(o));
	if (mgen_config_read_serve_token(&a->cfg, &token, &err) != 0) {
		fprintf(stderr, "metagen: %s\n", err.msg);
		return EXIT_USAGE;
	}
	if (open_agent(a, program, &ag) != 0 || open_commenter(a, &cm) != 0) {
		cli_agent_close(&ag);
		if (token != NULL)
			memset(token, 0, strlen(token));
		free(token);
		return EXIT_USAGE;
	}
	o.agent = ag.agent;
	o.commenter = cm;
	o.lm = ag.lm;
	o.index_path = a->cfg.rag_index;
	o.token = token;
	o.host = a->cfg.serve_host;
	o.port = a->cfg.serve_port;
	o.memory_path =
	    cli_memory_path(&a->cfg, &mem) != 0 ? NULL : mgen_buf_str(&mem);
	o.max_body_bytes = (size_t)a->cfg.serve_max_body_bytes;
	o.timeout_seconds = a->cfg.serve_timeout_seconds;
	o.max_inflight = a->cfg.serve_max_inflight;
	o.trace_path = a->cfg.serve_trace;
	o.max_queue = a->cfg.serve_max_queue;
	o.max_connections = a->cfg.serve_max_connections;
	o.request_timeout_seconds = a->cfg.serve_request_timeout_seconds;
	o.trace_max_bytes = a->cfg.serve_trace_max_bytes;
	o.log = cli_log;
	o.log_userdata = &a->quiet;
	o.port_file = port_file;
	o.lm_check_seconds = lm_check;
	/* many threads freeing request-sized buffers: by default glibc
	 * hands the memory back to the kernel after most requests
	 * (madvise and munmap, each a TLB shootdown across the cores),
	 * measured at a quarter of the server's CPU per request */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 8 << 20);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (mgen_serve_run(&o, &stop_flag, &err) != 0) {
		fprintf(stderr, "metagen: %s\n", err.msg);
		rc = EXIT_USAGE;
	}
	if (token != NULL) {
		memset(token, 0, strlen(token));
		free(token);
	}
	mgen_buf_release(&mem);
	mgen_commenter_close(cm);
	cli_agent_close(&ag);
	return rc;
}

int cmd_serve(int argc, char **argv)
{
	cli_args args;
	const char *port_file = NULL, *program = NULL, *lmsec = NULL;
	const cli_local local[] = {{"--port-file", NULL, &port_file},
				   {"--ask-program", NULL, &program},
				   {"--health-lm-seconds", NULL, &lmsec},
				   {NULL, NULL, NULL}};
	int rc, lm_check = 0;

	/* the command's own flags, not config keys */
	rc = cli_parse_local(argc, argv, local, &args);
	if (rc == 0 && args.help)
		help();
	else if (rc == 0 && args.npositional != 0) {
		fprintf(stderr, "metagen: serve takes no arguments\n");
		rc = EXIT_USAGE;
	} else if (rc == 0)
		rc = lm_seconds(lmsec, &lm_check)
			 ? EXIT_USAGE
			 : run(&args, port_file, program, lm_check);
	cli_args_release(&args);
	return rc;
}
