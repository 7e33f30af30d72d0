/*
 * offline.c - the offline describer (metagen/answer.h): deterministic
 * table and column comments with no network, the last step of the
 * fallback chain (DESIGN.md glossary "fallback").
 *
 * A name is split into words (snake_case, camelCase, letter/digit runs,
 * "ICUStayID" -> ICU stay ID, "admittime" -> admit time), each word or run
 * of words is expanded through the caller's abbreviations and then a small
 * built-in list, and the phrase is completed with facts from the profile:
 * the data type, distinct values, null share, text length and, only when
 * data may be shown, the min/max range. Every comment is one line of
 * valid UTF-8 shorter than MAX_COMMENT bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/answer.h"
#include "metagen/buf.h"
#include "util/text.h"
#include "util/util.h"

#define MAX_COMMENT 300 /* bytes, exclusive */
#define MAX_PHRASE 150	/* bytes of the name phrase */
#define MAX_VALUE 40	/* bytes of a min/max value */
#define MAX_TOKS 24
#define TOK_LEN 48
#define TABLE_COLS 4 /* column phrases named in the table comment */

/* One word of a name: lower-cased and as written. */
typedef struct tok {
	char low[TOK_LEN];
	char orig[TOK_LEN];
	int caps; /* written in capitals (>= 2 letters) */
} tok;

/* A split name. */
typedef struct name_toks {
	tok t[MAX_TOKS];
	size_t n;
	int all_caps; /* the whole name has no lower-case letter */
} name_toks;

/* Very common data abbreviations (keys lower case). */
static const char *const builtin_abbrev[][2] = {
    {"id", "identifier"},
    {"uid", "unique identifier"},
    {"dt", "date"},
    {"ts", "timestamp"},
    {"dttm", "date and time"},
    {"qty", "quantity"},
    {"amt", "amount"},
    {"num", "number"},
    {"no", "number"},
    {"nbr", "number"},
    {"desc", "description"},
    {"descr", "description"},
    {"cd", "code"},
    {"flg", "flag"},
    {"cnt", "count"},
    {"pct", "percent"},
    {"addr", "address"},
    {"dob", "date of birth"},
    {"dod", "date of death"},
    {"nm", "name"},
    {"msg", "message"},
    {"src", "source"},
    {"dst", "destination"},
    {"tgt", "target"},
    {"seq", "sequence"},
    {"ref", "reference"},
    {"cat", "category"},
    {"dept", "department"},
    {"emp", "employee"},
    {"cust", "customer"},
    {"acct", "account"},
    {"txn", "transaction"},
    {"org", "organization"},
    {"loc", "location"},
    {"val", "value"},
    {"avg", "average"},
    {"min", "minimum"},
    {"max", "maximum"},
    {"yr", "year"},
    {"mo", "month"},
    {"hr", "hour"},
    {"prev", "previous"},
    {"curr", "current"},
    {"info", "information"},
    {"lang", "language"},
    {"tel", "telephone"},
    {"mgr", "manager"},
    {"prod", "product"},
    {"bal", "balance"},
    {"upd", "updated"},
    {"err", "error"},
    {"sts", "status"},
    {"lvl", "level"},
    {"grp", "group"},
    {"usr", "user"},
    {"ip", "IP address"},
    {"url", "URL"},
    {"uuid", "UUID"},
    {"sku", "SKU"},
    {"utc", "UTC"},
};

