/*
 * answer.c - parses the LM's comment answer (see metagen/answer.h and
 * DESIGN.md "The comment answer") and repairs what LMs commonly get wrong:
 * ``` fences and chatter around the JSON, arrays sent as JSON-encoded
 * strings, trailing commas, and answers cut off at finish_reason=length.
 *
 * The JSON object is found with a small state machine that respects
 * strings and escapes (a brace inside a comment does not count), never by
 * taking the first '{' to the last '}'. The same machine remembers the last
 * point where the text could be cut and closed into valid JSON, which is
 * how a truncated answer is salvaged: everything after the last complete
 * value is dropped, the open arrays and objects are closed, and only
 * complete column/comment pairs are kept.
 *
 * Accepted keys (exact spelling): "table" or its alias "table_comment";
 * "columns"; "column_contents" or its alias "comments". "columns" may also
 * be an object mapping column names to comments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/answer.h"
#include "metagen/buf.h"
#include "util/json.h"
#include "util/text.h"
#include "util/util.h"

#define SCAN_MAXDEPTH 64
#define MAX_CANDIDATES 32
#define EXCERPT_MAX 60

enum { SCAN_DONE, SCAN_OPEN, SCAN_BAD, SCAN_BIG };

/* Sub-states of an open container. */
enum {
	ST_KEY = 0,   /* object: expecting a key or '}' */
	ST_COLON = 1, /* object: key read, expecting ':' */
	ST_VALUE = 2, /* expecting a value (object after ':', array) */
	ST_AFTER = 3  /* a value was read: expecting ',' or the closer */
};

/* The scanner's state; `safe_*` is the last point the text could be cut
 * and closed into valid JSON. */
typedef struct scan {
	char stack[SCAN_MAXDEPTH];
	unsigned char st[SCAN_MAXDEPTH];
	int depth;
	int in_str, esc, in_scalar, str_is_key;
	size_t end; /* one past the closing '}' when SCAN_DONE */
	size_t safe_pos;
	int safe_depth;
	char safe_stack[SCAN_MAXDEPTH];
	size_t values;	   /* values seen inside the object's members */
	size_t max_values; /* SCAN_BIG beyond this; 0 = no bound */
} scan;

static int is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static void scan_mark_safe(scan *s, size_t pos)
{
	s->safe_pos = pos;
	s->safe_depth = s->depth;
	memcpy(s->safe_stack, s->stack, (size_t)s->depth);
}

/* A value just ended before `pos` in the current container. */
static void scan_value_done(scan *s, size_t pos)
{
	if (s->depth > 0) {
		s->st[s->depth - 1] = ST_AFTER;
		scan_mark_safe(s, pos);
	}
	if (s->depth >= 2)
		s->values++;
}

/* Handles one structural or scalar byte outside strings. */
static int scan_byte(scan *s, const char *t, size_t i)
{
	char c = t[i];
	unsigned char *st = &s->st[s->depth - 1];

	if (s->in_scalar) {
		if (strchr(",:{}[]\"", c) == NULL && !is_ws(c))
			return SCAN_OPEN;
		s->in_scalar = 0;
		scan_value_done(s, i);
	}
	switch (c) {
	case '"':
		s->in_str = 1;
		s->str_is_key =
		    (s->stack[s->depth - 1] == '{' && *st == ST_KEY);
		return SCAN_OPEN;
	case '{':
	case '[':
		if (s->depth >= SCAN_MAXDEPTH)
			return SCAN_BAD;
		s->stack[s->depth] = c;
		s->st[s->depth] = c == '{' ? ST_KEY : ST_VALUE;
		s->depth++;
		scan_mark_safe(s, i + 1);
		return SCAN_OPEN;
	case '}':
	case ']':
		if (s->stack[s->depth - 1] != (c == '}' ? '{' : '['))
			return SCAN_BAD;
		s->depth--;
		if (s->depth == 0) {
			s->end = i + 1;
			return SCAN_DONE;
		}
		scan_value_done(s, i + 1);
		return SCAN_OPEN;
	case ':':
		if (*st == ST_COLON)
			*st = ST_VALUE;
		return SCAN_OPEN;
	case ',':
		if (*st == ST_AFTER)
			*st = s->stack[s->depth - 1] == '{' ? ST_KEY : ST_VALUE;
		return SCAN_OPEN;
	default:
		if (!is_ws(c))
			s->in_scalar = 1;
		return SCAN_OPEN;
	}
}

