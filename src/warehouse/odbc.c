/*
 * odbc.c - the warehouse connection over unixODBC: connect and detect the
 * dialect, one-line errors from SQLGetDiagRec (secrets masked), counted
 * statement execution, transactions, and the statement helpers catalog.c
 * and profile.c read results with (chunked SQLGetData, so long text is
 * never cut at a driver's column size: dialects.md "Rule of thumb").
 *
 * Threads: a connection is used by one thread at a time; each worker
 * opens its own (dialects.md: one connection per thread works).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sql.h>
#include <sqlext.h>

#include "metagen/warehouse.h"
#include "util/secret.h"
#include "util/util.h"
#include "warehouse/wh_internal.h"

struct mgen_wh {
	SQLHENV env;
	SQLHDBC dbc;
	int connected;
	mgen_dialect dialect;
	unsigned long nqueries;
	mgen__secrets secrets; /* values to mask in messages (PWD, tokens,
				  URL credentials: util/secret.c) */
	char errmsg[1024];
};

struct mgen_wh_stmt {
	mgen_wh *wh;
	SQLHSTMT h;
	int ncols;
};

void mgen_wh__set_error(mgen_wh *wh, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(wh->errmsg, sizeof(wh->errmsg), fmt, ap);
	va_end(ap);
	mgen__secrets_scrub(&wh->secrets, wh->errmsg, sizeof(wh->errmsg));
}

/* Records "what: SQLSTATE: driver text" from the first diagnostic record
 * of `h` (newlines folded to spaces). Returns MGEN_EDB. */
static int diag(mgen_wh *wh, SQLSMALLINT type, SQLHANDLE h, const char *what)
{
	SQLCHAR state[6] = {0}, text[768] = {0};
	SQLINTEGER native = 0;
	SQLSMALLINT len = 0;
	SQLRETURN rc;
	char *p;

	rc = SQLGetDiagRec(type, h, 1, state, &native, text,
			   (SQLSMALLINT)sizeof(text), &len);
	if (!SQL_SUCCEEDED(rc))
		mgen_wh__set_error(wh, "%s: no diagnostic from the driver",
				   what);
	else
		mgen_wh__set_error(wh, "%s: %s: %s", what, (char *)state,
				   (char *)text);
	for (p = wh->errmsg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return MGEN_EDB;
}

static void wh_free(mgen_wh *wh)
{
	if (wh->connected)
		SQLDisconnect(wh->dbc);
	if (wh->dbc)
		SQLFreeHandle(SQL_HANDLE_DBC, wh->dbc);
	if (wh->env)
		SQLFreeHandle(SQL_HANDLE_ENV, wh->env);
	mgen__secrets_release(&wh->secrets);
	free(wh);
}

/* Sets wh->dialect from SQLGetInfo(SQL_DBMS_NAME). */
static int detect_dialect(mgen_wh *wh, mgen_err *err)
{
	SQLCHAR name[128] = {0};
	SQLSMALLINT len = 0;

	if (!SQL_SUCCEEDED(SQLGetInfo(wh->dbc, SQL_DBMS_NAME, name,
				      (SQLSMALLINT)sizeof(name), &len))) {
		diag(wh, SQL_HANDLE_DBC, wh->dbc, "cannot read the dbms name");
		return mgen_err_set(err, MGEN_EDB, "%s", wh->errmsg);
	}
	if (mgen_dialect_parse((char *)name, &wh->dialect) != 0 ||
	    wh->dialect == MGEN_DIALECT_AUTO) {
		mgen_wh__set_error(wh,
				   "unknown warehouse '%s': set the dialect",
				   (char *)name);
		return mgen_err_set(err, MGEN_EUNSUPPORTED, "%s", wh->errmsg);
	}
	return 0;
}

/* SQLite: a 256 KiB page cache instead of the default 2 MB. metagen reads
 * each table's pages once, so a bigger cache only holds pages it will not
 * read again, once per worker connection. Best effort, not counted as a
 * query (it reads no data). */
static void sqlite_small_cache(mgen_wh *wh)
{
	SQLHSTMT h = SQL_NULL_HSTMT;

	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, wh->dbc, &h)))
		return;
	(void)SQLExecDirect(h, (SQLCHAR *)(uintptr_t)"PRAGMA cache_size = -256",
			    SQL_NTS);
	SQLFreeHandle(SQL_HANDLE_STMT, h);
}