/* Base type names (lower case) and the word the comment uses. */
static const char *const type_words[][2] = {
    {"int", "Integer"},
    {"integer", "Integer"},
    {"bigint", "Integer"},
    {"smallint", "Integer"},
    {"tinyint", "Integer"},
    {"mediumint", "Integer"},
    {"int2", "Integer"},
    {"int4", "Integer"},
    {"int8", "Integer"},
    {"serial", "Integer"},
    {"bigserial", "Integer"},
    {"long", "Integer"},
    {"decimal", "Number"},
    {"numeric", "Number"},
    {"number", "Number"},
    {"real", "Number"},
    {"float", "Number"},
    {"float4", "Number"},
    {"float8", "Number"},
    {"double", "Number"},
    {"money", "Number"},
    {"char", "Text"},
    {"varchar", "Text"},
    {"nchar", "Text"},
    {"nvarchar", "Text"},
    {"character", "Text"},
    {"text", "Text"},
    {"string", "Text"},
    {"clob", "Text"},
    {"varchar2", "Text"},
    {"citext", "Text"},
    {"date", "Date"},
    {"timestamp", "Timestamp"},
    {"datetime", "Timestamp"},
    {"datetime2", "Timestamp"},
    {"timestamptz", "Timestamp"},
    {"timestamp_ntz", "Timestamp"},
    {"timestamp_ltz", "Timestamp"},
    {"smalldatetime", "Timestamp"},
    {"datetimeoffset", "Timestamp"},
    {"time", "Time"},
    {"timetz", "Time"},
    {"bool", "Boolean"},
    {"boolean", "Boolean"},
    {"bit", "Boolean"},
    {"blob", "Binary"},
    {"binary", "Binary"},
    {"varbinary", "Binary"},
    {"bytea", "Binary"},
    {"json", "JSON"},
    {"jsonb", "JSON"},
    {"variant", "JSON"},
    {"uuid", "UUID"},
    {"uniqueidentifier", "UUID"},
    {"array", "Array"},
    {"struct", "Struct"},
    {"map", "Map"},
    {"interval", "Interval"},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int is_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static int is_lower(int c)
{
	return (c >= 'a' && c <= 'z') || c >= 0x80;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_word(int c)
{
	return is_upper(c) || is_lower(c) || is_digit(c);
}

static int lower(int c)
{
	return is_upper(c) ? c + ('a' - 'A') : c;
}

static const char *kv(const mgen_kvlist *l, const char *key)
{
	const char *v = l != NULL ? mgen_kvlist_get(l, key) : NULL;

	return v != NULL && v[0] != 0 ? v : NULL;
}

static const char *builtin(const char *low)
{
	size_t i;

	for (i = 0; i < NELEM(builtin_abbrev); i++)
		if (strcmp(builtin_abbrev[i][0], low) == 0)
			return builtin_abbrev[i][1];
	return NULL;
}

/* A token's expansion (caller's list first), or NULL. */
static const char *expand(const mgen_kvlist *ab, const char *low)
{
	const char *v = kv(ab, low);

	return v != NULL ? v : builtin(low);
}

/* Adds s[0..len) as a token. */
static void push_tok(name_toks *nt, const char *s, size_t len)
{
	tok *t;
	size_t i, letters = 0, uppers = 0;

	if (nt->n >= MAX_TOKS || len == 0)
		return;
	t = &nt->t[nt->n++];
	len = mgen__utf8_prefix(s, len, TOK_LEN - 1);
	for (i = 0; i < len; i++) {
		t->orig[i] = s[i];
		t->low[i] = (char)lower((unsigned char)s[i]);
		letters += is_upper((unsigned char)s[i]) ||
			   is_lower((unsigned char)s[i]);
		uppers += is_upper((unsigned char)s[i]);
	}
	t->orig[len] = t->low[len] = 0;
	t->caps = letters >= 2 && uppers == letters;
}

/* 1 when a word boundary falls before s[i] inside a run of word bytes. */
static int boundary(const unsigned char *s, size_t i)
{
	int p = s[i - 1], c = s[i], nx = s[i + 1];

	if (is_digit(p) != is_digit(c))
		return 1;
	if (is_lower(p) && is_upper(c))
		return 1;
	return is_upper(p) && is_upper(c) && nx >= 'a' && nx <= 'z';
}

/* Splits a token ending in "time"/"date" that no list expands
 * ("admittime" -> "admit", "time"). */
static void split_suffix(name_toks *nt, const mgen_kvlist *ab)
{
	static const char *const sfx[] = {"time", "date"};
	tok *t;
	size_t i, k, len;

	for (i = 0; i < nt->n && nt->n < MAX_TOKS; i++) {
		t = &nt->t[i];
		len = strlen(t->low);
		for (k = 0; k < NELEM(sfx); k++) {
			if (len < 7 || strcmp(t->low + len - 4, sfx[k]) != 0 ||
			    expand(ab, t->low) != NULL)
				continue;
			memmove(&nt->t[i + 2], &nt->t[i + 1],
				(nt->n - i - 1) * sizeof(tok));
			nt->t[i + 1] = *t;
			memmove(nt->t[i + 1].low, t->low + len - 4, 5);
			memmove(nt->t[i + 1].orig, t->orig + len - 4, 5);
			t->low[len - 4] = t->orig[len - 4] = 0;
			nt->n++;
			break;
		}
	}
}

static void split_name(const char *name, const mgen_kvlist *ab, name_toks *nt)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t i = 0, start;

	memset(nt, 0, sizeof(*nt));
	nt->all_caps = 1;
	for (i = 0; s[i]; i++)
		if (s[i] >= 'a' && s[i] <= 'z')
			nt->all_caps = 0;
	for (i = 0; s[i];) {
		while (s[i] && !is_word(s[i]))
			i++;
		start = i;
		while (s[i] && is_word(s[i])) {
			if (i > start && boundary(s, i)) {
				push_tok(nt, name + start, i - start);
				start = i;
			}
			i++;
		}
		push_tok(nt, name + start, i - start);
	}
	split_suffix(nt, ab);
}

/* Looks up tokens [i, i+m) joined by "_" and by "" in the caller's list. */
static const char *kv_span(const mgen_kvlist *ab, const name_toks *nt, size_t i,
			   size_t m)
{
	char a[MAX_TOKS * TOK_LEN], b[MAX_TOKS * TOK_LEN];
	size_t k, la = 0, lb = 0, l;
	const char *v;

	for (k = i; k < i + m; k++) {
		l = strlen(nt->t[k].low);
		if (k > i)
			a[la++] = '_';
		memcpy(a + la, nt->t[k].low, l);
		memcpy(b + lb, nt->t[k].low, l);
		la += l;
		lb += l;
	}
	a[la] = b[lb] = 0;
	v = kv(ab, a);
	return v != NULL ? v : kv(ab, b);
}

/* Appends the phrase for tokens [from, to) to `b`, words separated by
 * single spaces. */
static void phrase_of(mgen_buf *b, const name_toks *nt, size_t from, size_t to,
		      const mgen_kvlist *ab)
{
	const char *v;
	size_t i = from, m;

	while (i < to) {
		v = NULL;
		for (m = to - i < 3 ? to - i : 3; m >= 2 && v == NULL; m--)
			v = kv_span(ab, nt, i, m);
		if (v != NULL) {
			m++; /* the loop decremented past the hit */
		} else {
			m = 1;
			v = expand(ab, nt->t[i].low);
			if (v == NULL)
				v = nt->t[i].caps && !nt->all_caps
					? nt->t[i].orig
					: nt->t[i].low;
		}
		if (b->len > 0)
			mgen_buf_putc(b, ' ');
		mgen_buf_puts(b, v);
		i += m;
	}
}

/* 1 when what follows "bit" in a type name makes it a string of bits,
 * not a flag: "bit varying" / "bit varying(n)" (PostgreSQL) or "bit(n)"
 * with n > 1 (PostgreSQL, MySQL/MariaDB); "bit" and "bit(1)" are flags
 * (SQL Server's BIT, MySQL's BIT(1)). */
static int bit_string(const char *after)
{
	static const char varying[] = "varying";
	unsigned long n = 0;
	size_t k;

	while (*after == ' ')
		after++;
	for (k = 0; k < 7 && lower((unsigned char)after[k]) == varying[k]; k++)
		;
	if (k == 7)
		return 1;
	if (*after != '(')
		return 0;
	for (after++; *after == ' '; after++)
		;
	while (is_digit((unsigned char)*after) && n < 1000000)
		n = n * 10 + (unsigned long)(*after++ - '0');
	return n > 1;
}

/* The comment's word for a warehouse type ("varchar(50)" -> "Text");
 * NULL when the type is empty or unknown. */
static const char *type_word(const char *dt)
{
	char base[32];
	size_t i, n = 0;

	if (dt == NULL)
		return NULL;
	while (*dt == ' ')
		dt++;
	while (dt[n] && dt[n] != '(' && dt[n] != ' ' && dt[n] != '<' &&
	       n < sizeof(base) - 1) {
		base[n] = (char)lower((unsigned char)dt[n]);
		n++;
	}
	base[n] = 0;
	if (n == 0)
		return NULL;
	if (strcmp(base, "bit") == 0 && bit_string(dt + n))
		return "Bit string";
	for (i = 0; i < NELEM(type_words); i++)
		if (strcmp(type_words[i][0], base) == 0)
			return type_words[i][1];
	return NULL;
}

enum kind { K_PLAIN, K_TIME, K_DATE, K_FLAG };

static int is_any(const char *low, const char *const *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(low, set[i]) == 0)
			return 1;
	return 0;
}

