/*
 * metric.c - token F1 and ROUGE-L over SQuAD-normalised tokens, the
 * per-table comment metric, and DSPy Evaluate's aggregate score (see
 * include/metagen/metric.h for the definitions and their sources).
 */
#include "metagen/metric.h"

#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "util/util.h"

typedef struct token {
	const char *s;
	size_t len;
} token;

typedef struct tokens {
	char *text; /* the normalised copy the tokens point into */
	token *t;
	size_t n;
} tokens;

/* Python's string.punctuation. */
static int is_punct(unsigned char c)
{
	return c < 0x80 && c > ' ' && c != 0x7f &&
	       !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		 (c >= 'A' && c <= 'Z'));
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static int is_article(const char *s, size_t len)
{
	return (len == 1 && s[0] == 'a') ||
	       (len == 2 && memcmp(s, "an", 2) == 0) ||
	       (len == 3 && memcmp(s, "the", 3) == 0);
}

static void tokens_release(tokens *tk)
{
	free(tk->text);
	free(tk->t);
	memset(tk, 0, sizeof(*tk));
}

/* C.UTF-8's character classes for towlower_l: one locale object made
 * once (locale_t is safe to share between threads); (locale_t)0 when the
 * system has no C.UTF-8, and then non-ASCII letters keep their case. */
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;
static locale_t utf8_loc;

static void utf8_locale_init(void)
{
	utf8_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Writes the lowercase of the k-byte UTF-8 sequence at s (valid) into
 * out; returns the bytes written (1-4). */
static size_t lower_seq(const unsigned char *s, size_t k, char *out)
{
	static const unsigned char lead[5] = {0, 0, 0xc0, 0xe0, 0xf0};
	unsigned cp = k == 2 ? s[0] & 0x1fu : k == 3 ? s[0] & 0x0fu : s[0] & 7u;
	size_t i, n;

	for (i = 1; i < k; i++)
		cp = (cp << 6) | (s[i] & 0x3fu);
	if (utf8_loc != (locale_t)0) {
		unsigned lo = (unsigned)towlower_l((wint_t)cp, utf8_loc);

		if (lo >= 0x80 && lo <= 0x10ffff &&
		    (lo < 0xd800 || lo > 0xdfff))
			cp = lo;
	}
	n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	for (i = n - 1; i > 0; i--, cp >>= 6)
		out[i] = (char)(0x80 | (cp & 0x3f));
	out[0] = (char)(lead[n] | cp);
	return n;
}

/* Normalises `s` and splits it into tokens. 0 or MGEN_ENOMEM. The text
 * may grow: a 2-byte letter's lowercase can take 3 bytes. */
static int tokenize(const char *s, tokens *tk)
{
	size_t i, k, w = 0, len = s ? strlen(s) : 0;
	char *p;

	memset(tk, 0, sizeof(*tk));
	pthread_once(&utf8_once, utf8_locale_init);
	tk->text = malloc(2 * len + 1);
	tk->t = malloc((len / 2 + 1) * sizeof(token));
	if (!tk->text || !tk->t) {
		tokens_release(tk);
		return MGEN_ENOMEM;
	}
	for (i = 0; i < len; i += k) {
		unsigned char c = (unsigned char)s[i];

		k = 1;
		if (c >= 0x80 &&
		    (k = mgen__utf8_seq((const unsigned char *)s + i,
					len - i)) >= 2) {
			w += lower_seq((const unsigned char *)s + i, k,
				       tk->text + w);
			continue;
		}
		k = 1;
		if (is_punct(c))
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		tk->text[w++] = (char)c;
	}
	tk->text[w] = '\0';
	p = tk->text;
	while (*p) {
		const char *start;

		while (*p && is_space((unsigned char)*p))
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && !is_space((unsigned char)*p))
			p++;
		if (!is_article(start, (size_t)(p - start))) {
			tk->t[tk->n].s = start;
			tk->t[tk->n].len = (size_t)(p - start);
			tk->n++;
		}
	}
	return 0;
}

