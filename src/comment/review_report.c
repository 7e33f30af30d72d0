/*
 * review_report.c - the acceptance rate of a review (include/metagen/
 * review.h): the line the CLI prints and the "review" member of the
 * run's manifest.json.
 */
#include <stdlib.h>
#include <string.h>

#include "metagen/review.h"
#include "util/json.h"
#include "util/util.h"

/* The paths reported, in order (mgen_path values). */
static const mgen_path paths[3] = {MGEN_PATH_OPTIMIZED, MGEN_PATH_LEGACY,
				   MGEN_PATH_OFFLINE};

double mgen_review_acceptance(const mgen_review_counts *c)
{
	size_t n = c->unchanged + c->edited + c->rejected;

	return n ? (double)(c->unchanged + c->edited) / (double)n : -1.0;
}

static void counts_line(const mgen_review_counts *c, mgen_buf *out)
{
	double a = mgen_review_acceptance(c);

	mgen_buf_printf(out, "%zu unchanged, %zu edited, %zu rejected",
			c->unchanged, c->edited, c->rejected);
	if (a >= 0)
		mgen_buf_printf(out, " (acceptance %.1f%%)", 100.0 * a);
}

int mgen_review_summary(const mgen_review *r, mgen_buf *out)
{
	const mgen_review_counts *t = &r->total;
	size_t i;

	mgen_buf_printf(out, "%zu proposed comment(s) reviewed: ",
			t->unchanged + t->edited + t->rejected);
	counts_line(t, out);
	for (i = 0; i < 3; i++) {
		const mgen_review_counts *c = &r->by_path[paths[i]];
		if (c->unchanged + c->edited + c->rejected == 0)
			continue;
		mgen_buf_printf(out, "; %s: ", mgen_path_name(paths[i]));
		counts_line(c, out);
	}
	if (t->written)
		mgen_buf_printf(out,
				"; %zu written where the run proposed "
				"none",
				t->written);
	if (t->missing)
		mgen_buf_printf(out,
				"; %zu proposal(s) without a row in the "
				"TSV (not counted)",
				t->missing);
	return mgen_buf_error(out);
}

/* {"proposed", "unchanged", "edited", "rejected", "written", "missing",
 * "acceptance"} of `c` into object `o`. */
static void counts_json(int *e, cJSON *o, const mgen_review_counts *c)
{
	double a = mgen_review_acceptance(c);
	const char *k[6] = {"proposed", "unchanged", "edited",
			    "rejected", "written",   "missing"};
	size_t v[6] = {c->unchanged + c->edited + c->rejected + c->missing,
		       c->unchanged,
		       c->edited,
		       c->rejected,
		       c->written,
		       c->missing};
	int i;

	for (i = 0; i < 6; i++)
		mgen__json_add(e, o, k[i], cJSON_CreateNumber((double)v[i]));
	mgen__json_add(e, o, "acceptance",
		       a >= 0 ? cJSON_CreateNumber(a) : cJSON_CreateNull());
}

/* Sets member "review" of `root`. Returns 0 or MGEN_ENOMEM. */
static int review_json(const mgen_review *r, cJSON *root)
{
	const char *slash = strrchr(r->tsv_path, '/');
	cJSON *o, *bp;
	int e = 0;
	size_t i;

	cJSON_DeleteItemFromObjectCaseSensitive(root, "review");
	o = mgen__json_add_object(&e, root, "review");
	mgen__json_add(&e, o, "tsv",
		       cJSON_CreateString(slash ? slash + 1 : r->tsv_path));
	counts_json(&e, o, &r->total);
	bp = mgen__json_add_object(&e, o, "by_path");
	for (i = 0; i < 3; i++)
		counts_json(
		    &e, mgen__json_add_object(&e, bp, mgen_path_name(paths[i])),
		    &r->by_path[paths[i]]);
	return e;
}

/* Reads manifest.json at `path` as a JSON object into *root. */
static int read_manifest(const char *path, size_t max, cJSON **root,
			 mgen_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc = mgen__read_file_max(path, max, &text, &len);

	*root = NULL;
	if (rc == MGEN_ENOMEM)
		return mgen_err_set(err, rc, "out of memory");
	if (rc)
		return mgen_err_set(err, MGEN_EIO, "cannot read %s%s", path,
				    rc == MGEN_ELIMIT ? " (too large)" : "");
	*root = cJSON_ParseWithLength(text, len);
	free(text);
	if (cJSON_IsObject(*root))
		return 0;
	cJSON_Delete(*root);
	*root = NULL;
	return mgen_err_set(err, MGEN_EIO, "%s: not a JSON object", path);
}

int mgen_review_manifest(const mgen_review *r, size_t max_bytes, mgen_err *err)
{
	mgen_buf path = MGEN_BUF_INIT, text = MGEN_BUF_INIT;
	cJSON *root = NULL;
	char *json = NULL;
	int rc;

	if (mgen_buf_printf(&path, "%s/manifest.json", r->run_dir))
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	rc = read_manifest(mgen_buf_str(&path),
			   max_bytes ? max_bytes : MGEN_REVIEW_MAX_BYTES, &root,
			   err);
	if (rc)
		goto done;
	json = review_json(r, root) ? NULL : cJSON_Print(root);
	if (json == NULL || mgen_buf_printf(&text, "%s\n", json)) {
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		goto done;
	}
	if (mgen__write_file_atomic(mgen_buf_str(&path), mgen_buf_str(&text),
				    text.len) != 0)
		rc = mgen_err_set(err, MGEN_EIO, "cannot write %s",
				  mgen_buf_str(&path));
done:
	free(json);
	cJSON_Delete(root);
	mgen_buf_release(&path);
	mgen_buf_release(&text);
	return rc;
}
