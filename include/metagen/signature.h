/*
 * signature.h - the DSPy-style core of the optimized path: signatures,
 * examples (demos and inputs), and the two adapters that turn a signature,
 * its demos and the inputs into chat messages and parse the LM's answer
 * back (DESIGN.md glossary: signature, demo, adapter).
 *
 * Behaviour mirrors DSPy 3.x (stanfordnlp/dspy, read at 3.0-3.3; see
 * docs/reference/dspy.md):
 *   - signatures: dspy/signatures/signature.py (infer_prefix, default
 *     instructions, string form), field.py (desc / prefix defaults);
 *   - ChatAdapter: dspy/adapters/chat_adapter.py + base.py (format,
 *     format_demos, format_field_description, format_field_structure,
 *     format_task_description, format_user_message_content,
 *     format_assistant_message_content, parse);
 *   - value formatting and typed parsing: dspy/adapters/utils.py
 *     (format_field_value, translate_field_type, parse_value,
 *     get_field_description_string);
 *   - JSONAdapter: dspy/adapters/json_adapter.py.
 * Rendering is byte-identical to DSPy for the types listed under "Types";
 * the places where we deliberately differ are marked "Deviation".
 *
 * Ownership follows metagen.h: constructors deliver through `**out`
 * (set to NULL first), destructors accept NULL, returned pointers are
 * borrowed from the object they came from and live until it is changed
 * or freed. Every string argument is copied. No cJSON type crosses this
 * header: values go in and out as JSON text or plain strings.
 *
 * Types: a field's type is kept as DSPy prints it (get_annotation_name):
 * "str" (the default), "int", "float", "bool", "list[str]",
 * "dict[str, Any]", "list[dict[str, Any]]", "Literal['a', 'b']", ... The
 * type text given is normalised: spaces dropped except one after each
 * comma, and the typing aliases List/Dict/Set/Tuple written as
 * list/dict/set/tuple. Known names (str, int, float, bool, Any, list,
 * dict, set, tuple, Optional, Union, Literal) drive the output notes, the
 * JSON schemas and typed parsing; any other name (a pydantic model in
 * DSPy) is rendered by name and parsed as free JSON.
 */
#ifndef METAGEN_SIGNATURE_H
#define METAGEN_SIGNATURE_H

#include <stddef.h>

#include "lm.h"
#include "metagen.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Signatures                                                          */
/* ------------------------------------------------------------------ */

/*
 * A signature: ordered input fields, then ordered output fields, plus
 * instructions. Field names are Python identifiers, unique across inputs
 * and outputs.
 */
typedef struct mgen_signature mgen_signature;

/* A borrowed view of one field (mgen_signature_field). */
typedef struct mgen_sig_field {
	const char *name;
	const char *type;   /* as DSPy prints it, e.g. "list[str]" */
	const char *desc;   /* "${name}" when none was given */
	const char *prefix; /* infer_prefix(name) + ":" when none given */
	int is_output;	    /* 0 input, 1 output */
} mgen_sig_field;

/* An empty signature (no fields, default instructions) for the builder
 * functions below. Returns 0 or MGEN_ENOMEM. */
int mgen_signature_new(mgen_signature **out);

/*
 * Parses DSPy's string form "context, question: str -> answer: int":
 * exactly one "->", comma-separated fields on each side (either side may
 * be empty, as in DSPy), each "name" or "name: type"; whitespace anywhere
 * between tokens; commas inside brackets or quotes belong to the type.
 * `instructions` may be NULL (default instructions). Fields get the
 * default desc and prefix.
 * Returns 0, MGEN_ENOMEM, or MGEN_EINVAL with a message that quotes the
 * spec and gives the 1-based column of the problem ("signature \"a b ->
 * c\": bad field name \"a b\" at column 1").
 */
int mgen_signature_parse(const char *spec, const char *instructions,
			 mgen_signature **out, mgen_err *err);

/*
 * Appends an input (or output) field. `type` NULL or "" = "str"; `desc`
 * NULL = "${name}"; `prefix` NULL = mgen_signature_infer_prefix(name) +
 * ":" (DSPy's defaults). When the instructions were never set, they are
 * recomputed as the default for the new field list.
 * Returns 0, MGEN_ENOMEM, or MGEN_EINVAL (name not an identifier,
 * duplicate name, unbalanced brackets in the type).
 */
int mgen_signature_add_input(mgen_signature *sig, const char *name,
			     const char *type, const char *desc,
			     const char *prefix, mgen_err *err);
int mgen_signature_add_output(mgen_signature *sig, const char *name,
			      const char *type, const char *desc,
			      const char *prefix, mgen_err *err);

