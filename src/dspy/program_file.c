/*
 * program_file.c - the saved-program file: writing a program in Python
 * DSPy's layout (key order traces, train, demos, signature, lm; metadata
 * last; orjson indent-2 plus a final newline) and loading one, all or
 * nothing (see include/metagen/program.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dspy/jsontree.h"
#include "dspy/program_internal.h"
#include "metagen/buf.h"
#include "util/util.h"

/* ---- writing ---- */

static int add_str(mgen__jt *o, const char *key, const char *s)
{
	return mgen__jt_add(o, key,
			    s ? mgen__jt_new(MGEN__JT_STRING, s)
			      : mgen__jt_new(MGEN__JT_NULL, NULL));
}

static int add_count(mgen__jt *o, const char *key, long long v)
{
	char num[32];

	if (v < 0)
		return mgen__jt_add(o, key, mgen__jt_new(MGEN__JT_NULL, NULL));
	snprintf(num, sizeof(num), "%lld", v);
	return mgen__jt_add(o, key, mgen__jt_new(MGEN__JT_NUMBER, num));
}

/* Parses text this module stored itself; only out of memory can fail. */
static mgen__jt *reparse(const char *text)
{
	mgen__jt *j = NULL;

	mgen__jt_parse(text, strlen(text), NULL, &j, NULL);
	return j;
}

static mgen__jt *signature_tree(const prog_pred *p)
{
	mgen__jt *sig = mgen__jt_new(MGEN__JT_OBJECT, NULL);
	mgen__jt *fields = mgen__jt_new(MGEN__JT_ARRAY, NULL);
	size_t f;

	if (!sig || !fields || add_str(sig, "instructions", p->instructions))
		goto fail;
	for (f = 0; f < p->nfields; f++) {
		mgen__jt *fo = mgen__jt_new(MGEN__JT_OBJECT, NULL);

		if (!fo || add_str(fo, "prefix", p->fields[f].prefix) ||
		    add_str(fo, "description", p->fields[f].description)) {
			mgen__jt_free(fo);
			goto fail;
		}
		if (mgen__jt_add(fields, NULL, fo))
			goto fail;
	}
	if (mgen__jt_add(sig, "fields", fields) == 0)
		return sig;
	fields = NULL;
fail:
	mgen__jt_free(fields);
	mgen__jt_free(sig);
	return NULL;
}

/* An array of the stored object texts t[0..n); NULL on ENOMEM. */
static mgen__jt *texts_tree(char *const *t, size_t n)
{
	mgen__jt *a = mgen__jt_new(MGEN__JT_ARRAY, NULL);
	size_t i;

	for (i = 0; a && i < n; i++)
		if (mgen__jt_add(a, NULL, reparse(t[i]))) {
			mgen__jt_free(a);
			return NULL;
		}
	return a;
}

static mgen__jt *predictor_tree(const prog_pred *p)
{
	mgen__jt *o = mgen__jt_new(MGEN__JT_OBJECT, NULL);
	mgen__jt *demos = NULL, *lm;

	if (!o ||
	    mgen__jt_add(o, "traces", mgen__jt_new(MGEN__JT_ARRAY, NULL)) ||
	    mgen__jt_add(o, "train", texts_tree(p->train, p->ntrain)))
		goto fail;
	demos = texts_tree(p->demos, p->ndemos);
	if (mgen__jt_add(o, "demos", demos))
		goto fail_added;
	if (mgen__jt_add(o, "signature", signature_tree(p)))
		goto fail_added;
	lm = p->lm ? reparse(p->lm) : mgen__jt_new(MGEN__JT_NULL, NULL);
	if (lm)
		mgen__jt_remove(lm, "api_key", 1); /* never a secret */
	if (mgen__jt_add(o, "lm", lm) == 0)
		return o;
	goto fail_added;
fail:
	mgen__jt_free(demos);
fail_added:
	mgen__jt_free(o);
	return NULL;
}

