/*
 * config.c - metagen's settings as data: the table of keys (name, type,
 * default, range, help, field offset; in config_keys.c) drives the
 * defaults, setting a key from text, key lookup in dotted / underscore /
 * flag form, and --help.
 * The METAGEN_* environment is read in config_env.c, JSON output is in
 * config_json.c, the YAML loader in config_yaml.c.
 */
#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"
#include "util/util.h"

/* Other names accepted for a key (flags mostly). */
static const struct {
	const char *alias;
	const char *key;
} config_aliases[] = {
    {"apply", "apply_ddl"},
    {"program", "prompts.optimized"},
};

/* Folds a name character: case, and '.', '-', '_' made equal. */
static int fold(int c)
{
	if (c == '.' || c == '-')
		return '_';
	return tolower((unsigned char)c);
}

/* 1 when `a` and `b` are the same name after folding. */
static int name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (fold(*a) != fold(*b))
			return 0;
	return *a == *b;
}

const mgen__config_spec *mgen__config_find(const char *key)
{
	size_t i;

	if (key == NULL)
		return NULL;
	for (i = 0; i < mgen__config_nspecs; i++)
		if (name_eq(key, mgen__config_specs[i].key))
			return &mgen__config_specs[i];
	for (i = 0; i < sizeof(config_aliases) / sizeof(config_aliases[0]); i++)
		if (name_eq(key, config_aliases[i].alias))
			return mgen__config_find(config_aliases[i].key);
	return NULL;
}

#define MAX_SUGGEST 64

/* Levenshtein distance of two folded names (each < MAX_SUGGEST). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[MAX_SUGGEST + 1];

	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0], cost, best;
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			cost = fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1;
			best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* The key closest to `key` within an edit distance of 2, or NULL. */
const mgen__config_spec *mgen__config_suggest(const char *key)
{
	const mgen__config_spec *best = NULL;
	size_t i, d, bestd = 3;

	if (strlen(key) >= MAX_SUGGEST)
		return NULL;
	for (i = 0; i < mgen__config_nspecs; i++) {
		d = edit_distance(key, mgen__config_specs[i].key);
		if (d < bestd) {
			bestd = d;
			best = &mgen__config_specs[i];
		}
	}
	return best;
}

int mgen__config_unknown(const char *key, const char *where, mgen_err *err)
{
	const mgen__config_spec *s = mgen__config_suggest(key);

	if (s != NULL)
		return mgen_err_set(err, MGEN_ECONFIG,
				    "%s: unknown key '%.100s'; did you mean "
				    "'%s'?",
				    where, key, s->key);
	return mgen_err_set(err, MGEN_ECONFIG, "%s: unknown key '%.100s'",
			    where, key);
}

const char *mgen__config_type_name(const mgen__config_spec *s)
{
	switch (s->type) {
	case MGEN__CT_STRING:
		return "string";
	case MGEN__CT_BOOL:
		return "bool";
	case MGEN__CT_INT:
		return "int";
	case MGEN__CT_NUMBER:
		return "number";
	case MGEN__CT_LIST:
		return "list";
	case MGEN__CT_MAP:
		return "map";
	default:
		return s->choices;
	}
}

const char *mgen__config_expected(const mgen__config_spec *s)
{
	switch (s->type) {
	case MGEN__CT_STRING:
		return "a string";
	case MGEN__CT_BOOL:
		return "true or false";
	case MGEN__CT_INT:
		return "an integer";
	case MGEN__CT_NUMBER:
		return "a number";
	case MGEN__CT_LIST:
		return "a list";
	case MGEN__CT_MAP:
		return "a map of abbreviation: expansion";
	default:
		return s->choices;
	}
}

/* Address of the key's field inside `cfg`. */
static void *field(mgen_config *cfg, const mgen__config_spec *s)
{
	return (char *)cfg + s->off;
}

