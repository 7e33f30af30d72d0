/*
 * context.c - the retrieved context of a table's prompt (issue 11, "into
 * the prompts"): glossary entries whose term is the table's or a
 * column's name (or a word of one) first, then the hits of a query made
 * of the table and column names and their existing comments - BM25, or
 * hybrid (reciprocal rank fusion of BM25 and dense, k = 60, as `metagen
 * search`) when the index holds vectors and rag.embeddings.model is set;
 * at most rag.top_k chunks and rag.max_context_tokens words. The chunk
 * ids, scores and ranking go to the trace of every call that used them.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "generate/generate_internal.h"
#include "metagen/buf.h"
#include "metagen/rag.h"
#include "util/json.h"

/* What has been picked so far. */
typedef struct picks {
	mgen_buf text;
	cJSON *trace;
	long long ids[128];
	size_t n, max;
	long words, max_words;
	const char *mode; /* "bm25" or "hybrid": how the hits were ranked */
	int err;
} picks;

static int seen(const picks *p, long long id)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->ids[i] == id)
			return 1;
	return 0;
}

/* Adds one hit when it is new and fits the word budget. */
static void pick(picks *p, const mgen_rag_hit *h)
{
	long words = h->tokens + (h->glossary ? 0 : 3);
	const char *base;
	cJSON *o;

	if (p->n >= p->max || seen(p, h->id) || p->words + words > p->max_words)
		return;
	base = strrchr(h->source, '/');
	base = base ? base + 1 : h->source;
	if (p->text.len)
		mgen_buf_putc(&p->text, '\n');
	if (h->glossary)
		mgen_buf_printf(&p->text, "- %s", h->text);
	else
		mgen_buf_printf(&p->text, "- [%s: %s] %s", base, h->title,
				h->text);
	o = mgen__json_add_object(&p->err, p->trace, NULL);
	mgen__json_add(&p->err, o, "id", cJSON_CreateNumber((double)h->id));
	mgen__json_add(&p->err, o, "score", cJSON_CreateNumber(h->score));
	mgen__json_add(&p->err, o, "source", cJSON_CreateString(h->source));
	mgen__json_add(&p->err, o, "title", cJSON_CreateString(h->title));
	mgen__json_add(&p->err, o, "glossary", cJSON_CreateBool(h->glossary));
	mgen__json_add(&p->err, o, "mode",
		       cJSON_CreateString(h->glossary ? "glossary" : p->mode));
	p->ids[p->n++] = h->id;
	p->words += words;
}

/* Glossary entries for `name` and for each of its words. */
static int glossary_for(mgen_rag *rag, picks *p, const char *name,
			mgen_err *err)
{
	char word[128];
	size_t i = 0, k;
	int rc = 0, whole = 1;

	while (rc == 0 && p->n < p->max) {
		mgen_rag_hit *h = NULL;
		size_t n = 0;
		if (whole) {
			snprintf(word, sizeof(word), "%s", name);
			whole = 0;
		} else {
			while (name[i] && !isalnum((unsigned char)name[i]))
				i++;
			for (k = 0; name[i] && isalnum((unsigned char)name[i]);
			     i++)
				if (k + 1 < sizeof(word))
					word[k++] = name[i];
			word[k] = '\0';
			if (k == 0)
				break;
			if (strcmp(word, name) == 0 || k < 2)
				continue;
		}
		rc = mgen_rag_glossary_lookup(rag, word, p->max, &h, &n, err);
		for (k = 0; k < n; k++)
			pick(p, &h[k]);
		mgen_rag_hits_free(h, n);
	}
	return rc;
}

/* The search text: names and existing comments, at most 8 KiB. */
static void query_text(const mgen_table *t, mgen_buf *q)
{
	size_t i;

	mgen_buf_init(q, 8192);
	mgen_buf_printf(q, "%s %s", t->name,
			t->existing_comment ? t->existing_comment : "");
	for (i = 0; i < t->column_count; i++)
		mgen_buf_printf(q, " %s %s", t->columns[i].name,
				t->columns[i].existing_comment
				    ? t->columns[i].existing_comment
				    : "");
}

