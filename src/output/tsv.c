/*
 * tsv.c - comments.tsv: the reviewer's file. Writing and reading use the
 * text format of PostgreSQL's COPY (docs: "COPY ... File Formats, Text
 * Format"): fields separated by a tab, rows by a newline, and inside a
 * field backslash, tab, newline and carriage return written as \\ \t \n
 * \r. An absent value (NULL) is written as an empty field; when reading,
 * an empty field and COPY's \N both give NULL. A reviewer's file may have
 * CRLF line ends, a UTF-8 byte order mark and blank lines; all are
 * tolerated. Everything else that does not fit is an error naming
 * "FILE:LINE".
 */
#include <stdlib.h>
#include <string.h>

#include "output/output_internal.h"
#include "util/hash.h"
#include "util/util.h"

#define TSV_NFIELDS 10

enum tsv_field {
	F_CATALOG,
	F_SCHEMA,
	F_TABLE,
	F_COLUMN,
	F_TYPE,
	F_EXISTING,
	F_PROPOSED,
	F_PATH,
	F_STATUS,
	F_REASON
};

/* Appends `s` escaped for a COPY text field (NULL appends nothing). */
static void tsv_escape(mgen_buf *out, const char *s)
{
	const char *p, *run;

	if (s == NULL)
		return;
	for (p = run = s; *p; p++) {
		const char *esc = NULL;
		switch (*p) {
		case '\\':
			esc = "\\\\";
			break;
		case '\t':
			esc = "\\t";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		default:
			continue;
		}
		mgen_buf_append(out, run, (size_t)(p - run));
		mgen_buf_puts(out, esc);
		run = p + 1;
	}
	mgen_buf_puts(out, run);
}

/* One row: the first nine fields come from `f`, each escaped. */
static void tsv_row(mgen_buf *out, const char *const f[TSV_NFIELDS])
{
	int i;

	for (i = 0; i < TSV_NFIELDS; i++) {
		if (i)
			mgen_buf_putc(out, '\t');
		tsv_escape(out, f[i]);
	}
	mgen_buf_putc(out, '\n');
}

int mgen_output__tsv(const mgen_table *tables, size_t n, mgen_buf *out)
{
	return mgen_output__tsv_part(tables, n, 1, out);
}

int mgen_output__tsv_part(const mgen_table *tables, size_t n, int head,
			  mgen_buf *out)
{
	size_t i, j;

	if (head)
		mgen_buf_puts(out, MGEN_OUTPUT_TSV_HEADER "\n");
	for (i = 0; i < n; i++) {
		const mgen_table *t = &tables[i];
		const char *f[TSV_NFIELDS] = {
		    t->catalog,
		    t->schema,
		    t->name,
		    NULL,
		    NULL,
		    t->existing_comment,
		    t->proposal.comment,
		    mgen_path_name(t->proposal.path),
		    mgen_status_name(t->proposal.status),
		    t->proposal.reason};
		tsv_row(out, f);
		for (j = 0; j < t->column_count; j++) {
			const mgen_column *c = &t->columns[j];
			f[F_COLUMN] = c->name;
			f[F_TYPE] = c->data_type;
			f[F_EXISTING] = c->existing_comment;
			f[F_PROPOSED] = c->proposal.comment;
			f[F_PATH] = mgen_path_name(c->proposal.path);
			f[F_STATUS] = mgen_status_name(c->proposal.status);
			f[F_REASON] = c->proposal.reason;
			tsv_row(out, f);
		}
	}
	return mgen_buf_error(out);
}

/* --- reading ------------------------------------------------------------ */

typedef struct tsv_reader {
	const char *file;
	size_t line;
	mgen_err *err;
	char *field[TSV_NFIELDS]; /* unescaped; NULL = absent */
	mgen_tsv_row_fn on_row;	  /* optional, after each stored row */
	void *on_row_ud;
	size_t
	    *slot;  /* open-addressing index of the list: item + 1, 0 = free */
	size_t cap; /* slots, a power of two, at most half used */
} tsv_reader;

static int tsv_fail(tsv_reader *r, int code, const char *what)
{
	return mgen_err_set(r->err, code, "%s:%zu: %s", r->file, r->line, what);
}

static void tsv_clear(tsv_reader *r)
{
	int i;

	for (i = 0; i < TSV_NFIELDS; i++) {
		free(r->field[i]);
		r->field[i] = NULL;
	}
}

