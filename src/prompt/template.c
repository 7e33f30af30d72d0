/*
 * template.c - the prompt template engine: a small Mustache subset
 * ({{name}}, {{#name}}..{{/name}}, {{^name}}..{{/name}}, {{! comment }})
 * compiled once into a flat node list and rendered many times without
 * mutation, so one compiled template may be rendered from many threads.
 *
 * Standalone rule (Mustache spec, "Standalone Lines"): a section, inverted
 * section, close or comment tag alone on its line (only spaces or tabs
 * around it) removes the whole line, newline included, so section tags on
 * their own lines leave no blank lines behind.
 */
#include <stdlib.h>
#include <string.h>

#include "metagen/prompt.h"
#include "util/util.h"

#define TPL_MAX_DEPTH 32

enum tpl_kind { TPL_TEXT, TPL_VAR, TPL_SECTION, TPL_INVERTED };

/* One node. TEXT: bytes [off, off+len) of the template's text copy. VAR and
 * sections: `name` points into that copy (NUL-terminated in place, inside
 * a tag that is never rendered). Sections: body is nodes (i, end). */
struct tpl_node {
	enum tpl_kind kind;
	size_t off, len;
	const char *name;
	size_t line;
	size_t end;
};

struct mgen_template {
	char *name;
	char *text;
	struct tpl_node *nodes;
	size_t n, cap;
};

/* The compiler's state while it walks the text. */
struct tpl_parser {
	mgen_template *t;
	size_t pos;  /* scan position */
	size_t line; /* line number at `lpos` */
	size_t lpos; /* newlines before lpos are counted in `line` */
	size_t stack[TPL_MAX_DEPTH]; /* open section node indexes */
	size_t depth;
	mgen_err *err;
};

void mgen_template_free(mgen_template *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->text);
	free(t->nodes);
	free(t);
}

/* 1-based line number of byte `pos` (pos only moves forward). */
static size_t tpl_line_at(struct tpl_parser *p, size_t pos)
{
	const char *s = p->t->text;

	for (; p->lpos < pos; p->lpos++)
		if (s[p->lpos] == '\n')
			p->line++;
	return p->line;
}

static int tpl_push(struct tpl_parser *p, enum tpl_kind kind, size_t off,
		    size_t len, const char *name, size_t line)
{
	mgen_template *t = p->t;
	struct tpl_node *nd;

	if (kind == TPL_TEXT && len == 0)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct tpl_node *q = realloc(t->nodes, cap * sizeof(*q));
		if (q == NULL)
			return mgen_err_set(p->err, MGEN_ENOMEM,
					    "out of memory compiling %s",
					    t->name);
		t->nodes = q;
		t->cap = cap;
	}
	nd = &t->nodes[t->n++];
	nd->kind = kind;
	nd->off = off;
	nd->len = len;
	nd->name = name;
	nd->line = line;
	nd->end = t->n;
	return 0;
}

static int tpl_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * For a tag spanning [open, close) that may stand alone: when only blanks
 * precede it on its line (back to `ts`, the end of the previous tag) and
 * only blanks and a newline (or the end) follow, sets *lstart to the line's
 * start and *after to just past the newline, and returns 1.
 */
static int tpl_standalone(const char *s, size_t ts, size_t open, size_t close,
			  size_t *lstart, size_t *after)
{
	size_t b = open, e = close;

	while (b > ts && tpl_is_blank(s[b - 1]))
		b--;
	if (b > 0 && s[b - 1] != '\n')
		return 0;
	while (tpl_is_blank(s[e]))
		e++;
	if (s[e] == '\r' && s[e + 1] == '\n')
		e += 2;
	else if (s[e] == '\n')
		e++;
	else if (s[e] != '\0')
		return 0;
	*lstart = b;
	*after = e;
	return 1;
}

/* Handles a {{/name}}: checks it closes the innermost open section. */
static int tpl_close(struct tpl_parser *p, const char *name, size_t line)
{
	mgen_template *t = p->t;
	struct tpl_node *open;

	if (p->depth == 0)
		return mgen_err_set(p->err, MGEN_ETEMPLATE,
				    "%s:%zu: unexpected close '%s'", t->name,
				    line, name);
	open = &t->nodes[p->stack[p->depth - 1]];
	if (strcmp(open->name, name) != 0)
		return mgen_err_set(p->err, MGEN_ETEMPLATE,
				    "%s:%zu: mismatched close '%s' (open '%s')",
				    t->name, line, name, open->name);
	open->end = t->n;
	p->depth--;
	return 0;
}

/* Adds the node of one tag whose trimmed content is `name` (NUL-terminated
 * in place) with sigil `sigil` ('#', '^', '/', '!' or 0). */
static int tpl_tag(struct tpl_parser *p, char sigil, const char *name,
		   size_t line)
{
	mgen_template *t = p->t;
	int rc;

	if (sigil == '!')
		return 0;
	if (name[0] == '\0')
		return mgen_err_set(p->err, MGEN_ETEMPLATE, "%s:%zu: empty tag",
				    t->name, line);
	if (sigil == '/')
		return tpl_close(p, name, line);
	if (sigil == 0)
		return tpl_push(p, TPL_VAR, 0, 0, name, line);
	if (p->depth == TPL_MAX_DEPTH)
		return mgen_err_set(p->err, MGEN_ETEMPLATE,
				    "%s:%zu: sections nested deeper than %d",
				    t->name, line, TPL_MAX_DEPTH);
	rc = tpl_push(p, sigil == '#' ? TPL_SECTION : TPL_INVERTED, 0, 0, name,
		      line);
	if (rc == 0)
		p->stack[p->depth++] = t->n - 1;
	return rc;
}

