/*
 * cmd_index.c - `metagen index add PATH... [--prune]`, `index remove
 * PATH...`, `index stats`: the retrieval index (include/metagen/rag.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "metagen/lm.h"
#include "metagen/rag.h"

static void help(void)
{
	printf("usage: metagen index add PATH... [--run DIR] [--warehouse] "
	       "[--prune] [options]\n"
	       "       metagen index add --prune\n"
	       "       metagen index remove PATH...\n"
	       "       metagen index stats\n\n"
	       "Indexes files and folders for retrieval: Markdown (split on "
	       "headings), text,\nHTML, CSV/TSV glossaries (term,definition), "
	       "BEIR JSONL ({\"_id\",\"title\",\"text\"}).\nAn unchanged file "
	       "is skipped; a changed one replaces its chunks. --prune\n"
	       "drops documents whose file is gone. --run DIR indexes a run's "
	       "comments\n(DIR/comments.tsv: the data dictionary becomes "
	       "searchable); --warehouse\nthe existing table and column "
	       "comments of the scope (connection, scope).\n"
	       "With rag.embeddings.model "
	       "set, chunks\nwithout a vector are embedded (batched, cached) "
	       "after adding.\n\n"
	       "options:\n"
	       "  --rag-index FILE         index file (default "
	       ".metagen/rag.sqlite)\n"
	       "  --rag-connection STR     a PostgreSQL store instead (ODBC "
	       "string)\n"
	       "  --rag-schema NAME        its schema (metagen_rag)\n"
	       "  --rag-chunk-tokens N     words per chunk (200)\n"
	       "  --rag-chunk-overlap N    words shared by neighbours (40)\n"
	       "  --rag-max-file-mb N      larger files are refused (32)\n"
	       "  --rag-embeddings-model M embeddings model (none: BM25 only)\n"
	       "  --quiet                  no line per file\n");
}

static const char *const status_names[] = {"added", "unchanged", "replaced",
					   "refused"};

static void report(void *ud, const char *path, mgen_rag_status st,
		   long long chunks, long long skipped, const char *reason)
{
	const int *quiet = ud;

	if (st == MGEN_RAG_REFUSED) {
		fprintf(stderr, "metagen: %s\n", reason);
		return;
	}
	if (skipped > 0)
		fprintf(stderr,
			"metagen: warning: %s: %lld row%s or line%s "
			"not readable, skipped\n",
			path, skipped, skipped == 1 ? "" : "s",
			skipped == 1 ? "" : "s");
	if (!*quiet)
		printf("%s: %s, %lld chunk%s\n", path, status_names[st], chunks,
		       chunks == 1 ? "" : "s");
}

/* Embeds the chunks that have no vector yet (an embedder attached). */
static int embed(mgen_rag *r, mgen_lm *lm)
{
	mgen_err err = MGEN_ERR_INIT;
	long long n = 0, req0 = 0, req = 0, hits0 = mgen_lm_cache_hits(lm);
	int rc;

	mgen_lm_usage(lm, NULL, NULL, &req0);
	rc = mgen_rag_embed_pending(r, &n, &err);
	mgen_lm_usage(lm, NULL, NULL, &req);
	if (rc != 0) {
		fprintf(stderr, "metagen: %s\n", err.msg);
		return rc;
	}
	printf("embedded: %lld chunk%s (%lld request%s, %lld from the "
	       "cache)\n",
	       n, n == 1 ? "" : "s", req - req0, req - req0 == 1 ? "" : "s",
	       mgen_lm_cache_hits(lm) - hits0);
	return 0;
}

/* The sources of `index add` besides PATHs. */
typedef struct add_flags {
	int prune, warehouse;
	const char *run;
} add_flags;

static int add(mgen_rag *r, mgen_lm *lm, cli_args *a, const add_flags *f)
{
	mgen_err err = MGEN_ERR_INIT;
	long long removed = 0;
	size_t i;
	int rc = 0, bad = 0;

	for (i = 1; i < a->npositional && rc == 0; i++) {
		char *p = cli_doc_path(a->positional[i]);
		if (p == NULL)
			return EXIT_USAGE;
		rc = mgen_rag_add_path(r, p, report, &a->quiet, &err);
		free(p);
		if (rc == MGEN_EINVAL) {
			bad = 1; /* refused files were reported */
			rc = 0;
		}
	}
	if (rc == 0 && f->run && cli_index_run(r, a, f->run) != 0)
		return EXIT_USAGE;
	if (rc == 0 && f->warehouse && cli_index_warehouse(r, a) != 0)
		return EXIT_USAGE;
	if (rc == 0 && f->prune) {
		rc = mgen_rag_prune(r, &removed, &err);
		if (rc == 0)
			printf("pruned: %lld document%s\n", removed,
			       removed == 1 ? "" : "s");
	}
	if (rc != 0) {
		fprintf(stderr, "metagen: %s\n", err.msg);
		return EXIT_USAGE;
	}
	if (lm && embed(r, lm) != 0)
		return EXIT_SOME_FAILED;
	return bad ? EXIT_SOME_FAILED : EXIT_ALL_OK;
}

