/*
 * json.c - typed getters over cJSON (see util/json.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/buf.h"
#include "metagen/metagen.h"
#include "util/json.h"

/* Python's repr of the finite float `d` into buf (shortest text that
 * reads back as d; fixed notation for decimal exponents -4..15, with
 * ".0" when whole; else %g's exponent form): 4.0, 2.35, 1e-05, 1e+16. */
static void py_float(double d, char *buf, size_t size)
{
	char e[40];
	int p, x;

	for (p = 1; p < 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, d);
		if (strtod(e, NULL) == d)
			break;
	}
	snprintf(e, sizeof(e), "%.*e", p - 1, d);
	x = (int)strtol(strchr(e, 'e') + 1, NULL, 10);
	if (x < -4 || x >= 16) {
		snprintf(buf, size, "%.*g", p, d);
		return;
	}
	snprintf(buf, size, "%.*f", p - 1 - x > 0 ? p - 1 - x : 0, d);
	if (strchr(buf, '.') == NULL)
		snprintf(buf + strlen(buf), size - strlen(buf), ".0");
}

int mgen__json_py_floats(cJSON *parent, const char *key)
{
	cJSON *child, *v, *raw;
	char text[40];

	cJSON_ArrayForEach(child, parent)
	{
		v = cJSON_GetObjectItemCaseSensitive(child, key);
		if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
			continue;
		py_float(v->valuedouble, text, sizeof(text));
		raw = cJSON_CreateRaw(text);
		if (raw == NULL ||
		    !cJSON_ReplaceItemInObjectCaseSensitive(child, key, raw)) {
			cJSON_Delete(raw);
			return MGEN_ENOMEM;
		}
	}
	return 0;
}

const char *mgen__json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

double mgen__json_num(const cJSON *o, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

char *mgen__json_print(const cJSON *item)
{
	return cJSON_PrintUnformatted(item);
}

int mgen__json_add(int *err, cJSON *parent, const char *key, cJSON *item)
{
	cJSON_bool ok = 0;

	if (*err == 0 && parent != NULL && item != NULL &&
	    (key != NULL || cJSON_IsArray(parent))) /* no keyless member */
		ok = key != NULL ? cJSON_AddItemToObject(parent, key, item)
				 : cJSON_AddItemToArray(parent, item);
	if (!ok) {
		cJSON_Delete(item);
		if (*err == 0)
			*err = MGEN_ENOMEM;
	}
	return *err;
}

cJSON *mgen__json_add_object(int *err, cJSON *parent, const char *key)
{
	cJSON *o = cJSON_CreateObject();

	return mgen__json_add(err, parent, key, o) == 0 ? o : NULL;
}

cJSON *mgen__json_add_array(int *err, cJSON *parent, const char *key)
{
	cJSON *a = cJSON_CreateArray();

	return mgen__json_add(err, parent, key, a) == 0 ? a : NULL;
}

int mgen__json_add_str(int *err, cJSON *parent, const char *key, const char *v)
{
	if (*err != 0)
		return *err;
	return mgen__json_add(err, parent, key,
			      v ? cJSON_CreateString(v) : cJSON_CreateNull());
}

int mgen__json_add_num(int *err, cJSON *parent, const char *key, double v)
{
	if (*err != 0)
		return *err;
	return mgen__json_add(err, parent, key, cJSON_CreateNumber(v));
}

int mgen__json_add_bool(int *err, cJSON *parent, const char *key, int v)
{
	if (*err != 0)
		return *err;
	return mgen__json_add(err, parent, key, cJSON_CreateBool(v != 0));
}

size_t mgen__json_nul_escape(const char *t, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		if (t[i] == '\0')
			return i;
		if (t[i] == '\\') {
			run++;
			continue;
		}
		if (run % 2 == 1 && t[i] == 'u' && len - i >= 5 &&
		    memcmp(t + i + 1, "0000", 4) == 0)
			return i - 1;
		run = 0;
	}
	return (size_t)-1;
}

int mgen__json_write_string(const char *s, mgen_buf *b)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	mgen_buf_putc(b, '"');
	for (; *p; p++) {
		const char *esc = NULL;

		switch (*p) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			break;
		}
		if (esc) {
			mgen_buf_puts(b, esc);
		} else if (*p < 0x20) {
			char u[6] = {'\\', 'u',		 '0',
				     '0',  hex[*p >> 4], hex[*p & 15]};
			mgen_buf_append(b, u, sizeof(u));
		} else {
			mgen_buf_putc(b, (char)*p);
		}
	}
	mgen_buf_putc(b, '"');
	return mgen_buf_error(b);
}
