/*
 * test_rag_pg.c - the retrieval store interface (src/rag/rag_store.h) and
 * the PostgreSQL store: its SQL texts golden (pgvector's too: Debian 12
 * has no pgvector to run them on), the vector text format, the query
 * word splitter both stores share, and the store live on the server of
 * METAGEN_TEST_PG (psqlODBC) in a schema with a hostile name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metagen/buf.h"
#include "metagen/rag.h"
#include "metagen/warehouse.h"
#include "rag/rag_internal.h"
#include "rag/rag_pg.h"
#include "rag/rag_store.h"

static char *sql_of(mgen__rag_pg_stmt which, const char *schema)
{
	mgen_buf b = MGEN_BUF_INIT;

	assert_int_equal(mgen__rag_pg_sql(which, schema, &b), 0);
	return mgen_buf_detach(&b);
}

#define ASSERT_SQL(which, schema, want)                                        \
	do {                                                                   \
		char *got_ = sql_of(which, schema);                            \
		assert_string_equal(got_, want);                               \
		free(got_);                                                    \
	} while (0)

/* The schema is quoted as a PostgreSQL identifier wherever it appears
 * (a quote doubled, so "; DROP" stays inside the name); values are
 * markers. Checked against PostgreSQL 15's CREATE TABLE (generated
 * columns), setweight/to_tsvector and INSERT ... ON CONFLICT pages. */
static void test_rag_pg__sql_golden(void **state)
{
	(void)state;
	ASSERT_SQL(MGEN__PG_CREATE_SCHEMA, "we\"ird; DROP",
		   "CREATE SCHEMA IF NOT EXISTS \"we\"\"ird; DROP\"");
	ASSERT_SQL(MGEN__PG_CREATE_CHUNKS, "s",
		   "CREATE TABLE IF NOT EXISTS \"s\".chunks(id bigserial "
		   "PRIMARY KEY, doc bigint NOT NULL REFERENCES "
		   "\"s\".documents(id) ON DELETE CASCADE, ref text NOT NULL, "
		   "title text NOT NULL, text text NOT NULL, tokens integer "
		   "NOT NULL, glossary boolean NOT NULL, tsv tsvector "
		   "GENERATED ALWAYS AS (setweight(to_tsvector("
		   "'english'::regconfig, title), 'A') || setweight("
		   "to_tsvector('english'::regconfig, text), 'B')) STORED)");
	ASSERT_SQL(MGEN__PG_INDEX_TSV, "s",
		   "CREATE INDEX IF NOT EXISTS chunks_tsv ON \"s\".chunks "
		   "USING gin(tsv)");
	ASSERT_SQL(
	    MGEN__PG_FIND_DOC, "a\"b",
	    "SELECT id, sha256 FROM \"a\"\"b\".documents WHERE path = ?");
	ASSERT_SQL(MGEN__PG_INSERT_CHUNK, "s",
		   "INSERT INTO \"s\".chunks(doc, ref, title, text, tokens, "
		   "glossary) VALUES(CAST(? AS bigint), ?, ?, ?, CAST(? AS "
		   "integer), CAST(? AS boolean))");
	ASSERT_SQL(MGEN__PG_LOCK_DOC, "s",
		   "SELECT pg_advisory_xact_lock(hashtext(?), hashtext(?))");
	ASSERT_SQL(
	    MGEN__PG_HAS_PGVECTOR, "s",
	    "SELECT count(*) FROM pg_extension WHERE extname = 'vector'");
	ASSERT_SQL(MGEN__PG_PGVECTOR_AVAILABLE, "s",
		   "SELECT count(*) FROM pg_available_extensions WHERE name = "
		   "'vector'");
	assert_int_equal(mgen__rag_pg_sql(MGEN__PG_NSTMT, "s", NULL),
			 MGEN_EINVAL);
}

/* pgvector (its README: vector(n), <#> is the negative inner product,
 * ORDER BY distance LIMIT k): the SQL the store would run where the
 * extension is installed. */