/* Frees the key's strings and sets it to zero / unset / empty. */
static void clear_field(mgen_config *cfg, const mgen__config_spec *s)
{
	void *p = field(cfg, s);
	mgen_strlist *l;
	size_t i;

	switch (s->type) {
	case MGEN__CT_STRING:
	case MGEN__CT_CHOICE:
		free(*(char **)p);
		*(char **)p = NULL;
		break;
	case MGEN__CT_LIST:
		l = p;
		for (i = 0; i < l->n; i++)
			free(l->items[i]);
		free(l->items);
		l->items = NULL;
		l->n = 0;
		break;
	case MGEN__CT_MAP:
		mgen_kvlist_release(p);
		break;
	default:
		break;
	}
}

int mgen__config_list_add(mgen_config *cfg, const mgen__config_spec *s,
			  const char *item)
{
	mgen_strlist *l = field(cfg, s);
	char **items, *copy;

	assert(s->type == MGEN__CT_LIST);
	copy = mgen__strdup(item);
	if (copy == NULL)
		return MGEN_ENOMEM;
	items = realloc(l->items, (l->n + 1) * sizeof(*items));
	if (items == NULL) {
		free(copy);
		return MGEN_ENOMEM;
	}
	items[l->n++] = copy;
	l->items = items;
	return 0;
}

int mgen__config_map_put(mgen_config *cfg, const mgen__config_spec *s,
			 const char *k, const char *v, const char *where,
			 mgen_err *err)
{
	mgen_kvlist *m = field(cfg, s);
	char *copy;
	size_t i;

	assert(s->type == MGEN__CT_MAP);
	if (k[0] == '\0')
		return mgen_err_set(err, MGEN_ECONFIG, "%s: %s: empty name",
				    where, s->key);
	for (i = 0; i < m->n; i++) {
		if (mgen__strcasecmp(m->items[i].key, k) != 0)
			continue;
		copy = mgen__strdup(v);
		if (copy == NULL)
			return MGEN_ENOMEM;
		free(m->items[i].value);
		m->items[i].value = copy;
		return 0;
	}
	return mgen_kvlist_add(m, k, v);
}

/* The value as shown in a message: secrets never are. */
static const char *shown(const mgen__config_spec *s, const char *value)
{
	return (s->flags & MGEN__CF_SECRET) ? "***" : value;
}

static int bad_value(const mgen__config_spec *s, const char *value,
		     const char *where, mgen_err *err)
{
	return mgen_err_set(err, MGEN_ECONFIG,
			    "%s: %s: expected %s, got '%.80s'", where, s->key,
			    mgen__config_expected(s), shown(s, value));
}

