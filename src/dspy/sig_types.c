/*
 * sig_types.c - field types as DSPy prints them ("list[str]",
 * "dict[str, Any]", "Literal['a', 'b']"): normalising the text, the
 * output notes and pydantic-style JSON schemas of
 * dspy/adapters/utils.py translate_field_type, and typed parsing of
 * answers (parse_value: JSON, then a Python literal, then pydantic-like
 * lax validation).
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dspy/signature_internal.h"
#include "util/util.h"

typedef struct tspan {
	const char *s;
	size_t n;
} tspan;

#define MAX_ARGS 16

static int span_is(tspan t, const char *word)
{
	return strlen(word) == t.n && memcmp(t.s, word, t.n) == 0;
}

static const char *alias(const char *id, size_t n)
{
	static const char *const map[][2] = {{"List", "list"},
					     {"Dict", "dict"},
					     {"Set", "set"},
					     {"Tuple", "tuple"},
					     {"FrozenSet", "frozenset"}};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strlen(map[i][0]) == n && memcmp(id, map[i][0], n) == 0)
			return map[i][1];
	return NULL;
}

/* A string literal quoted as DSPy's get_annotation_name prints it
 * (_quoted_string_for_literal_type_annotation): single quotes unless
 * the text holds only single quotes; both kinds: ' escaped. */
static void put_literal(mgen_buf *b, const char *s, size_t n)
{
	int sq = memchr(s, '\'', n) != NULL, dq = memchr(s, '"', n) != NULL;
	size_t i;

	if (sq && !dq) {
		mgen_buf_putc(b, '"');
		mgen_buf_append(b, s, n);
		mgen_buf_putc(b, '"');
		return;
	}
	mgen_buf_putc(b, '\'');
	for (i = 0; i < n; i++) {
		if (s[i] == '\'' && (i == 0 || s[i - 1] != '\\'))
			mgen_buf_putc(b, '\\');
		mgen_buf_putc(b, s[i]);
	}
	mgen_buf_putc(b, '\'');
}

char *mgen_sig__type_norm(const char *type, int *bad)
{
	mgen_buf b = MGEN_BUF_INIT;
	const char *p = type;
	int depth = 0;

	*bad = 0;
	if (type == NULL || type[strspn(type, " \t\r\n")] == '\0')
		return mgen__strdup("str");
	while (*p) {
		if (*p == '\'' || *p == '"') {
			char q = *p;
			const char *s = p++;

			while (*p && *p != q)
				p += (p[0] == '\\' && p[1]) ? 2 : 1;
			if (*p != q)
				goto fail;
			put_literal(&b, s + 1, (size_t)(p++ - s - 1));
		} else if (isspace((unsigned char)*p)) {
			p++;
		} else if (*p == ',') {
			mgen_buf_puts(&b, ", ");
			p++;
		} else if (isalnum((unsigned char)*p) || *p == '_') {
			size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz"
					     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					     "0123456789_.");
			const char *a = alias(p, n);

			if (a)
				mgen_buf_puts(&b, a);
			else
				mgen_buf_append(&b, p, n);
			p += n;
		} else {
			if (*p == '[')
				depth++;
			if (*p == ']' && --depth < 0)
				goto fail;
			mgen_buf_putc(&b, *p++);
		}
	}
	if (depth != 0)
		goto fail;
	return mgen_buf_detach(&b);
fail:
	*bad = 1;
	mgen_buf_release(&b);
	return NULL;
}

/* Splits a normalised type into its name and bracket arguments; returns
 * the argument count (0 without brackets). */
static int tsplit(tspan t, tspan *name, tspan *args)
{
	size_t i = 0, start;
	int depth = 0, n = 0;
	char q = 0;

	while (i < t.n && t.s[i] != '[')
		i++;
	name->s = t.s;
	name->n = i;
	if (i >= t.n || t.s[t.n - 1] != ']')
		return 0;
	start = ++i;
	for (; i < t.n - 1; i++) {
		char c = t.s[i];

		if (q) {
			if (c == '\\')
				i++;
			else if (c == q)
				q = 0;
		} else if (c == '\'' || c == '"') {
			q = c;
		} else if (c == '[') {
			depth++;
		} else if (c == ']') {
			depth--;
		} else if (c == ',' && depth == 0 && n < MAX_ARGS - 1) {
			args[n].s = t.s + start;
			args[n++].n = i - start;
			start = i + 2; /* ", " */
			i++;
		}
	}
	args[n].s = t.s + start;
	args[n++].n = t.n - 1 - start;
	return n;
}