static void test_rag_pg__pgvector_sql_golden(void **state)
{
	mgen_buf b = MGEN_BUF_INIT;

	(void)state;
	assert_int_equal(
	    mgen__rag_pg_vector_table_sql("metagen_rag", 1, 384, &b), 0);
	assert_string_equal(mgen_buf_str(&b),
			    "CREATE TABLE IF NOT EXISTS \"metagen_rag\"."
			    "chunk_vectors(id bigint PRIMARY KEY REFERENCES "
			    "\"metagen_rag\".chunks(id) ON DELETE CASCADE, v "
			    "vector(384) NOT NULL)");
	mgen_buf_reset(&b);
	assert_int_equal(
	    mgen__rag_pg_vector_table_sql("metagen_rag", 0, 384, &b), 0);
	assert_non_null(strstr(mgen_buf_str(&b), " v real[] NOT NULL)"));
	mgen_buf_release(&b);
	ASSERT_SQL(MGEN__PG_DENSE_PGVECTOR, "metagen_rag",
		   "SELECT id, -(v <#> CAST(? AS vector)) FROM "
		   "\"metagen_rag\".chunk_vectors ORDER BY v <#> CAST(? AS "
		   "vector), id LIMIT CAST(? AS bigint)");
	ASSERT_SQL(MGEN__PG_INSERT_PGVECTOR, "metagen_rag",
		   "INSERT INTO \"metagen_rag\".chunk_vectors(id, v) SELECT "
		   "c.id, CAST(? AS vector) FROM \"metagen_rag\".chunks c "
		   "WHERE c.id = CAST(? AS bigint) ON CONFLICT (id) DO UPDATE "
		   "SET v = EXCLUDED.v");
	ASSERT_SQL(MGEN__PG_CREATE_PGVECTOR, "x",
		   "CREATE EXTENSION IF NOT EXISTS vector");
}

/* One plainto_tsquery per word, each a marker: the query text never
 * reaches the SQL; the number of markers is the words + the limit. */
static void test_rag_pg__search_sql(void **state)
{
	mgen_buf b = MGEN_BUF_INIT;
	const char *p;
	size_t marks = 0;

	(void)state;
	assert_int_equal(mgen__rag_pg_search_sql("s", 3, &b), 0);
	assert_string_equal(
	    mgen_buf_str(&b),
	    "WITH v(i, q) AS (VALUES (1, plainto_tsquery('english'::regconfig,"
	    " ?)), (2, plainto_tsquery('english'::regconfig, ?)), (3, "
	    "plainto_tsquery('english'::regconfig, ?))), m AS (SELECT c.id, "
	    "ts_rank('{0.1, 0.2, 0.5, 1.0}', c.tsv, v.q, 1) AS r, count(*) "
	    "OVER (PARTITION BY v.i) AS df FROM v JOIN \"s\".chunks c ON "
	    "c.tsv @@ v.q WHERE numnode(v.q) > 0), s AS (SELECT m.id, "
	    "sum(CAST(ln(1 + (n.n - m.df + 0.5) / (m.df + 0.5)) AS float8) * "
	    "m.r) AS s FROM m CROSS JOIN (SELECT count(*) AS n FROM "
	    "\"s\".chunks) n GROUP BY m.id) SELECT c.id, s.s, c.title, "
	    "c.text, c.ref, CASE WHEN c.glossary THEN 1 ELSE 0 END, c.tokens, "
	    "d.path FROM s JOIN \"s\".chunks c ON c.id = s.id JOIN "
	    "\"s\".documents d ON d.id = c.doc ORDER BY s.s DESC, c.id LIMIT "
	    "CAST(? AS bigint)");
	for (p = mgen_buf_str(&b); (p = strchr(p, '?')) != NULL; p++)
		marks++;
	assert_int_equal(marks, 4);
	mgen_buf_reset(&b);
	assert_int_equal(mgen__rag_pg_search_sql("s", 0, &b), MGEN_EINVAL);
	assert_int_equal(
	    mgen__rag_pg_search_sql("s", MGEN__RAG_QUERY_WORDS + 1, &b),
	    MGEN_EINVAL);
	mgen_buf_release(&b);
}

/* Vectors as text: float32 values round-trip exactly through %.9g;
 * anything but exactly `dim` numbers is refused. */
static void test_rag_pg__vector_text(void **state)
{
	float v[5] = {0.1f, -1.0f / 3.0f, 1e-8f, 0.0f, 123456.789f}, back[5];
	mgen_buf b = MGEN_BUF_INIT;
	int i;

	(void)state;
	assert_int_equal(mgen__rag_pg_vector_text(v, 5, 1, &b), 0);
	assert_int_equal(mgen_buf_str(&b)[0], '[');
	assert_int_equal(mgen__rag_pg_parse_vector(mgen_buf_str(&b), 5, back),
			 0);
	for (i = 0; i < 5; i++)
		assert_true(back[i] == v[i]);
	mgen_buf_reset(&b);
	assert_int_equal(mgen__rag_pg_vector_text(v, 2, 0, &b), 0);
	assert_string_equal(mgen_buf_str(&b), "{0.100000001,-0.333333343}");
	mgen_buf_release(&b);
	assert_int_equal(mgen__rag_pg_parse_vector("{1,2}", 3, back),
			 MGEN_EPARSE);
	assert_int_equal(mgen__rag_pg_parse_vector("{1,2,3,4}", 3, back),
			 MGEN_EPARSE);
	assert_int_equal(mgen__rag_pg_parse_vector("{1,x,3}", 3, back),
			 MGEN_EPARSE);
	assert_int_equal(mgen__rag_pg_parse_vector("{1,2,3}junk", 3, back),
			 MGEN_EPARSE);
	assert_int_equal(mgen__rag_pg_parse_vector("1,2,3", 3, back),
			 MGEN_EPARSE);
	assert_int_equal(mgen__rag_pg_parse_vector(NULL, 3, back), MGEN_EPARSE);
	assert_int_equal(mgen__rag_pg_parse_vector("{1,2,3}", 3, back), 0);
}