/*
 * Sets the instructions, stored cleandoc'ed (Python inspect.cleandoc:
 * tabs expanded to 8 columns, the first line's leading blanks and the
 * common indentation of the other lines removed, leading and trailing
 * empty lines dropped). NULL restores the default instructions
 * "Given the fields `a`, `b`, produce the fields `c`." (which then follow
 * later field additions). Returns 0 or MGEN_ENOMEM.
 */
int mgen_signature_set_instructions(mgen_signature *sig, const char *text);

/* The instructions (borrowed; never NULL). */
const char *mgen_signature_instructions(const mgen_signature *sig);

/* Field counts. Fields are numbered inputs first: 0..n_inputs-1, then
 * the outputs n_inputs..n_fields-1. */
size_t mgen_signature_n_inputs(const mgen_signature *sig);
size_t mgen_signature_n_outputs(const mgen_signature *sig);
size_t mgen_signature_n_fields(const mgen_signature *sig);

/* Fills `out` with a borrowed view of field `i` (numbering above).
 * Returns 0 or MGEN_EINVAL when i is out of range. */
int mgen_signature_field(const mgen_signature *sig, size_t i,
			 mgen_sig_field *out);

/* Position of the field called `name`, or -1. */
long mgen_signature_find(const mgen_signature *sig, const char *name);

/*
 * Replace field i's desc or prefix (the saved-program loader overlays
 * saved fields BY POSITION, dspy.md "Load"). NULL restores the default.
 * Returns 0, MGEN_ENOMEM, or MGEN_EINVAL (i out of range).
 */
int mgen_signature_set_field_desc(mgen_signature *sig, size_t i,
				  const char *desc);
int mgen_signature_set_field_prefix(mgen_signature *sig, size_t i,
				    const char *prefix);

/* A deep copy. Returns 0 or MGEN_ENOMEM. */
int mgen_signature_copy(const mgen_signature *sig, mgen_signature **out);

/*
 * dspy.ChainOfThought's signature (dspy/predict/chain_of_thought.py,
 * 2.5-3.1): a copy of `sig` with the output `reasoning` (type str, desc
 * "${reasoning}", prefix "Reasoning: Let's think step by step in order
 * to") inserted before the other outputs. The instructions text is kept
 * as it is now (a default stays the same words, but no longer follows
 * field changes). Returns 0, MGEN_ENOMEM, or MGEN_EINVAL when `sig`
 * already has a field called reasoning.
 */
int mgen_signature_chain_of_thought(const mgen_signature *sig,
				    mgen_signature **out, mgen_err *err);

/* The string form "a, b: int -> c: list[str]" (": str" left out).
 * Caller frees *out. Returns 0 or MGEN_ENOMEM. */
int mgen_signature_to_string(const mgen_signature *sig, char **out);

/* Frees the signature. NULL is harmless. */
void mgen_signature_free(mgen_signature *sig);

/*
 * DSPy's infer_prefix(name) (signature.py), without the ":": camelCase,
 * digits and underscores split into words, each word title-cased unless
 * it is all capitals: "question" -> "Question", "table_name" -> "Table
 * Name", "camelCaseText" -> "Camel Case Text", "text2number" -> "Text 2
 * Number", "HTMLParser" -> "HTML Parser". ASCII letters only are cased.
 * Caller frees *out. Returns 0 or MGEN_ENOMEM.
 */
int mgen_signature_infer_prefix(const char *name, char **out);

/* ------------------------------------------------------------------ */
/* Examples: inputs, demos, predictions                                */
/* ------------------------------------------------------------------ */

/*
 * An example: an ordered map from field name to a JSON value (DSPy's
 * dspy.Example), plus DSPy's `augmented` flag (true for bootstrapped
 * demos). Keys that are not fields of a signature (dspy_uuid,
 * dspy_split, ...) are kept and ignored by the adapters. Numbers keep
 * their JSON spelling, so 1 and 1.0 render as Python's 1 and 1.0.
 */
typedef struct mgen_example mgen_example;

/* An empty example. Returns 0 or MGEN_ENOMEM. */
int mgen_example_new(mgen_example **out);

/*
 * An example from JSON object text, keys in order. The key "augmented"
 * (a JSON boolean) sets the flag instead of becoming a value, as in
 * DSPy's saved demos. Returns 0, MGEN_ENOMEM, or MGEN_EPARSE (not JSON,
 * or not an object; duplicate keys: the last one wins).
 */
int mgen_example_from_json(const char *json, mgen_example **out, mgen_err *err);

