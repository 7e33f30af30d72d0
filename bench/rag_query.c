/*
 * rag_query.c - `rag_query INDEX QUERIES [TOP_K [CHECK]]`: runs every line
 * of QUERIES as a BM25 search (mgen_rag_search, pruned) on INDEX (the
 * first 20 once more before, uncounted, to warm the page cache), then
 * the first CHECK (default 0) again through FTS5's exhaustive bm25()
 * (mgen__rag_search_fts) and compares ids and scores; prints one JSON
 * line with the number of queries, the p50, p99 and mean latency in ms,
 * the p50 and p99 of the CPU time of the searches alone (what a loaded,
 * shared machine does not stretch),
 * the queries checked, the mismatches and the exhaustive p50.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metagen/rag.h"
#include "rag/rag_store.h"

static double clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Compares the first `check` queries with FTS5's exhaustive ranking;
 * returns the mismatches (-1 on error), *p50 the exhaustive median. */
static long compare(mgen_rag *r, const char *path, size_t k, size_t check,
		    double *p50)
{
	mgen_err err = MGEN_ERR_INIT;
	double *ms = calloc(check + 1, sizeof(*ms));
	char line[4096];
	size_t i = 0, j, na, nb;
	long bad = 0;
	FILE *f = fopen(path, "r");

	while (f && ms && i < check && fgets(line, sizeof(line), f)) {
		mgen_rag_hit *a = NULL, *b = NULL;
		double t0;
		line[strcspn(line, "\n")] = '\0';
		if (mgen_rag_search(r, line, k, &a, &na, &err) != 0)
			break;
		t0 = now_ms();
		if (mgen__rag_search_fts(r, line, k, &b, &nb, &err) != 0)
			break;
		ms[i++] = now_ms() - t0;
		for (j = 0; j < na && na == nb; j++)
			if (a[j].id != b[j].id || a[j].score != b[j].score)
				break;
		if (na != nb || j < na) {
			bad++;
			fprintf(stderr, "rag_query: '%s' differs from FTS5\n",
				line);
		}
		mgen_rag_hits_free(a, na);
		mgen_rag_hits_free(b, nb);
	}
	if (f)
		fclose(f);
	if (i < check && (f == NULL || ms == NULL || err.msg[0]))
		bad = -1;
	if (err.msg[0])
		fprintf(stderr, "rag_query: %s\n", err.msg);
	qsort(ms, i, sizeof(*ms), cmp);
	*p50 = i ? ms[i / 2] : 0.0;
	free(ms);
	return bad;
}

int main(int argc, char **argv)
{
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag *r = NULL;
	char line[4096];
	double *ms = NULL, *cpu = NULL, sum = 0;
	size_t n = 0, cap = 0,
	       k = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 10;
	size_t check = argc > 4 ? (size_t)strtoul(argv[4], NULL, 10) : 0;
	double fts_p50 = 0;
	long bad;
	int pass;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr,
			"usage: rag_query INDEX QUERIES [TOP_K [CHECK]]\n");
		return 2;
	}
	if (mgen_rag_open(argv[1], 0, NULL, &r, &err) != 0) {
		fprintf(stderr, "rag_query: %s\n", err.msg);
		return 2;
	}
	for (pass = 0; pass < 2; pass++) {
		if ((f = fopen(argv[2], "r")) == NULL) {
			fprintf(stderr, "rag_query: cannot read %s\n", argv[2]);
			return 2;
		}
		size_t seen = 0;
		while ((pass == 1 || seen++ < 20) &&
		       fgets(line, sizeof(line), f)) {
			mgen_rag_hit *h = NULL;
			size_t nh = 0;
			double t0 = now_ms(), t,
			       c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
			line[strcspn(line, "\n")] = '\0';
			if (mgen_rag_search(r, line, k, &h, &nh, &err) != 0) {
				fprintf(stderr, "rag_query: %s\n", err.msg);
				return 2;
			}
			t = now_ms() - t0;
			c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
			mgen_rag_hits_free(h, nh);
			if (pass == 0)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				ms = realloc(ms, cap * sizeof(*ms));
				cpu = realloc(cpu, cap * sizeof(*cpu));
				if (ms == NULL || cpu == NULL)
					return 2;
			}
			cpu[n] = c0;
			ms[n++] = t;
			sum += t;
		}
		fclose(f);
	}
	qsort(ms, n, sizeof(*ms), cmp);
	qsort(cpu, n, sizeof(*cpu), cmp);
	if ((bad = compare(r, argv[2], k, check, &fts_p50)) < 0)
		return 2;
	printf("{\"queries\": %zu, \"p50_ms\": %.3f, \"p99_ms\": %.3f, "
	       "\"mean_ms\": %.3f, \"cpu_p50_ms\": %.3f, \"cpu_p99_ms\": %.3f, "
	       "\"checked\": %zu, \"mismatches\": %ld, "
	       "\"fts_p50_ms\": %.3f}\n",
	       n, n ? ms[n / 2] : 0.0, n ? ms[(n * 99) / 100] : 0.0,
	       n ? sum / (double)n : 0.0, n ? cpu[n / 2] : 0.0,
	       n ? cpu[(n * 99) / 100] : 0.0, check, bad, fts_p50);
	free(ms);
	free(cpu);
	mgen_rag_close(r);
	return 0;
}