static int tok_eq(const token *a, const token *b)
{
	return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

/* F1 from the overlap and both lengths (SQuAD v2 edge cases). */
static double f_measure(size_t common, size_t ngold, size_t npred)
{
	double p, r;

	if (ngold == 0 || npred == 0)
		return ngold == npred ? 1.0 : 0.0;
	if (common == 0)
		return 0.0;
	p = (double)common / (double)npred;
	r = (double)common / (double)ngold;
	return 2.0 * p * r / (p + r);
}

static int tok_cmp(const void *a, const void *b)
{
	const token *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, n);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Size of the multiset intersection of the tokens of two texts (each
 * gold token matches at most once), by sorting both: O(n log n), so a
 * long hostile answer costs no quadratic time. */
static int overlap(const char *gold, const char *pred, size_t *common,
		   size_t *ngold, size_t *npred)
{
	tokens g, p;
	size_t i = 0, j = 0;
	int rc, c;

	*common = *ngold = *npred = 0;
	if ((rc = tokenize(gold, &g)) != 0)
		return rc;
	if ((rc = tokenize(pred, &p)) != 0) {
		tokens_release(&g);
		return rc;
	}
	qsort(g.t, g.n, sizeof(token), tok_cmp);
	qsort(p.t, p.n, sizeof(token), tok_cmp);
	while (i < g.n && j < p.n) {
		c = tok_cmp(&g.t[i], &p.t[j]);
		*common += c == 0;
		i += c <= 0;
		j += c >= 0;
	}
	*ngold = g.n;
	*npred = p.n;
	tokens_release(&g);
	tokens_release(&p);
	return 0;
}

int mgen_metric_token_f1(const char *gold, const char *pred, double *out)
{
	size_t common, ng, np;
	int rc = overlap(gold, pred, &common, &ng, &np);

	*out = rc ? 0.0 : f_measure(common, ng, np);
	return rc;
}

int mgen_metric_token_recall(const char *gold, const char *text, double *out)
{
	size_t common, ng, nt;
	int rc = overlap(gold, text, &common, &ng, &nt);

	*out = rc || ng == 0 ? 0.0 : (double)common / (double)ng;
	return rc;
}

int mgen_metric_rouge_l(const char *gold, const char *pred, double *out)
{
	tokens g, p;
	size_t *prev = NULL, *cur = NULL, i, j;
	int rc;

	*out = 0.0;
	if ((rc = tokenize(gold, &g)) != 0)
		return rc;
	if ((rc = tokenize(pred, &p)) != 0) {
		tokens_release(&g);
		return rc;
	}
	prev = calloc(g.n + 1, sizeof(size_t));
	cur = calloc(g.n + 1, sizeof(size_t));
	if (!prev || !cur) {
		rc = MGEN_ENOMEM;
		goto done;
	}
	for (i = 1; i <= p.n; i++) {
		size_t *t;

		for (j = 1; j <= g.n; j++) {
			if (tok_eq(&p.t[i - 1], &g.t[j - 1]))
				cur[j] = prev[j - 1] + 1;
			else
				cur[j] =
				    prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
		}
		t = prev;
		prev = cur;
		cur = t;
	}
	*out = f_measure(prev[g.n], g.n, p.n);
done:
	free(prev);
	free(cur);
	tokens_release(&g);
	tokens_release(&p);
	return rc;
}

int mgen_metric_sim(mgen_sim_kind kind, const char *gold, const char *pred,
		    double *out)
{
	if (kind == MGEN_SIM_ROUGE_L)
		return mgen_metric_rouge_l(gold, pred, out);
	return mgen_metric_token_f1(gold, pred, out);
}

/* The first item named `col` (case-insensitive), or NULL. */
static const mgen_metric_item *find(const mgen_metric_item *items, size_t n,
				    const char *col)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (items[i].column &&
		    mgen__strcasecmp(items[i].column, col) == 0)
			return &items[i];
	return NULL;
}

static int has_text(const char *s)
{
	return s && *s;
}

/* The i-th asked column name. */
static const char *asked_name(const mgen_metric_gold *g, size_t i)
{
	return g->asked ? g->asked[i] : g->columns[i].column;
}

int mgen_metric_comment(const mgen_metric_gold *gold,
			const mgen_metric_pred *pred, mgen_sim_kind kind,
			double *out)
{
	size_t i,
	    asked_count = gold->asked ? gold->asked_count : gold->column_count;
	size_t graded = 0;
	double sum = 0.0, s;
	int rc;

	*out = 0.0;
	if (!pred->valid)
		return 0;
	for (i = 0; i < asked_count; i++) {
		const char *col = asked_name(gold, i);
		const mgen_metric_item *pi =
		    find(pred->columns, pred->column_count, col);

		if (!pi || !pi->comment)
			return 0; /* gate: an asked column is missing */
	}
	if (has_text(gold->table_comment)) {
		rc = mgen_metric_sim(kind, gold->table_comment,
				     pred->table_comment, &s);
		if (rc != 0)
			return rc;
		sum += s;
		graded++;
	}
	for (i = 0; i < asked_count; i++) {
		const char *col = asked_name(gold, i);
		const mgen_metric_item *gi =
		    find(gold->columns, gold->column_count, col);
		const mgen_metric_item *pi =
		    find(pred->columns, pred->column_count, col);

		if (!gi || !has_text(gi->comment))
			continue; /* no gold: left out */
		rc = mgen_metric_sim(kind, gi->comment, pi->comment, &s);
		if (rc != 0)
			return rc;
		sum += s;
		graded++;
	}
	*out = graded ? sum / (double)graded : 0.0;
	return 0;
}

double mgen_metric_evaluate_score(const double *scores, size_t n)
{
	char text[64];
	double sum = 0.0, v;
	long long whole = 0;
	int frac = 0, neg, k;
	const char *p;
	size_t i;

	if (n == 0)
		return 0.0;
	for (i = 0; i < n; i++)
		sum += scores[i];
	/* printf rounds the exact binary value, ties to even: Python's
	 * round(x, 2). Parsed by hand so LC_NUMERIC cannot interfere. */
	snprintf(text, sizeof(text), "%.2f", 100.0 * sum / (double)n);
	p = text;
	neg = *p == '-';
	if (neg)
		p++;
	while (*p >= '0' && *p <= '9')
		whole = whole * 10 + (*p++ - '0');
	if (*p)
		p++; /* the decimal separator */
	for (k = 0; k < 2 && *p >= '0' && *p <= '9'; k++)
		frac = frac * 10 + (*p++ - '0');
	/* one correctly rounded division: the double nearest the decimal */
	v = (double)(whole * 100 + frac) / 100.0;
	return neg ? -v : v;
}
