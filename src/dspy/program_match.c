/*
 * program_match.c - fitting a saved predictor to a declared signature when
 * the file was written by Python DSPy in another layout (a flat
 * dspy.Predict, a ChainOfThought under "<name>.predict", a module whose
 * one predictor has another name). A saved field holds only a prefix and
 * a description, so each is identified by its description placeholder
 * "${name}" or by its prefix (DSPy's infer_prefix of a declared name, or
 * the declared prefix); the ChainOfThought field by "${reasoning}" or a
 * prefix starting "Reasoning". See include/metagen/program.h.
 */
#include <ctype.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/buf.h"
#include "metagen/program.h"
#include "metagen/signature.h"

long mgen_program_pick(const mgen_program *prog, const char *name,
		       mgen_err *err)
{
	long p = mgen_program_find(prog, name);
	mgen_buf names = MGEN_BUF_INIT;
	size_t i, n = mgen_program_count(prog);

	if (p >= 0)
		return p;
	if (n == 1)
		return 0;
	for (i = 0; i < n; i++)
		mgen_buf_printf(&names, "%s'%s'", i ? ", " : "",
				mgen_program_name(prog, i));
	if (n == 0)
		mgen_err_set(err, MGEN_EINVAL,
			     "the program has no predictor (no object with a "
			     "\"signature\")");
	else
		mgen_err_set(err, MGEN_EINVAL,
			     "the program has no predictor '%s' and %zu others "
			     "(%s): cannot tell which one to use",
			     name, n,
			     mgen_buf_error(&names) ? "?"
						    : mgen_buf_str(&names));
	mgen_buf_release(&names);
	return -1;
}

/* `s` without surrounding blanks and trailing ':' equals `want`,
 * ignoring ASCII case. */
static int prefix_is(const char *s, const char *want)
{
	size_t n, w = strlen(want);

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 &&
	       (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == ':'))
		n--;
	while (w > 0 && want[w - 1] == ':')
		w--;
	if (n != w || n == 0)
		return 0;
	for (; n > 0; n--, s++, want++)
		if (tolower((unsigned char)*s) != tolower((unsigned char)*want))
			return 0;
	return 1;
}

static int placeholder_is(const char *desc, const char *name)
{
	size_t n = strlen(name);

	return strncmp(desc, "${", 2) == 0 && strncmp(desc + 2, name, n) == 0 &&
	       strcmp(desc + 2 + n, "}") == 0;
}

static int is_reasoning(const char *prefix, const char *desc)
{
	while (*prefix == ' ')
		prefix++;
	return placeholder_is(desc, "reasoning") ||
	       strncasecmp(prefix, "reasoning", 9) == 0;
}

/* The declared field saved field (prefix, desc) names, or -1; -2 when
 * the infer_prefix of a name cannot be built (out of memory). */
static long identify(const mgen_signature *sig, const char *prefix,
		     const char *desc)
{
	size_t i, n = mgen_signature_n_fields(sig);
	mgen_sig_field f;

	for (i = 0; i < n; i++) {
		char *inferred = NULL;
		int hit;

		mgen_signature_field(sig, i, &f);
		if (mgen_signature_infer_prefix(f.name, &inferred) != 0)
			return -2;
		hit = placeholder_is(desc, f.name) ||
		      prefix_is(prefix, inferred) ||
		      prefix_is(prefix, f.name) ||
		      (f.prefix && prefix_is(prefix, f.prefix));
		free(inferred);
		if (hit)
			return (long)i;
	}
	return -1;
}

/* Position fallback: the non-reasoning fields are exactly as many as the
 * declared ones and every identified one sits at its own position. */
static int by_position(const long *map, size_t nsaved, size_t ndecl)
{
	size_t i, k = 0;

	for (i = 0; i < nsaved; i++) {
		if (map[i] == MGEN_PROGRAM_FIELD_REASONING)
			continue;
		if (map[i] >= 0 && (size_t)map[i] != k)
			return 0;
		k++;
	}
	return k == ndecl;
}

static int fill_unknown(const mgen_program *prog, size_t p, long *map,
			size_t nsaved, const mgen_signature *sig, mgen_err *err)
{
	size_t i, k = 0;
	int pos = by_position(map, nsaved, mgen_signature_n_fields(sig));

	for (i = 0; i < nsaved; i++) {
		if (map[i] == MGEN_PROGRAM_FIELD_REASONING)
			continue;
		if (map[i] == -1 && !pos)
			return mgen_err_set(
			    err, MGEN_EINVAL,
			    "predictor '%s': field %zu (prefix '%s', "
			    "description '%.60s') matches no field of the "
			    "signature",
			    mgen_program_name(prog, p), i,
			    mgen_program_field_prefix(prog, p, i),
			    mgen_program_field_description(prog, p, i));
		if (map[i] == -1)
			map[i] = (long)k;
		k++;
	}
	return 0;
}

/* Every declared field once; reasoning (at most once) after the inputs. */
static int check_cover(const mgen_program *prog, size_t p, const long *map,
		       size_t nsaved, const mgen_signature *sig, mgen_err *err)
{
	size_t i, j, ndecl = mgen_signature_n_fields(sig);
	size_t nin = mgen_signature_n_inputs(sig), seen_in = 0;
	const char *name = mgen_program_name(prog, p);
	int reasoning = 0;
	mgen_sig_field f;

	for (i = 0; i < nsaved; i++) {
		if (map[i] == MGEN_PROGRAM_FIELD_REASONING) {
			if (reasoning++ || seen_in < nin)
				return mgen_err_set(
				    err, MGEN_EINVAL,
				    "predictor '%s': field %zu is a reasoning "
				    "field %s",
				    name, i,
				    reasoning > 1 ? "twice"
						  : "among the inputs");
			continue;
		}
		if ((size_t)map[i] < nin)
			seen_in++;
		for (j = 0; j < i; j++)
			if (map[j] == map[i]) {
				mgen_signature_field(sig, (size_t)map[i], &f);
				return mgen_err_set(
				    err, MGEN_EINVAL,
				    "predictor '%s': fields %zu and %zu are "
				    "both '%s'",
				    name, j, i, f.name);
			}
	}
	for (j = 0; j < ndecl; j++) {
		for (i = 0; i < nsaved && map[i] != (long)j; i++)
			;
		if (i == nsaved) {
			mgen_signature_field(sig, j, &f);
			return mgen_err_set(err, MGEN_EINVAL,
					    "predictor '%s': the file has no "
					    "field '%s'",
					    name, f.name);
		}
	}
	return 0;
}

int mgen_program_match_fields(const mgen_program *prog, size_t p,
			      const mgen_signature *sig, long **map,
			      mgen_err *err)
{
	size_t i, n = mgen_program_field_count(prog, p);
	long *m = calloc(n ? n : 1, sizeof(*m));
	int rc = 0;

	*map = NULL;
	if (m == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	for (i = 0; rc == 0 && i < n; i++) {
		const char *pre = mgen_program_field_prefix(prog, p, i);
		const char *desc = mgen_program_field_description(prog, p, i);

		m[i] = identify(sig, pre, desc);
		if (m[i] == -2)
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		else if (m[i] == -1 &&
			 mgen_signature_find(sig, "reasoning") < 0 &&
			 is_reasoning(pre, desc))
			m[i] = MGEN_PROGRAM_FIELD_REASONING;
	}
	if (rc == 0)
		rc = fill_unknown(prog, p, m, n, sig, err);
	if (rc == 0)
		rc = check_cover(prog, p, m, n, sig, err);
	if (rc != 0) {
		free(m);
		return rc;
	}
	*map = m;
	return 0;
}