/*
 * Scans the object that opens at t[start] ('{'). Returns SCAN_DONE with
 * s->end set, SCAN_OPEN when the text ends first (s->safe_* says where to
 * cut), SCAN_BAD (mismatched closer, nesting too deep) or SCAN_BIG (more
 * than max_values values inside its members: refused before any JSON
 * tree is built).
 */
static int scan_object(const char *t, size_t len, size_t start,
		       size_t max_values, scan *s)
{
	size_t i;
	int r;

	memset(s, 0, sizeof(*s));
	s->max_values = max_values;
	s->stack[0] = '{';
	s->st[0] = ST_KEY;
	s->depth = 1;
	scan_mark_safe(s, start + 1);
	for (i = start + 1; i < len; i++) {
		if (s->in_str) {
			if (s->esc)
				s->esc = 0;
			else if (t[i] == '\\')
				s->esc = 1;
			else if (t[i] == '"') {
				s->in_str = 0;
				if (s->str_is_key)
					s->st[s->depth - 1] = ST_COLON;
				else
					scan_value_done(s, i + 1);
				if (s->max_values && s->values > s->max_values)
					return SCAN_BIG;
			}
			continue;
		}
		r = scan_byte(s, t, i);
		if (r != SCAN_OPEN)
			return r;
		if (s->max_values && s->values > s->max_values)
			return SCAN_BIG;
	}
	return SCAN_OPEN;
}

/* 1 when t[i] == '{' is followed (after blanks) by '"' or '}'. */
static int looks_like_object(const char *t, size_t len, size_t i)
{
	for (i++; i < len && is_ws(t[i]); i++)
		;
	return i < len && (t[i] == '"' || t[i] == '}');
}

/* Writes at most EXCERPT_MAX bytes of t[off..) into out (EXCERPT_MAX+1
 * bytes), control characters, quotes and bad UTF-8 escaped. */
static void excerpt(const char *t, size_t len, size_t off, char *out)
{
	const unsigned char *u = (const unsigned char *)t;
	size_t o = 0, i, k;
	char piece[8];

	for (i = off; i < len; i += k) {
		k = 1;
		if (u[i] == '\n' || u[i] == '\t' || u[i] == '\r' ||
		    u[i] == '"' || u[i] == '\\') {
			piece[0] = '\\';
			piece[1] = u[i] == '\n'	  ? 'n'
				   : u[i] == '\t' ? 't'
				   : u[i] == '\r' ? 'r'
						  : (char)u[i];
			piece[2] = 0;
		} else if (u[i] < 0x20 || u[i] == 0x7F ||
			   (u[i] >= 0x80 &&
			    mgen__utf8_seq(u + i, len - i) == 0)) {
			snprintf(piece, sizeof(piece), "\\x%02x", u[i]);
		} else {
			if (u[i] >= 0x80)
				k = mgen__utf8_seq(u + i, len - i);
			memcpy(piece, t + i, k);
			piece[k] = 0;
		}
		if (o + strlen(piece) > EXCERPT_MAX)
			break;
		memcpy(out + o, piece, strlen(piece));
		o += strlen(piece);
	}
	out[o] = 0;
}

static int parse_error(const char *t, size_t len, size_t off, mgen_err *err,
		       const char *what)
{
	char ex[EXCERPT_MAX + 1];

	excerpt(t, len, off, ex);
	return mgen_err_set(err, MGEN_EPARSE, "%s at offset %zu: \"%s\"", what,
			    off, ex);
}

/* Copy of t[a..b) without commas that only precede '}' or ']'. */
static char *drop_trailing_commas(const char *t, size_t a, size_t b)
{
	mgen_buf o = MGEN_BUF_INIT;
	int in_str = 0, esc = 0;
	size_t i, j;

	for (i = a; i < b; i++) {
		if (in_str) {
			if (esc)
				esc = 0;
			else if (t[i] == '\\')
				esc = 1;
			else if (t[i] == '"')
				in_str = 0;
		} else if (t[i] == '"') {
			in_str = 1;
		} else if (t[i] == ',') {
			for (j = i + 1; j < b && is_ws(t[j]); j++)
				;
			if (j < b && (t[j] == '}' || t[j] == ']'))
				continue;
		}
		mgen_buf_putc(&o, t[i]);
	}
	return mgen_buf_detach(&o);
}

/* Parses t[a..b) as a JSON object, retrying without trailing commas.
 * *root NULL when it does not parse; *fail_off then says where. */