static tspan tof(const char *s)
{
	tspan t = {s, s ? strlen(s) : 0};
	return t;
}

int mgen_sig__type_is_str(const char *type)
{
	return type == NULL || strcmp(type, "str") == 0;
}

int mgen_sig__type_is_dict(const char *type)
{
	tspan name, args[MAX_ARGS];

	tsplit(tof(type), &name, args);
	return span_is(name, "dict");
}

/* A Literal argument as Python's str() of it: quotes removed. */
static tspan lit_text(tspan a)
{
	if (a.n >= 2 && (a.s[0] == '\'' || a.s[0] == '"') &&
	    a.s[a.n - 1] == a.s[0]) {
		a.s++;
		a.n -= 2;
	}
	return a;
}

void mgen_sig__type_note(mgen_buf *b, const char *type)
{
	tspan name, args[MAX_ARGS];
	int n = tsplit(tof(type), &name, args), i;
	cJSON *schema;

	if (mgen_sig__type_is_str(type))
		return;
	if (strcmp(type, "bool") == 0) {
		mgen_buf_puts(b, "must be True or False");
		return;
	}
	if (strcmp(type, "int") == 0 || strcmp(type, "float") == 0) {
		mgen_buf_printf(b, "must be a single %s value", type);
		return;
	}
	if (span_is(name, "Literal") && n > 0) {
		mgen_buf_puts(b, "must exactly match (no extra characters) "
				 "one of: ");
		for (i = 0; i < n; i++) {
			tspan l = lit_text(args[i]);

			if (i)
				mgen_buf_puts(b, "; ");
			mgen_buf_append(b, l.s, l.n);
		}
		return;
	}
	schema = mgen_sig__type_schema(type, NULL);
	if (schema == NULL) {
		b->error = b->error ? b->error : MGEN_ENOMEM;
		return;
	}
	mgen_buf_puts(b, "must adhere to the JSON schema: ");
	mgen_sig__pyjson(b, schema, 0);
	cJSON_Delete(schema);
}

/* ---- schemas ---- */

static int key_before(const char *a, const char *b)
{
	int ta = strcmp(a, "type") == 0, tb = strcmp(b, "type") == 0;

	if (ta != tb)
		return ta;
	return strcmp(a, b) < 0;
}

/* DSPy move_type_to_front: "type" first, then sorted keys, recursively. */
static void sort_keys(cJSON *o)
{
	cJSON *c, *sorted = NULL, *next, *prev, **pp;

	for (c = o ? o->child : NULL; c != NULL; c = c->next)
		sort_keys(c);
	if (!cJSON_IsObject(o))
		return;
	for (c = o->child; c != NULL; c = next) {
		next = c->next;
		for (pp = &sorted; *pp && !key_before(c->string, (*pp)->string);
		     pp = &(*pp)->next)
			;
		c->next = *pp;
		*pp = c;
	}
	o->child = sorted;
	prev = NULL;
	for (c = sorted; c != NULL; c = c->next) {
		c->prev = prev;
		prev = c;
	}
	if (sorted)
		sorted->prev = prev; /* cJSON keeps the tail in child->prev */
}

static cJSON *schema_of(tspan t, int *err);

/* {"type": json_type} ({} for NULL); NULL with *err set on failure. */
static cJSON *typed(const char *json_type, int *err)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL && *err == 0)
		*err = MGEN_ENOMEM;
	if (o && json_type)
		mgen__json_add(err, o, "type", cJSON_CreateString(json_type));
	return o;
}

