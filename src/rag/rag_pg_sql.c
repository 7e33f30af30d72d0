/*
 * rag_pg_sql.c - the SQL texts of the PostgreSQL store (rag_pg.h). Pure
 * functions: every value is a `?` marker bound at run time; the only
 * text put in is the schema name, quoted by the dialect
 * (mgen_dialect_quote_ident), and numbers of our own (a dimension).
 *
 * Sources: PostgreSQL 15 documentation, "Full Text Search" (12.3.1
 * to_tsvector/setweight, 12.3.2 plainto_tsquery, 12.3.3 ts_rank and its
 * weights {D, C, B, A} and normalisation 1, 12.9 GIN indexes), "Generated
 * Columns" (5.3), "Advisory Locks" (13.3.5); pgvector's README (vector(n),
 * <#> negative inner product, <=> cosine distance, ORDER BY ... LIMIT).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/warehouse.h"
#include "rag/rag_internal.h"
#include "rag/rag_pg.h"

#define TSCFG "'" MGEN__RAG_PG_TSCONFIG "'::regconfig"

/* Columns of a hit, in mgen_rag_hit order after the id and score. */
#define HIT_COLS                                                               \
	"c.title, c.text, c.ref, CASE WHEN c.glossary THEN 1 ELSE 0 END,"      \
	" c.tokens, d.path"

