/*
 * comment_program.c - the optimized path's comment program: its DSPy
 * signature and default instructions, loading a saved program file onto
 * it, building the inputs of one chunk of a profiled table, and
 * rendering/parsing a call through the DSPy adapters
 * (include/metagen/comment_program.h).
 */
#include <stdlib.h>
#include <string.h>

#include "metagen/answer.h"
#include "metagen/comment_program.h"
#include "util/json.h"
#include "util/util.h"

struct mgen_comment_program {
	mgen_signature *sig;
	mgen_example **demos;
	size_t ndemos;
};

static const char comment_instructions[] =
    "You are a data steward documenting a SQL table for analysts.\n"
    "Write one comment for the table and one for each column listed in "
    "`table_data.columns` (those columns only, each exactly once, names "
    "spelled as given).\n"
    "A good comment says what the table or column holds in plain "
    "business language: what one row is, what a value means, its unit "
    "or coding, and how it relates to other tables (keys). Use the "
    "sample rows and `column_metadata` statistics as evidence, expand "
    "the `abbreviations`, and never invent facts the inputs do not "
    "support. Keep each comment to one to three sentences.\n"
    "Answer `comments` as a JSON object {\"table\": \"<table comment>\", "
    "\"columns\": [\"<column name>\", ...], \"column_contents\": "
    "[\"<comment of that column>\", ...]} with the two arrays parallel.";

typedef struct field_decl {
	const char *name, *type, *desc;
} field_decl;

static const field_decl comment_inputs[] = {
    {"table_name", "str", "fully qualified name catalog.schema.table"},
    {"table_data", "dict[str, Any]",
     "the table in split shape: table_name, columns (the columns to "
     "describe), index and data (sample rows; empty when data may not "
     "be shown), table_comment (the current comment, if any)"},
    {"column_metadata", "dict[str, Any]",
     "per column: data_type and statistics (row_count, non_null_count, "
     "distinct_count, min, max, avg_length, existing_comment) where known"},
    {"abbreviations", "dict[str, str]",
     "abbreviation -> expansion used in this warehouse's names"},
    {"context", "str",
     "related documentation retrieved for this table; may be empty"},
};

static const field_decl comment_output = {
    "comments", "dict[str, Any]",
    "{\"table\": str, \"columns\": [names], \"column_contents\": "
    "[comments parallel to columns]}"};

int mgen_comment_signature(mgen_signature **out, mgen_err *err)
{
	mgen_signature *sig = NULL;
	size_t i;
	int rc;

	*out = NULL;
	rc = mgen_signature_new(&sig);
	for (i = 0;
	     rc == 0 && i < sizeof(comment_inputs) / sizeof(comment_inputs[0]);
	     i++)
		rc = mgen_signature_add_input(
		    sig, comment_inputs[i].name, comment_inputs[i].type,
		    comment_inputs[i].desc, NULL, err);
	if (rc == 0)
		rc = mgen_signature_add_output(sig, comment_output.name,
					       comment_output.type,
					       comment_output.desc, NULL, err);
	if (rc == 0)
		rc = mgen_signature_set_instructions(sig, comment_instructions);
	if (rc != 0) {
		mgen_signature_free(sig);
		if (rc == MGEN_ENOMEM)
			mgen_err_set(err, rc, "out of memory");
		return rc;
	}
	*out = sig;
	return 0;
}

int mgen_comment_program_declare(mgen_program **out, mgen_err *err)
{
	mgen_signature *sig = NULL;
	mgen_program *prog = NULL;
	int rc;

	*out = NULL;
	rc = mgen_comment_signature(&sig, err);
	if (rc == 0)
		rc = mgen_program_new(&prog);
	if (rc == 0)
		rc = mgen_program_add_signature(prog, MGEN_COMMENT_PREDICTOR,
						sig, err);
	mgen_signature_free(sig);
	if (rc != 0) {
		mgen_program_free(prog);
		if (rc == MGEN_ENOMEM)
			mgen_err_set(err, rc, "out of memory");
		return rc;
	}
	*out = prog;
	return 0;
}

void mgen_comment_program_free(mgen_comment_program *cp)
{
	if (cp == NULL)
		return;
	mgen_program_demos_free(cp->demos, cp->ndemos);
	mgen_signature_free(cp->sig);
	free(cp);
}

