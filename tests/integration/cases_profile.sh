# cases_profile.sh - integration cases for profiling any schema, sourced by
# run.sh (its helpers and variables are in scope): a PostgreSQL type zoo
# built from the server's pg_type, a statistic the engine refuses, SQLite
# affinities / WITHOUT ROWID / FTS and R*Tree virtual tables / a
# 1,000-column table, pagila end to end, columns named Id, ID and id, and
# a MariaDB table of every spatial type beside JSON/BIT/SET/ENUM/YEAR.

PROFILE_DATA=$ROOT/tests/integration/data
PAGILA=${METAGEN_TEST_PAGILA:-$DATA/../pagila}

# pg_db NAME [SQL FILE] -> creates database NAME on the test cluster (and
# runs the file in it); fails the case when psql fails.
pg_db() {
	[ -n "${PGPORT:-}" ] || { fail "no PostgreSQL (PGPORT unset)"; return 1; }
	psql -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $1" \
		-c "CREATE DATABASE $1" >/dev/null || { fail "createdb $1"; return 1; }
	[ -z "${2:-}" ] && return 0
	psql -q -v ON_ERROR_STOP=1 -d "$1" -f "$2" >"$TMP/$1.load" 2>&1 \
		|| { cat "$TMP/$1.load" >&2; fail "loading $2"; return 1; }
}

# gen_all_ok NAME CONN OUT [generate args...]: runs generate, which must
# exit 0 with every table ok; comments.tsv and the SQL agree, every row is
# proposed and no table lost a statistic; prints the summary line to
# $TMP/NAME.summary.
gen_all_ok() {
	local name=$1 conn=$2 out=$3 rc run; shift 3
	"$BIN" generate --connection "$conn" --out "$out" "$@" \
		>"$TMP/$name.stdout" 2>"$TMP/$name.stderr"; rc=$?
	[ $rc = 0 ] || { tail -5 "$TMP/$name.stderr" >&2; fail "$name: exit $rc"; return 1; }
	run=$(run_dir "$out")
	grep -E '^[0-9]+ tables? ' "$TMP/$name.stdout" | tail -1 >"$TMP/$name.summary"
	grep -Eq '\(([0-9]+) ok, 0 failed\)' "$TMP/$name.summary" \
		|| { fail "$name: summary $(cat "$TMP/$name.summary")"; return 1; }
	$CHECK agree "$run" --all-proposed >/dev/null || { fail "$name: agree"; return 1; }
	if grep -q 'statistics other than counts dropped' "$run/comments.tsv"; then
		fail "$name: a statistic the catalog allowed was refused:" \
			"$(grep -o '[^	]*dropped ([^)]*)' "$run/comments.tsv" | head -3)"
		return 1
	fi
}

# manifest_queries RUN -> the run's warehouse query count
manifest_queries() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1] + "/manifest.json"))["warehouse_queries"])' "$1/"
}

