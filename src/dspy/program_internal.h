/*
 * program_internal.h - the insides of mgen_program, shared by program.c (the
 * model) and program_file.c (the DSPy JSON file). Internal.
 */
#ifndef METAGEN_CORE_PROGRAM_INT_H
#define METAGEN_CORE_PROGRAM_INT_H

#include <stddef.h>

#include "dspy/jsontree.h"
#include "metagen/program.h"

typedef struct prog_field {
	char *prefix;
	char *description;
} prog_field;

typedef struct prog_pred {
	char *name;
	char *instructions;
	prog_field *fields;
	size_t nfields, capf;
	char **demos; /* compact JSON object texts */
	size_t ndemos, capd;
	char *lm;     /* compact JSON object text, or NULL */
	char **train; /* KNNFewShot's trainset: compact JSON object texts */
	size_t ntrain, capt;
} prog_pred;

struct mgen_program {
	prog_pred *preds;
	size_t n, cap;
	mgen__jt *depver; /* metadata.dependency_versions (an object) */
	int has_meta;
	int foreign; /* read from a file without metadata.metagen */
	char *optimizer;
	long long est, made;
	long long knn_k; /* metadata.metagen.knn_k; 0 = not a KNN program */
};

/* Appends a field with copies of `prefix` / `desc`. 0 or MGEN_ENOMEM. */
int mgen__program_add_field(prog_pred *p, const char *prefix, const char *desc);
/* Appends the compact text of `demo`. 0 or MGEN_ENOMEM. */
int mgen__program_add_demo(prog_pred *p, const mgen__jt *demo);
/* Appends the compact text of `ex` to p->train. 0 or MGEN_ENOMEM. */
int mgen__program_add_train(prog_pred *p, const mgen__jt *ex);
/* Stores `lm` (modified: api_key removed at every level; unless `trust`,
 * api_base / base_url / model_list removed). 0 or MGEN_ENOMEM. */
int mgen__program_set_lm(prog_pred *p, mgen__jt *lm, int trust);
/* Frees everything `prog` holds and zeroes it (not `prog` itself). */
void mgen__program_release(mgen_program *prog);
/* Replaces *dst with a copy of `s` ("" for NULL). 0 or MGEN_ENOMEM. */
int mgen__program_set_str(char **dst, const char *s);

#endif
