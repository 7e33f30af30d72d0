/*
 * test_warehouse_window.c - a run's two-step listing on SQLite through
 * the SQLite3 ODBC driver: table names first (mgen_wh_list_table_names),
 * then the columns and sidecar comments of a window of them
 * (mgen_wh_load_columns), keyed or not, with tables dropped in between,
 * a broken sidecar and 1,203 tables. (Split from test_warehouse.c, which
 * would pass 800 lines.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "metagen/warehouse.h"

#include "sqlite_fixture.h"


static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mgen_whw_XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

/* Seven tables (names out of order, one with a quote) and a sidecar with
 * comments for loaded and unloaded tables, a NULL column name, a ghost
 * column. `sidecar` 0: none; 2: a broken one (no comment column). */
static void make_seven(const char *file, int sidecar)
{
	sqlite3 *db;
	char path[400];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, file);
	snprintf(connstr, sizeof(connstr), "Driver=SQLite3;Database=%s", path);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sql_ok(db, "CREATE TABLE zeta (z1 INTEGER, z2 TEXT);"
		   "CREATE TABLE \"it's\" (q TEXT);"
		   "CREATE TABLE alpha (a1 INTEGER PRIMARY KEY, a2 VARCHAR(20),"
		   " a3 REAL, a4 BLOB);"
		   "CREATE TABLE beta (b1 DATE);"
		   "CREATE TABLE gamma (g1 TEXT, g2 NUMERIC(10,2), g3 INTEGER);"
		   "CREATE TABLE delta (d1 TEXT, d2 TEXT);"
		   "CREATE TABLE eps (e1 INTEGER);");
	if (sidecar == 1)
		sql_ok(db, "CREATE TABLE _metagen_comments (table_name TEXT, "
			   "column_name TEXT, comment TEXT);"
			   "INSERT INTO _metagen_comments VALUES "
			   "('gamma', '', 'Gamma rays.'), ('gamma', 'g2', "
			   "'Money.'), ('it''s', NULL, 'Quoted.'), ('it''s', "
			   "'q', 'Q col.'), ('zeta', '', 'Not loaded.'), "
			   "('zeta', 'z1', 'Not loaded col.'), ('gamma', "
			   "'nope', 'Ghost column.')");
	if (sidecar == 2)
		sql_ok(db, "CREATE TABLE _metagen_comments (table_name TEXT)");
	sqlite3_close(db);
}

static void names_of(mgen_wh *wh, mgen_table_list *l, mgen_wh_listing *info)
{
	assert_int_equal(mgen_wh_list_table_names(wh, NULL, NULL, l, info), 0);
}

static void assert_col(const mgen_table *t, size_t i, const char *name,
		       const char *type, const char *existing)
{
	assert_true(i < t->column_count);
	assert_string_equal(t->columns[i].name, name);
	assert_string_equal(t->columns[i].data_type, type);
	assert_int_equal(t->columns[i].ordinal, (int)i + 1);
	if (existing)
		assert_string_equal(t->columns[i].existing_comment, existing);
	else
		assert_null(t->columns[i].existing_comment);
}

static int keep_three(void *ud, const char *cat, const char *sch,
		      const char *table)
{
	(void)ud;
	return strcmp(table, "gamma") == 0 || strcmp(table, "it's") == 0 ||
	       strcmp(table, "alpha") == 0;
}