static cJSON *schema_literal(const tspan *args, int n, int *err)
{
	cJSON *o = typed(NULL, err), *vals = cJSON_CreateArray();
	int i, all_str = 1;

	for (i = 0; i < n && o && vals && *err == 0; i++) {
		tspan l = lit_text(args[i]);
		char *s = mgen__strndup(l.s, l.n);
		cJSON *v = NULL;

		if (l.n == args[i].n) {
			all_str = 0;
			mgen_sig__json_parse(args[i].s, args[i].n, &v);
		}
		if (v == NULL)
			v = cJSON_CreateString(s ? s : "");
		free(s);
		mgen__json_add(err, vals, NULL, v);
	}
	if (o == NULL || vals == NULL || *err) {
		cJSON_Delete(o);
		cJSON_Delete(vals);
		if (*err == 0)
			*err = MGEN_ENOMEM;
		return NULL;
	}
	if (n == 1) {
		mgen__json_add(err, o, "const",
			       cJSON_DetachItemFromArray(vals, 0));
		cJSON_Delete(vals);
	} else {
		mgen__json_add(err, o, "enum", vals);
	}
	if (all_str)
		mgen__json_add(err, o, "type", cJSON_CreateString("string"));
	return o;
}

static cJSON *schema_generic(tspan name, const tspan *args, int n, int *err)
{
	cJSON *o = NULL, *any;
	int i;

	if (span_is(name, "list") || span_is(name, "set") ||
	    span_is(name, "frozenset") ||
	    (span_is(name, "tuple") && n == 2 && span_is(args[1], "..."))) {
		o = typed("array", err);
		mgen__json_add(err, o, "items",
			       n ? schema_of(args[0], err) : typed(NULL, err));
		if (!span_is(name, "list") && !span_is(name, "tuple"))
			mgen__json_add(err, o, "uniqueItems",
				       cJSON_CreateTrue());
	} else if (span_is(name, "tuple")) {
		cJSON *items;

		o = typed("array", err);
		items = mgen__json_add_array(err, o, "prefixItems");
		for (i = 0; i < n; i++)
			mgen__json_add(err, items, NULL,
				       schema_of(args[i], err));
		mgen__json_add(err, o, "maxItems", cJSON_CreateNumber(n));
		mgen__json_add(err, o, "minItems", cJSON_CreateNumber(n));
	} else if (span_is(name, "dict")) {
		o = typed("object", err);
		mgen__json_add(err, o, "additionalProperties",
			       n < 2 || span_is(args[1], "Any")
				   ? cJSON_CreateTrue()
				   : schema_of(args[1], err));
	} else if (span_is(name, "Optional") || span_is(name, "Union")) {
		o = typed(NULL, err);
		any = mgen__json_add_array(err, o, "anyOf");
		for (i = 0; i < n; i++)
			mgen__json_add(err, any, NULL, schema_of(args[i], err));
		if (span_is(name, "Optional"))
			mgen__json_add(err, any, NULL, typed("null", err));
	} else if (span_is(name, "Literal")) {
		o = schema_literal(args, n, err);
	} else {
		o = typed(NULL, err);
	}
	return o;
}

static cJSON *schema_of(tspan t, int *err)
{
	static const char *const simple[][2] = {
	    {"str", "string"},	 {"int", "integer"},   {"float", "number"},
	    {"bool", "boolean"}, {"NoneType", "null"}, {"None", "null"},
	    {"list", "array"},	 {"dict", "object"}};
	tspan name, args[MAX_ARGS];
	int n = tsplit(t, &name, args);
	size_t i;
	cJSON *o;

	if (n > 0)
		return schema_generic(name, args, n, err);
	for (i = 0; i < sizeof simple / sizeof simple[0]; i++) {
		if (!span_is(t, simple[i][0]))
			continue;
		o = typed(simple[i][1], err);
		if (o && i == 6)
			mgen__json_add(err, o, "items", typed(NULL, err));
		if (o && i == 7)
			mgen__json_add(err, o, "additionalProperties",
				       cJSON_CreateTrue());
		return o;
	}
	return typed(NULL, err); /* Any, or a name we cannot see into */
}

cJSON *mgen_sig__type_schema(const char *type, const char *title)
{
	int err = 0;
	cJSON *o = schema_of(tof(type ? type : "str"), &err);

	if (o && title)
		mgen__json_add(&err, o, "title", cJSON_CreateString(title));
	if (err) {
		cJSON_Delete(o);
		return NULL;
	}
	sort_keys(o);
	return o;
}

/* ---- typed parsing (DSPy parse_value + pydantic lax validation) ---- */

static int coerce(tspan t, const cJSON *v, cJSON **out, mgen_buf *why);

