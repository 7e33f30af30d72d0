/*
 * test_output.c - the run files: comments.sql (PostgreSQL escaping, the
 * SQLite sidecar statements executed for real through the sqlite3 API),
 * comments.tsv round trip and read errors, comments.json, manifest.json
 * and dictionary.md; the streaming writer (uneven adds give write_all's
 * bytes, abort leaves nothing, zero tables).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "metagen/output.h"
#include "output/output_internal.h"
#include "util/json.h"
#include "util/util.h"

/* Nasty text: quotes, backslashes, tabs, newlines, CR, non-ASCII. */
#define NASTY                                                                  \
	"It's a \"quoted\" \\back\\slash\ttab\nnew line\r\nCRLF é ü 日本"

typedef struct fixture {
	char dir[64];
	mgen_table_list l;
} fixture;

static void add_col(mgen_table *t, const char *name, const char *type,
		    const char *existing, const char *comment, mgen_path path,
		    mgen_status st, const char *reason)
{
	mgen_column *c;

	assert_int_equal(mgen_table_add_column(t, &c), 0);
	c->name = mgen__strdup(name);
	c->data_type = mgen__strdup(type);
	c->existing_comment = existing ? mgen__strdup(existing) : NULL;
	assert_int_equal(
	    mgen_proposal_set(&c->proposal, comment, path, st, reason), 0);
}

static mgen_table *add_table(mgen_table_list *l, const char *catalog,
			     const char *schema, const char *name,
			     const char *existing, const char *comment,
			     mgen_path path, mgen_status st, const char *reason)
{
	mgen_table *t;

	assert_int_equal(mgen_table_list_push(l, &t), 0);
	t->catalog = mgen__strdup(catalog);
	t->schema = mgen__strdup(schema);
	t->name = mgen__strdup(name);
	t->existing_comment = existing ? mgen__strdup(existing) : NULL;
	assert_int_equal(
	    mgen_proposal_set(&t->proposal, comment, path, st, reason), 0);
	return t;
}

/* Three tables: every status, every path, nasty text everywhere. */
static void build_tables(mgen_table_list *l, const char *catalog,
			 const char *schema)
{
	mgen_table *t;

	t = add_table(l, catalog, schema, "orders", NULL, "Orders: " NASTY,
		      MGEN_PATH_OPTIMIZED, MGEN_STATUS_PROPOSED, NULL);
	add_col(t, "id", "integer", NULL, "Primary key.", MGEN_PATH_OPTIMIZED,
		MGEN_STATUS_PROPOSED, NULL);
	add_col(t, "note|x", "text", "human\tnote", NASTY, MGEN_PATH_LEGACY,
		MGEN_STATUS_KEPT, "existing comment kept");
	add_col(t, "amount", "numeric(10,2)", NULL, NULL, MGEN_PATH_NONE,
		MGEN_STATUS_FAILED, "lm answer\nmissing column");
	t = add_table(l, catalog, schema, "customers", "Existing table text",
		      "The customers.", MGEN_PATH_OFFLINE, MGEN_STATUS_KEPT,
		      NULL);
	add_col(t, "name", "varchar(50)", NULL, "Customer's name \\ 'x'",
		MGEN_PATH_OFFLINE, MGEN_STATUS_PROPOSED, "fell back: timeout");
	t = add_table(l, catalog, schema, "empty", NULL, NULL, MGEN_PATH_NONE,
		      MGEN_STATUS_FAILED, "no columns\tat all");
	(void)t;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/mgen-output-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	*state = f;
	return 0;
}

/* Removes the test's folder with whatever it holds (the stream tests
 * write run folders inside it). */
static int teardown(void **state)
{
	fixture *f = *state;
	char cmd[128];
	int rc;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	rc = system(cmd);
	mgen_table_list_release(&f->l);
	free(f);
	return rc == 0 ? 0 : -1;
}