static void test_warehouse_window__names_without_columns(void **state)
{
	static const char *const order[] = {"alpha", "beta",  "delta", "eps",
					    "gamma", "it's", "zeta"};
	mgen_table_list l = {NULL, 0, 0};
	mgen_wh_listing info = {99, 99};
	mgen_wh *wh;
	size_t i;

	(void)state;
	make_seven("names.db", 1);
	wh = connect_sqlite();
	names_of(wh, &l, &info);
	assert_int_equal(mgen_wh_query_count(wh), 1);
	assert_int_equal(info.rows, 7); /* the sidecar is not a table */
	assert_int_equal(info.sidecar, 1);
	assert_int_equal(l.n, 7);
	for (i = 0; i < l.n; i++) {
		assert_string_equal(l.items[i].name, order[i]);
		assert_string_equal(l.items[i].schema, "main");
		assert_int_equal(l.items[i].column_count, 0);
		assert_null(l.items[i].columns);
		assert_null(l.items[i].existing_comment);
	}
	mgen_table_list_release(&l);
	/* a filter keeps 3: rows still counts every table */
	assert_int_equal(
	    mgen_wh_list_table_names(wh, keep_three, NULL, &l, &info), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(info.rows, 7);
	assert_string_equal(l.items[2].name, "it's");
	mgen_table_list_release(&l);
	mgen_wh_close(wh);
}

/* 3 of 7 tables, given out of order, through the keyed query (quote in
 * a name included): only they get columns and sidecar comments. */
static void test_warehouse_window__load_columns_subset(void **state)
{
	mgen_table_list l = {NULL, 0, 0};
	mgen_wh_listing info;
	mgen_table *pick[3];
	mgen_wh *wh;
	unsigned long q0;
	size_t i;

	(void)state;
	make_seven("subset.db", 1);
	wh = connect_sqlite();
	names_of(wh, &l, &info);
	pick[0] = find(&l, "gamma");
	pick[1] = find(&l, "it's");
	pick[2] = find(&l, "alpha");
	q0 = mgen_wh_query_count(wh);
	assert_int_equal(mgen_wh_load_columns(wh, pick, 3, &info), 0);
	assert_int_equal(mgen_wh_query_count(wh) - q0, 2); /* keyed + sidecar */
	assert_int_equal(pick[2]->column_count, 4);
	assert_col(pick[2], 0, "a1", "INTEGER", NULL);
	assert_col(pick[2], 1, "a2", "VARCHAR(20)", NULL);
	assert_col(pick[2], 2, "a3", "REAL", NULL);
	assert_col(pick[2], 3, "a4", "BLOB", NULL);
	assert_null(pick[2]->existing_comment);
	assert_int_equal(pick[0]->column_count, 3);
	assert_string_equal(pick[0]->existing_comment, "Gamma rays.");
	assert_col(pick[0], 0, "g1", "TEXT", NULL);
	assert_col(pick[0], 1, "g2", "NUMERIC(10,2)", "Money.");
	assert_col(pick[0], 2, "g3", "INTEGER", NULL);
	assert_int_equal(pick[1]->column_count, 1);
	assert_string_equal(pick[1]->existing_comment, "Quoted.");
	assert_col(pick[1], 0, "q", "TEXT", "Q col.");
	for (i = 0; i < l.n; i++) {
		mgen_table *t = &l.items[i];
		if (t == pick[0] || t == pick[1] || t == pick[2])
			continue;
		assert_int_equal(t->column_count, 0);
		assert_null(t->existing_comment); /* zeta's stays unread */
	}
	mgen_table_list_release(&l);
	mgen_wh_close(wh);
}

/* Every table (n == rows: the unkeyed query) gives what list_tables
 * gives. */
static void test_warehouse_window__load_columns_all_as_list(void **state)
{
	mgen_table_list a = {NULL, 0, 0}, b = {NULL, 0, 0};
	mgen_wh_listing info;
	mgen_table *ptrs[7];
	mgen_wh *wh;
	unsigned long q0;
	size_t i, j;

	(void)state;
	make_seven("all.db", 1);
	wh = connect_sqlite();
	assert_int_equal(mgen_wh_list_tables(wh, NULL, NULL, &a), 0);
	names_of(wh, &b, &info);
	assert_int_equal(b.n, 7);
	for (i = 0; i < 7; i++)
		ptrs[i] = &b.items[6 - i];
	q0 = mgen_wh_query_count(wh);
	assert_int_equal(mgen_wh_load_columns(wh, ptrs, 7, &info), 0);
	assert_int_equal(mgen_wh_query_count(wh) - q0, 2);
	assert_int_equal(a.n, b.n);
	for (i = 0; i < a.n; i++) {
		const mgen_table *x = &a.items[i], *y = &b.items[i];
		assert_string_equal(x->name, y->name);
		assert_true(x->column_count > 0);
		assert_int_equal(x->column_count, y->column_count);
		assert_string_equal(x->existing_comment ? x->existing_comment
							: "-",
				    y->existing_comment ? y->existing_comment
							: "-");
		for (j = 0; j < x->column_count; j++)
			assert_col(y, j, x->columns[j].name,
				   x->columns[j].data_type,
				   x->columns[j].existing_comment);
	}
	assert_string_equal(find(&b, "gamma")->existing_comment, "Gamma rays.");
	mgen_table_list_release(&a);
	mgen_table_list_release(&b);
	mgen_wh_close(wh);
}

static void drop_table(const char *file, const char *name)
{
	sqlite3 *db;
	char path[400], sql[100];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, file);
	snprintf(sql, sizeof(sql), "DROP TABLE %s", name);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sql_ok(db, sql);
	sqlite3_close(db);
}

/* A table dropped after the listing keeps no columns; no error, whether
 * the load is keyed (a subset) or not (every table). */
