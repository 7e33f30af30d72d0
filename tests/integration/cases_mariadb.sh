# cases_mariadb.sh - integration cases on a live MariaDB 10.11 (a private
# server started by tests/run_all.sh through tests/mariadb.sh:
# METAGEN_TEST_MARIADB, MARIADB_SOCKET and MARIADB_PORT in the
# environment), sourced by run.sh (its helpers and variables are in scope).
# Without the server every case here fails: it is never skipped.
#
# What they hold: generate, apply and read back the same hostile comments
# as the PostgreSQL cases, byte for byte; column comments through ALTER
# TABLE ... MODIFY leave every other part of the column as it was (SHOW
# CREATE TABLE before/after); comments over MySQL's limits (2,048 / 1,024
# characters) and 4-byte characters (utf8mb3) end ok, fitted, the reason
# saying so; the same with NO_BACKSLASH_ESCAPES in the server's sql_mode;
# a table with every spatial type.

# have_mariadb: fails the case when the harness has no server
have_mariadb() {
	[ -n "${METAGEN_TEST_MARIADB:-}" ] && [ -S "${MARIADB_SOCKET:-}" ] \
		|| { fail "no MariaDB (METAGEN_TEST_MARIADB/MARIADB_SOCKET unset: tests/mariadb.sh did not start)"; return 1; }
	command -v mariadb >/dev/null || { fail "no mariadb client (apt-get install mariadb-server)"; return 1; }
}

# my_sql [args] - the mariadb client as root on the harness's socket,
# raw (no escaping of tabs, newlines, backslashes) and without headers
my_sql() {
	mariadb --no-defaults -uroot -S "$MARIADB_SOCKET" --default-character-set=utf8mb4 -N -r "$@"
}

my_conn() { # ODBC string for database $1
	echo "Driver=MariaDB Unicode;Server=127.0.0.1;Port=$MARIADB_PORT;Database=$1;Uid=tester;Pwd=testpw"
}

# my_comments DB TABLE: one JSON object {"table": comment, "columns": {c: comment}}
# (names travel as hex: any character works)
my_comments() {
	local s t
	s="CONVERT(UNHEX('$(printf '%s' "$1" | od -An -tx1 | tr -d ' \n')') USING utf8mb4)"
	t="CONVERT(UNHEX('$(printf '%s' "$2" | od -An -tx1 | tr -d ' \n')') USING utf8mb4)"
	my_sql -e "SELECT JSON_OBJECT('table', (SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = $s AND TABLE_NAME = $t), 'columns', (SELECT JSON_OBJECTAGG(COLUMN_NAME, COLUMN_COMMENT) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = $s AND TABLE_NAME = $t))"
}

# show_create DB TABLE OUT: SHOW CREATE TABLE's text into OUT
show_create() {
	my_sql -e "SHOW CREATE TABLE \`${1//\`/\`\`}\`.\`${2//\`/\`\`}\`" | sed '1s/^[^\t]*\t//' >"$3"
}

# same_but_comments BEFORE AFTER: the two SHOW CREATE TABLE texts are equal
# once every COMMENT '...' / COMMENT='...' clause is taken out, and AFTER
# has a column comment (so the check cannot pass by writing nothing)
same_but_comments() {
	python3 - "$1" "$2" <<'EOF'
import re, sys
pat = re.compile(r" COMMENT ?=? ?'(?:[^'\\]|''|\\.)*'")
before, after = (open(p, encoding="utf-8").read() for p in sys.argv[1:3])
if pat.sub("", before) != pat.sub("", after):
    import difflib
    sys.exit("SHOW CREATE TABLE changed beyond its comments:\n" + "".join(
        difflib.unified_diff(pat.sub("", before).splitlines(True), pat.sub("", after).splitlines(True))))
assert len(pat.findall(after)) > len(pat.findall(before)), "no comment was written"
EOF
}

