/*
 * text.c - strict UTF-8 validation and repair, and the terminal
 * neutraliser (see util/text.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "util/util.h"

int mgen__utf8_put(mgen_buf *b, unsigned cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xC0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xE0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xF0 | (cp >> 18));
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return mgen_buf_append(b, u, n);
}

/* Walks s[0..len): calls back per valid sequence / invalid stretch. The
 * one loop behind mgen__utf8_invalid and mgen__utf8_fix. */
static size_t walk(const char *s, size_t len, mgen_buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k, bad = 0;
	int in_bad = 0;

	while (i < len) {
		k = mgen__utf8_seq(u + i, len - i);
		if (k == 0) {
			if (!in_bad) {
				bad++;
				if (out)
					mgen_buf_puts(out, "\xEF\xBF\xBD");
			}
			in_bad = 1;
			i++;
			continue;
		}
		in_bad = 0;
		if (out)
			mgen_buf_append(out, s + i, k);
		i += k;
	}
	return bad;
}

size_t mgen__utf8_invalid(const char *s, size_t len)
{
	return walk(s, len, NULL);
}

size_t mgen__utf8_fix(char **s)
{
	mgen_buf b = MGEN_BUF_INIT;
	size_t len, bad;
	char *fixed;

	if (*s == NULL)
		return 0;
	len = strlen(*s);
	if (mgen__utf8_invalid(*s, len) == 0)
		return 0;
	bad = walk(*s, len, &b);
	fixed = mgen_buf_detach(&b);
	if (fixed == NULL)
		return (size_t)-1;
	free(*s);
	*s = fixed;
	return bad;
}

/* The escape for the byte(s) at u (k bytes of a valid sequence, or 0 for
 * an invalid byte) into piece; empty when the bytes are kept. */
static void term_piece(const unsigned char *u, size_t k, int keep_lines,
		       char piece[12])
{
	piece[0] = '\0';
	if (k == 0)
		snprintf(piece, 12, "\\x%02x", u[0]);
	else if (keep_lines && (u[0] == '\n' || u[0] == '\t' || u[0] == '\\'))
		return;
	else if (u[0] == '\\')
		snprintf(piece, 12, "\\\\");
	else if (u[0] == '\n')
		snprintf(piece, 12, "\\n");
	else if (u[0] == '\t')
		snprintf(piece, 12, "\\t");
	else if (u[0] == '\r')
		snprintf(piece, 12, "\\r");
	else if (u[0] < 0x20 || u[0] == 0x7F)
		snprintf(piece, 12, "\\x%02x", u[0]);
	else if (k == 2 && u[0] == 0xC2 && u[1] < 0xA0)
		snprintf(piece, 12, "\\u%04x", (unsigned)u[1]);
}

int mgen__term_safe(mgen_buf *b, const char *s, int keep_lines)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, k, len;
	char piece[12];

	if (s == NULL)
		return mgen_buf_puts(b, "(null)");
	len = strlen(s);
	for (i = 0; i < len; i += k ? k : 1) {
		k = mgen__utf8_seq(u + i, len - i);
		term_piece(u + i, k, keep_lines, piece);
		if (piece[0])
			mgen_buf_puts(b, piece);
		else
			mgen_buf_append(b, s + i, k);
	}
	return mgen_buf_error(b);
}
