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
#include "warehouse/warehouse_internal.h"

struct mgen_wh {
	SQLHENV env;
	SQLHDBC dbc;
	int connected;
	mgen_dialect dialect;
	unsigned long nqueries;
	mgen__secrets secrets;	  /* values to mask in messages (PWD, tokens,
				     URL credentials: util/secret.c) */
	unsigned object_types;	  /* mgen_wh_set_object_types */
	int all_databases;	  /* mgen_wh_set_home_only(wh, 0) */
	mgen_strglobs *databases; /* mgen_wh_set_databases, or NULL */
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
	mgen_wh__globs_free(wh->databases);
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

static int run(mgen_wh *wh, const char *what, const char *sql,
	       const char *const *params, size_t n, int counted,
	       mgen_wh_stmt **out);

/*
 * Puts the session into the rules the dialect's literals are written for
 * (mgen_dialect_session_sql: PostgreSQL standard_conforming_strings = on,
 * MySQL/MariaDB without NO_BACKSLASH_ESCAPES) and refuses a client
 * encoding in which a backslash byte can be part of a multibyte character
 * (mgen_wh__unsafe_encoding). Not counted: it reads no table data.
 * 0 or MGEN_EDB with the reason in wh->errmsg.
 */
static int session_setup(mgen_wh *wh)
{
	mgen_buf sql = MGEN_BUF_INIT;
	const char *enc_sql = mgen_wh__encoding_sql(wh->dialect);
	mgen_wh_stmt *st = NULL;
	char *enc = NULL;
	int rc = mgen_dialect_session_sql(wh->dialect, &sql);

	if (rc == 0 && sql.len)
		rc = run(wh, "cannot set the session's string literal rules",
			 mgen_buf_str(&sql), NULL, 0, 0, &st);
	mgen_wh__stmt_free(st);
	st = NULL;
	mgen_buf_release(&sql);
	if (rc == 0 && enc_sql) {
		rc = run(wh, "cannot read the client encoding", enc_sql, NULL,
			 0, 0, &st);
		if (rc == 0 && (rc = mgen_wh__fetch(st)) == 1)
			rc = mgen_wh__get_text(st, 0, 0, &enc);
		if (rc == 0 && enc &&
		    mgen_wh__unsafe_encoding(wh->dialect, enc)) {
			mgen_wh__set_error(
			    wh,
			    "client encoding '%s' is refused: a backslash "
			    "byte can end one of its multibyte characters, so "
			    "no string literal is safe; use UTF-8",
			    enc);
			rc = MGEN_EDB;
		}
	}
	free(enc);
	mgen_wh__stmt_free(st);
	if (rc == MGEN_ENOMEM)
		mgen_wh__set_error(wh, "out of memory setting up the session");
	return rc ? MGEN_EDB : 0;
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
	(void)SQLExecDirect(
	    h, (SQLCHAR *)(uintptr_t) "PRAGMA cache_size = -256", SQL_NTS);
	SQLFreeHandle(SQL_HANDLE_STMT, h);
}

int mgen_wh_connect(const char *conn_str, mgen_dialect dialect, mgen_wh **out,
		    mgen_err *err)
{
	mgen_wh *wh;
	char *guarded = NULL; /* conn_str with NoCreat=1 (SQLite) */
	SQLRETURN rc;
	int ret;

	*out = NULL;
	if (conn_str == NULL)
		return mgen_err_set(err, MGEN_EINVAL, "no connection string");
	ret = mgen_wh__sqlite_guard(conn_str, dialect, &guarded, err);
	if (ret != 0)
		return ret;
	if (guarded)
		conn_str = guarded;
	wh = calloc(1, sizeof(*wh));
	if (wh == NULL) {
		free(guarded);
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	if (mgen__secrets_add_from(&wh->secrets, conn_str) != 0) {
		wh_free(wh);
		free(guarded);
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	wh->dialect = dialect;
	wh->object_types = MGEN_WH_KINDS_DEFAULT;
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
	if (session_setup(wh) != 0) {
		ret = mgen_err_set(err, MGEN_EDB, "%s", wh->errmsg);
		goto fail;
	}
	if (wh->dialect == MGEN_DIALECT_SQLITE)
		sqlite_small_cache(wh);
	wh->errmsg[0] = '\0';
	*out = wh;
	free(guarded);
	return 0;
fail:
	wh_free(wh);
	free(guarded);
	return ret;
}

void mgen_wh_set_object_types(mgen_wh *wh, unsigned kinds)
{
	wh->object_types = kinds;
}

unsigned mgen_wh__object_types(const mgen_wh *wh)
{
	return wh->object_types;
}

void mgen_wh_set_home_only(mgen_wh *wh, int on)
{
	wh->all_databases = !on;
}

int mgen_wh__home_only(const mgen_wh *wh)
{
	return !wh->all_databases;
}

mgen_strglobs **mgen_wh__databases_slot(mgen_wh *wh)
{
	return &wh->databases;
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

/* Binds `n` text parameters (SQL_C_CHAR, UTF-8) to the statement;
 * `lens` holds their lengths until the statement runs. 0 or MGEN_EDB. */
static int bind_params(mgen_wh_stmt *st, const char *what,
		       const char *const *params, size_t n, SQLLEN *lens)
{
	size_t i;
	SQLRETURN rc;

	for (i = 0; i < n; i++) {
		const char *p = params[i] ? params[i] : "";
		lens[i] = (SQLLEN)strlen(p);
		rc = SQLBindParameter(
		    st->h, (SQLUSMALLINT)(i + 1), SQL_PARAM_INPUT, SQL_C_CHAR,
		    SQL_VARCHAR, (SQLULEN)(lens[i] ? lens[i] : 1), 0,
		    (SQLPOINTER)(uintptr_t)p, lens[i], &lens[i]);
		if (!SQL_SUCCEEDED(rc))
			return diag(st->wh, SQL_HANDLE_STMT, st->h, what);
	}
	return 0;
}

/* Executes `sql` with `n` text parameters on a new statement, counted
 * in the connection's queries when `counted`. */
static int run(mgen_wh *wh, const char *what, const char *sql,
	       const char *const *params, size_t n, int counted,
	       mgen_wh_stmt **out)
{
	mgen_wh_stmt *st;
	SQLLEN *lens = NULL;
	SQLSMALLINT nc = 0;
	SQLRETURN rc;
	int ret = MGEN_ENOMEM;

	*out = NULL;
	if (n > 0xffff) {
		mgen_wh__set_error(wh, "%s: %zu parameters (at most 65535)",
				   what, n);
		return MGEN_EDB;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL || (n && (lens = calloc(n, sizeof(*lens))) == NULL))
		goto fail;
	st->wh = wh;
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, wh->dbc, &st->h))) {
		ret = diag(wh, SQL_HANDLE_DBC, wh->dbc, what);
		goto fail;
	}
	if ((ret = bind_params(st, what, params, n, lens)) != 0)
		goto fail;
	if (counted)
		wh->nqueries++;
	rc = SQLExecDirect(st->h, (SQLCHAR *)(uintptr_t)sql, SQL_NTS);
	if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) {
		ret = diag(wh, SQL_HANDLE_STMT, st->h, what);
		goto fail;
	}
	/* the values are sent: the statement no longer reads them */
	SQLFreeStmt(st->h, SQL_RESET_PARAMS);
	free(lens);
	if (SQL_SUCCEEDED(SQLNumResultCols(st->h, &nc)))
		st->ncols = nc;
	*out = st;
	return 0;
fail:
	free(lens);
	mgen_wh__stmt_free(st);
	return ret;
}

