/*
 * jsontree.c - literal-preserving JSON reader and orjson-layout writer
 * (see jsontree.h for the why and the exact layout).
 */
#include "dspy/jsontree.h"

#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "util/json.h"
#include "util/util.h"

typedef struct parser {
	const char *start;
	const char *p;
	const char *end;
	const char *source;
	mgen_err *err;
	int depth;
} parser;

static int fail(parser *ps, const char *at, const char *what)
{
	size_t line = 1, col = 1;
	const char *q;

	for (q = ps->start; q < at && q < ps->end; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return mgen_err_set(ps->err, MGEN_EPARSE, "%s:%zu:%zu: %s",
			    ps->source ? ps->source : "<json>", line, col,
			    what);
}

static int oom(parser *ps)
{
	return mgen_err_set(ps->err, MGEN_ENOMEM, "out of memory");
}

static void skip_ws(parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

mgen__jt *mgen__jt_new(mgen__jt_type type, const char *text)
{
	mgen__jt *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->type = type;
	if (text) {
		j->text = mgen__strdup(text);
		if (!j->text) {
			free(j);
			return NULL;
		}
	}
	return j;
}

void mgen__jt_free(mgen__jt *j)
{
	size_t i;

	if (!j)
		return;
	for (i = 0; i < j->n; i++)
		mgen__jt_free(j->kids[i]);
	free(j->kids);
	free(j->text);
	free(j->key);
	free(j);
}

static int push_kid(mgen__jt *parent, mgen__jt *kid)
{
	if (parent->n == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 4;
		mgen__jt **k = realloc(parent->kids, cap * sizeof(*k));

		if (!k)
			return MGEN_ENOMEM;
		parent->kids = k;
		parent->cap = cap;
	}
	parent->kids[parent->n++] = kid;
	return 0;
}

int mgen__jt_add(mgen__jt *parent, const char *key, mgen__jt *kid)
{
	if (!kid)
		return MGEN_ENOMEM;
	free(kid->key);
	kid->key = NULL;
	if (key) {
		kid->key = mgen__strdup(key);
		if (!kid->key)
			goto fail;
	}
	if (push_kid(parent, kid) == 0)
		return 0;
fail:
	mgen__jt_free(kid);
	return MGEN_ENOMEM;
}

mgen__jt *mgen__jt_dup(const mgen__jt *j)
{
	mgen__jt *c;
	size_t i;

	c = mgen__jt_new(j->type, j->text);
	if (!c)
		return NULL;
	for (i = 0; i < j->n; i++) {
		if (mgen__jt_add(c, j->kids[i]->key,
				 mgen__jt_dup(j->kids[i])) != 0) {
			mgen__jt_free(c);
			return NULL;
		}
	}
	return c;
}

mgen__jt *mgen__jt_get(const mgen__jt *o, const char *key)
{
	size_t i;

	if (!o || o->type != MGEN__JT_OBJECT)
		return NULL;
	for (i = o->n; i > 0; i--)
		if (strcmp(o->kids[i - 1]->key, key) == 0)
			return o->kids[i - 1];
	return NULL;
}

void mgen__jt_remove(mgen__jt *o, const char *key, int recursive)
{
	size_t i, w = 0;

	if (!o || (o->type != MGEN__JT_OBJECT && o->type != MGEN__JT_ARRAY))
		return;
	for (i = 0; i < o->n; i++) {
		mgen__jt *k = o->kids[i];

		if (o->type == MGEN__JT_OBJECT && strcmp(k->key, key) == 0) {
			mgen__jt_free(k);
			continue;
		}
		if (recursive)
			mgen__jt_remove(k, key, 1);
		o->kids[w++] = k;
	}
	o->n = w;
}

/* ---- reading ---- */

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static int parse_escape(parser *ps, mgen_buf *b)
{
	const char *at = ps->p - 1;
	unsigned cp, lo;

	if (ps->p >= ps->end)
		return fail(ps, at, "unterminated string");
	switch (*ps->p++) {
	case '"':
		return mgen_buf_putc(b, '"');
	case '\\':
		return mgen_buf_putc(b, '\\');
	case '/':
		return mgen_buf_putc(b, '/');
	case 'b':
		return mgen_buf_putc(b, '\b');
	case 'f':
		return mgen_buf_putc(b, '\f');
	case 'n':
		return mgen_buf_putc(b, '\n');
	case 'r':
		return mgen_buf_putc(b, '\r');
	case 't':
		return mgen_buf_putc(b, '\t');
	case 'u':
		break;
	default:
		return fail(ps, at, "invalid escape in string");
	}
	if (ps->end - ps->p < 4 || hex4(ps->p, &cp) != 0)
		return fail(ps, at, "invalid \\u escape");
	ps->p += 4;
	if (cp == 0)
		return fail(ps, at, "\\u0000 is not allowed in strings");
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return fail(ps, at, "lone surrogate in \\u escape");
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (ps->end - ps->p < 6 || ps->p[0] != '\\' ||
		    ps->p[1] != 'u' || hex4(ps->p + 2, &lo) != 0 ||
		    lo < 0xDC00 || lo > 0xDFFF)
			return fail(ps, at, "lone surrogate in \\u escape");
		ps->p += 6;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	return mgen__utf8_put(b, cp);
}

/* Parses a string at ps->p (on the opening quote); *out malloc'd. */
static int parse_string(parser *ps, char **out)
{
	mgen_buf b = MGEN_BUF_INIT;
	const char *open = ps->p;
	int rc = 0;

	ps->p++;
	for (;;) {
		unsigned char c;
		size_t n;

		if (ps->p >= ps->end) {
			rc = fail(ps, open, "unterminated string");
			goto done;
		}
		c = (unsigned char)*ps->p;
		if (c == '"') {
			ps->p++;
			break;
		}
		if (c < 0x20) {
			rc = fail(ps, ps->p, "control character in string");
			goto done;
		}
		if (c == '\\') {
			ps->p++;
			rc = parse_escape(ps, &b);
			if (rc != 0)
				goto done;
			continue;
		}
		n = mgen__utf8_seq((const unsigned char *)ps->p,
				   (size_t)(ps->end - ps->p));
		if (n == 0) {
			rc = fail(ps, ps->p, "invalid UTF-8 in string");
			goto done;
		}
		mgen_buf_append(&b, ps->p, n);
		ps->p += n;
	}
	*out = mgen_buf_detach(&b);
	if (!*out)
		rc = oom(ps);
done:
	mgen_buf_release(&b);
	return rc;
}

static int is_digit(const parser *ps)
{
	return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9';
}

static int parse_number(parser *ps, mgen__jt **out)
{
	const char *s = ps->p;
	char *lit;

	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (!is_digit(ps))
		return fail(ps, s, "invalid number");
	if (*ps->p == '0')
		ps->p++;
	else
		while (is_digit(ps))
			ps->p++;
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (!is_digit(ps))
			return fail(ps, s, "invalid number");
		while (is_digit(ps))
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (!is_digit(ps))
			return fail(ps, s, "invalid number");
		while (is_digit(ps))
			ps->p++;
	}
	lit = mgen__strndup(s, (size_t)(ps->p - s));
	*out = lit ? mgen__jt_new(MGEN__JT_NUMBER, NULL) : NULL;
	if (!*out) {
		free(lit);
		return oom(ps);
	}
	(*out)->text = lit;
	return 0;
}

static int parse_value(parser *ps, mgen__jt **out);

static int parse_container(parser *ps, mgen__jt *c)
{
	int obj = c->type == MGEN__JT_OBJECT;
	char close = obj ? '}' : ']';
	int rc;

	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		mgen__jt *kid = NULL;

		skip_ws(ps);
		if (obj) {
			if (ps->p >= ps->end || *ps->p != '"')
				return fail(ps, ps->p, "expected a string key");
			rc = parse_string(ps, &key);
			if (rc != 0)
				return rc;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				return fail(ps, ps->p, "expected ':'");
			}
			ps->p++;
		}
		rc = parse_value(ps, &kid);
		if (rc == 0) {
			kid->key = key;
			key = NULL;
			if (push_kid(c, kid) != 0) {
				mgen__jt_free(kid);
				rc = oom(ps);
			}
		}
		free(key);
		if (rc != 0)
			return rc;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			return 0;
		}
		return fail(ps, ps->p,
			    obj ? "expected ',' or '}'"
				: "expected ',' or ']'");
	}
}

