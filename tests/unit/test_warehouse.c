/*
 * test_warehouse.c - the ODBC warehouse live: SQLite through the SQLite3
 * ODBC driver on a database built here with the sqlite3 C API, the MIMIC-III
 * demo database when present, and PostgreSQL through psqlODBC when
 * METAGEN_TEST_PG holds a connection string (skipped otherwise).
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

#include "test_data.h"
#include <sqlite3.h>

#include "metagen/warehouse.h"

#include "sqlite_fixture.h"

static char dbpath[300];

#define BIG_LEN 100000

/* Builds the fixture database: typed table with a 100 KB text and blobs,
 * a NULL-heavy table, an empty table, the comments sidecar. */
static void make_db(void)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	unsigned char blob[100];
	char *big = malloc(BIG_LEN + 1);
	int i;

	assert_non_null(big);
	for (i = 0; i < BIG_LEN; i++)
		big[i] = (i % 10 == 9) ? ' ' : (char)('a' + i % 26);
	big[BIG_LEN] = '\0';
	for (i = 0; i < 100; i++)
		blob[i] = (unsigned char)i;
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	sql_ok(db, "CREATE TABLE people (id INTEGER PRIMARY KEY AUTOINCREMENT,"
		   " name TEXT, score REAL, born DATE, photo BLOB, bio TEXT)");
	sql_ok(db, "CREATE TABLE sparse (a TEXT, b TEXT, c TEXT, d TEXT)");
	sql_ok(db, "CREATE TABLE empty_t (x INTEGER)");
	sql_ok(db, "CREATE VIEW v_people AS SELECT name FROM people");
	assert_int_equal(
	    sqlite3_prepare_v2(db,
			       "INSERT INTO people (name, score, born, "
			       "photo, bio) VALUES (?, ?, ?, ?, ?)",
			       -1, &st, NULL),
	    SQLITE_OK);
	for (i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "person %d", i);
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_double(st, 2, 1.5 + i);
		sqlite3_bind_text(st, 3, "2020-01-0", -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 4, blob, i == 0 ? 100 : 10,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 5, i == 0 ? big : "short bio", -1,
				  SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	for (i = 0; i < 8; i++)
		sql_ok(db, "INSERT INTO sparse VALUES ('s', NULL, NULL, NULL)");
	sql_ok(db, "INSERT INTO sparse VALUES ('d1', 'x', 'y', NULL)");
	sql_ok(db, "INSERT INTO sparse VALUES ('d2', 'x', 'y', 'z')");
	sql_ok(db, "CREATE TABLE _metagen_comments (table_name TEXT NOT NULL,"
		   " column_name TEXT NOT NULL DEFAULT '', comment TEXT, "
		   "PRIMARY KEY (table_name, column_name))");
	sql_ok(db, "INSERT INTO _metagen_comments VALUES ('people', '', "
		   "'People we know.'), ('people', 'name', 'Full name.')");
	sqlite3_close(db);
	free(big);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mgen_wh_XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/t.db", tmpdir);
	snprintf(connstr, sizeof(connstr), "Driver=SQLite3;Database=%s",
		 dbpath);
	make_db();
	return 0;
}

