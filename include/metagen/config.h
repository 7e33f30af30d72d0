/*
 * config.h - metagen's settings, from four sources in order of strength:
 * command-line flag > METAGEN_* environment variable > YAML config file >
 * built-in default. config/metagen.yaml documents every key.
 *
 * Keys use dbxmetagen's names where the concept is the same
 * (../shared/reference/dbxmetagen.md). Nested YAML maps give dotted keys
 * (prompts: {dir: x} is "prompts.dir"); the environment variable is
 * METAGEN_ + the key upper-cased with dots as underscores
 * (METAGEN_PROMPTS_DIR); the flag is -- + the key with dots and
 * underscores as dashes (--prompts-dir).
 */
#ifndef METAGEN_CONFIG_H
#define METAGEN_CONFIG_H

#include <stddef.h>

#include "metagen.h"
#include "model.h"

/* A list of strings (scope patterns); owned by the config. */
typedef struct mgen_strlist {
	char **items;
	size_t n;
} mgen_strlist;

typedef enum mgen_comment_style {
	MGEN_STYLE_CONCISE = 0,
	MGEN_STYLE_STANDARD = 1,
	MGEN_STYLE_DETAILED = 2
} mgen_comment_style;

/* Every setting. Strings are owned (NULL = unset). */
typedef struct mgen_config {
	int version; /* MGEN_CONFIG_VERSION */
	/* warehouse */
	char *connection;        /* connection: ODBC string or DSN=name */
	char *dialect;           /* dialect: auto|sqlite|postgresql|... */
	mgen_strlist scope;      /* scope: globs over catalog.schema.table */
	mgen_strlist exclude;    /* exclude: globs */
	/* LM */
	char *model;             /* model: "offline" = no LM */
	char *api_base;          /* api_base */
	char *api_key;           /* api_key: SECRET, never printed */
	double temperature;      /* temperature: 0.1 */
	int max_tokens;          /* max_tokens: 8192 */
	int timeout_seconds;     /* timeout_seconds: 120 */
	int max_retries;         /* max_retries: 3 (LM errors) */
	int parse_retries;       /* parse_retries: 2 (bad answers) */
	/* profile and prompt (dbxmetagen names) */
	int sample_size;         /* sample_size: 5 */
	int allow_data;          /* allow_data: true */
	int allow_data_in_comments; /* allow_data_in_comments: true */
	int add_metadata;        /* add_metadata: true */
	int include_existing_table_comment; /* true */
	int include_possible_data_fields_in_metadata; /* true (min/max) */
	int columns_per_call;    /* columns_per_call: 20 */
	int max_prompt_length;   /* max_prompt_length: 16384 (words) */
	int word_limit_per_cell; /* word_limit_per_cell: 200 */
	mgen_comment_style comment_style; /* comment_style: standard */
	mgen_kvlist abbreviations; /* abbreviations: map abbr -> expansion */
	char *prompts_dir;       /* prompts.dir: NULL = built-in templates */
	/* outputs and apply */
	char *out;               /* out: "out" (run folders go inside) */
	int apply_ddl;           /* apply_ddl (--apply): false */
	int overwrite;           /* overwrite: false (only_missing) */
	int dry_run;             /* dry_run: false */
	int progress;            /* progress: true (stderr) */
	/* where the config came from, for messages and the manifest */
	char *config_path;       /* NULL when no file was read */
} mgen_config;

#define MGEN_CONFIG_VERSION 1

/* Fills `cfg` with the defaults above. Returns 0 or MGEN_ENOMEM. */
int mgen_config_init(mgen_config *cfg);

/* Frees every owned string and list. */
void mgen_config_release(mgen_config *cfg);

/*
 * Reads a YAML file (a mapping; nested maps give dotted keys; sequences
 * for list keys; a map for abbreviations) and sets each key through
 * mgen_config_set with where = "FILE:LINE". An unknown key, a wrong type
 * or a bad value is MGEN_ECONFIG with "FILE:LINE: ..." in `err`; a YAML
 * syntax error gives libyaml's problem and mark. On error `cfg` may hold
 * the keys set before it. Records the path in cfg->config_path.
 */
int mgen_config_load_file(mgen_config *cfg, const char *path, mgen_err *err);

/* Applies every METAGEN_<KEY> variable in `envp` (NULL-terminated, as
 * environ) with where = "environment METAGEN_<KEY>". Unknown METAGEN_
 * variables other than METAGEN_CONFIG and METAGEN_API_KEY are an error.
 * List keys take comma-separated values. */
int mgen_config_load_env(mgen_config *cfg, char *const *envp, mgen_err *err);

/*
 * Sets one key from text: `key` dotted ("prompts.dir") or in flag form
 * ("prompts-dir"); list keys append `value` (repeatable flags) unless
 * `replace_list`; booleans take true/false/yes/no/on/off/1/0; numbers
 * are range-checked; enums name their choices in the error. `where`
 * names the source for messages ("--sample-size", "cfg.yaml:12").
 * Returns 0, MGEN_ECONFIG ("WHERE: unknown key 'x'" etc.), MGEN_ENOMEM.
 */
int mgen_config_set(mgen_config *cfg, const char *key, const char *value,
		    int replace_list, const char *where, mgen_err *err);

/* 1 when `key` (dotted or flag form) is a boolean key (a flag that needs
 * no value), 0 when it takes a value, -1 when unknown. */
int mgen_config_key_kind(const char *key);

/* A list of every key: name, type, default and one line of help, for
 * --help; borrowed static array terminated by {NULL}. */
typedef struct mgen_config_keyinfo {
	const char *key;
	const char *type;  /* "string", "bool", "int", "number", "list",
			      "map", or "a|b|c" for enums */
	const char *dflt;
	const char *help;
} mgen_config_keyinfo;
const mgen_config_keyinfo *mgen_config_keys(void);

/*
 * A JSON object of every setting for the manifest, with api_key and any
 * PWD=/token inside the connection string replaced by "***". Caller
 * frees. NULL on out of memory.
 */
char *mgen_config_to_json(const mgen_config *cfg);

/* Masks secrets in an ODBC connection string (PWD=, Password=, token
 * values): returns a malloc'd copy with the values as "***". */
char *mgen_config_mask_connection(const char *conn);

#endif
