/*
 * config_scope.c - which objects a config's scope takes in: the `scope`
 * and `exclude` globs (include/metagen/config.h).
 */
#include "metagen/config.h"
#include "util/util.h"

int mgen_config_in_scope(const mgen_config *cfg, const char *catalog,
			 const char *schema, const char *table)
{
	size_t i;
	int hit = cfg->scope.n == 0;

	for (i = 0; !hit && i < cfg->scope.n; i++)
		hit = mgen__scope_match(cfg->scope.items[i], catalog, schema,
					table);
	for (i = 0; hit && i < cfg->exclude.n; i++)
		if (mgen__scope_match(cfg->exclude.items[i], catalog, schema,
				      table))
			hit = 0;
	return hit;
}