/* Parses a boolean word; -1 when it is none. */
static int parse_bool(const char *v)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	size_t i;

	for (i = 0; i < 4; i++) {
		if (mgen__strcasecmp(v, yes[i]) == 0)
			return 1;
		if (mgen__strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Parses a whole decimal number (surrounding blanks allowed) into *out.
 * `integer` rejects fractions. Returns 0 or -1. */
static int parse_number(const char *v, int integer, double *out)
{
	char *end = NULL;
	double d;
	long n;

	while (isspace((unsigned char)*v))
		v++;
	if (*v == '\0')
		return -1;
	if (integer) {
		n = strtol(v, &end, 10);
		d = (double)n;
	} else {
		d = strtod(v, &end);
	}
	/* ERANGE is let through: the clamped value fails the range check
	 * (an underflow to about 0 is accepted as 0) */
	if (end == v)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0' || isnan(d))
		return -1;
	*out = d;
	return 0;
}

static int set_number(mgen_config *cfg, const mgen__config_spec *s,
		      const char *value, const char *where, mgen_err *err)
{
	int integer = s->type == MGEN__CT_INT;
	double d;

	if (parse_number(value, integer, &d) != 0)
		return bad_value(s, value, where, err);
	if (!(d >= s->lo && d <= s->hi)) {
		if (integer)
			return mgen_err_set(err, MGEN_ECONFIG,
					    "%s: %s: must be between %.0f and "
					    "%.0f, got '%.80s'",
					    where, s->key, s->lo, s->hi, value);
		return mgen_err_set(err, MGEN_ECONFIG,
				    "%s: %s: must be between %g and %g, got "
				    "'%.80s'",
				    where, s->key, s->lo, s->hi, value);
	}
	if (integer)
		*(int *)field(cfg, s) = (int)d;
	else
		*(double *)field(cfg, s) = d;
	return 0;
}

/* Index of `value` among the '|'-separated choices (case-insensitive),
 * or -1. */
static int choice_index(const char *choices, const char *value)
{
	const char *p = choices;
	size_t vlen = strlen(value);
	int i = 0;

	for (;;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == vlen && len > 0) {
			size_t k = 0;
			while (k < len && tolower((unsigned char)p[k]) ==
					      tolower((unsigned char)value[k]))
				k++;
			if (k == len)
				return i;
		}
		if (bar == NULL)
			return -1;
		p = bar + 1;
		i++;
	}
}

static int set_choice(mgen_config *cfg, const mgen__config_spec *s,
		      const char *value, const char *where, mgen_err *err)
{
	int i = choice_index(s->choices, value);
	const char *p = s->choices;
	char **slot, *copy;
	size_t len;

	if (i < 0)
		return bad_value(s, value, where, err);
	if (s->type == MGEN__CT_ENUM) {
		*(int *)field(cfg, s) = i;
		return 0;
	}
	while (i-- > 0)
		p = strchr(p, '|') + 1;
	len = strchr(p, '|') ? (size_t)(strchr(p, '|') - p) : strlen(p);
	copy = mgen__strndup(p, len);
	if (copy == NULL)
		return MGEN_ENOMEM;
	slot = field(cfg, s);
	free(*slot);
	*slot = copy;
	return 0;
}

/* Bounds of the next comma-separated item of *pp, blanks trimmed; advances
 * *pp past it. Returns 0 at the end of the text. */
static int next_item(const char **pp, const char **start, size_t *len)
{
	const char *p = *pp, *end;

	if (p == NULL)
		return 0;
	end = strchr(p, ',');
	*pp = end ? end + 1 : NULL;
	if (end == NULL)
		end = p + strlen(p);
	while (p < end && isspace((unsigned char)*p))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	*start = p;
	*len = (size_t)(end - p);
	return 1;
}

int mgen__config_list_check(const mgen__config_spec *s, const char *item,
			    const char *where, mgen_err *err)
{
	if (s->choices == NULL || choice_index(s->choices, item) >= 0)
		return 0;
	return mgen_err_set(err, MGEN_ECONFIG,
			    "%s: %s: expected items of %s, got '%.80s'", where,
			    s->key, s->choices, item);
}

static int set_list(mgen_config *cfg, const mgen__config_spec *s,
		    const char *value, int replace, const char *where,
		    mgen_err *err)
{
	const char *p = value, *item;
	size_t len;
	char *copy;
	int rc;

	while (s->choices && next_item(&p, &item, &len)) {
		if (len == 0)
			continue;
		if ((copy = mgen__strndup(item, len)) == NULL)
			return MGEN_ENOMEM;
		rc = mgen__config_list_check(s, copy, where, err);
		free(copy);
		if (rc != 0)
			return rc; /* a bad item changes nothing */
	}
	p = value;
	if (replace)
		clear_field(cfg, s);
	while (next_item(&p, &item, &len)) {
		if (len == 0)
			continue;
		copy = mgen__strndup(item, len);
		if (copy == NULL)
			return MGEN_ENOMEM;
		rc = mgen__config_list_add(cfg, s, copy);
		free(copy);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Copy of [p, end) without surrounding blanks; NULL on out of memory. */
static char *trimmed_copy(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	return mgen__strndup(p, (size_t)(end - p));
}

/* "k=v,k2=v2": checks every pair first so a bad value changes nothing. */
static int set_map(mgen_config *cfg, const mgen__config_spec *s,
		   const char *value, int replace, const char *where,
		   mgen_err *err)
{
	const char *p = value, *item, *eq;
	char *k = NULL, *v = NULL;
	size_t len;
	int rc = 0;

	while (next_item(&p, &item, &len)) {
		eq = memchr(item, '=', len);
		if (len > 0 && (eq == NULL || eq == item))
			return mgen_err_set(err, MGEN_ECONFIG,
					    "%s: %s: expected abbr=expansion "
					    "pairs, got '%.*s'",
					    where, s->key,
					    (int)(len > 80 ? 80 : len), item);
	}
	if (replace)
		clear_field(cfg, s);
	p = value;
	while (rc == 0 && next_item(&p, &item, &len)) {
		if (len == 0)
			continue;
		eq = memchr(item, '=', len);
		k = trimmed_copy(item, eq);
		v = trimmed_copy(eq + 1, item + len);
		if (k == NULL || v == NULL)
			rc = MGEN_ENOMEM;
		else
			rc = mgen__config_map_put(cfg, s, k, v, where, err);
		free(k);
		free(v);
	}
	return rc;
}

/* Sets a key from text once it is found. */
static int apply(mgen_config *cfg, const mgen__config_spec *s,
		 const char *value, int replace, const char *where,
		 mgen_err *err)
{
	char **slot, *copy;
	int b;

	switch (s->type) {
	case MGEN__CT_STRING:
		if (value[0] == '\0')
			return mgen__config_reset(cfg, s);
		copy = mgen__strdup(value);
		if (copy == NULL)
			return MGEN_ENOMEM;
		slot = field(cfg, s);
		free(*slot);
		*slot = copy;
		return 0;
	case MGEN__CT_BOOL:
		b = parse_bool(value);
		if (b < 0)
			return bad_value(s, value, where, err);
		*(int *)field(cfg, s) = b;
		return 0;
	case MGEN__CT_INT:
	case MGEN__CT_NUMBER:
		return set_number(cfg, s, value, where, err);
	case MGEN__CT_LIST:
		return set_list(cfg, s, value, replace, where, err);
	case MGEN__CT_MAP:
		return set_map(cfg, s, value, replace, where, err);
	default:
		return set_choice(cfg, s, value, where, err);
	}
}

int mgen__config_reset(mgen_config *cfg, const mgen__config_spec *s)
{
	mgen_err err = MGEN_ERR_INIT;
	int rc;

	clear_field(cfg, s);
	if (s->dflt == NULL)
		return 0;
	rc = apply(cfg, s, s->dflt, 1, "default", &err);
	assert(rc != MGEN_ECONFIG); /* the table's defaults are valid */
	return rc;
}

int mgen_config_set(mgen_config *cfg, const char *key, const char *value,
		    int replace_list, const char *where, mgen_err *err)
{
	const mgen__config_spec *s = mgen__config_find(key);

	if (where == NULL)
		where = "config";
	if (s == NULL)
		return mgen__config_unknown(key ? key : "", where, err);
	if (value == NULL)
		return mgen__config_reset(cfg, s);
	return apply(cfg, s, value, replace_list, where, err);
}

int mgen_config_init(mgen_config *cfg)
{
	size_t i;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	cfg->version = MGEN_CONFIG_VERSION;
	for (i = 0; i < mgen__config_nspecs; i++) {
		rc = mgen__config_reset(cfg, &mgen__config_specs[i]);
		if (rc != 0) {
			mgen_config_release(cfg);
			return rc;
		}
	}
	return 0;
}

void mgen_config_release(mgen_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < mgen__config_nspecs; i++)
		clear_field(cfg, &mgen__config_specs[i]);
	free(cfg->config_path);
	memset(cfg, 0, sizeof(*cfg));
}

int mgen_config_key_kind(const char *key)
{
	const mgen__config_spec *s = mgen__config_find(key);

	if (s == NULL)
		return -1;
	return s->type == MGEN__CT_BOOL ? 1 : 0;
}