static int fail(mgen_buf *why, tspan t, const cJSON *v)
{
	mgen_buf s = MGEN_BUF_INIT;
	const char *text;
	size_t n;

	mgen_sig__pystr(&s, v);
	text = mgen_buf_str(&s);
	n = mgen__utf8_prefix(text, strlen(text), 60);
	mgen_buf_reset(why);
	mgen_buf_printf(why, "\"%.*s%s\" is not a valid %.*s", (int)n, text,
			n < strlen(text) ? "..." : "", (int)t.n, t.s);
	mgen_buf_release(&s);
	return MGEN_EPARSE;
}

static int text_int(const char *s, long long *out)
{
	size_t n = strlen(s);
	char *end;
	const char *p = mgen_sig__strip(s, &n);
	char tmp[32];

	if (n == 0 || n >= sizeof tmp)
		return 0;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	*out = strtoll(tmp, &end, 10);
	return *end == '\0' && isdigit((unsigned char)tmp[n - 1]);
}

static int text_float(const char *s, double *out)
{
	size_t n = strlen(s);
	char *end, *tmp;
	const char *p = mgen_sig__strip(s, &n);
	int ok;

	if (n == 0 || (tmp = mgen__strndup(p, n)) == NULL)
		return 0;
	*out = strtod(tmp, &end);
	ok = *end == '\0' && strspn(tmp, "+-0123456789.eE") == n;
	free(tmp);
	return ok;
}

static int text_bool(const char *s, int *out)
{
	static const char *const yes[] = {"1", "on", "t", "true", "y", "yes"};
	static const char *const no[] = {"0", "off", "f", "false", "n", "no"};
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (mgen__strcasecmp(s, yes[i]) == 0)
			return *out = 1, 1;
		if (mgen__strcasecmp(s, no[i]) == 0)
			return *out = 0, 1;
	}
	return 0;
}

static int coerce_scalar(tspan t, const cJSON *v, cJSON **out, mgen_buf *why)
{
	long long ll;
	double d;
	int bv;

	if (span_is(t, "int")) {
		if (cJSON_IsNumber(v) &&
		    v->valuedouble == floor(v->valuedouble))
			*out = mgen_sig__num_new(v->valuedouble, 0);
		else if (cJSON_IsBool(v))
			*out = mgen_sig__num_new(cJSON_IsTrue(v), 0);
		else if (cJSON_IsString(v) && text_int(v->valuestring, &ll))
			*out = mgen_sig__num_new((double)ll, 0);
		else
			return fail(why, t, v);
		if (*out && cJSON_IsNumber(v) && v->valuestring &&
		    strcspn(v->valuestring, ".eE") == strlen(v->valuestring)) {
			free((*out)->valuestring); /* keep big ints exact */
			(*out)->valuestring = mgen__strdup(v->valuestring);
			if ((*out)->valuestring == NULL)
				cJSON_Delete(*out), *out = NULL;
		}
	} else if (span_is(t, "float")) {
		if (cJSON_IsNumber(v))
			*out = mgen_sig__num_new(v->valuedouble, 1);
		else if (cJSON_IsBool(v))
			*out = mgen_sig__num_new(cJSON_IsTrue(v), 1);
		else if (cJSON_IsString(v) && text_float(v->valuestring, &d))
			*out = mgen_sig__num_new(d, 1);
		else
			return fail(why, t, v);
	} else if (span_is(t, "bool")) {
		if (cJSON_IsBool(v))
			bv = cJSON_IsTrue(v);
		else if (cJSON_IsNumber(v) &&
			 (v->valuedouble == 0 || v->valuedouble == 1))
			bv = v->valuedouble == 1;
		else if (!cJSON_IsString(v) || !text_bool(v->valuestring, &bv))
			return fail(why, t, v);
		*out = cJSON_CreateBool(bv);
	} else if (span_is(t, "str")) {
		if (!cJSON_IsString(v))
			return fail(why, t, v);
		*out = cJSON_Duplicate(v, 1);
	} else if (span_is(t, "NoneType") || span_is(t, "None")) {
		if (!cJSON_IsNull(v))
			return fail(why, t, v);
		*out = cJSON_CreateNull();
	} else if ((span_is(t, "list") && !cJSON_IsArray(v)) ||
		   (span_is(t, "dict") && !cJSON_IsObject(v))) {
		return fail(why, t, v);
	} else {
		*out = cJSON_Duplicate(v, 1); /* Any, or opaque */
	}
	return *out ? 0 : MGEN_ENOMEM;
}

