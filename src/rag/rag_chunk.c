/*
 * rag_chunk.c - text made safe (valid UTF-8, no NUL) and cut into token
 * windows; Markdown split on its headings first; plain text.
 */
#include <stdlib.h>
#include <string.h>

#include "metagen/buf.h"
#include "rag/rag_internal.h"
#include "util/util.h"

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static int is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') ||
	       c == 0x7F;
}

char *mgen__rag_sanitize(const char *s, size_t len, size_t *outlen)
{
	mgen_buf b = MGEN_BUF_INIT;
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = 0, k;

	while (i < len) {
		if (u[i] < 0x80 && !is_control(u[i])) {
			i++;
			continue;
		}
		k = u[i] < 0x80 ? 0 : mgen__utf8_seq(u + i, len - i);
		if (k > 0) {
			i += k;
			continue;
		}
		mgen_buf_append(&b, s + start, i - start);
		mgen_buf_puts(&b, u[i] < 0x80 ? " " : "\xEF\xBF\xBD");
		start = ++i;
	}
	mgen_buf_append(&b, s + start, len - start);
	mgen_buf_putc(&b, '\0'); /* an empty text still gets a buffer */
	if (mgen_buf_error(&b)) {
		mgen_buf_release(&b);
		return NULL;
	}
	*outlen = b.len - 1;
	return mgen_buf_detach(&b);
}

int mgen__rag_is_binary(const char *s, size_t len)
{
	size_t i, n = len < 65536 ? len : 65536, bad = 0;

	for (i = 0; i < n; i++)
		if (is_control((unsigned char)s[i]))
			bad++;
	return bad >= 4 && bad * 100 > n;
}

int mgen__rag_count_words(const char *s, size_t len)
{
	size_t i;
	int n = 0, in = 0;

	for (i = 0; i < len; i++) {
		int sp = is_space((unsigned char)s[i]);
		if (!sp && !in)
			n++;
		in = !sp;
	}
	return n;
}

int mgen__rag_push(mgen__rag_chunks *c, const char *title, const char *ref,
		   const char *text, size_t len, int tokens, int glossary)
{
	mgen__rag_chunk *ch;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		mgen__rag_chunk *v = realloc(c->v, cap * sizeof(*v));
		if (v == NULL)
			return MGEN_ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	ch = &c->v[c->n];
	ch->title = mgen__strdup(title ? title : "");
	ch->ref = mgen__strdup(ref ? ref : "");
	ch->text = mgen__strndup(text, len);
	ch->tokens = tokens;
	ch->glossary = glossary;
	if (!ch->title || !ch->ref || !ch->text) {
		free(ch->title);
		free(ch->ref);
		free(ch->text);
		return MGEN_ENOMEM;
	}
	c->n++;
	return 0;
}

/*
 * Word boundaries are found once into an array of word starts/ends; each
 * window is the original text from its first word's start to its last
 * word's end (whitespace inside kept).
 */
int mgen__rag_windows(mgen__rag_chunks *c, const char *title, const char *ref,
		      const char *text, size_t len, int size, int overlap)
{
	size_t *st = NULL, *en = NULL, n = 0, cap = 0, i, first;
	int rc = 0;

	for (i = 0; i < len;) {
		while (i < len && is_space((unsigned char)text[i]))
			i++;
		if (i >= len)
			break;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			size_t *a = realloc(st, nc * sizeof(*a));
			size_t *b = a ? realloc(en, nc * sizeof(*b)) : NULL;
			if (a)
				st = a;
			if (b == NULL) {
				rc = MGEN_ENOMEM;
				goto done;
			}
			en = b;
			cap = nc;
		}
		st[n] = i;
		while (i < len && !is_space((unsigned char)text[i]))
			i++;
		en[n++] = i;
	}
	for (first = 0; first < n && rc == 0;) {
		size_t last =
		    first + (size_t)size < n ? first + (size_t)size : n;
		rc = mgen__rag_push(c, title, ref, text + st[first],
				    en[last - 1] - st[first],
				    (int)(last - first), 0);
		if (last == n)
			break;
		first = last - (size_t)overlap;
	}
done:
	free(st);
	free(en);
	return rc;
}

/* Level of an ATX heading line ("## x"), 0 when not one; *title gets the
 * heading text (trailing #s and blanks trimmed). */
