/*
 * program.c - a compiled program in memory and its file in Python DSPy's
 * saved-program JSON layout (see include/metagen/program.h). Reading and
 * writing go through dspy/jsontree so that number literals and key order
 * survive a round trip and the layout is orjson's indent-2.
 */
#include "metagen/program.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dspy/jsontree.h"
#include "dspy/program_internal.h"
#include "metagen/buf.h"
#include "util/util.h"

static const char *const unsafe_lm_keys[] = {"api_base", "base_url",
					     "model_list"};

static void pred_release(prog_pred *p)
{
	size_t i;

	free(p->name);
	free(p->instructions);
	for (i = 0; i < p->nfields; i++) {
		free(p->fields[i].prefix);
		free(p->fields[i].description);
	}
	free(p->fields);
	for (i = 0; i < p->ndemos; i++)
		free(p->demos[i]);
	free(p->demos);
	for (i = 0; i < p->ntrain; i++)
		free(p->train[i]);
	free(p->train);
	free(p->lm);
	memset(p, 0, sizeof(*p));
}

void mgen__program_release(mgen_program *prog)
{
	size_t i;

	for (i = 0; i < prog->n; i++)
		pred_release(&prog->preds[i]);
	free(prog->preds);
	mgen__jt_free(prog->depver);
	free(prog->optimizer);
	memset(prog, 0, sizeof(*prog));
}

void mgen_program_free(mgen_program *prog)
{
	if (!prog)
		return;
	mgen__program_release(prog);
	free(prog);
}

static mgen__jt *default_depver(void)
{
	/* empty: no Python, DSPy or cloudpickle produced the file, and
	 * DSPy's load compares each key present with its own versions */
	return mgen__jt_new(MGEN__JT_OBJECT, NULL);
}

int mgen_program_new(mgen_program **out)
{
	mgen_program *prog;

	*out = NULL;
	prog = calloc(1, sizeof(*prog));
	if (!prog)
		return MGEN_ENOMEM;
	prog->depver = default_depver();
	if (!prog->depver) {
		free(prog);
		return MGEN_ENOMEM;
	}
	prog->est = prog->made = -1;
	*out = prog;
	return 0;
}

/* ---- building ---- */

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *a;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 4;
	a = realloc(*arr, c * size);
	if (!a)
		return MGEN_ENOMEM;
	memset((char *)a + *cap * size, 0, (c - *cap) * size);
	*arr = a;
	*cap = c;
	return 0;
}