# the table that uses every part of a column definition MODIFY must keep;
# $1 = database, $2 = 1 to put a backslash in a default and an enum value
zoo_sql() {
	local bs=""
	[ "${2:-0}" = 1 ] && bs=' \\\\'
	cat <<EOF
CREATE TABLE \`$1\`.zoo (
 id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
 name VARCHAR(40) CHARACTER SET latin1 COLLATE latin1_swedish_ci NOT NULL DEFAULT 'it''s$bs x',
 note TEXT NULL,
 amount DECIMAL(10,2) NOT NULL DEFAULT 0.00,
 created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
 created6 DATETIME(6) NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
 total DECIMAL(12,2) AS (amount * 2) VIRTUAL,
 total_s VARCHAR(50) AS (CONCAT(name, '-x')) STORED,
 secret INT NULL DEFAULT 7 INVISIBLE,
 kind ENUM('a','b''c','d$bs') NOT NULL DEFAULT 'a',
 dflt_expr INT DEFAULT (1+2),
 nn_nodef VARCHAR(5) NOT NULL,
 js JSON,
 pt POINT REF_SYSTEM_ID=4326 NOT NULL,
 \`we\`\`ird "col"\` VARCHAR(10) COLLATE utf8mb4_bin DEFAULT 'x'
) COMMENT '';
INSERT INTO \`$1\`.zoo (name, note, amount, nn_nodef, js, pt) VALUES
 ('alpha', 'first', 1.5, 'a', '{"k": 1}', ST_GeomFromText('POINT(1 2)', 4326)),
 ('beta', NULL, 2.25, 'b', '[1, 2]', ST_GeomFromText('POINT(3 4)', 4326));
EOF
}

# hostile_script OUT TABLEGLOB: an LM script whose answer for the tables
# matching TABLEGLOB holds every hostile character class of the
# PostgreSQL case (no emoji: that one is replaced, see the fit case);
# OUT.want gets the answer alone
hostile_script() {
	python3 - "$1" "$2" "$3" <<'EOF'
import json, sys
cols = sys.argv[3].split(",")
texts = ["It's a row id with 'quotes' and \"double\" ones.",
         "Back\\slash \\n literal and C:\\path\\",
         "Line one\nLine two\n\ttabbed",
         "Non-ASCII: naïve café, Ünïcödé, 日本語",
         "Semicolon; -- not a comment; DROP TABLE x;",
         "$$dollar$$ quoting $tag$ and `backtick` \\' and \\\\'",
         "Percent % and underscore _ and E'x' and \\Z \\0 \\b"]
answer = {"table": "Table; it's \"quoted\" \\ back\\slash\nsecond line",
          "columns": {c: texts[i % len(texts)] + f" ({c})" for i, c in enumerate(cols)}}
json.dump({"tables": {sys.argv[2]: [{"answer": answer}]}}, open(sys.argv[1], "w"))
json.dump(answer, open(sys.argv[1] + ".want", "w"))
EOF
}

# check_exact WANT GOT: the comments read back equal the answer byte for byte
check_exact() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
want = json.load(open(sys.argv[1]))
got = json.loads(open(sys.argv[2], encoding="utf-8").read())
assert got["table"] == want["table"], f"table: {got['table']!r} != {want['table']!r}"
for c, w in want["columns"].items():
    assert got["columns"][c] == w, f"{c}: {got['columns'][c]!r} != {w!r}"
EOF
}

ODD="o'dd \`n\` \\ t"
ZOO_COLS='id,name,note,amount,created,created6,total,total_s,secret,kind,dflt_expr,nn_nodef,js,pt,we`ird "col"'

# mariadb_round_trip NAME BACKSLASH: zoo + hostile answers, --apply, read back
mariadb_round_trip() {
	local db=$1
	my_sql -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` CHARACTER SET utf8mb4" || return 1
	zoo_sql "$db" "$2" | my_sql || { fail "cannot create $db.zoo"; return 1; }
	# a table and columns whose names hold quotes, backticks, a backslash
	my_sql -e "CREATE TABLE \`$db\`.\`${ODD//\`/\`\`}\` (\`c'1\` INT NOT NULL DEFAULT 3, \`c\`\`2\` VARCHAR(9) NULL)" \
		|| { fail "cannot create the odd table"; return 1; }
	show_create "$db" zoo "$TMP/$db.before" || return 1
	show_create "$db" "$ODD" "$TMP/$db.odd.before" || return 1
	hostile_script "$TMP/$db.json" '*zoo' "$ZOO_COLS" || return 1
	start_llm "$db" --script "$TMP/$db.json" || return 1
	"$BIN" generate --connection "$(my_conn "$db")" --scope "$db.*" --model m --api-base "$LLM_URL" \
		--out "$TMP/$db" --apply >"$TMP/$db.stdout" 2>"$TMP/$db.stderr" \
		|| { tail -5 "$TMP/$db.stderr" >&2; fail "generate --apply failed on $db"; return 1; }
	grep -q '2 tables (2 ok, 0 failed)' "$TMP/$db.stdout" \
		|| fail "summary: $(cat "$TMP/$db.stdout")"
	grep -q 'columns; 19 applied;' "$TMP/$db.stdout" \
		|| fail "not 16 + 3 comments applied: $(cat "$TMP/$db.stdout")"
	my_comments "$db" "$ODD" >"$TMP/$db.odd.got" || return 1
	python3 - "$TMP/$db.odd.got" "$ODD" "$db" <<'EOF' || fail "odd names: comments not read back"
import json, sys
got = json.loads(open(sys.argv[1], encoding="utf-8").read())
t = sys.argv[3] + "." + sys.argv[2]
assert got["table"] == f"Auto comment for table {t}.", got["table"]
assert set(got["columns"]) == {"c'1", "c`2"}, got["columns"]
for c, v in got["columns"].items():
    assert v == f"Auto comment for {t}.{c}.", v
EOF
	show_create "$db" "$ODD" "$TMP/$db.odd.after" || return 1
	same_but_comments "$TMP/$db.odd.before" "$TMP/$db.odd.after" || fail "MODIFY changed an odd-named column"
	my_comments "$db" zoo >"$TMP/$db.got" || return 1
	check_exact "$TMP/$db.json.want" "$TMP/$db.got" || fail "comments read back differ"
	show_create "$db" zoo "$TMP/$db.after" || return 1
	same_but_comments "$TMP/$db.before" "$TMP/$db.after" || fail "MODIFY changed more than comments"
	my_sql -e "SELECT SRID FROM information_schema.GEOMETRY_COLUMNS WHERE G_TABLE_SCHEMA = '$db' AND G_GEOMETRY_COLUMN = 'pt'" \
		| grep -qx 4326 || fail "the POINT column lost its SRID"
	# applying the same run again writes nothing and changes nothing
	local run; run=$(run_dir "$TMP/$db")
	"$BIN" apply "$run/comments.tsv" --connection "$(my_conn "$db")" >"$TMP/$db.again" 2>&1 \
		|| { cat "$TMP/$db.again" >&2; fail "second apply failed"; }
	grep -q '^metagen: 0 comments applied' "$TMP/$db.again" || fail "second apply: $(tail -1 "$TMP/$db.again")"
}

case_mariadb_round_trip_modify_keeps_definitions() {
	have_mariadb || return 1
	mariadb_round_trip my_rt 1
}

# NO_BACKSLASH_ESCAPES in the server's sql_mode: new sessions start with
# it, the hostile comments and the backslashes in the zoo's default and
# enum must still round-trip (the connection's session settings decide
# how literals and the catalog's default texts are read)
case_mariadb_no_backslash_escapes() {
	have_mariadb || return 1
	local mode rc=0
	mode=$(my_sql -e 'SELECT @@GLOBAL.sql_mode') || return 1
	my_sql -e "SET GLOBAL sql_mode = CONCAT(@@GLOBAL.sql_mode, ',NO_BACKSLASH_ESCAPES')" || return 1
	my_sql -e 'SELECT @@SESSION.sql_mode' | grep -q NO_BACKSLASH_ESCAPES || { fail "global mode not in new sessions"; rc=1; }
	[ $rc = 0 ] && { mariadb_round_trip my_nbe 1 || rc=1; }
	my_sql -e "SET GLOBAL sql_mode = '$mode'"
	[ "$(my_sql -e 'SELECT @@GLOBAL.sql_mode')" = "$mode" ] || fail "sql_mode not restored"
	return $rc
}

case_mariadb_apply_mimic_byte_exact() {
	have_mariadb || return 1
	bash "$ROOT/tests/load_mimic_mariadb.sh" my_m3 "$DATA" || { fail "cannot load MIMIC into MariaDB"; return 1; }
	python3 - "$TMP/myexact.json" <<'EOF'
import json, sys
long = "Long text " + "x" * 9000 + " end."
script = {"tables": {"*patients": [{"answer": {
    "table": "Patients; it's \"quoted\" \\ back\\slash",
    "columns": {"row_id": "It's a row id with 'quotes' and \"double\" ones.",
                "subject_id": "Back\\slash \\n literal and C:\\path\\",
                "gender": "Line one\nLine two\n\ttabbed",
                "dob": "Non-ASCII: naïve café, Ünïcödé, 日本語, emoji 🩺",
                "dod": long,
                "dod_hosp": "Semicolon; -- not a comment; DROP TABLE x;",
                "dod_ssn": "$$dollar$$ quoting $tag$",
                "expire_flag": "Percent % and underscore _ and E'x'"}}}]}}
json.dump(script, open(sys.argv[1], "w"))
EOF
	start_llm myexact --script "$TMP/myexact.json" || return 1
	"$BIN" generate --connection "$(my_conn my_m3)" --scope 'my_m3.*' --model m --api-base "$LLM_URL" \
		--out "$TMP/myexact" --apply >"$TMP/myexact.stdout" 2>"$TMP/myexact.stderr" \
		|| { tail -5 "$TMP/myexact.stderr" >&2; fail "generate --apply failed"; return 1; }
	grep -q '^26 tables (26 ok, 0 failed), 324 columns; 350 applied;' "$TMP/myexact.stdout" \
		|| fail "summary after apply: $(cat "$TMP/myexact.stdout")"
	my_comments my_m3 patients >"$TMP/myexact.got" || return 1
	local run; run=$(run_dir "$TMP/myexact")
	python3 - "$TMP/myexact.json" "$TMP/myexact.got" "$run/comments.tsv" "$ROOT/tests/integration" <<'EOF' || fail "patients read back"
import json, sys
want = json.load(open(sys.argv[1]))["tables"]["*patients"][0]["answer"]
got = json.loads(open(sys.argv[2], encoding="utf-8").read())
sys.path.insert(0, sys.argv[4])
from check import read_tsv
rows = {r["column"]: r for r in read_tsv(sys.argv[3]) if r["table"] == "patients"}
assert got["table"] == want["table"], got["table"]
for c, w in want["columns"].items():
    g = got["columns"][c]
    if c == "dob":   # utf8mb3: the emoji is replaced, the rest kept
        assert g == w.replace("🩺", "\ufffd"), repr(g)
        assert "replaced with U+FFFD" in rows[c]["reason"], rows[c]["reason"]
    elif c == "dod":  # 9,015 characters: cut to the 1,024 limit
        assert len(g) <= 1024 and g.startswith("Long text xxx") and g.endswith("..."), len(g)
        assert "shortened" in rows[c]["reason"] and "1024" in rows[c]["reason"], rows[c]["reason"]
    else:
        assert g == w, f"{c}: {g!r} != {w!r}"
    assert rows[c]["proposed_comment"] == g, f"{c}: comments.tsv holds another text than the warehouse"
    assert rows[c]["status"] == "applied", rows[c]["status"]
EOF
	local n; n=$(my_sql -e "SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'my_m3' AND TABLE_COMMENT <> '') + (SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'my_m3' AND COLUMN_COMMENT <> '')")
	[ "$n" = 350 ] || fail "$n comments in MariaDB, expected 26 + 324"
}

# 3,000-character table answer, 1,500-character column answer, emoji: in
# strict mode (where MariaDB refuses them: ERROR 1628/1629) they end ok
# mariadb_fit DB: a 3,000-character table comment, a 1,500-character
# column comment and emoji applied to database DB, each fitted to MySQL's
# limits and charset with the reason said
mariadb_fit() {
	local db=$1
	my_sql -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db CHARACTER SET utf8mb4;
		CREATE TABLE $db.t (id INT NOT NULL PRIMARY KEY, label VARCHAR(20) DEFAULT 'x', e TEXT);
		INSERT INTO $db.t VALUES (1, 'a', 'b'), (2, 'c', NULL)" || return 1
	my_sql -e 'SELECT @@GLOBAL.sql_mode' | grep -q STRICT_TRANS_TABLES || { fail "server not in strict mode"; return 1; }
	python3 - "$TMP/$db.json" <<'EOF'
import json, sys
table = " ".join(f"word{i:03d}" for i in range(400))[:3000]          # 3,000 characters
label = ("Labels " + "ab, " * 400)[:1500]                              # 1,500 characters
answer = {"table": table, "columns": {"id": "Row id \U0001FA7A and \U0001F600 two emoji.",
                                      "label": label, "e": "Plain."}}
assert len(table) == 3000 and len(label) == 1500
json.dump({"tables": {"*.t": [{"answer": answer}]}}, open(sys.argv[1], "w"))
json.dump(answer, open(sys.argv[1] + ".want", "w"))
EOF
	start_llm "$db" --script "$TMP/$db.json" || return 1
	"$BIN" generate --connection "$(my_conn "$db")" --scope "$db.*" --model m --api-base "$LLM_URL" \
		--out "$TMP/$db" --apply >"$TMP/$db.stdout" 2>"$TMP/$db.stderr" \
		|| { tail -5 "$TMP/$db.stderr" >&2; fail "generate --apply failed"; return 1; }
	grep -q '(1 ok, 0 failed), 3 columns; 4 applied;' "$TMP/$db.stdout" \
		|| fail "summary: $(cat "$TMP/$db.stdout")"
	my_comments "$db" t >"$TMP/$db.got" || return 1
	local run; run=$(run_dir "$TMP/$db")
	python3 - "$TMP/$db.json.want" "$TMP/$db.got" "$run/comments.tsv" "$ROOT/tests/integration" <<'EOF' || fail "fitted comments"
import json, sys
want = json.load(open(sys.argv[1]))
got = json.loads(open(sys.argv[2], encoding="utf-8").read())
sys.path.insert(0, sys.argv[4])
from check import read_tsv
rows = {r["column"]: r for r in read_tsv(sys.argv[3])}
t = got["table"]
assert 2000 < len(t) <= 2048 and t.endswith("..."), len(t)
assert want["table"].startswith(t[:-3]) and want["table"][len(t) - 3] == " ", "not cut at a word boundary"
assert "shortened at a word boundary from 3000 to" in rows[""]["reason"], rows[""]["reason"]
lab = got["columns"]["label"]
assert 1000 < len(lab) <= 1024 and lab.endswith("ab...") and want["columns"]["label"].startswith(lab[:-3]), lab[-20:]
assert "column comment limit: 1024 characters" in rows["label"]["reason"], rows["label"]["reason"]
assert got["columns"]["id"] == "Row id \ufffd and \ufffd two emoji.", got["columns"]["id"]
assert "2 characters mysql cannot store" in rows["id"]["reason"], rows["id"]["reason"]
assert got["columns"]["e"] == "Plain." and rows["e"]["reason"] == "", rows["e"]
for k, r in rows.items():
    assert r["status"] == "applied", (k, r["status"])
    assert r["proposed_comment"] == (got["table"] if k == "" else got["columns"][k]), k
EOF
}

case_mariadb_long_and_emoji_comments_fit() {
	have_mariadb || return 1
	mariadb_fit my_fit
}

# with_nbe CMD...: runs CMD with NO_BACKSLASH_ESCAPES in the sql_mode of
# every new session (the server's global mode), then restores the mode
with_nbe() {
	local mode rc=0
	mode=$(my_sql -e 'SELECT @@GLOBAL.sql_mode') || return 1
	my_sql -e "SET GLOBAL sql_mode = CONCAT(@@GLOBAL.sql_mode, ',NO_BACKSLASH_ESCAPES')" || return 1
	my_sql -e 'SELECT @@SESSION.sql_mode' | grep -q NO_BACKSLASH_ESCAPES || { fail "global mode not in new sessions"; rc=1; }
	[ $rc = 0 ] && { "$@" || rc=1; }
	my_sql -e "SET GLOBAL sql_mode = '$mode'"
	[ "$(my_sql -e 'SELECT @@GLOBAL.sql_mode')" = "$mode" ] || fail "sql_mode not restored"
	return $rc
}

# the same with NO_BACKSLASH_ESCAPES in every new session's sql_mode
case_mariadb_long_and_emoji_comments_fit_nbe() {
	have_mariadb || return 1
	with_nbe mariadb_fit my_fit_nbe
}

# a MariaDB table with every spatial type (ERROR 4079 / cast_as_char
# used to fail the whole table's statistics)
mariadb_spatial() {
	local db=$1
	my_sql -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db;
	CREATE TABLE $db.shapes (id INT PRIMARY KEY, g GEOMETRY, p POINT REF_SYSTEM_ID=4326 NOT NULL,
	  l LINESTRING, pg POLYGON, mp MULTIPOINT, ml MULTILINESTRING, mpg MULTIPOLYGON,
	  gc GEOMETRYCOLLECTION, SPATIAL INDEX(p));
	INSERT INTO $db.shapes VALUES (1, ST_GeomFromText('POINT(1 1)'), ST_GeomFromText('POINT(1 2)', 4326),
	  ST_GeomFromText('LINESTRING(0 0,1 1)'), ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'),
	  ST_GeomFromText('MULTIPOINT(0 0,1 1)'), ST_GeomFromText('MULTILINESTRING((0 0,1 1))'),
	  ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 0)))'), ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1))')),
	  (2, NULL, ST_GeomFromText('POINT(5 5)', 4326), NULL, NULL, NULL, NULL, NULL, NULL)" || return 1
	show_create $db shapes "$TMP/$db.before"
	start_llm "$db" || return 1
	"$BIN" generate --connection "$(my_conn $db)" --scope "$db.*" --model m --api-base "$LLM_URL" \
		--out "$TMP/$db" --apply >"$TMP/$db.stdout" 2>"$TMP/$db.stderr" \
		|| { tail -5 "$TMP/$db.stderr" >&2; fail "generate --apply failed on every spatial type"; return 1; }
	grep -q '(1 ok, 0 failed), 9 columns; 10 applied;' "$TMP/$db.stdout" \
		|| fail "summary: $(cat "$TMP/$db.stdout")"
	show_create $db shapes "$TMP/$db.after"
	same_but_comments "$TMP/$db.before" "$TMP/$db.after" || fail "MODIFY changed a spatial column"
	my_sql -e "SELECT SRID FROM information_schema.GEOMETRY_COLUMNS WHERE G_TABLE_SCHEMA = '$db' AND G_GEOMETRY_COLUMN = 'p'" \
		| grep -qx 4326 || fail "the POINT column lost its SRID"
}

case_mariadb_spatial_types_ok() {
	have_mariadb || return 1
	mariadb_spatial my_geo
}

case_mariadb_spatial_types_ok_nbe() {
	have_mariadb || return 1
	with_nbe mariadb_spatial my_geo_nbe
}