static void write_run(fixture *f, mgen_dialect d, const char *dialect)
{
	mgen_run_info info;
	mgen_err err = MGEN_ERR_INIT;

	memset(&info, 0, sizeof(info));
	info.version = MGEN_RUN_INFO_VERSION;
	info.run_id = "20261123-153000-ab12";
	info.dir = f->dir;
	info.started_at = "2026-11-23T15:30:00Z";
	info.finished_at = "2026-11-23T15:31:00Z";
	info.dialect = dialect;
	info.model = "offline";
	info.config_json = "{\"sample_size\":5,\"allow_data\":true}";
	info.config_digest = "abc123";
	info.elapsed_ms = 60000;
	info.prompt_tokens = 1234;
	info.completion_tokens = 567;
	info.lm_calls = 3;
	info.warehouse_queries = 9;
	assert_int_equal(
	    mgen_output_write_all(&info, d, f->l.items, f->l.n, &err), 0);
}

static char *slurp(const fixture *f, const char *name)
{
	char p[128];
	char *text = NULL;
	size_t len;

	snprintf(p, sizeof(p), "%s/%s", f->dir, name);
	assert_int_equal(mgen__read_file(p, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	return text;
}

static void test_output__sql_postgresql_escaping(void **state)
{
	fixture *f = *state;
	char *sql;

	build_tables(&f->l, "db", "public");
	write_run(f, MGEN_DIALECT_POSTGRESQL, "postgresql");
	sql = slurp(f, "comments.sql");
	assert_non_null(strstr(sql, "20261123-153000-ab12"));
	assert_non_null(strstr(sql, "`metagen apply` does not read this file"));
	assert_non_null(strstr(sql, "\nSET standard_conforming_strings = on;\n"));
	/* PostgreSQL: text with a backslash or line break is E'...' (\ and '
	 * doubled, line breaks escaped), the same under both settings */
	assert_non_null(strstr(sql, "COMMENT ON TABLE "));
	assert_non_null(
	    strstr(sql, "IS E'Orders: It''s a \"quoted\" \\\\back\\\\slash\ttab"
			"\\nnew line\\r\\nCRLF é ü 日本';\n"));
	assert_non_null(strstr(sql, "COMMENT ON COLUMN "));
	assert_non_null(strstr(sql, "IS 'Primary key.';\n"));
	assert_non_null(strstr(sql, "IS E'Customer''s name \\\\ ''x''';\n"));
	/* kept and failed objects are comment lines, on one line each */
	assert_non_null(strstr(sql, "-- kept existing comment on "
				    "db.public.orders.note|x (use "
				    "--overwrite to replace)\n"));
	assert_non_null(strstr(sql, "-- kept existing comment on "
				    "db.public.customers (use"));
	assert_non_null(strstr(sql, "-- failed: db.public.orders.amount: "
				    "lm answer\\nmissing column\n"));
	assert_non_null(strstr(sql, "-- failed: db.public.empty: no columns"
				    "\\tat all\n"));
	assert_null(strstr(sql, "'The customers.'"));
	/* table statement before its columns, columns in order */
	assert_true(strstr(sql, "'Orders: ") < strstr(sql, "'Primary key.'"));
	assert_true(strstr(sql, "'Primary key.'") <
		    strstr(sql, "db.public.orders.amount"));
	free(sql);
}

/* The SQLite statements are run for real; the sidecar then holds them. */
static void test_output__sql_sqlite_sidecar_runs(void **state)
{
	fixture *f = *state;
	char path[128], *sql, *errmsg = NULL;
	sqlite3 *db;
	sqlite3_stmt *st;
	int rows = 0;

	build_tables(&f->l, "", "main");
	write_run(f, MGEN_DIALECT_SQLITE, "sqlite");
	sql = slurp(f, "comments.sql");
	assert_non_null(strstr(sql, "_metagen_comments"));
	snprintf(path, sizeof(path), "%s/x.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, &errmsg), SQLITE_OK);
	/* running it twice is harmless (upserts) */
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, &errmsg), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT table_name, column_name, "
					    "comment FROM _metagen_comments "
					    "ORDER BY rowid",
					    -1, &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *tn = (const char *)sqlite3_column_text(st, 0);
		const char *cn = (const char *)sqlite3_column_text(st, 1);
		const char *cm = (const char *)sqlite3_column_text(st, 2);
		rows++;
		if (cn == NULL || cn[0] == '\0') {
			assert_string_equal(tn, "orders");
			assert_string_equal(cm, "Orders: " NASTY);
		} else if (strcmp(cn, "id") == 0) {
			assert_string_equal(cm, "Primary key.");
		} else {
			assert_string_equal(tn, "customers");
			assert_string_equal(cn, "name");
			assert_string_equal(cm, "Customer's name \\ 'x'");
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(rows, 3); /* proposed only: kept/failed not written */
	free(sql);
}

static void assert_same_str(const char *a, const char *b)
{
	/* NULL and "" are both "absent" in the TSV */
	assert_string_equal(a ? a : "", b ? b : "");
}

static void assert_same_proposal(const mgen_proposal *a, const mgen_proposal *b)
{
	assert_same_str(a->comment, b->comment);
	assert_same_str(a->reason, b->reason);
	assert_int_equal(a->path, b->path);
	assert_int_equal(a->status, b->status);
}

static void test_output__tsv_round_trip(void **state)
{
	fixture *f = *state;
	mgen_table_list back = {NULL, 0, 0};
	mgen_err err = MGEN_ERR_INIT;
	mgen_buf again = MGEN_BUF_INIT;
	char path[128], *tsv;
	size_t i, j;

	build_tables(&f->l, "", "main");
	write_run(f, MGEN_DIALECT_SQLITE, "sqlite");
	tsv = slurp(f, "comments.tsv");
	assert_true(mgen__startswith(tsv, MGEN_OUTPUT_TSV_HEADER "\n"));
	/* tabs and newlines inside fields are escaped: 1 + 3 + 1 + 1 + 1 */
	{
		size_t lines = 0;
		for (i = 0; tsv[i]; i++)
			lines += tsv[i] == '\n';
		assert_int_equal(lines, 8);
	}
	snprintf(path, sizeof(path), "%s/comments.tsv", f->dir);
	assert_int_equal(mgen_output_read_tsv(path, &back, &err), 0);
	assert_int_equal(back.n, f->l.n);
	for (i = 0; i < back.n; i++) {
		const mgen_table *a = &f->l.items[i], *b = &back.items[i];
		assert_same_str(a->catalog, b->catalog);
		assert_string_equal(a->schema, b->schema);
		assert_string_equal(a->name, b->name);
		assert_same_str(a->existing_comment, b->existing_comment);
		assert_same_proposal(&a->proposal, &b->proposal);
		assert_int_equal(a->column_count, b->column_count);
		for (j = 0; j < a->column_count; j++) {
			const mgen_column *x = &a->columns[j];
			const mgen_column *y = &b->columns[j];
			assert_string_equal(x->name, y->name);
			assert_string_equal(x->data_type, y->data_type);
			assert_same_str(x->existing_comment,
					y->existing_comment);
			assert_same_proposal(&x->proposal, &y->proposal);
			assert_int_equal(y->ordinal, (int)j + 1);
		}
	}
	/* and writing what was read gives the same bytes */
	assert_int_equal(mgen_output__tsv(back.items, back.n, &again), 0);
	assert_string_equal(mgen_buf_str(&again), tsv);
	mgen_buf_release(&again);
	mgen_table_list_release(&back);
	free(tsv);
}

/* Writes `text` as bad.tsv and expects read_tsv to fail with `code` and a
 * message starting with "PATH:LINE: " and containing `what`. */
static void expect_tsv_error(fixture *f, const char *text, int code, int line,
			     const char *what)
{
	mgen_table_list l = {NULL, 0, 0};
	mgen_err err = MGEN_ERR_INIT;
	char path[128], prefix[160];

	snprintf(path, sizeof(path), "%s/bad.tsv", f->dir);
	assert_int_equal(mgen__write_file_atomic(path, text, strlen(text)), 0);
	assert_int_equal(mgen_output_read_tsv(path, &l, &err), code);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	if (!mgen__startswith(err.msg, prefix))
		fail_msg("message \"%s\" does not start with \"%s\"", err.msg,
			 prefix);
	assert_non_null(strstr(err.msg, what));
	assert_int_equal(l.n, 0);
	mgen_table_list_release(&l);
}

#define H MGEN_OUTPUT_TSV_HEADER "\n"
#define ROW_T "\tmain\tt\t\t\t\tA comment\toffline\tproposed\t\n"

static void test_output__tsv_errors_name_file_and_line(void **state)
{
	fixture *f = *state;

	expect_tsv_error(f, H ROW_T "\tmain\tt\tc\tint\t\tx\toffline\n",
			 MGEN_EPARSE, 3,
			 "expected 10 tab-separated fields, "
			 "found 8");
	expect_tsv_error(f, H ROW_T ROW_T "\tmain\tt\tc\tint\t\tx\t\t\t\t\n",
			 MGEN_EPARSE, 4, "found 11");
	expect_tsv_error(f, H "\tmain\tt\t\t\t\tbad \\q escape\t\tproposed\t\n",
			 MGEN_EPARSE, 2, "bad escape \"\\q\" in field 7");
	expect_tsv_error(f, H "\tmain\tt\t\t\t\ttrailing \\\t\tproposed\t\n",
			 MGEN_EPARSE, 2, "bad escape");
	expect_tsv_error(f, H ROW_T "\tmain\tt\tc\tint\t\tx\toffline\tdone\t\n",
			 MGEN_EPARSE, 3, "unknown status");
	expect_tsv_error(f, H "\tmain\tt\tc\tint\t\tx\tgpt\tproposed\t\n",
			 MGEN_EPARSE, 2, "unknown path");
	expect_tsv_error(f, "catalog\tschema\n", MGEN_EPARSE, 1, "header row");
	expect_tsv_error(f, "", MGEN_EPARSE, 1, "empty file");
}

static void test_output__tsv_missing_file(void **state)
{
	mgen_table_list l = {NULL, 0, 0};
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(mgen_output_read_tsv("/no/such/comments.tsv", &l,
					      &err),
			 MGEN_EIO);
	assert_non_null(strstr(err.msg, "/no/such/comments.tsv"));
	assert_int_equal(l.n, 0);
}

/* A reviewer's file: CRLF line ends, a BOM, blank lines, a blanked
 * comment (SKIPPED) and an edited one. */
static void test_output__tsv_reviewer_edits(void **state)
{
	fixture *f = *state;
	mgen_table_list l = {NULL, 0, 0};
	mgen_err err = MGEN_ERR_INIT;
	char path[128];
	const char *text =
	    "\xEF\xBB\xBF" MGEN_OUTPUT_TSV_HEADER "\r\n"
	    "\tmain\tt\t\t\t\t\toffline\tproposed\t\r\n"
	    "\r\n"
	    "\tmain\tt\tc\tint\told\tEdited \\\\ by\\na human\tlegacy\t"
	    "proposed\t\\N\r\n";

	snprintf(path, sizeof(path), "%s/bad.tsv", f->dir);
	assert_int_equal(mgen__write_file_atomic(path, text, strlen(text)), 0);
	assert_int_equal(mgen_output_read_tsv(path, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].schema, "main");
	assert_null(l.items[0].proposal.comment);
	assert_int_equal(l.items[0].proposal.status, MGEN_STATUS_SKIPPED);
	assert_int_equal(l.items[0].column_count, 1);
	assert_string_equal(l.items[0].columns[0].proposal.comment,
			    "Edited \\ by\na human");
	assert_string_equal(l.items[0].columns[0].existing_comment, "old");
	assert_int_equal(l.items[0].columns[0].proposal.path, MGEN_PATH_LEGACY);
	assert_int_equal(l.items[0].columns[0].proposal.status,
			 MGEN_STATUS_PROPOSED);
	assert_null(l.items[0].columns[0].proposal.reason);
	mgen_table_list_release(&l);
}

static void test_output__json_has_every_field(void **state)
{
	fixture *f = *state;
	char *text;
	cJSON *root, *tables, *t0, *cols, *c1;

	build_tables(&f->l, "db", "public");
	write_run(f, MGEN_DIALECT_POSTGRESQL, "postgresql");
	text = slurp(f, "comments.json");
	root = cJSON_Parse(text);
	assert_non_null(root);
	tables = cJSON_GetObjectItemCaseSensitive(root, "tables");
	assert_int_equal(cJSON_GetArraySize(tables), 3);
	t0 = cJSON_GetArrayItem(tables, 0);
	assert_string_equal(mgen__json_str(t0, "catalog"), "db");
	assert_string_equal(mgen__json_str(t0, "schema"), "public");
	assert_string_equal(mgen__json_str(t0, "table"), "orders");
	assert_string_equal(mgen__json_str(t0, "comment"), "Orders: " NASTY);
	assert_string_equal(mgen__json_str(t0, "path"), "optimized");
	assert_string_equal(mgen__json_str(t0, "status"), "proposed");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(t0, "reason")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(t0, "existing_comment")));
	cols = cJSON_GetObjectItemCaseSensitive(t0, "columns");
	assert_int_equal(cJSON_GetArraySize(cols), 3);
	c1 = cJSON_GetArrayItem(cols, 1);
	assert_string_equal(mgen__json_str(c1, "name"), "note|x");
	assert_string_equal(mgen__json_str(c1, "data_type"), "text");
	assert_string_equal(mgen__json_str(c1, "comment"), NASTY);
	assert_string_equal(mgen__json_str(c1, "path"), "legacy");
	assert_string_equal(mgen__json_str(c1, "status"), "kept");
	assert_string_equal(mgen__json_str(c1, "reason"),
			    "existing comment kept");
	assert_string_equal(mgen__json_str(c1, "existing_comment"),
			    "human\tnote");
	cJSON_Delete(root);
	free(text);
}

static double num_at(const cJSON *o, const char *a, const char *b)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b)
		x = cJSON_GetObjectItemCaseSensitive(x, b);
	assert_true(cJSON_IsNumber(x));
	return x->valuedouble;
}

