/*
 * comment_program.c - the optimized path's comment program: its DSPy
 * signature and default instructions, loading a saved program file onto
 * it, building the inputs of one chunk of a profiled table, and
 * rendering/parsing a call through the DSPy adapters
 * (include/metagen/comment_program.h).
 */
#include <stdlib.h>
#include <string.h>

#include "comment/comment_knn.h"
#include "metagen/answer.h"
#include "metagen/comment_program.h"
#include "util/json.h"
#include "util/util.h"

struct mgen_comment_program {
	mgen_signature *sig;
	mgen_example **demos;
	size_t ndemos;
	mgen_signature *merge_sig; /* the merge predictor */
	mgen_example **merge_demos;
	size_t nmerge;
	mgen__comment_knn knn; /* KNNFewShot: demos chosen per call */
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

/* The merge predictor (the merge call of a table described in column
 * chunks): the chunks' table descriptions -> one description. */
static const char merge_instructions[] =
    "You are a data steward documenting a SQL table for analysts.\n"
    "The table has too many columns for one call, so it was described "
    "in parts: each part saw some of its columns and wrote its own "
    "description of the table (`table_descriptions`).\n"
    "Merge those descriptions into one description of the whole table: "
    "keep every fact the parts agree on or that only one part states, "
    "drop repetition, and where parts contradict each other prefer the "
    "more general statement. Say what the table holds and what one row "
    "stands for, expand the `abbreviations`, and never add data values "
    "or facts the parts do not state. Keep it to one to four "
    "sentences.\n"
    "Answer `table` with the description text only.";

static const field_decl merge_inputs[] = {
    {"table_name", "str", "fully qualified name catalog.schema.table"},
    {"table_descriptions", "list[str]",
     "descriptions of the table, each written from a part of its "
     "columns"},
    {"abbreviations", "dict[str, str]",
     "abbreviation -> expansion used in this warehouse's names"},
};

static const field_decl merge_output = {"table", "str",
					"one description of the whole table"};

/* A signature of `n` inputs, one output and `instructions`. */
static int build_signature(const field_decl *in, size_t n,
			   const field_decl *output, const char *instructions,
			   mgen_signature **out, mgen_err *err)
{
	mgen_signature *sig = NULL;
	size_t i;
	int rc;

	*out = NULL;
	rc = mgen_signature_new(&sig);
	for (i = 0; rc == 0 && i < n; i++)
		rc = mgen_signature_add_input(sig, in[i].name, in[i].type,
					      in[i].desc, NULL, err);
	if (rc == 0)
		rc = mgen_signature_add_output(sig, output->name, output->type,
					       output->desc, NULL, err);
	if (rc == 0)
		rc = mgen_signature_set_instructions(sig, instructions);
	if (rc != 0) {
		mgen_signature_free(sig);
		if (rc == MGEN_ENOMEM)
			mgen_err_set(err, rc, "out of memory");
		return rc;
	}
	*out = sig;
	return 0;
}

int mgen_comment_signature(mgen_signature **out, mgen_err *err)
{
	return build_signature(
	    comment_inputs, sizeof(comment_inputs) / sizeof(comment_inputs[0]),
	    &comment_output, comment_instructions, out, err);
}

int mgen_merge_signature(mgen_signature **out, mgen_err *err)
{
	return build_signature(merge_inputs,
			       sizeof(merge_inputs) / sizeof(merge_inputs[0]),
			       &merge_output, merge_instructions, out, err);
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
	sig = NULL;
	if (rc == 0)
		rc = mgen_merge_signature(&sig, err);
	if (rc == 0)
		rc = mgen_program_add_signature(prog, MGEN_MERGE_PREDICTOR, sig,
						err);
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
	mgen__comment_knn_release(&cp->knn);
	mgen_signature_free(cp->sig);
	mgen_program_demos_free(cp->merge_demos, cp->nmerge);
	mgen_signature_free(cp->merge_sig);
	free(cp);
}

/* 1 when predictor `i` of `prog` is the merge predictor: "merge", or
 * "merge.predict" (a ChainOfThought attribute `merge`). */
static int is_merge(const mgen_program *prog, size_t i)
{
	const char *n = mgen_program_name(prog, i);

	return strcmp(n, MGEN_MERGE_PREDICTOR) == 0 ||
	       strcmp(n, MGEN_MERGE_PREDICTOR ".predict") == 0;
}

/* The comment predictor of `prog`: "comment", else the only predictor
 * that is not the merge predictor (mgen_program_pick's rule with the
 * merge predictor set aside). -1 with MGEN_EINVAL naming them. */
static long pick_comment(const mgen_program *prog, mgen_err *err)
{
	size_t i, n = mgen_program_count(prog), others = 0;
	long p = mgen_program_find(prog, MGEN_COMMENT_PREDICTOR);

	if (p >= 0)
		return p;
	for (i = 0; i < n; i++)
		if (!is_merge(prog, i)) {
			others++;
			p = (long)i;
		}
	if (others == 1)
		return p;
	if (others == 0 && n > 0) {
		mgen_err_set(err, MGEN_EINVAL,
			     "the program has only the merge predictor "
			     "'%s': no comment predictor",
			     mgen_program_name(prog, 0));
		return -1;
	}
	return mgen_program_pick(prog, MGEN_COMMENT_PREDICTOR, err);
}

/* The merge predictor of `prog`, if any, fitted onto cp->merge_sig; a
 * file without one keeps the defaults. */
static int fit_merge(const mgen_program *prog, mgen_comment_program *cp,
		     mgen_err *err)
{
	size_t i, n = mgen_program_count(prog);

	for (i = 0; i < n; i++)
		if (is_merge(prog, i))
			return mgen_program_fit(prog, i, &cp->merge_sig,
						&cp->merge_demos, &cp->nmerge,
						err);
	return 0;
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
	if (rc == 0)
		rc = mgen_merge_signature(&cp->merge_sig, err);
	if (rc == 0 && prog != NULL) {
		p = pick_comment(prog, err);
		if (p < 0)
			rc = MGEN_EINVAL;
	}
	if (rc == 0 && prog != NULL)
		rc = mgen_program_fit(prog, (size_t)p, &cp->sig, &cp->demos,
				      &cp->ndemos, err);
	if (rc == 0 && prog != NULL)
		rc = fit_merge(prog, cp, err);
	if (rc == 0 && prog != NULL)
		rc = mgen__comment_knn_load(prog, (size_t)p, cp->sig, &cp->knn,
					    err);
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

const mgen_signature *
mgen_comment_program_merge(const mgen_comment_program *cp,
			   const mgen_example *const **demos, size_t *ndemos)
{
	if (demos)
		*demos = (const mgen_example *const *)cp->merge_demos;
	if (ndemos)
		*ndemos = cp->nmerge;
	return cp->merge_sig;
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

/* The end of an inputs builder: on success *out = ex, else ex freed
 * (an out-of-memory message set). Returns rc. */
static int hand_over(int rc, mgen_example *ex, mgen_example **out,
		     mgen_err *err)
{
	if (rc == MGEN_ENOMEM)
		mgen_err_set(err, rc, "out of memory");
	if (rc == 0)
		*out = ex;
	else
		mgen_example_free(ex);
	return rc;
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
	rc = hand_over(rc, ex, out, err);
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
	const mgen_example *knn[MGEN_KNN_MAX_K];
	const mgen_example *const *demos = knn;
	size_t n = 0;
	int rc =
	    mgen_comment_program_demos_for(cp, inputs, &demos, &n, knn, err);

	return rc ? rc
		  : mgen_adapter_request(cp->sig, demos, n, inputs,
					 json_adapter, out, response_format,
					 err);
}

int mgen_comment_program_demos_for(const mgen_comment_program *cp,
				   const mgen_example *inputs,
				   const mgen_example *const **demos, size_t *n,
				   const mgen_example **room, mgen_err *err)
{
	if (cp->knn.knn == NULL) {
		*demos = mgen_comment_program_demos(cp);
		*n = cp->ndemos;
		return 0;
	}
	*demos = room;
	return mgen__comment_knn_demos(&cp->knn, inputs, room, n, err);
}

long long mgen_comment_program_knn(const mgen_comment_program *cp)
{
	return cp->knn.knn ? (long long)mgen_knn_k(cp->knn.knn) : 0;
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

int mgen_merge_inputs(const char *table_name, const char *const *parts,
		      size_t nparts, const mgen_kvlist *abbreviations,
		      mgen_example **out, mgen_err *err)
{
	mgen_example *ex = NULL;
	cJSON *arr = cJSON_CreateArray();
	char *descs = NULL, *abbr = abbrev_json(abbreviations);
	size_t i;
	int rc = MGEN_ENOMEM;

	*out = NULL;
	for (i = 0; arr && i < nparts; i++) {
		cJSON *s = cJSON_CreateString(parts[i] ? parts[i] : "");
		if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			goto done;
		}
	}
	descs = arr ? mgen__json_print(arr) : NULL;
	if (descs == NULL || abbr == NULL || mgen_example_new(&ex) != 0)
		goto done;
	rc = mgen_example_set_str(ex, "table_name",
				  table_name ? table_name : "");
	if (rc == 0)
		rc =
		    mgen_example_set_json(ex, "table_descriptions", descs, err);
	if (rc == 0)
		rc = mgen_example_set_json(ex, "abbreviations", abbr, err);
done:
	rc = hand_over(rc, ex, out, err);
	cJSON_Delete(arr);
	free(descs);
	free(abbr);
	return rc;
}

int mgen_comment_program_merge_request(const mgen_comment_program *cp,
				       const mgen_example *inputs,
				       int json_adapter, mgen_sig_messages *out,
				       char **response_format, mgen_err *err)
{
	return mgen_adapter_request(
	    cp->merge_sig, (const mgen_example *const *)cp->merge_demos,
	    cp->nmerge, inputs, json_adapter, out, response_format, err);
}

/* The table comment of `s` when it is a dbxmetagen answer object (the
 * legacy merge shape; *is_obj set) with a non-empty "table", else NULL
 * (also on out of memory). */
static char *answer_object_table(const char *s, int *is_obj)
{
	mgen_answer a;
	char *out = NULL;

	*is_obj = 0;
	s += strspn(s, " \t\r\n");
	if (*s != '{')
		return NULL;
	memset(&a, 0, sizeof(a));
	if (mgen_answer_parse(s, 0, &a, NULL) == 0) {
		*is_obj = 1;
		if (a.table_comment && a.table_comment[0])
			out = mgen__strdup(a.table_comment);
	}
	mgen_answer_release(&a);
	return out;
}

char *mgen_merge_table_text(const char *text)
{
	const char *v = text ? text + strspn(text, " \t\r\n") : "";
	int obj;
	char *out = answer_object_table(v, &obj);

	/* an answer object without a table description says nothing */
	return out ? out : mgen__strdup(obj ? "" : v);
}

int mgen_comment_program_merge_parse(const mgen_comment_program *cp,
				     const char *answer, int json_adapter,
				     char **out, mgen_err *err)
{
	mgen_example *ex = NULL;
	mgen_err perr = MGEN_ERR_INIT;
	const char *v = NULL;
	int rc;

	*out = NULL;
	if (answer == NULL)
		answer = "";
	rc = json_adapter
		 ? mgen_json_adapter_parse(cp->merge_sig, answer, &ex, &perr)
		 : mgen_chat_adapter_parse(cp->merge_sig, answer, &ex, &perr);
	if (rc == MGEN_ENOMEM)
		return mgen_err_set(err, rc, "out of memory");
	if (rc == 0) {
		v = mgen_example_get_str(ex, "table");
		*out = mgen_merge_table_text(v);
		mgen_example_free(ex);
		if (*out == NULL)
			return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		if ((*out)[0])
			return 0;
		free(*out);
		*out = NULL;
		return mgen_err_set(err, MGEN_EPARSE,
				    "the merge answer's `table` is empty");
	}
	/* the bare answer object, without the field markers */
	*out = answer_object_table(answer, &rc);
	return *out ? 0 : mgen_err_set(err, MGEN_EPARSE, "%s", perr.msg);
}
