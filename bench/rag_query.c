/*
 * rag_query.c - `rag_query INDEX QUERIES [TOP_K]`: runs every line of
 * QUERIES as a BM25 search (mgen_rag_search) on INDEX (the first 20
 * once more before, uncounted, to warm the page cache), and prints one JSON line
 * with the number of queries and the p50, p99 and mean latency in ms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metagen/rag.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag *r = NULL;
	char line[4096];
	double *ms = NULL, sum = 0;
	size_t n = 0, cap = 0, k = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 10;
	int pass;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: rag_query INDEX QUERIES [TOP_K]\n");
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
			double t0 = now_ms(), t;
			line[strcspn(line, "\n")] = '\0';
			if (mgen_rag_search(r, line, k, &h, &nh, &err) != 0) {
				fprintf(stderr, "rag_query: %s\n", err.msg);
				return 2;
			}
			t = now_ms() - t0;
			mgen_rag_hits_free(h, nh);
			if (pass == 0)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				ms = realloc(ms, cap * sizeof(*ms));
				if (ms == NULL)
					return 2;
			}
			ms[n++] = t;
			sum += t;
		}
		fclose(f);
	}
	qsort(ms, n, sizeof(*ms), cmp);
	printf("{\"queries\": %zu, \"p50_ms\": %.3f, \"p99_ms\": %.3f, "
	       "\"mean_ms\": %.3f}\n",
	       n, n ? ms[n / 2] : 0.0, n ? ms[(n * 99) / 100] : 0.0,
	       n ? sum / (double)n : 0.0);
	free(ms);
	mgen_rag_close(r);
	return 0;
}