static mgen__jt *metadata_tree(const mgen_program *prog)
{
	mgen__jt *m = mgen__jt_new(MGEN__JT_OBJECT, NULL);
	mgen__jt *g = NULL;

	if (!m ||
	    mgen__jt_add(m, "dependency_versions", mgen__jt_dup(prog->depver)))
		goto fail;
	if (!prog->has_meta && prog->foreign)
		return m; /* a file DSPy wrote round-trips unchanged */
	g = mgen__jt_new(MGEN__JT_OBJECT, NULL);
	if (!g || add_str(g, "version", MGEN_VERSION) ||
	    add_str(g, "optimizer", prog->optimizer) ||
	    add_count(g, "lm_calls_estimate", prog->est) ||
	    add_count(g, "lm_calls_made", prog->made) ||
	    (prog->knn_k > 0 && add_count(g, "knn_k", prog->knn_k)))
		goto fail;
	if (mgen__jt_add(m, "metagen", g) == 0)
		return m;
	g = NULL;
fail:
	mgen__jt_free(g);
	mgen__jt_free(m);
	return NULL;
}

int mgen_program_to_json(const mgen_program *prog, char **out, mgen_err *err)
{
	mgen__jt *root = mgen__jt_new(MGEN__JT_OBJECT, NULL);
	mgen_buf b = MGEN_BUF_INIT;
	size_t i;
	int rc = MGEN_ENOMEM;

	*out = NULL;
	if (!root)
		goto done;
	for (i = 0; i < prog->n; i++)
		if (mgen__jt_add(root, prog->preds[i].name,
				 predictor_tree(&prog->preds[i])))
			goto done;
	if (mgen__jt_add(root, "metadata", metadata_tree(prog)))
		goto done;
	mgen__jt_write(root, 0, &b);
	mgen_buf_putc(&b, '\n');
	rc = mgen_buf_error(&b);
	if (rc == 0) {
		*out = mgen_buf_detach(&b);
		if (!*out)
			rc = MGEN_ENOMEM;
	}
done:
	mgen__jt_free(root);
	mgen_buf_release(&b);
	if (rc != 0)
		return mgen_err_set(err, rc, "cannot render program: %s",
				    mgen_strerror(rc));
	return 0;
}

int mgen_program_save(const mgen_program *prog, const char *path, mgen_err *err)
{
	char *text = NULL;
	int rc = mgen_program_to_json(prog, &text, err);

	if (rc != 0)
		return rc;
	if (mgen__write_file_atomic(path, text, strlen(text)) != 0)
		rc = mgen_err_set(err, MGEN_EIO,
				  "cannot write program file '%s'", path);
	free(text);
	return rc;
}

/* ---- loading ---- */

typedef struct load_ctx {
	const char *src;
	int trust;
	mgen_err *err;
} load_ctx;

static int bad(load_ctx *c, const char *name, const char *what)
{
	return mgen_err_set(c->err, MGEN_EINVAL, "%s: predictor '%s': %s",
			    c->src, name, what);
}

static int nomem(load_ctx *c)
{
	return mgen_err_set(c->err, MGEN_ENOMEM, "%s: out of memory", c->src);
}

static int is_str(const mgen__jt *j)
{
	return j && j->type == MGEN__JT_STRING;
}

/* Checks that every field of `fields` is {prefix: str, description: str}. */
static int check_fields(load_ctx *c, const char *name, const mgen__jt *fields)
{
	size_t f;

	for (f = 0; f < fields->n; f++) {
		const mgen__jt *fo = fields->kids[f];

		if (fo->type != MGEN__JT_OBJECT ||
		    !is_str(mgen__jt_get(fo, "prefix")) ||
		    !is_str(mgen__jt_get(fo, "description")))
			return mgen_err_set(
			    c->err, MGEN_EINVAL,
			    "%s: predictor '%s': field %zu is not an "
			    "object with string prefix and description",
			    c->src, name, f);
	}
	return 0;
}

/* Replaces p's fields by the file's: overlaid by position when
 * `declared`, else appended to an empty list. */
