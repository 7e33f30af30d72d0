/*
 * privacy.c - does a proposed comment repeat a value the profile read?
 * (privacy.h). Used when allow_data_in_comments is false, on every
 * proposed comment: LM answers (a repeat is asked again, then failed
 * with the reason) and the offline describer's.
 *
 * The rules, chosen so that a real leak is caught and ordinary prose is
 * not (README "Sample values and privacy" says the same):
 * - values: the sample cells, min and max of the columns the prompt
 *   showed, each trimmed of surrounding blanks;
 * - values that say nothing are ignored: fewer than 4 characters
 *   ("M", "42", "yes"), a single word of ASCII letters only shorter
 *   than 8 letters ("Text", "Female", "Numeric": ordinary vocabulary far
 *   more often than identifying data; "EMERGENCY" or "John Smith" are
 *   still checked), boolean and null words (true, false, null, none,
 *   yes, no, n/a, nan, unknown; any case), numbers with fewer than 5
 *   digits (years like 2019 and small counts are common prose), a
 *   value equal (ASCII case folded) to the table's name or a column's
 *   name or data type, and a number equal to a count the profile
 *   reports (rows, non-null and distinct values: counts are metadata,
 *   shown even with allow_data false);
 * - a repeat is the value's exact bytes (case-sensitive: "EMERGENCY" in
 *   a comment repeats the cell "EMERGENCY", "emergency" does not) with
 *   no ASCII letter or digit right before or after it, so "Smith" is not
 *   found in "Smithers" nor "12345" in "123456".
 */
#include <stdio.h>
#include <string.h>

#include "generate/privacy.h"
#include "util/util.h"

#define MIN_CHARS 4
#define MIN_DIGITS 5
#define MIN_WORD 8

static int is_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

/* Trims blanks: the value is v[*a, *b). */
static void trim(const char *v, size_t *a, size_t *b)
{
	*a = 0;
	*b = strlen(v);
	while (*a < *b && (v[*a] == ' ' || v[*a] == '\t' || v[*a] == '\n' ||
			   v[*a] == '\r'))
		(*a)++;
	while (*b > *a && (v[*b - 1] == ' ' || v[*b - 1] == '\t' ||
			   v[*b - 1] == '\n' || v[*b - 1] == '\r'))
		(*b)--;
}

/* Digits of v[a..b) when it is a number ([+-]digits[.digits][e[+-]d]),
 * else -1. */
static int number_digits(const char *v, size_t a, size_t b)
{
	int digits = 0, dot = 0, exp = 0;
	size_t i = a;

	if (i < b && (v[i] == '+' || v[i] == '-'))
		i++;
	for (; i < b; i++) {
		if (v[i] >= '0' && v[i] <= '9')
			digits++;
		else if (v[i] == '.' && !dot && !exp)
			dot = 1;
		else if ((v[i] == 'e' || v[i] == 'E') && digits && !exp) {
			exp = 1;
			if (i + 1 < b && (v[i + 1] == '+' || v[i + 1] == '-'))
				i++;
		} else
			return -1;
	}
	return digits ? digits : -1;
}

static int same_word(const char *v, size_t a, size_t b, const char *w)
{
	size_t n, i;

	if (w == NULL || b - a != (n = strlen(w)))
		return 0;
	for (i = 0; i < n; i++) {
		char x = v[a + i], y = w[i];
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return 1;
}

/* 1 when v[a..b) is the decimal text of `n` (n >= 0). */
static int is_number(const char *v, size_t a, size_t b, long long n)
{
	char text[32];

	if (n < 0)
		return 0;
	snprintf(text, sizeof(text), "%lld", n);
	return b - a == strlen(text) && memcmp(v + a, text, b - a) == 0;
}

/* 1 when v[a..b) is one of the counts the profile reports. */
static int is_count(const mgen_table *t, const char *v, size_t a, size_t b)
{
	size_t i;

	if (is_number(v, a, b, t->row_count))
		return 1;
	for (i = 0; i < t->column_count; i++)
		if (is_number(v, a, b, t->columns[i].non_null_count) ||
		    is_number(v, a, b, t->columns[i].distinct_count))
			return 1;
	return 0;
}

int mgen__value_is_telling(const mgen_table *t, const char *v)
{
	static const char *const plain[] = {"true", "false", "null",
					    "none", "yes",   "no",
					    "n/a",  "nan",   "unknown"};
	size_t a, b, i;
	int d;

	if (v == NULL)
		return 0;
	trim(v, &a, &b);
	if (mgen__utf8_len(v + a) - mgen__utf8_len(v + b) < MIN_CHARS)
		return 0;
	d = number_digits(v, a, b);
	if (d >= 0 && d < MIN_DIGITS)
		return 0;
	for (i = a; i < b && ((v[i] >= 'a' && v[i] <= 'z') ||
			      (v[i] >= 'A' && v[i] <= 'Z'));
	     i++)
		;
	if (i == b && b - a < MIN_WORD)
		return 0;
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (same_word(v, a, b, plain[i]))
			return 0;
	if (t->name && same_word(v, a, b, t->name))
		return 0;
	if (d >= 0 && is_count(t, v, a, b))
		return 0;
	for (i = 0; i < t->column_count; i++)
		if (same_word(v, a, b, t->columns[i].name) ||
		    same_word(v, a, b, t->columns[i].data_type))
			return 0;
	return 1;
}

/* 1 when the trimmed `v` occurs in `comment` between non-alphanumerics. */
static int occurs(const char *comment, const char *v)
{
	size_t a, b, n;
	const char *p;

	trim(v, &a, &b);
	n = b - a;
	if (n == 0)
		return 0;
	for (p = comment; (p = strchr(p, v[a])) != NULL; p++)
		if (strncmp(p, v + a, n) == 0 &&
		    (p == comment || !is_alnum((unsigned char)p[-1])) &&
		    !is_alnum((unsigned char)p[n]))
			return 1;
	return 0;
}

/* Checks one value; on a repeat fills `why` and returns 1. */
static int check(const mgen_table *t, const mgen_column *c, const char *v,
		 const char *kind, const char *comment, char *why, size_t whysz)
{
	if (v == NULL || !occurs(comment, v) || !mgen__value_is_telling(t, v))
		return 0;
	snprintf(why, whysz, "%s of column %.200s", kind,
		 c->name ? c->name : "?");
	return 1;
}

int mgen__repeats_value(const mgen_table *t, const size_t *cols, size_t ncols,
			const char *comment, char *why, size_t whysz)
{
	size_t k, r, ci;
	const mgen_column *c;

	if (comment == NULL)
		return 0;
	if (cols == NULL)
		ncols = t->column_count;
	for (k = 0; k < ncols; k++) {
		ci = cols ? cols[k] : k;
		if (ci >= t->column_count)
			continue;
		c = &t->columns[ci];
		if (check(t, c, c->min_value, "the minimum", comment, why,
			  whysz) ||
		    check(t, c, c->max_value, "the maximum", comment, why,
			  whysz))
			return 1;
		for (r = 0; t->sample && r < t->sample_row_count; r++)
			if (check(t, c, t->sample[r * t->column_count + ci],
				  "a sample cell", comment, why, whysz))
				return 1;
	}
	return 0;
}