static int remove_docs(mgen_rag *r, cli_args *a)
{
	mgen_err err = MGEN_ERR_INIT;
	size_t i;
	int bad = 0;

	for (i = 1; i < a->npositional; i++) {
		long long n = 0;
		char *p = cli_doc_path(a->positional[i]);
		if (p == NULL || mgen_rag_remove(r, p, &n, &err) != 0) {
			fprintf(stderr, "metagen: %s\n",
				p ? err.msg : "out of memory");
			free(p);
			return EXIT_USAGE;
		}
		if (n == 0) {
			fprintf(stderr, "metagen: %s: not in the index\n", p);
			bad = 1;
		} else {
			printf("%s: removed\n", p);
		}
		free(p);
	}
	return bad ? EXIT_SOME_FAILED : EXIT_ALL_OK;
}

static int stats(mgen_rag *r, const char *path)
{
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag_stats st;

	if (mgen_rag_stats_get(r, &st, &err) != 0) {
		fprintf(stderr, "metagen: %s\n", err.msg);
		return EXIT_USAGE;
	}
	printf("index: %s\ndocuments: %lld\nchunks: %lld\nglossary entries: "
	       "%lld\ntokens: %lld\nembedded chunks: %lld\nsize on disk: %lld "
	       "bytes\n",
	       path, st.documents, st.chunks, st.glossary, st.tokens,
	       st.embedded, st.file_bytes);
	return EXIT_ALL_OK;
}

static int run(cli_args *a, const add_flags *f)
{
	mgen_err err = MGEN_ERR_INIT;
	const char *what = a->positional[0];
	int is_add = strcmp(what, "add") == 0, rc;
	mgen_rag *r = NULL;
	mgen_lm *lm = NULL;

	if (!is_add && strcmp(what, "remove") != 0 &&
	    strcmp(what, "stats") != 0) {
		fprintf(stderr,
			"metagen: unknown index action '%s' (add, "
			"remove or stats)\n",
			what);
		return EXIT_USAGE;
	}
	if (!is_add && (f->prune || f->run || f->warehouse)) {
		fprintf(stderr, "metagen: --prune, --run and --warehouse go "
				"with index add\n");
		return EXIT_USAGE;
	}
	if ((is_add && a->npositional < 2 && !f->prune && !f->run &&
	     !f->warehouse) ||
	    (strcmp(what, "remove") == 0 && a->npositional < 2)) {
		fprintf(stderr, "metagen: index %s needs a PATH\n", what);
		return EXIT_USAGE;
	}
	if (mgen_rag_open_config(&a->cfg, is_add, &r, &err) != 0 || r == NULL) {
		fprintf(stderr, "metagen: %s\n",
			r	     ? err.msg
			: err.msg[0] ? err.msg
				     : "no index yet (metagen "
				       "index add PATH creates it)");
		return EXIT_USAGE;
	}
	if (is_add) {
		rc = cli_rag_embedder(a, r, &lm);
		if (rc == 0)
			rc = add(r, lm, a, f);
	} else if (strcmp(what, "remove") == 0)
		rc = remove_docs(r, a);
	else
		rc = stats(r, mgen_rag_name(r));
	mgen_rag_close(r);
	mgen_lm_free(lm);
	return rc;
}

int cmd_index(int argc, char **argv)
{
	add_flags f = {0, 0, NULL};
	int rc;
	const cli_local local[] = {{"--prune", &f.prune, NULL},
				   {"--warehouse", &f.warehouse, NULL},
				   {"--run", NULL, &f.run},
				   {NULL, NULL, NULL}};
	cli_args args;

	rc = cli_parse_local(argc, argv, local, &args);
	if (rc == 0 && args.help)
		help();
	else if (rc == 0 && args.npositional < 1) {
		fprintf(stderr, "metagen: index needs an action: add, remove "
				"or stats\n");
		rc = EXIT_USAGE;
	} else if (rc == 0)
		rc = run(&args, &f);
	cli_args_release(&args);
	return rc;
}