/* Sets `name` to the string `value` (copied; replaces an existing value
 * in place, else appends). Returns 0, MGEN_ENOMEM or MGEN_EINVAL (NULL
 * name or value). */
int mgen_example_set_str(mgen_example *ex, const char *name, const char *value);

/* Sets `name` to the JSON value in `json` (any JSON: "null", "1.0",
 * "[\"a\"]", ...). Returns 0, MGEN_ENOMEM or MGEN_EPARSE. */
int mgen_example_set_json(mgen_example *ex, const char *name, const char *json,
			  mgen_err *err);

/* Removes `name`. Returns 0 or MGEN_ENOTFOUND. */
int mgen_example_remove(mgen_example *ex, const char *name);

/* 1 when `name` is present (a JSON null counts as present). */
int mgen_example_has(const mgen_example *ex, const char *name);

/* The value of `name` when it is a JSON string (borrowed), else NULL. */
const char *mgen_example_get_str(const mgen_example *ex, const char *name);

/* The value of `name` as compact JSON text (", " and ": " separators,
 * non-ASCII kept, Python json.dumps style). Caller frees *out. Returns 0,
 * MGEN_ENOTFOUND or MGEN_ENOMEM. */
int mgen_example_get_json(const mgen_example *ex, const char *name, char **out);

/* Number of keys and the i-th key in order (borrowed; NULL when out of
 * range). */
size_t mgen_example_count(const mgen_example *ex);
const char *mgen_example_key(const mgen_example *ex, size_t i);

/* DSPy's `augmented` flag. */
void mgen_example_set_augmented(mgen_example *ex, int augmented);
int mgen_example_augmented(const mgen_example *ex);

/* The example as one JSON object text: {"augmented": true, ...} first
 * when the flag is set, then the keys in order (saved-program demos,
 * dspy.md). Caller frees *out. Returns 0 or MGEN_ENOMEM. */
int mgen_example_to_json(const mgen_example *ex, char **out);

/* A deep copy. Returns 0 or MGEN_ENOMEM. */
int mgen_example_copy(const mgen_example *ex, mgen_example **out);

/* Frees the example. NULL is harmless. */
void mgen_example_free(mgen_example *ex);

/* ------------------------------------------------------------------ */
/* Rendered messages                                                   */
/* ------------------------------------------------------------------ */

/*
 * The messages an adapter renders, ready for mgen_lm_chat(m.msgs, m.n):
 * msgs[i].role is a static string ("system", "user", "assistant");
 * msgs[i].content is owned by this struct. Release with
 * mgen_sig_messages_release.
 */
typedef struct mgen_sig_messages {
	mgen_message *msgs;
	size_t n;
} mgen_sig_messages;

#define MGEN_SIG_MESSAGES_INIT                                                 \
	{                                                                      \
		NULL, 0                                                        \
	}

/* Frees the contents and zeroes the struct. NULL is harmless. */
void mgen_sig_messages_release(mgen_sig_messages *m);

/* ------------------------------------------------------------------ */
/* ChatAdapter                                                         */
/* ------------------------------------------------------------------ */

/*
 * DSPy 3.x ChatAdapter.format(signature, demos, inputs): one system
 * message (field description, "\n", field structure with the
 * "[[ ## name ## ]]" markers and the output type notes, "\n", task
 * description with the instructions), then a user/assistant pair per
 * demo, then the user message with `inputs` and the "Respond with the
 * corresponding output fields, ..." request. Demos with every field
 * present and non-null are complete; demos with at least one input and
 * one output but not complete are rendered first, prefixed "This is an
 * example of the task, though some input or output fields are not
 * supplied.", missing outputs shown as "Not supplied for this particular
 * example. "; other demos are skipped. Input fields missing from
 * `inputs` are left out, as in DSPy.
 * Values: strings raw; a list given to a "str" field as DSPy's numbered
 * "[1] «a»" blobs; other lists/objects as json.dumps(ensure_ascii=False)
 * ("[\"a\", \"b\"]"); numbers, true/false/null as Python str() (1, 0.9,
 * True, None).
 * `demos` may be NULL when ndemos is 0 (NULL entries are skipped);
 * `inputs` NULL renders no input values. `out` is filled on success and
 * left empty on failure. Returns 0, MGEN_ENOMEM or MGEN_ELIMIT (a message
 * over the buffer bound).
 */
int mgen_chat_adapter_render(const mgen_signature *sig,
			     const mgen_example *const *demos, size_t ndemos,
			     const mgen_example *inputs, mgen_sig_messages *out,
			     mgen_err *err);