static const char *const time_words[] = {"time",     "ts",   "timestamp",
					 "datetime", "dttm", "at"};
static const char *const date_words[] = {"date", "dt", "day"};
static const char *const flag_first[] = {"is",	   "has", "can",
					 "should", "was", "did"};
static const char *const flag_last[] = {"flag", "flg", "ind", "yn"};

/* The kind of column, from its name words, type and statistics; *rest is
 * the number of leading words left once a trailing time word or flag
 * word is taken off. */
static enum kind column_kind(const name_toks *nt, const char *tw,
			     const mgen_column *c, int profiled, size_t *rest)
{
	const char *last = nt->n ? nt->t[nt->n - 1].low : "";
	int timeish = is_any(last, time_words, NELEM(time_words)) &&
		      (nt->n > 1 || strcmp(last, "at") != 0);
	int dateish = is_any(last, date_words, NELEM(date_words));

	*rest = nt->n;
	if (nt->n > 1 && is_any(last, flag_last, NELEM(flag_last))) {
		*rest = nt->n - 1;
		return K_FLAG;
	}
	if ((tw && strcmp(tw, "Boolean") == 0) ||
	    (nt->n > 1 &&
	     is_any(nt->t[0].low, flag_first, NELEM(flag_first))) ||
	    (profiled && c->distinct_count == 2 && !c->distinct_approx && tw &&
	     strcmp(tw, "Integer") == 0)) {
		return K_FLAG;
	}
	if (timeish || dateish)
		*rest = nt->n - 1;
	if (tw && strcmp(tw, "Date") == 0)
		return K_DATE;
	if ((tw && strcmp(tw, "Timestamp") == 0) || timeish)
		return K_TIME;
	return dateish ? K_DATE : K_PLAIN;
}

