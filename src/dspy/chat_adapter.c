/*
 * chat_adapter.c - DSPy 3.x ChatAdapter (dspy/adapters/chat_adapter.py):
 * the "[[ ## field ## ]]" field structure, the "Respond with the
 * corresponding output fields ..." request, demo answers ending with the
 * completed marker, and parsing an answer's marked sections back into
 * output values.
 */
#include <ctype.h>
#include <string.h>

#include "dspy/signature_internal.h"

static void chat_structure(mgen_buf *b, const mgen_signature *sig)
{
	mgen_buf t = MGEN_BUF_INIT;
	cJSON *in = mgen_sig__structure_values(sig, 0, sig->input_count);
	cJSON *out =
	    mgen_sig__structure_values(sig, sig->input_count, sig->field_count);

	if (in == NULL || out == NULL)
		t.error = MGEN_ENOMEM;
	mgen_buf_puts(&t, "All interactions will be structured in the "
			  "following way, with the appropriate values filled "
			  "in.\n\n");
	mgen_sig__fields_with_values(&t, sig, 0, sig->input_count, in, NULL);
	mgen_buf_puts(&t, "\n\n");
	mgen_sig__fields_with_values(&t, sig, sig->input_count,
				     sig->field_count, out, NULL);
	mgen_buf_puts(&t, "\n\n[[ ## completed ## ]]\n");
	mgen_sig__put_stripped(b, &t);
	cJSON_Delete(in);
	cJSON_Delete(out);
}

static void chat_requirements(mgen_buf *b, const mgen_signature *sig)
{
	size_t i;

	mgen_buf_puts(b, "Respond with the corresponding output fields, "
			 "starting with the field ");
	for (i = sig->input_count; i < sig->field_count; i++) {
		if (i > sig->input_count)
			mgen_buf_puts(b, ", then ");
		mgen_buf_printf(b, "`[[ ## %s ## ]]`", sig->fields[i].name);
		mgen_sig__type_info(b, sig->fields[i].type);
	}
	mgen_buf_puts(b, ", and then ending with the marker for "
			 "`[[ ## completed ## ]]`.");
}

static void chat_assistant(mgen_buf *b, const mgen_signature *sig,
			   const mgen_example *ex, const char *missing)
{
	mgen_sig__fields_with_values(b, sig, sig->input_count, sig->field_count,
				     ex->obj, missing);
	mgen_buf_puts(b, "\n\n[[ ## completed ## ]]\n");
}

static const mgen_sig__adapter chat = {"chat adapter", chat_structure,
				       chat_requirements, chat_assistant};

int mgen_chat_adapter_render(const mgen_signature *sig,
			     const mgen_example *const *demos, size_t ndemos,
			     const mgen_example *inputs, mgen_sig_messages *out,
			     mgen_err *err)
{
	return mgen_sig__render(&chat, sig, demos, ndemos, inputs, out, err);
}

/* Length of a "[[ ## name ## ]]" header at the start of s[0..n) (the
 * pattern \[\[ ## (\w+) ## \]\]), or 0; the name goes to *name. */
static size_t header_at(const char *s, size_t n, const char **name,
			size_t *nlen)
{
	size_t i = 6;

	if (n < 6 + 1 + 6 || memcmp(s, "[[ ## ", 6) != 0)
		return 0;
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_' ||
			 (unsigned char)s[i] >= 0x80))
		i++;
	if (i == 6 || n - i < 6 || memcmp(s + i, " ## ]]", 6) != 0)
		return 0;
	*name = s + 6;
	*nlen = i - 6;
	return i + 6;
}

/* Ends the current section: stripped text under its name, when it is an
 * output field not seen before. */
static int close_section(const mgen_signature *sig, cJSON *fields,
			 const char *name, size_t nlen, mgen_buf *text)
{
	size_t i;
	int rc = 0;

	mgen_sig__buf_strip(text);
	if (mgen_buf_error(text))
		return mgen_buf_error(text);
	for (i = sig->input_count; name != NULL && i < sig->field_count; i++) {
		const char *f = sig->fields[i].name;

		if (strlen(f) != nlen || memcmp(f, name, nlen) != 0 ||
		    cJSON_GetObjectItemCaseSensitive(fields, f) != NULL)
			continue;
		if (mgen__json_add(&rc, fields, f,
				   cJSON_CreateString(mgen_buf_str(text))))
			return rc;
	}
	return 0;
}

static int split_sections(const mgen_signature *sig, const char *answer,
			  cJSON *fields)
{
	mgen_buf text = MGEN_BUF_INIT;
	size_t len = strlen(answer), pos = 0, end, next, ln, hl, nlen = 0, hn;
	const char *name = NULL, *line, *hname;
	int rc = 0, first = 1;

	while (pos < len && rc == 0) {
		end = mgen_sig__line_end(answer, len, pos, &next);
		ln = end - pos;
		line = mgen_sig__strip(answer + pos, &ln);
		hl = header_at(line, ln, &hname, &hn);
		if (hl > 0) {
			rc = close_section(sig, fields, name, nlen, &text);
			name = hname;
			nlen = hn;
			mgen_buf_reset(&text);
			ln -= hl;
			line = mgen_sig__strip(line + hl, &ln);
			first = ln == 0;
			mgen_buf_append(&text, line, ln);
		} else {
			if (!first)
				mgen_buf_putc(&text, '\n');
			mgen_buf_append(&text, answer + pos, end - pos);
			first = 0;
		}
		pos = next;
	}
	if (rc == 0)
		rc = close_section(sig, fields, name, nlen, &text);
	mgen_buf_release(&text);
	return rc;
}

int mgen_chat_adapter_parse(const mgen_signature *sig, const char *answer,
			    mgen_example **out, mgen_err *err)
{
	cJSON *fields = cJSON_CreateObject();
	int rc;

	*out = NULL;
	if (fields == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	rc = split_sections(sig, answer ? answer : "", fields);
	if (rc) {
		cJSON_Delete(fields);
		return mgen_err_set(err, rc, "chat adapter: %s",
				    mgen_strerror(rc));
	}
	return mgen_sig__finish_parse("chat adapter", sig, fields, out, err);
}