static void test_output__manifest_counts(void **state)
{
	fixture *f = *state;
	char *text;
	cJSON *m, *c, *fails, *f0;

	build_tables(&f->l, "", "main");
	write_run(f, MGEN_DIALECT_SQLITE, "sqlite");
	text = slurp(f, "manifest.json");
	m = cJSON_Parse(text);
	assert_non_null(m);
	assert_string_equal(mgen__json_str(m, "run_id"),
			    "20261123-153000-ab12");
	assert_string_equal(mgen__json_str(m, "started_at"),
			    "2026-11-23T15:30:00Z");
	assert_string_equal(mgen__json_str(m, "dialect"), "sqlite");
	assert_string_equal(mgen__json_str(m, "model"), "offline");
	assert_string_equal(mgen__json_str(m, "config_digest"), "abc123");
	assert_true(num_at(m, "elapsed_ms", NULL) == 60000);
	assert_true(num_at(m, "config", "sample_size") == 5);
	assert_true(num_at(m, "tokens", "prompt") == 1234);
	assert_true(num_at(m, "tokens", "completion") == 567);
	assert_true(num_at(m, "lm_calls", NULL) == 3);
	assert_true(num_at(m, "warehouse_queries", NULL) == 9);
	c = cJSON_GetObjectItemCaseSensitive(m, "counts");
	assert_true(num_at(c, "tables", NULL) == 3);
	assert_true(num_at(c, "tables_failed", NULL) == 2); /* orders, empty */
	assert_true(num_at(c, "columns", NULL) == 4);
	assert_true(num_at(c, "comments_proposed", NULL) == 3);
	assert_true(num_at(c, "kept", NULL) == 2);
	assert_true(num_at(c, "failed", NULL) == 2);
	assert_true(num_at(c, "by_path", "optimized") == 2);
	assert_true(num_at(c, "by_path", "legacy") == 1);
	assert_true(num_at(c, "by_path", "offline") == 2);
	fails = cJSON_GetObjectItemCaseSensitive(m, "failures");
	assert_int_equal(cJSON_GetArraySize(fails), 2);
	f0 = cJSON_GetArrayItem(fails, 0);
	assert_string_equal(mgen__json_str(f0, "object"), "main.orders.amount");
	assert_string_equal(mgen__json_str(f0, "reason"),
			    "lm answer\nmissing column");
	assert_string_equal(
	    mgen__json_str(cJSON_GetArrayItem(fails, 1), "object"),
	    "main.empty");
	cJSON_Delete(m);
	free(text);
}