static void test_warehouse__sqlite_list(void **state)
{
	mgen_wh *wh = connect_sqlite();
	mgen_table_list l = {NULL, 0, 0};
	mgen_table *t;

	(void)state;
	assert_int_equal(mgen_wh_list_tables(wh, NULL, NULL, &l), 0);
	assert_int_equal(l.n, 4);
	assert_null(find(&l, "_metagen_comments"));
	assert_null(find(&l, "sqlite_sequence"));
	/* views are listed (object_types' default), with their kind */
	t = find(&l, "v_people");
	assert_non_null(t);
	assert_int_equal(t->kind, MGEN_OBJECT_VIEW);
	assert_int_equal(t->column_count, 1);
	assert_string_equal(t->columns[0].name, "name");
	t = find(&l, "people");
	assert_int_equal(t->kind, MGEN_OBJECT_TABLE);
	assert_non_null(t);
	assert_string_equal(t->catalog, "");
	assert_string_equal(t->schema, "main");
	assert_string_equal(t->existing_comment, "People we know.");
	assert_int_equal(t->column_count, 6);
	assert_string_equal(t->columns[0].name, "id");
	assert_string_equal(t->columns[0].data_type, "INTEGER");
	assert_string_equal(t->columns[1].name, "name");
	assert_string_equal(t->columns[1].existing_comment, "Full name.");
	assert_null(t->columns[2].existing_comment);
	assert_string_equal(t->columns[4].data_type, "BLOB");
	assert_int_equal(t->columns[5].ordinal, 6);
	assert_int_equal(find(&l, "sparse")->column_count, 4);
	assert_null(find(&l, "sparse")->existing_comment);
	/* tables, columns, sidecar: three queries however many tables */
	assert_int_equal(mgen_wh_query_count(wh), 3);
	mgen_table_list_release(&l);
	mgen_wh_close(wh);
}

static int keep_only(void *ud, const char *cat, const char *sch,
		     const char *table)
{
	int *calls = ud;

	calls[0]++;
	assert_string_equal(cat, "");
	assert_string_equal(sch, "main");
	return strcmp(table, "sparse") == 0;
}

static void test_warehouse__sqlite_filter(void **state)
{
	mgen_wh *wh = connect_sqlite();
	mgen_table_list l = {NULL, 0, 0};
	int calls[1] = {0};

	(void)state;
	assert_int_equal(mgen_wh_list_tables(wh, keep_only, calls, &l), 0);
	assert_int_equal(calls[0], 4);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].name, "sparse");
	assert_int_equal(l.items[0].column_count, 4);
	assert_string_equal(l.items[0].columns[3].name, "d");
	mgen_table_list_release(&l);
	mgen_wh_close(wh);
}

static void test_warehouse__sqlite_profile(void **state)
{
	mgen_wh *wh = connect_sqlite();
	mgen_table_list l = {NULL, 0, 0};
	mgen_profile_options o = MGEN_PROFILE_OPTIONS_INIT;
	mgen_table *t;
	unsigned long q0;
	size_t r;
	int big = 0, longblob = 0, shortblob = 0;

	(void)state;
	assert_int_equal(mgen_wh_list_tables(wh, NULL, NULL, &l), 0);
	t = find(&l, "people");
	o.sample_size = 10;
	o.word_limit_per_cell = 0; /* no cut: the 100 KB cell comes whole */
	q0 = mgen_wh_query_count(wh);
	assert_int_equal(mgen_wh_profile(wh, t, &o), 0);
	assert_int_equal(mgen_wh_query_count(wh) - q0, 2);
	assert_true(t->profiled);
	assert_int_equal(t->row_count, 3);
	assert_int_equal(t->sample_row_count, 3);
	assert_int_equal(t->columns[1].non_null_count, 3);
	assert_int_equal(t->columns[1].distinct_count, 3);
	assert_string_equal(t->columns[1].min_value, "person 0");
	assert_string_equal(t->columns[1].max_value, "person 2");
	assert_true(t->columns[1].avg_length > 7.9 &&
		    t->columns[1].avg_length < 8.1);
	assert_true(t->columns[2].avg_length < 0);
	assert_null(t->columns[4].min_value);
	assert_true(t->columns[4].is_binary);
	assert_false(t->columns[5].is_binary);
	for (r = 0; r < t->sample_row_count; r++) {
		const char *bio = t->sample[r * 6 + 5];
		const char *photo = t->sample[r * 6 + 4];

		assert_non_null(bio);
		assert_non_null(photo);
		if (strlen(bio) == BIG_LEN &&
		    bio[BIG_LEN - 2] == (char)('a' + (BIG_LEN - 2) % 26))
			big++;
		/* base64 of bytes 0..35, then "..." */
		if (strcmp(photo, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"
				  "ISIj...") == 0)
			longblob++;
		if (strcmp(photo, "AAECAwQFBgcICQ==") == 0)
			shortblob++;
	}
	assert_int_equal(big, 1);
	assert_int_equal(longblob, 1);
	assert_int_equal(shortblob, 2);

	/* cells cut to 3 words / 30 bytes */
	o.word_limit_per_cell = 3;
	assert_int_equal(mgen_wh_profile(wh, t, &o), 0);
	for (r = 0; r < t->sample_row_count; r++) {
		const char *bio = t->sample[r * 6 + 5];

		if (strcmp(bio, "short bio") != 0)
			assert_string_equal(bio, "abcdefghi klmnopqrs "
						 "uvwxyzabc...");
	}
	mgen_table_list_release(&l);
	mgen_wh_close(wh);
}

