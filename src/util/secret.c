/*
 * secret.c - secret masking for connection strings and URLs, the secret
 * values they hold (to scrub free text of them), and URL joining, all
 * through one parse: an ODBC attribute walk (ODBC 3.x SQLDriverConnect
 * "k=v;k={v}" syntax) and libcurl's URL API (curl_url_set/curl_url_get,
 * RFC 3986) for URLs. Used by the config (manifest), the warehouse
 * (driver error messages) and the LM client (URLs, HTTP error bodies).
 *
 * The secret names come from the connection attributes the drivers
 * document, folded to lower case without '_' '-' '.':
 *   Databricks / Simba Spark ODBC: PWD, Auth_AccessToken,
 *     Auth_Client_Secret, Auth_RefreshToken, ProxyPWD, TrustStorePwd;
 *   Snowflake ODBC: PWD, token, priv_key_file, priv_key_file_pwd,
 *     priv_key_base64, passcode, proxy (a URL with credentials);
 *   psqlODBC: Password/PWD, pqopt (libpq words such as sslpassword=);
 *   MariaDB Connector/ODBC and MySQL Connector/ODBC: Password/PWD,
 *     password1..3, SslKey;
 *   SQL Server (msodbcsql): PWD, KeyStoreSecret, AccessToken,
 *     ClientKey (file:...,password=...);
 *   HTTP APIs: api-key / api_key / apikey (Azure OpenAI), access_token,
 *     key / code (Google, Azure Functions), sig (Azure SAS),
 *     X-Amz-Signature / X-Amz-Credential / X-Amz-Security-Token (S3).
 * Words: pwd pass secret token key credential private cookie bearer
 * signature; whole names: auth sig code jwt.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "metagen/buf.h"
#include "metagen/metagen.h"
#include "util/secret.h"
#include "util/util.h"

#define MASK "***"

int mgen__secret_name(const char *name, size_t len)
{
	static const char *const words[] = {
	    "pwd",	  "pass",    "secret", "token",	 "key",
	    "credential", "private", "cookie", "bearer", "signature"};
	static const char *const names[] = {"auth", "sig", "code", "jwt"};
	char low[64];
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '%' && i + 2 < len &&
		    isxdigit((unsigned char)name[i + 1]) &&
		    isxdigit((unsigned char)name[i + 2])) {
			char hex[3] = {name[i + 1], name[i + 2], '\0'};
			c = (unsigned char)strtol(hex, NULL, 16);
			i += 2;
		}
		if (c == ' ' || c == '\t' || c == '_' || c == '-' || c == '.')
			continue;
		if (n + 1 >= sizeof(low))
			return 1; /* an odd, long name: mask to be safe */
		low[n++] = (char)tolower(c);
	}
	low[n] = '\0';
	if (n == 0)
		return 0;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(low, words[i]) != NULL)
			return 1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(low, names[i]) == 0)
			return 1;
	return 0;
}

/* --- secret values ------------------------------------------------------ */

int mgen__secrets_add(mgen__secrets *s, const char *value)
{
	size_t i, len;
	char **v;

	if (value == NULL || strlen(value) < MGEN__SECRET_MIN)
		return 0;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], value) == 0)
			return 0;
	v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (v == NULL)
		return MGEN_ENOMEM;
	s->v = v;
	/* longest first, so a value that contains another is scrubbed
	 * whole */
	len = strlen(value);
	for (i = s->n; i > 0 && strlen(v[i - 1]) < len; i--)
		v[i] = v[i - 1];
	v[i] = mgen__strdup(value);
	if (v[i] == NULL) {
		memmove(v + i, v + i + 1, (s->n - i) * sizeof(*v));
		return MGEN_ENOMEM;
	}
	s->n++;
	return 0;
}

/* Adds bytes [p, end) as a value. */
static int add_span(mgen__secrets *s, const char *p, const char *end)
{
	char *tmp;
	int rc;

	if (s == NULL || end <= p)
		return 0;
	tmp = mgen__strndup(p, (size_t)(end - p));
	rc = tmp ? mgen__secrets_add(s, tmp) : MGEN_ENOMEM;
	free(tmp);
	return rc;
}

