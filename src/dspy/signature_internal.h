/*
 * signature_internal.h - internals shared by the signature, example and adapter
 * sources (src/dspy/signature.c, sig_example.c, sig_pyfmt.c, sig_types.c,
 * sig_render.c, chat_adapter.c, json_adapter.c): the struct layouts and
 * the Python-compatible formatting helpers that make rendering
 * byte-identical to DSPy. Not part of the public API.
 */
#ifndef METAGEN_SIG_INTERNAL_H
#define METAGEN_SIG_INTERNAL_H

#include <stddef.h>

#include "metagen/buf.h"
#include "metagen/signature.h"
#include "util/json.h"

typedef struct mgen_sig__rec {
	char *name;
	char *type;
	char *desc;
	char *prefix;
	int is_output;
} mgen_sig__rec;

struct mgen_signature {
	mgen_sig__rec *fields; /* inputs [0, input_count), then outputs
				[input_count, field_count) */
	size_t field_count;
	size_t cap;
	size_t input_count;
	char *instructions; /* cleandoc'ed text, or the default */
	int custom;	    /* 0: instructions follow the field list */
};

struct mgen_example {
	cJSON *obj; /* a cJSON object; number nodes carry their JSON
		       spelling in valuestring (mgen_sig__json_parse) */
	int augmented;
};

/* ---- sig_pyfmt.c: Python text semantics ---- */

/* Bytes of the Python whitespace character at s[0..len) (str.isspace:
 * ASCII blanks, \x1c-\x1f, U+0085, U+00A0, U+1680, U+2000-200A, U+2028,
 * U+2029, U+202F, U+205F, U+3000), or 0. */
size_t mgen_sig__space_at(const char *s, size_t len);
/* Bytes of the Python whitespace character ending at s[len-1], or 0. */
size_t mgen_sig__space_before(const char *s, size_t len);
/* Python str.strip() of s[0..*len): returns the new start, sets *len. */
const char *mgen_sig__strip(const char *s, size_t *len);
/* Strips the buffer's text in place (Python str.strip()). */
void mgen_sig__buf_strip(mgen_buf *b);
/* Strips `part`, appends it to `b` (carrying over its error) and
 * releases `part`. */
void mgen_sig__put_stripped(mgen_buf *b, mgen_buf *part);

/*
 * Python str.splitlines() step: the line starting at `pos` in s[0..len)
 * ends at the returned offset; *next is where the following line starts
 * (len when none). Boundaries: \n \r \r\n \v \f \x1c \x1d \x1e U+0085
 * U+2028 U+2029.
 */
size_t mgen_sig__line_end(const char *s, size_t len, size_t pos, size_t *next);

/* Parses JSON text s[0..len) into *out, tagging each number node with
 * its spelling. Returns 0, MGEN_EPARSE or MGEN_ENOMEM. */
int mgen_sig__json_parse(const char *s, size_t len, cJSON **out);

/* A number node whose spelling is Python's repr of the int or float. */
cJSON *mgen_sig__num_new(double v, int is_float);

/* Python repr(float). */
void mgen_sig__pyfloat(mgen_buf *b, double v);

/* Python json.dumps(v, ensure_ascii=False): indent 0 = one line with ", "
 * and ": "; indent > 0 = that many spaces per level, "," + newline. */
void mgen_sig__pyjson(mgen_buf *b, const cJSON *v, int indent);

/* Python str() of a JSON value: strings raw, numbers by spelling,
 * True/False/None, lists and objects as mgen_sig__pyjson(v, 0). */
void mgen_sig__pystr(mgen_buf *b, const cJSON *v);

/* DSPy format_field_value(field of type `type`, v). */
void mgen_sig__format_value(mgen_buf *b, const char *type, const cJSON *v);

/* ---- sig_types.c: type text ---- */

/* Normalised copy of a type text (see signature.h "Types"); NULL type or
 * "" gives "str". Returns NULL on out of memory or unbalanced brackets
 * (*bad set to 1 then). */
char *mgen_sig__type_norm(const char *type, int *bad);

/* 1 when the type is plain "str". */
int mgen_sig__type_is_str(const char *type);

/* DSPy translate_field_type's note for an output of `type` ("must be a
 * single int value", "must adhere to the JSON schema: {...}", ...), or
 * nothing for str. */
void mgen_sig__type_note(mgen_buf *b, const char *type);

/* The pydantic-style JSON schema of `type`, keys ordered "type" first,
 * then alphabetically (DSPy's move_type_to_front). `title` NULL or the
 * property title to add. NULL on out of memory. */
cJSON *mgen_sig__type_schema(const char *type, const char *title);

/* 1 when the type's outer name is dict (open-ended mapping). */
int mgen_sig__type_is_dict(const char *type);

/*
 * DSPy parse_value: converts the JSON value `v` (consumed) to `type`.
 * A string value for a non-str type is read as JSON, else as a Python
 * literal, else kept. On success *out is the new value; on failure
 * returns MGEN_EPARSE with `why` holding the reason.
 */
int mgen_sig__parse_value(const char *type, cJSON *v, cJSON **out,
			  mgen_buf *why);

/* ---- sig_render.c: the layout both adapters share (base.py) ---- */

typedef struct mgen_sig__adapter {
	const char *name; /* "chat adapter" / "json adapter" */
	/* format_field_structure */
	void (*structure)(mgen_buf *b, const mgen_signature *sig);
	/* user_message_output_requirements */
	void (*requirements)(mgen_buf *b, const mgen_signature *sig);
	/* format_assistant_message_content */
	void (*assistant)(mgen_buf *b, const mgen_signature *sig,
			  const mgen_example *ex, const char *missing);
} mgen_sig__adapter;

int mgen_sig__render(const mgen_sig__adapter *a, const mgen_signature *sig,
		     const mgen_example *const *demos, size_t ndemos,
		     const mgen_example *inputs, mgen_sig_messages *out,
		     mgen_err *err);

/* "[[ ## name ## ]]\n{value}" for fields [from, to) of sig whose values
 * are in `vals` (an object; absent ones use `missing`, or are skipped
 * when missing is NULL), joined by "\n\n" and stripped. */
void mgen_sig__fields_with_values(mgen_buf *b, const mgen_signature *sig,
				  size_t from, size_t to, const cJSON *vals,
				  const char *missing);

/* The placeholder structure values "{name}" + note, as an object. */
cJSON *mgen_sig__structure_values(const mgen_signature *sig, size_t from,
				  size_t to);

/* The output type note for the user request:
 * " (must be formatted as a valid Python int)", or nothing for str. */
void mgen_sig__type_info(mgen_buf *b, const char *type);

/*
 * Finishes a parse: `fields` (consumed) maps names to raw values; output
 * fields are converted with mgen_sig__parse_value and collected in
 * signature order. A missing output is MGEN_EPARSE ("<adapter>: expected
 * output fields [...], parsed [...]").
 */
int mgen_sig__finish_parse(const char *adapter, const mgen_signature *sig,
			   cJSON *fields, mgen_example **out, mgen_err *err);

#endif
