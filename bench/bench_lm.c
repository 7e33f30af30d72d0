/*
 * bench_lm.c - the LM endpoint of `make bench-serve`: an OpenAI-compatible
 * server (libmicrohttpd, a thread per connection) that answers every
 * POST .../chat/completions with one fixed assistant message after a fixed
 * latency, and GET .../models with the one model it serves. It stands in
 * for the model in the load bench only: the Python test server
 * (tests/server/fake_llm.py, which the tests use for its scripts, faults
 * and recorded requests) needs more CPU per call than the server under
 * test, and on a 2-core machine its CPU was counted in the server's own
 * overhead. This one sleeps instead of computing.
 *
 *   bench-lm --port-file FILE --latency-ms MS --content FILE [--model M]
 *
 * Listens on 127.0.0.1 on a port the kernel picks and writes it to FILE
 * (after listening). The answer follows OpenAI's chat completion object
 * (id, object, created, model, choices[0].message, finish_reason, usage);
 * the prompt token count is the request body's bytes / 4. Bodies over
 * 16 MiB are answered 413. SIGTERM or SIGINT stops it.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_BODY (16u << 20)

static const char *g_model = "test-model";
static char *g_content;
static long g_latency_ms = 50;
static volatile sig_atomic_t g_stop;

typedef struct req {
	size_t len;
} req;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
			     char *body)
{
	struct MHD_Response *r;
	enum MHD_Result ok;

	if (body == NULL)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(body), body,
					    MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/json");
	ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

static char *models_json(void)
{
	cJSON *o = cJSON_CreateObject(), *data, *m;
	char *s = NULL;

	if (o && cJSON_AddStringToObject(o, "object", "list") &&
	    (data = cJSON_AddArrayToObject(o, "data")) &&
	    (m = cJSON_CreateObject()) && cJSON_AddItemToArray(data, m) &&
	    cJSON_AddStringToObject(m, "id", g_model) &&
	    cJSON_AddStringToObject(m, "object", "model"))
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static char *completion_json(size_t body_len)
{
	cJSON *o = cJSON_CreateObject(), *choices, *ch, *msg, *usage;
	long prompt = (long)(body_len / 4) + 1, completion = 16;
	char *s = NULL;

	if (o && cJSON_AddStringToObject(o, "id", "chatcmpl-bench") &&
	    cJSON_AddStringToObject(o, "object", "chat.completion") &&
	    cJSON_AddNumberToObject(o, "created", (double)time(NULL)) &&
	    cJSON_AddStringToObject(o, "model", g_model) &&
	    (choices = cJSON_AddArrayToObject(o, "choices")) &&
	    (ch = cJSON_CreateObject()) && cJSON_AddItemToArray(choices, ch) &&
	    cJSON_AddNumberToObject(ch, "index", 0) &&
	    (msg = cJSON_AddObjectToObject(ch, "message")) &&
	    cJSON_AddStringToObject(msg, "role", "assistant") &&
	    cJSON_AddStringToObject(msg, "content", g_content) &&
	    cJSON_AddStringToObject(ch, "finish_reason", "stop") &&
	    (usage = cJSON_AddObjectToObject(o, "usage")) &&
	    cJSON_AddNumberToObject(usage, "prompt_tokens", (double)prompt) &&
	    cJSON_AddNumberToObject(usage, "completion_tokens",
				    (double)completion) &&
	    cJSON_AddNumberToObject(usage, "total_tokens",
				    (double)(prompt + completion)))
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static int ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && strcmp(s + a - b, tail) == 0;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *data,
			      size_t *size, void **state)
{
	req *r = *state;
	struct timespec ts;

	(void)cls;
	(void)version;
	(void)data;
	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return MHD_NO;
		*state = r;
		return MHD_YES;
	}
	if (*size > 0) { /* the body is only counted */
		r->len += *size;
		*size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") == 0 && ends_with(url, "/models"))
		return reply(c, MHD_HTTP_OK, models_json());
	if (strcmp(method, "POST") != 0 || !ends_with(url, "/chat/completions"))
		return reply(c, MHD_HTTP_NOT_FOUND,
			     strdup("{\"error\": {\"message\": \"no such "
				    "route\"}}"));
	if (r->len > MAX_BODY)
		return reply(c, 413,
			     strdup("{\"error\": {\"message\": \"body too "
				    "large\"}}"));
	ts.tv_sec = g_latency_ms / 1000;
	ts.tv_nsec = (g_latency_ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	return reply(c, MHD_HTTP_OK, completion_json(r->len));
}

static void done(void *cls, struct MHD_Connection *c, void **state,
		 enum MHD_RequestTerminationCode code)
{
	(void)cls;
	(void)c;
	(void)code;
	free(*state);
	*state = NULL;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    n < (long)MAX_BODY && fseek(f, 0, SEEK_SET) == 0 &&
	    (s = malloc((size_t)n + 1)) != NULL) {
		if (fread(s, 1, (size_t)n, f) != (size_t)n) {
			free(s);
			s = NULL;
		} else
			s[n] = '\0';
	}
	fclose(f);
	return s;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench-lm --port-file FILE --latency-ms MS "
			"--content FILE [--model M]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *port_file = NULL, *content = NULL;
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;
	struct sockaddr_in addr;
	FILE *pf;
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--port-file") == 0)
			port_file = argv[i + 1];
		else if (strcmp(argv[i], "--latency-ms") == 0)
			g_latency_ms = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--content") == 0)
			content = argv[i + 1];
		else if (strcmp(argv[i], "--model") == 0)
			g_model = argv[i + 1];
		else
			return usage();
	}
	if (i != argc || port_file == NULL || content == NULL ||
	    g_latency_ms < 0 || g_latency_ms > 600000)
		return usage();
	if ((g_content = read_all(content)) == NULL) {
		fprintf(stderr, "bench-lm: cannot read %s\n", content);
		return 1;
	}
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
				 MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL,
			     0, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR,
			     &addr, MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
			     MHD_OPTION_CONNECTION_LIMIT, 2048u,
			     MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
			     MHD_OPTION_END);
	if (d == NULL || (info = MHD_get_daemon_info(
			      d, MHD_DAEMON_INFO_BIND_PORT)) == NULL) {
		fprintf(stderr, "bench-lm: cannot listen\n");
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if ((pf = fopen(port_file, "w")) == NULL ||
	    fprintf(pf, "%u\n", (unsigned)info->port) < 0 || fclose(pf) != 0) {
		fprintf(stderr, "bench-lm: cannot write %s\n", port_file);
		MHD_stop_daemon(d);
		return 1;
	}
	while (!g_stop)
		pause();
	MHD_stop_daemon(d);
	free(g_content);
	return 0;
}