static void test_warehouse_window__load_columns_dropped_table(void **state)
{
	mgen_table_list l = {NULL, 0, 0};
	mgen_wh_listing info;
	mgen_table *ptrs[7];
	mgen_wh *wh;
	size_t i;

	(void)state;
	make_seven("dropped.db", 0);
	wh = connect_sqlite();
	names_of(wh, &l, &info);
	assert_int_equal(info.sidecar, 0);
	drop_table("dropped.db", "delta");
	ptrs[0] = find(&l, "eps");
	ptrs[1] = find(&l, "delta");
	ptrs[2] = find(&l, "beta");
	assert_int_equal(mgen_wh_load_columns(wh, ptrs, 3, &info), 0);
	assert_int_equal(ptrs[0]->column_count, 1);
	assert_int_equal(ptrs[1]->column_count, 0);
	assert_col(ptrs[2], 0, "b1", "DATE", NULL);
	mgen_table_list_release(&l);
	names_of(wh, &l, &info);
	assert_int_equal(l.n, 6);
	drop_table("dropped.db", "zeta");
	for (i = 0; i < l.n; i++)
		ptrs[i] = &l.items[i];
	assert_int_equal(mgen_wh_load_columns(wh, ptrs, l.n, &info), 0);
	for (i = 0; i < l.n; i++)
		assert_int_equal(l.items[i].column_count > 0,
				 strcmp(l.items[i].name, "zeta") != 0);
	mgen_table_list_release(&l);
	mgen_wh_close(wh);
}

/* The sidecar query fails: an error, and no table keeps columns. */
static void test_warehouse_window__load_columns_error_leaves_none(void **state)
{
	mgen_table_list l = {NULL, 0, 0};
	mgen_wh_listing info;
	mgen_table *ptrs[2];
	mgen_wh *wh;
	size_t i;

	(void)state;
	make_seven("broken.db", 2);
	wh = connect_sqlite();
	names_of(wh, &l, &info);
	assert_int_equal(info.sidecar, 1);
	ptrs[0] = find(&l, "alpha");
	ptrs[1] = find(&l, "gamma");
	assert_int_equal(mgen_wh_load_columns(wh, ptrs, 2, &info), MGEN_EDB);
	assert_true(strlen(mgen_wh_errmsg(wh)) > 0);
	for (i = 0; i < l.n; i++) {
		assert_int_equal(l.items[i].column_count, 0);
		assert_null(l.items[i].columns);
	}
	mgen_table_list_release(&l);
	assert_int_equal(mgen_wh_list_tables(wh, NULL, NULL, &l), MGEN_EDB);
	assert_int_equal(l.n, 0);
	mgen_table_list_release(&l);
	mgen_wh_close(wh);
}

#define MANY 1203

/* 1,203 tables, 1,094 of them loaded (every 11th left out, given in
 * reverse): keyed queries of <= 500 tables, every one gets its columns. */
static void test_warehouse_window__load_columns_many_windows(void **state)
{
	mgen_table_list l = {NULL, 0, 0};
	mgen_wh_listing info;
	mgen_table **ptrs = malloc(MANY * sizeof(*ptrs));
	char path[400], sql[160];
	sqlite3 *db;
	mgen_wh *wh;
	unsigned long q0;
	size_t i, n = 0;

	(void)state;
	assert_non_null(ptrs);
	snprintf(path, sizeof(path), "%s/many.db", tmpdir);
	snprintf(connstr, sizeof(connstr), "Driver=SQLite3;Database=%s", path);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sql_ok(db, "BEGIN");
	for (i = 0; i < MANY; i++) {
		snprintf(sql, sizeof(sql),
			 "CREATE TABLE t%04zu (k%zu INTEGER%s)", i, i,
			 i % 3 == 0   ? ""
			 : i % 3 == 1 ? ", b TEXT"
				      : ", b TEXT, c REAL");
		sql_ok(db, sql);
	}
	sql_ok(db, "COMMIT");
	sqlite3_close(db);
	wh = connect_sqlite();
	names_of(wh, &l, &info);
	assert_int_equal(l.n, MANY);
	assert_int_equal(info.rows, MANY);
	for (i = MANY; i-- > 0;)
		if (i % 11 != 5)
			ptrs[n++] = &l.items[i];
	assert_int_equal(n, 1094);
	q0 = mgen_wh_query_count(wh);
	assert_int_equal(mgen_wh_load_columns(wh, ptrs, n, &info), 0);
	assert_int_equal(mgen_wh_query_count(wh) - q0, 3); /* 500+500+94 */
	for (i = 0; i < MANY; i++) {
		const mgen_table *t = &l.items[i];
		snprintf(sql, sizeof(sql), "t%04zu", i);
		assert_string_equal(t->name, sql);
		if (i % 11 == 5) {
			assert_int_equal(t->column_count, 0);
			continue;
		}
		assert_int_equal(t->column_count, i % 3 + 1);
		snprintf(sql, sizeof(sql), "k%zu", i);
		assert_col(t, 0, sql, "INTEGER", NULL);
		if (i % 3 == 2)
			assert_col(t, 2, "c", "REAL", NULL);
	}
	free(ptrs);
	mgen_table_list_release(&l);
	mgen_wh_close(wh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_warehouse_window__names_without_columns),
	    cmocka_unit_test(test_warehouse_window__load_columns_subset),
	    cmocka_unit_test(test_warehouse_window__load_columns_all_as_list),
	    cmocka_unit_test(test_warehouse_window__load_columns_dropped_table),
	    cmocka_unit_test(
		test_warehouse_window__load_columns_error_leaves_none),
	    cmocka_unit_test(test_warehouse_window__load_columns_many_windows),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
