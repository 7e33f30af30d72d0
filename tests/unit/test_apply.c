/*
 * test_apply.c - mgen_apply live through the SQLite3 ODBC driver
 * (Driver=SQLite3) on a temp database made with the sqlite3 C API: the
 * sidecar is written, existing comments are kept or overwritten, dry-run
 * executes nothing, a failing table is rolled back alone. PostgreSQL:
 * only when METAGEN_TEST_PG holds an ODBC connection string; comments are
 * read back byte for byte.
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

#include "metagen/output.h"
#include "output/output_internal.h"
#include "util/util.h"

#define NASTY "It's a \"quoted\" \\back\\slash\ttab\nnew line\r\n é ü 日本"

typedef struct fixture {
	char dir[64];
	char db[96];
	mgen_table_list l;
	mgen_wh *wh;
	mgen_buf log;
	mgen_buf ddl;
} fixture;

static void on_log(void *ud, mgen_log_level lv, const char *msg)
{
	fixture *f = ud;

	mgen_buf_printf(&f->log, "%d %s\n", (int)lv, msg);
}

static void db_exec(const fixture *f, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("sqlite: %s", msg);
	sqlite3_close(db);
}

/* The sidecar's comment for (table, column) or NULL; caller frees. */
static char *sidecar(const fixture *f, const char *table, const char *col)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *out = NULL;

	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	if (sqlite3_prepare_v2(db,
			       "SELECT comment FROM _metagen_comments WHERE "
			       "table_name = ? AND column_name = ?",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, col, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			out = mgen__strdup(
			    (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return out;
}

static int sidecar_rows(const fixture *f)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = -1;

	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM _metagen_comments", -1,
			       &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return n; /* -1: no sidecar table */
}

static void assert_sidecar(const fixture *f, const char *table, const char *col,
			   const char *want)
{
	char *got = sidecar(f, table, col);

	if (want == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
	free(got);
}

static mgen_table *add_table(mgen_table_list *l, const char *name,
			     const char *comment)
{
	mgen_table *t;

	assert_int_equal(mgen_table_list_push(l, &t), 0);
	t->catalog = mgen__strdup("");
	t->schema = mgen__strdup("main");
	t->name = mgen__strdup(name);
	if (comment)
		assert_int_equal(mgen_proposal_set(&t->proposal, comment,
						   MGEN_PATH_OFFLINE,
						   MGEN_STATUS_PROPOSED, NULL),
				 0);
	return t;
}

static mgen_column *add_col(mgen_table *t, const char *name,
			    const char *comment, mgen_status st)
{
	mgen_column *c;

	assert_int_equal(mgen_table_add_column(t, &c), 0);
	c->name = mgen__strdup(name);
	c->data_type = mgen__strdup("TEXT");
	assert_int_equal(mgen_proposal_set(&c->proposal, comment,
					   MGEN_PATH_LEGACY, st, NULL),
			 0);
	return c;
}

/* orders(id, note, amount) with a human sidecar comment on note;
 * customers(id, name). */
static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	mgen_table *t;

	if (f == NULL)
		return -1;
	*state = f;
	snprintf(f->dir, sizeof(f->dir), "/tmp/mgen-apply-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/w.db", f->dir);
	db_exec(f, "CREATE TABLE orders (id INTEGER, note TEXT, amount REAL);"
		   "CREATE TABLE customers (id INTEGER, name TEXT);"
		   "CREATE TABLE _metagen_comments (table_name TEXT NOT NULL,"
		   " column_name TEXT NOT NULL DEFAULT '', comment TEXT,"
		   " PRIMARY KEY (table_name, column_name));"
		   "INSERT INTO _metagen_comments VALUES "
		   "('orders', 'note', 'human note');");
	t = add_table(&f->l, "orders", "Orders: " NASTY);
	add_col(t, "id", "Order id.", MGEN_STATUS_PROPOSED);
	add_col(t, "note", "Generated note comment.", MGEN_STATUS_PROPOSED);
	add_col(t, "amount", NULL, MGEN_STATUS_FAILED);
	t = add_table(&f->l, "customers", "Customers.");
	add_col(t, "id", "Customer id.", MGEN_STATUS_PROPOSED);
	add_col(t, "name", "Customer's name.", MGEN_STATUS_PROPOSED);
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	mgen_wh_close(f->wh);
	mgen_table_list_release(&f->l);
	mgen_buf_release(&f->log);
	mgen_buf_release(&f->ddl);
	unlink(f->db);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void connect_sqlite(fixture *f)
{
	mgen_buf cs = MGEN_BUF_INIT;
	mgen_err err = MGEN_ERR_INIT;

	mgen_buf_printf(&cs, "Driver=SQLite3;Database=%s", f->db);
	if (mgen_wh_connect(mgen_buf_str(&cs), MGEN_DIALECT_SQLITE, &f->wh,
			    &err))
		fail_msg("connect: %s", err.msg);
	mgen_buf_release(&cs);
}

static int run_apply(fixture *f, int overwrite, int dry_run,
		     mgen_apply_summary *s, mgen_err *err)
{
	mgen_apply_options o = MGEN_APPLY_OPTIONS_INIT;

	o.overwrite = overwrite;
	o.dry_run = dry_run;
	o.log = on_log;
	o.log_userdata = f;
	connect_sqlite(f);
	return mgen_apply(f->wh, f->l.items, f->l.n, &o, &f->ddl, s, err);
}

static mgen_status st_of(const fixture *f, size_t t, int col)
{
	const mgen_table *x = &f->l.items[t];

	return col < 0 ? x->proposal.status : x->columns[col].proposal.status;
}

static void test_apply__sqlite_writes_sidecar_keeps_human(void **state)
{
	fixture *f = *state;
	mgen_apply_summary s;
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(run_apply(f, 0, 0, &s, &err), 0);
	assert_int_equal(s.applied, 5);
	assert_int_equal(s.kept, 1);
	assert_int_equal(s.skipped, 1); /* the failed amount */
	assert_int_equal(s.failed_tables, 0);
	assert_sidecar(f, "orders", "", "Orders: " NASTY);
	assert_sidecar(f, "orders", "id", "Order id.");
	assert_sidecar(f, "orders", "note", "human note");
	assert_sidecar(f, "orders", "amount", NULL);
	assert_sidecar(f, "customers", "", "Customers.");
	assert_sidecar(f, "customers", "name", "Customer's name.");
	assert_int_equal(sidecar_rows(f), 6);
	assert_int_equal(st_of(f, 0, -1), MGEN_STATUS_APPLIED);
	assert_int_equal(st_of(f, 0, 0), MGEN_STATUS_APPLIED);
	assert_int_equal(st_of(f, 0, 1), MGEN_STATUS_KEPT);
	assert_int_equal(st_of(f, 0, 2), MGEN_STATUS_FAILED);
	assert_int_equal(st_of(f, 1, 1), MGEN_STATUS_APPLIED);
	/* the warning, and the ddl: setup + one statement per write */
	assert_non_null(strstr(mgen_buf_str(&f->log),
			       "2 SQLite has no COMMENT statement: comments "
			       "are stored in the _metagen_comments table\n"));
	assert_true(mgen__startswith(mgen_buf_str(&f->ddl),
				     "CREATE TABLE IF NOT EXISTS "
				     "_metagen_comments"));
	assert_null(strstr(mgen_buf_str(&f->ddl), "Generated note"));
	assert_non_null(strstr(mgen_buf_str(&f->ddl), "'Customer''s name.'"));
}

static void test_apply__overwrite_replaces_human(void **state)
{
	fixture *f = *state;
	mgen_apply_summary s;
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(run_apply(f, 1, 0, &s, &err), 0);
	assert_int_equal(s.applied, 6);
	assert_int_equal(s.kept, 0);
	assert_sidecar(f, "orders", "note", "Generated note comment.");
	assert_int_equal(st_of(f, 0, 1), MGEN_STATUS_APPLIED);
}

static void test_apply__dry_run_executes_nothing(void **state)
{
	fixture *f = *state;
	mgen_apply_summary s;
	mgen_err err = MGEN_ERR_INIT;
	mgen_buf sql = MGEN_BUF_INIT;
	const char *ddl;

	assert_int_equal(run_apply(f, 0, 1, &s, &err), 0);
	assert_int_equal(sidecar_rows(f), 1); /* only the human comment */
	assert_sidecar(f, "orders", "", NULL);
	assert_int_equal(st_of(f, 0, -1), MGEN_STATUS_PROPOSED);
	assert_int_equal(st_of(f, 0, 1), MGEN_STATUS_PROPOSED);
	assert_int_equal(s.applied, 5); /* would be */
	assert_int_equal(s.kept, 1);
	ddl = mgen_buf_str(&f->ddl);
	assert_non_null(strstr(ddl, "CREATE TABLE IF NOT EXISTS"));
	assert_non_null(strstr(ddl, "'Order id.'"));
	assert_non_null(strstr(ddl, "'Customers.'"));
	assert_null(strstr(ddl, "Generated note")); /* kept */
	/* every statement dry-run shows is in comments.sql too */
	assert_int_equal(
	    mgen_output_sql(MGEN_DIALECT_SQLITE, f->l.items, f->l.n, &sql), 0);
	{
		const char *p = ddl, *nl;
		while ((nl = strstr(p, ";\n")) != NULL) {
			char *stmt = mgen__strndup(p, (size_t)(nl - p + 1));
			assert_non_null(strstr(mgen_buf_str(&sql), stmt));
			free(stmt);
			p = nl + 2;
		}
	}
	mgen_buf_release(&sql);
}

static void test_apply__same_comment_is_skipped(void **state)
{
	fixture *f = *state;
	mgen_apply_summary s;
	mgen_err err = MGEN_ERR_INIT;

	db_exec(f, "INSERT INTO _metagen_comments VALUES "
		   "('customers', 'id', 'Customer id.');");
	assert_int_equal(run_apply(f, 0, 0, &s, &err), 0);
	assert_int_equal(st_of(f, 1, 0), MGEN_STATUS_SKIPPED);
	assert_int_equal(s.applied, 4);
	assert_int_equal(s.skipped, 2);
	assert_null(strstr(mgen_buf_str(&f->ddl), "'Customer id.'"));
}

/* A trigger makes one statement of `customers` fail after another one
 * of it went through: the table is rolled back, orders still applies. */
static void test_apply__failing_table_rolls_back_alone(void **state)
{
	fixture *f = *state;
	mgen_apply_summary s;
	mgen_err err = MGEN_ERR_INIT;
	const mgen_table *c;

	db_exec(f, "CREATE TRIGGER boom BEFORE INSERT ON _metagen_comments "
		   "WHEN NEW.table_name = 'customers' AND NEW.column_name = "
		   "'name' BEGIN SELECT RAISE(ABORT, 'boom: refused'); END;");
	assert_int_equal(run_apply(f, 0, 0, &s, &err), MGEN_EDB);
	assert_int_equal(s.failed_tables, 1);
	assert_int_equal(s.applied, 2);
	assert_sidecar(f, "orders", "id", "Order id.");
	assert_sidecar(f, "customers", "", NULL); /* rolled back */
	assert_sidecar(f, "customers", "id", NULL);
	c = &f->l.items[1];
	assert_int_equal(c->proposal.status, MGEN_STATUS_FAILED);
	assert_int_equal(c->columns[0].proposal.status, MGEN_STATUS_FAILED);
	assert_int_equal(c->columns[1].proposal.status, MGEN_STATUS_FAILED);
	assert_true(
	    mgen__startswith(c->columns[1].proposal.reason, "apply failed: "));
	assert_non_null(strstr(c->columns[1].proposal.reason, "boom"));
	assert_string_equal(c->columns[1].proposal.comment, "Customer's name.");
	assert_non_null(strstr(err.msg, "main.customers"));
	assert_non_null(strstr(mgen_buf_str(&f->log), "2 apply failed on "
						      "main.customers: "));
}

static void test_apply__dropped_table_fails_alone(void **state)
{
	fixture *f = *state;
	mgen_apply_summary s;
	mgen_err err = MGEN_ERR_INIT;

	db_exec(f, "DROP TABLE customers;");
	assert_int_equal(run_apply(f, 0, 0, &s, &err), MGEN_EDB);
	assert_int_equal(s.failed_tables, 1);
	assert_sidecar(f, "customers", "", NULL);
	assert_sidecar(f, "orders", "", "Orders: " NASTY);
	assert_int_equal(st_of(f, 1, -1), MGEN_STATUS_FAILED);
	assert_non_null(strstr(f->l.items[1].proposal.reason, "not found"));
}

/* A reviewed TSV: a blanked comment is skipped, an edited one applied. */
static void test_apply__reviewed_tsv(void **state)
{
	fixture *f = *state;
	mgen_apply_summary s;
	mgen_err err = MGEN_ERR_INIT;
	mgen_buf tsv = MGEN_BUF_INIT;
	char path[128];

	mgen_proposal_set(&f->l.items[1].columns[1].proposal,
			  "Edited by\na reviewer \\o/", MGEN_PATH_LEGACY,
			  MGEN_STATUS_PROPOSED, NULL);
	mgen_proposal_set(&f->l.items[1].proposal, "", MGEN_PATH_OFFLINE,
			  MGEN_STATUS_PROPOSED, NULL);
	assert_int_equal(mgen_output__tsv(f->l.items, f->l.n, &tsv), 0);
	snprintf(path, sizeof(path), "%s/comments.tsv", f->dir);
	assert_int_equal(
	    mgen__write_file_atomic(path, mgen_buf_str(&tsv), tsv.len), 0);
	mgen_table_list_release(&f->l);
	assert_int_equal(mgen_output_read_tsv(path, &f->l, &err), 0);
	unlink(path);
	assert_int_equal(run_apply(f, 0, 0, &s, &err), 0);
	assert_sidecar(f, "customers", "", NULL);
	assert_sidecar(f, "customers", "name", "Edited by\na reviewer \\o/");
	assert_int_equal(st_of(f, 1, -1), MGEN_STATUS_SKIPPED);
	assert_int_equal(s.applied, 4);
	mgen_buf_release(&tsv);
}

/* --- PostgreSQL, when METAGEN_TEST_PG is set ---------------------------- */

static int only_apply_t(void *ud, const char *catalog, const char *schema,
			const char *table)
{
	(void)ud;
	(void)catalog;
	return strcmp(schema, "public") == 0 &&
	       strcmp(table, "mgen_apply_t") == 0;
}

static void test_apply__postgresql_round_trip(void **state)
{
	const char *cs = getenv("METAGEN_TEST_PG");
	mgen_wh *wh = NULL;
	mgen_err err = MGEN_ERR_INIT;
	mgen_table_list l = {NULL, 0, 0};
	mgen_apply_options o = MGEN_APPLY_OPTIONS_INIT;
	mgen_apply_summary s;
	mgen_buf big = MGEN_BUF_INIT;
	mgen_table_list back = {NULL, 0, 0};
	mgen_table *t, *b;
	size_t i;

	(void)state;
	if (cs == NULL || cs[0] == '\0')
		skip();
	if (mgen_wh_connect(cs, MGEN_DIALECT_AUTO, &wh, &err))
		fail_msg("connect: %s", err.msg);
	assert_int_equal(mgen_wh_dialect(wh), MGEN_DIALECT_POSTGRESQL);
	assert_int_equal(mgen_wh_exec(wh, "DROP TABLE IF EXISTS "
					  "mgen_apply_t"),
			 0);
	assert_int_equal(mgen_wh_exec(wh,
				      "CREATE TABLE mgen_apply_t "
				      "(a int, \"we\"\"ird\" text, c text)"),
			 0);
	for (i = 0; big.len < 10240; i++)
		mgen_buf_printf(&big, "line %zu: 'quote' \\ é\n", i);
	t = add_table(&l, "name-ignored", "Table: " NASTY);
	free(t->schema);
	t->schema = mgen__strdup("public");
	free(t->name);
	t->name = mgen__strdup("mgen_apply_t");
	add_col(t, "a", "It''s \\\\ already doubled", MGEN_STATUS_PROPOSED);
	add_col(t, "we\"ird", NASTY, MGEN_STATUS_PROPOSED);
	add_col(t, "c", mgen_buf_str(&big), MGEN_STATUS_PROPOSED);
	assert_int_equal(mgen_apply(wh, l.items, l.n, &o, NULL, &s, &err), 0);
	assert_int_equal(s.applied, 4);
	/* read back through the warehouse layer (col_description) */
	assert_int_equal(mgen_wh_list_tables(wh, only_apply_t, NULL, &back), 0);
	assert_int_equal(back.n, 1);
	b = &back.items[0];
	assert_int_equal(b->column_count, 3);
	assert_string_equal(b->existing_comment, "Table: " NASTY);
	assert_string_equal(b->columns[0].existing_comment,
			    "It''s \\\\ already doubled");
	assert_string_equal(b->columns[1].name, "we\"ird");
	assert_string_equal(b->columns[1].existing_comment, NASTY);
	assert_string_equal(b->columns[2].existing_comment, mgen_buf_str(&big));
	mgen_table_list_release(&back);
	/* a second apply keeps what is there now */
	assert_int_equal(mgen_proposal_set(&t->columns[0].proposal, "new",
					   MGEN_PATH_LEGACY,
					   MGEN_STATUS_PROPOSED, NULL),
			 0);
	assert_int_equal(mgen_apply(wh, l.items, l.n, &o, NULL, &s, &err), 0);
	assert_int_equal(t->columns[0].proposal.status, MGEN_STATUS_KEPT);
	assert_int_equal(s.applied, 0);
	mgen_wh_exec(wh, "DROP TABLE mgen_apply_t");
	mgen_buf_release(&big);
	mgen_table_list_release(&l);
	mgen_wh_close(wh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_apply__sqlite_writes_sidecar_keeps_human, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_apply__overwrite_replaces_human, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_apply__dry_run_executes_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_apply__same_comment_is_skipped,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_apply__failing_table_rolls_back_alone, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_apply__dropped_table_fails_alone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_apply__reviewed_tsv, setup,
					    teardown),
	    cmocka_unit_test(test_apply__postgresql_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
