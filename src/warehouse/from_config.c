/*
 * from_config.c - a warehouse handle and profile options from a config
 * (the factories of include/metagen/warehouse.h, so callers need only
 * public headers).
 */
#include "metagen/config.h"
#include "metagen/warehouse.h"

int mgen_wh_open_config(const mgen_config *cfg, mgen_wh **out, mgen_err *err)
{
	mgen_dialect d = MGEN_DIALECT_AUTO;

	*out = NULL;
	if (cfg->connection == NULL || cfg->connection[0] == '\0')
		return mgen_err_set(
		    err, MGEN_ECONFIG,
		    "no warehouse connection: set --connection, "
		    "METAGEN_CONNECTION or 'connection' in the "
		    "config file");
	if (cfg->dialect && mgen_dialect_parse(cfg->dialect, &d) != 0)
		return mgen_err_set(err, MGEN_ECONFIG, "unknown dialect '%s'",
				    cfg->dialect);
	return mgen_wh_connect(cfg->connection, d, out, err);
}

mgen_profile_options mgen_profile_options_from_config(const mgen_config *cfg)
{
	mgen_profile_options po = MGEN_PROFILE_OPTIONS_INIT;

	po.sample_size = cfg->allow_data ? (size_t)cfg->sample_size : 0;
	po.allow_data = cfg->allow_data;
	po.word_limit_per_cell = (size_t)cfg->word_limit_per_cell;
	return po;
}