static int parse_word(parser *ps, const char *w, mgen__jt_type t,
		      mgen__jt **out)
{
	size_t n = strlen(w);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0)
		return fail(ps, ps->p, "expected a JSON value");
	ps->p += n;
	*out = mgen__jt_new(t, NULL);
	return *out ? 0 : oom(ps);
}

static int parse_value(parser *ps, mgen__jt **out)
{
	mgen__jt *j;
	int rc;

	*out = NULL;
	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail(ps, ps->p, "unexpected end of input");
	switch (*ps->p) {
	case '{':
	case '[':
		if (ps->depth >= MGEN__JT_MAX_DEPTH)
			return fail(ps, ps->p, "nesting too deep");
		j = mgen__jt_new(
		    *ps->p == '{' ? MGEN__JT_OBJECT : MGEN__JT_ARRAY, NULL);
		if (!j)
			return oom(ps);
		ps->depth++;
		rc = parse_container(ps, j);
		ps->depth--;
		if (rc != 0) {
			mgen__jt_free(j);
			return rc;
		}
		*out = j;
		return 0;
	case '"':
		j = mgen__jt_new(MGEN__JT_STRING, NULL);
		if (!j)
			return oom(ps);
		rc = parse_string(ps, &j->text);
		if (rc != 0) {
			mgen__jt_free(j);
			return rc;
		}
		*out = j;
		return 0;
	case 't':
		return parse_word(ps, "true", MGEN__JT_TRUE, out);
	case 'f':
		return parse_word(ps, "false", MGEN__JT_FALSE, out);
	case 'n':
		return parse_word(ps, "null", MGEN__JT_NULL, out);
	default:
		return parse_number(ps, out);
	}
}

