/*
 * train_internal.h - shared between train.c (the comment metric) and
 * train_feedback.c (its textual feedback for GEPA). Not public.
 */
#ifndef METAGEN_TRAIN_INTERNAL_H
#define METAGEN_TRAIN_INTERNAL_H

#include <stddef.h>

#include "metagen/signature.h"

/* The asked columns: the string entries of "columns" in the example's
 * table_data, as an array of *n owned strings (free each, then the
 * array); NULL (and *n 0) when table_data is missing or on ENOMEM. */
char **mgen__train_asked(const mgen_example *ex, size_t *n);

#endif
