/*
 * json.c - typed getters over cJSON (see util/json.h).
 */
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