static void test_output__dictionary_tables_and_escaping(void **state)
{
	fixture *f = *state;
	char *md;

	build_tables(&f->l, "", "main");
	write_run(f, MGEN_DIALECT_SQLITE, "sqlite");
	md = slurp(f, "dictionary.md");
	assert_true(mgen__startswith(md, "# Data dictionary\n"));
	assert_non_null(strstr(md, "\n## main.orders\n"));
	assert_non_null(strstr(md, "\n## main.customers\n"));
	assert_non_null(strstr(md, "\n## main.empty\n"));
	assert_non_null(strstr(md, "| Column | Type | Comment | Source | "
				   "Status |\n"));
	assert_non_null(strstr(md, "| id | integer | Primary key. | "
				   "optimized | proposed |\n"));
	/* kept: the existing comment is shown; `|` and newlines escaped */
	assert_non_null(strstr(md, "| note\\|x | text | human\tnote | "
				   "existing | kept |\n"));
	assert_non_null(strstr(md, "| amount | numeric(10,2) |  |  | "
				   "failed |\n"));
	/* the kept table shows its existing comment */
	assert_non_null(strstr(md, "\nExisting table text\n"));
	free(md);
}

static void test_output__sql_alone_matches_file_body(void **state)
{
	fixture *f = *state;
	mgen_buf b = MGEN_BUF_INIT;
	char *sql;
	const char *body;

	build_tables(&f->l, "db", "public");
	write_run(f, MGEN_DIALECT_POSTGRESQL, "postgresql");
	sql = slurp(f, "comments.sql");
	assert_int_equal(
	    mgen_output_sql(MGEN_DIALECT_POSTGRESQL, f->l.items, f->l.n, &b),
	    0);
	/* same text after the first (run id) line */
	body = strchr(mgen_buf_str(&b), '\n');
	assert_non_null(body);
	assert_string_equal(body, strchr(sql, '\n'));
	mgen_buf_release(&b);
	free(sql);
}

