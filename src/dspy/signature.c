/*
 * signature.c - DSPy signatures (dspy/signatures/signature.py, field.py):
 * ordered input and output fields with type, desc and prefix, DSPy's
 * defaults (desc "${name}", prefix infer_prefix(name) + ":", instructions
 * "Given the fields ..."), cleandoc'ed instructions, the string form
 * "a, b: int -> c", and ChainOfThought's extra `reasoning` output.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dspy/signature_internal.h"
#include "util/util.h"

#define COT_PREFIX "Reasoning: Let's think step by step in order to"

/* ---- infer_prefix ---- */

static int is_up(char c)
{
	return c >= 'A' && c <= 'Z';
}
static int is_lo(char c)
{
	return c >= 'a' && c <= 'z';
}
static int is_dig(char c)
{
	return c >= '0' && c <= '9';
}
static int is_alpha(char c)
{
	return is_up(c) || is_lo(c);
}

/* re.sub(r"([A][B])", r"\1_\2", s) for one-character classes A, B. */
static char *split_pairs(const char *s, int (*a)(char), int (*b)(char))
{
	mgen_buf o = MGEN_BUF_INIT;
	size_t i = 0, n = strlen(s);

	while (i < n) {
		if (i + 1 < n && a(s[i]) && b(s[i + 1])) {
			mgen_buf_putc(&o, s[i]);
			mgen_buf_putc(&o, '_');
			mgen_buf_putc(&o, s[i + 1]);
			i += 2;
		} else {
			mgen_buf_putc(&o, s[i++]);
		}
	}
	return mgen_buf_detach(&o);
}

static int is_lo_dig(char c)
{
	return is_lo(c) || is_dig(c);
}

/* re.sub("(.)([A-Z][a-z]+)", r"\1_\2", s) */
static char *split_camel(const char *s)
{
	mgen_buf o = MGEN_BUF_INIT;
	size_t i = 0, n = strlen(s);

	while (i < n) {
		if (i + 2 < n && s[i] != '\n' && is_up(s[i + 1]) &&
		    is_lo(s[i + 2])) {
			mgen_buf_putc(&o, s[i]);
			mgen_buf_putc(&o, '_');
			mgen_buf_putc(&o, s[i + 1]);
			for (i += 2; i < n && is_lo(s[i]); i++)
				mgen_buf_putc(&o, s[i]);
		} else {
			mgen_buf_putc(&o, s[i++]);
		}
	}
	return mgen_buf_detach(&o);
}

/* Python: word if word.isupper() else word.capitalize() */
static void title_word(mgen_buf *o, const char *w, size_t n)
{
	size_t i;
	int cased = 0, lower = 0;

	for (i = 0; i < n; i++) {
		cased |= is_alpha(w[i]);
		lower |= is_lo(w[i]);
	}
	for (i = 0; i < n; i++) {
		char c = w[i];

		if (!(cased && !lower))
			c = (char)(i == 0 ? toupper((unsigned char)c)
					  : tolower((unsigned char)c));
		mgen_buf_putc(o, c);
	}
}

int mgen_signature_infer_prefix(const char *name, char **out)
{
	char *s[4] = {NULL, NULL, NULL, NULL};
	mgen_buf o = MGEN_BUF_INIT;
	const char *w, *u;
	int rc = MGEN_ENOMEM, i;

	*out = NULL;
	s[0] = split_camel(name ? name : "");
	s[1] = s[0] ? split_pairs(s[0], is_lo_dig, is_up) : NULL;
	s[2] = s[1] ? split_pairs(s[1], is_alpha, is_dig) : NULL;
	s[3] = s[2] ? split_pairs(s[2], is_dig, is_alpha) : NULL;
	if (s[3] == NULL)
		goto done;
	for (w = s[3];; w = u + 1) {
		u = strchr(w, '_');
		if (w != s[3])
			mgen_buf_putc(&o, ' ');
		title_word(&o, w, u ? (size_t)(u - w) : strlen(w));
		if (u == NULL)
			break;
	}
	*out = mgen_buf_detach(&o);
	rc = *out ? 0 : MGEN_ENOMEM;
done:
	for (i = 0; i < 4; i++)
		free(s[i]);
	mgen_buf_release(&o);
	return rc;
}

