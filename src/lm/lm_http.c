/*
 * lm_http.c - the LM client's HTTP transfers (lm_internal.h): the libcurl
 * easy handle's setup for one request (headers, Bearer key, timeouts, POST
 * or GET) and its callbacks: the answer body read up to its bound, and
 * Retry-After (RFC 9110 10.2.3, seconds or an HTTP-date) taken from the
 * headers. Used by lm.c (chat completions) and lm_preflight.c (/models
 * and the one-token check).
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lm/lm_internal.h"
#include "metagen/buf.h"
#include "util/util.h"

#define LM_CONNECT_TIMEOUT_MS 30000L

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	mgen_lm_http *h = ud;

	if (mgen_buf_append(&h->body, data, size * n) != 0)
		return 0; /* too large or out of memory: abort the transfer */
	return size * n;
}

/* Parses "Retry-After: <seconds>" or an HTTP-date into milliseconds. */
static void parse_retry_after(mgen_lm_http *h, const char *v, size_t n)
{
	char tmp[128];
	char *end;
	double secs;
	time_t when, now;

	while (n > 0 && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n > 0 &&
	       (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	if (n == 0 || n >= sizeof(tmp))
		return;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	secs = strtod(tmp, &end);
	if (end != tmp && *end == '\0' && secs >= 0) {
		h->retry_after_ms =
		    secs > 86400 ? 86400000L : (long)(secs * 1000.0);
		return;
	}
	when = curl_getdate(tmp, NULL);
	now = time(NULL);
	if (when != (time_t)-1)
		h->retry_after_ms = when > now ? (long)(when - now) * 1000L : 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
	static const char name[] = "retry-after:";
	size_t len = size * n, k = sizeof(name) - 1;

	if (len > k && strncasecmp(data, name, k) == 0)
		parse_retry_after(ud, data + k, len - k);
	return len;
}

int mgen_lm__setup_handle(const mgen_lm *lm, void *handle, const char *url,
			  const char *body, struct curl_slist **hdrs,
			  mgen_lm_http *ans, char *errbuf)
{
	CURL *h = handle;
	const mgen_lm_target *t = mgen_lm__target(lm);
	long timeout_ms = mgen_lm__timeout_ms(lm);
	mgen_buf auth = MGEN_BUF_INIT;
	struct curl_slist *l = NULL, *n;
	int rc = 0;

	l = curl_slist_append(NULL, "Content-Type: application/json");
	if (l && (n = curl_slist_append(l, "Accept: application/json")))
		l = n;
	if (l && (n = curl_slist_append(l, "Expect:")))
		l = n;
	if (t->key) {
		mgen_buf_printf(&auth, "Authorization: Bearer %s", t->key);
		if (l && !mgen_buf_error(&auth) &&
		    (n = curl_slist_append(l, mgen_buf_str(&auth))))
			l = n;
		else
			rc = MGEN_ENOMEM;
		if (auth.data)
			memset(auth.data, 0, auth.len);
		mgen_buf_release(&auth);
	}
	*hdrs = l;
	if (l == NULL || rc != 0)
		return MGEN_ENOMEM;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, l);
	if (body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)strlen(body));
	} else {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, ans);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, ans);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 timeout_ms < LM_CONNECT_TIMEOUT_MS
			     ? timeout_ms
			     : LM_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "metagen/" MGEN_VERSION);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	return 0;
}