/* 1 when `s` holds the word "date" or "time". */
static int says_when(const char *s)
{
	const char *w[] = {"date", "time", "timestamp"};
	const char *p;
	size_t i, l;

	for (i = 0; i < NELEM(w); i++) {
		l = strlen(w[i]);
		for (p = strstr(s, w[i]); p != NULL; p = strstr(p + 1, w[i]))
			if ((p == s || p[-1] == ' ') &&
			    (p[l] == 0 || p[l] == ' '))
				return 1;
	}
	return 0;
}

/* Phrase of a whole name: the caller's entry for the full name, else the
 * expanded words [0, upto). Never empty unless the name has no words. */
static void name_phrase(mgen_buf *b, const char *name, const name_toks *nt,
			size_t upto, const mgen_kvlist *ab)
{
	const char *v = upto == nt->n ? kv(ab, name) : NULL;

	if (v != NULL)
		mgen_buf_puts(b, v);
	else
		phrase_of(b, nt, 0, upto, ab);
}

/* The column's lead phrase ("Date and time of admit"), not yet capped. */
static void lead_phrase(mgen_buf *b, const mgen_column *c, const char *tw,
			int profiled, const mgen_kvlist *ab)
{
	name_toks nt;
	mgen_buf p = MGEN_BUF_INIT;
	enum kind k;
	size_t rest;

	split_name(c->name ? c->name : "", ab, &nt);
	k = column_kind(&nt, tw, c, profiled, &rest);
	if (k != K_PLAIN && rest > 0)
		name_phrase(&p, c->name, &nt, rest, ab);
	else
		name_phrase(&p, c->name ? c->name : "", &nt, nt.n, ab);
	if (p.len == 0) {
		mgen_buf_printf(b, "Column %d", c->ordinal);
	} else if (k == K_FLAG) {
		mgen_buf_printf(b, "Flag: %s", mgen_buf_str(&p));
	} else if ((k == K_TIME || k == K_DATE) && rest > 0 &&
		   !says_when(mgen_buf_str(&p))) {
		mgen_buf_printf(b, "%s of %s",
				k == K_TIME ? "Date and time" : "Date",
				mgen_buf_str(&p));
	} else if (rest == 0 && k == K_TIME) {
		mgen_buf_puts(b, "Date and time");
	} else {
		name_phrase(b, c->name ? c->name : "", &nt, nt.n, ab);
	}
	mgen_buf_release(&p);
}

/* Replaces control bytes with spaces and invalid UTF-8 (util/text.h's
 * strict rule) with '?', in place, so the text is one line of valid
 * UTF-8. */
static void sanitize(char *s)
{
	unsigned char *u = (unsigned char *)s;
	size_t i = 0, len = strlen(s), k;

	while (i < len) {
		if (u[i] < 0x20 || u[i] == 0x7F) {
			u[i++] = ' ';
			continue;
		}
		k = mgen__utf8_seq(u + i, len - i);
		if (k == 0)
			u[i++] = '?';
		else
			i += k;
	}
}

