/*
 * test_warehouse_params.c - names reach the SQL as bound parameters, over
 * the real SQLite ODBC driver: mgen_wh__query_params binds hostile values
 * byte for byte (and counts the query), the keyed column and sidecar
 * reads of a window of hostile-named tables find exactly their rows, and
 * the comment re-read apply makes (mgen_wh_table_comments) does too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "metagen/warehouse.h"
#include "warehouse/warehouse_internal.h"

#include "sqlite_fixture.h"

/* Names that break out of a '...' literal or a LIKE, or hide a statement. */
static const char *const names[] = {
    "a'b", "c\\d", "x') OR 1=1 --", "e\"f", "pwn\nDROP TABLE victim; --",
    "%_",  "?",	   "Größe 数量",    "plain"};
#define NN (sizeof(names) / sizeof(names[0]))

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mgen_whp_XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

/* A table per name with two columns (c_<i> and d), a sentinel "victim"
 * and a sidecar with a comment on each table and on its column d. */
static void make_db(void)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char path[400], sql[512];
	size_t i;

	snprintf(path, sizeof(path), "%s/p.db", tmpdir);
	snprintf(connstr, sizeof(connstr), "Driver=SQLite3;Database=%s", path);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db,
			 "CREATE TABLE victim (v INTEGER);"
			 "CREATE TABLE _metagen_comments (table_name TEXT NOT "
			 "NULL, column_name TEXT NOT NULL DEFAULT '', comment "
			 "TEXT, PRIMARY KEY (table_name, column_name));",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	for (i = 0; i < NN; i++) {
		char *q = sqlite3_mprintf("CREATE TABLE \"%w\" (c_%d TEXT, d "
					  "TEXT)",
					  names[i], (int)i);
		assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL),
				 SQLITE_OK);
		sqlite3_free(q);
	}
	snprintf(sql, sizeof(sql),
		 "INSERT INTO _metagen_comments VALUES (?1, '', 'T:' || ?1),"
		 " (?1, 'd', 'D:' || ?1)");
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	for (i = 0; i < NN; i++) {
		sqlite3_bind_text(st, 1, names[i], -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void test_warehouse_params__bound_bytes(void **state)
{
	const char *p[3] = {"it's \\ \"q\" \n; --", NULL, "Größe"};
	mgen_wh *wh;
	mgen_wh_stmt *st = NULL;
	char *v = NULL;
	unsigned long q;

	(void)state;
	make_db();
	wh = connect_sqlite();
	q = mgen_wh_query_count(wh);
	assert_int_equal(mgen_wh__query_params(wh, "bind",
					       "SELECT ? || '|' || "
					       "? || '|' || ?",
					       p, 3, &st),
			 0);
	assert_int_equal(mgen_wh_query_count(wh), q + 1);
	assert_int_equal(mgen_wh__fetch(st), 1);
	assert_int_equal(mgen_wh__get_text(st, 0, 0, &v), 0);
	assert_string_equal(v, "it's \\ \"q\" \n; --||Größe");
	free(v);
	mgen_wh__stmt_free(st);
	/* a value is never SQL: the sentinel stays */
	p[0] = "x'); DROP TABLE victim; --";
	assert_int_equal(
	    mgen_wh__query_params(wh, "bind",
				  "SELECT COUNT(*) FROM victim WHERE "
				  "CAST(v AS TEXT) = ?",
				  p, 1, &st),
	    0);
	assert_int_equal(mgen_wh__fetch(st), 1);
	mgen_wh__stmt_free(st);
	/* a failure names the place */
	assert_int_equal(mgen_wh__query_params(wh, "cannot bind",
					       "SELECT * FROM nosuch WHERE ?",
					       p, 1, &st),
			 MGEN_EDB);
	assert_null(st);
	assert_non_null(strstr(mgen_wh_errmsg(wh), "cannot bind"));
	mgen_wh_close(wh);
}

/* Keeps the hostile tables but the last (so the reads go by keys). */
static int keep_some(void *ud, const char *catalog, const char *schema,
		     const char *table)
{
	(void)ud, (void)catalog, (void)schema;
	return strcmp(table, "victim") != 0 && strcmp(table, names[NN - 1]);
}

static void test_warehouse_params__keyed_reads(void **state)
{
	mgen_table_list l = {NULL, 0, 0};
	mgen_wh_listing info;
	mgen_table *ptrs[NN];
	mgen_wh *wh;
	char want[128];
	size_t i;

	(void)state;
	make_db();
	wh = connect_sqlite();
	assert_int_equal(
	    mgen_wh_list_table_names(wh, keep_some, NULL, &l, &info), 0);
	assert_int_equal(l.n, NN - 1);
	assert_int_equal(info.rows, NN + 1);
	for (i = 0; i < l.n; i++)
		ptrs[i] = &l.items[i];
	assert_int_equal(mgen_wh_load_columns(wh, ptrs, l.n, &info), 0);
	for (i = 0; i + 1 < NN; i++) {
		mgen_table *t = find(&l, names[i]);
		assert_non_null(t);
		assert_int_equal(t->column_count, 2);
		snprintf(want, sizeof(want), "c_%d", (int)i);
		assert_string_equal(t->columns[0].name, want);
		snprintf(want, sizeof(want), "T:%s", names[i]);
		assert_string_equal(t->existing_comment, want);
		snprintf(want, sizeof(want), "D:%s", names[i]);
		assert_string_equal(t->columns[1].existing_comment, want);
		/* apply's re-read finds the same */
		free(t->existing_comment);
		t->existing_comment = NULL;
		assert_int_equal(mgen_wh_table_comments(wh, t), 0);
		snprintf(want, sizeof(want), "T:%s", names[i]);
		assert_string_equal(t->existing_comment, want);
	}
	mgen_table_list_release(&l);
	mgen_wh_close(wh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_warehouse_params__bound_bytes,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_warehouse_params__keyed_reads,
					    setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
