/*
 * json_adapter.c - DSPy 3.x JSONAdapter (dspy/adapters/json_adapter.py):
 * the same layout as the ChatAdapter with the outputs as one JSON object
 * (indent-2 placeholders in the system message, indent-2 demo answers,
 * "Respond with a JSON object in the following order of fields"), the
 * strict json_schema response_format, and parsing the first JSON object
 * in an answer.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dspy/signature_internal.h"
#include "util/util.h"

static void json_structure(mgen_buf *b, const mgen_signature *sig)
{
	mgen_buf t = MGEN_BUF_INIT;
	cJSON *in = mgen_sig__structure_values(sig, 0, sig->input_count);
	cJSON *out =
	    mgen_sig__structure_values(sig, sig->input_count, sig->field_count);

	if (in == NULL || out == NULL)
		t.error = MGEN_ENOMEM;
	mgen_buf_puts(&t, "All interactions will be structured in the "
			  "following way, with the appropriate values filled "
			  "in.\n\nInputs will have the following structure:"
			  "\n\n");
	mgen_sig__fields_with_values(&t, sig, 0, sig->input_count, in, NULL);
	mgen_buf_puts(&t, "\n\nOutputs will be a JSON object with the "
			  "following fields.\n\n");
	if (out != NULL)
		mgen_sig__pyjson(&t, out, 2);
	mgen_sig__put_stripped(b, &t);
	cJSON_Delete(in);
	cJSON_Delete(out);
}

static void json_requirements(mgen_buf *b, const mgen_signature *sig)
{
	size_t i;

	mgen_buf_puts(b, "Respond with a JSON object in the following order "
			 "of fields: ");
	for (i = sig->input_count; i < sig->field_count; i++) {
		if (i > sig->input_count)
			mgen_buf_puts(b, ", then ");
		mgen_buf_printf(b, "`%s`", sig->fields[i].name);
		mgen_sig__type_info(b, sig->fields[i].type);
	}
	mgen_buf_putc(b, '.');
}

static void json_assistant(mgen_buf *b, const mgen_signature *sig,
			   const mgen_example *ex, const char *missing)
{
	cJSON *o = cJSON_CreateObject(), *v;
	size_t i;
	int ok = o != NULL;

	for (i = sig->input_count; i < sig->field_count && ok; i++) {
		const char *name = sig->fields[i].name;
		const cJSON *have =
		    cJSON_GetObjectItemCaseSensitive(ex->obj, name);

		v = have      ? cJSON_Duplicate(have, 1)
		    : missing ? cJSON_CreateString(missing)
			      : cJSON_CreateNull();
		ok = v && cJSON_AddItemToObject(o, name, v);
		if (!ok)
			cJSON_Delete(v);
	}
	if (ok)
		mgen_sig__pyjson(b, o, 2);
	else if (!b->error)
		b->error = MGEN_ENOMEM;
	cJSON_Delete(o);
}

static const mgen_sig__adapter json = {"json adapter", json_structure,
				       json_requirements, json_assistant};

int mgen_json_adapter_render(const mgen_signature *sig,
			     const mgen_example *const *demos, size_t ndemos,
			     const mgen_example *inputs, mgen_sig_messages *out,
			     mgen_err *err)
{
	return mgen_sig__render(&json, sig, demos, ndemos, inputs, out, err);
}

/* End (one past the closing brace) of the balanced {...} starting at
 * s[0], braces inside JSON strings not counted; 0 when unbalanced. */
static size_t balanced(const char *s, size_t n)
{
	size_t i;
	int depth = 0, str = 0;

	for (i = 0; i < n; i++) {
		if (str) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				str = 0;
		} else if (s[i] == '"') {
			str = 1;
		} else if (s[i] == '{') {
			depth++;
		} else if (s[i] == '}' && --depth == 0) {
			return i + 1;
		}
	}
	return 0;
}

/* The whole answer as a JSON object, else the first balanced {...} in
 * it that is one. */
static int find_object(const char *s, cJSON **out)
{
	size_t n = strlen(s), i, e;
	int rc = mgen_sig__json_parse(s, n, out);

	if (rc == 0 && cJSON_IsObject(*out))
		return 0;
	cJSON_Delete(*out);
	*out = NULL;
	if (rc == MGEN_ENOMEM)
		return rc;
	for (i = 0; i < n; i++) {
		if (s[i] != '{' || (e = balanced(s + i, n - i)) == 0)
			continue;
		rc = mgen_sig__json_parse(s + i, e, out);
		if (rc == MGEN_ENOMEM)
			return rc;
		if (rc == 0 && cJSON_IsObject(*out))
			return 0;
		cJSON_Delete(*out);
		*out = NULL;
	}
	return MGEN_EPARSE;
}