static void test_warehouse__sqlite_no_data(void **state)
{
	mgen_wh *wh = connect_sqlite();
	mgen_table_list l = {NULL, 0, 0};
	mgen_profile_options o = MGEN_PROFILE_OPTIONS_INIT;
	mgen_table *t;
	unsigned long q0;
	size_t i;

	(void)state;
	assert_int_equal(mgen_wh_list_tables(wh, NULL, NULL, &l), 0);
	t = find(&l, "people");
	o.allow_data = 0;
	q0 = mgen_wh_query_count(wh);
	assert_int_equal(mgen_wh_profile(wh, t, &o), 0);
	assert_int_equal(mgen_wh_query_count(wh) - q0, 1);
	assert_int_equal(t->row_count, 3);
	assert_int_equal(t->sample_row_count, 0);
	for (i = 0; i < t->column_count; i++) {
		assert_null(t->columns[i].min_value);
		assert_null(t->columns[i].max_value);
		assert_int_equal(t->columns[i].non_null_count, 3);
		assert_true(t->columns[i].avg_length < 0);
	}
	assert_int_equal(t->columns[0].distinct_count, 3);
	mgen_table_list_release(&l);
	mgen_wh_close(wh);
}

static void test_warehouse__sqlite_sparse_rows(void **state)
{
	mgen_wh *wh = connect_sqlite();
	mgen_table_list l = {NULL, 0, 0};
	mgen_profile_options o = MGEN_PROFILE_OPTIONS_INIT;
	mgen_table *t;
	int round;

	(void)state;
	assert_int_equal(mgen_wh_list_tables(wh, NULL, NULL, &l), 0);
	t = find(&l, "sparse");
	for (round = 0; round < 5; round++) {
		/* 12 rows asked, 10 come back in random order: the two
		 * with data come first, then mostly-NULL ones top up */
		o.sample_size = 3;
		assert_int_equal(mgen_wh_profile(wh, t, &o), 0);
		assert_int_equal(t->row_count, 10);
		assert_int_equal(t->sample_row_count, 3);
		assert_int_equal(t->sample[0][0], 'd');
		assert_int_equal(t->sample[4][0], 'd');
		assert_string_equal(t->sample[8], "s");
		assert_null(t->sample[9]);
	}
	mgen_table_list_release(&l);
	mgen_wh_close(wh);
}

static void test_warehouse__sqlite_empty(void **state)
{
	mgen_wh *wh = connect_sqlite();
	mgen_table_list l = {NULL, 0, 0};
	mgen_profile_options o = MGEN_PROFILE_OPTIONS_INIT;
	mgen_table *t;

	(void)state;
	assert_int_equal(mgen_wh_list_tables(wh, NULL, NULL, &l), 0);
	t = find(&l, "empty_t");
	assert_int_equal(mgen_wh_profile(wh, t, &o), 0);
	assert_true(t->profiled);
	assert_int_equal(t->row_count, 0);
	assert_int_equal(t->sample_row_count, 0);
	assert_int_equal(t->columns[0].non_null_count, 0);
	mgen_table_list_release(&l);
	mgen_wh_close(wh);
}

