/*
 * cmd_search.c - `metagen search "QUERY" [--top-k N] [--mode M] [--json]`
 * prints the ranked chunks of the retrieval index; `metagen search --eval
 * QUERIES QRELS` prints nDCG@10 and recall@100 on a BEIR-format set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "metagen/lm.h"
#include "metagen/rag.h"
#include "util/json.h"

static void help(void)
{
	printf("usage: metagen search \"QUERY\" [--top-k N] [--mode M] "
	       "[--json] [options]\n"
	       "       metagen search --eval QUERIES.jsonl QRELS.tsv "
	       "[--mode M]\n\n"
	       "Searches the retrieval index (metagen index add); any text is "
	       "a safe query\n(FTS5 operators are plain words). --eval reads "
	       "a BEIR query file and\nqrels and prints nDCG@10 and "
	       "recall@100.\n\n"
	       "options:\n"
	       "  --top-k N        hits to print (default 10, 1..10000)\n"
	       "  --mode M         bm25, dense (cosine over the chunk vectors) "
	       "or hybrid\n                   (reciprocal rank fusion, k = "
	       "60); default hybrid when the\n                   index has "
	       "vectors and rag.embeddings.model is set, else bm25\n"
	       "  --json           one JSON array of hits\n"
	       "  --rag-index FILE index file (default .metagen/rag.sqlite)\n");
}

static int print_json(const mgen_rag_hit *h, size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	int err = arr ? 0 : MGEN_ENOMEM;
	char *text;
	size_t i;

	for (i = 0; i < n && !err; i++) {
		cJSON *o = mgen__json_add_object(&err, arr, NULL);
		mgen__json_add(&err, o, "id",
			       cJSON_CreateNumber((double)h[i].id));
		mgen__json_add(&err, o, "score",
			       cJSON_CreateNumber(h[i].score));
		mgen__json_add(&err, o, "source",
			       cJSON_CreateString(h[i].source));
		mgen__json_add(&err, o, "title",
			       cJSON_CreateString(h[i].title));
		mgen__json_add(&err, o, "ref", cJSON_CreateString(h[i].ref));
		mgen__json_add(&err, o, "glossary",
			       cJSON_CreateBool(h[i].glossary));
		mgen__json_add(&err, o, "text", cJSON_CreateString(h[i].text));
	}
	text = err ? NULL : mgen__json_print(arr);
	cJSON_Delete(arr);
	if (text == NULL) {
		fprintf(stderr, "metagen: out of memory\n");
		return EXIT_USAGE;
	}
	printf("%s\n", text);
	free(text);
	return EXIT_ALL_OK;
}

static void print_text(const mgen_rag_hit *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%zu. %.4f  %s  [%s]%s\n   %.300s%s\n", i + 1,
		       h[i].score, h[i].source, h[i].title,
		       h[i].glossary ? " glossary" : "", h[i].text,
		       strlen(h[i].text) > 300 ? "..." : "");
}

static int search(mgen_rag *r, const char *q, const char *topk, int json,
		  mgen_rag_mode mode)
{
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag_hit *h = NULL;
	char *end = NULL;
	long k = topk ? strtol(topk, &end, 10) : 10;
	size_t n = 0;
	int rc;

	if ((topk && (*end || end == topk)) || k < 1 || k > 10000) {
		fprintf(stderr,
			"metagen: --top-k: expected 1..10000, got '%s'\n",
			topk);
		return EXIT_USAGE;
	}
	if (mgen_rag_search_mode(r, q, mode, (size_t)k, &h, &n, &err) != 0) {
		fprintf(stderr, "metagen: %s\n", err.msg);
		return EXIT_USAGE;
	}
	if (json)
		rc = print_json(h, n);
	else
		print_text(h, n), rc = EXIT_ALL_OK;
	mgen_rag_hits_free(h, n);
	return rc;
}

static int evaluate(mgen_rag *r, const char *queries, const char *qrels,
		    mgen_rag_mode mode)
{
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag_eval ev;

	if (mgen_rag_evaluate_mode(r, mode, queries, qrels, &ev, &err) != 0) {
		fprintf(stderr, "metagen: %s\n", err.msg);
		return EXIT_USAGE;
	}
	printf("queries: %zu\nndcg@10: %.4f\nrecall@100: %.4f\n"
	       "search time: %.1f ms (%.2f ms per query)\n",
	       ev.queries, ev.ndcg10, ev.recall100, ev.ms,
	       ev.queries ? ev.ms / (double)ev.queries : 0.0);
	return ev.queries ? EXIT_ALL_OK : EXIT_SOME_FAILED;
}

static int run(cli_args *a, const char *topk, const char *mode, int json,
	       int eval)
{
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag *r = NULL;
	mgen_lm *lm = NULL;
	int m = mode ? mgen_rag_mode_parse(mode) : MGEN_RAG_AUTO, rc;

	if (m < 0) {
		fprintf(stderr,
			"metagen: --mode %s: expected bm25, dense or "
			"hybrid\n",
			mode);
		return EXIT_USAGE;
	}
	if (a->npositional != (eval ? 2u : 1u)) {
		fprintf(stderr, eval ? "metagen: search --eval needs QUERIES "
				       "and QRELS\n"
				     : "metagen: search needs one QUERY\n");
		return EXIT_USAGE;
	}
	if (mgen_rag_open_config(&a->cfg, 0, &r, &err) != 0 || r == NULL) {
		fprintf(stderr, "metagen: %s\n",
			err.msg[0] ? err.msg
				   : "no index yet (metagen index "
				     "add PATH creates it)");
		return EXIT_USAGE;
	}
	if ((rc = cli_rag_embedder(a, r, &lm)) == 0)
		rc = eval ? evaluate(r, a->positional[0], a->positional[1],
				     (mgen_rag_mode)m)
			  : search(r, a->positional[0], topk, json,
				   (mgen_rag_mode)m);
	mgen_rag_close(r);
	mgen_lm_free(lm);
	return rc;
}

int cmd_search(int argc, char **argv)
{
	int json = 0, eval = 0, rc;
	const char *topk = NULL, *mode = NULL;
	const cli_local local[] = {{"--json", &json, NULL},
				   {"--eval", &eval, NULL},
				   {"--top-k", NULL, &topk},
				   {"--mode", NULL, &mode},
				   {NULL, NULL, NULL}};
	cli_args args;

	rc = cli_parse_local(argc, argv, local, &args);
	if (rc == 0 && args.help)
		help();
	else if (rc == 0)
		rc = run(&args, topk, mode, json, eval);
	cli_args_release(&args);
	return rc;
}