static int take_fields(load_ctx *c, prog_pred *p, const mgen__jt *fields,
		       int declared)
{
	size_t f;
	int rc;

	if (declared && fields->n != p->nfields) {
		return mgen_err_set(c->err, MGEN_EINVAL,
				    "%s: predictor '%s': file has %zu fields, "
				    "the signature declares %zu",
				    c->src, p->name, fields->n, p->nfields);
	}
	rc = check_fields(c, p->name, fields);
	for (f = 0; rc == 0 && f < fields->n; f++) {
		const char *pre = mgen__jt_get(fields->kids[f], "prefix")->text;
		const char *desc =
		    mgen__jt_get(fields->kids[f], "description")->text;

		if (declared
			? (mgen__program_set_str(&p->fields[f].prefix, pre) ||
			   mgen__program_set_str(&p->fields[f].description,
						 desc))
			: mgen__program_add_field(p, pre, desc))
			rc = nomem(c);
	}
	return rc;
}

/* The predictor's "demos" (train 0) or "train" (DSPy's Predict.train:
 * KNNFewShot's trainset in a file metagen wrote): an array of at most
 * MGEN_PROGRAM_MAX_TRAIN objects, replacing what p held. */
static int take_objects(load_ctx *c, prog_pred *p, const mgen__jt *arr,
			int train)
{
	char **held = train ? p->train : p->demos;
	size_t *n = train ? &p->ntrain : &p->ndemos, i;
	const char *key = train ? "train" : "demos";

	for (i = 0; i < *n; i++)
		free(held[i]);
	*n = 0;
	if (!arr)
		return 0; /* absent: none */
	if (arr->type != MGEN__JT_ARRAY)
		return mgen_err_set(c->err, MGEN_EINVAL,
				    "%s: predictor '%s': \"%s\" is not an "
				    "array",
				    c->src, p->name, key);
	if (arr->n > MGEN_PROGRAM_MAX_TRAIN)
		return mgen_err_set(c->err, MGEN_ELIMIT,
				    "%s: predictor '%s': \"%s\" holds %zu "
				    "entries, more than %d",
				    c->src, p->name, key, arr->n,
				    MGEN_PROGRAM_MAX_TRAIN);
	for (i = 0; i < arr->n; i++) {
		if (arr->kids[i]->type != MGEN__JT_OBJECT)
			return mgen_err_set(c->err, MGEN_EINVAL,
					    "%s: predictor '%s': %s %zu is "
					    "not an object",
					    c->src, p->name,
					    train ? "train" : "demo", i);
		if (train ? mgen__program_add_train(p, arr->kids[i])
			  : mgen__program_add_demo(p, arr->kids[i]))
			return nomem(c);
	}
	return 0;
}

static int take_lm(load_ctx *c, prog_pred *p, const mgen__jt *lm)
{
	mgen__jt *copy;
	int rc;

	free(p->lm);
	p->lm = NULL;
	if (!lm || lm->type == MGEN__JT_NULL)
		return 0;
	if (lm->type != MGEN__JT_OBJECT)
		return bad(c, p->name, "\"lm\" is neither null nor an object");
	copy = mgen__jt_dup(lm);
	if (!copy)
		return nomem(c);
	rc = mgen__program_set_lm(p, copy, c->trust);
	mgen__jt_free(copy);
	return rc ? nomem(c) : 0;
}

/* Applies the file's state `obj` for predictor `p`. */
static int take_predictor(load_ctx *c, prog_pred *p, const mgen__jt *obj,
			  int declared)
{
	const mgen__jt *sig, *ins, *fields;
	int rc;

	if (obj->type != MGEN__JT_OBJECT)
		return bad(c, p->name, "state is not an object");
	sig = mgen__jt_get(obj, "signature");
	if (!sig || sig->type != MGEN__JT_OBJECT)
		return bad(c, p->name,
			   "no \"signature\" object (a file "
			   "written by DSPy before 2.6?)");
	ins = mgen__jt_get(sig, "instructions");
	fields = mgen__jt_get(sig, "fields");
	if (!is_str(ins))
		return bad(c, p->name,
			   "signature.instructions is not a string");
	if (!fields || fields->type != MGEN__JT_ARRAY)
		return bad(c, p->name, "signature.fields is not an array");
	rc = take_fields(c, p, fields, declared);
	if (rc == 0 && mgen__program_set_str(&p->instructions, ins->text))
		rc = nomem(c);
	if (rc == 0)
		rc = take_objects(c, p, mgen__jt_get(obj, "demos"), 0);
	if (rc == 0)
		rc = take_objects(c, p, mgen__jt_get(obj, "train"), 1);
	if (rc == 0)
		rc = take_lm(c, p, mgen__jt_get(obj, "lm"));
	return rc;
}