static void test_output__write_all_bad_dir(void **state)
{
	mgen_run_info info;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	memset(&info, 0, sizeof(info));
	info.version = MGEN_RUN_INFO_VERSION;
	info.dir = "/proc/no/such/dir";
	assert_int_equal(mgen_output_write_all(&info, MGEN_DIALECT_POSTGRESQL,
					       NULL, 0, &err),
			 MGEN_EIO);
	assert_non_null(strstr(err.msg, "/proc/no/such/dir"));
}

/* --- the streaming writer ----------------------------------------------- */

static void run_info(mgen_run_info *info, const char *dir)
{
	memset(info, 0, sizeof(*info));
	info->version = MGEN_RUN_INFO_VERSION;
	info->run_id = "20261123-153000-st01";
	info->dir = dir;
	info->started_at = "2026-11-23T15:30:00Z";
	info->dialect = "postgresql";
	info->model = "m";
	info->config_json = "{\"sample_size\":5}";
	info->warehouse_queries = 42;
}

/* The three nasty tables, then `extra` more of 0-3 columns, every
 * fifth one failed. */
static void build_many(mgen_table_list *l, size_t extra)
{
	static const mgen_status st[] = {MGEN_STATUS_FAILED,
					 MGEN_STATUS_PROPOSED};
	char name[32];
	size_t i, j;
	mgen_table *t;

	build_tables(l, "db", "public");
	for (i = 0; i < extra; i++) {
		snprintf(name, sizeof(name), "t%03zu", i);
		t = add_table(l, "db", "public", name, NULL, "A table.",
			      MGEN_PATH_LEGACY, st[i % 5 != 0],
			      i % 5 ? NULL : "lm error");
		for (j = 0; j < i % 4; j++) {
			snprintf(name, sizeof(name), "c%zu", j);
			add_col(t, name, "text", NULL, "A column.",
				MGEN_PATH_OPTIMIZED, MGEN_STATUS_PROPOSED,
				NULL);
		}
	}
}