static int literal_match(tspan t, const tspan *args, int n, const cJSON *v,
			 cJSON **out, mgen_buf *why)
{
	mgen_buf s = MGEN_BUF_INIT;
	size_t len;
	const char *p;
	int i, rc = MGEN_EPARSE;

	mgen_sig__pystr(&s, v);
	len = s.len;
	p = mgen_sig__strip(mgen_buf_str(&s), &len);
	if (cJSON_IsString(v) && len > 9 && p[len - 1] == ']' &&
	    (mgen__startswith(p, "Literal[") || mgen__startswith(p, "str["))) {
		p = strchr(p, '[') + 1;
		len = (size_t)(mgen_buf_str(&s) + s.len - p) - 1;
		p = mgen_sig__strip(p, &len);
	}
	if (cJSON_IsString(v) && len > 1 && p[0] == p[len - 1] &&
	    (p[0] == '"' || p[0] == '\'')) {
		p++;
		len -= 2;
	}
	for (i = 0; i < n && rc; i++) {
		tspan l = lit_text(args[i]);
		int quoted = l.n != args[i].n;

		if (quoted != cJSON_IsString(v) || l.n != len ||
		    memcmp(l.s, p, len) != 0)
			continue;
		if (quoted) {
			char *c = mgen__strndup(l.s, l.n);

			*out = c ? cJSON_CreateString(c) : NULL;
			free(c);
		} else {
			*out = cJSON_Duplicate(v, 1);
		}
		rc = *out ? 0 : MGEN_ENOMEM;
	}
	mgen_buf_release(&s);
	return rc == MGEN_EPARSE ? fail(why, t, v) : rc;
}

static int coerce_items(tspan t, const tspan *args, int n, const cJSON *v,
			cJSON **out, mgen_buf *why)
{
	const cJSON *c;
	int i = 0, rc = 0, obj = cJSON_IsObject(v);
	cJSON *r, *item;

	if (!(obj ? cJSON_IsObject(v) : cJSON_IsArray(v)))
		return fail(why, t, v);
	r = obj ? cJSON_CreateObject() : cJSON_CreateArray();
	for (c = v->child; c != NULL && r != NULL && rc == 0; c = c->next) {
		tspan et = obj ? args[n > 1 ? 1 : 0]
			       : args[(n > 1 && !span_is(args[1], "..."))
					  ? (i < n ? i : n - 1)
					  : 0];

		item = NULL;
		rc = coerce(et, c, &item, why);
		if (rc == 0)
			mgen__json_add(&rc, r, obj ? c->string : NULL, item);
		i++;
	}
	if (r == NULL)
		rc = MGEN_ENOMEM;
	if (rc) {
		cJSON_Delete(r);
		return rc;
	}
	*out = r;
	return 0;
}

static int coerce(tspan t, const cJSON *v, cJSON **out, mgen_buf *why)
{
	tspan name, args[MAX_ARGS];
	int n = tsplit(t, &name, args), i, rc;

	*out = NULL;
	if (n == 0)
		return coerce_scalar(t, v, out, why);
	if (span_is(name, "list") || span_is(name, "set") ||
	    span_is(name, "frozenset") || span_is(name, "tuple"))
		return cJSON_IsArray(v) ? coerce_items(t, args, n, v, out, why)
					: fail(why, t, v);
	if (span_is(name, "dict"))
		return cJSON_IsObject(v) ? coerce_items(t, args, n, v, out, why)
					 : fail(why, t, v);
	if (span_is(name, "Literal"))
		return literal_match(t, args, n, v, out, why);
	if (span_is(name, "Optional") || span_is(name, "Union")) {
		if (cJSON_IsNull(v) && span_is(name, "Optional"))
			return (*out = cJSON_CreateNull()) ? 0 : MGEN_ENOMEM;
		for (i = 0; i < n; i++) {
			rc = coerce(args[i], v, out, why);
			if (rc != MGEN_EPARSE)
				return rc;
		}
		return fail(why, t, v);
	}
	return (*out = cJSON_Duplicate(v, 1)) ? 0 : MGEN_ENOMEM;
}