static void test_warehouse__sqlite_comments_roundtrip(void **state)
{
	mgen_wh *wh = connect_sqlite();
	mgen_table_list l = {NULL, 0, 0};
	mgen_buf b = MGEN_BUF_INIT;
	mgen_table *t;

	(void)state;
	assert_int_equal(mgen_wh_list_tables(wh, NULL, NULL, &l), 0);
	t = find(&l, "sparse");
	assert_int_equal(mgen_dialect_setup_ddl(MGEN_DIALECT_SQLITE, &b), 0);
	assert_int_equal(mgen_wh_exec(wh, mgen_buf_str(&b)), 0);
	/* rolled back: nothing changes */
	mgen_buf_reset(&b);
	assert_int_equal(mgen_dialect_column_comment_ddl(MGEN_DIALECT_SQLITE, t,
							 &t->columns[1],
							 "It's b.", &b),
			 0);
	assert_int_equal(mgen_wh_begin(wh), 0);
	assert_int_equal(mgen_wh_exec(wh, mgen_buf_str(&b)), 0);
	assert_int_equal(mgen_wh_rollback(wh), 0);
	assert_int_equal(mgen_wh_table_comments(wh, t), 0);
	assert_null(t->columns[1].existing_comment);
	/* committed: read back, and the table's own comment too */
	assert_int_equal(mgen_wh_begin(wh), 0);
	assert_int_equal(mgen_wh_exec(wh, mgen_buf_str(&b)), 0);
	mgen_buf_reset(&b);
	assert_int_equal(mgen_dialect_table_comment_ddl(MGEN_DIALECT_SQLITE, t,
							"Sparse rows.", &b),
			 0);
	assert_int_equal(mgen_wh_exec(wh, mgen_buf_str(&b)), 0);
	assert_int_equal(mgen_wh_commit(wh), 0);
	assert_int_equal(mgen_wh_table_comments(wh, t), 0);
	assert_string_equal(t->columns[1].existing_comment, "It's b.");
	assert_null(t->columns[0].existing_comment);
	assert_string_equal(t->existing_comment, "Sparse rows.");
	/* NULL removes */
	mgen_buf_reset(&b);
	assert_int_equal(
	    mgen_dialect_table_comment_ddl(MGEN_DIALECT_SQLITE, t, NULL, &b),
	    0);
	assert_int_equal(mgen_wh_exec(wh, mgen_buf_str(&b)), 0);
	assert_int_equal(mgen_wh_table_comments(wh, t), 0);
	assert_null(t->existing_comment);
	assert_string_equal(t->columns[1].existing_comment, "It's b.");
	/* a failing statement reports the driver's text */
	assert_int_equal(mgen_wh_exec(wh, "SELECT nope FROM nowhere"),
			 MGEN_EDB);
	assert_non_null(strstr(mgen_wh_errmsg(wh), "nowhere"));
	mgen_buf_release(&b);
	mgen_table_list_release(&l);
	mgen_wh_close(wh);
}

static void test_warehouse__bad_connection(void **state)
{
	mgen_wh *wh = NULL;
	mgen_err err = MGEN_ERR_INIT;
	char cs[400];

	(void)state;
	assert_int_equal(mgen_wh_connect("Driver=NoSuchDriver;Uid=u;"
					 "PWD=secret",
					 MGEN_DIALECT_AUTO, &wh, &err),
			 MGEN_EDB);
	assert_null(wh);
	assert_int_equal(err.code, MGEN_EDB);
	assert_true(strlen(err.msg) > 10);
	assert_null(strstr(err.msg, "secret"));
	assert_null(strchr(err.msg, '\n'));

	mgen_err_clear(&err);
	snprintf(cs, sizeof(cs),
		 "Driver=SQLite3;Database=%s/no/such/dir/x.db;NoCreat=1;"
		 "PWD={secret}",
		 tmpdir);
	assert_int_equal(mgen_wh_connect(cs, MGEN_DIALECT_SQLITE, &wh, &err),
			 MGEN_EDB);
	assert_non_null(strstr(err.msg, "cannot connect: "));
	assert_null(strstr(err.msg, "secret"));
}