/* Appends `v` cut to MAX_VALUE bytes (UTF-8 safe, "..." when cut). */
static void put_value(mgen_buf *b, const char *v)
{
	size_t len, n;

	while (*v == ' ' || *v == '\t')
		v++;
	len = strlen(v);
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	n = mgen__utf8_prefix(v, len, MAX_VALUE);
	if (len == 0) { /* '' or spaces: say so, not "ranges from  to x" */
		mgen_buf_puts(b, "a blank value");
		return;
	}
	mgen_buf_append(b, v, n);
	if (n < len)
		mgen_buf_puts(b, "...");
}

/* The statistics facts about `c`, joined by ", " into `f`. */
static void column_facts(mgen_buf *f, const mgen_table *t, const mgen_column *c,
			 const char *tw, int allow_data)
{
	long long rows = t->row_count, nn = c->non_null_count;
	long long dc = c->distinct_count, nulls, pct;

	if (rows == 0) {
		mgen_buf_puts(f, "no rows profiled");
		return;
	}
	if (dc >= 0 && c->distinct_approx) /* an estimate, not a fact */
		mgen_buf_puts(f, "about ");
	if (dc >= 0 && rows > 0)
		mgen_buf_printf(f, "%lld distinct value%s in %lld row%s", dc,
				dc == 1 ? "" : "s", rows, rows == 1 ? "" : "s");
	else if (dc >= 0)
		mgen_buf_printf(f, "%lld distinct value%s", dc,
				dc == 1 ? "" : "s");
	else if (rows > 0)
		mgen_buf_printf(f, "%lld row%s", rows, rows == 1 ? "" : "s");
	if (nn >= 0 && rows > 0 && nn <= rows) {
		nulls = rows - nn;
		pct = (nulls * 100 + rows / 2) / rows;
		pct = pct < 1 ? 1 : pct > 99 ? 99 : pct;
		if (f->len > 0)
			mgen_buf_puts(f, ", ");
		if (nulls == 0)
			mgen_buf_puts(f, "never null");
		else if (nn == 0)
			mgen_buf_puts(f, "always null");
		else
			mgen_buf_printf(f, "%lld%% null", pct);
	}
	if (c->avg_length >= 0 && nn != 0 && !c->is_binary)
		mgen_buf_printf(f, "%saverage length %lld character%s",
				f->len > 0 ? ", " : "",
				(long long)(c->avg_length + 0.5),
				c->avg_length + 0.5 < 2 ? "" : "s");
	if (allow_data && !c->is_binary && c->min_value && c->max_value &&
	    (tw == NULL || strcmp(tw, "Binary") != 0)) {
		if (f->len > 0)
			mgen_buf_puts(f, ", ");
		if (strcmp(c->min_value, c->max_value) == 0) {
			mgen_buf_puts(f, "always ");
			put_value(f, c->min_value);
			return;
		}
		mgen_buf_puts(f, "ranges from ");
		put_value(f, c->min_value);
		mgen_buf_puts(f, " to ");
		put_value(f, c->max_value);
	}
}

/* Appends `s` capped to `max` bytes without splitting UTF-8. */
static void put_capped(mgen_buf *b, const char *s, size_t max)
{
	mgen_buf_append(b, s, mgen__utf8_prefix(s, strlen(s), max));
}

/* One column's comment; caller frees; NULL on out of memory. */
static char *column_comment(const mgen_table *t, const mgen_column *c,
			    const mgen_kvlist *ab, int allow_data)
{
	mgen_buf b = MGEN_BUF_INIT, lead = MGEN_BUF_INIT, f = MGEN_BUF_INIT;
	const char *tw = type_word(c->data_type);
	char *out;

	lead_phrase(&lead, c, tw, t->profiled, ab);
	if (t->profiled)
		column_facts(&f, t, c, tw, allow_data);
	if (lead.data != NULL)
		sanitize(lead.data);
	put_capped(&b, mgen_buf_str(&lead), MAX_PHRASE);
	mgen_buf_putc(&b, '.');
	if (b.data != NULL && b.data[0] >= 'a' && b.data[0] <= 'z')
		b.data[0] = (char)(b.data[0] - ('a' - 'A'));
	if (tw != NULL && b.len + strlen(tw) + 2 < MAX_COMMENT)
		mgen_buf_printf(&b, " %s%s", tw, f.len > 0 ? ";" : ".");
	if (f.len > 0 && b.len + f.len + 2 < MAX_COMMENT) {
		if (tw == NULL && f.data[0] >= 'a' && f.data[0] <= 'z')
			f.data[0] = (char)(f.data[0] - ('a' - 'A'));
		mgen_buf_printf(&b, " %s.", mgen_buf_str(&f));
	} else if (tw != NULL && f.len > 0 && b.data[b.len - 1] == ';') {
		b.data[b.len - 1] = '.';
	}
	out = mgen_buf_error(&lead) || mgen_buf_error(&f) ? NULL
							  : mgen_buf_detach(&b);
	if (out != NULL)
		sanitize(out);
	mgen_buf_release(&b);
	mgen_buf_release(&lead);
	mgen_buf_release(&f);
	return out;
}

