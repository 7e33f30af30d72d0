# cases_objects.sh - integration cases for object kinds, sourced by run.sh
# (its helpers and variables are in scope): PostgreSQL views, materialized
# views, partitioned tables with partitions and a postgres_fdw foreign
# table listed, profiled and commented with their own statements and read
# back from the catalog; SQLite views through the sidecar; a scope that
# matches nothing; a SQLite Database= that does not exist.

# objects_pg DB: a PostgreSQL database with one object of each kind, in
# schema "shop": a table, a view over 150,000 rows (more than the
# TABLESAMPLE threshold: a view cannot be sampled that way), a
# materialized view, a partitioned table with two partitions, and a
# foreign table (postgres_fdw, looping back to this server).
objects_pg() {
	local db=$1
	psql -q -d postgres -c "drop database if exists $db" -c "create database $db" >/dev/null || return 1
	psql -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<EOF || return 1
create extension postgres_fdw;
create schema shop;
create table shop.orders (id int primary key, customer text not null, amount numeric(10,2), placed date);
insert into shop.orders select g, 'cust' || (g % 7), g * 1.5, date '2024-01-01' + g from generate_series(1, 50) g;
create view shop.big_orders as select id, customer, amount from shop.orders where amount > 30;
create view shop.numbers as select g as n, g % 10 as digit from generate_series(1, 150000) g;
create materialized view shop.daily as select placed, count(*) as n, sum(amount) as total from shop.orders group by placed;
create materialized view shop.pending as select customer, max(amount) as top from shop.orders group by customer with no data;
create table shop.events (id int, at date not null, kind text) partition by range (at);
create table shop.events_2024 partition of shop.events for values from ('2024-01-01') to ('2025-01-01');
create table shop.events_2025 partition of shop.events for values from ('2025-01-01') to ('2026-01-01');
insert into shop.events select g, date '2024-06-01' + g * 3, 'k' || (g % 3) from generate_series(1, 100) g;
create server loop foreign data wrapper postgres_fdw options (host '127.0.0.1', port '$PGPORT', dbname '$db');
create user mapping for postgres server loop options (user 'postgres', password 'testpw');
create foreign table shop.remote_orders (id int, customer text, amount numeric(10,2)) server loop options (schema_name 'shop', table_name 'orders');
EOF
}

# objects_db DB: objects_pg on the test cluster, failing the case (never
# skipping it) when there is none or the database cannot be built.
objects_db() {
	[ -n "${PGPORT:-}" ] || { fail "no PostgreSQL (PGPORT unset)"; return 1; }
	objects_pg "$1" || { fail "cannot build the test database (postgres_fdw is in Debian's postgresql package)"; return 1; }
}

# relations_commented DB: "name kind table-comment? commented-columns" per
# relation of schema shop, one a line, sorted.
relations_commented() {
	psql -d "$1" -tA -F' ' -c "select c.relname, c.relkind, obj_description(c.oid, 'pg_class') is not null, (select count(*) from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and col_description(c.oid, a.attnum) is not null) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'shop' and c.relkind in ('r', 'p', 'v', 'm', 'f') order by 1"
}

