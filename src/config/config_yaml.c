/*
 * config_yaml.c - reads a YAML config file (the one place libyaml is
 * used). The file is one mapping; nested maps give dotted keys
 * (prompts: {dir: x} is "prompts.dir"), sequences feed list keys, a map
 * feeds abbreviations. Each key is set through the key table with
 * where = "FILE:LINE" (the line of the key, or of the list item or pair
 * that is wrong). A plain null value (empty, ~, null) restores the
 * default. YAML 1.1 via libyaml's document API (pyyaml.org/wiki/LibYAML).
 *
 * Hostile files: more than MAX_CONFIG_BYTES or collections nested deeper
 * than MAX_NESTING are refused from libyaml's event stream, before the
 * document is built; a key given twice in one mapping (compared with
 * case, '-' and '_' folded, as the key table compares them) is an error
 * naming both lines.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "config/config_internal.h"
#include "metagen/buf.h"
#include "util/util.h"

/* The deepest dotted key is two levels; this only stops runaway input. */
#define MAX_DEPTH 8
/* Bounds checked on the event stream before any document is built:
 * libyaml's scanner is quadratic in flow nesting (100,000 nested '['
 * take over a minute), so the nesting is checked while parsing, and a
 * config file has no business being larger than 1 MiB. */
#define MAX_NESTING 32
#define MAX_CONFIG_BYTES ((size_t)1 << 20)

typedef struct walk {
	mgen_config *cfg;
	yaml_document_t *doc;
	const char *name; /* FILE in messages */
	mgen_err *err;
} walk;

static unsigned long line_of(const yaml_node_t *n)
{
	return (unsigned long)n->start_mark.line + 1;
}

static const char *kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "a scalar";
	}
}

/* 1 for a plain scalar YAML reads as null: "", ~, null, Null, NULL. */
static int is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	       strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* The text of a scalar node, or NULL (with an error in w->err) when the
 * node is not a scalar or holds a NUL byte; `line` is the line for the
 * message (an alias's node sits at its anchor, so callers pass the line
 * of the key that uses it). */
