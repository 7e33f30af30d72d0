/*
 * checkpoint.h - the run's checkpoint file (checkpoint.c): what lets a
 * killed or budget-stopped run be finished with --resume.
 */
#ifndef METAGEN_CHECKPOINT_H
#define METAGEN_CHECKPOINT_H

#include <stdio.h>

#include "metagen/config.h"
#include "metagen/table.h"
#include "metagen/output.h"
#include "util/json.h"

/* Finished table `t` as one checkpoint line: JSON (names, existing
 * comments, proposals, usage) and '\n'; malloc'd, NULL on out of memory.
 * Built outside the run lock. */
char *mgen__checkpoint_line(const mgen_table *t);

/* Appends `line` to `f` and flushes it to the kernel (the caller, holding
 * the run lock, then fsyncs fileno(f) after releasing it, so one table's
 * sync never stalls the other workers). Returns 0 or MGEN_EIO. */
int mgen__checkpoint_write(FILE *f, const char *line);

/*
 * Indexes checkpoint file `path` (read a line at a time) against the
 * listed tables: for each line naming a table of `tables` (catalog,
 * schema, table; found by binary search), state[i] |= mark and off[i] =
 * the line's byte offset (a later line for the same table wins); *ndone
 * counts the tables found. Lines naming no listed table are skipped (the
 * table left the scope); a torn last line (the run died writing it) is
 * cut from the file, so the lines a resumed run appends stay whole.
 * `state` and `off` have tables->n entries. Returns 0, MGEN_EIO,
 * MGEN_ENOMEM, or MGEN_EPARSE with "FILE:LINE: not a checkpoint line" in
 * `err`.
 */
int mgen__checkpoint_index(const char *path, const mgen_table_list *tables,
			   unsigned char *state, unsigned char mark, long *off,
			   size_t *ndone, mgen_err *err);

/*
 * Reads the checkpoint line at byte `off` of `f` (opened for reading)
 * into listed table `t` (names set, no columns yet): its existing
 * comment, columns (name, data type, existing comment, proposal), the
 * table's proposal and usage, as the run that wrote it saw them. Not
 * thread-safe (the caller holds the run lock). Returns 0, MGEN_EIO,
 * MGEN_EPARSE or MGEN_ENOMEM.
 */
int mgen__checkpoint_load(FILE *f, long off, mgen_table *t);

/*
 * What makes a resume the same run (resume.c): a JSON object of the
 * warehouse target - warehouse.driver, .dsn, .server (Server, ServerName
 * or Host), .port, .database (Database, DB or DBName), .httppath, never
 * a secret attribute - and dialect, scope, exclude, shard, model,
 * prompts.dir and prompts.optimized, each a string, array or null.
 * NULL on out of memory; the caller deletes it.
 */
cJSON *mgen__run_identity(const mgen_config *cfg);

/*
 * A new run's files in folder `dir` (it exists): manifest.json's first
 * form {"metagen": "run", "format_version", "run_id", "status":
 * "running", "identity"} (replaced by the full manifest when the run
 * ends), and checkpoint.jsonl created (0600, O_EXCL), locked
 * (flock(LOCK_EX | LOCK_NB), held until the process ends) and opened
 * for appending in *out, its first line the header {"metagen":
 * "checkpoint", "format_version", "run_id", "identity"}. Returns 0,
 * MGEN_ENOMEM or MGEN_EIO.
 */
int mgen__checkpoint_create(const char *dir, const char *run_id,
			    const mgen_config *cfg, FILE **out, mgen_err *err);

/*
 * --resume: takes over run folder `dir` when it holds a run metagen
 * wrote - checkpoint.jsonl (a regular file) whose first line is the
 * header above with format_version MGEN_RUN_FORMAT_VERSION and a run id
 * of [A-Za-z0-9._-] (at most 63 bytes), and a manifest.json (either
 * form) with the same format_version and run id - and `cfg` is the same
 * run: every key of mgen__run_identity equal to the header's. Then locks
 * the checkpoint (as above) and opens it for appending in *out, and
 * copies the run id into `run_id` (`cap` bytes). Writes nothing before
 * it succeeds. Returns 0; MGEN_ECONFIG "resume: 'DIR' is not a metagen
 * run folder ...", "resume: KEY differs from the run's (run: A, now:
 * B) ..." or "resume: the run in 'DIR' is in use by another metagen
 * process ..."; MGEN_EIO or MGEN_ENOMEM.
 */
int mgen__checkpoint_claim(const char *dir, const mgen_config *cfg,
			   char *run_id, size_t cap, FILE **out, mgen_err *err);

#endif
