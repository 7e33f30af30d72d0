/*
 * json.c - typed getters over cJSON (see util/json.h).
 */
#include <string.h>

#include "metagen/metagen.h"
#include "util/json.h"

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

	if (*err == 0 && parent != NULL && item != NULL)
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