int mgen_wh__query_params(mgen_wh *wh, const char *what, const char *sql,
			  const char *const *params, size_t n,
			  mgen_wh_stmt **out)
{
	return run(wh, what, sql, params, n, 1, out);
}

int mgen_wh__query(mgen_wh *wh, const char *what, const char *sql,
		   mgen_wh_stmt **out)
{
	return run(wh, what, sql, NULL, 0, 1, out);
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

/* Reads column `i` as text, whole; a NUL byte in it is refused (MGEN_EDB)
 * when `no_nul`, else the text ends at it. */
static int get_chars(mgen_wh_stmt *st, int i, int no_nul, char **out)
{
	char chunk[8192];
	mgen_buf b = MGEN_BUF_INIT;
	SQLLEN ind;
	SQLRETURN rc;

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
	if (no_nul && b.len && memchr(b.data, '\0', b.len)) {
		mgen_buf_release(&b);
		mgen_wh__set_error(st->wh,
				   "a catalog value holds a NUL byte "
				   "(result column %d)",
				   i + 1);
		return MGEN_EDB;
	}
	*out = mgen_buf_detach(&b);
	return *out ? 0 : MGEN_ENOMEM;
}

int mgen_wh__get_text(mgen_wh_stmt *st, int i, size_t binary_max, char **out)
{
	*out = NULL;
	if (binary_max > 0)
		return get_binary(st, i, binary_max, out);
	return get_chars(st, i, 0, out);
}

int mgen_wh__get_name(mgen_wh_stmt *st, int i, char **out)
{
	*out = NULL;
	return get_chars(st, i, 1, out);
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

int mgen_wh_connection_dead(mgen_wh *wh)
{
	SQLUINTEGER dead = SQL_CD_FALSE;

	if (!SQL_SUCCEEDED(SQLGetConnectAttr(wh->dbc, SQL_ATTR_CONNECTION_DEAD,
					     &dead, 0, NULL)))
		return 0;
	return dead == SQL_CD_TRUE;
}