/* Percent-decodes [p, end) (RFC 3986 section 2.1); malloc'd. */
static char *pct_decode(const char *p, const char *end)
{
	char *out = malloc((size_t)(end - p) + 1), *o = out;

	if (out == NULL)
		return NULL;
	while (p < end) {
		if (*p == '%' && end - p > 2 && isxdigit((unsigned char)p[1]) &&
		    isxdigit((unsigned char)p[2])) {
			char hex[3] = {p[1], p[2], '\0'};
			*o++ = (char)strtol(hex, NULL, 16);
			p += 3;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

/* Adds a value as written and percent-decoded (a URL part). */
static int add_both(mgen__secrets *s, const char *p, const char *end)
{
	char *dec;
	int rc;

	if (s == NULL || end <= p)
		return 0;
	rc = add_span(s, p, end);
	dec = rc ? NULL : pct_decode(p, end);
	if (rc == 0)
		rc = dec ? mgen__secrets_add(s, dec) : MGEN_ENOMEM;
	free(dec);
	return rc;
}

/* `text` with every known value replaced by "***", built in `b`:
 * 1 when something was replaced, 0 when nothing was (b is then empty),
 * -1 on out of memory. Values go longest first (the list's order). */
static int scrubbed(const mgen__secrets *s, const char *text, mgen_buf *b)
{
	mgen_buf tmp = MGEN_BUF_INIT, swap;
	const char *p, *hit;
	size_t i, sl;
	int changed = 0;

	mgen_buf_reset(b);
	for (i = 0; s && text && i < s->n; i++) {
		p = changed ? mgen_buf_str(b) : text;
		if (strstr(p, s->v[i]) == NULL)
			continue;
		sl = strlen(s->v[i]);
		mgen_buf_reset(&tmp);
		for (; (hit = strstr(p, s->v[i])) != NULL; p = hit + sl) {
			mgen_buf_append(&tmp, p, (size_t)(hit - p));
			mgen_buf_puts(&tmp, MASK);
		}
		mgen_buf_puts(&tmp, p);
		swap = *b;
		*b = tmp;
		tmp = swap;
		changed = 1;
	}
	mgen_buf_release(&tmp);
	return mgen_buf_error(b) ? -1 : changed;
}

void mgen__secrets_scrub(const mgen__secrets *s, char *text, size_t cap)
{
	mgen_buf b = MGEN_BUF_INIT;
	int r = scrubbed(s, text, &b);

	if (r < 0 || (r > 0 && b.len + 1 > cap))
		snprintf(text, cap, "(text hidden: it held a secret)");
	else if (r > 0)
		memcpy(text, b.data, b.len + 1);
	mgen_buf_release(&b);
}

int mgen__secrets_scrub_str(const mgen__secrets *s, char **text)
{
	mgen_buf b = MGEN_BUF_INIT;
	int r = scrubbed(s, *text, &b);

	if (r > 0) {
		free(*text);
		*text = mgen_buf_detach(&b);
	}
	mgen_buf_release(&b);
	return r < 0 || (r > 0 && *text == NULL) ? MGEN_ENOMEM : 0;
}

void mgen__secrets_release(mgen__secrets *s)
{
	size_t i;

	for (i = 0; s && i < s->n; i++) {
		memset(s->v[i], 0, strlen(s->v[i]));
		free(s->v[i]);
	}
	if (s) {
		free(s->v);
		s->v = NULL;
		s->n = 0;
	}
}

/* --- the walk ------------------------------------------------------------ */

/* One pass's state: masked text goes to `b` (when set), secret values to
 * `sv` (when set); rc is the first failure. */
typedef struct walk {
	mgen_buf *b;
	mgen__secrets *sv;
	int rc;
} walk;

static void put(walk *w, const char *p, const char *end)
{
	if (w->b && end > p)
		mgen_buf_append(w->b, p, (size_t)(end - p));
}

static void note(walk *w, int rc)
{
	if (w->rc == 0)
		w->rc = rc;
}

/* 1 when [p, end) starts with "scheme://" (RFC 3986 scheme). */
static int is_url(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (q == end || !isalpha((unsigned char)*q))
		return 0;
	while (q < end && (isalnum((unsigned char)*q) || *q == '+' ||
			   *q == '-' || *q == '.'))
		q++;
	return end - q >= 3 && memcmp(q, "://", 3) == 0;
}

static void walk_attrs(walk *w, const char *p, const char *stop,
		       const char *seps, int braces, int depth);
static void walk_url(walk *w, const char *p, const char *end);

/* End of a value starting at `p`: a {braced} value (when `braces`) runs
 * to its closing brace ("}}" is a literal brace), then to a separator. */
static const char *value_end(const char *p, const char *stop, const char *seps,
			     int braces)
{
	const char *q = p;

	while (q < stop && (*q == ' ' || *q == '\t'))
		q++;
	if (braces && q < stop && *q == '{') {
		for (q++; q < stop; q++) {
			if (q[0] == '}' && q + 1 < stop && q[1] == '}')
				q++;
			else if (*q == '}')
				break;
		}
	}
	while (q < stop && strchr(seps, *q) == NULL)
		q++;
	return q;
}

/* [a, z) without surrounding blanks, braces taken off ("}}" -> "}"). */
static char *unbrace(const char *a, const char *z)
{
	char *out, *o;

	while (a < z && (*a == ' ' || *a == '\t'))
		a++;
	while (z > a && (z[-1] == ' ' || z[-1] == '\t'))
		z--;
	if (z - a < 2 || *a != '{' || z[-1] != '}')
		return mgen__strndup(a, (size_t)(z - a));
	out = malloc((size_t)(z - a));
	if (out == NULL)
		return NULL;
	for (o = out, a++, z--; a < z; a++) {
		*o++ = *a;
		if (a[0] == '}' && a + 1 < z && a[1] == '}')
			a++;
	}
	*o = '\0';
	return out;
}

/* A secret value [v, end): masked, and its forms added. */
static void secret_value(walk *w, const char *v, const char *end)
{
	const char *a = v, *z = end;
	char *unq;

	if (w->b)
		mgen_buf_puts(w->b, MASK);
	if (w->sv == NULL)
		return;
	note(w, add_both(w->sv, v, end));
	while (a < z && (*a == ' ' || *a == '\t'))
		a++;
	while (z > a && (z[-1] == ' ' || z[-1] == '\t'))
		z--;
	if (z - a < 2 || *a != '{' || z[-1] != '}')
		return;
	unq = unbrace(a, z); /* "}}" is one brace */
	note(w, unq ? mgen__secrets_add(w->sv, unq) : MGEN_ENOMEM);
	free(unq);
}

/* A value that is not secret by name: a URL in it, or "k=v" words in it
 * (one level deep), still have their secrets masked. */
static void plain_value(walk *w, const char *v, const char *end, int depth)
{
	const char *a = v, *z = end;

	while (a < z && (*a == ' ' || *a == '\t' || *a == '{'))
		a++;
	while (z > a && (z[-1] == ' ' || z[-1] == '\t' || z[-1] == '}'))
		z--;
	if (is_url(a, z)) {
		put(w, v, a);
		walk_url(w, a, z);
		put(w, z, end);
	} else if (depth == 0 && memchr(a, '=', (size_t)(z - a))) {
		put(w, v, a);
		walk_attrs(w, a, z, " ,\t", 0, depth + 1);
		put(w, z, end);
	} else {
		put(w, v, end);
	}
}

/* "k=v<sep>k=v..." in [p, stop); `seps` lists the separators. */
static void walk_attrs(walk *w, const char *p, const char *stop,
		       const char *seps, int braces, int depth)
{
	const char *eq, *end;

	while (p < stop) {
		for (eq = p; eq < stop && *eq != '=' && !strchr(seps, *eq);
		     eq++)
			;
		if (eq == stop || *eq != '=') {
			put(w, p, eq < stop ? eq + 1 : stop);
			p = eq < stop ? eq + 1 : stop;
			continue;
		}
		end = value_end(eq + 1, stop, seps, braces);
		put(w, p, eq + 1);
		if (mgen__secret_name(p, (size_t)(eq - p)))
			secret_value(w, eq + 1, end);
		else
			plain_value(w, eq + 1, end, depth);
		put(w, end, end < stop ? end + 1 : stop);
		p = end < stop ? end + 1 : stop;
	}
}

/* A URL part as libcurl holds it (`flags` 0: as written), or NULL. */
static char *url_part(CURLU *u, CURLUPart part, unsigned flags)
{
	char *s = NULL;

	return curl_url_get(u, part, &s, flags) == CURLUE_OK ? s : NULL;
}

/* User and password: both values (and base64 of "user:password",
 * what HTTP Basic sends) added; both set to "***". */
static void url_userinfo(walk *w, CURLU *u)
{
	char *user = url_part(u, CURLUPART_USER, 0);
	char *pw = url_part(u, CURLUPART_PASSWORD, 0);
	mgen_buf basic = MGEN_BUF_INIT;
	char *du, *dp, *b64;

	if (w->sv && (user || pw)) {
		du = user ? pct_decode(user, user + strlen(user)) : NULL;
		dp = pw ? pct_decode(pw, pw + strlen(pw)) : NULL;
		mgen_buf_printf(&basic, "%s:%s", du ? du : "", dp ? dp : "");
		b64 =
		    mgen_buf_error(&basic)
			? NULL
			: mgen__base64((unsigned char *)basic.data, basic.len);
		note(w, b64 ? mgen__secrets_add(w->sv, b64) : MGEN_ENOMEM);
		if (user && !pw) /* a bare userinfo is a token */
			note(w, add_both(w->sv, user, user + strlen(user)));
		if (pw)
			note(w, add_both(w->sv, pw, pw + strlen(pw)));
		free(b64);
		free(du);
		free(dp);
		if (basic.data)
			memset(basic.data, 0, basic.len);
		mgen_buf_release(&basic);
	}
	if (user && curl_url_set(u, CURLUPART_USER, MASK, 0) != CURLUE_OK)
		note(w, MGEN_ENOMEM);
	if (pw && curl_url_set(u, CURLUPART_PASSWORD, MASK, 0) != CURLUE_OK)
		note(w, MGEN_ENOMEM);
	curl_free(user);
	curl_free(pw);
}

/* Query or fragment: secret parameters masked (values added). */
static void url_params(walk *w, CURLU *u, CURLUPart part)
{
	char *q = url_part(u, part, 0);
	mgen_buf m = MGEN_BUF_INIT;
	walk sub = {&m, w->sv, 0};

	if (q == NULL)
		return;
	walk_attrs(&sub, q, q + strlen(q), "&;", 0, 1);
	note(w, sub.rc);
	if (mgen_buf_error(&m) ||
	    curl_url_set(u, part, mgen_buf_str(&m), 0) != CURLUE_OK)
		note(w, MGEN_ENOMEM);
	mgen_buf_release(&m);
	curl_free(q);
}

/* A URL [p, end), through libcurl's parser. */
static void walk_url(walk *w, const char *p, const char *end)
{
	char *text = mgen__strndup(p, (size_t)(end - p)), *out = NULL;
	CURLU *u = curl_url();

	if (text == NULL || u == NULL) {
		note(w, MGEN_ENOMEM);
		goto done;
	}
	if (curl_url_set(u, CURLUPART_URL, text,
			 CURLU_NON_SUPPORT_SCHEME | CURLU_PATH_AS_IS) !=
	    CURLUE_OK) {
		if (w->b)
			mgen_buf_puts(w->b, "<unparsable url, hidden>");
		if (w->sv)
			note(w, mgen__secrets_add(w->sv, text));
		goto done;
	}
	url_userinfo(w, u);
	url_params(w, u, CURLUPART_QUERY);
	url_params(w, u, CURLUPART_FRAGMENT);
	if (w->b) {
		out = url_part(u, CURLUPART_URL, 0);
		if (out)
			mgen_buf_puts(w->b, out);
		else
			note(w, MGEN_ENOMEM);
	}
done:
	curl_free(out);
	curl_url_cleanup(u);
	if (text)
		memset(text, 0, (size_t)(end - p));
	free(text);
}

/* Connection string or URL `s`, whole. */
static void walk_text(walk *w, const char *s)
{
	const char *end = s + strlen(s);

	if (is_url(s, end))
		walk_url(w, s, end);
	else
		walk_attrs(w, s, end, ";", 1, 0);
}

char *mgen__mask_secrets(const char *s)
{
	mgen_buf b = MGEN_BUF_INIT;
	walk w = {&b, NULL, 0};

	if (s == NULL)
		return NULL;
	walk_text(&w, s);
	if (w.rc != 0 || mgen_buf_error(&b)) {
		mgen_buf_release(&b);
		return NULL;
	}
	return mgen_buf_detach(&b);
}

int mgen__secrets_add_from(mgen__secrets *s, const char *text)
{
	walk w = {NULL, s, 0};

	if (text != NULL)
		walk_text(&w, text);
	return w.rc;
}

/* 1 when [p, eq) is `name`, blanks around it ignored, ASCII case
 * folded. */
static int name_is(const char *p, const char *eq, const char *name)
{
	while (p < eq && (*p == ' ' || *p == '\t'))
		p++;
	while (eq > p && (eq[-1] == ' ' || eq[-1] == '\t'))
		eq--;
	return (size_t)(eq - p) == strlen(name) &&
	       strncasecmp(p, name, (size_t)(eq - p)) == 0;
}

int mgen__conn_attr(const char *conn, const char *name, char **out)
{
	const char *p = conn, *stop, *eq, *end;

	*out = NULL;
	if (conn == NULL)
		return 0;
	stop = conn + strlen(conn);
	if (is_url(p, stop) || mgen__secret_name(name, strlen(name)))
		return 0;
	while (p < stop) {
		for (eq = p; eq < stop && *eq != '=' && *eq != ';'; eq++)
			;
		if (eq == stop || *eq != '=') {
			p = eq < stop ? eq + 1 : stop;
			continue;
		}
		end = value_end(eq + 1, stop, ";", 1);
		if (name_is(p, eq, name)) {
			*out = unbrace(eq + 1, end);
			return *out ? 0 : MGEN_ENOMEM;
		}
		p = end < stop ? end + 1 : stop;
	}
	return 0;
}

/* --- URLs ---------------------------------------------------------------- */

int mgen__url_join(const char *base, const char *suffix, char **out, char *why,
		   size_t whylen)
{
	CURLU *u = curl_url();
	char *path = NULL, *scheme = NULL, *url = NULL;
	mgen_buf p = MGEN_BUF_INIT;
	CURLUcode uc;
	size_t n;
	int rc = MGEN_ENOMEM;

	*out = NULL;
	if (u == NULL)
		return MGEN_ENOMEM;
	uc = curl_url_set(u, CURLUPART_URL, base, 0);
	if (uc == CURLUE_OK)
		uc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	if (uc != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		snprintf(why, whylen, "%s",
			 uc != CURLUE_OK ? curl_url_strerror(uc)
					 : "not an http or https url");
		rc = MGEN_ECONFIG;
		goto done;
	}
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		goto done;
	n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	mgen_buf_append(&p, path, n);
	mgen_buf_puts(&p, suffix);
	if (!mgen_buf_error(&p) &&
	    curl_url_set(u, CURLUPART_PATH, mgen_buf_str(&p), 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &url, 0) == CURLUE_OK) {
		*out = mgen__strdup(url);
		rc = *out ? 0 : MGEN_ENOMEM;
	}
done:
	mgen_buf_release(&p);
	curl_free(path);
	curl_free(scheme);
	if (url)
		memset(url, 0, strlen(url));
	curl_free(url);
	curl_url_cleanup(u);
	return rc;
}

int mgen__has_line_break(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") != NULL;
}