case_objects_pg_every_kind_commented() {
	local db=objkinds conn out run rc want got
	objects_db $db || return 1
	conn=$(pg_conn $db); out=$TMP/objkinds
	"$BIN" generate --connection "$conn" --model offline --out "$out" --apply \
		>"$TMP/objkinds.stdout" 2>"$TMP/objkinds.stderr"; rc=$?
	[ $rc = 0 ] || { cat "$TMP/objkinds.stderr" >&2; fail "exit $rc"; return 1; }
	run=$(run_dir "$out")
	# the parent is listed and commented, its partitions are not
	got=$(awk -F'\t' 'NR > 1 && $4 == "" {print $3}' "$run/comments.tsv" | sort | tr '\n' ' ')
	[ "$got" = "big_orders daily events numbers orders pending remote_orders " ] || fail "listed: $got"
	want="big_orders v t 3
daily m t 3
events p t 3
events_2024 r f 0
events_2025 r f 0
numbers v t 2
orders r t 4
pending m t 2
remote_orders f t 3"
	got=$(relations_commented $db)
	[ "$got" = "$want" ] || fail "read back from the catalog:
$got"
	# each kind with its own statement, as the catalog shows it
	grep -q '^COMMENT ON VIEW "shop"."big_orders" IS ' "$run/comments.sql" || fail "COMMENT ON VIEW"
	grep -q '^COMMENT ON MATERIALIZED VIEW "shop"."daily" IS ' "$run/comments.sql" || fail "COMMENT ON MATERIALIZED VIEW"
	grep -q '^COMMENT ON FOREIGN TABLE "shop"."remote_orders" IS ' "$run/comments.sql" || fail "COMMENT ON FOREIGN TABLE"
	grep -q '^COMMENT ON TABLE "shop"."events" IS ' "$run/comments.sql" || fail "COMMENT ON TABLE (partitioned)"
	[ "$(psql -d $db -tAc "select obj_description('shop.daily'::regclass, 'pg_class')")" = \
	  "$(awk -F'\t' '$3 == "daily" && $4 == "" {print $7}' "$run/comments.tsv")" ] || fail "matview comment differs from the tsv"
	python3 - "$run/comments.json" <<'EOF' || fail "comments.json kinds"
import json, sys
kinds = {}
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.strip().rstrip(",")
    if line.startswith("{\"catalog\""):
        o = json.loads(line)
        kinds[o["table"]] = o["kind"]
want = {"big_orders": "view", "numbers": "view", "daily": "materialized_view", "pending": "materialized_view",
        "events": "partitioned_table", "orders": "table", "remote_orders": "foreign_table"}
assert kinds == want, kinds
EOF
	grep -q '7 tables (7 ok, 0 failed)' "$TMP/objkinds.stdout" || fail "summary: $(cat "$TMP/objkinds.stdout")"
	# the materialized view never refreshed: described from names and types
	awk -F'\t' '$3 == "pending" && $4 == "" {print $9 "|" $10}' "$run/comments.tsv" | \
		grep -qx 'applied|not profiled: the materialized view holds no data (never refreshed); described from names and types' \
		|| fail "pending row: $(awk -F'\t' '$3 == "pending"' "$run/comments.tsv")"
}

case_objects_pg_types_and_partitions() {
	local db=objparts conn out run rc got
	objects_db $db || return 1
	conn=$(pg_conn $db); out=$TMP/objparts
	# partitions on request; views and foreign tables left out
	"$BIN" generate --connection "$conn" --model offline --out "$out" \
		--object-types tables,partitions --quiet >/dev/null 2>"$TMP/objparts.stderr"; rc=$?
	[ $rc = 0 ] || { cat "$TMP/objparts.stderr" >&2; fail "exit $rc"; return 1; }
	run=$(run_dir "$out")
	got=$(awk -F'\t' 'NR > 1 && $4 == "" {print $3}' "$run/comments.tsv" | sort | tr '\n' ' ')
	[ "$got" = "events events_2024 events_2025 orders " ] || fail "tables,partitions listed: $got"
	grep -q '^COMMENT ON TABLE "shop"."events_2024" IS ' "$run/comments.sql" || fail "partition statement"
	# only views, from a config file
	printf 'object_types: [views]\n' >"$TMP/objparts.yaml"
	"$BIN" generate --config "$TMP/objparts.yaml" --connection "$conn" --model offline \
		--out "$out.v" --quiet >/dev/null 2>&1 || { fail "views only: exit $?"; return 1; }
	got=$(awk -F'\t' 'NR > 1 && $4 == "" {print $3}' "$(run_dir "$out.v")/comments.tsv" | sort | tr '\n' ' ')
	[ "$got" = "big_orders numbers " ] || fail "views listed: $got"
	# a word that is not a kind names the file and line
	printf 'model: offline\nobject_types:\n  - views\n  - indexes\n' >"$TMP/objparts.bad.yaml"
	"$BIN" generate --config "$TMP/objparts.bad.yaml" --connection "$conn" --out "$out.b" \
		>/dev/null 2>"$TMP/objparts.bad.err"; rc=$?
	[ $rc = 2 ] || fail "bad object_types: exit $rc"
	grep -q "objparts.bad.yaml:4: object_types: expected items of tables|views|materialized_views|foreign_tables|partitions, got 'indexes'" \
		"$TMP/objparts.bad.err" || fail "bad object_types message: $(cat "$TMP/objparts.bad.err")"
	[ ! -e "$out.b" ] || fail "a run folder for a bad config"
}