int mgen__program_set_str(char **dst, const char *s)
{
	char *c = mgen__strdup(s ? s : "");

	if (!c)
		return MGEN_ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

int mgen_program_add_predictor(mgen_program *prog, const char *name,
			       const char *instructions, mgen_err *err)
{
	prog_pred *p;

	if (!name || !*name || strcmp(name, "metadata") == 0)
		return mgen_err_set(err, MGEN_EINVAL,
				    "invalid predictor name '%s'",
				    name ? name : "");
	if (mgen_program_find(prog, name) >= 0)
		return mgen_err_set(err, MGEN_EINVAL,
				    "predictor '%s' is declared twice", name);
	if (grow((void **)&prog->preds, &prog->cap, prog->n, sizeof(*p)))
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	p = &prog->preds[prog->n];
	if (mgen__program_set_str(&p->name, name) ||
	    mgen__program_set_str(&p->instructions, instructions)) {
		pred_release(p);
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	prog->n++;
	return 0;
}

int mgen__program_add_field(prog_pred *p, const char *prefix, const char *desc)
{
	prog_field *f;

	if (grow((void **)&p->fields, &p->capf, p->nfields, sizeof(*f)))
		return MGEN_ENOMEM;
	f = &p->fields[p->nfields];
	if (mgen__program_set_str(&f->prefix, prefix) ||
	    mgen__program_set_str(&f->description, desc)) {
		free(f->prefix);
		free(f->description);
		memset(f, 0, sizeof(*f));
		return MGEN_ENOMEM;
	}
	p->nfields++;
	return 0;
}

int mgen_program_add_field(mgen_program *prog, size_t i, const char *prefix,
			   const char *description)
{
	return mgen__program_add_field(&prog->preds[i], prefix, description);
}

int mgen_program_set_instructions(mgen_program *prog, size_t i,
				  const char *instructions)
{
	char **dst = &prog->preds[i].instructions;

	return mgen__program_set_str(dst, instructions);
}

int mgen_program_set_field(mgen_program *prog, size_t i, size_t f,
			   const char *prefix, const char *description)
{
	prog_field *fl = &prog->preds[i].fields[f];

	if (prefix && mgen__program_set_str(&fl->prefix, prefix))
		return MGEN_ENOMEM;
	if (description && mgen__program_set_str(&fl->description, description))
		return MGEN_ENOMEM;
	return 0;
}

/* Compact text of `j`; NULL on out of memory. */
static char *compact(const mgen__jt *j)
{
	mgen_buf b = MGEN_BUF_INIT;
	char *s;

	mgen__jt_write(j, -1, &b);
	s = mgen_buf_detach(&b);
	mgen_buf_release(&b);
	return s;
}

/* Appends the compact text of `j` to the list (*arr, *n, *cap). */
static int add_compact(char ***arr, size_t *n, size_t *cap, const mgen__jt *j)
{
	char *s;

	if (grow((void **)arr, cap, *n, sizeof(char *)))
		return MGEN_ENOMEM;
	s = compact(j);
	if (!s)
		return MGEN_ENOMEM;
	(*arr)[(*n)++] = s;
	return 0;
}

int mgen__program_add_demo(prog_pred *p, const mgen__jt *demo)
{
	return add_compact(&p->demos, &p->ndemos, &p->capd, demo);
}

int mgen__program_add_train(prog_pred *p, const mgen__jt *ex)
{
	return add_compact(&p->train, &p->ntrain, &p->capt, ex);
}

/* Parses `json` as one object (stated in messages as `what`). */
static int parse_object(const char *json, const char *what, mgen__jt **out,
			mgen_err *err)
{
	int rc = mgen__jt_parse(json, strlen(json), what, out, err);

	if (rc != 0)
		return rc;
	if ((*out)->type != MGEN__JT_OBJECT) {
		mgen__jt_free(*out);
		*out = NULL;
		return mgen_err_set(err, MGEN_EINVAL, "%s: not a JSON object",
				    what);
	}
	return 0;
}

/* Parses `json` as one object and appends it to demos or train. */
static int add_object(prog_pred *p, const char *json, int train, mgen_err *err)
{
	mgen__jt *j = NULL;
	int rc = parse_object(json, train ? "train example" : "demo", &j, err);

	if (rc != 0)
		return rc;
	rc = train ? mgen__program_add_train(p, j)
		   : mgen__program_add_demo(p, j);
	mgen__jt_free(j);
	if (rc != 0)
		return mgen_err_set(err, rc, "out of memory");
	return 0;
}

int mgen_program_add_demo(mgen_program *prog, size_t i, const char *json,
			  mgen_err *err)
{
	return add_object(&prog->preds[i], json, 0, err);
}

int mgen_program_add_train(mgen_program *prog, size_t i, const char *json,
			   mgen_err *err)
{
	return add_object(&prog->preds[i], json, 1, err);
}

void mgen_program_set_knn(mgen_program *prog, long long k)
{
	prog->knn_k = k > 0 ? k : 0;
}

long long mgen_program_knn(const mgen_program *prog)
{
	return prog->knn_k;
}

void mgen_program_clear_demos(mgen_program *prog, size_t i)
{
	prog_pred *p = &prog->preds[i];
	size_t d;

	for (d = 0; d < p->ndemos; d++)
		free(p->demos[d]);
	p->ndemos = 0;
}

/* Stores `lm` (an object; modified: secrets and, unless `trust`, endpoint
 * keys removed) into p->lm. */
int mgen__program_set_lm(prog_pred *p, mgen__jt *lm, int trust)
{
	char *s;
	size_t k;

	mgen__jt_remove(lm, "api_key", 1);
	for (k = 0; !trust && k < sizeof(unsafe_lm_keys) / sizeof(char *); k++)
		mgen__jt_remove(lm, unsafe_lm_keys[k], 0);
	s = compact(lm);
	if (!s)
		return MGEN_ENOMEM;
	free(p->lm);
	p->lm = s;
	return 0;
}

int mgen_program_set_lm(mgen_program *prog, size_t i, const char *json,
			mgen_err *err)
{
	mgen__jt *j = NULL;
	int rc;

	if (!json) {
		free(prog->preds[i].lm);
		prog->preds[i].lm = NULL;
		return 0;
	}
	rc = parse_object(json, "lm", &j, err);
	if (rc != 0)
		return rc;
	rc = mgen__program_set_lm(&prog->preds[i], j, 1);
	mgen__jt_free(j);
	if (rc != 0)
		return mgen_err_set(err, rc, "out of memory");
	return 0;
}

int mgen_program_set_meta(mgen_program *prog, const char *optimizer,
			  long long lm_calls_estimate, long long lm_calls_made)
{
	char *o = NULL;

	if (optimizer) {
		o = mgen__strdup(optimizer);
		if (!o)
			return MGEN_ENOMEM;
	}
	free(prog->optimizer);
	prog->optimizer = o;
	prog->est = lm_calls_estimate < 0 ? -1 : lm_calls_estimate;
	prog->made = lm_calls_made < 0 ? -1 : lm_calls_made;
	prog->has_meta = 1;
	return 0;
}

/* ---- reading ---- */

size_t mgen_program_count(const mgen_program *prog)
{
	return prog->n;
}

long mgen_program_find(const mgen_program *prog, const char *name)
{
	size_t i;

	for (i = 0; i < prog->n; i++)
		if (strcmp(prog->preds[i].name, name) == 0)
			return (long)i;
	return -1;
}

const char *mgen_program_name(const mgen_program *prog, size_t i)
{
	return prog->preds[i].name;
}

const char *mgen_program_instructions(const mgen_program *prog, size_t i)
{
	return prog->preds[i].instructions;
}

size_t mgen_program_field_count(const mgen_program *prog, size_t i)
{
	return prog->preds[i].nfields;
}

const char *mgen_program_field_prefix(const mgen_program *prog, size_t i,
				      size_t f)
{
	return prog->preds[i].fields[f].prefix;
}

const char *mgen_program_field_description(const mgen_program *prog, size_t i,
					   size_t f)
{
	return prog->preds[i].fields[f].description;
}

size_t mgen_program_demo_count(const mgen_program *prog, size_t i)
{
	return prog->preds[i].ndemos;
}

const char *mgen_program_demo(const mgen_program *prog, size_t i, size_t d)
{
	return prog->preds[i].demos[d];
}

size_t mgen_program_train_count(const mgen_program *prog, size_t i)
{
	return prog->preds[i].ntrain;
}

const char *mgen_program_train(const mgen_program *prog, size_t i, size_t t)
{
	return prog->preds[i].train[t];
}

const char *mgen_program_lm(const mgen_program *prog, size_t i)
{
	return prog->preds[i].lm;
}

const char *mgen_program_dependency_version(const mgen_program *prog,
					    const char *key)
{
	const mgen__jt *v = mgen__jt_get(prog->depver, key);

	return v && v->type == MGEN__JT_STRING ? v->text : NULL;
}

int mgen_program_meta(const mgen_program *prog, const char **optimizer,
		      long long *lm_calls_estimate, long long *lm_calls_made)
{
	if (!prog->has_meta)
		return 0;
	if (optimizer)
		*optimizer = prog->optimizer;
	if (lm_calls_estimate)
		*lm_calls_estimate = prog->est;
	if (lm_calls_made)
		*lm_calls_made = prog->made;
	return 1;
}

/* ---- copying ---- */

/* Appends copies of src[0..n) to the list (*arr, *dn, *cap). */
static int copy_texts(char ***arr, size_t *dn, size_t *cap, char *const *src,
		      size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (grow((void **)arr, cap, *dn, sizeof(char *)))
			return MGEN_ENOMEM;
		(*arr)[*dn] = mgen__strdup(src[i]);
		if (!(*arr)[*dn])
			return MGEN_ENOMEM;
		(*dn)++;
	}
	return 0;
}

static int pred_copy(const prog_pred *s, prog_pred *d)
{
	size_t i;

	if (mgen__program_set_str(&d->name, s->name) ||
	    mgen__program_set_str(&d->instructions, s->instructions))
		return MGEN_ENOMEM;
	for (i = 0; i < s->nfields; i++)
		if (mgen__program_add_field(d, s->fields[i].prefix,
					    s->fields[i].description))
			return MGEN_ENOMEM;
	if (copy_texts(&d->demos, &d->ndemos, &d->capd, s->demos, s->ndemos) ||
	    copy_texts(&d->train, &d->ntrain, &d->capt, s->train, s->ntrain))
		return MGEN_ENOMEM;
	if (s->lm && !(d->lm = mgen__strdup(s->lm)))
		return MGEN_ENOMEM;
	return 0;
}

int mgen_program_copy(const mgen_program *src, mgen_program **out)
{
	mgen_program *c = calloc(1, sizeof(*c));
	size_t i;

	*out = NULL;
	if (!c)
		return MGEN_ENOMEM;
	c->depver = mgen__jt_dup(src->depver);
	if (!c->depver)
		goto fail;
	c->has_meta = src->has_meta;
	c->foreign = src->foreign;
	c->est = src->est;
	c->made = src->made;
	c->knn_k = src->knn_k;
	if (src->optimizer && !(c->optimizer = mgen__strdup(src->optimizer)))
		goto fail;
	for (i = 0; i < src->n; i++) {
		if (grow((void **)&c->preds, &c->cap, c->n, sizeof(prog_pred)))
			goto fail;
		c->n++; /* counted first so a failed copy is released */
		if (pred_copy(&src->preds[i], &c->preds[i]))
			goto fail;
	}
	*out = c;
	return 0;
fail:
	mgen_program_free(c);
	return MGEN_ENOMEM;
}
