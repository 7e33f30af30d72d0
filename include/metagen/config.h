/*
 * config.h - metagen's settings, from four sources in order of strength:
 * command-line flag > METAGEN_* environment variable > YAML config file >
 * built-in default. config/metagen.yaml documents every key.
 *
 * Keys use dbxmetagen's names where the concept is the same
 * (docs/reference/dbxmetagen.md). Nested YAML maps give dotted keys
 * (prompts: {dir: x} is "prompts.dir"); the environment variable is
 * METAGEN_ + the key upper-cased with dots as underscores
 * (METAGEN_PROMPTS_DIR); the flag is -- + the key with dots and
 * underscores as dashes (--prompts-dir).
 */
#ifndef METAGEN_CONFIG_H
#define METAGEN_CONFIG_H

#include <stddef.h>

#include "metagen.h"
#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

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
	char *connection;	   /* connection: ODBC string or DSN=name */
	char *dialect;		   /* dialect: auto|sqlite|postgresql|... */
	mgen_strlist scope;	   /* scope: globs over catalog.schema.table */
	mgen_strlist exclude;	   /* exclude: globs */
	mgen_strlist object_types; /* object_types: tables, views,
				      materialized_views, foreign_tables
				      (default), partitions */
	/* LM */
	char *model;		    /* model: "offline" = no LM */
	char *api_base;		    /* api_base */
	char *api_key;		    /* api_key: SECRET, never printed */
	char *api_key_file;	    /* api_key_file: file holding the key */
	double temperature;	    /* temperature: 0.1 */
	int max_tokens;		    /* max_tokens: 8192 */
	int timeout_seconds;	    /* timeout_seconds: 120 */
	int max_retries;	    /* max_retries: 3 (LM errors) */
	int parse_retries;	    /* parse_retries: 2 (bad answers) */
	int offline_fallback;	    /* offline_fallback: false; when true the
				       offline describer writes the comments of a
				       table the LM cannot answer (endpoint errors
				       after retries), with status FALLBACK (the run
				       exits 1); never used for answers that fail
				       validation: those are reported failed */
	int apply_offline;	    /* apply_offline: false; true lets --apply
				       and `metagen apply` write FALLBACK
				       comments too */
	int cache;		    /* cache: true (LM answers in
				       <cache_dir>/cache.sqlite; --no-cache) */
	char *cache_dir;	    /* cache_dir: ".metagen" */
	double requests_per_minute; /* rate_limit.requests_per_minute: 0 =
				       unlimited */
	double tokens_per_minute;   /* rate_limit.tokens_per_minute: 0 =
				       unlimited */
	/* scheduling */
	int concurrency; /* concurrency: 4 (worker threads, each with
			    its own warehouse connection) */
	/* profile and prompt (dbxmetagen names) */
	int sample_size;		    /* sample_size: 5 */
	int allow_data;			    /* allow_data: true */
	int allow_data_in_comments;	    /* allow_data_in_comments: false */
	int add_metadata;		    /* add_metadata: true */
	int include_existing_table_comment; /* true */
	int include_possible_data_fields_in_metadata; /* true (min/max) */
	int columns_per_call;			      /* columns_per_call: 20 */
	int max_prompt_length;		  /* max_prompt_length: 16384 (words) */
	int word_limit_per_cell;	  /* word_limit_per_cell: 200 */
	mgen_comment_style comment_style; /* comment_style: standard */
	mgen_kvlist abbreviations; /* abbreviations: map abbr -> expansion */
	char *prompts_dir;	   /* prompts.dir: NULL = built-in templates */
	char *prompts_optimized;   /* prompts.optimized (--program): saved
				      comment program file; NULL/"" = none */
	mgen_strlist rollout_optimized; /* rollout.optimized: globs over
					   catalog.schema.table */
	char *path; /* path: auto|optimized|legacy ("auto") */
	/* outputs and apply */
	char *out;     /* out: "out" (run folders go inside) */
	int apply_ddl; /* apply_ddl (--apply): false */
	int overwrite; /* overwrite: false (only_missing) */
	int dry_run;   /* dry_run: false */
	int progress;  /* progress: true (stderr) */
	/* production runs */
	char *resume;			/* resume: run id or run folder */
	char *shard;			/* shard: "K/N", 0 <= K < N */
	int estimate;			/* estimate: false */
	int budget_max_tokens;		/* budget.max_tokens: 0 = no limit */
	double budget_max_cost;		/* budget.max_cost: 0 = no limit */
	double price_prompt_per_1k;	/* price.prompt_per_1k: 0 */
	double price_completion_per_1k; /* price.completion_per_1k: 0 */
	/* retrieval (include/metagen/rag.h) */
	char *rag_index;	    /* rag.index: ".metagen/rag.sqlite"; used by
				       generate only when the file exists */
	int rag_chunk_tokens;	    /* rag.chunk_tokens: 200 (words) */
	int rag_chunk_overlap;	    /* rag.chunk_overlap: 40 (words) */
	int rag_top_k;		    /* rag.top_k: 5 (chunks per table) */
	int rag_max_context_tokens; /* rag.max_context_tokens: 400 (words) */
	int rag_max_file_mb;	    /* rag.max_file_mb: 32 (larger files are
				       refused) */
	char *rag_embed_model;	    /* rag.embeddings.model: NULL = no dense
				       vectors; sent to <api_base>/embeddings */
	int rag_embed_batch;	    /* rag.embeddings.batch_size: 64 texts per
				       embeddings request */
	char *rag_connection; /* rag.connection: ODBC connection string of a
				 PostgreSQL store; set = used instead of
				 rag.index (masked in every message) */
	char *rag_schema;     /* rag.schema: "metagen_rag" (the store's
				 PostgreSQL schema) */
	/* conversation memory (include/metagen/memory.h) */
	char *memory_connection;     /* memory.connection: SQLite file; NULL =
					<cache_dir>/memory.sqlite */
	int memory_history_messages; /* memory.history_messages: 20 */
	int memory_retention_days;   /* memory.retention_days: 0 = keep */
	/* metagen serve (include/metagen/serve.h) */
	char *serve_host;	   /* serve.host: "127.0.0.1" */
	int serve_port;		   /* serve.port: 8080 */
	char *serve_token;	   /* serve.token: SECRET, never printed */
	char *serve_token_file;	   /* serve.token_file */
	int serve_max_body_bytes;  /* serve.max_body_bytes: 1048576 */
	int serve_max_inflight;	   /* serve.max_inflight: 64 */
	int serve_timeout_seconds; /* serve.timeout_seconds: 30 */
	int serve_max_queue;	   /* serve.max_queue: 256 */
	int serve_max_connections; /* serve.max_connections: 0 = derived */
	int serve_request_timeout_seconds; /* serve.request_timeout_seconds:
					      60 */
	int serve_trace_max_bytes;	   /* serve.trace_max_bytes: 64 MiB */
	char *serve_trace; /* serve.trace: JSONL trace file; NULL = none */
	/* where the config came from, for messages and the manifest */
	char *config_path; /* NULL when no file was read */
} mgen_config;