/* Entries of `dir` other than . and ..; -1 when it cannot be read. */
static int entries(const char *dir, const char *containing)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    (containing == NULL || strstr(e->d_name, containing)))
			n++;
	closedir(d);
	return n;
}

static char *slurp_in(const char *dir, const char *name)
{
	char p[160], *text = NULL;
	size_t len;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_int_equal(mgen__read_file(p, &text, &len), 0);
	return text;
}

static const char *const run_files[] = {"comments.sql", "comments.tsv",
					"comments.json", "dictionary.md",
					"manifest.json"};

/* Adds of 1, 0, 70 and the rest (past the writer's pieces) give the
 * bytes write_all gives, in every file. */
static void test_output__stream_same_bytes_as_write_all(void **state)
{
	fixture *f = *state;
	mgen_output_stream *s = NULL;
	mgen_err err = MGEN_ERR_INIT;
	mgen_run_info info;
	static const size_t cut[] = {0, 1, 1, 71};
	char a[96], b[96], *x, *y;
	size_t i, n;
	cJSON *root, *tables;

	build_many(&f->l, 147);
	n = f->l.n;
	snprintf(a, sizeof(a), "%s/all", f->dir);
	snprintf(b, sizeof(b), "%s/stream", f->dir);
	run_info(&info, a);
	assert_int_equal(mgen_output_write_all(&info, MGEN_DIALECT_POSTGRESQL,
					       f->l.items, n, &err),
			 0);
	run_info(&info, b);
	assert_int_equal(mgen_output_stream_open(&info, MGEN_DIALECT_POSTGRESQL,
						 n, &s, &err),
			 0);
	for (i = 0; i < 4; i++) /* adds of 1, 0, 70, the rest */
		assert_int_equal(mgen_output_stream_add(s, f->l.items + cut[i],
							(i < 3 ? cut[i + 1] : n)
							    - cut[i],
							&err),
				 0);
	assert_int_equal(mgen_output_stream_close(s, &info, &err), 0);
	assert_int_equal(entries(b, ".tmp."), 0);
	assert_int_equal(entries(b, NULL), 5);
	for (i = 0; i < 5; i++) {
		x = slurp_in(a, run_files[i]);
		y = slurp_in(b, run_files[i]);
		if (strcmp(x, y) != 0)
			fail_msg("%s differs", run_files[i]);
		free(x);
		free(y);
	}
	/* comments.json: every table once, in order */
	x = slurp_in(b, "comments.json");
	root = cJSON_Parse(x);
	free(x);
	assert_non_null(root);
	tables = cJSON_GetObjectItemCaseSensitive(root, "tables");
	assert_int_equal(cJSON_GetArraySize(tables), n);
	for (i = 0; i < n; i++)
		assert_string_equal(
		    mgen__json_str(cJSON_GetArrayItem(tables, (int)i), "table"),
		    f->l.items[i].name);
	cJSON_Delete(root);
}