/* A non-negative integer literal's value, else -1. */
static long long count_of_value(const mgen__jt *v)
{
	char *end = NULL;
	long long n;

	if (!v || v->type != MGEN__JT_NUMBER)
		return -1;
	n = strtoll(v->text, &end, 10);
	return (*end == '\0' && n >= 0) ? n : -1;
}

static long long count_of(const mgen__jt *o, const char *key)
{
	return count_of_value(mgen__jt_get(o, key));
}

/* metadata.metagen.knn_k: absent, or an integer in 1..MGEN_KNN_MAX_K. */
static int take_knn(load_ctx *c, mgen_program *prog, const mgen__jt *k)
{
	long long n = k ? count_of_value(k) : 0;

	if (k && (n < 1 || n > MGEN_KNN_MAX_K))
		return mgen_err_set(c->err, MGEN_EINVAL,
				    "%s: metadata.metagen.knn_k must be an "
				    "integer from 1 to %d",
				    c->src, MGEN_KNN_MAX_K);
	prog->knn_k = n;
	return 0;
}

static int take_metadata(load_ctx *c, mgen_program *prog, const mgen__jt *root)
{
	const mgen__jt *meta = mgen__jt_get(root, "metadata");
	const mgen__jt *dv = mgen__jt_get(meta, "dependency_versions");
	const mgen__jt *g = mgen__jt_get(meta, "metagen");

	if (dv && dv->type == MGEN__JT_OBJECT) {
		mgen__jt *copy = mgen__jt_dup(dv);

		if (!copy)
			return nomem(c);
		mgen__jt_free(prog->depver);
		prog->depver = copy;
	}
	prog->foreign = !(g && g->type == MGEN__JT_OBJECT);
	if (g && g->type == MGEN__JT_OBJECT) {
		const mgen__jt *opt = mgen__jt_get(g, "optimizer");

		if (mgen_program_set_meta(prog, is_str(opt) ? opt->text : NULL,
					  count_of(g, "lm_calls_estimate"),
					  count_of(g, "lm_calls_made")))
			return nomem(c);
		return take_knn(c, prog, mgen__jt_get(g, "knn_k"));
	}
	return 0;
}

/* Declared load into `work` (a copy of the target). */
static int load_declared(load_ctx *c, mgen_program *work, const mgen__jt *root)
{
	size_t i;
	int rc;

	for (i = 0; i < work->n; i++) {
		const mgen__jt *obj = mgen__jt_get(root, work->preds[i].name);

		if (!obj)
			return mgen_err_set(c->err, MGEN_EINVAL,
					    "%s: predictor '%s' is missing "
					    "from the file",
					    c->src, work->preds[i].name);
		rc = take_predictor(c, &work->preds[i], obj, 1);
		if (rc != 0)
			return rc;
	}
	return take_metadata(c, work, root);
}

static int parse_root(load_ctx *c, const char *text, size_t len,
		      mgen__jt **root)
{
	int rc = mgen__jt_parse(text, len, c->src, root, c->err);

	if (rc != 0)
		return rc;
	if ((*root)->type != MGEN__JT_OBJECT) {
		mgen__jt_free(*root);
		*root = NULL;
		return mgen_err_set(c->err, MGEN_EINVAL,
				    "%s: a saved program must be a JSON object",
				    c->src);
	}
	return 0;
}