case_profile_pg_type_zoo() {
	local conn run q ntypes ncols
	pg_db zoo "$PROFILE_DATA/type_zoo_pg.sql" || return 1
	# the zoo holds a column of every base type the catalog lets be one
	ntypes=$(psql -d zoo -tAc "SELECT count(*) FROM pg_type t WHERE t.typtype = 'b' AND t.typisdefined AND t.typcategory NOT IN ('P', 'X') AND t.typrelid = 0 AND t.typnamespace = 'pg_catalog'::regnamespace AND NOT (t.typcategory = 'A' AND t.typelem <> 0)")
	ncols=$(psql -d zoo -tAc "SELECT relnatts - 1 FROM pg_class WHERE relname = 'zoo_base'")
	grep -q "zoo: $ncols base types as columns, 0 skipped" "$TMP/zoo.load" \
		|| fail "zoo load: $(grep 'zoo:' "$TMP/zoo.load")"
	[ "$ntypes" -ge 60 ] && [ "$ncols" = "$ntypes" ] || fail "zoo_base has $ncols of $ntypes base types"
	[ "$(psql -d zoo -tAc "SELECT relnatts FROM pg_class WHERE relname = 'zoo_wide'")" = 1600 ] \
		|| fail "zoo_wide is not 1600 columns"
	conn=$(pg_conn zoo)
	# values in comments allowed (off by default since the privacy
	# rules): the offline comments then show the min/max computed
	gen_all_ok zoo_off "$conn" "$TMP/zoo_off" --model offline \
		--allow-data-in-comments true || return 1
	grep -q '^5 tables (5 ok, 0 failed)' "$TMP/zoo_off.summary" \
		|| fail "offline: $(cat "$TMP/zoo_off.summary")"
	run=$(run_dir "$TMP/zoo_off")
	# 2 listing queries, 2 per ordinary table, the 1,600 columns in
	# ceil((1 + 5 * 1600) / 1664) = 5 statistics queries + 1 sample
	q=$(manifest_queries "$run")
	[ "$q" -le 18 ] && [ "$q" -ge 12 ] || fail "$q warehouse queries for the zoo"
	# statistics the catalog allows were computed (not just survived)
	python3 - "$run" <<'EOF' || fail "zoo statistics"
import sys
rows = [l.split("\t") for l in open(sys.argv[1] + "/comments.tsv", encoding="utf-8").read().split("\n")[1:] if l]
by = {(r[2], r[3]): r[6] for r in rows}
# ordered without a min() aggregate (percentile_disc), and with one
for col in ("c_uuid", "c_bool", "c_int4", "c_text", "c_numeric", "c_inet"):
    assert "distinct value" in by[("zoo_base", col)], (col, by[("zoo_base", col)])
for col in ("c_int4", "c_text", "c_bool", "c_date"):
    c = by[("zoo_base", col)]
    assert "ranges from" in c or "always " in c, (col, c)
# no equality at all: json, xml, point get counts only
for col in ("c_json", "c_xml", "c_point"):
    assert "distinct value" not in by[("zoo_base", col)], col
assert "distinct value" in by[("zoo_domain", "d_uuid")]
assert "distinct value" in by[("zoo_misc", "mood")]
EOF
	start_llm zoo || return 1
	gen_all_ok zoo_llm "$conn" "$TMP/zoo_llm" --model test-model --api-base "$LLM_URL" || return 1
	grep -q '^5 tables (5 ok, 0 failed)' "$TMP/zoo_llm.summary" \
		|| fail "llm: $(cat "$TMP/zoo_llm.summary")"
	$CHECK auto "$(run_dir "$TMP/zoo_llm")" >/dev/null || fail "zoo answers not aligned"
}

# A statistic the catalog allows but the engine refuses at run time (a
# user's btree operator class whose comparison raises): the table keeps
# its counts for that column, every other statistic, and says so.
case_profile_pg_refused_statistic_degrades() {
	local run reason
	pg_db zbad || return 1
	psql -q -v ON_ERROR_STOP=1 -d zbad >/dev/null <<'EOF' || { fail "zbad setup"; return 1; }
CREATE FUNCTION bad_cmp(point, point) RETURNS int LANGUAGE plpgsql IMMUTABLE
	AS $$BEGIN RAISE EXCEPTION 'refused comparison'; END$$;
CREATE OPERATOR CLASS bad_point_ops DEFAULT FOR TYPE point USING btree AS
	OPERATOR 1 <<, OPERATOR 3 ~=, OPERATOR 5 >>, FUNCTION 1 bad_cmp(point, point);
CREATE TABLE refuses (id int, p point, name text, q point[]);
INSERT INTO refuses VALUES (1, '(1,2)', 'a', '{"(1,1)"}'), (2, '(3,4)', 'b', '{"(2,2)"}');
EOF
	"$BIN" generate --connection "$(pg_conn zbad)" --model offline --out "$TMP/zbad" \
		--allow-data-in-comments true \
		>"$TMP/zbad.stdout" 2>&1 || { tail -3 "$TMP/zbad.stdout" >&2; fail "exit $?"; return 1; }
	run=$(run_dir "$TMP/zbad")
	$CHECK agree "$run" --all-proposed >/dev/null || return 1
	reason=$($CHECK field "$run" refuses "" reason)
	case $reason in
	*"p, q: statistics other than counts dropped"*"refused comparison"*) ;;
	*) fail "table reason: $reason" ;;
	esac
	$CHECK field "$run" refuses name proposed_comment | grep -q 'ranges from a to b' \
		|| fail "name lost its statistics"
	$CHECK field "$run" refuses p proposed_comment | grep -q '2 rows, never null' \
		|| fail "p lost its counts"
}