static const char *const sql_text[MGEN__PG_NSTMT] = {
    /* LOCK_SCHEMA */
    "SELECT pg_advisory_xact_lock(hashtext(?))",
    /* CREATE_SCHEMA */
    "CREATE SCHEMA IF NOT EXISTS $S",
    /* CREATE_META */
    "CREATE TABLE IF NOT EXISTS $S.rag_meta(key text PRIMARY KEY,"
    " value text NOT NULL)",
    /* CREATE_DOCUMENTS */
    "CREATE TABLE IF NOT EXISTS $S.documents(id bigserial PRIMARY KEY,"
    " path text NOT NULL UNIQUE, sha256 text NOT NULL, mtime bigint,"
    " kind integer NOT NULL, bytes bigint NOT NULL)",
    /* CREATE_CHUNKS: the tsvector is generated from the row, title
     * weighted A above the text's B */
    "CREATE TABLE IF NOT EXISTS $S.chunks(id bigserial PRIMARY KEY,"
    " doc bigint NOT NULL REFERENCES $S.documents(id) ON DELETE CASCADE,"
    " ref text NOT NULL, title text NOT NULL, text text NOT NULL,"
    " tokens integer NOT NULL, glossary boolean NOT NULL,"
    " tsv tsvector GENERATED ALWAYS AS"
    " (setweight(to_tsvector(" TSCFG ", title), 'A') ||"
    " setweight(to_tsvector(" TSCFG ", text), 'B')) STORED)",
    /* INDEX_DOC */
    "CREATE INDEX IF NOT EXISTS chunks_doc ON $S.chunks(doc)",
    /* INDEX_TSV */
    "CREATE INDEX IF NOT EXISTS chunks_tsv ON $S.chunks USING gin(tsv)",
    /* INDEX_TERM */
    "CREATE INDEX IF NOT EXISTS chunks_term ON $S.chunks(lower(ref))"
    " WHERE glossary",
    /* INIT_FORMAT */
    "INSERT INTO $S.rag_meta(key, value) VALUES('format', ?)"
    " ON CONFLICT (key) DO NOTHING",
    /* INIT_GENERATION */
    "INSERT INTO $S.rag_meta(key, value) VALUES('generation', '0')"
    " ON CONFLICT (key) DO NOTHING",
    /* META_GET */
    "SELECT value FROM $S.rag_meta WHERE key = ?",
    /* META_PUT */
    "INSERT INTO $S.rag_meta(key, value) VALUES(?, ?)"
    " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
    /* BUMP_GENERATION: every write; readers of vectors held in memory
     * load them again when it moved */
    "UPDATE $S.rag_meta SET value = CAST(CAST(value AS bigint) + 1 AS text)"
    " WHERE key = 'generation'",
    /* HAS_STORE: the name is a bound value */
    "SELECT CASE WHEN to_regclass(?) IS NULL THEN 0 ELSE 1 END",
    /* LOCK_DOC */
    "SELECT pg_advisory_xact_lock(hashtext(?), hashtext(?))",
    /* FIND_DOC */
    "SELECT id, sha256 FROM $S.documents WHERE path = ?",
    /* INSERT_DOC */
    "INSERT INTO $S.documents(path, sha256, mtime, kind, bytes)"
    " VALUES(?, ?, CAST(? AS bigint), CAST(? AS integer),"
    " CAST(? AS bigint)) RETURNING id",
    /* INSERT_CHUNK */
    "INSERT INTO $S.chunks(doc, ref, title, text, tokens, glossary)"
    " VALUES(CAST(? AS bigint), ?, ?, ?, CAST(? AS integer),"
    " CAST(? AS boolean))",
    /* DROP_DOC: chunks and vectors go with it (ON DELETE CASCADE) */
    "DELETE FROM $S.documents WHERE id = CAST(? AS bigint)",
    /* LIST_DOCS */
    "SELECT id, path FROM $S.documents ORDER BY id",
    /* STATS */
    "SELECT (SELECT count(*) FROM $S.documents), count(*),"
    " coalesce(sum(tokens), 0), count(*) FILTER (WHERE glossary)"
    " FROM $S.chunks",
    /* SIZE: tables, indexes and TOAST of the schema */
    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)"
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = ? AND c.relkind IN ('r', 'p')",
    /* GLOSSARY */
    "SELECT c.id, 0, " HIT_COLS " FROM $S.chunks c"
    " JOIN $S.documents d ON d.id = c.doc WHERE c.glossary"
    " AND lower(c.ref) = lower(?) ORDER BY c.id LIMIT CAST(? AS bigint)",
    /* FETCH: the chunks of a list of ids ("{1,2,3}"), any order */
    "SELECT c.id, 0, " HIT_COLS " FROM $S.chunks c"
    " JOIN $S.documents d ON d.id = c.doc"
    " WHERE c.id = ANY(CAST(? AS bigint[]))",
    /* HAS_PGVECTOR */
    "SELECT count(*) FROM pg_extension WHERE extname = 'vector'",
    /* PGVECTOR_AVAILABLE */
    "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'",
    /* CREATE_PGVECTOR */
    "CREATE EXTENSION IF NOT EXISTS vector",
    /* COUNT_VECTORS */
    "SELECT count(*) FROM $S.chunk_vectors",
    /* PENDING */
    "SELECT c.id, c.title, c.text FROM $S.chunks c WHERE NOT EXISTS"
    " (SELECT 1 FROM $S.chunk_vectors v WHERE v.id = c.id)"
    " ORDER BY c.id LIMIT CAST(? AS bigint)",
    /* PENDING_ALL */
    "SELECT c.id, c.title, c.text FROM $S.chunks c ORDER BY c.id"
    " LIMIT CAST(? AS bigint)",
    /* INSERT_REAL: nothing when the chunk went meanwhile */
    "INSERT INTO $S.chunk_vectors(id, v) SELECT c.id, CAST(? AS real[])"
    " FROM $S.chunks c WHERE c.id = CAST(? AS bigint)"
    " ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v",
    /* INSERT_PGVECTOR */
    "INSERT INTO $S.chunk_vectors(id, v) SELECT c.id, CAST(? AS vector)"
    " FROM $S.chunks c WHERE c.id = CAST(? AS bigint)"
    " ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v",
    /* LOAD_VECTORS */
    "SELECT id, v FROM $S.chunk_vectors ORDER BY id",
    /* DENSE_PGVECTOR: vectors are normalised, so the inner product is
     * the cosine; <#> is its negative (ascending = best first) */
    "SELECT id, -(v <#> CAST(? AS vector)) FROM $S.chunk_vectors"
    " ORDER BY v <#> CAST(? AS vector), id LIMIT CAST(? AS bigint)",
};

