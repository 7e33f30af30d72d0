/*
 * rag_bm25_post.c - postings of the impact index (rag_bm25_post.h):
 * the map of a transaction's postings, the block codec (LEB128 varints)
 * and the merge into / removal from bm25_blocks, which rewrites only the
 * blocks the change touches (new chunk ids are larger than every stored
 * one, so adding appends to a term's last block).
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "rag/rag_bm25.h"
#include "rag/rag_bm25_post.h"
#include "rag/rag_store.h"

static unsigned hash_of(const char *s, int n)
{
	unsigned h = 2166136261u; /* FNV-1a */
	int i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* Grows the array *v of *cap elements of `size` bytes to twice (or
 * `first`). MGEN_ENOMEM, leaving it as it was. */
static int grow(void *v, size_t *cap, size_t size, size_t first)
{
	size_t n = *cap ? *cap * 2 : first;
	void *p = realloc(*(void **)v, n * size);

	if (p == NULL)
		return MGEN_ENOMEM;
	*(void **)v = p;
	*cap = n;
	return 0;
}

static int grow_slots(mgen__bm25_map *m)
{
	size_t ns = m->nslots ? m->nslots * 2 : 1024, i, j;
	size_t *s = calloc(ns, sizeof(*s));

	if (s == NULL)
		return MGEN_ENOMEM;
	for (i = 0; i < m->nlists; i++) {
		j = m->lists[i].hash & (ns - 1);
		while (s[j])
			j = (j + 1) & (ns - 1);
		s[j] = i + 1;
	}
	free(m->slots);
	m->slots = s;
	m->nslots = ns;
	return 0;
}

/* The list of tok[0..n), created when new; NULL on out of memory. */
static mgen__bm25_list *list_of(mgen__bm25_map *m, const char *tok, int n)
{
	unsigned h = hash_of(tok, n);
	mgen__bm25_list *l;
	size_t j;

	if ((m->nlists + 1) * 2 > m->nslots && grow_slots(m) != 0)
		return NULL;
	for (j = h & (m->nslots - 1); m->slots[j];
	     j = (j + 1) & (m->nslots - 1)) {
		l = &m->lists[m->slots[j] - 1];
		if (l->hash == h && l->n == n &&
		    memcmp(l->tok, tok, (size_t)n) == 0)
			return l;
	}
	if (m->nlists == m->lcap &&
	    grow(&m->lists, &m->lcap, sizeof(*m->lists), 256) != 0)
		return NULL;
	l = &m->lists[m->nlists];
	memset(l, 0, sizeof(*l));
	if ((l->tok = malloc((size_t)n + 1)) == NULL)
		return NULL;
	memcpy(l->tok, tok, (size_t)n);
	l->tok[n] = '\0';
	l->n = n;
	l->hash = h;
	m->slots[j] = ++m->nlists;
	return l;
}

int mgen__bm25_map_add(mgen__bm25_map *m, const char *tok, int n, long long id,
		       int w)
{
	mgen__bm25_list *l = list_of(m, tok, n);

	if (l == NULL)
		return MGEN_ENOMEM;
	if (l->len > 0 && l->v[l->len - 1].id == id) {
		l->v[l->len - 1].f += w;
		return 0;
	}
	if ((l->len == l->cap && grow(&l->v, &l->cap, sizeof(*l->v), 4)) ||
	    (m->ntouched == m->tcap &&
	     grow(&m->touched, &m->tcap, sizeof(*m->touched), 256)))
		return MGEN_ENOMEM;
	m->touched[m->ntouched++] = (size_t)(l - m->lists);
	l->v[l->len].id = id;
	l->v[l->len].f = w;
	l->v[l->len++].d = 0;
	m->postings++;
	return 0;
}

void mgen__bm25_map_end_row(mgen__bm25_map *m, int d)
{
	size_t i;

	for (i = 0; i < m->ntouched; i++) {
		mgen__bm25_list *l = &m->lists[m->touched[i]];
		l->v[l->len - 1].d = d;
	}
	m->ntouched = 0;
}