int mgen_comment_program_from(const mgen_program *prog,
			      mgen_comment_program **out, mgen_err *err)
{
	mgen_comment_program *cp = calloc(1, sizeof(*cp));
	long p = -1;
	int rc;

	*out = NULL;
	if (cp == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	rc = mgen_comment_signature(&cp->sig, err);
	if (rc == 0 && prog != NULL) {
		p = mgen_program_pick(prog, MGEN_COMMENT_PREDICTOR, err);
		if (p < 0)
			rc = MGEN_EINVAL;
	}
	if (rc == 0 && prog != NULL)
		rc = mgen_program_fit(prog, (size_t)p, &cp->sig, &cp->demos,
				      &cp->ndemos, err);
	if (rc != 0) {
		mgen_comment_program_free(cp);
		return rc;
	}
	*out = cp;
	return 0;
}

int mgen_comment_program_new(mgen_comment_program **out, mgen_err *err)
{
	return mgen_comment_program_from(NULL, out, err);
}

int mgen_comment_program_load(const char *path, mgen_comment_program **out,
			      mgen_err *err)
{
	mgen_program *prog = NULL;
	int rc;

	*out = NULL;
	rc = mgen_program_read(path, NULL, &prog, err);
	if (rc == 0) {
		mgen_err fe = MGEN_ERR_INIT; /* to name the file */

		rc = mgen_comment_program_from(prog, out, &fe);
		if (rc != 0)
			mgen_err_set(err, rc, "%s: %s", path, fe.msg);
	}
	mgen_program_free(prog);
	return rc;
}

const mgen_signature *
mgen_comment_program_signature(const mgen_comment_program *cp)
{
	return cp->sig;
}

size_t mgen_comment_program_demo_count(const mgen_comment_program *cp)
{
	return cp->ndemos;
}

const mgen_example *const *
mgen_comment_program_demos(const mgen_comment_program *cp)
{
	return (const mgen_example *const *)cp->demos;
}

/* {abbr: expansion} of `l` as JSON text (caller frees). */
static char *abbrev_json(const mgen_kvlist *l)
{
	cJSON *o = cJSON_CreateObject();
	char *text = NULL;
	size_t i;

	for (i = 0; o && l && i < l->n; i++)
		if (cJSON_AddStringToObject(o, l->items[i].key,
					    l->items[i].value) == NULL)
			goto done;
	if (o)
		text = mgen__json_print(o);
done:
	cJSON_Delete(o);
	return text;
}

/* Splits the profile JSON into table_data (without column_metadata) and
 * the column_metadata object; sets both on `ex`. */
static int set_profile(mgen_example *ex, const char *profile, mgen_err *err)
{
	cJSON *root = cJSON_Parse(profile), *meta;
	char *data = NULL, *mtext = NULL;
	int rc = MGEN_ENOMEM;

	if (root == NULL)
		goto done;
	meta = cJSON_DetachItemFromObjectCaseSensitive(root, "column_metadata");
	if (meta == NULL)
		meta = cJSON_CreateObject();
	/* avg_length is a mean (a float): spelled as Python prints it */
	mtext = meta && mgen__json_py_floats(meta, "avg_length") == 0
		    ? mgen__json_print(meta)
		    : NULL;
	cJSON_Delete(meta);
	data = mgen__json_print(root);
	if (data == NULL || mtext == NULL)
		goto done;
	rc = mgen_example_set_json(ex, "table_data", data, err);
	if (rc == 0)
		rc = mgen_example_set_json(ex, "column_metadata", mtext, err);
done:
	cJSON_Delete(root);
	free(data);
	free(mtext);
	return rc;
}

int mgen_comment_inputs(const mgen_table *t, const size_t *cols, size_t ncols,
			const mgen_prompt_options *opts, size_t max_rows,
			mgen_example **out, mgen_err *err)
{
	mgen_example *ex = NULL;
	char *fullname = mgen_table_fullname(t), *profile = NULL;
	char *abbr = abbrev_json(opts->abbreviations);
	int rc = MGEN_ENOMEM;

	*out = NULL;
	profile = mgen_prompt_profile_json(t, cols, ncols, opts,
					   opts->allow_data ? max_rows : 0);
	if (fullname == NULL || abbr == NULL || profile == NULL ||
	    mgen_example_new(&ex) != 0)
		goto done;
	rc = mgen_example_set_str(ex, "table_name", fullname);
	if (rc == 0)
		rc = set_profile(ex, profile, err);
	if (rc == 0)
		rc = mgen_example_set_json(ex, "abbreviations", abbr, err);
	if (rc == 0)
		rc = mgen_example_set_str(ex, "context",
					  opts->context ? opts->context : "");
done:
	if (rc == MGEN_ENOMEM)
		mgen_err_set(err, rc, "out of memory");
	if (rc == 0)
		*out = ex;
	else
		mgen_example_free(ex);
	free(fullname);
	free(profile);
	free(abbr);
	return rc;
}

int mgen_comment_program_render(const mgen_comment_program *cp,
				const mgen_example *inputs, int json_adapter,
				mgen_sig_messages *out, mgen_err *err)
{
	char *rf = NULL;
	int rc = mgen_comment_program_request(cp, inputs, json_adapter, out,
					      &rf, err);

	free(rf);
	return rc;
}

int mgen_comment_program_request(const mgen_comment_program *cp,
				 const mgen_example *inputs, int json_adapter,
				 mgen_sig_messages *out, char **response_format,
				 mgen_err *err)
{
	return mgen_adapter_request(cp->sig, mgen_comment_program_demos(cp),
				    cp->ndemos, inputs, json_adapter, out,
				    response_format, err);
}

int mgen_comment_program_parse(const mgen_comment_program *cp,
			       const char *answer, int json_adapter, char **out,
			       mgen_err *err)
{
	mgen_example *ex = NULL;
	mgen_err perr = MGEN_ERR_INIT;
	mgen_answer a;
	int rc;

	*out = NULL;
	if (answer == NULL)
		answer = "";
	rc = json_adapter
		 ? mgen_json_adapter_parse(cp->sig, answer, &ex, &perr)
		 : mgen_chat_adapter_parse(cp->sig, answer, &ex, &perr);
	if (rc == 0) {
		rc = mgen_example_get_json(ex, "comments", out);
		mgen_example_free(ex);
		return rc == 0
			   ? 0
			   : mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	if (rc == MGEN_ENOMEM)
		return mgen_err_set(err, rc, "out of memory");
	/* the bare answer object, without the field markers */
	memset(&a, 0, sizeof(a));
	if (mgen_answer_parse(answer, 0, &a, NULL) == 0 && a.n > 0) {
		mgen_answer_release(&a);
		*out = mgen__strdup(answer);
		return *out ? 0
			    : mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	mgen_answer_release(&a);
	return mgen_err_set(err, MGEN_EPARSE, "%s", perr.msg);
}
