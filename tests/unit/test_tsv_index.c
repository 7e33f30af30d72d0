/*
 * test_tsv_index.c - comments.tsv rows are gathered into their tables by
 * (catalog, schema, table) whatever their order: rows of one table split
 * by another's, names that differ only where one part ends, a file of
 * thousands of tables (the index grows several times), and rows added to
 * a list that already holds the table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metagen/buf.h"
#include "metagen/output.h"
#include "output/output_internal.h"

static void row(mgen_buf *b, const char *catalog, const char *schema,
		const char *table, const char *column)
{
	mgen_buf_printf(b, "%s\t%s\t%s\t%s\ttext\t\t%s\tlegacy\tproposed\t\n",
			catalog, schema, table, column, column[0] ? "c" : "t");
}

static void parse(mgen_buf *b, mgen_table_list *l)
{
	mgen_err err = {0};

	assert_int_equal(mgen_buf_error(b), 0);
	assert_int_equal(mgen_output_parse_tsv(b->data, b->len, "t.tsv", l,
					       NULL, NULL, &err),
			 0);
}

static const mgen_table *find(const mgen_table_list *l, const char *catalog,
			      const char *schema, const char *name)
{
	size_t i, hits = 0;
	const mgen_table *t = NULL;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->items[i].catalog, catalog) == 0 &&
		    strcmp(l->items[i].schema, schema) == 0 &&
		    strcmp(l->items[i].name, name) == 0) {
			t = &l->items[i];
			hits++;
		}
	assert_int_equal(hits, 1);
	return t;
}

static void test_tsv__rows_split_by_another_table(void **state)
{
	mgen_buf b = {0};
	mgen_table_list l = {0};

	(void)state;
	mgen_buf_puts(&b, MGEN_OUTPUT_TSV_HEADER "\n");
	row(&b, "", "main", "a", "");
	row(&b, "", "main", "a", "x");
	row(&b, "", "main", "b", "y");
	row(&b, "", "main", "a", "z");
	parse(&b, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(find(&l, "", "main", "a")->column_count, 2);
	assert_string_equal(find(&l, "", "main", "a")->columns[1].name, "z");
	assert_int_equal(find(&l, "", "main", "b")->column_count, 1);
	mgen_table_list_release(&l);
	mgen_buf_release(&b);
}

static void test_tsv__names_differing_at_part_ends(void **state)
{
	mgen_buf b = {0};
	mgen_table_list l = {0};

	(void)state;
	mgen_buf_puts(&b, MGEN_OUTPUT_TSV_HEADER "\n");
	row(&b, "ab", "c", "t", "x");
	row(&b, "a", "bc", "t", "x");
	row(&b, "a", "b", "ct", "x");
	row(&b, "A", "b", "ct", "x"); /* names are case-sensitive */
	row(&b, "a", "b", "ct", "y");
	parse(&b, &l);
	assert_int_equal(l.n, 4);
	assert_int_equal(find(&l, "a", "b", "ct")->column_count, 2);
	assert_int_equal(find(&l, "A", "b", "ct")->column_count, 1);
	mgen_table_list_release(&l);
	mgen_buf_release(&b);
}

static void test_tsv__thousands_of_tables_then_the_first_again(void **state)
{
	mgen_buf b = {0};
	mgen_table_list l = {0};
	char name[32];
	size_t i;

	(void)state;
	mgen_buf_puts(&b, MGEN_OUTPUT_TSV_HEADER "\n");
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "t%zu", i);
		row(&b, "", "s", name, "c1");
	}
	row(&b, "", "s", "t0", "c2");
	row(&b, "", "s", "t4999", "c2");
	row(&b, "", "s", "t2048", "c2");
	parse(&b, &l);
	assert_int_equal(l.n, 5000);
	assert_string_equal(l.items[0].name, "t0");
	assert_int_equal(l.items[0].column_count, 2);
	assert_int_equal(l.items[2048].column_count, 2);
	assert_int_equal(l.items[4999].column_count, 2);
	assert_int_equal(l.items[1].column_count, 1);
	mgen_table_list_release(&l);
	mgen_buf_release(&b);
}

static void test_tsv__rows_join_a_table_already_listed(void **state)
{
	mgen_buf b = {0};
	mgen_table_list l = {0};

	(void)state;
	mgen_buf_puts(&b, MGEN_OUTPUT_TSV_HEADER "\n");
	row(&b, "", "main", "a", "x");
	parse(&b, &l);
	mgen_buf_release(&b);
	mgen_buf_puts(&b, MGEN_OUTPUT_TSV_HEADER "\n");
	row(&b, "", "main", "b", "y");
	row(&b, "", "main", "a", "z");
	parse(&b, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(find(&l, "", "main", "a")->column_count, 2);
	mgen_table_list_release(&l);
	mgen_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tsv__rows_split_by_another_table),
	    cmocka_unit_test(test_tsv__names_differing_at_part_ends),
	    cmocka_unit_test(
		test_tsv__thousands_of_tables_then_the_first_again),
	    cmocka_unit_test(test_tsv__rows_join_a_table_already_listed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
