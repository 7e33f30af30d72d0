/*
 * stat_caps.c - what the statistics query may compute for a column
 * (min/max, distinct count, average length, nothing), decided from what
 * the engine's own catalog says about the column's type (the columns
 * query's "type facts" cell, catalog.c), not from the declared name.
 *
 * PostgreSQL: the columns query resolves domains (pg_type.typbasetype,
 * recursively) and array elements, and looks for a default btree or hash
 * operator class of the element (pg_opclass, exact, polymorphic anyenum/
 * anyrange/anymultirange, or an implicit binary-coercible cast as
 * GetDefaultOpClass does) and a min() aggregate (pg_aggregate); it hands
 * over letters: m = MIN/MAX, o = min/max by an ordered-set aggregate (a
 * btree order but no min(): uuid, boolean, ranges, tsvector, jsonb...),
 * d = COUNT(DISTINCT), t = COUNT(DISTINCT c::text) (equality by a hash
 * opclass only, or a composite), l = string category (average length),
 * b = bytea. No letter: counts only (json, xml, point, ...).
 * SQLite: the declared type's affinity (sqlite.org/datatype3.html 3.1);
 * every SQLite value compares, so every column gets MIN/MAX and distinct
 * except declared BLOBs. MySQL/MariaDB: information_schema DATA_TYPE;
 * SQL Server: the system type under an alias type; Snowflake, Databricks
 * and DuckDB: the catalog's data type (their catalogs say no more).
 */
#include <ctype.h>
#include <string.h>

#include "metagen/warehouse.h"
#include "util/util.h"
#include "warehouse/warehouse_internal.h"

#define S_ALL (MGEN_STATS_MINMAX | MGEN_STATS_DISTINCT)
#define S_TEXT (S_ALL | MGEN_STATS_AVGLEN)
#define S_BIN (MGEN_STATS_BINARY | MGEN_STATS_DISTINCT)

/* Lower-cased copy of `type` up to its first '(' or '<', trimmed. */
static void base_type(const char *type, char *out, size_t cap)
{
	size_t n = 0;

	while (*type && isspace((unsigned char)*type))
		type++;
	for (; *type && *type != '(' && *type != '<' && n + 1 < cap; type++)
		out[n++] = (char)tolower((unsigned char)*type);
	while (n > 0 && isspace((unsigned char)out[n - 1]))
		n--;
	out[n] = '\0';
}

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* 1 when lower-cased `s` contains `w` (lower case). */
static int has(const char *s, const char *w)
{
	return strstr(s, w) != NULL;
}

/* SQLite's affinity rules, in their order (datatype3.html 3.1). */
static unsigned sqlite_caps(const char *b)
{
	if (has(b, "int"))
		return S_ALL;
	if (has(b, "char") || has(b, "clob") || has(b, "text"))
		return S_TEXT;
	if (has(b, "blob"))
		return S_BIN;
	return S_ALL; /* REAL, NUMERIC, or no type (any value compares) */
}

static unsigned pg_caps(const char *facts)
{
	unsigned s = 0;

	if (facts == NULL) /* not listed: every type has a text output */
		return MGEN_STATS_DISTINCT_TEXT;
	for (; *facts; facts++)
		switch (*facts) {
		case 'm':
			s |= MGEN_STATS_MINMAX;
			break;
		case 'o':
			s |= MGEN_STATS_ORDERED;
			break;
		case 'd':
			s |= MGEN_STATS_DISTINCT;
			break;
		case 't':
			s |= MGEN_STATS_DISTINCT_TEXT;
			break;
		case 'l':
			s |= MGEN_STATS_AVGLEN;
			break;
		case 'b':
			s |= MGEN_STATS_BINARY;
			break;
		default:
			break;
		}
	return s;
}

/* MySQL/MariaDB DATA_TYPE. Spatial values have no order and no
 * DISTINCT (ERROR 4079 on LINESTRING...). */
static unsigned mysql_caps(const char *b)
{
	static const char *const spatial[] = {
	    "geometry",	      "point",
	    "linestring",     "polygon",
	    "multipoint",     "multilinestring",
	    "multipolygon",   "geometrycollection",
	    "geomcollection", NULL};
	static const char *const bin[] = {"binary", "varbinary",  "tinyblob",
					  "blob",   "mediumblob", "longblob",
					  NULL};
	static const char *const text[] = {"char", "varchar",	 "tinytext",
					   "text", "mediumtext", "longtext",
					   "enum", "set",	 NULL};

	if (in_list(b, spatial))
		return 0;
	if (in_list(b, bin))
		return S_BIN;
	if (in_list(b, text))
		return S_TEXT;
	if (strcmp(b, "json") == 0)
		return MGEN_STATS_DISTINCT;
	return S_ALL;
}