/* The plain phrase of a column for the table comment ("admit time"). */
static void plain_phrase(mgen_buf *b, const mgen_column *c,
			 const mgen_kvlist *ab)
{
	name_toks nt;

	split_name(c->name ? c->name : "", ab, &nt);
	name_phrase(b, c->name ? c->name : "", &nt, nt.n, ab);
}

/* What the table comment calls the object: a view is not a "table". */
static const char *object_noun(mgen_object_kind k)
{
	switch (k) {
	case MGEN_OBJECT_VIEW:
		return "view";
	case MGEN_OBJECT_MATERIALIZED_VIEW:
		return "materialized view";
	case MGEN_OBJECT_FOREIGN_TABLE:
		return "foreign table";
	case MGEN_OBJECT_STREAMING_TABLE:
		return "streaming table";
	case MGEN_OBJECT_PARTITIONED_TABLE:
		return "partitioned table";
	case MGEN_OBJECT_TABLE:
		break;
	}
	return "table";
}

/* The table comment; caller frees; NULL on out of memory. */
static char *table_comment_of(const mgen_table *t, const mgen_kvlist *ab)
{
	mgen_buf b = MGEN_BUF_INIT, p = MGEN_BUF_INIT;
	name_toks nt;
	size_t i, m = t->column_count, shown = 0;
	char *out = NULL;

	split_name(t->name ? t->name : "", ab, &nt);
	name_phrase(&p, t->name ? t->name : "", &nt, nt.n, ab);
	if (p.len == 0)
		mgen_buf_puts(&p, "Unnamed");
	put_capped(&b, mgen_buf_str(&p), MAX_PHRASE);
	mgen_buf_printf(&b, " %s with ", object_noun(t->kind));
	if (t->profiled && t->row_count >= 0)
		mgen_buf_printf(&b, "%lld row%s and ", t->row_count,
				t->row_count == 1 ? "" : "s");
	if (m == 0)
		mgen_buf_puts(&b, "no columns");
	else
		mgen_buf_printf(&b, "%zu column%s:", m, m == 1 ? "" : "s");
	for (i = 0; i < m && shown < TABLE_COLS; i++) {
		mgen_buf_reset(&p);
		plain_phrase(&p, &t->columns[i], ab);
		if (p.len == 0 || b.len + p.len + 24 >= MAX_COMMENT)
			continue;
		mgen_buf_printf(&b, "%s %s", shown ? "," : "",
				mgen_buf_str(&p));
		shown++;
	}
	if (shown < m)
		mgen_buf_printf(&b, "%s and %zu more", shown ? "," : "",
				m - shown);
	mgen_buf_putc(&b, '.');
	if (b.data != NULL && b.data[0] >= 'a' && b.data[0] <= 'z')
		b.data[0] = (char)(b.data[0] - ('a' - 'A'));
	if (!mgen_buf_error(&p))
		out = mgen_buf_detach(&b);
	if (out != NULL)
		sanitize(out);
	mgen_buf_release(&b);
	mgen_buf_release(&p);
	return out;
}

int mgen_offline_describe(const mgen_table *t, const mgen_kvlist *abbrev,
			  int allow_data, char **table_comment,
			  char **column_comments)
{
	size_t i;

	*table_comment = NULL;
	for (i = 0; i < t->column_count; i++)
		column_comments[i] = NULL;
	*table_comment = table_comment_of(t, abbrev);
	if (*table_comment == NULL)
		goto nomem;
	for (i = 0; i < t->column_count; i++) {
		column_comments[i] =
		    column_comment(t, &t->columns[i], abbrev, allow_data);
		if (column_comments[i] == NULL)
			goto nomem;
	}
	return 0;
nomem:
	free(*table_comment);
	*table_comment = NULL;
	for (i = 0; i < t->column_count; i++) {
		free(column_comments[i]);
		column_comments[i] = NULL;
	}
	return MGEN_ENOMEM;
}
