/*
 * connstr.c - reads attributes of an ODBC connection string and guards a
 * SQLite connection against creating a database: unixODBC's SQLite3
 * driver (libsqliteodbc) opens a Database= path that does not exist by
 * creating an empty file, so a typo in the path used to give an empty
 * warehouse and a run that "succeeded" on nothing.
 *
 * Syntax followed: ODBC 3.x SQLDriverConnect connection strings
 * (https://learn.microsoft.com/en-us/sql/odbc/reference/syntax/sqldriverconnect-function):
 * attribute=value pairs separated by ';', keywords case-insensitive, a
 * value in {braces} may hold ';' and writes '}' as "}}". The driver's own
 * NoCreat=1 option (sqliteodbc's README: "NoCreat ... don't create the
 * database file") refuses a missing file at connect time.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/util.h"
#include "warehouse/warehouse_internal.h"

/* Compares s[0..n) with lower-case `key`, ASCII case-insensitively, blanks
 * around s ignored. */
static int key_is(const char *s, size_t n, const char *key)
{
	size_t i, k = strlen(key);

	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n != k)
		return 0;
	for (i = 0; i < n; i++)
		if (tolower((unsigned char)s[i]) != key[i])
			return 0;
	return 1;
}

/* Reads one value starting at `v` into `b` (braces and "}}" undone);
 * returns where the next attribute starts. */
static const char *read_value(const char *v, mgen_buf *b)
{
	if (*v != '{') {
		const char *end = strchr(v, ';');
		if (end == NULL)
			end = v + strlen(v);
		mgen_buf_append(b, v, (size_t)(end - v));
		return *end ? end + 1 : end;
	}
	for (v++; *v; v++) {
		if (*v == '}' && v[1] == '}') {
			mgen_buf_putc(b, '}');
			v++;
		} else if (*v == '}') {
			v++;
			break;
		} else {
			mgen_buf_putc(b, *v);
		}
	}
	while (*v && *v != ';')
		v++; /* anything after the closing brace */
	return *v ? v + 1 : v;
}

int mgen_wh__conn_attr(const char *cs, const char *key, char **out)
{
	mgen_buf b = MGEN_BUF_INIT;
	const char *p = cs;
	int found = 0;

	*out = NULL;
	while (p && *p) {
		const char *eq = strchr(p, '=');
		if (eq == NULL)
			break;
		mgen_buf_reset(&b);
		found = key_is(p, (size_t)(eq - p), key);
		p = read_value(eq + 1, &b);
		if (found)
			break;
	}
	if (found && mgen_buf_error(&b) == 0)
		*out = mgen_buf_detach(&b);
	mgen_buf_release(&b);
	return found && *out == NULL ? MGEN_ENOMEM : found;
}

/* 1 when the Driver= attribute names a SQLite driver ("SQLite3", a path
 * to libsqlite3odbc.so). */
static int names_sqlite_driver(const char *cs)
{
	char *drv = NULL, *p;
	int hit = 0;

	if (mgen_wh__conn_attr(cs, "driver", &drv) == 1) {
		for (p = drv; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		hit = strstr(drv, "sqlite") != NULL;
	}
	free(drv);
	return hit;
}

/* Checks the Database= file of a SQLite connection string. 0, or
 * MGEN_EDB with the message in `err`. */
static int check_database_file(const char *cs, mgen_err *err)
{
	char *db = NULL;
	struct stat st;
	int rc = mgen_wh__conn_attr(cs, "database", &db);

	if (rc < 0)
		return mgen_err_set(err, rc, "out of memory");
	rc = 0;
	/* ":memory:" and "file:" URIs are the driver's to open (NoCreat
	 * still keeps a URI from creating a file) */
	if (db && db[0] && strcmp(db, ":memory:") != 0 &&
	    strncmp(db, "file:", 5) != 0) {
		if (stat(db, &st) != 0)
			rc =
			    mgen_err_set(err, MGEN_EDB,
					 "cannot connect: sqlite database "
					 "'%s' (Database=) does not exist: %s; "
					 "metagen does not create one",
					 db, strerror(errno));
		else if (S_ISDIR(st.st_mode))
			rc = mgen_err_set(err, MGEN_EDB,
					  "cannot connect: sqlite database "
					  "'%s' (Database=) is a folder",
					  db);
	}
	free(db);
	return rc;
}

int mgen_wh__sqlite_guard(const char *cs, mgen_dialect d, char **out,
			  mgen_err *err)
{
	char *nocreat = NULL;
	mgen_buf b = MGEN_BUF_INIT;
	int rc;

	*out = NULL;
	if (!names_sqlite_driver(cs) && d != MGEN_DIALECT_SQLITE)
		return 0;
	rc = check_database_file(cs, err);
	if (rc != 0)
		return rc;
	rc = mgen_wh__conn_attr(cs, "nocreat", &nocreat);
	free(nocreat);
	if (rc != 0) /* the caller chose, or out of memory */
		return rc < 0 ? mgen_err_set(err, rc, "out of memory") : 0;
	mgen_buf_puts(&b, cs);
	if (b.len > 0 && mgen_buf_str(&b)[b.len - 1] != ';')
		mgen_buf_putc(&b, ';');
	mgen_buf_puts(&b, "NoCreat=1");
	*out = mgen_buf_detach(&b);
	mgen_buf_release(&b);
	return *out ? 0 : mgen_err_set(err, MGEN_ENOMEM, "out of memory");
}