/* A Python literal ('single' quotes, True/False/None, tuples) rewritten
 * as JSON text, for DSPy's ast.literal_eval fallback. */
static char *pylit_to_json(const char *s, size_t n)
{
	mgen_buf b = MGEN_BUF_INIT;
	size_t i = 0;

	while (i < n) {
		char c = s[i];

		if (c == '\'' || c == '"') {
			mgen_buf_putc(&b, '"');
			for (i++; i < n && s[i] != c; i++) {
				if (s[i] == '\\' && i + 1 < n &&
				    s[i + 1] == '\'')
					mgen_buf_putc(&b, s[++i]);
				else if (s[i] == '\\' && i + 1 < n)
					mgen_buf_append(&b, s + i++, 2);
				else if (s[i] == '"')
					mgen_buf_puts(&b, "\\\"");
				else
					mgen_buf_putc(&b, s[i]);
			}
			mgen_buf_putc(&b, '"');
			i++;
		} else if (isalpha((unsigned char)c) || c == '_') {
			size_t k = i;
			static const char *const w[][2] = {{"True", "true"},
							   {"False", "false"},
							   {"None", "null"}};
			size_t j;
			const char *rep = NULL;

			while (k < n &&
			       (isalnum((unsigned char)s[k]) || s[k] == '_'))
				k++;
			for (j = 0; j < 3; j++)
				if (strlen(w[j][0]) == k - i &&
				    memcmp(s + i, w[j][0], k - i) == 0)
					rep = w[j][1];
			if (rep)
				mgen_buf_puts(&b, rep);
			else
				mgen_buf_append(&b, s + i, k - i);
			i = k;
		} else {
			mgen_buf_putc(&b, c == '(' ? '[' : c == ')' ? ']' : c);
			i++;
		}
	}
	return mgen_buf_detach(&b);
}

/* The value an answer's text stands for: JSON (inside an optional
 * ``` fence), else a Python literal, else the text itself. */
static int text_value(const char *text, cJSON **out)
{
	size_t n = strlen(text);
	const char *p = mgen_sig__strip(text, &n);
	char *lit;
	int rc;

	if (n >= 6 && mgen__startswith(p, "```") &&
	    memcmp(p + n - 3, "```", 3) == 0) {
		const char *nl = memchr(p, '\n', n - 3);

		if (nl != NULL) {
			n = (size_t)(p + n - 3 - (nl + 1));
			p = mgen_sig__strip(nl + 1, &n);
		}
	}
	rc = mgen_sig__json_parse(p, n, out);
	if (rc != MGEN_EPARSE)
		return rc;
	lit = pylit_to_json(p, n);
	if (lit == NULL)
		return MGEN_ENOMEM;
	rc = mgen_sig__json_parse(lit, strlen(lit), out);
	free(lit);
	if (rc != MGEN_EPARSE)
		return rc;
	*out = cJSON_CreateString(text);
	return *out ? 0 : MGEN_ENOMEM;
}

int mgen_sig__parse_value(const char *type, cJSON *v, cJSON **out,
			  mgen_buf *why)
{
	tspan t = tof(type), name, args[MAX_ARGS];
	cJSON *cand = NULL;
	mgen_buf s = MGEN_BUF_INIT;
	int rc;

	*out = NULL;
	if (mgen_sig__type_is_str(type)) {
		if (cJSON_IsString(v)) {
			*out = v;
			return 0;
		}
		mgen_sig__pystr(&s, v);
		cJSON_Delete(v);
		*out = mgen_buf_error(&s)
			   ? NULL
			   : cJSON_CreateString(mgen_buf_str(&s));
		mgen_buf_release(&s);
		return *out ? 0 : MGEN_ENOMEM;
	}
	tsplit(t, &name, args);
	if (cJSON_IsString(v) && !span_is(name, "Literal")) {
		rc = text_value(v->valuestring, &cand);
		if (rc) {
			cJSON_Delete(v);
			return rc;
		}
		rc = coerce(t, cand, out, why);
		cJSON_Delete(cand);
	} else {
		rc = coerce(t, v, out, why);
	}
	cJSON_Delete(v);
	return rc;
}