/* Unescapes s[0..len) into r->field[k]; empty and \N give NULL. */
static int tsv_unescape(tsv_reader *r, int k, const char *s, size_t len)
{
	mgen_buf b = MGEN_BUF_INIT;
	size_t i;

	if (len == 0 || (len == 2 && s[0] == '\\' && s[1] == 'N'))
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];
		if (c == '\\') {
			char e = i + 1 < len ? s[++i] : '\0';
			switch (e) {
			case '\\':
				c = '\\';
				break;
			case 't':
				c = '\t';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			default:
				mgen_buf_release(&b);
				return mgen_err_set(
				    r->err, MGEN_EPARSE,
				    "%s:%zu: bad escape \"\\%c\" in field "
				    "%d (use \\\\ \\t \\n \\r)",
				    r->file, r->line, e ? e : ' ', k + 1);
			}
		}
		mgen_buf_putc(&b, c);
	}
	r->field[k] = mgen_buf_detach(&b);
	return r->field[k] ? 0 : tsv_fail(r, MGEN_ENOMEM, "out of memory");
}

/* Splits one line (no newline) into r->field. */
static int tsv_split(tsv_reader *r, const char *s, size_t len)
{
	size_t start = 0, i, nf = 0;
	int rc;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '\t')
			continue;
		if (nf == TSV_NFIELDS) {
			nf++;
			break;
		}
		rc = tsv_unescape(r, (int)nf, s + start, i - start);
		if (rc)
			return rc;
		nf++;
		start = i + 1;
	}
	if (nf != TSV_NFIELDS) {
		size_t tabs = 0;
		for (i = 0; i < len; i++)
			tabs += s[i] == '\t';
		return mgen_err_set(r->err, MGEN_EPARSE,
				    "%s:%zu: expected %d tab-separated fields, "
				    "found %zu",
				    r->file, r->line, TSV_NFIELDS, tabs + 1);
	}
	return 0;
}

static int same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static uint64_t name_hash(const char *catalog, const char *schema,
			  const char *name)
{
	const char *part[3] = {catalog, schema, name};
	uint64_t h = MGEN_FNV1A64_BASIS;
	size_t i;
	const char *p;

	for (i = 0; i < 3; i++) {
		for (p = part[i] ? part[i] : ""; *p; p++)
			h = mgen__fnv1a64_byte(h, (unsigned char)*p);
		h = mgen__fnv1a64_byte(h,
				       0); /* "ab"+"c" differs from "a"+"bc" */
	}
	return mgen__splitmix64_mix(h);
}

/* The slot of the table named (catalog, schema, name): the one holding it
 * or the free one where it would go. */
static size_t *index_slot(const tsv_reader *r, const mgen_table_list *l,
			  const char *catalog, const char *schema,
			  const char *name)
{
	size_t i = (size_t)name_hash(catalog, schema, name) & (r->cap - 1);

	for (;; i = (i + 1) & (r->cap - 1)) {
		const mgen_table *x;
		if (r->slot[i] == 0)
			return &r->slot[i];
		x = &l->items[r->slot[i] - 1];
		if (same(x->catalog, catalog) && same(x->schema, schema) &&
		    same(x->name, name))
			return &r->slot[i];
	}
}

/* Grows the index so that one more table keeps it at most half full,
 * re-adding every table of `l`. Returns 0 or MGEN_ENOMEM. */
static int index_reserve(tsv_reader *r, const mgen_table_list *l)
{
	size_t cap = r->cap ? r->cap : 64, i;

	while ((l->n + 1) * 2 > cap)
		cap *= 2;
	if (cap == r->cap)
		return 0;
	free(r->slot);
	r->slot = calloc(cap, sizeof(*r->slot));
	r->cap = r->slot ? cap : 0;
	if (r->slot == NULL)
		return MGEN_ENOMEM;
	for (i = 0; i < l->n; i++)
		*index_slot(r, l, l->items[i].catalog, l->items[i].schema,
			    l->items[i].name) = i + 1;
	return 0;
}

/* The table named by the current row, found or appended to `out` (found
 * through a hash index: a 10,000-table file read in linear time). */
static int tsv_table(tsv_reader *r, mgen_table_list *out, mgen_table **t)
{
	size_t *slot;

	if (index_reserve(r, out))
		return tsv_fail(r, MGEN_ENOMEM, "out of memory");
	slot = index_slot(r, out, r->field[F_CATALOG], r->field[F_SCHEMA],
			  r->field[F_TABLE]);
	if (*slot) {
		*t = &out->items[*slot - 1];
		return 0;
	}
	if (r->field[F_TABLE] == NULL)
		return tsv_fail(r, MGEN_EPARSE, "empty table name");
	if (mgen_table_list_push(out, t))
		return tsv_fail(r, MGEN_ENOMEM, "out of memory");
	*slot = out->n;
	(*t)->catalog =
	    mgen__strdup(r->field[F_CATALOG] ? r->field[F_CATALOG] : "");
	(*t)->schema =
	    mgen__strdup(r->field[F_SCHEMA] ? r->field[F_SCHEMA] : "");
	(*t)->name = r->field[F_TABLE];
	r->field[F_TABLE] = NULL;
	if ((*t)->catalog == NULL || (*t)->schema == NULL)
		return tsv_fail(r, MGEN_ENOMEM, "out of memory");
	return 0;
}

