/*
 * comment_knn.h - the comment program's KNNFewShot state (comment_knn.c):
 * the saved trainset read back as examples and the retriever over them.
 * Internal to src/comment.
 */
#ifndef METAGEN_COMMENT_KNN_H
#define METAGEN_COMMENT_KNN_H

#include <stddef.h>

#include "metagen/optimize.h"
#include "metagen/program.h"

/* A KNN program's trainset and retriever; all zero when not KNN. */
typedef struct mgen__comment_knn {
	mgen_example **train;
	size_t ntrain;
	mgen_knn *knn;
} mgen__comment_knn;

/*
 * When `prog` is a KNN program (mgen_program_knn > 0): reads predictor
 * `p`'s "train" examples (each must hold every input field of `sig` and
 * its outputs) and builds the retriever keyed by the table's name, its
 * columns' names and its current comment (mgen__comment_knn_key).
 * Otherwise leaves `out` zeroed. Returns 0, MGEN_EINVAL naming the
 * predictor, the example and the field ("predictor 'comment': train 2
 * has no field 'table_name'"; knn_k set with an empty "train"),
 * MGEN_EPARSE, MGEN_EDB, MGEN_ENOMEM.
 */
int mgen__comment_knn_load(const mgen_program *prog, size_t p,
			   const mgen_signature *sig, mgen__comment_knn *out,
			   mgen_err *err);

/* The demos of one call with `inputs`: the k nearest examples (borrowed
 * pointers into s->train) into demos[0..*n), room for MGEN_KNN_MAX_K.
 * Errors of mgen_knn_nearest. */
int mgen__comment_knn_demos(const mgen__comment_knn *s,
			    const mgen_example *inputs,
			    const mgen_example **demos, size_t *n,
			    mgen_err *err);

/* Frees what `s` holds and zeroes it. */
void mgen__comment_knn_release(mgen__comment_knn *s);

/* The retrieval key of a comment-program example (mgen_knn_key_fn):
 * table_name, then table_data's columns and table_comment, as words. */
int mgen__comment_knn_key(void *ud, const mgen_example *ex, mgen_buf *out);

#endif
