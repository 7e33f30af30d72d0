/*
 * align.c - matches a parsed answer's comments to the columns that were
 * asked about, BY NAME and never by position (dbxmetagen issue #194: its
 * zip() shifted every later comment when one entry was dropped).
 *
 * A name is compared after trimming blanks and stripping surrounding
 * double quotes, backticks and square brackets: exactly first, then ASCII
 * case folded only when that names one asked column (a table may have
 * columns `Id`, `ID` and `id`: "ID" is the second, "iD" none). A qualified
 * answer name ("t.col", "schema.t.col", "`t`.`col`") that matches no asked
 * column as a whole is matched by its last part when exactly one asked
 * column has that name.
 */
#include <stdlib.h>
#include <string.h>

#include "metagen/answer.h"
#include "metagen/buf.h"
#include "util/util.h"

static int is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Trims blanks from [*a, *b). */
static void trim(const char **a, const char **b)
{
	while (*a < *b && is_blank((unsigned char)**a))
		(*a)++;
	while (*b > *a && is_blank((unsigned char)(*b)[-1]))
		(*b)--;
}

/* Trims blanks and strips surrounding quote pairs from [*a, *b). */
static void strip(const char **a, const char **b)
{
	char o, c;

	for (;;) {
		trim(a, b);
		if (*b - *a < 2)
			return;
		o = **a;
		c = (*b)[-1];
		if (!((o == '"' && c == '"') || (o == '`' && c == '`') ||
		      (o == '[' && c == ']')))
			return;
		(*a)++;
		(*b)--;
	}
}

/* The normalised name of [a, b): stripped, and lower-cased when `fold`;
 * caller frees. */
static char *norm_range(const char *a, const char *b, int fold)
{
	char *s;
	size_t i;

	strip(&a, &b);
	s = mgen__strndup(a, (size_t)(b - a));
	if (s != NULL && fold)
		for (i = 0; s[i]; i++)
			s[i] = (char)lower((unsigned char)s[i]);
	return s;
}

/* Start of the last dot-separated part of `s` (dots inside quotes or
 * brackets do not count), or NULL when `s` has no such dot. */
static const char *last_part(const char *s)
{
	const char *last = NULL;
	char close = 0;

	for (; *s; s++) {
		if (close) {
			if (*s == close)
				close = 0;
		} else if (*s == '"' || *s == '`') {
			close = *s;
		} else if (*s == '[') {
			close = ']';
		} else if (*s == '.') {
			last = s + 1;
		}
	}
	return last;
}

/* The index of the only asked key equal to `k`; -1 none, -2 several. */
static long find_key(char *const *keys, size_t n, const char *k)
{
	long hit = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (keys[i] == NULL || strcmp(keys[i], k) != 0)
			continue;
		if (hit >= 0)
			return -2;
		hit = (long)i;
	}
	return hit;
}

/* The asked names: as given (stripped) and case folded. */
typedef struct askeys {
	char **exact, **folded;
} askeys;

/* The asked column [a, b) names: exactly when one asked name is equal,
 * else case folded when one is; -1 none, -2 several. */
static int match_range(const askeys *k, size_t n, const char *a, const char *b,
		       long *idx)
{
	char *s = norm_range(a, b, 0);

	if (s == NULL)
		return MGEN_ENOMEM;
	*idx = find_key(k->exact, n, s);
	free(s);
	if (*idx != -1)
		return 0;
	if ((s = norm_range(a, b, 1)) == NULL)
		return MGEN_ENOMEM;
	*idx = find_key(k->folded, n, s);
	free(s);
	return 0;
}

/* Which asked column answer name `name` names; -1 when none. */
static int match_name(const askeys *k, size_t n, const char *name, long *idx)
{
	const char *lp;
	int rc = match_range(k, n, name, name + strlen(name), idx);

	if (rc != 0 || *idx != -1)
		return rc;
	lp = last_part(name);
	if (lp != NULL)
		rc = match_range(k, n, lp, lp + strlen(lp), idx);
	if (*idx < 0)
		*idx = -1;
	return rc;
}

/* Copy of `s` with surrounding blanks trimmed. */
static char *trimmed(const char *s)
{
	const char *a = s, *b = s + strlen(s);

	trim(&a, &b);
	return mgen__strndup(a, (size_t)(b - a));
}

/* Records answer entry `j`'s comment for asked column `i`. */
static int take(mgen_alignment *al, int *dup, size_t i, const char *text)
{
	char *c = trimmed(text);

	if (c == NULL)
		return MGEN_ENOMEM;
	if (dup[i] == 0 && al->comments[i] == NULL) {
		al->comments[i] = c;
		dup[i] = -1; /* seen once */
		return 0;
	}
	if (dup[i] == -1 && strcmp(al->comments[i], c) != 0)
		dup[i] = 1;
	free(c);
	return 0;
}

