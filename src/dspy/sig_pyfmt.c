/*
 * sig_pyfmt.c - the Python text semantics DSPy's rendering leans on,
 * recreated in C so prompts come out byte-identical: str.strip and
 * str.splitlines over UTF-8, repr(float), str() of JSON values,
 * json.dumps(ensure_ascii=False) with Python's separators, and DSPy's
 * format_field_value (dspy/adapters/utils.py). Also a JSON reader that
 * keeps each number's spelling, so 1 and 1.0 stay int and float.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dspy/signature_internal.h"
#include "util/util.h"

size_t mgen_sig__space_at(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	if (len == 0)
		return 0;
	if (u[0] == ' ' || (u[0] >= '\t' && u[0] <= '\r') ||
	    (u[0] >= 0x1c && u[0] <= 0x1f))
		return 1;
	if (len >= 2 && u[0] == 0xC2 && (u[1] == 0x85 || u[1] == 0xA0))
		return 2;
	if (len < 3)
		return 0;
	if (u[0] == 0xE1 && u[1] == 0x9A && u[2] == 0x80)
		return 3;
	if (u[0] == 0xE2 && u[1] == 0x80 &&
	    ((u[2] >= 0x80 && u[2] <= 0x8A) || u[2] == 0xA8 || u[2] == 0xA9 ||
	     u[2] == 0xAF))
		return 3;
	if (u[0] == 0xE2 && u[1] == 0x81 && u[2] == 0x9F)
		return 3;
	if (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	return 0;
}

size_t mgen_sig__space_before(const char *s, size_t len)
{
	size_t k;

	for (k = 1; k <= 3 && k <= len; k++)
		if (mgen_sig__space_at(s + len - k, k) == k)
			return k;
	return 0;
}

const char *mgen_sig__strip(const char *s, size_t *len)
{
	size_t n = *len, k;

	while (n > 0 && (k = mgen_sig__space_at(s, n)) > 0) {
		s += k;
		n -= k;
	}
	while (n > 0 && (k = mgen_sig__space_before(s, n)) > 0)
		n -= k;
	*len = n;
	return s;
}

void mgen_sig__put_stripped(mgen_buf *b, mgen_buf *part)
{
	mgen_sig__buf_strip(part);
	mgen_buf_puts(b, mgen_buf_str(part));
	if (part->error && !b->error)
		b->error = part->error;
	mgen_buf_release(part);
}

void mgen_sig__buf_strip(mgen_buf *b)
{
	size_t n;
	const char *s;

	if (b->data == NULL || b->error)
		return;
	n = b->len;
	s = mgen_sig__strip(b->data, &n);
	memmove(b->data, s, n);
	b->len = n;
	b->data[n] = '\0';
}

size_t mgen_sig__line_end(const char *s, size_t len, size_t pos, size_t *next)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	for (i = pos; i < len; i++) {
		unsigned char c = u[i];

		if (c == '\n' || c == '\v' || c == '\f' ||
		    (c >= 0x1c && c <= 0x1e)) {
			*next = i + 1;
			return i;
		}
		if (c == '\r') {
			*next =
			    (i + 1 < len && u[i + 1] == '\n') ? i + 2 : i + 1;
			return i;
		}
		if (c == 0xC2 && i + 1 < len && u[i + 1] == 0x85) {
			*next = i + 2;
			return i;
		}
		if (c == 0xE2 && i + 2 < len && u[i + 1] == 0x80 &&
		    (u[i + 2] == 0xA8 || u[i + 2] == 0xA9)) {
			*next = i + 3;
			return i;
		}
	}
	*next = len;
	return len;
}

/* ---- numbers ---- */