# a reviewed file applied later: apply takes each object's kind from the
# warehouse (the tsv does not say it), so a view gets COMMENT ON VIEW
case_objects_pg_apply_reviewed_view() {
	local db=objapply conn out run rc
	objects_db $db || return 1
	conn=$(pg_conn $db); out=$TMP/objapply
	"$BIN" generate --connection "$conn" --model offline --out "$out" --scope 'shop.big_orders' \
		--scope 'shop.daily' --quiet >/dev/null 2>&1 || { fail "generate exit $?"; return 1; }
	run=$(run_dir "$out")
	[ -z "$(psql -d $db -tAc "select obj_description('shop.big_orders'::regclass, 'pg_class')")" ] || fail "generate wrote"
	python3 - "$run/comments.tsv" <<'EOF' || return 1
import sys
p = sys.argv[1]
rows = open(p, encoding="utf-8").read().split("\n")
out = []
for r in rows:
    f = r.split("\t")
    if len(f) == 10 and f[2] == "big_orders" and f[3] == "":
        f[6] = "Reviewed: orders over 30, it's a view."
    out.append("\t".join(f))
open(p, "w", encoding="utf-8").write("\n".join(out))
EOF
	"$BIN" apply "$run/comments.tsv" --connection "$conn" >"$TMP/objapply.out" 2>&1; rc=$?
	[ $rc = 0 ] || { cat "$TMP/objapply.out" >&2; fail "apply exit $rc"; return 1; }
	[ "$(psql -d $db -tAc "select obj_description('shop.big_orders'::regclass, 'pg_class')")" = \
	  "Reviewed: orders over 30, it's a view." ] || fail "view comment not applied"
	[ -n "$(psql -d $db -tAc "select obj_description('shop.daily'::regclass, 'pg_class')")" ] || fail "matview comment not applied"
	[ "$(psql -d $db -tAc "select count(*) from pg_attribute a where a.attrelid = 'shop.daily'::regclass and a.attnum > 0 and col_description(a.attrelid, a.attnum) is not null")" = 3 ] \
		|| fail "matview column comments"
}

case_objects_sqlite_views() {
	local conn out run rc db=$TMP/objview.sqlite
	python3 - "$db" <<'EOF' || { fail "cannot build the database"; return 1; }
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("""
create table people (id integer primary key, name text, born integer);
insert into people (name, born) values ('ann', 1970), ('bob', 1980), ('cy', 1990);
create view adults as select name, born from people where born < 1985;
create view "odd ""view"" name" as select count(*) as n from people;
""")
db.commit()
EOF
	conn="Driver=SQLite3;Database=$db"; out=$TMP/objview
	"$BIN" generate --connection "$conn" --model offline --out "$out" --apply \
		>"$TMP/objview.stdout" 2>"$TMP/objview.stderr"; rc=$?
	[ $rc = 0 ] || { cat "$TMP/objview.stderr" >&2; fail "exit $rc"; return 1; }
	run=$(run_dir "$out")
	python3 - "$db" <<'EOF' || fail "sidecar rows"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = {(t, c) for t, c, v in db.execute("select table_name, column_name, comment from _metagen_comments") if v}
want = {("people", ""), ("people", "id"), ("people", "name"), ("people", "born"),
        ("adults", ""), ("adults", "name"), ("adults", "born"),
        ('odd "view" name', ""), ('odd "view" name', "n")}
assert rows == want, sorted(rows ^ want)
EOF
	grep -q '3 tables (3 ok, 0 failed)' "$TMP/objview.stdout" || fail "summary: $(cat "$TMP/objview.stdout")"
	# views left out on request
	"$BIN" generate --connection "$conn" --model offline --out "$out.t" --object-types tables \
		--quiet >/dev/null 2>&1 || fail "tables only: exit $?"
	[ "$(awk -F'\t' 'NR > 1 && $4 == ""' "$(run_dir "$out.t")/comments.tsv" | wc -l)" = 1 ] || fail "tables only listed views"
}