static int parse_span(const char *t, size_t a, size_t b, cJSON **root,
		      size_t *fail_off, int *repaired)
{
	const char *end = NULL;
	char *fixed;

	*root = cJSON_ParseWithLengthOpts(t + a, b - a, &end, 0);
	if (*root != NULL)
		return 0;
	*fail_off =
	    end != NULL && end >= t + a && end <= t + b ? (size_t)(end - t) : a;
	fixed = drop_trailing_commas(t, a, b);
	if (fixed == NULL)
		return MGEN_ENOMEM;
	*root = cJSON_Parse(fixed);
	free(fixed);
	if (*root != NULL)
		*repaired = 1;
	return 0;
}

/* Builds the salvaged text of a cut-off object and parses it. */
static int salvage(const char *t, size_t start, const scan *s, cJSON **root)
{
	mgen_buf o = MGEN_BUF_INIT;
	char *text;
	int d;

	mgen_buf_append(&o, t + start, s->safe_pos - start);
	for (d = s->safe_depth - 1; d >= 0; d--)
		mgen_buf_putc(&o, s->safe_stack[d] == '{' ? '}' : ']');
	text = mgen_buf_detach(&o);
	if (text == NULL)
		return MGEN_ENOMEM;
	*root = cJSON_Parse(text);
	free(text);
	return 0;
}

static int has_answer_key(const cJSON *o)
{
	static const char *const keys[] = {"table", "table_comment", "columns",
					   "column_contents", "comments"};
	size_t i;

	if (!cJSON_IsObject(o))
		return 0;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (cJSON_GetObjectItemCaseSensitive(o, keys[i]) != NULL)
			return 1;
	return 0;
}

/* The answer object: `root` itself, or a member object of it holding the
 * answer keys ({"answer": {...}}); NULL when neither. */
static const cJSON *answer_object(const cJSON *root)
{
	const cJSON *c;

	if (has_answer_key(root))
		return root;
	if (!cJSON_IsObject(root))
		return NULL;
	cJSON_ArrayForEach(c, root) if (has_answer_key(c)) return c;
	return NULL;
}

/* What locate() found. */
typedef struct found {
	cJSON *root; /* owned */
	const cJSON *obj;
	int repaired;
} found;

/* Tries each plausible '{' in turn; the first balanced span that parses
 * into an object with answer keys wins. */
static int locate_complete(const char *t, size_t len, size_t max_values,
			   found *f, size_t *first_open, scan *open_scan,
			   size_t *fail_off, size_t *bad_off, int *any_object)
{
	size_t i, tries = 0, a, b;
	scan s;
	int r;

	for (i = 0; i < len && tries < MAX_CANDIDATES; i++) {
		if (t[i] != '{' || !looks_like_object(t, len, i))
			continue;
		tries++;
		r = scan_object(t, len, i, max_values, &s);
		if (r == SCAN_BIG) {
			*any_object = -1;
			return 0;
		}
		if (r == SCAN_OPEN && *first_open == (size_t)-1) {
			*first_open = i;
			*open_scan = s;
		}
		if (r == SCAN_BAD && *bad_off == (size_t)-1)
			*bad_off = i;
		if (r != SCAN_DONE)
			continue;
		if (parse_span(t, i, s.end, &f->root, fail_off, &f->repaired))
			return MGEN_ENOMEM;
		if (f->root == NULL)
			continue;
		*any_object = 1;
		f->obj = answer_object(f->root);
		if (f->obj != NULL) {
			for (a = 0; a < i && is_ws(t[a]); a++)
				;
			for (b = len; b > s.end && is_ws(t[b - 1]); b--)
				;
			if (a != i || b != s.end)
				f->repaired = 1;
			return 0;
		}
		cJSON_Delete(f->root);
		f->root = NULL;
	}
	return 0;
}

/* Values an answer about lists of at most `max_entries` entries may hold
 * inside its members: two lists, and room for a wrapper; 0 = no bound. */
static size_t max_values(size_t max_entries)
{
	return max_entries ? 2 * max_entries + 64 : 0;
}

