/*
 * config_json.c - the settings as a JSON object for the run manifest
 * (mgen_config_to_json) and secret masking of connection strings
 * (mgen_config_mask_connection). Secrets never leave this file unmasked.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"
#include "metagen/buf.h"
#include "util/json.h"
#include "util/util.h"

/*
 * 1 when an attribute name holds a secret. Matches by substring, ASCII
 * case-insensitive, so PWD, Password, Token, AuthToken, Auth_AccessToken,
 * Secret, Auth_Client_Secret, PRIV_KEY_FILE_PWD are all caught.
 */
static int secret_name(const char *name, size_t len)
{
	static const char *const words[] = {"pwd",    "passw",	"token",
					    "secret", "apikey", "api_key"};
	char low[64];
	size_t i, w;

	while (len > 0 && isspace((unsigned char)*name)) {
		name++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)name[len - 1]))
		len--;
	if (len == 0)
		return 0;
	if (len >= sizeof(low))
		return 1; /* an odd, long name: mask to be safe */
	for (i = 0; i < len; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[len] = '\0';
	for (w = 0; w < sizeof(words) / sizeof(words[0]); w++)
		if (strstr(low, words[w]) != NULL)
			return 1;
	return 0;
}

/* End of an attribute value starting at `p`: a {braced} value runs to
 * its closing brace ("}}" is an escaped brace), then to `sep` or the end. */
static const char *value_end(const char *p, char sep)
{
	const char *q = p;

	while (*q == ' ' || *q == '\t')
		q++;
	if (*q == '{') {
		for (q++; *q; q++) {
			if (q[0] == '}' && q[1] == '}')
				q++;
			else if (*q == '}')
				break;
		}
		if (*q == '\0')
			return q;
	}
	while (*q && *q != sep)
		q++;
	return q;
}

/* Appends `s` (up to `stop` or the end) as name=value attributes split by
 * `sep`, with secret values as "***". */
static void mask_attrs(mgen_buf *b, const char *s, const char *stop, char sep)
{
	const char *p = s, *eq, *end;

	if (stop == NULL)
		stop = s + strlen(s);
	while (p < stop) {
		for (eq = p; eq < stop && *eq != '=' && *eq != sep; eq++)
			;
		if (eq == stop || *eq == sep) {
			mgen_buf_append(b, p, (size_t)(eq - p));
			if (eq < stop)
				mgen_buf_putc(b, sep);
			p = eq < stop ? eq + 1 : stop;
			continue;
		}
		end = value_end(eq + 1, sep);
		if (end > stop)
			end = stop;
		mgen_buf_append(b, p, (size_t)(eq + 1 - p));
		if (secret_name(p, (size_t)(eq - p)))
			mgen_buf_puts(b, "***");
		else
			mgen_buf_append(b, eq + 1, (size_t)(end - eq - 1));
		if (end < stop)
			mgen_buf_putc(b, sep);
		p = end < stop ? end + 1 : stop;
	}
}

/* A URL ("scheme://user:password@host/db?password=x"): masks the
 * password of the user part and secret query parameters. */
static void mask_url(mgen_buf *b, const char *s, const char *scheme_end)
{
	const char *auth = scheme_end + 3, *host_end, *at, *colon, *query;

	host_end = auth + strcspn(auth, "/?#");
	at = NULL;
	for (colon = auth; colon < host_end; colon++)
		if (*colon == '@')
			at = colon;
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (colon != NULL) {
		mgen_buf_append(b, s, (size_t)(colon + 1 - s));
		mgen_buf_puts(b, "***");
		s = at;
	}
	query = strchr(host_end, '?');
	if (query == NULL) {
		mgen_buf_puts(b, s);
		return;
	}
	mgen_buf_append(b, s, (size_t)(query + 1 - s));
	mask_attrs(b, query + 1, query + 1 + strcspn(query + 1, "#"), '&');
	mgen_buf_puts(b, query + 1 + strcspn(query + 1, "#"));
}

char *mgen_config_mask_connection(const char *conn)
{
	mgen_buf b = MGEN_BUF_INIT;
	const char *scheme;

	if (conn == NULL)
		return NULL;
	scheme = strstr(conn, "://");
	if (scheme != NULL && strchr(conn, ';') == NULL)
		mask_url(&b, conn, scheme);
	else
		mask_attrs(&b, conn, NULL, ';');
	return mgen_buf_detach(&b);
}

/* The `i`th choice of "a|b|c" as a new string, or NULL. */
static char *nth_choice(const char *choices, int i)
{
	const char *p = choices, *bar;

	while (i-- > 0 && p != NULL) {
		p = strchr(p, '|');
		p = p ? p + 1 : NULL;
	}
	if (p == NULL)
		return NULL;
	bar = strchr(p, '|');
	return mgen__strndup(p, bar ? (size_t)(bar - p) : strlen(p));
}

/* A JSON string, or null for NULL; NULL on out of memory. */
static cJSON *str_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* The JSON value of one key; NULL on out of memory. */
static cJSON *key_json(const mgen_config *cfg, const mgen__config_spec *s)
{
	const void *p = (const char *)cfg + s->off;
	const mgen_strlist *l;
	const mgen_kvlist *m;
	cJSON *v = NULL;
	char *tmp;
	size_t i;

	switch (s->type) {
	case MGEN__CT_STRING:
	case MGEN__CT_CHOICE:
		tmp = *(char *const *)p;
		if (tmp != NULL && (s->flags & MGEN__CF_SECRET))
			return cJSON_CreateString("***");
		if (tmp == NULL || !(s->flags & MGEN__CF_CONNSTR))
			return str_or_null(tmp);
		tmp = mgen_config_mask_connection(tmp);
		v = tmp ? cJSON_CreateString(tmp) : NULL;
		free(tmp);
		return v;
	case MGEN__CT_BOOL:
		return cJSON_CreateBool(*(const int *)p);
	case MGEN__CT_INT:
		return cJSON_CreateNumber(*(const int *)p);
	case MGEN__CT_NUMBER:
		return cJSON_CreateNumber(*(const double *)p);
	case MGEN__CT_ENUM:
		tmp = nth_choice(s->choices, *(const int *)p);
		v = str_or_null(tmp);
		free(tmp);
		return v;
	case MGEN__CT_LIST:
		l = p;
		v = cJSON_CreateArray();
		for (i = 0; v != NULL && i < l->n; i++)
			if (!cJSON_AddItemToArray(
				v, cJSON_CreateString(l->items[i])))
				goto fail;
		return v;
	case MGEN__CT_MAP:
		m = p;
		v = cJSON_CreateObject();
		for (i = 0; v != NULL && i < m->n; i++)
			if (cJSON_AddStringToObject(v, m->items[i].key,
						    m->items[i].value) == NULL)
				goto fail;
		return v;
	}
fail:
	cJSON_Delete(v);
	return NULL;
}

char *mgen_config_to_json(const mgen_config *cfg)
{
	cJSON *root = cJSON_CreateObject(), *v;
	char *text = NULL;
	size_t i;

	if (root == NULL)
		return NULL;
	for (i = 0; i < mgen__config_nspecs; i++) {
		v = key_json(cfg, &mgen__config_specs[i]);
		if (v == NULL || !cJSON_AddItemToObject(
				     root, mgen__config_specs[i].key, v)) {
			cJSON_Delete(v);
			goto done;
		}
	}
	v = str_or_null(cfg->config_path);
	if (v == NULL || !cJSON_AddItemToObject(root, "config_path", v)) {
		cJSON_Delete(v);
		goto done;
	}
	text = mgen__json_print(root);
done:
	cJSON_Delete(root);
	return text;
}