int mgen_json_adapter_parse(const mgen_signature *sig, const char *answer,
			    mgen_example **out, mgen_err *err)
{
	cJSON *fields = NULL;
	int rc;

	*out = NULL;
	rc = find_object(answer ? answer : "", &fields);
	if (rc == MGEN_ENOMEM)
		return mgen_err_set(err, rc, "out of memory");
	if (rc)
		return mgen_err_set(
		    err, rc, "json adapter: no JSON object in the answer");
	return mgen_sig__finish_parse("json adapter", sig, fields, out, err);
}

/* pydantic's default title: Python str.title() with "_" as " ". */
static char *py_title(const char *name)
{
	char *t = mgen__strdup(name), *p;
	int prev_alpha = 0;

	for (p = t; p && *p; p++) {
		int a = isalpha((unsigned char)*p);

		if (a)
			*p = (char)(prev_alpha ? tolower((unsigned char)*p)
					       : toupper((unsigned char)*p));
		else if (*p == '_')
			*p = ' ';
		prev_alpha = a;
	}
	return t;
}

/* DSPy enforce_required: every object lists all its properties as
 * required and forbids others; nested arrays and objects too. */
static int enforce_required(cJSON *s)
{
	const char *type = mgen__json_str(s, "type");
	cJSON *props = cJSON_GetObjectItemCaseSensitive(s, "properties");
	cJSON *c, *req;
	int err = 0;

	if (type && strcmp(type, "object") == 0) {
		if (props == NULL)
			props = mgen__json_add_object(&err, s, "properties");
		cJSON_DeleteItemFromObjectCaseSensitive(s, "required");
		cJSON_DeleteItemFromObjectCaseSensitive(s,
							"additionalProperties");
		req = mgen__json_add_array(&err, s, "required");
		for (c = props ? props->child : NULL; c && !err; c = c->next) {
			mgen__json_add(&err, req, NULL,
				       cJSON_CreateString(c->string));
			if (err == 0)
				err = enforce_required(c);
		}
		mgen__json_add(&err, s, "additionalProperties",
			       cJSON_CreateFalse());
	}
	if (err == 0 && type && strcmp(type, "array") == 0)
		err = enforce_required(
		    cJSON_GetObjectItemCaseSensitive(s, "items"));
	return err;
}

static cJSON *strict_schema(const mgen_signature *sig)
{
	cJSON *rf = cJSON_CreateObject(), *js, *schema, *props;
	size_t i;
	int err = rf == NULL ? MGEN_ENOMEM : 0;

	mgen__json_add(&err, rf, "type", cJSON_CreateString("json_schema"));
	js = mgen__json_add_object(&err, rf, "json_schema");
	mgen__json_add(&err, js, "name",
		       cJSON_CreateString("DSPyProgramOutputs"));
	mgen__json_add(&err, js, "strict", cJSON_CreateTrue());
	schema = mgen__json_add_object(&err, js, "schema");
	props = mgen__json_add_object(&err, schema, "properties");
	for (i = sig->input_count; i < sig->field_count && err == 0; i++) {
		char *title = py_title(sig->fields[i].name);

		mgen__json_add(
		    &err, props, sig->fields[i].name,
		    title ? mgen_sig__type_schema(sig->fields[i].type, title)
			  : NULL);
		free(title);
	}
	mgen__json_add(&err, schema, "title",
		       cJSON_CreateString("DSPyProgramOutputs"));
	mgen__json_add(&err, schema, "type", cJSON_CreateString("object"));
	if (err == 0)
		err = enforce_required(schema);
	if (err) {
		cJSON_Delete(rf);
		return NULL;
	}
	return rf;
}

int mgen_json_adapter_response_format(const mgen_signature *sig, char **out,
				      mgen_err *err)
{
	mgen_buf b = MGEN_BUF_INIT;
	cJSON *rf = NULL;
	size_t i;

	*out = NULL;
	for (i = sig->input_count; i < sig->field_count; i++)
		if (mgen_sig__type_is_dict(sig->fields[i].type))
			break;
	if (i < sig->field_count)
		rf = cJSON_Parse("{\"type\": \"json_object\"}");
	else
		rf = strict_schema(sig);
	if (rf != NULL)
		mgen_sig__pyjson(&b, rf, 0);
	cJSON_Delete(rf);
	*out = rf ? mgen_buf_detach(&b) : NULL;
	mgen_buf_release(&b);
	if (*out == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	return 0;
}
