/*
 * rag_parse.c - the structured kinds: CSV/TSV glossaries (one chunk per
 * row), BEIR corpus JSONL and HTML (libxml2's HTML parser; the one place
 * libxml2 enters the project).
 */
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "metagen/buf.h"
#include "rag/rag_internal.h"
#include "util/json.h"
#include "util/util.h"

/* Reads one CSV (RFC 4180) or TSV row from text[*pos..] into cells
 * (each cell NUL-terminated in `row`, cells joined by '\0'); returns the
 * number of cells, 0 at the end, -1 on out of memory. */
static int read_row(const char *text, size_t len, size_t *pos, char sep,
		    mgen_buf *row)
{
	size_t i = *pos;
	int cells = 1, quoted = 0;

	mgen_buf_reset(row);
	if (i >= len)
		return 0;
	if (sep == ',' && text[i] == '"')
		quoted = 1, i++;
	for (; i < len; i++) {
		char ch = text[i];
		if (quoted) {
			if (ch == '"' && i + 1 < len && text[i + 1] == '"')
				mgen_buf_putc(row, '"'), i++;
			else if (ch == '"')
				quoted = 0;
			else
				mgen_buf_putc(row, ch);
			continue;
		}
		if (ch == '\n')
			break;
		if (ch == '\r' && (i + 1 >= len || text[i + 1] == '\n'))
			continue;
		if (ch == sep) {
			mgen_buf_putc(row, '\0');
			cells++;
			if (sep == ',' && i + 1 < len && text[i + 1] == '"')
				quoted = 1, i++;
		} else {
			mgen_buf_putc(row, ch);
		}
	}
	*pos = i < len ? i + 1 : len;
	mgen_buf_putc(row, '\0');
	return mgen_buf_error(row) ? -1 : cells;
}

/* Trims blanks of `s` in place; returns s. */
static char *trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* One glossary row: cells[0] is the term, the rest the definition. */
static int glossary_row(mgen__rag_chunks *c, char *cells, int ncells)
{
	mgen_buf t = MGEN_BUF_INIT;
	char *term = trim(cells), *p = cells + strlen(cells) + 1;
	int i, rc, any = 0;

	mgen_buf_printf(&t, "%s:", term);
	for (i = 1; i < ncells; i++) {
		char *cell = trim(p);
		if (cell[0]) {
			mgen_buf_printf(&t, " %s", cell);
			any = 1;
		}
		p += strlen(p) + 1;
	}
	if (term[0] == '\0' || !any) {
		mgen_buf_release(&t);
		c->skipped++;
		return 0;
	}
	rc = mgen_buf_error(&t)
		 ? MGEN_ENOMEM
		 : mgen__rag_push(
		       c, term, term, mgen_buf_str(&t), t.len,
		       mgen__rag_count_words(mgen_buf_str(&t), t.len), 1);
	mgen_buf_release(&t);
	return rc;
}

int mgen__rag_parse_table(mgen__rag_chunks *c, const char *text, size_t len,
			  char sep)
{
	mgen_buf row = MGEN_BUF_INIT;
	size_t pos = 0;
	int n, first = 1, rc = 0;

	while (rc == 0 && (n = read_row(text, len, &pos, sep, &row)) != 0) {
		char *cells = row.data;
		if (n < 0) {
			rc = MGEN_ENOMEM;
			break;
		}
		if (n == 1 && trim(cells)[0] == '\0')
			continue; /* blank line */
		if (first && n >= 2 &&
		    mgen__strcasecmp(trim(cells), "term") == 0)
			; /* the header row */
		else if (n < 2)
			c->skipped++;
		else
			rc = glossary_row(c, cells, n);
		first = 0;
	}
	mgen_buf_release(&row);
	return rc;
}

/* One BEIR corpus line. */
static int jsonl_line(mgen__rag_chunks *c, const char *line, size_t n,
		      const mgen_rag_options *o)
{
	cJSON *j = cJSON_ParseWithLength(line, n);
	const char *id = mgen__json_str(j, "_id");
	const char *title = mgen__json_str(j, "title");
	const char *body = mgen__json_str(j, "text");
	mgen_buf t = MGEN_BUF_INIT;
	int rc = 0;

	if (!cJSON_IsObject(j) || id == NULL || body == NULL) {
		c->skipped++;
		goto done;
	}
	if (mgen__rag_count_words(body, strlen(body)) == 0) {
		/* a title-only record is still findable by its title */
		rc = mgen__rag_push(c, title, id, "", 0, 0, 0);
		goto done;
	}
	rc = mgen__rag_windows(c, title, id, body, strlen(body),
			       o->chunk_tokens, o->chunk_overlap);
done:
	mgen_buf_release(&t);
	cJSON_Delete(j);
	return rc;
}

int mgen__rag_parse_jsonl(mgen__rag_chunks *c, const char *text, size_t len,
			  const mgen_rag_options *o)
{
	size_t pos = 0;
	int rc = 0;

	while (pos < len && rc == 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		if (mgen__rag_count_words(text + pos, end - pos) > 0)
			rc = jsonl_line(c, text + pos, end - pos, o);
		pos = end + 1;
	}
	return rc;
}

static int is_block(const char *name)
{
	static const char *const blocks[] = {
	    "p",  "div", "br", "li", "tr", "td", "th",	"h1",	   "h2",
	    "h3", "h4",	 "h5", "h6", "dt", "dd", "pre", "section", "table"};
	size_t i;

	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
		if (mgen__strcasecmp(name, blocks[i]) == 0)
			return 1;
	return 0;
}

/* Text of the tree under `n` into `b`, blocks on lines of their own;
 * `depth` bounds the recursion on hostile nesting. */
static void html_text(xmlNode *n, mgen_buf *b, mgen_buf *title, int depth)
{
	for (; n && depth < 256; n = n->next) {
		const char *name = (const char *)n->name;
		if (n->type == XML_TEXT_NODE ||
		    n->type == XML_CDATA_SECTION_NODE) {
			mgen_buf_puts(b, (const char *)n->content);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (mgen__strcasecmp(name, "script") == 0 ||
		    mgen__strcasecmp(name, "style") == 0)
			continue;
		if (mgen__strcasecmp(name, "title") == 0 && title->len == 0) {
			html_text(n->children, title, title, depth + 1);
			continue;
		}
		html_text(n->children, b, title, depth + 1);
		if (is_block(name))
			mgen_buf_putc(b, '\n');
	}
}

int mgen__rag_parse_html(mgen__rag_chunks *c, const char *text, size_t len,
			 const char *name, const mgen_rag_options *o)
{
	mgen_buf b = MGEN_BUF_INIT, title = MGEN_BUF_INIT;
	htmlDocPtr doc;
	int rc = 0;

	if (len > (size_t)INT32_MAX)
		return MGEN_ELIMIT;
	doc = htmlReadMemory(text, (int)len, NULL, "UTF-8",
			     HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
				 HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	if (doc == NULL) {
		c->skipped++;
		return 0;
	}
	html_text(xmlDocGetRootElement(doc), &b, &title, 0);
	if (mgen_buf_error(&b) || mgen_buf_error(&title))
		rc = MGEN_ENOMEM;
	else
		rc = mgen__rag_windows(
		    c,
		    mgen__rag_count_words(title.data ? title.data : "",
					  title.len)
			? mgen_buf_str(&title)
			: name,
		    NULL, mgen_buf_str(&b), b.len, o->chunk_tokens,
		    o->chunk_overlap);
	xmlFreeDoc(doc);
	mgen_buf_release(&b);
	mgen_buf_release(&title);
	return rc;
}