static char *word(const char *q, const mgen__rag_word *w)
{
	char *s = malloc(w->len + 1);
	memcpy(s, q + w->start, w->len);
	s[w->len] = '\0';
	return s;
}

/* The words both stores search: no operator, quote, bracket or
 * backslash of any syntax; stop words only when nothing else; at most
 * `max`. */
static void test_rag_pg__query_words(void **state)
{
	mgen__rag_word w[MGEN__RAG_QUERY_WORDS];
	const char *q = "\"heart\" & !rate | (blood:*) <-> 'x' \\ caf\xc3\xa9";
	const char *want[] = {"heart", "rate", "blood", "x", "caf\xc3\xa9"};
	char big[3000], *s;
	size_t n, i;

	(void)state;
	n = mgen__rag_query_words(q, w, MGEN__RAG_QUERY_WORDS);
	assert_int_equal(n, 5);
	for (i = 0; i < n; i++) {
		s = word(q, &w[i]);
		assert_string_equal(s, want[i]);
		free(s);
	}
	/* stop words go unless they are all there is */
	assert_int_equal(mgen__rag_query_words("the heart of it", w, 10), 1);
	assert_int_equal(mgen__rag_query_words("the of it", w, 10), 3);
	assert_int_equal(mgen__rag_query_words("!!! () \\ ''", w, 10), 0);
	assert_int_equal(mgen__rag_query_words(NULL, w, 10), 0);
	for (i = 0; i + 2 < sizeof(big); i += 2)
		big[i] = 'a', big[i + 1] = ' ';
	big[i] = '\0';
	assert_int_equal(mgen__rag_query_words(big, w, MGEN__RAG_QUERY_WORDS),
			 MGEN__RAG_QUERY_WORDS);
}

/* Every operation of both stores is there; an index file is the SQLite
 * store, named by its path. */
static void test_rag_pg__interface(void **state)
{
	const mgen__rag_ops *ops[2] = {&mgen__rag_sqlite_ops,
				       &mgen__rag_pg_ops};
	char dir[] = "/tmp/mgen-rag-iface-XXXXXX", path[64];
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag *r = NULL;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		assert_non_null(ops[i]->close);
		assert_non_null(ops[i]->find_doc);
		assert_non_null(ops[i]->store_doc);
		assert_non_null(ops[i]->drop_doc);
		assert_non_null(ops[i]->list_docs);
		assert_non_null(ops[i]->stats);
		assert_non_null(ops[i]->search);
		assert_non_null(ops[i]->glossary);
		assert_non_null(ops[i]->meta_get);
		assert_non_null(ops[i]->count_vectors);
		assert_non_null(ops[i]->pending);
		assert_non_null(ops[i]->store_vectors);
		assert_non_null(ops[i]->dense_prepare);
		assert_non_null(ops[i]->dense);
		assert_non_null(ops[i]->fetch);
	}
	assert_string_equal(ops[0]->kind, "sqlite");
	assert_string_equal(ops[1]->kind, "postgresql");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/i.sqlite", dir);
	assert_int_equal(mgen_rag_open(path, 1, NULL, &r, &err), 0);
	assert_ptr_equal(r->ops, &mgen__rag_sqlite_ops);
	assert_string_equal(mgen_rag_name(r), path);
	mgen_rag_close(r);
	unlink(path);
	rmdir(dir);
	/* a connection string that names no server fails with the
	 * password masked */
	assert_int_equal(
	    mgen_rag_connect("Driver=PostgreSQL Unicode;Server=127.0.0.1;"
			     "Port=1;Database=x;Uid=u;Pwd=sekret-pw-77",
			     "s", 1, NULL, &r, &err),
	    MGEN_EDB);
	assert_null(r);
	assert_null(strstr(err.msg, "sekret-pw-77"));
	assert_non_null(strstr(err.msg, "Pwd=***"));
	mgen_err_clear(&err);
	assert_int_equal(mgen_rag_connect("", "s", 1, NULL, &r, &err),
			 MGEN_ECONFIG);
	assert_int_equal(mgen_rag_connect("DSN=x", "", 1, NULL, &r, &err),
			 MGEN_ECONFIG);
}