int mgen__jt_parse(const char *text, size_t len, const char *source,
		   mgen__jt **out, mgen_err *err)
{
	parser ps = {text, text, text + len, source, err, 0};
	mgen__jt *j = NULL;
	int rc;

	*out = NULL;
	rc = parse_value(&ps, &j);
	if (rc != 0)
		return rc;
	skip_ws(&ps);
	if (ps.p != ps.end) {
		mgen__jt_free(j);
		return fail(&ps, ps.p, "unexpected text after the JSON value");
	}
	*out = j;
	return 0;
}

/* ---- writing ---- */

static void newline(mgen_buf *b, int level)
{
	int i;

	mgen_buf_putc(b, '\n');
	for (i = 0; i < level; i++)
		mgen_buf_puts(b, "  ");
}

int mgen__jt_write(const mgen__jt *j, int indent, mgen_buf *b)
{
	size_t i;
	int obj = j->type == MGEN__JT_OBJECT;

	switch (j->type) {
	case MGEN__JT_NULL:
		return mgen_buf_puts(b, "null");
	case MGEN__JT_FALSE:
		return mgen_buf_puts(b, "false");
	case MGEN__JT_TRUE:
		return mgen_buf_puts(b, "true");
	case MGEN__JT_NUMBER:
		return mgen_buf_puts(b, j->text);
	case MGEN__JT_STRING:
		return mgen__json_write_string(j->text, b);
	case MGEN__JT_ARRAY:
	case MGEN__JT_OBJECT:
		break;
	}
	mgen_buf_putc(b, obj ? '{' : '[');
	for (i = 0; i < j->n; i++) {
		if (i > 0)
			mgen_buf_putc(b, ',');
		if (indent >= 0)
			newline(b, indent + 1);
		if (obj) {
			mgen__json_write_string(j->kids[i]->key, b);
			mgen_buf_puts(b, indent >= 0 ? ": " : ":");
		}
		mgen__jt_write(j->kids[i], indent >= 0 ? indent + 1 : -1, b);
	}
	if (j->n > 0 && indent >= 0)
		newline(b, indent);
	mgen_buf_putc(b, obj ? '}' : ']');
	return mgen_buf_error(b);
}

static int blank_line(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

int mgen__jsonl_each(const char *text, size_t len,
		     int (*fn)(void *ud, size_t line, const char *s, size_t n),
		     void *ud)
{
	const char *p = text, *end = text + len;
	size_t line = 0;
	int rc = 0;

	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		line++;
		if (!blank_line(p, n))
			rc = fn(ud, line, p, n);
		p += n + (nl ? 1 : 0);
	}
	return rc;
}
