/*
 * test_rag.c - the retrieval store (include/metagen/rag.h): chunking that
 * never splits a word or a UTF-8 sequence, each file kind, hostile files,
 * incremental re-adds, and queries that are always safe.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metagen/rag.h"
#include "rag/rag_internal.h"

typedef struct fixture {
	char dir[64];
	char path[128];
	mgen_rag *rag;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag_options o = MGEN_RAG_OPTIONS_INIT;

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/mgen-test-rag-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/x/rag.sqlite", f->dir);
	o.chunk_tokens = 10;
	o.chunk_overlap = 2;
	o.max_file_bytes = 1024 * 1024;
	if (mgen_rag_open(f->path, 1, &o, &f->rag, &err) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char cmd[160];

	mgen_rag_close(f->rag);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Adds `text` as document `name`; returns the chunk count. */
static long long add(fixture *f, const char *name, const char *text,
		     size_t len, mgen_rag_status want)
{
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag_status st;
	long long n = -1;

	assert_int_equal(mgen_rag_add_memory(f->rag, name, text, len, &st, &n,
					     &err), 0);
	assert_int_equal(st, want);
	return n;
}

/* Search hits for `q` (at most 20). */
static size_t search(fixture *f, const char *q, mgen_rag_hit **h)
{
	mgen_err err = MGEN_ERR_INIT;
	size_t n = 99;

	assert_int_equal(mgen_rag_search(f->rag, q, 20, h, &n, &err), 0);
	return n;
}

static void test_rag__windows_keep_words_and_utf8(void **state)
{
	mgen__rag_chunks c = {0};
	const char *t = "un deux trois quatre cinq six sept huit neuf dix "
			"\xC3\xA9l\xC3\xA8ve \xE6\x97\xA5\xE6\x9C\xAC onze douze";
	size_t i;

	(void)state;
	assert_int_equal(mgen__rag_windows(&c, "t", NULL, t, strlen(t), 8, 3), 0);
	assert_int_equal(c.n, 3); /* words 0-7, 5-12, 10-13 (of 0-13) */
	assert_string_equal(c.v[0].text,
			    "un deux trois quatre cinq six sept huit");
	assert_string_equal(c.v[1].text, "six sept huit neuf dix "
					 "\xC3\xA9l\xC3\xA8ve \xE6\x97\xA5"
					 "\xE6\x9C\xAC onze");
	assert_string_equal(c.v[2].text, "\xC3\xA9l\xC3\xA8ve \xE6\x97\xA5"
					 "\xE6\x9C\xAC onze douze");
	for (i = 0; i < c.n; i++)
		assert_true(c.v[i].tokens <= 8);
	mgen__rag_chunks_release(&c);
}

static void test_rag__sanitize_utf8_and_nul(void **state)
{
	const char in[] = "ok\xFF\xC3(a\0b\xED\xA0\x80 \xF0\x9F\x98\x80";
	size_t n = 0;
	char *s = mgen__rag_sanitize(in, sizeof(in) - 1, &n);

	(void)state;
	assert_non_null(s);
	assert_string_equal(s, "ok\xEF\xBF\xBD\xEF\xBF\xBD(a b"
			       "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD "
			       "\xF0\x9F\x98\x80");
	assert_int_equal(n, strlen(s));
	free(s);
}

static void test_rag__markdown_heading_paths(void **state)
{
	fixture *f = *state;
	const char md[] = "intro words here\n# Billing\nthe ledger\n"
			  "## Refunds ##\nmoney goes back\n```\n# not a "
			  "heading\n```\n# Shipping\nparcels\n";
	mgen_rag_hit *h = NULL;
	size_t n;

	assert_int_equal(add(f, "/d/doc.md", md, sizeof(md) - 1,
			     MGEN_RAG_ADDED), 4);
	n = search(f, "money", &h);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].title, "Billing > Refunds");
	assert_non_null(strstr(h[0].text, "# not a heading"));
	mgen_rag_hits_free(h, n);
	n = search(f, "intro", &h);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].title, "doc.md");
	assert_string_equal(h[0].source, "/d/doc.md");
	mgen_rag_hits_free(h, n);
}

static void test_rag__glossary_csv_tsv(void **state)
{
	fixture *f = *state;
	const char csv[] = "Term,Definition\r\nMRN,\"Medical record "
			   "number, unique \"\"per\"\" patient\"\r\n"
			   "lonely\r\n\r\nLOS,Length of stay,in days\r\n";
	const char tsv[] = "hadm_id\thospital admission id\n";
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag_hit *h = NULL;
	size_t n;

	assert_int_equal(add(f, "/g/terms.CSV", csv, sizeof(csv) - 1,
			     MGEN_RAG_ADDED), 2);
	assert_int_equal(add(f, "/g/t.tsv", tsv, sizeof(tsv) - 1,
			     MGEN_RAG_ADDED), 1);
	assert_int_equal(mgen_rag_glossary_lookup(f->rag, "mrn", 5, &h, &n,
						  &err), 0);
	assert_int_equal(n, 1);
	assert_true(h[0].glossary);
	assert_string_equal(h[0].ref, "MRN");
	assert_string_equal(h[0].text, "MRN: Medical record number, unique "
				       "\"per\" patient");
	mgen_rag_hits_free(h, n);
	n = search(f, "stay", &h);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].text, "LOS: Length of stay in days");
	mgen_rag_hits_free(h, n);
	n = search(f, "admission", &h);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].ref, "hadm_id");
	mgen_rag_hits_free(h, n);
}