static void test_warehouse__mimic3_demo(void **state)
{
	char srcbuf[512];
	const char *src =
	    mimic_path(srcbuf, sizeof(srcbuf), "mimic3_demo.sqlite");
	char cmd[1200], cs[400];
	mgen_wh *wh = NULL;
	mgen_err err = MGEN_ERR_INIT;
	mgen_table_list l = {NULL, 0, 0};
	size_t i;

	(void)state;
	if (access(src, R_OK) != 0)
		fail_msg("dataset missing: %s (METAGEN_TEST_DATASETS)", src);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s/mimic.sqlite'", src, tmpdir);
	assert_int_equal(system(cmd), 0);
	snprintf(cs, sizeof(cs), "Driver=SQLite3;Database=%s/mimic.sqlite",
		 tmpdir);
	if (mgen_wh_connect(cs, MGEN_DIALECT_AUTO, &wh, &err) != 0)
		fail_msg("connect: %s", err.msg);
	assert_int_equal(mgen_wh_list_tables(wh, NULL, NULL, &l), 0);
	assert_int_equal(l.n, 26);
	for (i = 0; i < l.n; i++)
		assert_true(l.items[i].column_count > 0);
	assert_true(mgen_wh_query_count(wh) <= 3);
	mgen_table_list_release(&l);
	mgen_wh_close(wh);
}

/* --- PostgreSQL (METAGEN_TEST_PG) ------------------------------------- */

static int keep_schema(void *ud, const char *cat, const char *sch,
		       const char *table)
{
	return strcmp(sch, (const char *)ud) == 0;
}

static void pg_setup(mgen_wh *wh, char *big)
{
	mgen_buf b = MGEN_BUF_INIT;

	assert_int_equal(mgen_wh_exec(wh, "DROP SCHEMA IF EXISTS mgen_wh_t "
					  "CASCADE"),
			 0);
	assert_int_equal(mgen_wh_exec(wh, "CREATE SCHEMA mgen_wh_t"), 0);
	assert_int_equal(
	    mgen_wh_exec(wh, "CREATE TABLE mgen_wh_t.\"Things\" (id int, "
			     "ok boolean, doc jsonb, raw bytea, note text, "
			     "at timestamp, gone int)"),
	    0);
	assert_int_equal(mgen_wh_exec(wh, "ALTER TABLE mgen_wh_t.\"Things\" "
					  "DROP COLUMN gone"),
			 0);
	assert_int_equal(mgen_wh_exec(wh, "COMMENT ON TABLE "
					  "mgen_wh_t.\"Things\" IS "
					  "'Things we own.'"),
			 0);
	assert_int_equal(mgen_wh_exec(wh, "COMMENT ON COLUMN "
					  "mgen_wh_t.\"Things\".ok IS "
					  "'Is it ok?'"),
			 0);
	mgen_buf_puts(&b, "INSERT INTO mgen_wh_t.\"Things\" VALUES (1, true, "
			  "'{\"a\": 1}', '\\x000102', '");
	mgen_buf_puts(&b, big);
	mgen_buf_puts(&b, "', '2024-01-02 03:04:05'), (2, false, '{\"a\": 1}', "
			  "NULL, 'x', NULL), (3, NULL, '[1]', NULL, NULL, "
			  "NULL)");
	assert_int_equal(mgen_wh_exec(wh, mgen_buf_str(&b)), 0);
	mgen_buf_release(&b);
}