static int heading(const char *l, size_t n, const char **t, size_t *tn)
{
	size_t lv = 0, i;

	while (lv < n && lv < 7 && l[lv] == '#')
		lv++;
	if (lv == 0 || lv > 6 || (lv < n && l[lv] != ' ' && l[lv] != '\t'))
		return 0;
	for (i = lv; i < n && (l[i] == ' ' || l[i] == '\t'); i++)
		;
	while (n > i && (is_space((unsigned char)l[n - 1]) || l[n - 1] == '#'))
		n--;
	*t = l + i;
	*tn = n - i;
	return (int)lv;
}

/* The heading path "A > B > C" of levels 1..lv. */
static int heading_path(mgen_buf *b, char *const *names, int lv,
			const char *name)
{
	int i, any = 0;

	mgen_buf_reset(b);
	for (i = 1; i <= lv; i++) {
		if (names[i] == NULL || names[i][0] == '\0')
			continue;
		mgen_buf_printf(b, "%s%s", any ? " > " : "", names[i]);
		any = 1;
	}
	if (!any)
		mgen_buf_puts(b, name);
	return mgen_buf_error(b) ? MGEN_ENOMEM : 0;
}

/* Chunks the section text[from, to) under the current heading path. */
static int flush_section(mgen__rag_chunks *c, const char *text, size_t from,
			 size_t to, char *const *names, int lv,
			 const char *name, const mgen_rag_options *o)
{
	mgen_buf path = MGEN_BUF_INIT;
	int rc;

	if (mgen__rag_count_words(text + from, to - from) == 0)
		return 0;
	rc = heading_path(&path, names, lv, name);
	if (rc == 0)
		rc = mgen__rag_windows(c, mgen_buf_str(&path), NULL,
				       text + from, to - from, o->chunk_tokens,
				       o->chunk_overlap);
	mgen_buf_release(&path);
	return rc;
}

int mgen__rag_parse_markdown(mgen__rag_chunks *c, const char *text, size_t len,
			     const char *name, const mgen_rag_options *o)
{
	char *names[7] = {NULL};
	size_t pos = 0, sec = 0;
	int lv = 0, fence = 0, rc = 0, i;

	while (pos < len && rc == 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len, tn;
		const char *t;
		int h;

		if (end - pos >= 3 && memcmp(text + pos, "```", 3) == 0)
			fence = !fence;
		h = fence ? 0 : heading(text + pos, end - pos, &t, &tn);
		if (h > 0) {
			rc = flush_section(c, text, sec, pos, names, lv, name,
					   o);
			for (i = h; i <= 6; i++) {
				free(names[i]);
				names[i] = NULL;
			}
			names[h] = mgen__strndup(t, tn);
			if (names[h] == NULL)
				rc = MGEN_ENOMEM;
			lv = h;
			sec = end;
		}
		pos = nl ? end + 1 : len;
	}
	if (rc == 0)
		rc = flush_section(c, text, sec, len, names, lv, name, o);
	for (i = 0; i <= 6; i++)
		free(names[i]);
	return rc;
}

mgen__rag_kind mgen__rag_kind_of(const char *path)
{
	static const struct {
		const char *ext;
		mgen__rag_kind kind;
	} exts[] = {
	    {".md", MGEN__RAG_MARKDOWN}, {".markdown", MGEN__RAG_MARKDOWN},
	    {".csv", MGEN__RAG_CSV},	 {".tsv", MGEN__RAG_TSV},
	    {".jsonl", MGEN__RAG_JSONL}, {".html", MGEN__RAG_HTML},
	    {".htm", MGEN__RAG_HTML}};
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot == NULL || strchr(dot, '/'))
		return MGEN__RAG_TEXT;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (mgen__strcasecmp(dot, exts[i].ext) == 0)
			return exts[i].kind;
	return MGEN__RAG_TEXT;
}

int mgen__rag_parse(mgen__rag_chunks *c, mgen__rag_kind kind, const char *text,
		    size_t len, const char *name, const mgen_rag_options *o)
{
	switch (kind) {
	case MGEN__RAG_MARKDOWN:
		return mgen__rag_parse_markdown(c, text, len, name, o);
	case MGEN__RAG_CSV:
		return mgen__rag_parse_table(c, text, len, ',');
	case MGEN__RAG_TSV:
		return mgen__rag_parse_table(c, text, len, '\t');
	case MGEN__RAG_JSONL:
		return mgen__rag_parse_jsonl(c, text, len, o);
	case MGEN__RAG_HTML:
		return mgen__rag_parse_html(c, text, len, name, o);
	default:
		return mgen__rag_windows(c, name, NULL, text, len,
					 o->chunk_tokens, o->chunk_overlap);
	}
}

void mgen__rag_chunks_release(mgen__rag_chunks *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].title);
		free(c->v[i].ref);
		free(c->v[i].text);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}
