/*
 * sqlite_fixture.h - what the SQLite warehouse tests (test_warehouse.c,
 * test_warehouse_window.c) share: the temp folder and connection string
 * of the database a test builds, removing the folder after each test,
 * running SQL on it with the sqlite3 C API, connecting, and finding a
 * listed table by name. Included once per test
 * file (static definitions).
 */
#ifndef METAGEN_TEST_SQLITE_FIXTURE_H
#define METAGEN_TEST_SQLITE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "metagen/warehouse.h"

static char tmpdir[256];  /* the test's folder (setup makes it) */
static char connstr[400]; /* "Driver=SQLite3;Database=<tmpdir>/..." */

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Runs `sql` on `db` or fails the test naming it. */
static inline void sql_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("sqlite: %s: %s", sql, msg ? msg : "?");
}

static mgen_wh *connect_sqlite(void)
{
	mgen_wh *wh = NULL;
	mgen_err err = MGEN_ERR_INIT;

	if (mgen_wh_connect(connstr, MGEN_DIALECT_AUTO, &wh, &err) != 0)
		fail_msg("connect: %s", err.msg);
	assert_int_equal(mgen_wh_dialect(wh), MGEN_DIALECT_SQLITE);
	return wh;
}

static mgen_table *find(mgen_table_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->items[i].name, name) == 0)
			return &l->items[i];
	return NULL;
}

#endif