int mgen_wh_connect(const char *conn_str, mgen_dialect dialect, mgen_wh **out,
		    mgen_err *err)
{
	mgen_wh *wh;
	SQLRETURN rc;
	int ret;

	*out = NULL;
	if (conn_str == NULL)
		return mgen_err_set(err, MGEN_EINVAL, "no connection string");
	wh = calloc(1, sizeof(*wh));
	if (wh == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (mgen__secrets_add_from(&wh->secrets, conn_str) != 0) {
		wh_free(wh);
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	wh->dialect = dialect;
	if (!SQL_SUCCEEDED(
		SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &wh->env)) ||
	    !SQL_SUCCEEDED(SQLSetEnvAttr(wh->env, SQL_ATTR_ODBC_VERSION,
					 (SQLPOINTER)SQL_OV_ODBC3, 0)) ||
	    !SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, wh->env, &wh->dbc))) {
		ret = mgen_err_set(err, MGEN_EDB,
				   "cannot set up the odbc environment");
		goto fail;
	}
	rc = SQLDriverConnect(wh->dbc, NULL, (SQLCHAR *)(uintptr_t)conn_str,
			      SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
	if (!SQL_SUCCEEDED(rc)) {
		diag(wh, SQL_HANDLE_DBC, wh->dbc, "cannot connect");
		ret = mgen_err_set(err, MGEN_EDB, "%s", wh->errmsg);
		goto fail;
	}
	wh->connected = 1;
	if (dialect == MGEN_DIALECT_AUTO &&
	    (ret = detect_dialect(wh, err)) != 0)
		goto fail;
	if (wh->dialect == MGEN_DIALECT_SQLITE)
		sqlite_small_cache(wh);
	wh->errmsg[0] = '\0';
	*out = wh;
	return 0;
fail:
	wh_free(wh);
	return ret;
}

void mgen_wh_close(mgen_wh *wh)
{
	if (wh)
		wh_free(wh);
}

mgen_dialect mgen_wh_dialect(const mgen_wh *wh)
{
	return wh->dialect;
}

const char *mgen_wh_errmsg(const mgen_wh *wh)
{
	return wh ? wh->errmsg : "";
}

unsigned long mgen_wh_query_count(const mgen_wh *wh)
{
	return wh->nqueries;
}

int mgen_wh__query(mgen_wh *wh, const char *what, const char *sql,
		   mgen_wh_stmt **out)
{
	mgen_wh_stmt *st;
	SQLSMALLINT nc = 0;
	SQLRETURN rc;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return MGEN_ENOMEM;
	st->wh = wh;
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, wh->dbc, &st->h))) {
		free(st);
		return diag(wh, SQL_HANDLE_DBC, wh->dbc, what);
	}
	wh->nqueries++;
	rc = SQLExecDirect(st->h, (SQLCHAR *)(uintptr_t)sql, SQL_NTS);
	if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) {
		diag(wh, SQL_HANDLE_STMT, st->h, what);
		mgen_wh__stmt_free(st);
		return MGEN_EDB;
	}
	if (SQL_SUCCEEDED(SQLNumResultCols(st->h, &nc)))
		st->ncols = nc;
	*out = st;
	return 0;
}

int mgen_wh__ncols(mgen_wh_stmt *st)
{
	return st->ncols;
}

int mgen_wh__col_is_binary(mgen_wh_stmt *st, int i)
{
	SQLCHAR name[8];
	SQLSMALLINT nlen, type = 0, digits, nullable;
	SQLULEN size;

	if (!SQL_SUCCEEDED(SQLDescribeCol(st->h, (SQLUSMALLINT)(i + 1), name,
					  (SQLSMALLINT)sizeof(name), &nlen,
					  &type, &size, &digits, &nullable)))
		return 0;
	return type == SQL_BINARY || type == SQL_VARBINARY ||
	       type == SQL_LONGVARBINARY;
}

int mgen_wh__fetch(mgen_wh_stmt *st)
{
	SQLRETURN rc = SQLFetch(st->h);

	if (rc == SQL_NO_DATA)
		return 0;
	if (!SQL_SUCCEEDED(rc))
		return diag(st->wh, SQL_HANDLE_STMT, st->h, "cannot fetch");
	return 1;
}