/* Moves the proposal fields of the current row into `p`. */
static int tsv_proposal(tsv_reader *r, mgen_proposal *p)
{
	int path =
	    mgen_path_from_name(r->field[F_PATH] ? r->field[F_PATH] : "");
	int status =
	    mgen_status_from_name(r->field[F_STATUS] ? r->field[F_STATUS] : "");

	if (path < 0)
		return tsv_fail(r, MGEN_EPARSE,
				"unknown path (expected optimized, legacy, "
				"offline or empty)");
	if (status < 0)
		return tsv_fail(r, MGEN_EPARSE,
				"unknown status (expected proposed, kept, "
				"failed, applied, skipped or empty)");
	mgen_proposal_release(p);
	p->comment = r->field[F_PROPOSED];
	p->reason = r->field[F_REASON];
	r->field[F_PROPOSED] = r->field[F_REASON] = NULL;
	p->path = (mgen_path)path;
	p->status = (mgen_status)status;
	/* A reviewer blanked the comment: nothing to apply. */
	if (p->status == MGEN_STATUS_PROPOSED && p->comment == NULL)
		p->status = MGEN_STATUS_SKIPPED;
	return 0;
}

/* Stores one split data row into `out`. */
static int tsv_store(tsv_reader *r, mgen_table_list *out)
{
	mgen_table *t;
	mgen_column *c;
	int rc = tsv_table(r, out, &t);

	if (rc)
		return rc;
	if (r->field[F_COLUMN] == NULL) {
		free(t->existing_comment);
		t->existing_comment = r->field[F_EXISTING];
		r->field[F_EXISTING] = NULL;
		c = NULL;
		rc = tsv_proposal(r, &t->proposal);
	} else {
		if (mgen_table_add_column(t, &c))
			return tsv_fail(r, MGEN_ENOMEM, "out of memory");
		c->name = r->field[F_COLUMN];
		c->data_type = r->field[F_TYPE];
		c->existing_comment = r->field[F_EXISTING];
		r->field[F_COLUMN] = r->field[F_TYPE] = NULL;
		r->field[F_EXISTING] = NULL;
		rc = tsv_proposal(r, &c->proposal);
	}
	if (rc == 0 && r->on_row)
		rc = r->on_row(r->on_row_ud, r->file, r->line, t, c, r->err);
	return rc;
}

static int tsv_parse(tsv_reader *r, const char *text, size_t len,
		     mgen_table_list *out)
{
	const char *p = text, *end = text + len;
	int rc = 0;

	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3; /* UTF-8 byte order mark */
	for (r->line = 1; p < end && rc == 0; r->line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t n;

		if (le > p && le[-1] == '\r')
			le--; /* CRLF: a data CR is always escaped */
		n = (size_t)(le - p);
		if (memchr(p, '\0', n))
			rc = tsv_fail(r, MGEN_EPARSE, "NUL byte in line");
		else if (r->line == 1) {
			if (n != strlen(MGEN_OUTPUT_TSV_HEADER) ||
			    memcmp(p, MGEN_OUTPUT_TSV_HEADER, n) != 0)
				rc = tsv_fail(r, MGEN_EPARSE,
					      "expected the header row \""
					      "catalog<TAB>schema<TAB>...\"");
		} else if (n > 0) {
			rc = tsv_split(r, p, n);
			if (rc == 0)
				rc = tsv_store(r, out);
			tsv_clear(r);
		}
		p = nl ? nl + 1 : end;
	}
	if (rc == 0 && r->line == 1)
		rc = mgen_err_set(r->err, MGEN_EPARSE,
				  "%s:1: empty file (no header row)", r->file);
	return rc;
}

int mgen_output_parse_tsv(const char *text, size_t len, const char *name,
			  mgen_table_list *out, mgen_tsv_row_fn on_row,
			  void *userdata, mgen_err *err)
{
	tsv_reader r;
	size_t before = out->n;
	int rc;

	memset(&r, 0, sizeof(r));
	r.file = name ? name : "<tsv>";
	r.err = err;
	r.on_row = on_row;
	r.on_row_ud = userdata;
	rc = tsv_parse(&r, text, len, out);
	tsv_clear(&r);
	free(r.slot);
	if (rc) {
		/* leave the list as it was */
		while (out->n > before)
			mgen_table_release(&out->items[--out->n]);
	}
	return rc;
}

int mgen_output_read_tsv(const char *path, mgen_table_list *out, mgen_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	rc = mgen__read_file(path, &text, &len);
	if (rc)
		return mgen_err_set(err, rc == MGEN_ENOMEM ? rc : MGEN_EIO,
				    "cannot read %s", path);
	rc = mgen_output_parse_tsv(text, len, path, out, NULL, NULL, err);
	free(text);
	return rc;
}
