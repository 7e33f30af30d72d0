/*
 * sig_render.c - the message layout both adapters share, after DSPy 3.x
 * dspy/adapters/base.py (Adapter.format, format_demos,
 * format_user_message_content, format_task_description) and
 * chat_adapter.py (format_field_description, format_field_with_value);
 * and the common end of parsing (dspy/utils/exceptions.py
 * AdapterParseError's "expected ... parsed ..." fields).
 */
#include <stdlib.h>
#include <string.h>

#include "dspy/signature_internal.h"
#include "util/util.h"

#define INCOMPLETE_PREFIX                                                      \
	"This is an example of the task, though some input or output fields "  \
	"are not supplied."
#define NOT_SUPPLIED "Not supplied for this particular example. "

/* get_field_description_string: "{i}. `{name}` ({type}): {desc}" lines,
 * desc empty while it is the "${name}" placeholder; stripped as a whole. */
static void field_list(mgen_buf *b, const mgen_signature *sig, size_t from,
		       size_t to)
{
	mgen_buf t = MGEN_BUF_INIT;
	size_t i;

	for (i = from; i < to; i++) {
		const mgen_sig__rec *r = &sig->fields[i];
		int placeholder =
		    r->desc[0] == '$' && r->desc[1] == '{' &&
		    strncmp(r->desc + 2, r->name, strlen(r->name)) == 0 &&
		    strcmp(r->desc + 2 + strlen(r->name), "}") == 0;

		if (i > from)
			mgen_buf_putc(&t, '\n');
		mgen_buf_printf(&t, "%zu. `%s` (%s): %s", i - from + 1, r->name,
				r->type, placeholder ? "" : r->desc);
	}
	mgen_sig__put_stripped(b, &t);
}

/* format_task_description: textwrap.dedent, then each line of
 * splitlines() after "\n" and 8 spaces. */
static void task_description(mgen_buf *b, const char *instr)
{
	size_t len = strlen(instr), pos = 0, end, next, k;

	mgen_buf_puts(b, "In adhering to this structure, your objective is: ");
	while (pos < len) {
		end = mgen_sig__line_end(instr, len, pos, &next);
		mgen_buf_puts(b, "\n        ");
		/* dedent empties lines made only of spaces and tabs */
		for (k = pos; k < end && (instr[k] == ' ' || instr[k] == '\t');
		     k++)
			;
		if (k < end)
			mgen_buf_append(b, instr + pos, end - pos);
		pos = next;
	}
}

void mgen_sig__fields_with_values(mgen_buf *b, const mgen_signature *sig,
				  size_t from, size_t to, const cJSON *vals,
				  const char *missing)
{
	mgen_buf t = MGEN_BUF_INIT;
	size_t i;
	int first = 1;

	for (i = from; i < to; i++) {
		const mgen_sig__rec *r = &sig->fields[i];
		const cJSON *v =
		    cJSON_GetObjectItemCaseSensitive(vals, r->name);

		if (v == NULL && missing == NULL)
			continue;
		mgen_buf_printf(&t, "%s[[ ## %s ## ]]\n", first ? "" : "\n\n",
				r->name);
		first = 0;
		if (v != NULL)
			mgen_sig__format_value(&t, r->type, v);
		else
			mgen_buf_puts(&t, missing);
	}
	mgen_sig__put_stripped(b, &t);
}

cJSON *mgen_sig__structure_values(const mgen_signature *sig, size_t from,
				  size_t to)
{
	cJSON *o = cJSON_CreateObject();
	mgen_buf t = MGEN_BUF_INIT;
	size_t i;

	for (i = from; i < to && o; i++) {
		mgen_buf_reset(&t);
		mgen_buf_printf(&t, "{%s}", sig->fields[i].name);
		if (sig->fields[i].is_output &&
		    !mgen_sig__type_is_str(sig->fields[i].type)) {
			mgen_buf_puts(&t, "        # note: the value you "
					  "produce ");
			mgen_sig__type_note(&t, sig->fields[i].type);
		}
		if (t.error || !cJSON_AddStringToObject(o, sig->fields[i].name,
							mgen_buf_str(&t))) {
			cJSON_Delete(o);
			o = NULL;
		}
	}
	mgen_buf_release(&t);
	return o;
}

void mgen_sig__type_info(mgen_buf *b, const char *type)
{
	if (!mgen_sig__type_is_str(type))
		mgen_buf_printf(b, " (must be formatted as a valid Python %s)",
				type);
}

/* format_user_message_content(signature, values, prefix, main_request) */
static void user_content(mgen_buf *b, const mgen_sig__adapter *a,
			 const mgen_signature *sig, const cJSON *vals,
			 const char *prefix, int main_request)
{
	size_t i;

	mgen_buf_puts(b, prefix);
	for (i = 0; i < sig->input_count; i++) {
		const mgen_sig__rec *r = &sig->fields[i];
		const cJSON *v =
		    cJSON_GetObjectItemCaseSensitive(vals, r->name);

		if (v == NULL)
			continue;
		mgen_buf_printf(b, "\n\n[[ ## %s ## ]]\n", r->name);
		mgen_sig__format_value(b, r->type, v);
	}
	if (main_request) { /* DSPy asks even with no outputs */
		mgen_buf_puts(b, "\n\n");
		a->requirements(b, sig);
	}
	mgen_sig__buf_strip(b);
}