/* abort after some adds: a fresh folder stays empty; an earlier run's
 * files stay as they were. */
static void test_output__stream_abort_leaves_nothing(void **state)
{
	fixture *f = *state;
	mgen_output_stream *s = NULL;
	mgen_err err = MGEN_ERR_INIT;
	mgen_run_info info;
	char d[96], *before[5];
	size_t i;

	build_many(&f->l, 80);
	snprintf(d, sizeof(d), "%s/fresh", f->dir);
	run_info(&info, d);
	assert_int_equal(mgen_output_stream_open(&info, MGEN_DIALECT_SQLITE,
						 f->l.n, &s, &err),
			 0);
	assert_int_equal(entries(d, ".tmp."), 4); /* the comment files */
	assert_int_equal(mgen_output_stream_add(s, f->l.items, 72, &err), 0);
	mgen_output_stream_abort(s);
	assert_int_equal(entries(d, NULL), 0);

	assert_int_equal(mgen_output_write_all(&info, MGEN_DIALECT_SQLITE,
					       f->l.items, 3, &err),
			 0);
	for (i = 0; i < 5; i++)
		before[i] = slurp_in(d, run_files[i]);
	assert_int_equal(mgen_output_stream_open(&info, MGEN_DIALECT_SQLITE,
						 f->l.n, &s, &err),
			 0);
	assert_int_equal(
	    mgen_output_stream_add(s, f->l.items + 3, f->l.n - 3, &err), 0);
	mgen_output_stream_abort(s);
	assert_int_equal(entries(d, NULL), 5);
	for (i = 0; i < 5; i++) {
		char *after = slurp_in(d, run_files[i]);
		assert_string_equal(after, before[i]);
		free(after);
		free(before[i]);
	}
}

