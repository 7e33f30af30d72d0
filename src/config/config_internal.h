/*
 * config_internal.h - the key table shared by the config module's files
 * (config_keys.c: the table; config.c: lookup and set; config_env.c: the
 * environment; config_json.c: JSON and masking; config_yaml.c: the YAML
 * loader). Internal: not part of the public API.
 */
#ifndef METAGEN_CONFIG_INTERNAL_H
#define METAGEN_CONFIG_INTERNAL_H

#include <stddef.h>

#include "metagen/config.h"

/* How a key's value is stored in mgen_config. */
typedef enum mgen__ctype {
	MGEN__CT_STRING, /* char * (NULL = unset) */
	MGEN__CT_BOOL,	 /* int 0/1 */
	MGEN__CT_INT,	 /* int, range-checked */
	MGEN__CT_NUMBER, /* double, range-checked */
	MGEN__CT_LIST,	 /* mgen_strlist */
	MGEN__CT_MAP,	 /* mgen_kvlist */
	MGEN__CT_CHOICE, /* char *, one of `choices` (stored lower-case) */
	MGEN__CT_ENUM	 /* int-sized C enum: index into `choices` */
} mgen__ctype;

/* Key flags. */
#define MGEN__CF_SECRET 1u  /* value printed as "***" (api_key) */
#define MGEN__CF_CONNSTR 2u /* masked by mgen_config_mask_connection */

/* One row of the key table (see the comment above the table in
 * config_keys.c for how to add a key). */
typedef struct mgen__config_spec {
	const char *key; /* canonical dotted name: "prompts.dir" */
	mgen__ctype type;
	const char *choices; /* "a|b|c" for CHOICE and ENUM, the words a LIST
				takes (NULL: any), else NULL */
	const char *dflt;    /* default as text; NULL = unset / empty */
	size_t off;	     /* offsetof(mgen_config, field) */
	double lo, hi;	     /* inclusive range for INT and NUMBER */
	unsigned flags;	     /* MGEN__CF_* */
	const char *help;    /* one line for --help and config/metagen.yaml */
} mgen__config_spec;

/* The table and its length. */
extern const mgen__config_spec mgen__config_specs[];
extern const size_t mgen__config_nspecs;

/* The spec of `key` (dotted, underscore or flag form, or an alias,
 * ASCII case-insensitive), or NULL. */
const mgen__config_spec *mgen__config_find(const char *key);

/* The key closest to `key` within an edit distance of 2 (dots, dashes,
 * underscores and case folded), or NULL. */
const mgen__config_spec *mgen__config_suggest(const char *key);

/* Writes to `err` "WHERE: unknown key 'KEY'" plus a did-you-mean
 * suggestion when a key is close. Returns MGEN_ECONFIG. */
int mgen__config_unknown(const char *key, const char *where, mgen_err *err);

/* Resets one key to its default. Returns 0 or MGEN_ENOMEM. */
int mgen__config_reset(mgen_config *cfg, const mgen__config_spec *s);

/* Appends one list item (no comma splitting) to a LIST key. */
int mgen__config_list_add(mgen_config *cfg, const mgen__config_spec *s,
			  const char *item);

/* A LIST key with `choices` takes only those words (case-insensitive):
 * 0, or MGEN_ECONFIG "WHERE: KEY: expected items of a|b, got 'x'". */
int mgen__config_list_check(const mgen__config_spec *s, const char *item,
			    const char *where, mgen_err *err);

/* Adds or replaces one pair (no splitting) in a MAP key. An empty `k`
 * is MGEN_ECONFIG with "WHERE: KEY: ..." in `err`. */
int mgen__config_map_put(mgen_config *cfg, const mgen__config_spec *s,
			 const char *k, const char *v, const char *where,
			 mgen_err *err);

/* Name of a type for --help ("int", "a|b|c"). */
const char *mgen__config_type_name(const mgen__config_spec *s);

/* What a key expects, for messages ("an integer", "a|b|c"). */
const char *mgen__config_expected(const mgen__config_spec *s);

/*
 * Loads YAML text held in memory (the fuzz target's entry point);
 * `name` is used in messages as FILE. Same rules as
 * mgen_config_load_file, without touching cfg->config_path.
 */
int mgen__config_load_yaml(mgen_config *cfg, const char *name, const char *data,
			   size_t len, mgen_err *err);

#endif
