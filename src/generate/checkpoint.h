/*
 * checkpoint.h - the run's checkpoint file (checkpoint.c): what lets a
 * killed or budget-stopped run be finished with --resume.
 */
#ifndef METAGEN_CHECKPOINT_H
#define METAGEN_CHECKPOINT_H

#include <stdio.h>

#include "metagen/model.h"

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

#endif