void mgen__bm25_map_release(mgen__bm25_map *m)
{
	size_t i;

	for (i = 0; i < m->nlists; i++) {
		free(m->lists[i].tok);
		free(m->lists[i].v);
	}
	free(m->lists);
	free(m->slots);
	free(m->touched);
	memset(m, 0, sizeof(*m));
}

static size_t put_varint(unsigned char *out, unsigned long long v)
{
	size_t n = 0;

	while (v >= 0x80) {
		out[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (unsigned char)v;
	return n;
}

static int get_varint(const unsigned char **p, const unsigned char *end,
		      unsigned long long *v)
{
	unsigned shift = 0;

	*v = 0;
	while (*p < end && shift < 64) {
		unsigned char c = *(*p)++;
		*v |= (unsigned long long)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
		shift += 7;
	}
	return -1;
}

size_t mgen__bm25_encode(const mgen__bm25_post *p, size_t n, unsigned char *out)
{
	size_t i, k = 0;
	long long prev = 0;

	for (i = 0; i < n; i++) {
		k += put_varint(out + k, (unsigned long long)(p[i].id - prev));
		k += put_varint(out + k, (unsigned long long)p[i].f);
		k += put_varint(out + k, (unsigned long long)p[i].d);
		prev = p[i].id;
	}
	return k;
}

int mgen__bm25_decode(const unsigned char *d, size_t len, size_t n,
		      mgen__bm25_post *out)
{
	const unsigned char *p = d, *end = d + len;
	unsigned long long x, f, dl;
	long long prev = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (get_varint(&p, end, &x) || get_varint(&p, end, &f) ||
		    get_varint(&p, end, &dl) || x == 0 ||
		    x > (unsigned long long)0x3fffffffffffffff ||
		    f > 0x7fffffff || dl > 0x7fffffff)
			return -1;
		out[i].id = prev + (long long)x;
		out[i].f = (int)f;
		out[i].d = (int)dl;
		prev = out[i].id;
	}
	return p == end ? 0 : -1;
}

/* A growable posting array. */
typedef struct posts {
	mgen__bm25_post *v;
	size_t n, cap;
} posts;

static int posts_reserve(posts *p, size_t more)
{
	size_t cap;
	mgen__bm25_post *v;

	if (p->n + more <= p->cap)
		return 0;
	cap = p->cap ? p->cap : 256;
	while (cap < p->n + more)
		cap *= 2;
	if ((v = realloc(p->v, cap * sizeof(*v))) == NULL)
		return MGEN_ENOMEM;
	p->v = v;
	p->cap = cap;
	return 0;
}

/* The statements of a merge or removal, prepared once per call. */
typedef struct stmts {
	sqlite3_stmt *sel, *del, *ins, *term, *gone;
	unsigned char *buf; /* encoding buffer of one block */
} stmts;

static void stmts_free(stmts *s)
{
	sqlite3_finalize(s->sel);
	sqlite3_finalize(s->del);
	sqlite3_finalize(s->ins);
	sqlite3_finalize(s->term);
	sqlite3_finalize(s->gone);
	free(s->buf);
}

static int stmts_prepare(mgen_rag *r, stmts *s, const char *sel,
			 const char *del, const char *term, const char *gone,
			 mgen_err *err)
{
	memset(s, 0, sizeof(*s));
	s->buf = malloc(MGEN__BM25_ENCODED_MAX(MGEN__BM25_BLOCK));
	if (s->buf == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (sqlite3_prepare_v2(r->db, sel, -1, &s->sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->db, del, -1, &s->del, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->db,
			       "INSERT INTO bm25_blocks VALUES(?1, ?2, ?3,"
			       " ?4, ?5, ?6)",
			       -1, &s->ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->db, term, -1, &s->term, NULL) != SQLITE_OK ||
	    (gone &&
	     sqlite3_prepare_v2(r->db, gone, -1, &s->gone, NULL) != SQLITE_OK))
		return mgen__rag_db_err(r, err, "cannot prepare");
	return 0;
}

/* Writes p[0..n) as blocks of MGEN__BM25_BLOCK postings of `l`'s term. */
static int write_blocks(mgen_rag *r, stmts *s, const mgen__bm25_list *l,
			const mgen__bm25_post *p, size_t n, mgen_err *err)
{
	size_t i, j;

	for (i = 0; i < n; i += MGEN__BM25_BLOCK) {
		size_t m = n - i < MGEN__BM25_BLOCK ? n - i : MGEN__BM25_BLOCK;
		int maxf = 0, mind = 0x7fffffff;
		for (j = i; j < i + m; j++) {
			maxf = p[j].f > maxf ? p[j].f : maxf;
			mind = p[j].d < mind ? p[j].d : mind;
		}
		sqlite3_reset(s->ins);
		sqlite3_bind_blob(s->ins, 1, l->tok, l->n, SQLITE_STATIC);
		sqlite3_bind_int64(s->ins, 2, p[i + m - 1].id);
		sqlite3_bind_int64(s->ins, 3, (long long)m);
		sqlite3_bind_int(s->ins, 4, maxf);
		sqlite3_bind_int(s->ins, 5, mind);
		sqlite3_bind_blob(s->ins, 6, s->buf,
				  (int)mgen__bm25_encode(p + i, m, s->buf),
				  SQLITE_STATIC);
		if (sqlite3_step(s->ins) != SQLITE_DONE)
			return mgen__rag_db_err(r, err, "cannot write");
	}
	return 0;
}

/* Decodes the current row of `st` (last, n, data) onto `into`. */
static int read_block(mgen_rag *r, sqlite3_stmt *st, posts *into, mgen_err *err)
{
	long long n = sqlite3_column_int64(st, 1);
	const unsigned char *d = sqlite3_column_blob(st, 2);
	int len = sqlite3_column_bytes(st, 2);

	if (n < 1 || n > MGEN__BM25_BLOCK)
		return mgen_err_set(err, MGEN_EDB,
				    "rag index '%s': damaged bm25 block",
				    r->path);
	if (posts_reserve(into, (size_t)n) != 0)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (mgen__bm25_decode(d, (size_t)len, (size_t)n, into->v + into->n) ||
	    into->v[into->n + n - 1].id != sqlite3_column_int64(st, 0))
		return mgen_err_set(err, MGEN_EDB,
				    "rag index '%s': damaged bm25 block",
				    r->path);
	into->n += (size_t)n;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const mgen__bm25_post *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Merges the sorted old and new postings into `out`; *added = new ids
 * that were not there. */
static int merge_sorted(const posts *old, const mgen__bm25_list *l, posts *out,
			long long *added)
{
	size_t i = 0, j = 0;

	*added = 0;
	out->n = 0;
	if (posts_reserve(out, old->n + l->len) != 0)
		return MGEN_ENOMEM;
	while (i < old->n || j < l->len) {
		if (j == l->len || (i < old->n && old->v[i].id < l->v[j].id)) {
			out->v[out->n++] = old->v[i++];
			continue;
		}
		if (i < old->n && old->v[i].id == l->v[j].id)
			i++; /* the row was written again: the new one counts */
		else
			(*added)++;
		out->v[out->n++] = l->v[j++];
	}
	return 0;
}

/* One term of a merge: its last partial block and any block at or after
 * the first new id are read, merged with the new postings, rewritten. */
static int merge_term(mgen_rag *r, stmts *s, mgen__bm25_list *l, posts *old,
		      posts *out, mgen_err *err)
{
	long long from = -1, added = 0;
	int rc = 0, st = SQLITE_DONE, maxf = 0, mind = 0x7fffffff;
	size_t i;

	qsort(l->v, l->len, sizeof(*l->v), by_id);
	old->n = 0;
	sqlite3_reset(s->sel);
	sqlite3_bind_blob(s->sel, 1, l->tok, l->n, SQLITE_STATIC);
	sqlite3_bind_int64(s->sel, 2, l->v[0].id);
	while (rc == 0 && (st = sqlite3_step(s->sel)) == SQLITE_ROW) {
		if (from < 0 && sqlite3_column_int64(s->sel, 0) < l->v[0].id &&
		    sqlite3_column_int64(s->sel, 1) >= MGEN__BM25_BLOCK)
			continue; /* a full block before: kept as it is */
		if (from < 0)
			from = sqlite3_column_int64(s->sel, 0);
		rc = read_block(r, s->sel, old, err);
	}
	if (rc == 0 && st != SQLITE_DONE)
		rc = mgen__rag_db_err(r, err, "cannot read");
	sqlite3_reset(s->sel);
	if (rc == 0 && from >= 0) {
		sqlite3_reset(s->del);
		sqlite3_bind_blob(s->del, 1, l->tok, l->n, SQLITE_STATIC);
		sqlite3_bind_int64(s->del, 2, from);
		if (sqlite3_step(s->del) != SQLITE_DONE)
			rc = mgen__rag_db_err(r, err, "cannot write");
	}
	if (rc == 0 && merge_sorted(old, l, out, &added) != 0)
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (rc == 0)
		rc = write_blocks(r, s, l, out->v, out->n, err);
	for (i = 0; i < l->len; i++) {
		maxf = l->v[i].f > maxf ? l->v[i].f : maxf;
		mind = l->v[i].d < mind ? l->v[i].d : mind;
	}
	if (rc != 0)
		return rc;
	sqlite3_reset(s->term);
	sqlite3_bind_blob(s->term, 1, l->tok, l->n, SQLITE_STATIC);
	sqlite3_bind_int64(s->term, 2, added);
	sqlite3_bind_int(s->term, 3, maxf);
	sqlite3_bind_int(s->term, 4, mind);
	if (sqlite3_step(s->term) != SQLITE_DONE)
		rc = mgen__rag_db_err(r, err, "cannot write");
	return rc;
}

static int by_token(const void *a, const void *b)
{
	const mgen__bm25_list *x = a, *y = b;
	int c = memcmp(x->tok, y->tok, (size_t)(x->n < y->n ? x->n : y->n));
	return c ? c : x->n - y->n;
}

int mgen__bm25_post_merge(mgen_rag *r, mgen__bm25_map *m, mgen_err *err)
{
	stmts s;
	posts old = {0}, out = {0};
	size_t i;
	int rc;

	if (m->nlists == 0)
		return 0;
	rc = stmts_prepare(
	    r, &s,
	    "SELECT last, n, data FROM bm25_blocks WHERE term = ?1 AND last"
	    " >= (SELECT coalesce(max(last), -1) FROM bm25_blocks WHERE"
	    " term = ?1 AND last < ?2) ORDER BY last",
	    "DELETE FROM bm25_blocks WHERE term = ?1 AND last >= ?2",
	    "INSERT INTO bm25_terms VALUES(?1, ?2, ?3, ?4) ON CONFLICT(term)"
	    " DO UPDATE SET df = df + excluded.df, maxf = max(maxf,"
	    " excluded.maxf), mind = min(mind, excluded.mind)",
	    NULL, err);
	/* token order: neighbouring B-tree pages, and the slots are stale */
	if (rc == 0)
		qsort(m->lists, m->nlists, sizeof(*m->lists), by_token);
	for (i = 0; rc == 0 && i < m->nlists; i++)
		if (m->lists[i].len > 0)
			rc = merge_term(r, &s, &m->lists[i], &old, &out, err);
	free(m->slots);
	m->slots = NULL;
	m->nslots = 0;
	stmts_free(&s);
	free(old.v);
	free(out.v);
	return rc;
}

/* Removes l's ids from the block holding the first of them at or after
 * l->v[*i]; *i moves past the ids that block could hold. */
static int remove_block(mgen_rag *r, stmts *s, const mgen__bm25_list *l,
			size_t *i, posts *blk, long long *removed,
			mgen_err *err)
{
	long long last;
	size_t j, k = 0;
	int st, rc = 0;

	sqlite3_reset(s->sel);
	sqlite3_bind_blob(s->sel, 1, l->tok, l->n, SQLITE_STATIC);
	sqlite3_bind_int64(s->sel, 2, l->v[*i].id);
	blk->n = 0;
	st = sqlite3_step(s->sel);
	if (st != SQLITE_ROW) {
		sqlite3_reset(s->sel);
		*i = l->len; /* no block holds these ids */
		return st == SQLITE_DONE
			   ? 0
			   : mgen__rag_db_err(r, err, "cannot read");
	}
	last = sqlite3_column_int64(s->sel, 0);
	rc = read_block(r, s->sel, blk, err);
	sqlite3_reset(s->sel);
	for (j = 0; rc == 0 && j < blk->n; j++) {
		while (*i < l->len && l->v[*i].id < blk->v[j].id)
			(*i)++;
		if (*i < l->len && l->v[*i].id == blk->v[j].id)
			(*removed)++;
		else
			blk->v[k++] = blk->v[j];
	}
	while (*i < l->len && l->v[*i].id <= last)
		(*i)++;
	if (rc != 0 || k == blk->n)
		return rc;
	sqlite3_reset(s->del);
	sqlite3_bind_blob(s->del, 1, l->tok, l->n, SQLITE_STATIC);
	sqlite3_bind_int64(s->del, 2, last);
	if (sqlite3_step(s->del) != SQLITE_DONE)
		return mgen__rag_db_err(r, err, "cannot write");
	return write_blocks(r, s, l, blk->v, k, err);
}

static int remove_term(mgen_rag *r, stmts *s, mgen__bm25_list *l, posts *blk,
		       mgen_err *err)
{
	long long removed = 0;
	size_t i = 0;
	int rc = 0;

	qsort(l->v, l->len, sizeof(*l->v), by_id);
	while (rc == 0 && i < l->len)
		rc = remove_block(r, s, l, &i, blk, &removed, err);
	if (rc != 0 || removed == 0)
		return rc;
	sqlite3_reset(s->term);
	sqlite3_bind_blob(s->term, 1, l->tok, l->n, SQLITE_STATIC);
	sqlite3_bind_int64(s->term, 2, removed);
	sqlite3_reset(s->gone);
	sqlite3_bind_blob(s->gone, 1, l->tok, l->n, SQLITE_STATIC);
	if (sqlite3_step(s->term) != SQLITE_DONE ||
	    sqlite3_step(s->gone) != SQLITE_DONE)
		rc = mgen__rag_db_err(r, err, "cannot write");
	return rc;
}

int mgen__bm25_post_remove(mgen_rag *r, mgen__bm25_map *m, mgen_err *err)
{
	stmts s;
	posts blk = {0};
	size_t i;
	int rc;

	if (m->nlists == 0)
		return 0;
	rc = stmts_prepare(r, &s,
			   "SELECT last, n, data FROM bm25_blocks WHERE term ="
			   " ?1 AND last >= ?2 ORDER BY last LIMIT 1",
			   "DELETE FROM bm25_blocks WHERE term = ?1 AND"
			   " last = ?2",
			   "UPDATE bm25_terms SET df = df - ?2 WHERE term = ?1",
			   "DELETE FROM bm25_terms WHERE term = ?1 AND df <= 0",
			   err);
	for (i = 0; rc == 0 && i < m->nlists; i++)
		if (m->lists[i].len > 0)
			rc = remove_term(r, &s, &m->lists[i], &blk, err);
	stmts_free(&s);
	free(blk.v);
	return rc;
}