void mgen_sig__pyfloat(mgen_buf *b, double v)
{
	char tmp[48], dig[24];
	int p, nd = 0, e, i;
	const char *q;

	if (isnan(v) || isinf(v)) {
		mgen_buf_puts(b, isnan(v) ? "nan" : (v < 0 ? "-inf" : "inf"));
		return;
	}
	if (v == 0) {
		mgen_buf_puts(b, signbit(v) ? "-0.0" : "0.0");
		return;
	}
	for (p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	for (q = tmp; *q && *q != 'e'; q++)
		if (*q >= '0' && *q <= '9' && nd < 20)
			dig[nd++] = *q;
	e = (int)strtol(q + 1, NULL, 10);
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	if (v < 0)
		mgen_buf_putc(b, '-');
	if (e >= 16 || e < -4) {
		mgen_buf_putc(b, dig[0]);
		if (nd > 1) {
			mgen_buf_putc(b, '.');
			mgen_buf_append(b, dig + 1, (size_t)nd - 1);
		}
		mgen_buf_printf(b, "e%c%02d", e < 0 ? '-' : '+',
				e < 0 ? -e : e);
		return;
	}
	if (e < 0) {
		mgen_buf_puts(b, "0.");
		for (i = 0; i < -e - 1; i++)
			mgen_buf_putc(b, '0');
		mgen_buf_append(b, dig, (size_t)nd);
		return;
	}
	for (i = 0; i <= e; i++)
		mgen_buf_putc(b, i < nd ? dig[i] : '0');
	mgen_buf_putc(b, '.');
	if (nd > e + 1)
		mgen_buf_append(b, dig + e + 1, (size_t)(nd - e - 1));
	else
		mgen_buf_putc(b, '0');
}

/* Python's spelling of a JSON number token: ints as written (-0 is 0),
 * floats as repr(float(token)). Caller frees; NULL on out of memory. */
static char *num_spelling(const char *tok, size_t n)
{
	mgen_buf b = MGEN_BUF_INIT;
	char *t;

	if (strcspn(tok, ".eE") >= n) {
		if (n == 2 && tok[0] == '-' && tok[1] == '0')
			return mgen__strdup("0");
		return mgen__strndup(tok, n);
	}
	t = mgen__strndup(tok, n);
	if (t == NULL)
		return NULL;
	mgen_sig__pyfloat(&b, strtod(t, NULL));
	free(t);
	return mgen_buf_detach(&b);
}

cJSON *mgen_sig__num_new(double v, int is_float)
{
	mgen_buf b = MGEN_BUF_INIT;
	cJSON *n = cJSON_CreateNumber(v);

	if (n == NULL)
		return NULL;
	if (is_float)
		mgen_sig__pyfloat(&b, v);
	else
		mgen_buf_printf(&b, "%.0f", v);
	n->valuestring = mgen_buf_detach(&b);
	if (n->valuestring == NULL) {
		cJSON_Delete(n);
		return NULL;
	}
	return n;
}

/* Next number token at or after *pos in s[0..len), skipping strings. */
static int next_num(const char *s, size_t len, size_t *pos, size_t *start,
		    size_t *n)
{
	size_t i = *pos;

	while (i < len) {
		char c = s[i];

		if (c == '"') {
			for (i++; i < len && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			i++;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			*start = i;
			while (i < len && strchr("+-.eE0123456789", s[i]) &&
			       s[i] != '\0')
				i++;
			*n = i - *start;
			*pos = i;
			return 1;
		} else {
			i++;
		}
	}
	*pos = len;
	return 0;
}

static int tag_numbers(cJSON *v, const char *s, size_t len, size_t *pos)
{
	cJSON *c;
	size_t start, n;

	if (cJSON_IsNumber(v)) {
		if (!next_num(s, len, pos, &start, &n))
			return MGEN_EPARSE;
		v->valuestring = num_spelling(s + start, n);
		return v->valuestring ? 0 : MGEN_ENOMEM;
	}
	for (c = v->child; c != NULL; c = c->next) {
		int rc = tag_numbers(c, s, len, pos);

		if (rc)
			return rc;
	}
	return 0;
}

int mgen_sig__json_parse(const char *s, size_t len, cJSON **out)
{
	const char *end = NULL;
	size_t pos = 0, rest;
	cJSON *v;
	int rc;

	*out = NULL;
	v = cJSON_ParseWithLengthOpts(s, len, &end, 0);
	if (v == NULL)
		return MGEN_EPARSE;
	rest = len - (size_t)(end - s);
	mgen_sig__strip(end, &rest);
	if (rest > 0 && !(rest == 1 && *end == '\0')) {
		cJSON_Delete(v);
		return MGEN_EPARSE;
	}
	rc = tag_numbers(v, s, len, &pos);
	if (rc) {
		cJSON_Delete(v);
		return rc;
	}
	*out = v;
	return 0;
}

/* ---- json.dumps / str() ---- */

static void put_number(mgen_buf *b, const cJSON *v)
{
	double d = v->valuedouble;

	if (v->valuestring != NULL)
		mgen_buf_puts(b, v->valuestring);
	else if (d == floor(d) && fabs(d) < 1e15)
		mgen_buf_printf(b, "%.0f", d);
	else
		mgen_sig__pyfloat(b, d);
}

static void newline_indent(mgen_buf *b, int indent, int level)
{
	int i;

	mgen_buf_putc(b, '\n');
	for (i = 0; i < indent * level; i++)
		mgen_buf_putc(b, ' ');
}

static void dumps(mgen_buf *b, const cJSON *v, int indent, int level)
{
	const cJSON *c;
	int obj = cJSON_IsObject(v);

	if (cJSON_IsNull(v))
		mgen_buf_puts(b, "null");
	else if (cJSON_IsTrue(v))
		mgen_buf_puts(b, "true");
	else if (cJSON_IsFalse(v))
		mgen_buf_puts(b, "false");
	else if (cJSON_IsNumber(v))
		put_number(b, v);
	else if (cJSON_IsString(v))
		mgen__json_write_string(v->valuestring ? v->valuestring : "",
					b);
	if (!obj && !cJSON_IsArray(v))
		return;
	mgen_buf_putc(b, obj ? '{' : '[');
	for (c = v->child; c != NULL; c = c->next) {
		if (c != v->child)
			mgen_buf_puts(b, indent > 0 ? "," : ", ");
		if (indent > 0)
			newline_indent(b, indent, level + 1);
		if (obj) {
			mgen__json_write_string(c->string ? c->string : "", b);
			mgen_buf_puts(b, ": ");
		}
		dumps(b, c, indent, level + 1);
	}
	if (indent > 0 && v->child != NULL)
		newline_indent(b, indent, level);
	mgen_buf_putc(b, obj ? '}' : ']');
}

void mgen_sig__pyjson(mgen_buf *b, const cJSON *v, int indent)
{
	dumps(b, v, indent, 0);
}

void mgen_sig__pystr(mgen_buf *b, const cJSON *v)
{
	if (cJSON_IsString(v))
		mgen_buf_puts(b, v->valuestring);
	else if (cJSON_IsNumber(v))
		put_number(b, v);
	else if (cJSON_IsTrue(v))
		mgen_buf_puts(b, "True");
	else if (cJSON_IsFalse(v))
		mgen_buf_puts(b, "False");
	else if (cJSON_IsNull(v) || v == NULL)
		mgen_buf_puts(b, "None");
	else
		dumps(b, v, 0, 0);
}

/* DSPy _format_blob: «text», or a «««-fenced block when the text has a
 * newline or a guillemet. */
static void put_blob(mgen_buf *b, const cJSON *v)
{
	mgen_buf t = MGEN_BUF_INIT;
	const char *s, *p;

	mgen_sig__pystr(&t, v);
	s = mgen_buf_str(&t);
	if (strchr(s, '\n') == NULL && strstr(s, "\xC2\xAB") == NULL &&
	    strstr(s, "\xC2\xBB") == NULL) {
		mgen_buf_printf(b, "\xC2\xAB%s\xC2\xBB", s);
	} else {
		mgen_buf_puts(b, "\xC2\xAB\xC2\xAB\xC2\xAB\n    ");
		for (p = s; *p; p++) {
			mgen_buf_putc(b, *p);
			if (*p == '\n')
				mgen_buf_puts(b, "    ");
		}
		mgen_buf_puts(b, "\n\xC2\xBB\xC2\xBB\xC2\xBB");
	}
	if (t.error && !b->error)
		b->error = t.error;
	mgen_buf_release(&t);
}

void mgen_sig__format_value(mgen_buf *b, const char *type, const cJSON *v)
{
	const cJSON *c;
	int i = 1, n;

	if (!cJSON_IsArray(v) || !mgen_sig__type_is_str(type)) {
		mgen_sig__pystr(b, v);
		return;
	}
	n = cJSON_GetArraySize(v);
	if (n == 0) {
		mgen_buf_puts(b, "N/A");
		return;
	}
	if (n == 1) {
		put_blob(b, v->child);
		return;
	}
	for (c = v->child; c != NULL; c = c->next, i++) {
		if (i > 1)
			mgen_buf_putc(b, '\n');
		mgen_buf_printf(b, "[%d] ", i);
		put_blob(b, c);
	}
}