# sqlite_zoo PATH: every affinity, WITHOUT ROWID, FTS5/FTS4/R*Tree virtual
# tables (with their shadow tables), user tables whose names look like
# shadow tables, a 1,000-column table.
sqlite_zoo() {
	python3 - "$1" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("""
CREATE TABLE affinity (i INTEGER, t TEXT, b BLOB, r REAL, n NUMERIC, untyped,
  vc VARCHAR(10), nc NATIVE CHARACTER(70), cl CLOB, dbl DOUBLE PRECISION,
  fl FLOAT, bool BOOLEAN, dt DATETIME, dec DECIMAL(10,5), odd "FLOATING POINT",
  spaced "some type");
INSERT INTO affinity VALUES (1,'a',x'0102',1.5,2,'x','v','n','c',2.5,3.5,1,'2020-01-01',1.25,7,'w'),
  (2,'b',x'03',2.5,'n','y','w','n2',NULL,NULL,NULL,0,NULL,NULL,'8',5);
CREATE TABLE norowid (k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID;
INSERT INTO norowid VALUES ('alpha', 1), ('beta', 2);
CREATE VIRTUAL TABLE docs USING fts5(title, body);
INSERT INTO docs VALUES ('hello', 'world'), ('foo', 'bar baz');
CREATE VIRTUAL TABLE docs4 USING fts4(body);
INSERT INTO docs4 VALUES ('some text');
CREATE VIRTUAL TABLE box USING rtree(id, x0, x1);
INSERT INTO box VALUES (1, 0, 1);
CREATE TABLE notes_data (x INTEGER);
CREATE TABLE lonely_content (y TEXT);
INSERT INTO notes_data VALUES (1);
""")
cols = ", ".join(f"c{i} {['INTEGER', 'TEXT', 'BLOB', 'REAL', ''][i % 5]}" for i in range(1000))
db.execute(f"CREATE TABLE wide ({cols})")
db.execute("INSERT INTO wide (c0, c1, c2) VALUES (1, 'a', x'00')")
db.execute("INSERT INTO wide (c0, c1, c3) VALUES (2, 'b', 0.5)")
db.commit()
EOF
}

case_profile_sqlite_zoo() {
	local conn run q
	sqlite_zoo "$TMP/szoo.sqlite" || { fail "sqlite zoo"; return 1; }
	conn="Driver=SQLite3;Database=$TMP/szoo.sqlite"
	gen_all_ok szoo_off "$conn" "$TMP/szoo_off" --model offline \
		--allow-data-in-comments true || return 1
	run=$(run_dir "$TMP/szoo_off")
	# the shadow tables of docs, docs4 and box are not listed; tables
	# that only look like shadows are
	python3 - "$run" <<'EOF' || fail "sqlite zoo listing"
import sys
rows = [l.split("\t") for l in open(sys.argv[1] + "/comments.tsv", encoding="utf-8").read().split("\n")[1:] if l]
tables = sorted({r[2] for r in rows})
want = ["affinity", "box", "docs", "docs4", "lonely_content", "norowid", "notes_data", "wide"]
assert tables == want, tables
by = {(r[2], r[3]): r[6] for r in rows}
assert "ranges from alpha to beta" in by[("norowid", "k")], by[("norowid", "k")]
assert "average length" in by[("affinity", "nc")], by[("affinity", "nc")]
assert "average length" not in by[("affinity", "b")]
EOF
	# 2 listing queries, 2 per table, 1 + 5 * 1000 entries in 3 statements
	q=$(manifest_queries "$run")
	[ "$q" -le 20 ] || fail "$q warehouse queries"
	start_llm szoo || return 1
	gen_all_ok szoo_llm "$conn" "$TMP/szoo_llm" --model test-model --api-base "$LLM_URL" || return 1
	run=$(run_dir "$TMP/szoo_llm")
	$CHECK auto "$run" >/dev/null || fail "answers not aligned"
	# the tables without a rowid were sampled
	python3 - "$LLM_REC" <<'EOF' || fail "no sample rows for a table without rowid"
import json, sys
seen = set()
for line in open(sys.argv[1], encoding="utf-8"):
    body = json.dumps(json.loads(line))
    for t, v in (("norowid", "alpha"), ("docs", "hello")):
        if f"main.{t}" in body and v in body:
            seen.add(t)
assert seen == {"norowid", "docs"}, seen
EOF
}