static const char *scalar_text(walk *w, const yaml_node_t *n,
			       unsigned long line, const char *what,
			       const char *key)
{
	if (n->type != YAML_SCALAR_NODE) {
		mgen_err_set(w->err, MGEN_ECONFIG,
			     "%s:%lu: %s: %s must be a string, got %s", w->name,
			     line, key, what, kind_name(n));
		return NULL;
	}
	if (strlen((const char *)n->data.scalar.value) !=
	    n->data.scalar.length) {
		mgen_err_set(w->err, MGEN_ECONFIG,
			     "%s:%lu: %s: %s holds a NUL byte", w->name, line,
			     key, what);
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

/* 1 when some key starts with `prefix` + "." (dots, dashes and
 * underscores folded, case ignored). */
static int is_prefix(const char *prefix)
{
	size_t i, n = strlen(prefix), k;

	for (i = 0; i < mgen__config_nspecs; i++) {
		const char *key = mgen__config_specs[i].key;
		if (strlen(key) <= n || key[n] != '.')
			continue;
		for (k = 0; k < n; k++) {
			int a = prefix[k], b = key[k];
			if (a == '-' || a == '_' || a == '.')
				a = '.';
			if (b == '_')
				b = '.';
			if (tolower(a) != tolower(b))
				break;
		}
		if (k == n)
			return 1;
	}
	return 0;
}

/* One key of a mapping, for the duplicate check. */
typedef struct keyref {
	const char *text;
	unsigned long line;
} keyref;

/* strcmp with ASCII case, '-' and '_' folded. */
static int fold_cmp(const char *pa, const char *pb)
{
	const unsigned char *a = (const unsigned char *)pa;
	const unsigned char *b = (const unsigned char *)pb;
	int x, y;

	for (;; a++, b++) {
		x = *a == '-' ? '_' : tolower(*a);
		y = *b == '-' ? '_' : tolower(*b);
		if (x != y || x == 0)
			return x - y;
	}
}

/* Orders keys by folded text, then by line. */
static int key_cmp(const void *pa, const void *pb)
{
	const keyref *a = pa, *b = pb;
	int c = fold_cmp(a->text, b->text);

	if (c != 0)
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* MGEN_ECONFIG naming both lines when a scalar key of `map` appears
 * twice; O(n log n) in the number of keys. */
static int check_duplicates(walk *w, const yaml_node_t *map)
{
	size_t n = (size_t)(map->data.mapping.pairs.top -
			    map->data.mapping.pairs.start),
	       k = 0, i;
	keyref *keys;
	yaml_node_pair_t *p;
	int rc = 0;

	if (n < 2)
		return 0;
	keys = calloc(n, sizeof(*keys));
	if (keys == NULL)
		return MGEN_ENOMEM;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *kn = yaml_document_get_node(w->doc, p->key);
		if (kn == NULL || kn->type != YAML_SCALAR_NODE)
			continue;
		keys[k].text = (const char *)kn->data.scalar.value;
		keys[k++].line = line_of(kn);
	}
	qsort(keys, k, sizeof(*keys), key_cmp);
	for (i = 1; rc == 0 && i < k; i++)
		if (fold_cmp(keys[i - 1].text, keys[i].text) == 0)
			rc = mgen_err_set(w->err, MGEN_ECONFIG,
					  "%s:%lu: key '%.200s' is given twice "
					  "(first at line %lu)",
					  w->name, keys[i].line, keys[i].text,
					  keys[i - 1].line);
	free(keys);
	return rc;
}

static int walk_map(walk *w, const yaml_node_t *map, const char *prefix,
		    int depth);

/* A sequence for a list key: replaces the list with its items. */
static int walk_list(walk *w, const mgen__config_spec *s,
		     const yaml_node_t *seq)
{
	yaml_node_item_t *it;
	const char *text;
	int rc;

	/* emptied, not reset: a default list (object_types) is replaced */
	rc = mgen_config_set(w->cfg, s->key, "", 1, "config", w->err);
	for (it = seq->data.sequence.items.start;
	     rc == 0 && it < seq->data.sequence.items.top; it++) {
		yaml_node_t *n = yaml_document_get_node(w->doc, *it);
		text = scalar_text(w, n, line_of(n), "a list item", s->key);
		if (text == NULL)
			return MGEN_ECONFIG;
		if (!is_null(n) && text[0] != '\0') {
			char where[600];
			snprintf(where, sizeof(where), "%s:%lu", w->name,
				 line_of(n));
			rc = mgen__config_list_check(s, text, where, w->err);
			if (rc == 0)
				rc = mgen__config_list_add(w->cfg, s, text);
		}
	}
	return rc;
}

/* A mapping for a map key: replaces the map with its pairs. */
static int walk_pairs(walk *w, const mgen__config_spec *s,
		      const yaml_node_t *map)
{
	yaml_node_pair_t *p;
	const char *k, *v;
	char where[600];
	int rc;

	rc = check_duplicates(w, map);
	if (rc == 0)
		rc = mgen__config_reset(w->cfg, s);
	for (p = map->data.mapping.pairs.start;
	     rc == 0 && p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(w->doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(w->doc, p->value);
		k = scalar_text(w, kn, line_of(kn), "a name", s->key);
		v = k ? scalar_text(w, vn, line_of(kn), "a value", s->key)
		      : NULL;
		if (v == NULL)
			return MGEN_ECONFIG;
		snprintf(where, sizeof(where), "%s:%lu", w->name, line_of(kn));
		rc = mgen__config_map_put(w->cfg, s, k, is_null(vn) ? "" : v,
					  where, w->err);
	}
	return rc;
}

/* Sets `key` (dotted, from the file) from the value node `v`; `line` is
 * the key's line. */
static int walk_value(walk *w, const char *key, const yaml_node_t *v,
		      unsigned long line, int depth)
{
	const mgen__config_spec *s = mgen__config_find(key);
	char where[600];

	snprintf(where, sizeof(where), "%s:%lu", w->name, line);
	if (s == NULL) {
		if (v->type == YAML_MAPPING_NODE && is_prefix(key))
			return walk_map(w, v, key, depth + 1);
		return mgen__config_unknown(key, where, w->err);
	}
	if (v->type == YAML_SCALAR_NODE) {
		if (is_null(v))
			return mgen__config_reset(w->cfg, s);
		if (scalar_text(w, v, line, "the value", s->key) == NULL)
			return MGEN_ECONFIG;
		return mgen_config_set(w->cfg, s->key,
				       (const char *)v->data.scalar.value, 1,
				       where, w->err);
	}
	if (v->type == YAML_SEQUENCE_NODE && s->type == MGEN__CT_LIST)
		return walk_list(w, s, v);
	if (v->type == YAML_MAPPING_NODE && s->type == MGEN__CT_MAP)
		return walk_pairs(w, s, v);
	return mgen_err_set(w->err, MGEN_ECONFIG, "%s: %s: expected %s, got %s",
			    where, s->key, mgen__config_expected(s),
			    kind_name(v));
}

/* Sets every key of a mapping; `prefix` (or NULL) is the dotted path of
 * the mapping. */
static int walk_map(walk *w, const yaml_node_t *map, const char *prefix,
		    int depth)
{
	mgen_buf key = MGEN_BUF_INIT;
	yaml_node_pair_t *p;
	const char *k;
	int rc = 0;

	if (depth > MAX_DEPTH)
		return mgen_err_set(w->err, MGEN_ECONFIG,
				    "%s:%lu: mappings nested too deep", w->name,
				    line_of(map));
	rc = check_duplicates(w, map);
	for (p = map->data.mapping.pairs.start;
	     rc == 0 && p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(w->doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(w->doc, p->value);
		k = scalar_text(w, kn, line_of(kn), "a key",
				prefix ? prefix : "settings");
		if (k == NULL) {
			rc = MGEN_ECONFIG;
			break;
		}
		mgen_buf_reset(&key);
		if (prefix != NULL)
			mgen_buf_printf(&key, "%s.", prefix);
		mgen_buf_puts(&key, k);
		rc = mgen_buf_error(&key);
		if (rc == 0)
			rc = walk_value(w, mgen_buf_str(&key), vn, line_of(kn),
					depth);
	}
	mgen_buf_release(&key);
	return rc;
}

/* Records libyaml's problem as "FILE:LINE:COL: problem (context)". */
static int syntax_error(const yaml_parser_t *parser, const char *name,
			mgen_err *err)
{
	if (parser->error == YAML_MEMORY_ERROR)
		return MGEN_ENOMEM;
	if (parser->context != NULL)
		return mgen_err_set(
		    err, MGEN_ECONFIG, "%s:%lu:%lu: %s (%s at line %lu)", name,
		    (unsigned long)parser->problem_mark.line + 1,
		    (unsigned long)parser->problem_mark.column + 1,
		    parser->problem ? parser->problem : "syntax error",
		    parser->context,
		    (unsigned long)parser->context_mark.line + 1);
	return mgen_err_set(err, MGEN_ECONFIG, "%s:%lu:%lu: %s", name,
			    (unsigned long)parser->problem_mark.line + 1,
			    (unsigned long)parser->problem_mark.column + 1,
			    parser->problem ? parser->problem : "syntax error");
}

/* Sets the keys of a loaded document's root node. */
static int walk_root(walk *w)
{
	yaml_node_t *root = yaml_document_get_root_node(w->doc);

	if (root == NULL || is_null(root))
		return 0; /* an empty file sets nothing */
	if (root->type != YAML_MAPPING_NODE)
		return mgen_err_set(w->err, MGEN_ECONFIG,
				    "%s:%lu: expected a mapping of settings, "
				    "got %s",
				    w->name, line_of(root), kind_name(root));
	return walk_map(w, root, NULL, 0);
}

/* Reads the event stream once, before any document is built: refuses
 * nesting deeper than MAX_NESTING at the event that opens it (so
 * libyaml never scans a deep flow) and passes syntax errors on. */
static int check_events(const char *name, const char *data, size_t len,
			mgen_err *err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, rc = 0, done = 0;

	if (!yaml_parser_initialize(&parser))
		return MGEN_ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	while (rc == 0 && !done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = syntax_error(&parser, name, err);
			break;
		}
		if (ev.type == YAML_SEQUENCE_START_EVENT ||
		    ev.type == YAML_MAPPING_START_EVENT) {
			if (++depth > MAX_NESTING)
				rc = mgen_err_set(
				    err, MGEN_ECONFIG,
				    "%s:%lu:%lu: nested deeper than %d levels",
				    name, (unsigned long)ev.start_mark.line + 1,
				    (unsigned long)ev.start_mark.column + 1,
				    MAX_NESTING);
		} else if (ev.type == YAML_SEQUENCE_END_EVENT ||
			   ev.type == YAML_MAPPING_END_EVENT) {
			depth--;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

int mgen__config_load_yaml(mgen_config *cfg, const char *name, const char *data,
			   size_t len, mgen_err *err)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	walk w = {cfg, &doc, name, err};
	int rc;

	if (len > MAX_CONFIG_BYTES)
		return mgen_err_set(err, MGEN_ECONFIG,
				    "%s: %zu bytes, more than the %zu a config "
				    "file may have",
				    name, len, MAX_CONFIG_BYTES);
	rc = check_events(name, data, len, err);
	if (rc != 0)
		return rc;
	if (!yaml_parser_initialize(&parser))
		return MGEN_ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = syntax_error(&parser, name, err);
		yaml_parser_delete(&parser);
		return rc;
	}
	rc = walk_root(&w);
	yaml_document_delete(&doc);
	if (rc == 0) {
		/* a second document is an error, not silently ignored */
		if (!yaml_parser_load(&parser, &extra)) {
			rc = syntax_error(&parser, name, err);
		} else {
			if (yaml_document_get_root_node(&extra) != NULL)
				rc = mgen_err_set(
				    err, MGEN_ECONFIG,
				    "%s:%lu: only one YAML document is "
				    "allowed",
				    name,
				    (unsigned long)extra.start_mark.line + 1);
			yaml_document_delete(&extra);
		}
	}
	yaml_parser_delete(&parser);
	return rc;
}

int mgen_config_load_file(mgen_config *cfg, const char *path, mgen_err *err)
{
	struct stat st;
	char *data = NULL, *copy;
	size_t len = 0;
	int rc;

	errno = 0;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (size_t)st.st_size > MAX_CONFIG_BYTES)
		return mgen_err_set(
		    err, MGEN_ECONFIG,
		    "%s: %lld bytes, more than the %zu a config "
		    "file may have",
		    path, (long long)st.st_size, MAX_CONFIG_BYTES);
	rc = mgen__read_file(path, &data, &len);
	if (rc == MGEN_ENOMEM)
		return rc;
	if (rc != 0)
		return mgen_err_set(err, MGEN_EIO,
				    "cannot read config file '%s': %s", path,
				    errno ? strerror(errno) : "read error");
	copy = mgen__strdup(path);
	if (copy == NULL) {
		free(data);
		return MGEN_ENOMEM;
	}
	free(cfg->config_path);
	cfg->config_path = copy;
	rc = mgen__config_load_yaml(cfg, path, data, len, err);
	free(data);
	return rc;
}