/* ---- instructions ---- */

/* Python str.expandtabs(8). */
static void expand_tabs(mgen_buf *o, const char *s)
{
	size_t col = 0;

	for (; *s; s++) {
		if (*s == '\t') {
			do
				mgen_buf_putc(o, ' ');
			while (++col % 8);
		} else {
			mgen_buf_putc(o, *s);
			col = (*s == '\n' || *s == '\r') ? 0 : col + 1;
		}
	}
}

/* inspect.cleandoc(text); caller frees. */
static char *cleandoc(const char *text)
{
	mgen_buf e = MGEN_BUF_INIT, o = MGEN_BUF_INIT;
	const char *s, *line, *nl, *first = NULL;
	size_t margin = (size_t)-1, ind, n;
	char *r = NULL;

	expand_tabs(&e, text);
	s = mgen_buf_str(&e);
	for (line = strchr(s, '\n'); line; line = strchr(line + 1, '\n')) {
		n = strcspn(line + 1, "\n");
		ind = strspn(line + 1, " \t\v\f\r");
		if (ind < n && ind < margin)
			margin = ind;
	}
	/* lines: the first lstripped, the others cut by margin; then
	 * leading and trailing empty lines dropped */
	for (line = s;; line = nl + 1) {
		const char *b = line;

		nl = strchr(line, '\n');
		n = nl ? (size_t)(nl - line) : strlen(line);
		if (line == s) {
			ind = strspn(line, " \t\v\f\r");
			b += ind < n ? ind : n;
		} else if (margin != (size_t)-1) {
			b += margin < n ? margin : n;
		}
		if (b < line + n) {
			if (first == NULL)
				first = line;
		}
		if (first != NULL) {
			if (line != first)
				mgen_buf_putc(&o, '\n');
			mgen_buf_append(&o, b, (size_t)(line + n - b));
		}
		if (nl == NULL)
			break;
	}
	r = mgen_buf_detach(&o);
	mgen_buf_release(&e);
	if (r != NULL) { /* drop trailing empty lines */
		n = strlen(r);
		while (n > 0 && r[n - 1] == '\n')
			r[--n] = '\0';
	}
	return r;
}

static int default_instructions(mgen_signature *sig)
{
	mgen_buf b = MGEN_BUF_INIT;
	size_t i;
	char *s;

	mgen_buf_puts(&b, "Given the fields ");
	for (i = 0; i < sig->field_count; i++) {
		if (i == sig->input_count)
			mgen_buf_puts(&b, ", produce the fields ");
		else if (i > 0)
			mgen_buf_puts(&b, ", ");
		mgen_buf_printf(&b, "`%s`", sig->fields[i].name);
	}
	if (sig->input_count == sig->field_count)
		mgen_buf_puts(&b, ", produce the fields ");
	mgen_buf_putc(&b, '.');
	s = mgen_buf_detach(&b);
	if (s == NULL)
		return MGEN_ENOMEM;
	free(sig->instructions);
	sig->instructions = s;
	return 0;
}

int mgen_signature_set_instructions(mgen_signature *sig, const char *text)
{
	char *s;

	if (text == NULL) {
		sig->custom = 0;
		return default_instructions(sig);
	}
	s = cleandoc(text);
	if (s == NULL)
		return MGEN_ENOMEM;
	free(sig->instructions);
	sig->instructions = s;
	sig->custom = 1;
	return 0;
}

const char *mgen_signature_instructions(const mgen_signature *sig)
{
	return sig->instructions ? sig->instructions : "";
}

/* ---- construction ---- */

int mgen_signature_new(mgen_signature **out)
{
	mgen_signature *sig = calloc(1, sizeof *sig);

	*out = NULL;
	if (sig == NULL || default_instructions(sig) != 0) {
		free(sig);
		return MGEN_ENOMEM;
	}
	*out = sig;
	return 0;
}