case_profile_pagila_end_to_end() {
	local conn
	[ -f "$PAGILA/pagila-schema.sql" ] && [ -f "$PAGILA/pagila-data.sql.gz" ] \
		|| { fail "no pagila at $PAGILA"; return 1; }
	pg_db pagila "$PAGILA/pagila-schema.sql" || return 1
	gzip -dc "$PAGILA/pagila-data.sql.gz" | psql -q -v ON_ERROR_STOP=1 -d pagila >/dev/null 2>"$TMP/pagila.data.err" \
		|| { tail -3 "$TMP/pagila.data.err" >&2; fail "pagila data"; return 1; }
	conn=$(pg_conn pagila)
	gen_all_ok pagila_off "$conn" "$TMP/pagila_off" --model offline || return 1
	start_llm pagila || return 1
	gen_all_ok pagila_llm "$conn" "$TMP/pagila_llm" --model test-model --api-base "$LLM_URL" || return 1
	$CHECK auto "$(run_dir "$TMP/pagila_llm")" >/dev/null || fail "pagila answers not aligned"
	echo "    pagila offline: $(cat "$TMP/pagila_off.summary")" >&2
	echo "    pagila test LM: $(cat "$TMP/pagila_llm.summary")" >&2
}

# Columns whose names differ only by case: each answer entry goes to the
# column it names exactly.
case_profile_case_distinct_columns() {
	local run
	pg_db casey || return 1
	psql -q -v ON_ERROR_STOP=1 -d casey >/dev/null <<'EOF' || { fail "casey setup"; return 1; }
CREATE TABLE "Casey" ("Id" int, "ID" text, id bigint, "Name" text, "NAME" text, other int);
CREATE TABLE casey ("Id" int, id int);
INSERT INTO "Casey" VALUES (1, 'a', 10, 'x', 'y', 3);
INSERT INTO casey VALUES (1, 2);
EOF
	start_llm casey || return 1
	gen_all_ok casey "$(pg_conn casey)" "$TMP/casey" --model test-model --api-base "$LLM_URL" || return 1
	run=$(run_dir "$TMP/casey")
	$CHECK auto "$run" >/dev/null || fail "answers not aligned to their own columns"
	[ "$($CHECK field "$run" Casey ID proposed_comment)" = "Auto comment for casey.public.Casey.ID." ] \
		|| fail "ID: $($CHECK field "$run" Casey ID proposed_comment)"
}

# MariaDB: a table of every spatial type beside JSON, BIT, SET, ENUM,
# YEAR, INET6, UUID and an odd name; an empty copy of it; a table of
# spatial columns only. MariaDB refuses CAST(... AS CHAR), MIN/MAX and
# COUNT(DISTINCT) on most spatial types (ERROR 4079: "Illegal parameter
# data type linestring for operation 'cast_as_char'"), which used to fail
# the whole table's statistics: every column is now profiled, the spatial
# ones with their counts, the others with every statistic.
case_profile_mariadb_type_zoo() {
	have_mariadb || return 1
	my_sql <<'EOF' || { fail "cannot create my_types"; return 1; }
DROP DATABASE IF EXISTS my_types; CREATE DATABASE my_types CHARACTER SET utf8mb4;
CREATE TABLE my_types.mixed (
 id INT NOT NULL PRIMARY KEY,
 g GEOMETRY, p POINT REF_SYSTEM_ID=4326 NOT NULL, l LINESTRING, pg POLYGON,
 mp MULTIPOINT, ml MULTILINESTRING, mpg MULTIPOLYGON, gc GEOMETRYCOLLECTION,
 js JSON, b1 BIT(1), b12 BIT(12), b64 BIT(64),
 st SET('a','b''c','d;e'), en ENUM('x','y''z','') NOT NULL DEFAULT 'x', yr YEAR,
 ip INET6, u UUID, `we``ird` VARCHAR(5),
 SPATIAL INDEX(p));
INSERT INTO my_types.mixed VALUES
 (1, ST_GeomFromText('POINT(1 1)'), ST_GeomFromText('POINT(1 2)', 4326),
  ST_GeomFromText('LINESTRING(0 0,1 1)'), ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'),
  ST_GeomFromText('MULTIPOINT(0 0,1 1)'), ST_GeomFromText('MULTILINESTRING((0 0,1 1))'),
  ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 0)))'), ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1))'),
  '{"k": 1}', b'1', b'101010111100', b'1111111111111111111111111111111111111111111111111111111111111111',
  'a,b''c', 'y''z', 1999, '::1', '123e4567-e89b-12d3-a456-426614174000', 'q'),
 (2, NULL, ST_GeomFromText('POINT(5 5)', 4326), NULL, NULL, NULL, NULL, NULL, NULL,
  '[1, 2]', b'0', b'1', b'0', '', '', NULL, NULL, NULL, NULL),
 (3, NULL, ST_GeomFromText('POINT(6 6)', 4326), NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, 'd;e', 'x', 2155, 'ffff::2', '00000000-0000-0000-0000-000000000000', 'r');
