/*
 * untrusted.c - mends warehouse text that is not UTF-8 (untrusted.h).
 */
#include <stdio.h>

#include "warehouse/untrusted.h"
#include "metagen/buf.h"
#include "metagen/metagen.h"
#include "util/text.h"

/* Mends *s; adds 1 to *fixed when it changed. -1 on out of memory. */
static int mend(char **s, unsigned *fixed)
{
	size_t n = mgen__utf8_fix(s);

	if (n == (size_t)-1)
		return -1;
	if (n > 0)
		*fixed = 1;
	return 0;
}

int mgen__untrusted_names(mgen_table *t, char *why, size_t whysz)
{
	unsigned bad = 0;

	if (mend(&t->catalog, &bad) || mend(&t->schema, &bad) ||
	    mend(&t->name, &bad))
		return -1;
	if (!bad)
		return 0;
	snprintf(why, whysz,
		 "table name is not valid UTF-8 (shown with U+FFFD); it "
		 "cannot be profiled or commented under another name");
	return 1;
}

/* Mends one column; a mended name fails the column. */
static int mend_column(mgen_table *t, size_t ci)
{
	mgen_column *c = &t->columns[ci];
	unsigned name_bad = 0, fixed = 0;
	size_t r;

	if (mend(&c->name, &name_bad) || mend(&c->data_type, &fixed) ||
	    mend(&c->existing_comment, &fixed) || mend(&c->min_value, &fixed) ||
	    mend(&c->max_value, &fixed))
		return MGEN_ENOMEM;
	for (r = 0; t->sample && r < t->sample_row_count; r++)
		if (mend(&t->sample[r * t->column_count + ci], &fixed))
			return MGEN_ENOMEM;
	c->text_fixed |= fixed;
	if (name_bad)
		return mgen_proposal_set(&c->proposal, NULL, MGEN_PATH_NONE,
					 MGEN_STATUS_FAILED,
					 "column name is not valid UTF-8 "
					 "(shown with U+FFFD); it cannot be "
					 "commented under another name");
	return 0;
}

int mgen__untrusted_profile(mgen_table *t)
{
	unsigned fixed = 0;
	size_t i;
	int rc;

	if (mend(&t->existing_comment, &fixed))
		return MGEN_ENOMEM;
	t->text_fixed |= fixed;
	/* names the columns and quotes the engine's error: both outside */
	if (mend(&t->profile_note, &fixed))
		return MGEN_ENOMEM;
	for (i = 0; i < t->column_count; i++) {
		rc = mend_column(t, i);
		if (rc)
			return rc;
	}
	return 0;
}

char *mgen__join_reason(const char *reason, const char *note)
{
	mgen_buf b = MGEN_BUF_INIT;

	if (reason && reason[0])
		mgen_buf_printf(&b, "%s; ", reason);
	mgen_buf_puts(&b, note);
	return mgen_buf_detach(&b);
}
