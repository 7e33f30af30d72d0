/*
 * text.h - the one strict UTF-8 validator/sanitizer and the terminal
 * neutraliser (internal). Everything that reaches a JSON, SQL or
 * terminal output from outside (warehouse names and cells, LM answers)
 * goes through these, so there is one rule for "valid UTF-8".
 *
 * Validity is RFC 3629 section 4 (the Unicode Standard's Table 3-7):
 * no overlong forms, no surrogates (U+D800..U+DFFF), nothing above
 * U+10FFFF, no C0/F5..FF lead bytes, no stray continuation bytes.
 */
#ifndef METAGEN_TEXT_H
#define METAGEN_TEXT_H

#include <stddef.h>

#include "metagen/buf.h"
#include "util/util.h"

/* The validator of one sequence is mgen__utf8_seq (util/util.h); the
 * functions below are built on it. */

/* Appends code point `cp` (<= 0x10FFFF, not a surrogate) as UTF-8.
 * Returns the buffer's error state (0 or MGEN_ENOMEM). */
int mgen__utf8_put(mgen_buf *b, unsigned cp);

/* Number of invalid stretches in `s[0..len)` (0 = valid UTF-8). Each
 * maximal run of bytes that starts no valid sequence counts once. */
size_t mgen__utf8_invalid(const char *s, size_t len);

/*
 * Replaces each invalid stretch of the NUL-terminated *s (owned) with
 * U+FFFD (EF BF BD), in a new allocation that replaces *s. *s NULL or
 * valid is left as is. Returns the number of stretches replaced (0 when
 * none), or (size_t)-1 on out of memory (then *s is unchanged).
 */
size_t mgen__utf8_fix(char **s);

/*
 * Appends `s` for a terminal: C0 controls (tab, LF and CR included), DEL
 * and the C1 controls U+0080..U+009F are written as \t \n \r or \xNN
 * (for C1: \u0080..\u009f), invalid UTF-8 bytes as \xNN, and a
 * backslash as \\; everything else as is. So a name can neither move the
 * cursor, change colours nor start an escape sequence (ECMA-48). With
 * `keep_lines` LF and tab are kept and a backslash is not doubled (for
 * multi-line text such as DDL, whose backslashes are its own). NULL
 * appends "(null)". Returns the buffer's error state.
 */
int mgen__term_safe(mgen_buf *b, const char *s, int keep_lines);

#endif