CREATE TABLE my_types.mixed_empty LIKE my_types.mixed;
CREATE TABLE my_types.shapes_only (l LINESTRING, gc GEOMETRYCOLLECTION NOT NULL);
INSERT INTO my_types.shapes_only VALUES (NULL, ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1))')),
 (ST_GeomFromText('LINESTRING(0 0,2 2)'), ST_GeomFromText('GEOMETRYCOLLECTION EMPTY'));
EOF
	local conn run
	conn=$(my_conn my_types)
	gen_all_ok mytypes_off "$conn" "$TMP/mytypes_off" --scope 'my_types.*' --model offline || return 1
	grep -q '^3 tables (3 ok, 0 failed), 40 columns' "$TMP/mytypes_off.summary" \
		|| fail "offline: $(cat "$TMP/mytypes_off.summary")"
	start_llm mytypes || return 1
	gen_all_ok mytypes_llm "$conn" "$TMP/mytypes_llm" --scope 'my_types.*' --model test-model \
		--api-base "$LLM_URL" || return 1
	run=$(run_dir "$TMP/mytypes_llm")
	$CHECK auto "$run" >/dev/null || fail "answers not aligned"
	# the statistics each column reached the LM with: counts for every
	# column, distinct counts and min/max wherever the type has them
	python3 - "$LLM_REC" <<'EOF' || fail "my_types statistics"
import json, sys
prof = {}
for line in open(sys.argv[1], encoding="utf-8"):
    msg = json.loads(line)["body"]["messages"][-1]["content"]
    for l in msg.split("\n"):
        if l.startswith("Table profile: "):
            p = json.loads(l[len("Table profile: "):])
            prof[p["table_name"]] = p["column_metadata"]
assert set(prof) == {"my_types.mixed", "my_types.mixed_empty", "my_types.shapes_only"}, sorted(prof)
spatial = ["g", "p", "l", "pg", "mp", "ml", "mpg", "gc"]
nonnull = dict(id=3, g=1, p=3, l=1, pg=1, mp=1, ml=1, mpg=1, gc=1, js=2, b1=2, b12=2, b64=2,
               st=3, en=3, yr=2, ip=2, u=2, **{"we`ird": 2})
m = prof["my_types.mixed"]
assert list(m) == list(nonnull), list(m)
for c, n in nonnull.items():
    assert m[c]["row_count"] == 3 and m[c]["non_null_count"] == n, (c, m[c])
    if c in spatial:
        assert "distinct_count" not in m[c] and "min" not in m[c], (c, m[c])
    else:
        assert m[c]["distinct_count"] == n, (c, m[c])
        assert "min" in m[c] and "max" in m[c], (c, m[c])
want = {"id": ("1", "3"), "b1": ("0", "1"), "b12": ("1", "2748"), "b64": ("0", "18446744073709551615"),
        "en": ("", "y'z"), "st": ("", "d;e"), "yr": ("1999", "2155"), "ip": ("::1", "ffff::2"),
        "we`ird": ("q", "r")}
for c, (lo, hi) in want.items():
    assert (m[c]["min"], m[c]["max"]) == (lo, hi), (c, m[c])
e = prof["my_types.mixed_empty"]
assert list(e) == list(nonnull), list(e)
for c in nonnull:
    assert e[c]["row_count"] == 0 and e[c]["non_null_count"] == 0, (c, e[c])
s = prof["my_types.shapes_only"]
assert (s["l"]["non_null_count"], s["gc"]["non_null_count"]) == (1, 2), s
assert all("distinct_count" not in v for v in s.values()), s
EOF
}