/* --- live, on the server of METAGEN_TEST_PG -------------------------- */

static const char live_schema[] = "rag \"t\"; x";

/* Drops the test schema (and all in it). */
static void drop_schema(const char *cs)
{
	mgen_err err = MGEN_ERR_INIT;
	mgen_buf sql = MGEN_BUF_INIT;
	mgen_wh *wh = NULL;

	assert_int_equal(mgen_wh_connect(cs, MGEN_DIALECT_AUTO, &wh, &err), 0);
	mgen_buf_puts(&sql, "DROP SCHEMA IF EXISTS ");
	mgen_dialect_quote_ident(MGEN_DIALECT_POSTGRESQL, live_schema, &sql);
	mgen_buf_puts(&sql, " CASCADE");
	assert_int_equal(mgen_wh_exec(wh, mgen_buf_str(&sql)), 0);
	mgen_buf_release(&sql);
	mgen_wh_close(wh);
}

static void add(mgen_rag *r, const char *path, const char *text,
		mgen_rag_status want, long long want_chunks)
{
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag_status st;
	long long chunks = -1;

	assert_int_equal(mgen_rag_add_memory(r, path, text, strlen(text), &st,
					     &chunks, &err),
			 0);
	assert_int_equal(st, want);
	assert_int_equal(chunks, want_chunks);
}

static size_t search_n(mgen_rag *r, const char *q, mgen_rag_hit **h)
{
	mgen_err err = MGEN_ERR_INIT;
	size_t n = 0;

	if (mgen_rag_search(r, q, 10, h, &n, &err) != 0)
		fail_msg("query '%s': %s", q, err.msg);
	return n;
}

static const char *live_conn(void)
{
	const char *cs = getenv("METAGEN_TEST_PG");
	return cs && cs[0] ? cs : NULL;
}