static int retrieve(mgen__run *run, const mgen_table *t, picks *p,
		    mgen_err *err)
{
	mgen_rag_hit *h = NULL;
	mgen_buf q;
	size_t i, n = 0;
	int rc = glossary_for(run->rag, p, t->name, err);

	for (i = 0; rc == 0 && i < t->column_count; i++)
		rc = glossary_for(run->rag, p, t->columns[i].name, err);
	if (rc != 0 || p->n >= p->max)
		return rc;
	query_text(t, &q); /* cut at 8 KiB when wider: a longer query
			      adds little */
	/* the configured mode: hybrid (RRF, k = 60) with vectors and an
	 * embeddings model, the query embedded through the cached client */
	rc = mgen_rag_search_mode(run->rag, mgen_buf_str(&q), run->rag_mode,
				  p->max * 2, &h, &n, err);
	if (rc != 0 && rc != MGEN_ENOMEM && run->rag_mode != MGEN_RAG_BM25) {
		/* the embeddings endpoint failed: this table gets BM25's
		 * chunks, said in the log and in the trace's "mode" */
		mgen__log(run, MGEN_LOG_WARN,
			  "%s: hybrid retrieval failed (%s); BM25 only",
			  t->name, err->msg);
		p->mode = "bm25";
		rc = mgen_rag_search(run->rag, mgen_buf_str(&q), p->max * 2, &h,
				     &n, err);
	}
	for (i = 0; rc == 0 && i < n; i++)
		pick(p, &h[i]);
	mgen_rag_hits_free(h, n);
	mgen_buf_release(&q);
	return rc;
}

int mgen__table_context(mgen__run *run, const mgen_table *t, char **ctx,
			char **trace, mgen_err *err)
{
	picks p;
	int rc;

	*ctx = NULL;
	*trace = NULL;
	if (run->rag == NULL || run->cfg->rag_top_k <= 0)
		return 0;
	memset(&p, 0, sizeof(p));
	p.max = (size_t)run->cfg->rag_top_k;
	if (p.max > sizeof(p.ids) / sizeof(p.ids[0]))
		p.max = sizeof(p.ids) / sizeof(p.ids[0]);
	p.max_words = run->cfg->rag_max_context_tokens;
	p.mode = run->rag_mode == MGEN_RAG_HYBRID ? "hybrid" : "bm25";
	p.trace = cJSON_CreateArray();
	if (p.trace == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	pthread_mutex_lock(&run->rag_lock); /* one SQLite handle */
	rc = retrieve(run, t, &p, err);
	pthread_mutex_unlock(&run->rag_lock);
	if (rc == 0 && (p.err || mgen_buf_error(&p.text)))
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (rc == 0 && p.n > 0) {
		*trace = mgen__json_print(p.trace);
		*ctx = mgen_buf_detach(&p.text);
		if (*trace == NULL || *ctx == NULL) {
			free(*trace);
			free(*ctx);
			*trace = *ctx = NULL;
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		}
	}
	mgen_buf_release(&p.text);
	cJSON_Delete(p.trace);
	return rc;
}

int mgen__context_open(mgen__run *run, mgen_err *err)
{
	mgen_rag_stats st;
	int rc = mgen_rag_open_config(run->cfg, 0, &run->rag, err);

	run->rag_mode = MGEN_RAG_BM25;
	if (rc != 0 || run->rag == NULL || run->estimate)
		return rc; /* --estimate sends no request: BM25 context */
	rc = mgen_rag_embedder_from_config(run->cfg, run->rag, run->opts->log,
					   run->opts->log_userdata,
					   &run->embed_lm, err);
	if (rc == 0 && run->embed_lm != NULL)
		rc = mgen_rag_stats_get(run->rag, &st, err);
	if (rc == 0 && run->embed_lm != NULL && st.embedded > 0)
		run->rag_mode = MGEN_RAG_HYBRID;
	return rc;
}

void mgen__context_close(mgen__run *run)
{
	mgen_rag_close(run->rag);
	mgen_lm_free(run->embed_lm);
	run->rag = NULL;
	run->embed_lm = NULL;
}