static int locate(const char *t, int truncated, size_t max_entries, found *f,
		  mgen_err *err)
{
	size_t len = strlen(t), first_open = (size_t)-1, fail_off = (size_t)-1;
	size_t bad_off = (size_t)-1;
	int any_object = 0;
	scan s;

	if (locate_complete(t, len, max_values(max_entries), f, &first_open, &s,
			    &fail_off, &bad_off, &any_object))
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (any_object == -1)
		return mgen_err_set(err, MGEN_EVALIDATE,
				    "answer lists hold more than %zu entries "
				    "(at most %zu a list for the columns "
				    "asked); answer not read",
				    max_values(max_entries), max_entries);
	if (f->obj != NULL)
		return 0;
	if (truncated && first_open != (size_t)-1) {
		if (salvage(t, first_open, &s, &f->root))
			return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		f->obj = answer_object(f->root);
		f->repaired = 1;
		if (f->obj != NULL)
			return 0;
		return parse_error(t, len, first_open, err,
				   "cut-off answer cannot be salvaged");
	}
	if (len == 0)
		return parse_error(t, len, 0, err, "empty answer");
	if (any_object)
		return mgen_err_set(err, MGEN_EVALIDATE,
				    "answer json has no \"table\", \"columns\""
				    " or \"column_contents\"");
	if (fail_off != (size_t)-1)
		return parse_error(t, len, fail_off, err,
				   "answer json does not parse");
	if (first_open != (size_t)-1)
		return parse_error(t, len, first_open, err,
				   "unterminated json object in answer");
	if (bad_off != (size_t)-1)
		return parse_error(t, len, bad_off, err,
				   "json in answer is unbalanced or nested "
				   "deeper than 64");
	return parse_error(t, len, 0, err, "no json object in answer");
}

/*
 * Member `key` (or `alias`) of `obj` as an array or object. A string that
 * holds a JSON array is parsed into *owned (and sets *repaired). Absent or
 * null gives *out NULL.
 */
static int member_list(const cJSON *obj, const char *key, const char *alias,
		       const cJSON **out, cJSON **owned, int *repaired,
		       mgen_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	const char *used = key;

	*out = NULL;
	if (v == NULL && alias != NULL) {
		v = cJSON_GetObjectItemCaseSensitive(obj, alias);
		used = alias;
	}
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		*out = v;
		return 0;
	}
	if (cJSON_IsString(v)) {
		*owned = cJSON_Parse(v->valuestring);
		if (cJSON_IsArray(*owned)) {
			*out = *owned;
			*repaired = 1;
			return 0;
		}
		return mgen_err_set(err, MGEN_EVALIDATE,
				    "%s is a string that is not a json array",
				    used);
	}
	return mgen_err_set(err, MGEN_EVALIDATE, "%s is not an array", used);
}

/* Number of items of a cJSON array or object, walking the list once
 * (cJSON_GetArraySize and cJSON_GetArrayItem walk it per call). */
static size_t count_items(const cJSON *list)
{
	const cJSON *c;
	size_t n = 0;

	for (c = list ? list->child : NULL; c != NULL; c = c->next)
		n++;
	return n;
}

static int alloc_pairs(mgen_answer *a, size_t n)
{
	a->n = 0;
	if (n == 0)
		return 0;
	a->columns = calloc(n, sizeof(char *));
	a->contents = calloc(n, sizeof(char *));
	return a->columns != NULL && a->contents != NULL ? 0 : MGEN_ENOMEM;
}

/* A copy of `s` with invalid UTF-8 replaced by U+FFFD (counted in
 * a->fixed_count); NULL on out of memory. */
static char *clean_copy(mgen_answer *a, const char *s)
{
	char *c = mgen__strdup(s);
	size_t fixed = mgen__utf8_fix(&c);

	if (fixed == (size_t)-1) {
		free(c);
		return NULL;
	}
	if (fixed > 0)
		a->fixed_count++;
	return c;
}

/* Appends one pair, copying both strings. */
static int add_pair(mgen_answer *a, const char *col, const char *text)
{
	a->columns[a->n] = clean_copy(a, col);
	a->contents[a->n] = clean_copy(a, text);
	a->n++;
	return a->columns[a->n - 1] && a->contents[a->n - 1] ? 0 : MGEN_ENOMEM;
}

/* MGEN_EVALIDATE when `what` has more than max_entries entries. */
static int over_cap(size_t n, size_t max_entries, const char *what,
		    mgen_err *err)
{
	if (max_entries == 0 || n <= max_entries)
		return 0;
	return mgen_err_set(err, MGEN_EVALIDATE,
			    "%s has %zu entries, more than the %zu accepted "
			    "for the columns asked; answer not read",
			    what, n, max_entries);
}