/* Documents in and out, search, glossary, stats, hostile queries. */
static void live_documents(mgen_rag *r)
{
	static const char *const hostile[] = {
	    "'; DROP TABLE chunks; --",
	    "a:* & !b | (c <-> d)",
	    "\\",
	    "\\\\x",
	    "(((",
	    "",
	    "the",
	    "\"unbalanced",
	    "caf\xc3\xa9 \xc3\xbc \xe6\xbc\xa2",
	    "$1 $$ ? ?? %s"};
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag_hit *h = NULL;
	mgen_rag_stats st;
	long long n = 0;
	size_t k, i;

	add(r, "mem:a.md",
	    "# Guide\n\nPatients are admitted.\n\n## Vitals\n\n"
	    "Heart rate and blood pressure.\n",
	    MGEN_RAG_ADDED, 2);
	add(r, "mem:a.md",
	    "# Guide\n\nPatients are admitted.\n\n## Vitals\n\n"
	    "Heart rate and blood pressure.\n",
	    MGEN_RAG_UNCHANGED, 0);
	add(r, "mem:g.csv", "term,definition\nMRN,medical record number\n",
	    MGEN_RAG_ADDED, 1);
	k = search_n(r, "what is the heart rate?", &h);
	assert_true(k >= 1);
	assert_string_equal(h[0].title, "Guide > Vitals");
	assert_string_equal(h[0].source, "mem:a.md");
	assert_true(h[0].score > 0);
	mgen_rag_hits_free(h, k);
	add(r, "mem:a.md", "# Guide\n\nThe ward keeps discharge notes.\n",
	    MGEN_RAG_REPLACED, 1);
	assert_int_equal(search_n(r, "heart rate", &h), 0);
	k = search_n(r, "discharge", &h);
	assert_int_equal(k, 1);
	mgen_rag_hits_free(h, k);
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		k = search_n(r, hostile[i], &h);
		mgen_rag_hits_free(h, k);
	}
	assert_int_equal(mgen_rag_glossary_lookup(r, "mrn", 5, &h, &k, &err),
			 0);
	assert_int_equal(k, 1);
	assert_int_equal(h[0].glossary, 1);
	assert_string_equal(h[0].text, "MRN: medical record number");
	mgen_rag_hits_free(h, k);
	add(r, "/nonexistent-mgen-rag/gone.txt", "soon pruned words",
	    MGEN_RAG_ADDED, 1);
	assert_int_equal(mgen_rag_prune(r, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(mgen_rag_stats_get(r, &st, &err), 0);
	assert_int_equal(st.documents, 2);
	assert_int_equal(st.chunks, 2);
	assert_int_equal(st.glossary, 1);
	assert_int_equal(st.embedded, 0);
	assert_true(st.file_bytes > 0);
	assert_int_equal(mgen_rag_remove(r, "mem:g.csv", &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(mgen_rag_remove(r, "mem:g.csv", &n, &err), 0);
	assert_int_equal(n, 0);
}

static void test_rag_pg__live(void **state)
{
	const char *cs = live_conn();
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag *r = NULL;
	mgen_rag_stats st;

	(void)state;
	if (cs == NULL)
		skip();
	drop_schema(cs);
	assert_int_equal(mgen_rag_connect(cs, live_schema, 0, NULL, &r, &err),
			 MGEN_ENOTFOUND);
	assert_int_equal(mgen_rag_connect(cs, live_schema, 1, NULL, &r, &err),
			 0);
	assert_non_null(strstr(mgen_rag_name(r), "postgresql:"));
	assert_null(strstr(mgen_rag_name(r), "testpw"));
	live_documents(r);
	mgen_rag_close(r);
	r = NULL;
	/* a second handle finds the store as it was left */
	assert_int_equal(mgen_rag_connect(cs, live_schema, 0, NULL, &r, &err),
			 0);
	assert_int_equal(mgen_rag_stats_get(r, &st, &err), 0);
	assert_int_equal(st.documents, 1);
	mgen_rag_close(r);
	drop_schema(cs);
}

/* A schema holding another format and a server that is not PostgreSQL
 * are refused by name. */
static void test_rag_pg__live_refusals(void **state)
{
	const char *cs = live_conn();
	char dir[] = "/tmp/mgen-rag-pgref-XXXXXX", sq[128];
	mgen_err err = MGEN_ERR_INIT;
	mgen_buf sql = MGEN_BUF_INIT;
	mgen_wh *wh = NULL;
	mgen_rag *r = NULL;

	(void)state;
	if (cs == NULL)
		skip();
	drop_schema(cs);
	assert_int_equal(mgen_rag_connect(cs, live_schema, 1, NULL, &r, &err),
			 0);
	mgen_rag_close(r);
	r = NULL;
	assert_int_equal(mgen_wh_connect(cs, MGEN_DIALECT_AUTO, &wh, &err), 0);
	mgen_buf_puts(&sql, "UPDATE ");
	mgen_dialect_quote_ident(MGEN_DIALECT_POSTGRESQL, live_schema, &sql);
	mgen_buf_puts(&sql, ".rag_meta SET value = 'metagen-rag-pg-99' WHERE "
			    "key = 'format'");
	assert_int_equal(mgen_wh_exec(wh, mgen_buf_str(&sql)), 0);
	mgen_buf_release(&sql);
	mgen_wh_close(wh);
	assert_int_equal(mgen_rag_connect(cs, live_schema, 1, NULL, &r, &err),
			 MGEN_EDB);
	assert_non_null(strstr(err.msg, "metagen-rag-pg-99"));
	drop_schema(cs);
	/* an SQLite database through ODBC is no PostgreSQL store */
	assert_non_null(mkdtemp(dir));
	snprintf(sq, sizeof(sq), "%s/x.sqlite", dir);
	assert_int_equal(mgen_rag_open(sq, 1, NULL, &r, &err), 0);
	mgen_rag_close(r);
	r = NULL;
	snprintf(sq, sizeof(sq), "Driver=SQLite3;Database=%s/x.sqlite", dir);
	mgen_err_clear(&err);
	assert_int_equal(mgen_rag_connect(sq, "s", 1, NULL, &r, &err),
			 MGEN_ECONFIG);
	if (strstr(err.msg, "must name a PostgreSQL server") == NULL)
		fail_msg("%s", err.msg);
	snprintf(sq, sizeof(sq), "%s/x.sqlite", dir);
	unlink(sq);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rag_pg__sql_golden),
	    cmocka_unit_test(test_rag_pg__pgvector_sql_golden),
	    cmocka_unit_test(test_rag_pg__search_sql),
	    cmocka_unit_test(test_rag_pg__vector_text),
	    cmocka_unit_test(test_rag_pg__query_words),
	    cmocka_unit_test(test_rag_pg__interface),
	    cmocka_unit_test(test_rag_pg__live),
	    cmocka_unit_test(test_rag_pg__live_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
