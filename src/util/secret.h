/*
 * secret.h - the one place that knows what a secret looks like
 * (secret.c): masking ODBC connection strings and URLs for anything that
 * is shown or written, collecting the secret values they hold so free
 * text (a driver's error, an HTTP error body) can be scrubbed of them,
 * and joining URLs with libcurl's URL API. Internal (mgen__ prefix).
 */
#ifndef METAGEN_SECRET_H
#define METAGEN_SECRET_H

#include <stddef.h>

/*
 * 1 when an attribute or query parameter named `name` (`len` bytes)
 * holds a secret. The name is folded (ASCII case, '_', '-', '.' and
 * blanks dropped) and matched against the words of the secret
 * attributes the ODBC drivers and HTTP APIs document (secret.c lists
 * them with their sources): it is secret when it contains pwd, pass,
 * secret, token, key, credential, private, cookie, bearer or signature,
 * or is one of auth, sig, code, jwt. A name too long to fold counts as
 * secret. Over-masking is harmless; a missed secret is not.
 */
int mgen__secret_name(const char *name, size_t len);

/*
 * The masked copy of `s` for messages and files. A URL (it starts with
 * "scheme://") is parsed with libcurl's URL API (curl_url): its user and
 * password become "***", and every query or fragment parameter with a
 * secret name has its value replaced by "***"; a URL libcurl cannot
 * parse becomes "<unparsable url, hidden>". Anything else is an ODBC
 * connection string ("k=v;k2={v;v}" - ODBC 3.x SQLDriverConnect syntax:
 * a {braced} value may hold ';', "}}" is a literal brace): each
 * attribute with a secret name has its value replaced by "***"; other
 * values have URL credentials and secret "k=v" words inside them
 * masked the same way (a proxy URL, psqlODBC's pqopt). Returns a
 * malloc'd string; NULL for NULL or on out of memory.
 */
char *mgen__mask_secrets(const char *s);

/* The secret values known to one connection or endpoint, for scrubbing
 * free text. Owned strings; release with mgen__secrets_release. */
typedef struct mgen__secrets {
	char **v;
	size_t n;
} mgen__secrets;

/* clang-format off */
#define MGEN__SECRETS_INIT {NULL, 0}
/* clang-format on */

/* Values shorter than this are not scrubbed from text: "k" or "pw" would
 * take every such letter out of a message or an answer (and out of the
 * JSON around it). Masking by name (attributes, URLs) still hides them. */
#define MGEN__SECRET_MIN 4

/* Adds a copy of `value` (ignored when NULL or shorter than
 * MGEN__SECRET_MIN). 0 or MGEN_ENOMEM. */
int mgen__secrets_add(mgen__secrets *s, const char *value);

/*
 * Adds every secret value of connection string or URL `text` (the same
 * parse as mgen__mask_secrets): secret attribute values (braced and
 * unbraced forms), a URL's password (as written and percent-decoded),
 * its user too when there is no password (a bare userinfo is a token),
 * base64 of "user:password" (what HTTP Basic sends), secret query
 * values (as written and decoded). 0 or MGEN_ENOMEM.
 */
int mgen__secrets_add_from(mgen__secrets *s, const char *text);

/* Replaces, in place, every occurrence of every known value in the
 * NUL-terminated `text` (capacity `cap` bytes) by "***"; when the
 * result would not fit, `text` becomes "(text hidden: it held a
 * secret)". Longer values first, so one that contains another goes
 * whole. */
void mgen__secrets_scrub(const mgen__secrets *s, char *text, size_t cap);

/* The same for the malloc'd string *text: when it held a value, *text
 * is replaced by a scrubbed copy (the old one freed). 0 or MGEN_ENOMEM
 * (then *text may be NULL). */
int mgen__secrets_scrub_str(const mgen__secrets *s, char **text);

/* Frees (after zeroing) every value; `s` is empty afterwards. */
void mgen__secrets_release(mgen__secrets *s);

/*
 * The value of attribute `name` (ASCII case-insensitive) in ODBC
 * connection string `conn`, blanks and braces taken off; the first
 * occurrence wins, as SQLDriverConnect reads it. *out is malloc'd, or
 * NULL when absent, when `conn` is a URL, or when `name` looks secret
 * (a secret is never handed out). Returns 0 or MGEN_ENOMEM.
 */
int mgen__conn_attr(const char *conn, const char *name, char **out);

/*
 * Joins base URL `base` and `suffix` ("/chat/completions") with
 * libcurl's URL API: the suffix goes at the end of the base's path
 * (a trailing '/' of the path dropped first); query and fragment are
 * kept where they belong ("https://h/v1?api-version=2024" gives
 * "https://h/v1/chat/completions?api-version=2024"). Returns 0 with a
 * malloc'd *out, MGEN_ENOMEM, or MGEN_ECONFIG when libcurl does not
 * accept `base` as a URL (the reason in `why`, `whylen` bytes).
 */
int mgen__url_join(const char *base, const char *suffix, char **out, char *why,
		   size_t whylen);

/* 1 when `s` holds a CR or LF (a value that would split an HTTP header
 * or a line of a file). */
int mgen__has_line_break(const char *s);

#endif