static void test_rag__jsonl_beir_and_html(void **state)
{
	fixture *f = *state;
	const char jl[] = "{\"_id\":\"d1\",\"title\":\"Aspirin\",\"text\":"
			  "\"reduces fever\"}\nnot json\n{\"title\":\"x\"}\n"
			  "\n{\"_id\":\"d2\",\"title\":\"Zinc\",\"text\":\"a "
			  "trace mineral\"}";
	const char html[] = "<html><head><title>Ward guide</title><script>"
			    "var secret=1;</script></head><body><p>Beds are "
			    "<b>numbered</b></p><style>p{}</style></body>";
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag_status st;
	mgen_rag_hit *h = NULL;
	long long nc;
	size_t n;

	assert_int_equal(mgen_rag_add_memory(f->rag, "/c/corpus.jsonl", jl,
					     sizeof(jl) - 1, &st, &nc, &err), 0);
	assert_int_equal(nc, 2);
	n = search(f, "aspirin", &h); /* found by its title */
	assert_int_equal(n, 1);
	assert_string_equal(h[0].ref, "d1");
	mgen_rag_hits_free(h, n);
	assert_int_equal(add(f, "/h/guide.html", html, sizeof(html) - 1,
			     MGEN_RAG_ADDED), 1);
	n = search(f, "numbered", &h);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].title, "Ward guide");
	assert_null(strstr(h[0].text, "secret"));
	mgen_rag_hits_free(h, n);
	assert_int_equal(search(f, "secret", &h), 0);
}

static void test_rag__readd_replace_remove(void **state)
{
	fixture *f = *state;
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag_stats st;
	mgen_rag_hit *h = NULL;
	long long removed = 0;

	add(f, "/a.txt", "alpha beta", 10, MGEN_RAG_ADDED);
	assert_int_equal(add(f, "/a.txt", "alpha beta", 10,
			     MGEN_RAG_UNCHANGED), 0);
	add(f, "/a.txt", "gamma delta", 11, MGEN_RAG_REPLACED);
	assert_int_equal(search(f, "alpha", &h), 0);
	assert_int_equal(search(f, "gamma", &h), 1);
	mgen_rag_hits_free(h, 1);
	assert_int_equal(mgen_rag_stats_get(f->rag, &st, &err), 0);
	assert_int_equal(st.documents, 1);
	assert_int_equal(st.chunks, 1);
	assert_int_equal(st.tokens, 2);
	assert_true(st.file_bytes > 0);
	assert_int_equal(mgen_rag_remove(f->rag, "/a.txt", &removed, &err), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(search(f, "gamma", &h), 0);
	assert_int_equal(mgen_rag_remove(f->rag, "/a.txt", &removed, &err), 0);
	assert_int_equal(removed, 0);
}

static void test_rag__hostile_queries_are_plain_words(void **state)
{
	fixture *f = *state;
	static const char *const qs[] = {
	    "\"unbalanced",  "NEAR(a b, 2)",    "a AND OR NOT b",
	    "pre*",          "^start",          "title:alpha",
	    "(((",           ")",               "",
	    "   ",           "-- ; DROP TABLE", "\"\"\"",
	    "{title text}:x", "a + b",          "NOT",
	    "\xFF\xFE"};
	mgen_rag_hit *h = NULL;
	size_t i, n;

	add(f, "/q.txt", "alpha near not title start", 26, MGEN_RAG_ADDED);
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		n = search(f, qs[i], &h);
		mgen_rag_hits_free(h, n);
	}
	assert_int_equal(search(f, "", &h), 0);
	assert_null(h);
	n = search(f, "NOT", &h); /* an operator word is a plain term */
	assert_int_equal(n, 1);
	mgen_rag_hits_free(h, n);
	n = search(f, "title:alpha", &h); /* no column filter: both words */
	assert_int_equal(n, 1);
	mgen_rag_hits_free(h, n);
	n = search(f, "the", &h); /* stop words only: kept */
	assert_int_equal(n, 0);
}

static void test_rag__binary_and_large_files_refused(void **state)
{
	fixture *f = *state;
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag_status st;
	char bin[4096], path[160], big[160];
	long long nc;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (char)((i * 131 + 7) & 0xFF);
	assert_int_equal(mgen_rag_add_memory(f->rag, "/x/image.md", bin,
					     sizeof(bin), &st, &nc, &err),
			 MGEN_EINVAL);
	assert_int_equal(st, MGEN_RAG_REFUSED);
	assert_non_null(strstr(err.msg, "/x/image.md: binary file"));
	/* a text file with a stray NUL is text: the NUL becomes a space */
	add(f, "/x/nul.txt", "left\0right", 10, MGEN_RAG_ADDED);
	snprintf(path, sizeof(path), "%s/dir", f->dir);
	snprintf(big, sizeof(big), "%s/dir/big.txt", f->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	fd = open(big, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 50L * 1024 * 1024), 0); /* 50 MB */
	close(fd);
	mgen_err_clear(&err);
	assert_int_equal(mgen_rag_add_path(f->rag, path, NULL, NULL, &err),
			 MGEN_EINVAL);
	assert_non_null(strstr(err.msg, "big.txt: 52428800 bytes, over the "
					"limit"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rag__windows_keep_words_and_utf8),
		T(test_rag__sanitize_utf8_and_nul),
		T(test_rag__markdown_heading_paths),
		T(test_rag__glossary_csv_tsv),
		T(test_rag__jsonl_beir_and_html),
		T(test_rag__readd_replace_remove),
		T(test_rag__hostile_queries_are_plain_words),
		T(test_rag__binary_and_large_files_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