case_objects_scope_matches_nothing() {
	local db=objnone conn out rc err
	objects_db $db || return 1
	conn=$(pg_conn $db); out=$TMP/objnone
	"$BIN" generate --connection "$conn" --model offline --out "$out" --scope 'nosuch.*' \
		--object-types tables >"$TMP/objnone.stdout" 2>"$TMP/objnone.stderr"; rc=$?
	[ $rc = 2 ] || fail "exit $rc, want 2"
	err=$(cat "$TMP/objnone.stderr")
	grep -q "the scope matches no object: scope 'nosuch.\*', object_types 'tables'; the connection sees:" \
		"$TMP/objnone.stderr" || fail "message: $err"
	# every kind it sees, counted per catalog.schema
	grep -qx "  $db.shop: 1 table, 2 views, 2 materialized views, 1 foreign table, 1 partitioned table" \
		"$TMP/objnone.stderr" || fail "listing: $err"
	[ ! -e "$out" ] || fail "a run folder for an empty scope"
	[ ! -s "$TMP/objnone.stdout" ] || fail "stdout: $(cat "$TMP/objnone.stdout")"
	# excluded away is nothing too
	"$BIN" generate --connection "$conn" --model offline --out "$out" --scope 'shop.orders' \
		--exclude '*orders' >/dev/null 2>"$TMP/objnone.stderr2"; rc=$?
	[ $rc = 2 ] || fail "excluded: exit $rc"
	grep -q "exclude '\*orders'" "$TMP/objnone.stderr2" || fail "exclude not named: $(cat "$TMP/objnone.stderr2")"
	# many schemas: the listing is bounded
	psql -q -d $db -c "do \$\$ begin for i in 1..40 loop execute format('create schema s%s; create table s%s.t (x int)', i, i); end loop; end \$\$" \
		|| { fail "cannot add schemas"; return 1; }
	"$BIN" generate --connection "$conn" --model offline --out "$out" --scope 'nosuch' \
		>/dev/null 2>"$TMP/objnone.stderr3"; rc=$?
	[ $rc = 2 ] || fail "many schemas: exit $rc"
	[ "$(grep -c "^  $db\." "$TMP/objnone.stderr3")" = 15 ] || fail "not 15 schema lines: $(cat "$TMP/objnone.stderr3")"
	grep -q "^  \.\.\. and 26 more schemas" "$TMP/objnone.stderr3" || fail "no rest line: $(cat "$TMP/objnone.stderr3")"
}

case_objects_sqlite_missing_file() {
	local dir=$TMP/objmissing rc
	mkdir -p "$dir"
	"$BIN" generate --connection "Driver=SQLite3;Database=$dir/nosuch.db" --model offline \
		--out "$dir/out" >"$dir/stdout" 2>"$dir/stderr"; rc=$?
	[ $rc = 2 ] || fail "exit $rc, want 2"
	[ ! -e "$dir/nosuch.db" ] || fail "the missing database was created"
	grep -q "cannot connect: sqlite database '$dir/nosuch.db' (Database=) does not exist" "$dir/stderr" \
		|| fail "message: $(cat "$dir/stderr")"
	[ ! -e "$dir/out" ] || fail "a run folder for a missing database"
	# apply too; and a URI to a missing file creates nothing either
	printf 'catalog\tschema\ttable\tcolumn\tdata_type\texisting_comment\tproposed_comment\tpath\tstatus\treason\n' >"$dir/c.tsv"
	"$BIN" apply "$dir/c.tsv" --connection "Driver=SQLite3;Database=$dir/nosuch.db" >/dev/null 2>&1; rc=$?
	[ $rc = 2 ] || fail "apply exit $rc"
	"$BIN" generate --connection "Driver=SQLite3;Database=file:$dir/uri.db" --model offline \
		--out "$dir/out" >/dev/null 2>&1; rc=$?
	[ $rc = 2 ] || fail "uri: exit $rc"
	[ ! -e "$dir/nosuch.db" ] && [ ! -e "$dir/uri.db" ] || fail "a file was created: $(ls "$dir")"
	# :memory: still connects (and holds nothing: the empty-scope error)
	"$BIN" generate --connection "Driver=SQLite3;Database=:memory:" --model offline \
		--out "$dir/out" >/dev/null 2>"$dir/mem.err"; rc=$?
	[ $rc = 2 ] || fail "memory: exit $rc"
	grep -q "the connection sees no table, view or other object at all" "$dir/mem.err" \
		|| fail "memory: $(cat "$dir/mem.err")"
}
