/*
 * review.h - learning from review: what a reviewer did to a run's
 * proposals, read from the reviewed comments.tsv and the run's own
 * comments.json beside it (the text the run proposed), object by object:
 *
 *   unchanged  the row's proposed_comment is the run's text     -> gold
 *   edited     the reviewer changed the text                    -> gold
 *   rejected   the reviewer blanked it (empty field or \N)      -> negative
 *   written    the run proposed nothing (failed, kept) and the
 *              reviewer wrote a comment                         -> gold
 *
 * Only objects the run PROPOSED (status "proposed" with a text in
 * comments.json) count in the acceptance rate, split by the path that
 * wrote them (optimized, legacy, offline). A proposal with no row in the
 * TSV (the reviewer deleted the row) is counted as `missing`, neither
 * gold nor negative. The files are compared after `metagen apply`, which
 * does not rewrite the TSV: the TSV holds what the reviewer wanted.
 *
 * Everything in the files is untrusted: each problem is an error naming
 * "FILE:LINE" (the TSV) or the file (comments.json): wrong header, wrong
 * field count (a raw tab inside a cell), bad escapes, invalid UTF-8, NUL,
 * a row naming a table or column the run does not have, a row given
 * twice, a file larger than the limit.
 */
#ifndef METAGEN_REVIEW_H
#define METAGEN_REVIEW_H

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "harvest.h"
#include "metagen.h"
#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default bound on each file read (the TSV, comments.json, manifest). */
#define MGEN_REVIEW_MAX_BYTES ((size_t)256 << 20)

typedef enum mgen_review_verdict {
	MGEN_REVIEW_UNCHANGED = 0,
	MGEN_REVIEW_EDITED,
	MGEN_REVIEW_REJECTED,
	MGEN_REVIEW_WRITTEN
} mgen_review_verdict;

/* Counts of one path (or of all). */
typedef struct mgen_review_counts {
	size_t unchanged, edited, rejected, written, missing;
} mgen_review_counts;

/* One reviewed object (a table comment when `column` is NULL). */
typedef struct mgen_review_item {
	char *column;	/* NULL: the table's comment */
	char *proposed; /* the run's text (comments.json), or NULL */
	char *reviewed; /* the TSV's text, NULL when blanked */
	mgen_path path; /* the path that proposed it */
	mgen_review_verdict verdict;
	size_t line; /* its TSV line */
} mgen_review_item;

/* The reviewed objects of one table, in TSV order. */
typedef struct mgen_review_table {
	char *catalog, *schema, *name; /* as the run wrote them */
	mgen_review_item *items;
	size_t n, cap;
	size_t line; /* the TSV line of its first row */
} mgen_review_table;

typedef struct mgen_review {
	char *tsv_path;		   /* as given */
	char *run_dir;		   /* the folder of the TSV */
	mgen_review_table *tables; /* tables with a gold or negative item */
	size_t n;
	mgen_review_counts total;
	mgen_review_counts by_path[4]; /* indexed by mgen_path */
} mgen_review;

/*
 * Reads the reviewed TSV at `tsv_path` and RUN/comments.json (RUN the
 * folder of the TSV), each at most `max_bytes` (0: MGEN_REVIEW_MAX_BYTES),
 * into a new *out (free with mgen_review_free). Returns 0, MGEN_EIO
 * (cannot read, too large), MGEN_EPARSE (a row or comments.json that does
 * not fit; the message names FILE:LINE), MGEN_EINVAL (a row naming what
 * the run does not have, a duplicate row), MGEN_ENOMEM.
 */
int mgen_review_read(const char *tsv_path, size_t max_bytes, mgen_review **out,
		     mgen_err *err);

/* Frees `r` (NULL is fine). */
void mgen_review_free(mgen_review *r);

/* unchanged + edited over the proposals reviewed (unchanged + edited +
 * rejected) of `c`; -1 when none was reviewed. */
double mgen_review_acceptance(const mgen_review_counts *c);

/*
 * Appends the one-paragraph summary the CLI prints: totals, the
 * acceptance rate and each path's counts, e.g.
 * "22 proposed comment(s) reviewed: 12 unchanged, 6 edited, 4 rejected
 * (acceptance 81.8%); optimized: ...; legacy: ...". Returns the
 * buffer's error state.
 */
int mgen_review_summary(const mgen_review *r, mgen_buf *out);

/*
 * Adds (or replaces) member "review" of RUN/manifest.json: {"tsv",
 * "proposed" (every proposal of the run: unchanged + edited + rejected +
 * missing), "unchanged", "edited", "rejected", "written", "missing",
 * "acceptance" (null when nothing was reviewed), "by_path": {"optimized":
 * {...}, "legacy": {...}, "offline": {...}}}. The other members are kept
 * in order; the file is rewritten atomically (0600). Returns 0, MGEN_EIO
 * (no manifest, not a JSON object, too large, cannot write), MGEN_ENOMEM.
 */
int mgen_review_manifest(const mgen_review *r, size_t max_bytes, mgen_err *err);

/* What mgen_review_harvest did. */
typedef struct mgen_review_harvest_result {
	mgen_harvest_result harvest; /* tables listed, lines written, gold
					comments, tables whose profile failed */
	size_t negatives;     /* rejected comments written ("rejected") */
	size_t not_applied;   /* gold comments the warehouse does not hold
				 (apply not run, or it kept another) */
	size_t only_rejected; /* reviewed tables with no gold: no line */
	size_t not_found;     /* reviewed tables or columns the warehouse
				 does not have (each logged FILE:LINE) */
} mgen_review_harvest_result;

/*
 * The gold examples of review `r` (mgen_review_read) written to
 * `out_path` like mgen_harvest_format: only the reviewed tables of
 * cfg->connection are listed and profiled; a line's gold is what the
 * reviewer accepted, edited or wrote (not the warehouse's comments), and
 * the comments the reviewer rejected go with it as "rejected":
 * {"table": "...", "columns": {"col": "..."}} (the run's text). A table
 * whose comments were all rejected gets no line (counted). `log` gets a
 * warning naming FILE:LINE for each reviewed table or column the
 * warehouse does not have. Returns what mgen_harvest returns.
 */
int mgen_review_harvest(const mgen_config *cfg, const mgen_review *r,
			const char *out_path, int dspy, mgen_log_fn log,
			void *log_userdata, mgen_review_harvest_result *res,
			mgen_err *err);

/* An answer "repeats" a rejected comment when its comment for the same
 * object has at least this token F1 (metric.h) with the rejected text. */
#define MGEN_REVIEW_REPEAT_F1 0.8

typedef struct mgen_review_negatives {
	size_t rejected; /* rejected comments seen */
	size_t repeated; /* of them, said again by the answer */
} mgen_review_negatives;

/*
 * Adds to `out` the negatives of one example: `rejected_json` is its
 * "rejected" member ({"table": "...", "columns": {"col": "..."}}, as
 * mgen_review_harvest writes it), `answer_json` a path's answer for the
 * table (any text mgen_answer_parse reads; NULL or unparsable: repeats
 * nothing). Returns 0, or MGEN_EPARSE when `rejected_json` is not a JSON
 * object (nothing added).
 */
int mgen_review_repeats(const char *rejected_json, const char *answer_json,
			mgen_review_negatives *out);

#ifdef __cplusplus
}
#endif

#endif