/* Trims the tag content [b, e) of the text copy, NUL-terminates it in
 * place and returns its start. */
static const char *tpl_trim(char *s, size_t b, size_t e)
{
	while (b < e && (tpl_is_blank(s[b]) || s[b] == '\n' || s[b] == '\r'))
		b++;
	while (e > b &&
	       (tpl_is_blank(s[e - 1]) || s[e - 1] == '\n' || s[e - 1] == '\r'))
		e--;
	s[e] = '\0';
	return s + b;
}

/* Walks the text: text runs and tags, up to the end. */
static int tpl_parse(struct tpl_parser *p)
{
	char *s = p->t->text;
	size_t ts = 0;
	int rc;

	for (;;) {
		char *o = strstr(s + p->pos, "{{");
		size_t open, close, inner, lstart, after, line;
		char *c, sigil = 0;

		if (o == NULL)
			break;
		open = (size_t)(o - s);
		line = tpl_line_at(p, open);
		c = strstr(o + 2, "}}");
		if (c == NULL)
			return mgen_err_set(p->err, MGEN_ETEMPLATE,
					    "%s:%zu: unterminated tag",
					    p->t->name, line);
		close = (size_t)(c - s) + 2;
		/* count the tag's own newlines before trimming writes a NUL */
		tpl_line_at(p, close);
		inner = open + 2;
		if (strchr("#^/!", s[inner]) != NULL && s[inner] != '\0')
			sigil = s[inner++];
		if (sigil != 0 &&
		    tpl_standalone(s, ts, open, close, &lstart, &after)) {
			rc = tpl_push(p, TPL_TEXT, ts, lstart - ts, NULL, 0);
			ts = after;
		} else {
			rc = tpl_push(p, TPL_TEXT, ts, open - ts, NULL, 0);
			ts = close;
		}
		if (rc == 0)
			rc = tpl_tag(p, sigil, tpl_trim(s, inner, close - 2),
				     line);
		if (rc != 0)
			return rc;
		p->pos = ts > close ? ts : close;
	}
	if (p->depth > 0) {
		const struct tpl_node *nd =
		    &p->t->nodes[p->stack[p->depth - 1]];
		return mgen_err_set(p->err, MGEN_ETEMPLATE,
				    "%s:%zu: unclosed section '%s'", p->t->name,
				    nd->line, nd->name);
	}
	return tpl_push(p, TPL_TEXT, ts, strlen(s + ts), NULL, 0);
}

int mgen_template_compile(const char *name, const char *text,
			  mgen_template **out, mgen_err *err)
{
	struct tpl_parser p;
	mgen_template *t;
	int rc;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	t->name = mgen__strdup(name ? name : "template");
	t->text = mgen__strdup(text ? text : "");
	if (t->name == NULL || t->text == NULL) {
		mgen_template_free(t);
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	memset(&p, 0, sizeof(p));
	p.t = t;
	p.line = 1;
	p.err = err;
	rc = tpl_parse(&p);
	if (rc != 0) {
		mgen_template_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

/* Finds `name` in `vars` (ASCII case-insensitive, like mgen_kvlist_get).
 * Returns 1 and sets *value ("" for a NULL value) when present. */
static int tpl_lookup(const mgen_kvlist *vars, const char *name,
		      const char **value)
{
	size_t i;

	for (i = 0; vars != NULL && i < vars->n; i++) {
		if (mgen__strcasecmp(vars->items[i].key, name) == 0) {
			*value =
			    vars->items[i].value ? vars->items[i].value : "";
			return 1;
		}
	}
	return 0;
}

int mgen_template_render(const mgen_template *t, const mgen_kvlist *vars,
			 mgen_buf *out, mgen_err *err)
{
	size_t i = 0;

	while (i < t->n) {
		const struct tpl_node *nd = &t->nodes[i];
		const char *v = NULL;
		int keep;

		if (nd->kind == TPL_TEXT) {
			mgen_buf_append(out, t->text + nd->off, nd->len);
			i++;
			continue;
		}
		if (!tpl_lookup(vars, nd->name, &v))
			return mgen_err_set(err, MGEN_ETEMPLATE,
					    "%s:%zu: unknown variable '%s'",
					    t->name, nd->line, nd->name);
		if (nd->kind == TPL_VAR) {
			mgen_buf_puts(out, v);
			i++;
			continue;
		}
		keep = (v[0] != '\0') == (nd->kind == TPL_SECTION);
		i = keep ? i + 1 : nd->end;
	}
	if (mgen_buf_error(out) != 0)
		return mgen_err_set(err, mgen_buf_error(out),
				    "rendering %s: %s", t->name,
				    mgen_strerror(mgen_buf_error(out)));
	return 0;
}
