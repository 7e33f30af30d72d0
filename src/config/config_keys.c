/*
 * config_keys.c - the table of metagen's settings: one row per key (name,
 * type, choices, default, field offset, range, flags, help), and the
 * public list of keys made from it (mgen_config_keys). config.c reads the
 * table for defaults, setting a key from text, lookup and --help;
 * config_env.c, config_json.c and config_yaml.c through config_internal.h.
 */
#include <pthread.h>
#include <stddef.h>

#include "config/config_internal.h"

#define OFF(f) offsetof(mgen_config, f)
#define CT(t) MGEN__CT_##t

_Static_assert(sizeof(mgen_comment_style) == sizeof(int),
	       "ENUM keys are stored through an int");

/*
 * The keys. To add one: add the field to mgen_config in config.h, add a
 * row here (canonical dotted name, type, choices for CHOICE/ENUM, default
 * as text exactly as a user would write it, offsetof the field, range for
 * INT/NUMBER, flags, one line of help), and document it in
 * config/metagen.yaml (test_config checks that file loads and names every
 * key). Nested YAML maps give dotted names ("prompts.dir"); the flag and
 * environment forms are derived. Names must stay unique after dots,
 * dashes and underscores are folded together (a unit test checks this).
 */
/* clang-format off */
const mgen__config_spec mgen__config_specs[] = {
	/* warehouse */
	{"connection", CT(STRING), NULL, NULL, OFF(connection), 0, 0,
	 MGEN__CF_CONNSTR, "ODBC connection string or DSN=name"},
	{"dialect", CT(CHOICE),
	 "auto|sqlite|postgresql|databricks|snowflake|mysql|duckdb|sqlserver",
	 "auto", OFF(dialect), 0, 0, 0,
	 "SQL dialect of the warehouse; auto asks the ODBC driver"},
	{"scope", CT(LIST), NULL, NULL, OFF(scope), 0, 0, 0,
	 "globs over catalog.schema.table naming the tables to describe"},
	{"exclude", CT(LIST), NULL, NULL, OFF(exclude), 0, 0, 0,
	 "globs naming tables to leave out"},
	{"object_types", CT(LIST),
	 "tables|views|materialized_views|foreign_tables|partitions",
	 "tables,views,materialized_views,foreign_tables", OFF(object_types),
	 0, 0, 0,
	 "kinds of objects listed: tables|views|materialized_views|"
	 "foreign_tables|partitions (partitions: of a partitioned table)"},
	/* LM */
	{"model", CT(STRING), NULL, "offline", OFF(model), 0, 0, 0,
	 "LM model name; offline = no LM, comments from names and stats"},
	{"api_base", CT(STRING), NULL, NULL, OFF(api_base), 0, 0,
	 MGEN__CF_CONNSTR, "base URL of the OpenAI-compatible endpoint"},
	{"api_key", CT(STRING), NULL, NULL, OFF(api_key), 0, 0,
	 MGEN__CF_SECRET, "API key (prefer api_key_file or METAGEN_API_KEY); "
	 "never printed"},
	{"api_key_file", CT(STRING), NULL, NULL, OFF(api_key_file), 0, 0, 0,
	 "file holding the API key (used when api_key is unset)"},
	{"temperature", CT(NUMBER), NULL, "0.1", OFF(temperature), 0, 2, 0,
	 "sampling temperature"},
	{"max_tokens", CT(INT), NULL, "8192", OFF(max_tokens), 1, 1000000, 0,
	 "most tokens the LM may write per answer"},
	{"timeout_seconds", CT(INT), NULL, "120", OFF(timeout_seconds), 1,
	 3600, 0, "time limit of one LM call, in seconds"},
	{"max_retries", CT(INT), NULL, "3", OFF(max_retries), 0, 20, 0,
	 "retries of an LM call after a network or server error"},
	{"parse_retries", CT(INT), NULL, "2", OFF(parse_retries), 0, 10, 0,
	 "new LM calls after an answer that does not parse or validate"},
	{"offline_fallback", CT(BOOL), NULL, "false", OFF(offline_fallback), 0,
	 0, 0,
	 "offline describer for what the LM cannot answer (after retries); "
	 "marked status fallback, exit 1"},
	{"apply_offline", CT(BOOL), NULL, "false", OFF(apply_offline), 0, 0, 0,
	 "--apply and apply also write offline fallback comments"},
	{"cache", CT(BOOL), NULL, "true", OFF(cache), 0, 0, 0,
	 "reuse LM answers of identical requests (--no-cache = ask again)"},
	{"cache_dir", CT(STRING), NULL, ".metagen", OFF(cache_dir), 0, 0, 0,
	 "folder of the LM answer cache (cache.sqlite)"},
	{"memory.connection", CT(STRING), NULL, NULL, OFF(memory_connection),
	 0, 0, MGEN__CF_CONNSTR,
	 "conversation memory store: a SQLite file (unset = "
	 "<cache_dir>/memory.sqlite) or an ODBC connection string to "
	 "PostgreSQL (shared by several servers)"},
	{"memory.history_messages", CT(INT), NULL, "20",
	 OFF(memory_history_messages), 0, 10000, 0,
	 "last messages of the session given to the agent as history"},
	{"memory.retention_days", CT(INT), NULL, "0",
	 OFF(memory_retention_days), 0, 100000, 0,
	 "sessions idle longer than this are pruned by ask, serve (at start, "
	 "then hourly) and sessions prune (0 = kept)"},
	{"serve.host", CT(STRING), NULL, "127.0.0.1", OFF(serve_host), 0, 0,
	 0, "IPv4 address metagen serve listens on"},
	{"serve.port", CT(INT), NULL, "8080", OFF(serve_port), 0, 65535, 0,
	 "TCP port of metagen serve (0 = any free port)"},
	{"serve.token", CT(STRING), NULL, NULL, OFF(serve_token), 0, 0,
	 MGEN__CF_SECRET, "bearer token clients of metagen serve must send "
	 "(prefer serve.token_file or METAGEN_SERVE_TOKEN); never printed"},
	{"serve.token_file", CT(STRING), NULL, NULL, OFF(serve_token_file), 0,
	 0, 0, "file holding the serve token (used when serve.token is unset)"},
	{"serve.max_body_bytes", CT(INT), NULL, "1048576",
	 OFF(serve_max_body_bytes), 1, 1073741824, 0,
	 "largest request body; larger ones get 413"},
	{"serve.max_inflight", CT(INT), NULL, "64", OFF(serve_max_inflight), 1,
	 1024, 0, "agent requests answered at once (worker threads); more "
	 "wait in the queue"},
	{"serve.max_queue", CT(INT), NULL, "256", OFF(serve_max_queue), 0,
	 100000, 0, "agent requests waiting for a worker; more get 503 + "
	 "Retry-After"},
	{"serve.max_connections", CT(INT), NULL, "0",
	 OFF(serve_max_connections), 0, 100000, 0,
	 "open connections of metagen serve (0 = max_inflight + max_queue "
	 "+ 64)"},
	{"serve.request_timeout_seconds", CT(INT), NULL, "60",
	 OFF(serve_request_timeout_seconds), 1, 86400, 0,
	 "a request not answered in this time gets 504 (a body still "
	 "arriving: the connection is closed)"},
	{"serve.trace_max_bytes", CT(INT), NULL, "67108864",
	 OFF(serve_trace_max_bytes), 4096, 2147483647, 0,
	 "size at which the serve trace is renamed to <file>.1"},
	{"serve.timeout_seconds", CT(INT), NULL, "30",
	 OFF(serve_timeout_seconds), 1, 3600, 0,
	 "idle connection timeout of metagen serve"},
	{"serve.trace", CT(STRING), NULL, NULL, OFF(serve_trace), 0, 0, 0,
	 "JSONL trace file of metagen serve (spans of every request)"},
	{"rate_limit.requests_per_minute", CT(NUMBER), NULL, "0",
	 OFF(requests_per_minute), 0, 1e9, 0,
	 "most LM requests per minute, retries included (0 = unlimited)"},
	{"rate_limit.tokens_per_minute", CT(NUMBER), NULL, "0",
	 OFF(tokens_per_minute), 0, 1e12, 0,
	 "most LM tokens (prompt + answer) per minute (0 = unlimited)"},
	/* scheduling */
	{"concurrency", CT(INT), NULL, "4", OFF(concurrency), 1, 256, 0,
	 "tables worked on at once, each with its own warehouse connection "
	 "(= LM requests in flight at most)"},
	/* profile and prompt (dbxmetagen names) */
	{"sample_size", CT(INT), NULL, "5", OFF(sample_size), 0, 1000, 0,
	 "sample rows per table shown to the LM (0 = none)"},
	{"allow_data", CT(BOOL), NULL, "true", OFF(allow_data), 0, 0, 0,
	 "false = no data values anywhere (no sample, no min/max)"},
	{"allow_data_in_comments", CT(BOOL), NULL, "false",
	 OFF(allow_data_in_comments), 0, 0, 0,
	 "false (default; dbxmetagen: true) = comments must not repeat a "
	 "sample value, min or max"},
	{"add_metadata", CT(BOOL), NULL, "true", OFF(add_metadata), 0, 0, 0,
	 "show column statistics to the LM"},
	{"include_existing_table_comment", CT(BOOL), NULL, "true",
	 OFF(include_existing_table_comment), 0, 0, 0,
	 "show the table's current comment to the LM"},
	{"include_possible_data_fields_in_metadata", CT(BOOL), NULL, "true",
	 OFF(include_possible_data_fields_in_metadata), 0, 0, 0,
	 "include min and max values in the statistics"},
	{"columns_per_call", CT(INT), NULL, "20", OFF(columns_per_call), 1,
	 1000, 0, "columns described per LM call (wide tables are split)"},
	{"max_prompt_length", CT(INT), NULL, "16384", OFF(max_prompt_length),
	 100, 10000000, 0, "largest prompt, in words"},
	{"word_limit_per_cell", CT(INT), NULL, "200", OFF(word_limit_per_cell),
	 1, 100000, 0, "sample cells are cut to this many words"},
	{"comment_style", CT(ENUM), "concise|standard|detailed", "standard",
	 OFF(comment_style), 0, 0, 0, "length and depth of the comments"},
	{"abbreviations", CT(MAP), NULL, NULL, OFF(abbreviations), 0, 0, 0,
	 "abbreviation -> expansion (flag/env form: k=v,k2=v2)"},
	{"prompts.dir", CT(STRING), NULL, NULL, OFF(prompts_dir), 0, 0, 0,
	 "folder of prompt templates; unset = built-in templates"},
	{"prompts.optimized", CT(STRING), NULL, NULL, OFF(prompts_optimized),
	 0, 0, 0,
	 "saved comment program (DSPy JSON) for the optimized path (flag "
	 "alias --program)"},
	{"rollout.optimized", CT(LIST), NULL, NULL, OFF(rollout_optimized), 0,
	 0, 0,
	 "globs over catalog.schema.table that use the optimized path"},
	{"path", CT(CHOICE), "auto|optimized|legacy", "auto", OFF(path), 0, 0,
	 0,
	 "comment path: auto = optimized for rollout tables when a program "
	 "is set, else legacy"},
	/* outputs and apply */
	{"out", CT(STRING), NULL, "out", OFF(out), 0, 0, 0,
	 "folder that holds the run folders"},
	{"apply_ddl", CT(BOOL), NULL, "false", OFF(apply_ddl), 0, 0, 0,
	 "run the DDL against the warehouse (flag alias --apply)"},
	{"overwrite", CT(BOOL), NULL, "false", OFF(overwrite), 0, 0, 0,
	 "replace existing comments (false = only missing ones)"},
	{"dry_run", CT(BOOL), NULL, "false", OFF(dry_run), 0, 0, 0,
	 "print the DDL instead of applying it"},
	{"progress", CT(BOOL), NULL, "true", OFF(progress), 0, 0, 0,
	 "show progress on stderr"},
	/* production runs: resume, shards, cost preview and budget */
	{"resume", CT(STRING), NULL, NULL, OFF(resume), 0, 0, 0,
	 "finish run RUN (its id in `out`, or its folder) from its checkpoint"},
	{"shard", CT(STRING), NULL, NULL, OFF(shard), 0, 0, 0,
	 "K/N: only the K-th of N deterministic parts of the scope (0 <= K < N)"},
	{"estimate", CT(BOOL), NULL, "false", OFF(estimate), 0, 0, 0,
	 "print tables, LM calls, tokens and cost without calling the LM"},
	{"budget.max_tokens", CT(INT), NULL, "0", OFF(budget_max_tokens), 0,
	 2000000000, 0,
	 "stop cleanly (resumable) before the run's LM tokens exceed this; 0 = no limit"},
	{"budget.max_cost", CT(NUMBER), NULL, "0", OFF(budget_max_cost), 0,
	 1e9, 0, "stop cleanly before the run's cost exceeds this; 0 = no limit"},
	{"price.prompt_per_1k", CT(NUMBER), NULL, "0", OFF(price_prompt_per_1k),
	 0, 1e6, 0, "price of 1000 prompt tokens (for --estimate and budget.max_cost)"},
	{"price.completion_per_1k", CT(NUMBER), NULL, "0",
	 OFF(price_completion_per_1k), 0, 1e6, 0,
	 "price of 1000 completion tokens"},
	/* retrieval: metagen index / search, context in the prompts */
	{"rag.index", CT(STRING), NULL, ".metagen/rag.sqlite", OFF(rag_index),
	 0, 0, 0,
	 "retrieval index file (SQLite FTS5); generate uses it when it exists"},
	{"rag.chunk_tokens", CT(INT), NULL, "200", OFF(rag_chunk_tokens), 8,
	 100000, 0, "words per indexed chunk"},
	{"rag.chunk_overlap", CT(INT), NULL, "40", OFF(rag_chunk_overlap), 0,
	 49999, 0, "words shared by neighbouring chunks (< chunk_tokens/2)"},
	{"rag.top_k", CT(INT), NULL, "5", OFF(rag_top_k), 0, 100, 0,
	 "chunks retrieved per table as prompt context (0 = none)"},
	{"rag.max_context_tokens", CT(INT), NULL, "400",
	 OFF(rag_max_context_tokens), 0, 100000, 0,
	 "most words of retrieved context per prompt"},
	{"rag.max_file_mb", CT(INT), NULL, "32", OFF(rag_max_file_mb), 1, 4096,
	 0, "larger files are refused by metagen index add"},
	{"rag.embeddings.model", CT(STRING), NULL, NULL, OFF(rag_embed_model), 0,
	 0, 0, "embeddings model (api_base's /embeddings); empty = BM25 only"},
	{"rag.embeddings.batch_size", CT(INT), NULL, "64", OFF(rag_embed_batch),
	 1, 2048, 0, "texts per embeddings request"},
	{"rag.connection", CT(STRING), NULL, NULL, OFF(rag_connection), 0, 0,
	 MGEN__CF_CONNSTR,
	 "PostgreSQL retrieval store (ODBC connection string); set = used "
	 "instead of rag.index"},
	{"rag.schema", CT(STRING), NULL, "metagen_rag", OFF(rag_schema), 0, 0,
	 0, "PostgreSQL schema of the rag.connection store"},
};
/* clang-format on */
const size_t mgen__config_nspecs =
    sizeof(mgen__config_specs) / sizeof(mgen__config_specs[0]);

static mgen_config_keyinfo
    config_infos[sizeof(mgen__config_specs) / sizeof(mgen__config_specs[0]) +
		 1];
static pthread_once_t config_infos_once = PTHREAD_ONCE_INIT;

static void fill_infos(void)
{
	size_t i;

	for (i = 0; i < mgen__config_nspecs; i++) {
		const mgen__config_spec *s = &mgen__config_specs[i];
		config_infos[i].key = s->key;
		config_infos[i].type = mgen__config_type_name(s);
		config_infos[i].dflt = s->dflt ? s->dflt : "";
		config_infos[i].help = s->help;
	}
}

const mgen_config_keyinfo *mgen_config_keys(void)
{
	pthread_once(&config_infos_once, fill_infos);
	return config_infos;
}
