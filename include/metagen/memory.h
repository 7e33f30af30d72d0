/*
 * memory.h - conversation memory: every message of every session kept
 * with its session id, role, content, time and metadata (a JSON object:
 * retrieved chunk ids, token usage, ...), in the layout of the
 * context-aware assistant of issue 12 (table `conversations`: id,
 * session_id, role, content, timestamp, metadata).
 *
 * Two stores behind one interface; callers cannot tell them apart:
 * - a SQLite file (created owner-only, its folders made; several
 *   processes may share it: WAL, busy timeout);
 * - PostgreSQL through its ODBC driver (psqlODBC), given an ODBC
 *   connection string: `conversations` with metadata jsonb, timestamp
 *   timestamptz and an index on (session_id, id), so several processes
 *   (metagen serve on several hosts) share one memory and a session can
 *   move between them.
 * In both the tables are created when missing and the schema version is
 * kept in `metagen_schema` (name 'memory'); a store of a newer version
 * is refused. Every value is bound, never part of SQL text. Every read
 * is scoped to one session id: no call returns another session's
 * messages. A handle may be shared by threads (SQLite's serialized
 * mode; the PostgreSQL connection behind a mutex). No message holds a
 * secret of the connection string (masked).
 */
#ifndef METAGEN_MEMORY_H
#define METAGEN_MEMORY_H

#include <stddef.h>

#include "metagen.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Schema version this build writes and reads. */
#define MGEN_MEMORY_SCHEMA_VERSION 1
/* Longest session id, in bytes (ids are [A-Za-z0-9._:-]+). */
#define MGEN_MEMORY_SESSION_MAX 128
/* Largest message content and metadata, in bytes. */
#define MGEN_MEMORY_CONTENT_MAX (1024 * 1024)

typedef struct mgen_memory mgen_memory;

/* One stored message; every string owned. */
typedef struct mgen_memory_msg {
	long long id; /* row id, increasing in insertion order */
	char *session_id;
	char *role;	   /* "user", "assistant" or "system" */
	char *content;	   /* UTF-8 */
	long long time_ms; /* Unix time in milliseconds (UTC) */
	char *metadata;	   /* a JSON object as text ("{}" when none) */
} mgen_memory_msg;

/* One session's summary; session_id owned. */
typedef struct mgen_memory_session {
	char *session_id;
	long long messages;
	long long first_ms; /* time of its first message (Unix ms) */
	long long last_ms;  /* time of its last message (Unix ms) */
} mgen_memory_session;

/*
 * Opens the store named by `connection`. A string holding '=' is an ODBC
 * connection string ("Driver=PostgreSQL Unicode;Server=...;Pwd=..." or
 * "DSN=name"): it must reach PostgreSQL (another DBMS is
 * MGEN_EUNSUPPORTED naming it); the tables are created when missing,
 * under a transaction-scoped advisory lock, so processes opening a new
 * database at once do not race. Anything else is a SQLite file path
 * (folders created, the file made 0600 when new). NULL or "" is
 * MGEN_EINVAL; a file that cannot be opened or set up is MGEN_EIO; a
 * server that refuses the connection or the setup is MGEN_EDB (the
 * driver's text, secrets masked); a schema version other than
 * MGEN_MEMORY_SCHEMA_VERSION is MGEN_EIO naming both versions. *out is
 * NULL on error.
 */
int mgen_memory_open(const char *connection, mgen_memory **out, mgen_err *err);

/* Closes the store; NULL is fine. */
void mgen_memory_close(mgen_memory *m);

/* The store's kind, "sqlite" or "postgresql" (static). */
const char *mgen_memory_kind(const mgen_memory *m);

/*
 * Keeps sessions for `days` days after their last message
 * (memory.retention_days; 0, the default, keeps every session): prunes
 * the older ones now (mgen_memory_prune), then again at most once an
 * hour, after a message is stored (mgen_memory_append), so a long-running
 * server keeps applying it. 0 or the prune's error (MGEN_EINVAL for
 * days < 0).
 */
int mgen_memory_set_retention(mgen_memory *m, int days, mgen_err *err);

/*
 * 1 when `id` is a valid session id (1..MGEN_MEMORY_SESSION_MAX bytes of
 * A-Z a-z 0-9 . _ : -), 0 otherwise.
 */
int mgen_memory_session_valid(const char *id);

/*
 * Stores one message. `role` is user|assistant|system; `content` valid
 * UTF-8 of at most MGEN_MEMORY_CONTENT_MAX bytes (NUL-terminated);
 * `metadata` a JSON object as text or NULL ("{}"; PostgreSQL keeps it as
 * jsonb, so it reads back normalised: key order and blanks may differ);
 * `time_ms` Unix time in ms, or 0 for now. A bad argument is MGEN_EINVAL
 * naming it; a store failure MGEN_EIO (SQLite) or MGEN_EDB (PostgreSQL).
 * `id_out` (may be NULL) gets the new row id. With a retention set, an
 * hourly prune follows (mgen_memory_set_retention); its error is
 * returned, the message stays stored.
 */
int mgen_memory_append(mgen_memory *m, const char *session_id, const char *role,
		       const char *content, const char *metadata,
		       long long time_ms, long long *id_out, mgen_err *err);

/*
 * The last `limit` messages of `session_id` (0 = all), oldest first, in
 * *out (caller frees with mgen_memory_msgs_free) and their count in *n.
 * An unknown session gives n = 0, not an error. A bad id is MGEN_EINVAL.
 */
int mgen_memory_history(mgen_memory *m, const char *session_id, size_t limit,
			mgen_memory_msg **out, size_t *n, mgen_err *err);

/* Frees `n` messages and the array. */
void mgen_memory_msgs_free(mgen_memory_msg *msgs, size_t n);

/* Every session, most recently active first (caller frees with
 * mgen_memory_sessions_free). */
int mgen_memory_sessions(mgen_memory *m, mgen_memory_session **out, size_t *n,
			 mgen_err *err);

/* Frees `n` session summaries and the array. */
void mgen_memory_sessions_free(mgen_memory_session *s, size_t n);

/* Removes every message of `session_id`; *removed (may be NULL) gets how
 * many. An unknown session removes 0 and is not an error. */
int mgen_memory_delete(mgen_memory *m, const char *session_id,
		       long long *removed, mgen_err *err);

/*
 * Removes whole sessions whose last message is older than `before_ms`
 * (Unix ms), in one transaction; *sessions (may be NULL) gets how many
 * sessions, *messages (may be NULL) how many messages went.
 */
int mgen_memory_prune(mgen_memory *m, long long before_ms, long long *sessions,
		      long long *messages, mgen_err *err);

#ifdef __cplusplus
}
#endif

#endif
