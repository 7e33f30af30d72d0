/*
 * table.h - the data every stage of a run passes along: a table with its
 * columns, their existing comments, the table's profile (statistics and
 * sample rows) and the proposed comments with the path that produced them.
 *
 * These are transparent structs: the warehouse layer fills names, types,
 * existing comments and the profile; generation fills the proposals; the
 * output layer reads everything. All strings are owned by the struct that
 * holds them (malloc'd, UTF-8, NUL-terminated) and freed by
 * mgen_table_release(). A NULL string means "absent" (SQL NULL, no comment).
 */
#ifndef METAGEN_MODEL_H
#define METAGEN_MODEL_H

#include <stddef.h>

#include "metagen.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which prompt path produced a comment (DESIGN.md: fallback chain). */
typedef enum mgen_path {
	MGEN_PATH_NONE = 0,
	MGEN_PATH_OPTIMIZED = 1,
	MGEN_PATH_LEGACY = 2,
	MGEN_PATH_OFFLINE = 3
} mgen_path;

/* Returns "optimized", "legacy", "offline" or "" for NONE. */
const char *mgen_path_name(mgen_path p);
/* Parses those names ("" and "none" give NONE); -1 when unknown. */
int mgen_path_from_name(const char *s);

/*
 * The state of one proposed comment.
 * PROPOSED: a new comment is ready to apply.
 * KEPT:     the object already has a human comment and --overwrite is off;
 *           the proposal is recorded for review but is not applied.
 * FAILED:   no acceptable comment; `reason` says why.
 * APPLIED:  written to the warehouse by apply.
 * SKIPPED:  the reviewer blanked the comment or the row needs no change.
 * FALLBACK: the LM could not answer and the offline describer wrote it
 *           (config offline_fallback); `reason` says why. Applied only
 *           with apply_offline (path is OFFLINE).
 */
typedef enum mgen_status {
	MGEN_STATUS_NONE = 0,
	MGEN_STATUS_PROPOSED = 1,
	MGEN_STATUS_KEPT = 2,
	MGEN_STATUS_FAILED = 3,
	MGEN_STATUS_APPLIED = 4,
	MGEN_STATUS_SKIPPED = 5,
	MGEN_STATUS_FALLBACK = 6
} mgen_status;

/* "proposed", "kept", "failed", "applied", "skipped", "fallback" or "". */
const char *mgen_status_name(mgen_status s);
/* Parses those names; -1 when unknown. */
int mgen_status_from_name(const char *s);

/*
 * What kind of object a listed "table" is, as the warehouse's own catalog
 * says (pg_class.relkind, information_schema TABLE_TYPE, sqlite_master
 * type ...). The comment statement depends on it (PostgreSQL COMMENT ON
 * VIEW, Databricks ALTER STREAMING TABLE ...) and some kinds take no
 * comment at all on some engines (mgen_dialect_comment_support).
 * TABLE (0) is also what a table built by hand or read from a file has.
 */
typedef enum mgen_object_kind {
	MGEN_OBJECT_TABLE = 0,		   /* a base table */
	MGEN_OBJECT_VIEW = 1,		   /* a view */
	MGEN_OBJECT_MATERIALIZED_VIEW = 2, /* a materialized view */
	MGEN_OBJECT_FOREIGN_TABLE = 3,	   /* a foreign / federated table */
	MGEN_OBJECT_STREAMING_TABLE = 4,   /* a Databricks streaming table */
	MGEN_OBJECT_PARTITIONED_TABLE = 5  /* the parent of partitions */
} mgen_object_kind;

/* "table", "view", "materialized_view", "foreign_table",
 * "streaming_table", "partitioned_table"; "" when out of range. */
const char *mgen_object_kind_name(mgen_object_kind k);
/* Parses those names (case-insensitive; "" and NULL give TABLE); -1 when
 * unknown. */
int mgen_object_kind_from_name(const char *s);

/* A proposed comment for a table or a column. */
typedef struct mgen_proposal {
	char *comment;	/* the proposed text, or NULL */
	mgen_path path; /* which path wrote it */
	mgen_status status;
	char *reason; /* why failed / fell back / kept; or NULL */
} mgen_proposal;

/* One column, its statistics (filled by profiling) and its proposal. */
typedef struct mgen_column {
	char *name;
	char *data_type; /* as the warehouse names it, e.g. "varchar(50)" */
	char *existing_comment;	      /* NULL when the column has none */
	int ordinal;		      /* 1-based position in the table */
	char *definition;	      /* MySQL/MariaDB: the column's definition
					 without its comment (type, charset,
					 nullability, default, ON UPDATE, ...) as
					 ALTER TABLE ... MODIFY needs it, rebuilt
					 from information_schema; NULL elsewhere */
	size_t definition_comment_at; /* where COMMENT goes in `definition`
				   (byte offset): before a trailing
				   column CHECK, else its length */
	char *definition_error; /* MySQL/MariaDB: why `definition` could not
				   be rebuilt safely (it is NULL); else NULL */
	int definition_keep_history; /* MariaDB system-versioned table: the
				   MODIFY runs under SET STATEMENT
				   system_versioning_alter_history = KEEP */

	/* Statistics: valid when the table's `profiled` is set. */
	long long non_null_count; /* -1 unknown */
	long long distinct_count; /* -1 unknown; at most non_null_count */
	int distinct_approx;	  /* distinct_count is an estimate (the
				     dialect counts with approx_count_distinct
				     or APPROX_COUNT_DISTINCT, HLL) */
	char *min_value;	  /* as text; NULL when not computed */
	char *max_value;	  /* as text; NULL when not computed */
	double avg_length;	  /* mean length of text values in
				     characters; -1 when not a text column */
	int is_binary;		  /* sample cells are base64 prefixes */
	unsigned text_fixed;	  /* 1 when this column's warehouse text
				     (type, comment, min/max, sample cells)
				     held invalid UTF-8, replaced with
				     U+FFFD before use; the proposal's
				     reason says so */
	unsigned stats;		  /* warehouse layer: what the statistics
				     query computes for this type, decided
				     from the engine's catalog when listed
				     (MGEN_STATS_* of warehouse.h); 0 = not
				     decided yet (from data_type then) */

	mgen_proposal proposal;
} mgen_column;

