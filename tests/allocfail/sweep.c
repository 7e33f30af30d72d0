/*
 * sweep.c - the allocation-failure sweep. Linked with one libFuzzer
 * target (tests/fuzz/fuzz_<name>.c, which defines LLVMFuzzerTestOneInput)
 * and with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free, so
 * that every allocation the library's own code makes (and cJSON's,
 * through cJSON_InitHooks) goes through the wrappers below.
 *
 * For each input file given, a first run counts the allocations (N);
 * then for n = 1..N the input runs again with the n-th allocation
 * failing (for large N, a few hundred to MAX_POINTS values of n spread
 * over 1..N, always including the first 200). A run passes when it returns without
 * a crash (ASan/UBSan builds catch bad accesses) and leaves no more
 * blocks allocated than it found (a leak on the failure path). One cmocka
 * test per input file, so `make check` counts them.
 *
 *   sweep_<name> [FILE...]   no FILE: every file of tests/fuzz/<name>/ under
 *                            $METAGEN_SRCDIR (default: the current folder)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <dirent.h>
#include <cmocka.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

#define MAX_POINTS 1500

static long calls;     /* allocations made since arm() */
static long fail_at;   /* 0 = never fail */
static int failed;     /* the armed failure happened */
static long live;      /* blocks allocated minus blocks freed */

static int should_fail(void)
{
	calls++;
	if (fail_at > 0 && calls == fail_at) {
		failed = 1;
		return 1;
	}
	return 0;
}

void *__wrap_malloc(size_t n)
{
	void *p;

	if (should_fail())
		return NULL;
	p = __real_malloc(n);
	if (p != NULL)
		live++;
	return p;
}

void *__wrap_calloc(size_t n, size_t m)
{
	void *p;

	if (should_fail())
		return NULL;
	p = __real_calloc(n, m);
	if (p != NULL)
		live++;
	return p;
}

void *__wrap_realloc(void *p, size_t n)
{
	void *q;

	if (should_fail())
		return NULL;
	q = __real_realloc(p, n);
	if (p == NULL && q != NULL)
		live++;
	return q;
}

void __wrap_free(void *p)
{
	if (p != NULL)
		live--;
	__real_free(p);
}

static void *json_malloc(size_t n)
{
	return __wrap_malloc(n);
}

static void json_free(void *p)
{
	__wrap_free(p);
}

static uint8_t *read_input(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = __real_malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

/* One run with allocation `n` failing (0 = none); returns the number of
 * allocations made. Fails the test on a leak. */
static long run_once(const uint8_t *data, size_t size, long n,
		     const char *path)
{
	long before = live, made;

	calls = 0;
	failed = 0;
	fail_at = n;
	(void)LLVMFuzzerTestOneInput(data, size);
	made = calls;
	fail_at = 0;
	if (live > before) {
		fprintf(stderr, "%s: %ld block(s) leaked when allocation %ld "
				"of %ld failed\n",
			path, live - before, n, made);
		fail();
	}
	return made;
}

static void sweep_one(void **state)
{
	const char *path = (const char *)*state;
	size_t size = 0;
	uint8_t *data = read_input(path, &size);
	long total, n, step, points;

	/* a first run may set up state a target keeps (a static signature) */
	(void)LLVMFuzzerTestOneInput(data, size);
	total = run_once(data, size, 0, path);
	/* at most MAX_POINTS runs, and fewer for inputs whose one run makes
	 * many allocations (the sweep's work stays near 3M allocations) */
	points = total > 0 ? 3000000 / total : MAX_POINTS;
	points = points > MAX_POINTS ? MAX_POINTS : points < 250 ? 250 : points;
	step = total > points ? total / (points - 200) : 1;
	for (n = 1; n <= total; n += (n < 200 ? 1 : step)) {
		run_once(data, size, n, path);
		assert_true(failed);
	}
	__real_free(data);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* The corpus of this binary (sweep_<name>): tests/fuzz/<name>/'s files,
 * sorted; *n = 0 when the folder cannot be read (a failure, not a skip). */
static char **default_inputs(const char *argv0, int *n)
{
	const char *base = strrchr(argv0, '/'), *src = getenv("METAGEN_SRCDIR");
	const char *name;
	struct dirent **ents = NULL;
	char dir[4096], **paths;
	int i, k;

	base = base ? base + 1 : argv0;
	name = strncmp(base, "sweep_", 6) == 0 ? base + 6 : base;
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s", src ? src : ".", name);
	*n = 0;
	k = scandir(dir, &ents, not_dot, by_name);
	if (k <= 0) {
		fprintf(stderr, "allocfail: no corpus in %s\n", dir);
		return NULL;
	}
	paths = __real_calloc((size_t)k, sizeof(*paths));
	for (i = 0; paths != NULL && i < k; i++) {
		size_t len = strlen(dir) + strlen(ents[i]->d_name) + 2;

		paths[i] = __real_malloc(len);
		if (paths[i] != NULL)
			snprintf(paths[i], len, "%s/%s", dir, ents[i]->d_name);
	}
	for (i = 0; i < k; i++)
		__real_free(ents[i]); /* scandir's: libc's own blocks */
	__real_free(ents);
	*n = paths ? k : 0;
	return paths;
}

int main(int argc, char **argv)
{
	struct CMUnitTest *tests;
	cJSON_Hooks hooks = {json_malloc, json_free};
	char **inputs = argv + 1, **owned = NULL;
	int i, rc, ninputs = argc - 1;

	if (ninputs == 0) {
		owned = inputs = default_inputs(argv[0], &ninputs);
		if (ninputs == 0)
			return 1;
	}
	cJSON_InitHooks(&hooks);
	tests = __real_calloc((size_t)ninputs, sizeof(*tests));
	if (tests == NULL)
		return 1;
	for (i = 0; i < ninputs; i++) {
		tests[i].name = inputs[i];
		tests[i].test_func = sweep_one;
		tests[i].initial_state = inputs[i];
	}
	rc = _cmocka_run_group_tests("allocfail", tests, (size_t)ninputs,
				     NULL, NULL);
	__real_free(tests);
	for (i = 0; owned != NULL && i < ninputs; i++)
		__real_free(owned[i]);
	__real_free(owned);
	return rc;
}