/* SQL Server system types: legacy LOBs, xml and the CLR types have no
 * MIN/MAX/DISTINCT (Msg 306/8116); hierarchyid and sql_variant compare
 * but do not cast to text plainly; bit goes through int. */
static unsigned sqlserver_caps(const char *b)
{
	static const char *const none[] = {
	    "text", "ntext", "image", "xml", "geography", "geometry", NULL};
	static const char *const bin[] = {"binary", "varbinary", "timestamp",
					  "rowversion", NULL};
	static const char *const text[] = {"char",     "varchar", "nchar",
					   "nvarchar", "sysname", NULL};
	static const char *const known[] = {"bigint",
					    "int",
					    "smallint",
					    "tinyint",
					    "decimal",
					    "numeric",
					    "money",
					    "smallmoney",
					    "float",
					    "real",
					    "date",
					    "time",
					    "datetime",
					    "datetime2",
					    "smalldatetime",
					    "datetimeoffset",
					    "uniqueidentifier",
					    NULL};

	if (in_list(b, none))
		return 0;
	if (in_list(b, bin))
		return S_BIN;
	if (in_list(b, text))
		return S_TEXT;
	if (strcmp(b, "bit") == 0)
		return S_ALL | MGEN_STATS_INT_CAST;
	if (strcmp(b, "hierarchyid") == 0 || strcmp(b, "sql_variant") == 0)
		return MGEN_STATS_DISTINCT;
	return in_list(b, known) ? S_ALL : 0; /* a CLR type of the user */
}

/* Snowflake semi-structured, geospatial and vector types: counts only. */
static unsigned snowflake_caps(const char *b)
{
	static const char *const none[] = {"variant",	"object",   "array",
					   "geography", "geometry", "vector",
					   NULL};
	static const char *const text[] = {"text",   "varchar",	  "char",
					   "string", "character", NULL};

	if (in_list(b, none))
		return 0;
	if (strcmp(b, "binary") == 0 || strcmp(b, "varbinary") == 0)
		return S_BIN;
	return in_list(b, text) ? S_TEXT : S_ALL;
}

/* Databricks complex types (STRUCT, MAP, ARRAY, VARIANT): counts only. */
static unsigned databricks_caps(const char *b)
{
	static const char *const none[] = {"struct",  "map",	"array",
					   "variant", "object", NULL};
	static const char *const text[] = {"string", "varchar", "char", NULL};

	if (in_list(b, none))
		return 0;
	if (strcmp(b, "binary") == 0)
		return S_BIN;
	return in_list(b, text) ? S_TEXT : S_ALL;
}

/* DuckDB nested types (STRUCT, MAP, UNION, LIST "T[]", ARRAY "T[n]"). */
static unsigned duckdb_caps(const char *type, const char *b)
{
	static const char *const none[] = {"struct", "map",	"union",
					   "list",   "variant", NULL};
	static const char *const text[] = {"varchar", "text",	"string",
					   "char",    "bpchar", NULL};
	size_t n = strlen(type);

	while (n > 0 && isspace((unsigned char)type[n - 1]))
		n--;
	if ((n > 0 && type[n - 1] == ']') || in_list(b, none))
		return 0;
	if (strcmp(b, "blob") == 0 || strcmp(b, "bytea") == 0)
		return S_BIN;
	return in_list(b, text) ? S_TEXT : S_ALL;
}

unsigned mgen_dialect_column_stats(mgen_dialect d, const char *data_type,
				   const char *facts)
{
	const char *type = facts && facts[0] ? facts : data_type;
	char b[64];

	if (d == MGEN_DIALECT_POSTGRESQL)
		return MGEN_STATS_KNOWN | pg_caps(facts);
	base_type(type ? type : "", b, sizeof(b));
	switch (d) {
	case MGEN_DIALECT_SQLITE:
		return MGEN_STATS_KNOWN | sqlite_caps(b);
	case MGEN_DIALECT_MYSQL:
		return MGEN_STATS_KNOWN | mysql_caps(b);
	case MGEN_DIALECT_SQLSERVER:
		return MGEN_STATS_KNOWN | sqlserver_caps(b);
	case MGEN_DIALECT_SNOWFLAKE:
		return MGEN_STATS_KNOWN | snowflake_caps(b);
	case MGEN_DIALECT_DATABRICKS:
		return MGEN_STATS_KNOWN | databricks_caps(b);
	case MGEN_DIALECT_DUCKDB:
		return MGEN_STATS_KNOWN | duckdb_caps(type ? type : "", b);
	default:
		return MGEN_STATS_KNOWN;
	}
}

unsigned mgen_wh__column_stats(mgen_dialect d, const mgen_column *c)
{
	if (c->stats & MGEN_STATS_KNOWN)
		return c->stats;
	return mgen_dialect_column_stats(d, c->data_type, NULL);
}