static int push(mgen_sig_messages *m, const char *role, mgen_buf *b)
{
	mgen_message *msgs;
	char *content;

	if (mgen_buf_error(b))
		return mgen_buf_error(b);
	content = mgen_buf_detach(b);
	msgs = content ? realloc(m->msgs, (m->n + 1) * sizeof *msgs) : NULL;
	if (msgs == NULL) {
		free(content);
		return MGEN_ENOMEM;
	}
	m->msgs = msgs;
	m->msgs[m->n].role = role;
	m->msgs[m->n].content = content;
	m->n++;
	return 0;
}

/* format_demos' split: 1 complete, 0 incomplete but usable, -1 skipped. */
static int demo_kind(const mgen_signature *sig, const mgen_example *d)
{
	int complete = 1, in = 0, out = 0;
	size_t i;

	for (i = 0; i < sig->field_count; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		    d->obj, sig->fields[i].name);

		if (v == NULL || cJSON_IsNull(v))
			complete = 0;
		if (v != NULL && sig->fields[i].is_output)
			out = 1;
		else if (v != NULL)
			in = 1;
	}
	return complete ? 1 : (in && out) ? 0 : -1;
}

static int render_demos(const mgen_sig__adapter *a, const mgen_signature *sig,
			const mgen_example *const *demos, size_t ndemos,
			mgen_sig_messages *out)
{
	mgen_buf b = MGEN_BUF_INIT;
	size_t i;
	int pass, rc = 0;

	for (pass = 0; pass < 2 && rc == 0; pass++) { /* incomplete first */
		for (i = 0; i < ndemos && rc == 0; i++) {
			if (demos[i] == NULL ||
			    demo_kind(sig, demos[i]) != pass)
				continue;
			user_content(&b, a, sig, demos[i]->obj,
				     pass ? "" : INCOMPLETE_PREFIX, 0);
			rc = push(out, "user", &b);
			if (rc == 0) {
				a->assistant(&b, sig, demos[i], NOT_SUPPLIED);
				rc = push(out, "assistant", &b);
			}
		}
	}
	mgen_buf_release(&b);
	return rc;
}

int mgen_sig__render(const mgen_sig__adapter *a, const mgen_signature *sig,
		     const mgen_example *const *demos, size_t ndemos,
		     const mgen_example *inputs, mgen_sig_messages *out,
		     mgen_err *err)
{
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;
	mgen_buf b = MGEN_BUF_INIT;
	int rc;

	out->msgs = NULL;
	out->n = 0;
	mgen_buf_puts(&b, "Your input fields are:\n");
	field_list(&b, sig, 0, sig->input_count);
	mgen_buf_puts(&b, "\nYour output fields are:\n");
	field_list(&b, sig, sig->input_count, sig->field_count);
	mgen_buf_putc(&b, '\n');
	a->structure(&b, sig);
	mgen_buf_putc(&b, '\n');
	task_description(&b, mgen_signature_instructions(sig));
	rc = push(&m, "system", &b);
	if (rc == 0)
		rc = render_demos(a, sig, demos, ndemos, &m);
	if (rc == 0) {
		user_content(&b, a, sig, inputs ? inputs->obj : NULL, "", 1);
		rc = push(&m, "user", &b);
	}
	mgen_buf_release(&b);
	if (rc) {
		mgen_sig_messages_release(&m);
		return mgen_err_set(err, rc, "%s: rendering the prompt: %s",
				    a->name, mgen_strerror(rc));
	}
	*out = m;
	return 0;
}

static void name_list(mgen_buf *b, const mgen_signature *sig,
		      const mgen_example *got)
{
	size_t i;
	int first = 1;

	mgen_buf_putc(b, '[');
	for (i = sig->input_count; i < sig->field_count; i++) {
		if (got && !mgen_example_has(got, sig->fields[i].name))
			continue;
		mgen_buf_printf(b, "%s%s", first ? "" : ", ",
				sig->fields[i].name);
		first = 0;
	}
	mgen_buf_putc(b, ']');
}

int mgen_sig__finish_parse(const char *adapter, const mgen_signature *sig,
			   cJSON *fields, mgen_example **out, mgen_err *err)
{
	mgen_example *ex = NULL;
	mgen_buf why = MGEN_BUF_INIT, exp = MGEN_BUF_INIT, got = MGEN_BUF_INIT;
	size_t i;
	int rc = mgen_example_new(&ex), missing = 0;

	*out = NULL;
	for (i = sig->input_count; i < sig->field_count && rc == 0; i++) {
		const mgen_sig__rec *r = &sig->fields[i];
		cJSON *v =
		    cJSON_DetachItemFromObjectCaseSensitive(fields, r->name);
		cJSON *pv = NULL;

		if (v == NULL) {
			missing = 1;
			continue;
		}
		rc = mgen_sig__parse_value(r->type, v, &pv, &why);
		if (rc == MGEN_EPARSE)
			mgen_err_set(err, rc, "%s: field `%s` (%s): %s",
				     adapter, r->name, r->type,
				     mgen_buf_str(&why));
		else if (rc == 0 &&
			 !cJSON_AddItemToObject(ex->obj, r->name, pv))
			cJSON_Delete(pv), rc = MGEN_ENOMEM;
	}
	if (rc == 0 && missing) {
		name_list(&exp, sig, NULL);
		name_list(&got, sig, ex);
		rc = mgen_err_set(err, MGEN_EPARSE,
				  "%s: expected output fields %s, parsed %s",
				  adapter, mgen_buf_str(&exp),
				  mgen_buf_str(&got));
	}
	if (rc == MGEN_ENOMEM)
		mgen_err_set(err, rc, "out of memory");
	cJSON_Delete(fields);
	mgen_buf_release(&why);
	mgen_buf_release(&exp);
	mgen_buf_release(&got);
	if (rc) {
		mgen_example_free(ex);
		return rc;
	}
	*out = ex;
	return 0;
}