#define MGEN_CONFIG_VERSION 1

/* Fills `cfg` with the defaults above. Returns 0 or MGEN_ENOMEM. */
int mgen_config_init(mgen_config *cfg);

/* Frees every owned string and list. */
void mgen_config_release(mgen_config *cfg);

/*
 * Reads a YAML 1.1 file (libyaml) - one mapping; nested maps give dotted
 * keys; sequences (or a comma list) for list keys; a map for
 * abbreviations - and sets each key through mgen_config_set with where =
 * "FILE:LINE" (LINE 1-based, of the key, or of the list item / pair that
 * is wrong). A list or map key in the file replaces what was there. A
 * plain null value (empty, ~, null) restores the key's default. An empty
 * file sets nothing. An unknown key ("FILE:LINE: unknown key 'x'; did
 * you mean 'y'?"), a wrong type, a bad value, a top level that is not a
 * mapping or a second document is MGEN_ECONFIG with "FILE:LINE: ..." in
 * `err`; a YAML syntax error is MGEN_ECONFIG with
 * "FILE:LINE:COL: <libyaml problem> (<context> at line N)". An unreadable
 * file is MGEN_EIO. On error `cfg` may hold the keys set before it.
 * Records the path in cfg->config_path (a copy) once the file is read.
 */
int mgen_config_load_file(mgen_config *cfg, const char *path, mgen_err *err);

/* Applies every METAGEN_<KEY> variable in `envp` (NULL-terminated, as
 * environ) with where = "environment METAGEN_<KEY>"; the name is matched
 * with dots, underscores and case folded (METAGEN_PROMPTS_DIR is
 * prompts.dir). List and map keys are replaced by the comma-separated
 * value ("a.*,b.c"; "k=v,k2=v2"). METAGEN_CONFIG, METAGEN_API_KEY (read
 * by the LM client), METAGEN_SRCDIR and METAGEN_TEST_* are skipped; any
 * other unknown METAGEN_ variable is MGEN_ECONFIG ("environment
 * METAGEN_FOO: unknown key"). Returns 0, MGEN_ECONFIG or MGEN_ENOMEM. */
int mgen_config_load_env(mgen_config *cfg, char *const *envp, mgen_err *err);