/* Appends `text` with each "$S" replaced by the quoted schema. */
static int expand(const char *text, const char *schema, mgen_buf *out)
{
	const char *p;

	while ((p = strstr(text, "$S")) != NULL) {
		mgen_buf_append(out, text, (size_t)(p - text));
		if (mgen_dialect_quote_ident(MGEN_DIALECT_POSTGRESQL, schema,
					     out) != 0)
			return MGEN_ENOMEM;
		text = p + 2;
	}
	mgen_buf_puts(out, text);
	return mgen_buf_error(out) ? MGEN_ENOMEM : 0;
}

int mgen__rag_pg_sql(mgen__rag_pg_stmt which, const char *schema, mgen_buf *out)
{
	if ((int)which < 0 || which >= MGEN__PG_NSTMT)
		return MGEN_EINVAL;
	return expand(sql_text[which], schema, out);
}

int mgen__rag_pg_vector_table_sql(const char *schema, int pgvector, int dim,
				  mgen_buf *out)
{
	char type[32];

	if (pgvector)
		snprintf(type, sizeof(type), "vector(%d)", dim);
	else
		snprintf(type, sizeof(type), "real[]");
	if (expand("CREATE TABLE IF NOT EXISTS $S.chunk_vectors(id bigint"
		   " PRIMARY KEY REFERENCES $S.chunks(id) ON DELETE CASCADE,"
		   " v ",
		   schema, out) != 0)
		return MGEN_ENOMEM;
	mgen_buf_printf(out, "%s NOT NULL)", type);
	return mgen_buf_error(out) ? MGEN_ENOMEM : 0;
}

int mgen__rag_pg_search_sql(const char *schema, size_t nwords, mgen_buf *out)
{
	size_t i;

	if (nwords < 1 || nwords > MGEN__RAG_QUERY_WORDS)
		return MGEN_EINVAL;
	mgen_buf_puts(out, "WITH v(i, q) AS (VALUES ");
	for (i = 0; i < nwords; i++)
		mgen_buf_printf(out, "%s(%zu, plainto_tsquery(" TSCFG ", ?))",
				i ? ", " : "", i + 1);
	if (mgen_buf_error(out) ||
	    expand("), m AS (SELECT c.id, ts_rank('{0.1, 0.2, 0.5, 1.0}',"
		   " c.tsv, v.q, 1) AS r, count(*) OVER (PARTITION BY v.i)"
		   " AS df FROM v JOIN $S.chunks c ON c.tsv @@ v.q"
		   " WHERE numnode(v.q) > 0), s AS (SELECT m.id,"
		   " sum(CAST(ln(1 + (n.n - m.df + 0.5) / (m.df + 0.5)) AS"
		   " float8) * m.r) AS s FROM m CROSS JOIN (SELECT count(*)"
		   " AS n FROM $S.chunks) n GROUP BY m.id)"
		   " SELECT c.id, s.s, " HIT_COLS " FROM s"
		   " JOIN $S.chunks c ON c.id = s.id"
		   " JOIN $S.documents d ON d.id = c.doc"
		   " ORDER BY s.s DESC, c.id LIMIT CAST(? AS bigint)",
		   schema, out) != 0)
		return MGEN_ENOMEM;
	return 0;
}

int mgen__rag_pg_vector_text(const float *v, int dim, int pgvector,
			     mgen_buf *out)
{
	int i;

	mgen_buf_putc(out, pgvector ? '[' : '{');
	for (i = 0; i < dim; i++)
		mgen_buf_printf(out, "%s%.9g", i ? "," : "", (double)v[i]);
	mgen_buf_putc(out, pgvector ? ']' : '}');
	return mgen_buf_error(out) ? MGEN_ENOMEM : 0;
}

int mgen__rag_pg_parse_vector(const char *s, int dim, float *v)
{
	const char *p = s;
	char *end;
	int i;

	if (s == NULL || (*p != '{' && *p != '['))
		return MGEN_EPARSE;
	p++;
	for (i = 0; i < dim; i++) {
		float f = strtof(p, &end);
		if (end == p)
			return MGEN_EPARSE;
		v[i] = f;
		p = end;
		if (*p == ',' && i + 1 < dim)
			p++;
		else if (i + 1 < dim)
			return MGEN_EPARSE;
	}
	return (*p == '}' || *p == ']') && p[1] == '\0' ? 0 : MGEN_EPARSE;
}