/*
 * DSPy 3.x ChatAdapter.parse(signature, completion): the answer is split
 * into lines (Python str.splitlines); a line that, stripped, starts with
 * "[[ ## name ## ]]" opens section `name`, and the rest of that line
 * starts its text; each section's lines are joined with "\n" and
 * stripped; the first section of each output field wins; sections that
 * are not output fields ("completed", inputs, unknown names) are
 * ignored. Typed outputs are parsed like DSPy's parse_value: the text as
 * JSON, else as a Python literal ('single' quotes, True/False/None),
 * then checked against the type (int, float, bool, list[...],
 * dict[...], Literal[...]); "str" outputs keep the text.
 * Deviation: DSPy slices the unstripped line at the stripped line's match
 * end, which garbles indented headers; we take the rest of the stripped
 * line.
 * On success *out holds every output field in signature order (caller
 * frees). Returns 0, MGEN_ENOMEM, or MGEN_EPARSE with one line, e.g.
 * "chat adapter: expected output fields [reasoning, answer], parsed
 * [reasoning]" or "chat adapter: field `n` (int): \"many\" is not a
 * valid int".
 */
int mgen_chat_adapter_parse(const mgen_signature *sig, const char *answer,
			    mgen_example **out, mgen_err *err);

/* ------------------------------------------------------------------ */
/* JSONAdapter                                                         */
/* ------------------------------------------------------------------ */

/*
 * DSPy 3.x JSONAdapter.format: the same system/user/assistant layout as
 * the ChatAdapter, but the field structure reads "Inputs will have the
 * following structure:", the input markers, "Outputs will be a JSON
 * object with the following fields." and an indent-2 JSON object of
 * "{name}" placeholders (with the type notes); demo assistant messages
 * are the outputs as indent-2 JSON (ensure_ascii=False, as in DSPy 3.x
 * main; some earlier 3.x releases escaped non-ASCII here); the final
 * user message ends "Respond with a JSON object in the following order
 * of fields: `a`, then `b`." with the same type notes as the chat
 * adapter. Same arguments, ownership and errors as
 * mgen_chat_adapter_render.
 */
int mgen_json_adapter_render(const mgen_signature *sig,
			     const mgen_example *const *demos, size_t ndemos,
			     const mgen_example *inputs, mgen_sig_messages *out,
			     mgen_err *err);

/*
 * DSPy 3.x JSONAdapter.parse: the whole answer as a JSON object, else the
 * first balanced {...} in it that parses as an object (braces inside JSON
 * strings do not count; DSPy's regex ignores strings). Keys that are not
 * output fields are dropped; values are converted with the same typed
 * rules as the chat adapter (a "str" output given a number or boolean
 * gets Python's str(): 5 -> "5", true -> "True"; given a list or object,
 * its compact JSON text - Deviation: DSPy gives Python's repr).
 * Returns 0, MGEN_ENOMEM, or MGEN_EPARSE ("json adapter: no JSON object
 * in the answer", "json adapter: expected output fields [a, b], parsed
 * [a]", or a typed-value message as above).
 */
int mgen_json_adapter_parse(const mgen_signature *sig, const char *answer,
			    mgen_example **out, mgen_err *err);

/*
 * The response_format JSON text DSPy's JSONAdapter sends
 * (_get_structured_outputs_response_format + LiteLLM's conversion):
 * {"type": "json_schema", "json_schema": {"name": "DSPyProgramOutputs",
 * "strict": true, "schema": {...}}} where the schema is an object with
 * one property per output field (pydantic-style "title" and type
 * schema), every property required and additionalProperties false at
 * every object level. When an output is an open-ended dict (dict[...]),
 * which strict schemas cannot express, it is {"type": "json_object"}
 * instead, as in DSPy 3.x. Caller frees *out. Returns 0 or MGEN_ENOMEM.
 */
int mgen_json_adapter_response_format(const mgen_signature *sig, char **out,
				      mgen_err *err);

/*
 * The request of one Predict call, built in one place for every caller
 * (optimize, evaluate, generate's optimized path): *msgs as
 * mgen_chat_adapter_render (json 0) or mgen_json_adapter_render (json 1)
 * gives them, and *response_format NULL for the ChatAdapter, else
 * mgen_json_adapter_response_format's text (caller frees). On error
 * *msgs is released and *response_format NULL. Errors as the renderers.
 */
int mgen_adapter_request(const mgen_signature *sig,
			 const mgen_example *const *demos, size_t ndemos,
			 const mgen_example *inputs, int json,
			 mgen_sig_messages *msgs, char **response_format,
			 mgen_err *err);

#ifdef __cplusplus
}
#endif

#endif
