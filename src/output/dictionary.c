/*
 * dictionary.c - dictionary.md: a data dictionary people can read. Per
 * table a heading, the table's comment, then a Markdown (GitHub-flavoured)
 * table of column | type | comment | source | status. The comment shown
 * is the one that is (or will be) in effect: the proposed one when it is
 * proposed or applied, else the existing one (source "existing").
 *
 * Names and comments come from the warehouse and the LM, so they are
 * text, never markup (md_text): '&', '<' and '>' become entities (no raw
 * HTML, no autolinks), the ASCII punctuation CommonMark and GitHub give
 * a meaning inline (\ ` * _ [ ] ! | ~; escaped brackets leave no link
 * or image, CommonMark 0.30 section 2.4) is backslash-escaped, control
 * characters but tab become spaces; at the start of a line '#', '>',
 * '-', '+', '=' and an ordered-list number's '.' or ')' are escaped too and
 * leading blanks dropped, so no line starts a heading, quote, list or code
 * block. Newlines are <br> in table cells, spaces in headings, and kept in the
 * table's comment paragraph.
 */
#include <string.h>

#include "output/output_internal.h"

enum { MD_CELL, MD_LINE, MD_PARA };

/* Escapes what a line start would make a block marker. */
static const char *md_line_start(mgen_buf *out, const char *p)
{
	const char *q = p;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p && strchr("#>-+=", *p)) {
		mgen_buf_putc(out, '\\');
		mgen_buf_putc(out, *p++);
		return p;
	}
	for (q = p; *q >= '0' && *q <= '9'; q++)
		;
	if (q > p && (*q == '.' || *q == ')')) {
		mgen_buf_append(out, p, (size_t)(q - p));
		mgen_buf_putc(out, '\\');
		mgen_buf_putc(out, *q);
		return q + 1;
	}
	return p;
}

/* Appends `s` as Markdown text (see the file comment); `mode` says what
 * a newline becomes. */
static void md_text(mgen_buf *out, const char *s, int mode)
{
	const char *p = s;
	int bol = 1;

	while (p && *p) {
		unsigned char c = (unsigned char)*p;
		if (bol) {
			p = md_line_start(out, p);
			bol = 0;
			continue;
		}
		p++;
		if (c == '&')
			mgen_buf_puts(out, "&amp;");
		else if (c == '<')
			mgen_buf_puts(out, "&lt;");
		else if (c == '>')
			mgen_buf_puts(out, "&gt;");
		else if (c == '\n' && mode == MD_CELL)
			mgen_buf_puts(out, "<br>");
		else if (c == '\n' && mode == MD_PARA) {
			mgen_buf_putc(out, '\n');
			bol = 1;
		} else if (c == '\r')
			continue;
		else if ((c < 0x20 && c != '\t') || c == 0x7F)
			mgen_buf_putc(out, ' ');
		else {
			if (strchr("\\`*_[]!|~", c))
				mgen_buf_putc(out, '\\');
			mgen_buf_putc(out, (char)c);
		}
	}
}

/* Appends `s` escaped for a Markdown table cell; NULL or "" gives " ". */
static void md_cell(mgen_buf *out, const char *s)
{
	mgen_buf_putc(out, ' ');
	md_text(out, s, MD_CELL);
	mgen_buf_puts(out, " |");
}

/* The comment in effect for a proposal and where it came from. */
static const char *md_effective(const mgen_proposal *p, const char *existing,
				const char **source)
{
	if ((p->status == MGEN_STATUS_PROPOSED ||
	     p->status == MGEN_STATUS_APPLIED) &&
	    p->comment) {
		*source = mgen_path_name(p->path);
		return p->comment;
	}
	*source = existing && existing[0] ? "existing" : "";
	return existing;
}

/* Appends a table's comment as a paragraph. */
static void md_paragraph(mgen_buf *out, const char *s)
{
	md_text(out, s, MD_PARA);
	mgen_buf_puts(out, "\n\n");
}

static void md_table(mgen_buf *out, const mgen_table *t)
{
	const char *src, *status;
	const char *cm = md_effective(&t->proposal, t->existing_comment, &src);
	size_t j;

	mgen_buf name = MGEN_BUF_INIT;

	mgen_output__object_name(t, NULL, &name);
	mgen_buf_puts(out, "## ");
	md_text(out, mgen_buf_str(&name), MD_LINE);
	mgen_buf_puts(out, "\n\n");
	mgen_buf_release(&name);
	if (cm && cm[0])
		md_paragraph(out, cm);
	else
		mgen_buf_puts(out, "*No table comment.*\n\n");
	status = mgen_status_name(t->proposal.status);
	if (src[0] || status[0])
		mgen_buf_printf(out, "Source: %s. Status: %s.\n\n",
				src[0] ? src : "none",
				status[0] ? status : "none");
	if (t->column_count == 0)
		return;
	mgen_buf_puts(out, "| Column | Type | Comment | Source | Status |\n"
			   "| --- | --- | --- | --- | --- |\n");
	for (j = 0; j < t->column_count; j++) {
		const mgen_column *c = &t->columns[j];
		cm = md_effective(&c->proposal, c->existing_comment, &src);
		mgen_buf_putc(out, '|');
		md_cell(out, c->name);
		md_cell(out, c->data_type);
		md_cell(out, cm);
		md_cell(out, src);
		md_cell(out, mgen_status_name(c->proposal.status));
		mgen_buf_putc(out, '\n');
	}
	mgen_buf_putc(out, '\n');
}

int mgen_output__dictionary(const mgen_run_info *info, const mgen_table *tables,
			    size_t n, mgen_buf *out)
{
	return mgen_output__dictionary_part(info, tables, n, n, 1, out);
}

int mgen_output__dictionary_part(const mgen_run_info *info,
				 const mgen_table *tables, size_t n,
				 size_t total, int head, mgen_buf *out)
{
	size_t i;

	for (i = 0; !head && i < n; i++)
		md_table(out, &tables[i]);
	if (!head)
		return mgen_buf_error(out);
	mgen_buf_puts(out, "# Data dictionary\n\n");
	if (info && info->run_id) {
		mgen_buf_puts(out, "Generated by metagen, run ");
		mgen_output__one_line(info->run_id, out);
		if (info->dialect) {
			mgen_buf_puts(out, " (");
			mgen_output__one_line(info->dialect, out);
			mgen_buf_putc(out, ')');
		}
		mgen_buf_puts(out, ".\n\n");
	}
	mgen_buf_printf(out, "%zu table%s.\n\n", total, total == 1 ? "" : "s");
	for (i = 0; i < n; i++)
		md_table(out, &tables[i]);
	return mgen_buf_error(out);
}