static int add_unknown(mgen_alignment *al, mgen_buf *u, const char *name)
{
	char *c = trimmed(name);

	if (c == NULL)
		return MGEN_ENOMEM;
	al->unknown_count++;
	if (u->len > 0)
		mgen_buf_puts(u, ", ");
	mgen_buf_puts(u, c);
	free(c);
	return mgen_buf_error(u);
}

static const char *set_problem(mgen_alignment *al, size_t i, const char *p,
			       size_t *count)
{
	free(al->comments[i]);
	al->comments[i] = NULL;
	(*count)++;
	al->problems[i] = mgen__strdup(p);
	return p;
}

/* Turns the collected matches into comments and problems; returns the
 * index of the first problem column, or asked_count when none. */
static size_t settle(mgen_alignment *al, const int *dup, int *oom)
{
	size_t i, first = al->asked_count, dummy = 0;
	const char *p;

	for (i = 0; i < al->asked_count; i++) {
		p = NULL;
		if (al->comments[i] == NULL)
			p = set_problem(al, i, "missing from answer",
					&al->missing_count);
		else if (dup[i] == 1)
			p = set_problem(al, i, "duplicated in answer",
					&al->duplicated_count);
		else if (al->comments[i][0] == 0)
			p = set_problem(al, i, "empty comment", &dummy);
		if (p != NULL && al->problems[i] == NULL)
			*oom = 1;
		if (p != NULL && first == al->asked_count)
			first = i;
	}
	return first;
}

/* Allocates the parallel arrays and the asked keys. */
static int setup(mgen_alignment *al, const char *const *asked, size_t n,
		 askeys *keys, int **dup)
{
	size_t i;
	const char *a;

	al->asked_count = n;
	al->comments = calloc(n ? n : 1, sizeof(char *));
	al->problems = calloc(n ? n : 1, sizeof(char *));
	keys->exact = calloc(n ? n : 1, sizeof(char *));
	keys->folded = calloc(n ? n : 1, sizeof(char *));
	*dup = calloc(n ? n : 1, sizeof(int));
	if (!al->comments || !al->problems || !keys->exact || !keys->folded ||
	    !*dup)
		return MGEN_ENOMEM;
	for (i = 0; i < n; i++) {
		a = asked[i];
		keys->exact[i] = norm_range(a, a + strlen(a), 0);
		keys->folded[i] = norm_range(a, a + strlen(a), 1);
		if (keys->exact[i] == NULL || keys->folded[i] == NULL)
			return MGEN_ENOMEM;
	}
	return 0;
}

static void askeys_free(askeys *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (k->exact)
			free(k->exact[i]);
		if (k->folded)
			free(k->folded[i]);
	}
	free(k->exact);
	free(k->folded);
}

int mgen_answer_align(const mgen_answer *a, const char *table_name,
		      const char *const *asked, size_t asked_count,
		      mgen_alignment *out, mgen_err *err)
{
	mgen_buf u = MGEN_BUF_INIT;
	askeys keys = {NULL, NULL};
	int *dup = NULL, oom = 0, rc;
	size_t j, first = 0;
	long idx;

	memset(out, 0, sizeof(*out));
	rc = setup(out, asked, asked_count, &keys, &dup);
	for (j = 0; rc == 0 && j < a->n; j++) {
		rc = match_name(&keys, asked_count, a->columns[j], &idx);
		if (rc == 0 && idx >= 0)
			rc = take(out, dup, (size_t)idx, a->contents[j]);
		else if (rc == 0)
			rc = add_unknown(out, &u, a->columns[j]);
	}
	if (rc == 0) {
		first = settle(out, dup, &oom);
		if (u.len > 0 && (out->unknown = mgen_buf_detach(&u)) == NULL)
			oom = 1;
		rc = oom ? MGEN_ENOMEM : 0;
	}
	if (rc)
		mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	else if (first < asked_count)
		rc = mgen_err_set(err, MGEN_EVALIDATE, "%s%s%s: %s",
				  table_name ? table_name : "",
				  table_name ? "." : "", asked[first],
				  out->problems[first]);
	askeys_free(&keys, asked_count);
	free(dup);
	mgen_buf_release(&u);
	if (rc == MGEN_ENOMEM)
		mgen_alignment_release(out);
	return rc;
}

void mgen_alignment_release(mgen_alignment *al)
{
	size_t i;

	if (al == NULL)
		return;
	for (i = 0; i < al->asked_count; i++) {
		if (al->comments)
			free(al->comments[i]);
		if (al->problems)
			free(al->problems[i]);
	}
	free(al->comments);
	free(al->problems);
	free(al->unknown);
	memset(al, 0, sizeof(*al));
}
