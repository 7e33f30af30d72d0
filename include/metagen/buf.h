/*
 * buf.h - mgen_buf, the bounded growable string buffer (after curl's
 * dynbuf and SQLite's StrAccum). The data is always NUL-terminated; every
 * append is checked; a buffer remembers its first failure, after which
 * appends do nothing and return the same error, so a run of appends can be
 * checked once at the end with mgen_buf_error().
 */
#ifndef METAGEN_BUF_H
#define METAGEN_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "metagen.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default upper bound of a buffer's length: 256 MiB. */
#define MGEN_BUF_DEFAULT_MAX ((size_t)256 * 1024 * 1024)

typedef struct mgen_buf {
	char *data; /* NULL until the first append; owned */
	size_t len; /* bytes used, not counting the NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* largest allowed len; 0 means MGEN_BUF_DEFAULT_MAX */
	int error;  /* first failure (MGEN_ENOMEM or MGEN_ELIMIT), or 0 */
} mgen_buf;

#define MGEN_BUF_INIT                                                          \
	{                                                                      \
		NULL, 0, 0, 0, 0                                               \
	}

/* Initialises an empty buffer whose length may not exceed `max` bytes
 * (0 = default). Allocates nothing. */
void mgen_buf_init(mgen_buf *b, size_t max);

/* Appends `n` bytes. Returns 0, MGEN_ENOMEM, or MGEN_ELIMIT when the
 * buffer would exceed its bound (nothing is appended then). */
int mgen_buf_append(mgen_buf *b, const void *data, size_t n);

/* Appends a NUL-terminated string (NULL appends nothing). */
int mgen_buf_puts(mgen_buf *b, const char *s);

/* Appends one byte. */
int mgen_buf_putc(mgen_buf *b, char c);

/* Appends printf-style formatted text. */
int mgen_buf_printf(mgen_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* va_list form of mgen_buf_printf. */
int mgen_buf_vprintf(mgen_buf *b, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 0)))
#endif
    ;

/* The text so far: never NULL ("" when empty); borrowed. */
const char *mgen_buf_str(const mgen_buf *b);

/* The first failure recorded, or 0. */
int mgen_buf_error(const mgen_buf *b);

/* Empties the buffer (keeps the memory and clears the error). */
void mgen_buf_reset(mgen_buf *b);

/* Hands the text over to the caller (free() it) and empties the buffer;
 * spare capacity is given back, so a detached string costs its length.
 * Returns NULL when the buffer holds an error or allocation fails; an
 * empty buffer yields an allocated "". */
char *mgen_buf_detach(mgen_buf *b);

/* Frees the memory; the buffer is empty and reusable afterwards. */
void mgen_buf_release(mgen_buf *b);

#ifdef __cplusplus
}
#endif

#endif