/* Reads up to `max` bytes as base64 + "..." when longer. */
static int get_binary(mgen_wh_stmt *st, int i, size_t max, char **out)
{
	unsigned char *buf = malloc(max);
	mgen_buf b = MGEN_BUF_INIT;
	SQLLEN ind = 0;
	SQLRETURN rc;
	size_t n;
	char *enc = NULL;
	int ret = 0;

	if (buf == NULL)
		return MGEN_ENOMEM;
	rc = SQLGetData(st->h, (SQLUSMALLINT)(i + 1), SQL_C_BINARY, buf,
			(SQLLEN)max, &ind);
	if (rc == SQL_NO_DATA) {
		ind = 0;
	} else if (!SQL_SUCCEEDED(rc)) {
		ret =
		    diag(st->wh, SQL_HANDLE_STMT, st->h, "cannot read a value");
		goto done;
	}
	if (ind == SQL_NULL_DATA)
		goto done;
	n = (ind == SQL_NO_TOTAL || (size_t)ind > max) ? max : (size_t)ind;
	enc = mgen__base64(buf, n);
	mgen_buf_puts(&b, enc);
	if (rc == SQL_SUCCESS_WITH_INFO || n < (size_t)ind ||
	    ind == SQL_NO_TOTAL)
		mgen_buf_puts(&b, "...");
	if (enc == NULL || mgen_buf_error(&b)) {
		ret = MGEN_ENOMEM;
		goto done;
	}
	*out = mgen_buf_detach(&b);
	ret = *out ? 0 : MGEN_ENOMEM;
done:
	free(enc);
	free(buf);
	mgen_buf_release(&b);
	return ret;
}

int mgen_wh__get_text(mgen_wh_stmt *st, int i, size_t binary_max, char **out)
{
	char chunk[8192];
	mgen_buf b = MGEN_BUF_INIT;
	SQLLEN ind;
	SQLRETURN rc;

	*out = NULL;
	if (binary_max > 0)
		return get_binary(st, i, binary_max, out);
	for (;;) {
		size_t n;

		ind = 0;
		rc = SQLGetData(st->h, (SQLUSMALLINT)(i + 1), SQL_C_CHAR, chunk,
				(SQLLEN)sizeof(chunk), &ind);
		if (rc == SQL_NO_DATA)
			break;
		if (!SQL_SUCCEEDED(rc)) {
			mgen_buf_release(&b);
			return diag(st->wh, SQL_HANDLE_STMT, st->h,
				    "cannot read a value");
		}
		if (ind == SQL_NULL_DATA) {
			mgen_buf_release(&b);
			return 0;
		}
		/* a full chunk holds sizeof - 1 bytes and its NUL */
		n = (ind == SQL_NO_TOTAL || (size_t)ind >= sizeof(chunk))
			? sizeof(chunk) - 1
			: (size_t)ind;
		mgen_buf_append(&b, chunk, n);
		if (rc == SQL_SUCCESS || n < sizeof(chunk) - 1)
			break;
	}
	if (mgen_buf_error(&b)) {
		mgen_buf_release(&b);
		return MGEN_ENOMEM;
	}
	*out = mgen_buf_detach(&b);
	return *out ? 0 : MGEN_ENOMEM;
}

void mgen_wh__stmt_free(mgen_wh_stmt *st)
{
	if (st == NULL)
		return;
	if (st->h)
		SQLFreeHandle(SQL_HANDLE_STMT, st->h);
	free(st);
}

int mgen_wh_exec(mgen_wh *wh, const char *sql)
{
	mgen_wh_stmt *st = NULL;
	int rc = mgen_wh__query(wh, "statement failed", sql, &st);

	mgen_wh__stmt_free(st);
	return rc;
}

static int set_autocommit(mgen_wh *wh, int on)
{
	SQLRETURN rc = SQLSetConnectAttr(
	    wh->dbc, SQL_ATTR_AUTOCOMMIT,
	    (SQLPOINTER)(on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF), 0);

	if (!SQL_SUCCEEDED(rc))
		return diag(wh, SQL_HANDLE_DBC, wh->dbc,
			    on ? "cannot end the transaction"
			       : "cannot begin a transaction");
	return 0;
}

int mgen_wh_begin(mgen_wh *wh)
{
	if (wh->dialect == MGEN_DIALECT_DATABRICKS) {
		mgen_wh__set_error(wh, "databricks has no transactions");
		return MGEN_EUNSUPPORTED;
	}
	return set_autocommit(wh, 0);
}

static int end_tran(mgen_wh *wh, SQLSMALLINT how)
{
	int rc = 0;

	if (!SQL_SUCCEEDED(SQLEndTran(SQL_HANDLE_DBC, wh->dbc, how)))
		rc = diag(wh, SQL_HANDLE_DBC, wh->dbc,
			  how == SQL_COMMIT ? "cannot commit"
					    : "cannot roll back");
	if (set_autocommit(wh, 1) != 0 && rc == 0)
		rc = MGEN_EDB;
	return rc;
}

int mgen_wh_commit(mgen_wh *wh)
{
	return end_tran(wh, SQL_COMMIT);
}

int mgen_wh_rollback(mgen_wh *wh)
{
	return end_tran(wh, SQL_ROLLBACK);
}