/*
 * One table, view or other table-like object (its `kind`).
 * catalog/schema/name are the warehouse's three-level names
 * (DESIGN.md glossary): PostgreSQL maps database -> catalog; SQLite has
 * catalog "" and schema "main" (the attached database's name).
 */
typedef struct mgen_table {
	char *catalog;
	char *schema;
	char *name;
	char *existing_comment; /* NULL when the table has none */
	mgen_object_kind kind;	/* table, view, ... (listing sets it) */
	int is_partition;	/* a partition of a partitioned table
				   (PostgreSQL relispartition) */
	int unreadable;		/* holds no data to read (a PostgreSQL
				   materialized view never refreshed:
				   relispopulated false): not profiled,
				   described from names and types */
	mgen_column *columns;	/* column_count entries, in ordinal order */
	size_t column_count;

	int profiled;	     /* statistics and sample are filled */
	long long row_count; /* -1 unknown */
	char **sample; /* sample_row_count * column_count cells, row-major;
			  NULL cell = SQL NULL */
	size_t sample_row_count;
	int no_rowid;	    /* SQLite: WITHOUT ROWID or virtual table
			       (no _rowid_ to sample by); from the
			       listing */
	char *profile_note; /* what profiling left out and why (a
			       statistics expression the engine refused),
			       or NULL; owned */

	mgen_proposal proposal;	 /* the table comment */
	unsigned text_fixed;	 /* the table's existing comment held
				    invalid UTF-8 (see mgen_column) */
	long long prompt_tokens; /* LM usage spent on this table */
	long long completion_tokens;
	int lm_calls;
	double elapsed_ms; /* wall time spent on this table */
} mgen_table;

/* A growable list of tables. */
typedef struct mgen_table_list {
	mgen_table *items;
	size_t n;
	size_t cap;
} mgen_table_list;

/* A key/value pair (abbreviations, settings); both strings owned. */
typedef struct mgen_kv {
	char *key;
	char *value;
} mgen_kv;

/* An ordered list of pairs; keeps insertion order. */
typedef struct mgen_kvlist {
	mgen_kv *items;
	size_t n;
	size_t cap;
} mgen_kvlist;

/* Frees every string and array inside `t` and zeroes it. NULL is fine. */
void mgen_table_release(mgen_table *t);

/* Releases each table, the array, and zeroes the list. NULL is fine. */
void mgen_table_list_release(mgen_table_list *l);

/*
 * Appends a zeroed table to the list and returns it through `*out`
 * (borrowed, valid until the next push). Returns 0 or MGEN_ENOMEM.
 */
int mgen_table_list_push(mgen_table_list *l, mgen_table **out);

/*
 * Adds a zeroed column to `t` (statistics set to "unknown": counts -1,
 * avg_length -1) and returns it through `*out` (borrowed, valid until the
 * next add). Returns 0 or MGEN_ENOMEM.
 */
int mgen_table_add_column(mgen_table *t, mgen_column **out);

/* "catalog.schema.table", leaving out empty parts; caller frees.
 * NULL on out of memory. */
char *mgen_table_fullname(const mgen_table *t);

/* Frees the sample cells and array; sets sample_row_count to 0. */
void mgen_table_clear_sample(mgen_table *t);

/* Frees the sample and every column (names, types, existing comments,
 * statistics, proposals) and the array; sets column_count to 0. The table's
 * own names, comment and proposal stay. */
void mgen_table_clear_columns(mgen_table *t);

/* Sets a proposal's fields, copying `comment` and `reason` (either may be
 * NULL) and freeing what it held. Returns 0 or MGEN_ENOMEM. */
int mgen_proposal_set(mgen_proposal *p, const char *comment, mgen_path path,
		      mgen_status status, const char *reason);

/* Frees a proposal's strings and zeroes it. */
void mgen_proposal_release(mgen_proposal *p);

/* Appends a copy of key and value. Returns 0 or MGEN_ENOMEM. */
int mgen_kvlist_add(mgen_kvlist *l, const char *key, const char *value);

/* Value for `key` compared case-insensitively, or NULL (also for a NULL
 * list); borrowed. */
const char *mgen_kvlist_get(const mgen_kvlist *l, const char *key);

/* Frees every pair and the array; zeroes the list. NULL is fine. */
void mgen_kvlist_release(mgen_kvlist *l);

#ifdef __cplusplus
}
#endif

#endif