/*
 * Sets one key from text: `key` dotted ("prompts.dir"), with underscores
 * or in flag form ("prompts-dir"), any case, or an alias ("apply" is
 * apply_ddl). List keys split `value` on commas (blanks trimmed, empty
 * items dropped) and append (repeatable flags) unless `replace_list`;
 * abbreviations takes "k=v,k2=v2" the same way (a repeated name replaces
 * its value). Booleans take true/false/yes/no/on/off/1/0 in any case;
 * integers are decimal, numbers strtod's; both are range-checked; enums
 * are case-insensitive and name their choices in the error. An empty
 * value resets a string key to its default; a NULL value resets any key
 * to its default. On error the key keeps its value. `where` names the
 * source for messages ("--sample-size", "cfg.yaml:12"; NULL = "config").
 * Returns 0, MGEN_ENOMEM or MGEN_ECONFIG with one of
 *   "WHERE: unknown key 'x'[; did you mean 'y'?]"
 *   "WHERE: sample_size: expected an integer, got 'abc'"
 *   "WHERE: sample_size: must be between 0 and 1000, got '5000'"
 *   "WHERE: comment_style: expected concise|standard|detailed, got 'x'"
 * (a secret key's value is never quoted).
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
	const char *type; /* "string", "bool", "int", "number", "list",
			     "map", or "a|b|c" for enums */
	const char *dflt; /* as a user writes it; "" when unset/empty */
	const char *help; /* one line */
} mgen_config_keyinfo;

/* The key list above, in config file order (borrowed, static). */
const mgen_config_keyinfo *mgen_config_keys(void);

/*
 * A JSON object of every setting for the manifest: one member per key,
 * named by its dotted key ("prompts.dir"), typed (string or null, true/
 * false, number, array of strings for lists, object for abbreviations,
 * the choice name for comment_style), plus "config_path". api_key is
 * "***" when set and null when not; the connection goes through
 * mgen_config_mask_connection. Caller frees. NULL on out of memory.
 */
char *mgen_config_to_json(const mgen_config *cfg);

/*
 * Masks secrets in an ODBC connection string "k=v;k2=v2" (ODBC 3.x
 * SQLDriverConnect syntax: a value in {braces} may hold ';', "}}" is a
 * literal brace) or a URL ("scheme://user:pw@host/db?api-key=x"): the
 * value of every attribute or query parameter whose name looks secret
 * (folded: ASCII case, '_', '-', '.' ignored; it contains pwd, pass,
 * secret, token, key, credential, private, cookie, bearer or signature,
 * or is auth, sig, code or jwt: PWD, Password, AuthToken, PrivateKey,
 * PRIV_KEY_FILE_PWD, Auth_Client_Secret, api-key...) becomes "***", and
 * a URL's user and password become "***" (URLs are parsed with libcurl's
 * URL API). Other text is kept. The one masking function of metagen
 * (src/util/secret.c); returns a malloc'd copy; NULL for NULL or on out
 * of memory.
 */
char *mgen_config_mask_connection(const char *conn);

/*
 * 1 when catalog.schema.table matches some `scope` pattern of `cfg` (or
 * there are none) and no `exclude` pattern; else 0. A pattern matches
 * when it globs "catalog.schema.table" or a dot-suffix of it
 * ("schema.table", "table"; NULL or empty parts left out), ASCII
 * case-insensitively, with "*", "?" and "[set]" as in fnmatch(3) without
 * FNM_PATHNAME ("*" also crosses dots). Pure: no I/O, no allocation
 * beyond a temporary name.
 */
int mgen_config_in_scope(const mgen_config *cfg, const char *catalog,
			 const char *schema, const char *table);

/*
 * The API key the settings give: api_key when set, else the first line
 * of the file api_key_file names (a trailing "\n" or "\r\n" dropped),
 * else none (*out NULL: the LM client then reads METAGEN_API_KEY or the
 * provider's variable). *out is malloc'd; the caller zeroes and frees
 * it. Returns 0, MGEN_ENOMEM, or MGEN_ECONFIG naming the file when it
 * cannot be read, is empty, or holds more than one line or a NUL.
 */
int mgen_config_read_api_key(const mgen_config *cfg, char **out, mgen_err *err);

/*
 * The bearer token of metagen serve, by the same rules as
 * mgen_config_read_api_key: serve.token when set (flag, config or
 * METAGEN_SERVE_TOKEN), else the first line of the file serve.token_file
 * names, else none (*out NULL: no token). *out is malloc'd; the caller
 * zeroes and frees it. Returns 0, MGEN_ENOMEM, or MGEN_ECONFIG naming
 * serve.token_file when the file cannot be read, is empty, or holds
 * more than one line or a NUL.
 */
int mgen_config_read_serve_token(const mgen_config *cfg, char **out,
				 mgen_err *err);

#ifdef __cplusplus
}
#endif

#endif