/* The object form: {"columns": {"c1": "comment", ...}}. */
static int take_object_form(const cJSON *cols, size_t max_entries,
			    mgen_answer *a, mgen_err *err)
{
	size_t n = count_items(cols);
	const cJSON *c;

	if (over_cap(n, max_entries, "columns", err))
		return MGEN_EVALIDATE;
	if (alloc_pairs(a, n))
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	cJSON_ArrayForEach(c, cols)
	{
		if (!cJSON_IsString(c))
			return mgen_err_set(
			    err, MGEN_EVALIDATE,
			    "columns[\"%.200s\"] is not a string", c->string);
		if (add_pair(a, c->string, c->valuestring))
			return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	return 0;
}

/* The array form; `cols` and `conts` are arrays or NULL. Walks both
 * lists once, side by side (linear in the answer). */
static int take_arrays(const cJSON *cols, const cJSON *conts, int truncated,
		       size_t max_entries, mgen_answer *a, mgen_err *err)
{
	size_t nc = count_items(cols), nt = count_items(conts);
	size_t n = nc < nt ? nc : nt, i;
	const cJSON *c, *t;

	if (cols != NULL && !cJSON_IsArray(cols))
		return mgen_err_set(err, MGEN_EVALIDATE,
				    "columns is not an array or object");
	if (conts != NULL && !cJSON_IsArray(conts))
		return mgen_err_set(err, MGEN_EVALIDATE,
				    "column_contents is not an array");
	if (over_cap(nc, max_entries, "columns", err) ||
	    over_cap(nt, max_entries, "column_contents", err))
		return MGEN_EVALIDATE;
	if (nc != nt) {
		if (!truncated)
			return mgen_err_set(err, MGEN_EVALIDATE,
					    "columns has %zu entries but "
					    "column_contents has %zu",
					    nc, nt);
		a->repaired = 1;
	}
	if (alloc_pairs(a, n))
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	c = cols ? cols->child : NULL;
	t = conts ? conts->child : NULL;
	for (i = 0; i < n; i++, c = c->next, t = t->next) {
		if (!cJSON_IsString(c))
			return mgen_err_set(err, MGEN_EVALIDATE,
					    "columns[%zu] is not a string", i);
		if (!cJSON_IsString(t))
			return mgen_err_set(err, MGEN_EVALIDATE,
					    "column_contents[%zu] is not a "
					    "string",
					    i);
		if (add_pair(a, c->valuestring, t->valuestring))
			return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	return 0;
}

static int take_table(const cJSON *obj, mgen_answer *a, mgen_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "table");

	if (v == NULL)
		v = cJSON_GetObjectItemCaseSensitive(obj, "table_comment");
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return mgen_err_set(err, MGEN_EVALIDATE,
				    "table comment is not a string");
	a->table_comment = clean_copy(a, v->valuestring);
	return a->table_comment
		   ? 0
		   : mgen_err_set(err, MGEN_ENOMEM, "out of memory");
}

size_t mgen_answer_entry_cap(size_t asked_count)
{
	return MGEN_ANSWER_ENTRY_FACTOR * asked_count + MGEN_ANSWER_ENTRY_SLACK;
}

/* MGEN_EPARSE when the answer text holds a NUL character: an escaped
 * \u0000 would be cut short silently by the JSON library. */
static int refuse_nul(const char *text, mgen_err *err)
{
	size_t len = strlen(text), at = mgen__json_nul_escape(text, len);

	if (at == (size_t)-1)
		return 0;
	return parse_error(text, len, at, err,
			   "answer holds a NUL character (\\u0000); refused");
}

int mgen_answer_parse_capped(const char *text, int truncated,
			     size_t max_entries, mgen_answer *out,
			     mgen_err *err)
{
	found f = {NULL, NULL, 0};
	const cJSON *cols = NULL, *conts = NULL;
	cJSON *own_cols = NULL, *own_conts = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (text == NULL)
		text = "";
	rc = refuse_nul(text, err);
	if (rc == 0)
		rc = locate(text, truncated, max_entries, &f, err);
	if (rc)
		goto done;
	out->repaired = f.repaired;
	rc = take_table(f.obj, out, err);
	if (rc == 0)
		rc = member_list(f.obj, "columns", NULL, &cols, &own_cols,
				 &out->repaired, err);
	if (rc == 0)
		rc = member_list(f.obj, "column_contents", "comments", &conts,
				 &own_conts, &out->repaired, err);
	if (rc)
		goto done;
	if (cJSON_IsObject(cols))
		rc = take_object_form(cols, max_entries, out, err);
	else
		rc = take_arrays(cols, conts, truncated, max_entries, out, err);
done:
	cJSON_Delete(own_cols);
	cJSON_Delete(own_conts);
	cJSON_Delete(f.root);
	if (rc)
		mgen_answer_release(out);
	return rc;
}

int mgen_answer_parse(const char *text, int truncated, mgen_answer *out,
		      mgen_err *err)
{
	return mgen_answer_parse_capped(text, truncated,
					MGEN_ANSWER_MAX_ENTRIES, out, err);
}

void mgen_answer_release(mgen_answer *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++) {
		free(a->columns[i]);
		free(a->contents[i]);
	}
	free(a->columns);
	free(a->contents);
	free(a->table_comment);
	memset(a, 0, sizeof(*a));
}
