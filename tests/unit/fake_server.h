/*
 * fake_server.h - for unit tests: starts tests/server/fake_llm.py (the
 * local OpenAI-compatible test server) on a free port with an optional
 * script, reads back its request record, and stops it. Included by the
 * tests that talk to an endpoint; define FAKE_SERVER_TAG (a short name
 * for the temp folder) before including it.
 */
#ifndef METAGEN_TEST_FAKE_SERVER_H
#define METAGEN_TEST_FAKE_SERVER_H

#ifndef FAKE_SERVER_TAG
#define FAKE_SERVER_TAG "unit"
#endif

typedef struct srv {
	char dir[64];
	char portfile[128];
	char record[128];
	char script[128];
	char base[64]; /* http://127.0.0.1:PORT/v1 */
	pid_t pid;
	int port;
} srv;

/* Starts fake_llm.py with the script (may be NULL) and extra args. */
static void srv_start(srv *s, const char *script, const char *a1,
		      const char *a2)
{
	const char *srcdir = getenv("METAGEN_SRCDIR");
	char prog[512], *text = NULL;
	const char *argv[16];
	int n = 0, i;
	size_t len;

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/mgen-test-" FAKE_SERVER_TAG "-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->portfile, sizeof(s->portfile), "%s/port", s->dir);
	snprintf(s->record, sizeof(s->record), "%s/rec.jsonl", s->dir);
	snprintf(s->script, sizeof(s->script), "%s/script.json", s->dir);
	snprintf(prog, sizeof(prog), "%s/tests/server/fake_llm.py",
		 srcdir ? srcdir : ".");
	argv[n++] = "python3";
	argv[n++] = prog;
	argv[n++] = "--port-file";
	argv[n++] = s->portfile;
	argv[n++] = "--record";
	argv[n++] = s->record;
	if (script) {
		assert_int_equal(
		    mgen__write_file_atomic(s->script, script, strlen(script)),
		    0);
		argv[n++] = "--script";
		argv[n++] = s->script;
	}
	if (a1)
		argv[n++] = a1;
	if (a2)
		argv[n++] = a2;
	argv[n] = NULL;
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		execvp("python3", (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	for (i = 0; i < 1000; i++) {
		if (mgen__read_file(s->portfile, &text, &len) == 0)
			break;
		assert_int_equal(waitpid(s->pid, NULL, WNOHANG), 0);
		mgen__sleep_ms(10);
	}
	assert_non_null(text);
	s->port = (int)strtol(text, NULL, 10);
	free(text);
	assert_true(s->port > 0);
	snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d/v1", s->port);
}

static void srv_stop(srv *s)
{
	int i;

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		for (i = 0; i < 300 && waitpid(s->pid, NULL, WNOHANG) == 0; i++)
			mgen__sleep_ms(10);
		if (i == 300) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, NULL, 0);
		}
		s->pid = 0;
	}
	unlink(s->portfile);
	unlink(s->record);
	unlink(s->script);
	rmdir(s->dir);
}

/* The request record as a cJSON array of objects (caller deletes). */
static cJSON *srv_records(const srv *s)
{
	cJSON *arr = cJSON_CreateArray(), *o;
	char *text = NULL, *line, *nl;
	size_t len;

	if (mgen__read_file(s->record, &text, &len) != 0)
		return arr;
	for (line = text; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			break;
		*nl = '\0';
		o = cJSON_Parse(line);
		assert_non_null(o);
		cJSON_AddItemToArray(arr, o);
	}
	free(text);
	return arr;
}

static int srv_count(const srv *s)
{
	cJSON *r = srv_records(s);
	int n = cJSON_GetArraySize(r);

	cJSON_Delete(r);
	return n;
}

/* cmocka fixture: a zeroed srv in *state (a test starts it)... */
static int srv_setup(void **state)
{
	srv *s = calloc(1, sizeof(*s));

	*state = s;
	return s ? 0 : -1;
}

/* ...stopped even when the test failed half-way. */
static int srv_teardown(void **state)
{
	srv *s = *state;

	if (s->dir[0])
		srv_stop(s);
	free(s);
	return 0;
}

#define SRV_TEST(f) cmocka_unit_test_setup_teardown(f, srv_setup, srv_teardown)

#endif
