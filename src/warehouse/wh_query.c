/*
 * wh_query.c - statements with bound parameters for the modules above
 * the warehouse (include/metagen/wh_query.h), over odbc.c's statement
 * helpers.
 */
#include <stdlib.h>

#include "metagen/wh_query.h"
#include "warehouse/warehouse_internal.h"

struct mgen_wh_rows {
	mgen_wh *wh;
	mgen_wh_stmt *st;
};

/* Copies the connection's last error (already masked) into `err`. */
static int wh_err(mgen_wh *wh, int rc, mgen_err *err)
{
	if (rc == MGEN_ENOMEM)
		return mgen_err_set(err, rc, "out of memory");
	return mgen_err_set(err, rc, "%s", mgen_wh_errmsg(wh));
}

int mgen_wh_query_params(mgen_wh *wh, const char *what, const char *sql,
			 const char *const *params, size_t n,
			 mgen_wh_rows **out, mgen_err *err)
{
	mgen_wh_rows *r;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	r->wh = wh;
	rc = mgen_wh__query_params(wh, what, sql, params, n, &r->st);
	if (rc != 0) {
		free(r);
		return wh_err(wh, rc, err);
	}
	*out = r;
	return 0;
}

int mgen_wh_exec_params(mgen_wh *wh, const char *what, const char *sql,
			const char *const *params, size_t n, mgen_err *err)
{
	mgen_wh_rows *r = NULL;
	int rc = mgen_wh_query_params(wh, what, sql, params, n, &r, err);

	mgen_wh_rows_free(r);
	return rc;
}

int mgen_wh_rows_next(mgen_wh_rows *r, mgen_err *err)
{
	int rc;

	if (mgen_wh__ncols(r->st) == 0)
		return 0; /* a statement without a result set */
	rc = mgen_wh__fetch(r->st);
	return rc < 0 ? wh_err(r->wh, rc, err) : rc;
}

int mgen_wh_rows_text(mgen_wh_rows *r, int i, char **out, mgen_err *err)
{
	int rc = mgen_wh__get_text(r->st, i, 0, out);

	return rc != 0 ? wh_err(r->wh, rc, err) : 0;
}

void mgen_wh_rows_free(mgen_wh_rows *r)
{
	if (r == NULL)
		return;
	mgen_wh__stmt_free(r->st);
	free(r);
}
