/*
 * util.h - small internal helpers shared by every module: string copies,
 * case-insensitive comparison, glob matching, UTF-8-safe truncation, time.
 * Internal: not part of the public API (names use the mgen__ prefix).
 */
#ifndef METAGEN_UTIL_H
#define METAGEN_UTIL_H

#include <stddef.h>
#include <stdio.h>

struct mgen_table;

/* Sorts `n` table pointers by (catalog, schema, name), bytewise, NULL as
 * "", for mgen__table_find. */
void mgen__table_index_sort(struct mgen_table **idx, size_t n);

/* The table named (catalog, schema, name) (NULL as "") in an index
 * sorted by mgen__table_index_sort, by binary search; or NULL. */
struct mgen_table *mgen__table_find(struct mgen_table *const *idx, size_t n,
				    const char *catalog, const char *schema,
				    const char *name);

/* malloc'd copy of `s` (NULL gives NULL). */
char *mgen__strdup(const char *s);
/* malloc'd copy of the first `n` bytes of `s`, NUL-terminated. */
char *mgen__strndup(const char *s, size_t n);
/* ASCII case-insensitive comparison; NULL sorts before everything. */
int mgen__strcasecmp(const char *a, const char *b);
/* 1 when `s` starts with `prefix`. */
int mgen__startswith(const char *s, const char *prefix);

/*
 * Shell-style glob: `*` any run of characters (dots included), `?` one
 * character, `[abc]` a set; ASCII case-insensitive. Returns 1 on match.
 */
int mgen__glob_match(const char *pattern, const char *text);

/*
 * Scope match for a three-part name (DESIGN.md): `pattern` matches when it
 * globs the whole "catalog.schema.table" or any dot-suffix of it
 * ("schema.table", "table"). Empty parts are left out of the name.
 */
int mgen__scope_match(const char *pattern, const char *catalog,
		      const char *schema, const char *table);

/*
 * Length in bytes of the longest prefix of `s` (length `len`) that is at
 * most `max_bytes` long and does not split a UTF-8 sequence.
 */
size_t mgen__utf8_prefix(const char *s, size_t len, size_t max_bytes);

/* Length (1-4) of the valid UTF-8 sequence at `s` (at most `avail`
 * bytes), or 0 when it is not one (RFC 3629: no overlong forms,
 * surrogates or code points past U+10FFFF). */
size_t mgen__utf8_seq(const unsigned char *s, size_t avail);

/* Number of UTF-8 code points in `s`. */
size_t mgen__utf8_len(const char *s);

/* Monotonic clock in milliseconds. */
double mgen__now_ms(void);

/* Sleeps `ms` milliseconds (restarts on EINTR). */
void mgen__sleep_ms(long ms);

/* Base64 (RFC 4648, with padding) of `n` bytes; caller frees. */
char *mgen__base64(const unsigned char *data, size_t n);

/* fopen(path, mode) for writing ("w", "wb": truncate; "a", "ab":
 * append) that creates a missing file with mode 0600 (owner only;
 * the umask can only take more away): run files, traces, checkpoints and
 * caches hold sample values. An existing file keeps its mode. NULL with
 * errno set on failure. */
FILE *mgen__fopen_private(const char *path, const char *mode);

/* Writes `len` bytes to `path` through a temp file (created 0600) +
 * rename, so readers never see a half-written file. Returns 0 or
 * MGEN_EIO. */
int mgen__write_file_atomic(const char *path, const char *data, size_t len);

/* Reads a whole file; *out malloc'd and NUL-terminated. 0 or MGEN_EIO. */
int mgen__read_file(const char *path, char **out, size_t *len);

/* mgen__read_file for a file of at most `max` bytes: MGEN_ELIMIT when
 * it is larger (a regular file is refused by its size before any read;
 * anything else after max + 1 bytes), MGEN_EIO when it cannot be read
 * (or is a folder), MGEN_ENOMEM. */
int mgen__read_file_max(const char *path, size_t max, char **out, size_t *len);

/* mkdir -p; the folders it creates are 0700 (owner only: run folders
 * and the cache folder hold sample values). Returns 0 or MGEN_EIO. */
int mgen__mkdirs(const char *path);

/* Before a SQLite store is opened at `path`: its folders made (0700) and
 * the file created owner-only (0600) when missing, so SQLite's journal
 * and WAL files get that mode too. ":memory:" and "file:" URIs are left
 * alone. Returns 0, MGEN_ENOMEM or MGEN_EIO (folders not created). */
int mgen__prepare_private_db(const char *path);

#endif
