/*
 * checkpoint.h - the run's checkpoint file (checkpoint.c): what lets a
 * killed or budget-stopped run be finished with --resume.
 */
#ifndef METAGEN_CHECKPOINT_H
#define METAGEN_CHECKPOINT_H

#include <stdio.h>

#include "metagen/model.h"

/* Appends finished table `t` as one JSON line to `f`, flushed and
 * fsync'ed. Not thread-safe: the caller holds the run lock.
 * Returns 0, MGEN_EIO or MGEN_ENOMEM. */
int mgen__checkpoint_append(FILE *f, const mgen_table *t);

/*
 * Reads checkpoint file `path` and restores the proposals and usage of
 * every listed table it names (matched by catalog, schema and table;
 * columns by name) into `tables`; sets done[i] for those and counts them
 * in *ndone. A torn last line is ignored. Returns 0, MGEN_EIO, or
 * MGEN_EPARSE with "FILE:LINE: ..." in `err`.
 */
int mgen__checkpoint_restore(const char *path, mgen_table_list *tables,
			     unsigned char *done, size_t *ndone,
			     mgen_err *err);

#endif
