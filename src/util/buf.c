/*
 * buf.c - the bounded growable string buffer (see include/metagen/buf.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/buf.h"

void mgen_buf_init(mgen_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->error = 0;
}

static size_t buf_max(const mgen_buf *b)
{
	return b->max ? b->max : MGEN_BUF_DEFAULT_MAX;
}

/* Makes room for `extra` more bytes plus the NUL. */
static int buf_grow(mgen_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->error)
		return b->error;
	if (extra > buf_max(b) - b->len)
		return b->error = MGEN_ELIMIT;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (p == NULL)
		return b->error = MGEN_ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int mgen_buf_append(mgen_buf *b, const void *data, size_t n)
{
	int rc = buf_grow(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int mgen_buf_puts(mgen_buf *b, const char *s)
{
	if (s == NULL)
		return b->error;
	return mgen_buf_append(b, s, strlen(s));
}

int mgen_buf_putc(mgen_buf *b, char c)
{
	return mgen_buf_append(b, &c, 1);
}

int mgen_buf_vprintf(mgen_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, rc;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return b->error ? b->error : (b->error = MGEN_EINVAL);
	rc = buf_grow(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int mgen_buf_printf(mgen_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = mgen_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *mgen_buf_str(const mgen_buf *b)
{
	return b->data ? b->data : "";
}

int mgen_buf_error(const mgen_buf *b)
{
	return b->error;
}

void mgen_buf_reset(mgen_buf *b)
{
	b->len = 0;
	b->error = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *mgen_buf_detach(mgen_buf *b)
{
	char *p;

	if (b->error) {
		mgen_buf_release(b);
		return NULL;
	}
	p = b->data ? b->data : calloc(1, 1);
	if (b->data && b->cap - b->len > 32) { /* a kept string: shrink it */
		char *q = realloc(p, b->len + 1);
		p = q ? q : p;
	}
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void mgen_buf_release(mgen_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->error = 0;
}