static void rec_free(mgen_sig__rec *r)
{
	free(r->name);
	free(r->type);
	free(r->desc);
	free(r->prefix);
}

void mgen_signature_free(mgen_signature *sig)
{
	size_t i;

	if (sig == NULL)
		return;
	for (i = 0; i < sig->field_count; i++)
		rec_free(&sig->fields[i]);
	free(sig->fields);
	free(sig->instructions);
	free(sig);
}

static int is_ident(const char *s)
{
	if (s == NULL || !(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

static char *default_desc(const char *name)
{
	mgen_buf b = MGEN_BUF_INIT;

	mgen_buf_printf(&b, "${%s}", name);
	return mgen_buf_detach(&b);
}

static char *default_prefix(const char *name)
{
	char *p = NULL, *r;
	size_t n;

	if (mgen_signature_infer_prefix(name, &p) != 0)
		return NULL;
	n = strlen(p);
	r = realloc(p, n + 2);
	if (r == NULL) {
		free(p);
		return NULL;
	}
	r[n] = ':';
	r[n + 1] = '\0';
	return r;
}

static int add_field(mgen_signature *sig, int output, const char *name,
		     const char *type, const char *desc, const char *prefix,
		     mgen_err *err)
{
	mgen_sig__rec r = {NULL, NULL, NULL, NULL, output};
	size_t at = output ? sig->field_count : sig->input_count;
	int bad = 0;

	if (!is_ident(name))
		return mgen_err_set(err, MGEN_EINVAL,
				    "bad field name \"%s\": not an identifier",
				    name ? name : "");
	if (mgen_signature_find(sig, name) >= 0)
		return mgen_err_set(err, MGEN_EINVAL,
				    "duplicate field name \"%s\"", name);
	r.name = mgen__strdup(name);
	r.type = mgen_sig__type_norm(type, &bad);
	r.desc = desc ? mgen__strdup(desc) : default_desc(name);
	r.prefix = prefix ? mgen__strdup(prefix) : default_prefix(name);
	if (bad) {
		rec_free(&r);
		return mgen_err_set(err, MGEN_EINVAL,
				    "bad type \"%s\" for field \"%s\": "
				    "unbalanced brackets or quotes",
				    type, name);
	}
	if (!r.name || !r.type || !r.desc || !r.prefix)
		goto nomem;
	if (sig->field_count == sig->cap) {
		size_t cap = sig->cap ? sig->cap * 2 : 4;
		mgen_sig__rec *f = realloc(sig->fields, cap * sizeof *f);

		if (f == NULL)
			goto nomem;
		sig->fields = f;
		sig->cap = cap;
	}
	memmove(sig->fields + at + 1, sig->fields + at,
		(sig->field_count - at) * sizeof r);
	sig->fields[at] = r;
	sig->field_count++;
	sig->input_count += !output;
	return sig->custom ? 0 : default_instructions(sig);
nomem:
	rec_free(&r);
	return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
}

int mgen_signature_add_input(mgen_signature *sig, const char *name,
			     const char *type, const char *desc,
			     const char *prefix, mgen_err *err)
{
	return add_field(sig, 0, name, type, desc, prefix, err);
}

int mgen_signature_add_output(mgen_signature *sig, const char *name,
			      const char *type, const char *desc,
			      const char *prefix, mgen_err *err)
{
	return add_field(sig, 1, name, type, desc, prefix, err);
}

/* ---- accessors ---- */

size_t mgen_signature_n_inputs(const mgen_signature *sig)
{
	return sig->input_count;
}

size_t mgen_signature_n_outputs(const mgen_signature *sig)
{
	return sig->field_count - sig->input_count;
}

size_t mgen_signature_n_fields(const mgen_signature *sig)
{
	return sig->field_count;
}

int mgen_signature_field(const mgen_signature *sig, size_t i,
			 mgen_sig_field *out)
{
	if (i >= sig->field_count)
		return MGEN_EINVAL;
	out->name = sig->fields[i].name;
	out->type = sig->fields[i].type;
	out->desc = sig->fields[i].desc;
	out->prefix = sig->fields[i].prefix;
	out->is_output = sig->fields[i].is_output;
	return 0;
}

long mgen_signature_find(const mgen_signature *sig, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < sig->field_count; i++)
		if (strcmp(sig->fields[i].name, name) == 0)
			return (long)i;
	return -1;
}

int mgen_signature_set_field_desc(mgen_signature *sig, size_t i,
				  const char *desc)
{
	char *s;

	if (i >= sig->field_count)
		return MGEN_EINVAL;
	s = desc ? mgen__strdup(desc) : default_desc(sig->fields[i].name);
	if (s == NULL)
		return MGEN_ENOMEM;
	free(sig->fields[i].desc);
	sig->fields[i].desc = s;
	return 0;
}

int mgen_signature_set_field_prefix(mgen_signature *sig, size_t i,
				    const char *prefix)
{
	char *s;

	if (i >= sig->field_count)
		return MGEN_EINVAL;
	s = prefix ? mgen__strdup(prefix) : default_prefix(sig->fields[i].name);
	if (s == NULL)
		return MGEN_ENOMEM;
	free(sig->fields[i].prefix);
	sig->fields[i].prefix = s;
	return 0;
}

/* Copies sig's fields into the empty `dst`, inserting `extra` (when not
 * NULL) as the first output. */
static int copy_fields(mgen_signature *dst, const mgen_signature *sig,
		       const mgen_sig__rec *extra, mgen_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < sig->field_count && rc == 0; i++) {
		const mgen_sig__rec *r = &sig->fields[i];

		if (extra && i == sig->input_count)
			rc = add_field(dst, 1, extra->name, extra->type,
				       extra->desc, extra->prefix, err);
		if (rc == 0)
			rc = add_field(dst, r->is_output, r->name, r->type,
				       r->desc, r->prefix, err);
	}
	if (rc == 0 && extra && sig->input_count == sig->field_count)
		rc = add_field(dst, 1, extra->name, extra->type, extra->desc,
			       extra->prefix, err);
	if (rc == 0 && (sig->custom || extra))
		rc = mgen_signature_set_instructions(dst, sig->instructions);
	return rc;
}

int mgen_signature_copy(const mgen_signature *sig, mgen_signature **out)
{
	mgen_signature *c = NULL;
	int rc = mgen_signature_new(&c);

	*out = NULL;
	if (rc == 0)
		rc = copy_fields(c, sig, NULL, NULL);
	if (rc) {
		mgen_signature_free(c);
		return MGEN_ENOMEM;
	}
	*out = c;
	return 0;
}

int mgen_signature_chain_of_thought(const mgen_signature *sig,
				    mgen_signature **out, mgen_err *err)
{
	static const mgen_sig__rec reasoning = {
	    (char *)"reasoning", (char *)"str", (char *)"${reasoning}",
	    (char *)COT_PREFIX, 1};
	mgen_signature *c = NULL;
	int rc;

	*out = NULL;
	if (mgen_signature_find(sig, "reasoning") >= 0)
		return mgen_err_set(err, MGEN_EINVAL,
				    "signature already has a field called "
				    "\"reasoning\"");
	rc = mgen_signature_new(&c);
	if (rc == 0)
		rc = copy_fields(c, sig, &reasoning, err);
	if (rc) {
		mgen_signature_free(c);
		return mgen_err_set(err, rc, "out of memory");
	}
	*out = c;
	return 0;
}

int mgen_signature_to_string(const mgen_signature *sig, char **out)
{
	mgen_buf b = MGEN_BUF_INIT;
	size_t i;

	for (i = 0; i < sig->field_count; i++) {
		if (i == sig->input_count)
			mgen_buf_puts(&b, i ? " -> " : "-> ");
		else if (i > 0)
			mgen_buf_puts(&b, ", ");
		mgen_buf_puts(&b, sig->fields[i].name);
		if (!mgen_sig__type_is_str(sig->fields[i].type))
			mgen_buf_printf(&b, ": %s", sig->fields[i].type);
	}
	if (sig->input_count == sig->field_count)
		mgen_buf_puts(&b, sig->field_count ? " ->" : "->");
	*out = mgen_buf_detach(&b);
	return *out ? 0 : MGEN_ENOMEM;
}

/* ---- the string form ---- */

/* End of the top-level comma-separated part starting at p (stops at
 * ',' or the end `e`, skipping brackets and quotes). */
static const char *part_end(const char *p, const char *e)
{
	int depth = 0;
	char q = 0;

	for (; p < e; p++) {
		if (q) {
			if (*p == '\\' && p + 1 < e)
				p++;
			else if (*p == q)
				q = 0;
		} else if (*p == '\'' || *p == '"') {
			q = *p;
		} else if (*p == '[' || *p == '(') {
			depth++;
		} else if (*p == ']' || *p == ')') {
			depth--;
		} else if (*p == ',' && depth == 0) {
			break;
		}
	}
	return p;
}

static const char *skip_ws(const char *p, const char *e)
{
	while (p < e && isspace((unsigned char)*p))
		p++;
	return p;
}

static const char *trim_end(const char *p, const char *e)
{
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	return e;
}

/* Adds the fields of one side s..e of the arrow. */
static int parse_side(mgen_signature *sig, const char *spec, const char *s,
		      const char *e, int output, mgen_err *err)
{
	const char *p = s, *end, *colon, *ne;
	char *name = NULL, *type = NULL;
	int rc = 0;

	if (skip_ws(s, e) == e)
		return 0;
	while (rc == 0 && p <= e) {
		end = part_end(p, e);
		p = skip_ws(p, end);
		for (colon = p; colon < end && *colon != ':'; colon++)
			;
		if (colon == end)
			colon = NULL;
		ne = trim_end(p, colon ? colon : end);
		name = mgen__strndup(p, (size_t)(ne - p));
		if (colon) {
			const char *ts = skip_ws(colon + 1, end);

			type =
			    mgen__strndup(ts, (size_t)(trim_end(ts, end) - ts));
		}
		if (name == NULL || (colon && type == NULL))
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		else if (!is_ident(name))
			rc = mgen_err_set(
			    err, MGEN_EINVAL,
			    "signature \"%.200s\": %s \"%s\" at "
			    "column %d",
			    spec, *name ? "bad field name" : "empty field",
			    name, (int)(p - spec) + 1);
		else if (colon && *type == '\0')
			rc =
			    mgen_err_set(err, MGEN_EINVAL,
					 "signature \"%.200s\": empty type for "
					 "\"%s\" at column %d",
					 spec, name, (int)(colon - spec) + 2);
		else if ((rc = add_field(sig, output, name, type, NULL, NULL,
					 err)) != 0)
			rc =
			    mgen_err_set(err, rc, "signature \"%.200s\"", spec);
		free(name);
		free(type);
		name = type = NULL;
		p = end + 1;
	}
	return rc;
}

int mgen_signature_parse(const char *spec, const char *instructions,
			 mgen_signature **out, mgen_err *err)
{
	mgen_signature *sig = NULL;
	const char *arrow, *e;
	int rc;

	*out = NULL;
	if (spec == NULL)
		return mgen_err_set(err, MGEN_EINVAL, "signature: no text");
	arrow = strstr(spec, "->");
	if (arrow == NULL || strstr(arrow + 2, "->") != NULL)
		return mgen_err_set(err, MGEN_EINVAL,
				    "signature \"%.200s\": expected exactly "
				    "one \"->\", found %s",
				    spec, arrow ? "more" : "none");
	e = spec + strlen(spec);
	rc = mgen_signature_new(&sig);
	if (rc)
		return mgen_err_set(err, rc, "out of memory");
	rc = parse_side(sig, spec, spec, arrow, 0, err);
	if (rc == 0)
		rc = parse_side(sig, spec, arrow + 2, e, 1, err);
	if (rc == 0 && instructions)
		rc = mgen_signature_set_instructions(sig, instructions);
	if (rc) {
		mgen_signature_free(sig);
		return mgen_err_set(err, rc, "out of memory");
	}
	*out = sig;
	return 0;
}