static void test_warehouse__postgresql(void **state)
{
	const char *cs = getenv("METAGEN_TEST_PG");
	mgen_wh *wh = NULL;
	mgen_err err = MGEN_ERR_INIT;
	mgen_table_list l = {NULL, 0, 0};
	mgen_profile_options o = MGEN_PROFILE_OPTIONS_INIT;
	mgen_table *t;
	char *big = malloc(20001);
	unsigned long q0;
	size_t r;
	int i, seen_big = 0;

	(void)state;
	if (cs == NULL || cs[0] == '\0') {
		free(big);
		skip();
	}
	for (i = 0; i < 20000; i++)
		big[i] = (char)('a' + i % 26);
	big[20000] = '\0';
	if (mgen_wh_connect(cs, MGEN_DIALECT_AUTO, &wh, &err) != 0)
		fail_msg("connect: %s", err.msg);
	assert_int_equal(mgen_wh_dialect(wh), MGEN_DIALECT_POSTGRESQL);
	pg_setup(wh, big);
	assert_int_equal(mgen_wh_list_tables(wh, keep_schema, "mgen_wh_t", &l),
			 0);
	assert_int_equal(l.n, 1);
	t = &l.items[0];
	assert_true(strlen(t->catalog) > 0);
	assert_string_equal(t->schema, "mgen_wh_t");
	assert_string_equal(t->name, "Things");
	assert_string_equal(t->existing_comment, "Things we own.");
	assert_int_equal(t->column_count, 6);
	assert_string_equal(t->columns[1].data_type, "boolean");
	assert_string_equal(t->columns[1].existing_comment, "Is it ok?");
	assert_string_equal(t->columns[2].data_type, "jsonb");
	assert_string_equal(t->columns[3].data_type, "bytea");
	assert_string_equal(t->columns[5].data_type,
			    "timestamp without time zone");
	assert_null(t->columns[4].existing_comment);

	o.word_limit_per_cell = 0;
	q0 = mgen_wh_query_count(wh);
	assert_int_equal(mgen_wh_profile(wh, t, &o), 0);
	assert_int_equal(mgen_wh_query_count(wh) - q0, 2);
	assert_int_equal(t->row_count, 3);
	/* boolean and jsonb: a default btree order but no min() (the
	 * catalog says so): ordered-set min/max, in the engine's text */
	assert_string_equal(t->columns[1].min_value, "false");
	assert_string_equal(t->columns[1].max_value, "true");
	assert_int_equal(t->columns[1].non_null_count, 2);
	assert_non_null(t->columns[2].min_value);
	assert_null(t->profile_note);
	assert_int_equal(t->columns[2].distinct_count, 2);
	assert_null(t->columns[3].min_value);
	assert_string_equal(t->columns[5].min_value, "2024-01-02 03:04:05");
	assert_true(t->columns[3].is_binary);
	assert_int_equal(t->sample_row_count, 3);
	for (r = 0; r < 3; r++) {
		const char *raw = t->sample[r * 6 + 3];
		const char *note = t->sample[r * 6 + 4];

		if (raw)
			assert_string_equal(raw, "AAEC");
		if (note && strcmp(note, big) == 0)
			seen_big++;
	}
	assert_int_equal(seen_big, 1);

	/* comments changed behind our back are re-read */
	assert_int_equal(mgen_wh_exec(wh, "COMMENT ON COLUMN "
					  "mgen_wh_t.\"Things\".note IS 'N.'"),
			 0);
	assert_int_equal(mgen_wh_table_comments(wh, t), 0);
	assert_string_equal(t->columns[4].existing_comment, "N.");
	assert_string_equal(t->columns[1].existing_comment, "Is it ok?");
	assert_string_equal(t->existing_comment, "Things we own.");

	assert_int_equal(mgen_wh_exec(wh, "DROP SCHEMA mgen_wh_t CASCADE"), 0);
	free(big);
	mgen_table_list_release(&l);
	mgen_wh_close(wh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_warehouse__sqlite_list),
	    cmocka_unit_test(test_warehouse__sqlite_filter),
	    cmocka_unit_test(test_warehouse__sqlite_profile),
	    cmocka_unit_test(test_warehouse__sqlite_no_data),
	    cmocka_unit_test(test_warehouse__sqlite_sparse_rows),
	    cmocka_unit_test(test_warehouse__sqlite_empty),
	    cmocka_unit_test(test_warehouse__sqlite_comments_roundtrip),
	    cmocka_unit_test(test_warehouse__bad_connection),
	    cmocka_unit_test(test_warehouse__mimic3_demo),
	    cmocka_unit_test(test_warehouse__postgresql),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