/* Closed over zero tables: valid, empty files. */
static void test_output__stream_zero_tables(void **state)
{
	fixture *f = *state;
	mgen_output_stream *s = NULL;
	mgen_err err = MGEN_ERR_INIT;
	mgen_run_info info;
	char d[96], *text;
	cJSON *root, *tables;

	snprintf(d, sizeof(d), "%s/zero", f->dir);
	run_info(&info, d);
	assert_int_equal(mgen_output_stream_open(&info, MGEN_DIALECT_SQLITE, 0,
						 &s, &err),
			 0);
	assert_int_equal(mgen_output_stream_close(s, &info, &err), 0);
	text = slurp_in(d, "comments.json");
	root = cJSON_Parse(text);
	free(text);
	assert_non_null(root);
	tables = cJSON_GetObjectItemCaseSensitive(root, "tables");
	assert_true(cJSON_IsArray(tables));
	assert_int_equal(cJSON_GetArraySize(tables), 0);
	cJSON_Delete(root);
	text = slurp_in(d, "comments.tsv");
	assert_string_equal(text, MGEN_OUTPUT_TSV_HEADER "\n");
	free(text);
	text = slurp_in(d, "manifest.json");
	root = cJSON_Parse(text);
	free(text);
	assert_non_null(root);
	assert_true(num_at(cJSON_GetObjectItemCaseSensitive(root, "counts"),
			   "tables", NULL) == 0);
	assert_true(num_at(root, "warehouse_queries", NULL) == 42);
	cJSON_Delete(root);
	assert_int_equal(entries(d, ".tmp."), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_output__sql_postgresql_escaping, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_output__sql_sqlite_sidecar_runs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_output__tsv_round_trip, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		test_output__tsv_errors_name_file_and_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_output__tsv_reviewer_edits,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_output__json_has_every_field,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_output__manifest_counts, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		test_output__dictionary_tables_and_escaping, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_output__sql_alone_matches_file_body, setup, teardown),
	    cmocka_unit_test(test_output__write_all_bad_dir),
	    cmocka_unit_test(test_output__tsv_missing_file),
	    cmocka_unit_test_setup_teardown(
		test_output__stream_same_bytes_as_write_all, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_output__stream_abort_leaves_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_output__stream_zero_tables,
					    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