int mgen_program_load_json(mgen_program *prog, const char *text, size_t len,
			   const char *source,
			   const mgen_program_load_options *opts, mgen_err *err)
{
	load_ctx c = {source ? source : "<program>",
		      opts ? opts->trust_lm_base : 0, err};
	mgen__jt *root = NULL;
	mgen_program *work = NULL;
	mgen_program old;
	int rc;

	rc = parse_root(&c, text, len, &root);
	if (rc != 0)
		return rc;
	if (mgen_program_copy(prog, &work) != 0) {
		rc = nomem(&c);
		goto done;
	}
	rc = load_declared(&c, work, root);
	if (rc != 0)
		goto done;
	/* swap: prog takes work's contents, work takes the old ones */
	old = *prog;
	*prog = *work;
	*work = old;
done:
	mgen_program_free(work);
	mgen__jt_free(root);
	return rc;
}

/* The file's text, at most MGEN_PROGRAM_MAX_BYTES (read whole). */
static int read_program_file(const char *path, char **text, size_t *len,
			     mgen_err *err)
{
	int rc = mgen__read_file_max(path, MGEN_PROGRAM_MAX_BYTES, text, len);

	if (rc == MGEN_ELIMIT)
		return mgen_err_set(err, rc,
				    "program file '%s' is larger than %d MiB",
				    path, MGEN_PROGRAM_MAX_BYTES >> 20);
	if (rc == MGEN_ENOMEM)
		return mgen_err_set(err, rc, "out of memory");
	if (rc != 0)
		return mgen_err_set(err, MGEN_EIO,
				    "cannot read program file '%s'", path);
	return 0;
}

int mgen_program_load(mgen_program *prog, const char *path,
		      const mgen_program_load_options *opts, mgen_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if ((rc = read_program_file(path, &text, &len, err)) != 0)
		return rc;
	rc = mgen_program_load_json(prog, text, len, path, opts, err);
	free(text);
	return rc;
}

/* A dspy.Predict saved by its own save(): its state at the top level. */
static int read_flat(load_ctx *c, mgen_program *prog, const mgen__jt *root)
{
	int rc = mgen_program_add_predictor(prog, "self", NULL, c->err);

	if (rc == 0)
		rc = take_predictor(c, &prog->preds[0], root, 0);
	return rc ? rc : take_metadata(c, prog, root);
}

static int read_all(load_ctx *c, mgen_program *prog, const mgen__jt *root)
{
	const mgen__jt *flat = mgen__jt_get(root, "signature");
	size_t i;
	int rc;

	if (flat && flat->type == MGEN__JT_OBJECT)
		return read_flat(c, prog, root);
	for (i = 0; i < root->n; i++) {
		const mgen__jt *obj = root->kids[i];
		const mgen__jt *sig = mgen__jt_get(obj, "signature");

		if (strcmp(obj->key, "metadata") == 0 || !sig ||
		    sig->type != MGEN__JT_OBJECT)
			continue;
		if (mgen_program_find(prog, obj->key) >= 0)
			continue; /* duplicate key: the last one was taken */
		rc = mgen_program_add_predictor(prog, obj->key, NULL, c->err);
		if (rc != 0)
			return rc;
		rc = take_predictor(c, &prog->preds[prog->n - 1],
				    mgen__jt_get(root, obj->key), 0);
		if (rc != 0)
			return rc;
	}
	return take_metadata(c, prog, root);
}

int mgen_program_read(const char *path, const mgen_program_load_options *opts,
		      mgen_program **out, mgen_err *err)
{
	load_ctx c = {path, opts ? opts->trust_lm_base : 0, err};
	mgen__jt *root = NULL;
	mgen_program *prog = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = read_program_file(path, &text, &len, err)) != 0)
		return rc;
	rc = parse_root(&c, text, len, &root);
	if (rc == 0 && mgen_program_new(&prog) != 0)
		rc = nomem(&c);
	if (rc == 0)
		rc = read_all(&c, prog, root);
	if (rc == 0) {
		*out = prog;
		prog = NULL;
	}
	mgen_program_free(prog);
	mgen__jt_free(root);
	free(text);
	return rc;
}
