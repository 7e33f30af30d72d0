# cases_sqlsafe.sh - SQL safety (issue 8 items 1-2), sourced by run.sh (its
# helpers and variables are in scope). Hostile table, column and schema
# names (quotes, backslashes, ;, --, /*, line breaks, tabs, unicode,
# 63-byte names, "pwn<LF>DROP TABLE victim; --") and hostile comments from
# the test LM (tests/integration/sqlsafe.py builds both): the listing,
# --apply and comments.sql run by the real psql / sqlite3 clients change
# exactly the intended comments, byte for byte, and nothing else.

SQLSAFE="python3 $ROOT/tests/integration/sqlsafe.py"

# sqlsafe_pg DB: a fresh database with standard_conforming_strings = off
# for every session and the hostile tables; sets SQLSAFE_CANARY.
sqlsafe_pg() {
	[ -n "${PGPORT:-}" ] || { fail "no PostgreSQL (PGPORT unset)"; return 1; }
	command -v psql >/dev/null || { fail "psql not installed"; return 1; }
	SQLSAFE_CANARY=$TMP/pwned-$1
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" \
		-c "ALTER DATABASE $1 SET standard_conforming_strings = off" >/dev/null \
		|| { fail "cannot create database $1"; return 1; }
	[ "$(psql -X -d "$1" -tAc 'show standard_conforming_strings')" = off ] \
		|| { fail "standard_conforming_strings is not off in $1"; return 1; }
	$SQLSAFE pg-create "$1" "$SQLSAFE_CANARY" || { fail "cannot create the hostile tables"; return 1; }
}

# sqlsafe_run NAME CONN CATALOG SCHEMA [generate args...]: a generate over
# the hostile tables (sentinels excluded) answered by the scripted LM,
# bounded to 300 s (the MariaDB apply hung before the literal fix).
sqlsafe_run() {
	local name=$1 conn=$2 catalog=$3 schema=$4 rc; shift 4
	$SQLSAFE script "$TMP/$name.json" "$SQLSAFE_CANARY" "$catalog" "$schema" \
		|| { fail "cannot write the LM script"; return 1; }
	start_llm "$name" --script "$TMP/$name.json" || return 1
	timeout 300 "$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" \
		--out "$TMP/$name" --no-offline-fallback --exclude '*victim' --exclude '*.x' \
		"$@" >"$TMP/$name.stdout" 2>"$TMP/$name.stderr"; rc=$?
	[ $rc = 0 ] || { tail -5 "$TMP/$name.stderr" >&2; fail "$name: generate exit $rc"; return 1; }
}

# The sentinels and the canary: nothing ran that nobody asked for.
sqlsafe_intact() {
	[ ! -e "$SQLSAFE_CANARY" ] || fail "a shell command from a name or comment ran"
}

case_sqlsafe_pg_scs_off_apply_hostile() {
	sqlsafe_pg ssapply || return 1
	$SQLSAFE pg-snap ssapply "$TMP/ssapply.before" || { fail "snapshot"; return 1; }
	sqlsafe_run ssapply "$(pg_conn ssapply)" ssapply "sch'\"\\;--" --apply || return 1
	grep -q '14 tables (14 ok, 0 failed)' "$TMP/ssapply.stdout" \
		|| fail "summary: $(cat "$TMP/ssapply.stdout")"
	$SQLSAFE pg-snap ssapply "$TMP/ssapply.after" || { fail "snapshot"; return 1; }
	$SQLSAFE expect "$TMP/ssapply.before" "$TMP/ssapply.after" "$TMP/ssapply.json.want" >/dev/null \
		|| fail "the warehouse after --apply"
	sqlsafe_intact
}

case_sqlsafe_pg_comments_sql_with_psql() {
	sqlsafe_pg sspsql || return 1
	sqlsafe_run sspsql "$(pg_conn sspsql)" sspsql "sch'\"\\;--" || return 1
	$SQLSAFE pg-snap sspsql "$TMP/sspsql.before" || { fail "snapshot"; return 1; }
	# the literals alone, without the file's SET: psql in a session with
	# the database's standard_conforming_strings = off
	local sql; sql=$(run_dir "$TMP/sspsql")/comments.sql
	grep -q '^SET standard_conforming_strings = on;$' "$sql" || fail "comments.sql does not set standard_conforming_strings"
	grep -v '^SET standard_conforming_strings' "$sql" >"$TMP/sspsql.noset.sql"
	psql -X -q -v ON_ERROR_STOP=1 -d sspsql -f "$TMP/sspsql.noset.sql" \
		>"$TMP/sspsql.psql" 2>&1 || { tail -3 "$TMP/sspsql.psql" >&2; fail "psql -f comments.sql (no SET) failed"; }
	$SQLSAFE pg-snap sspsql "$TMP/sspsql.after" || { fail "snapshot"; return 1; }
	$SQLSAFE expect "$TMP/sspsql.before" "$TMP/sspsql.after" "$TMP/sspsql.json.want" >/dev/null \
		|| fail "the catalog after psql -f comments.sql without its SET"
	# the file as written, as a reviewer runs it
	psql -X -q -v ON_ERROR_STOP=1 -d sspsql -f "$sql" >"$TMP/sspsql.psql" 2>&1 \
		|| { tail -3 "$TMP/sspsql.psql" >&2; fail "psql -f comments.sql failed"; }
	$SQLSAFE pg-snap sspsql "$TMP/sspsql.after2" || { fail "snapshot"; return 1; }
	$SQLSAFE expect "$TMP/sspsql.before" "$TMP/sspsql.after2" "$TMP/sspsql.json.want" >/dev/null \
		|| fail "the catalog after psql -f comments.sql"
	sqlsafe_intact
}

# sqlsafe_sqlite NAME: a SQLite file with the hostile tables; prints its
# ODBC connection string and sets SQLSAFE_CANARY.
sqlsafe_sqlite() {
	SQLSAFE_CANARY=$TMP/pwned-$1
	$SQLSAFE sqlite-create "$TMP/$1.sqlite" "$SQLSAFE_CANARY" || return 1
}

case_sqlsafe_sqlite_apply_hostile() {
	sqlsafe_sqlite ssliteapply || { fail "cannot create the hostile tables"; return 1; }
	$SQLSAFE sqlite-snap "$TMP/ssliteapply.sqlite" "$TMP/ssliteapply.before" || { fail "snapshot"; return 1; }
	sqlsafe_run ssliteapply "Driver=SQLite3;Database=$TMP/ssliteapply.sqlite" "" main --apply || return 1
	grep -q '14 tables (14 ok, 0 failed)' "$TMP/ssliteapply.stdout" \
		|| fail "summary: $(cat "$TMP/ssliteapply.stdout")"
	$SQLSAFE sqlite-snap "$TMP/ssliteapply.sqlite" "$TMP/ssliteapply.after" || { fail "snapshot"; return 1; }
	$SQLSAFE expect "$TMP/ssliteapply.before" "$TMP/ssliteapply.after" "$TMP/ssliteapply.json.want" >/dev/null \
		|| fail "the sidecar after --apply"
	sqlsafe_intact
}

case_sqlsafe_sqlite_comments_sql_with_sqlite3() {
	command -v sqlite3 >/dev/null || { fail "sqlite3 not installed"; return 1; }
	sqlsafe_sqlite sslite || { fail "cannot create the hostile tables"; return 1; }
	sqlsafe_run sslite "Driver=SQLite3;Database=$TMP/sslite.sqlite" "" main || return 1
	$SQLSAFE sqlite-snap "$TMP/sslite.sqlite" "$TMP/sslite.before" || { fail "snapshot"; return 1; }
	# the sqlite3 shell reads the file as a reviewer would run it
	(cd "$TMP" && sqlite3 -bail "$TMP/sslite.sqlite" <"$(run_dir "$TMP/sslite")/comments.sql") \
		>"$TMP/sslite.shell" 2>&1 || { tail -3 "$TMP/sslite.shell" >&2; fail "sqlite3 < comments.sql failed"; }
	$SQLSAFE sqlite-snap "$TMP/sslite.sqlite" "$TMP/sslite.after" || { fail "snapshot"; return 1; }
	$SQLSAFE expect "$TMP/sslite.before" "$TMP/sslite.after" "$TMP/sslite.json.want" >/dev/null \
		|| fail "the catalog after sqlite3 < comments.sql"
	sqlsafe_intact
}

# --- MySQL/MariaDB: a private server whose sessions start with ----------
# NO_BACKSLASH_ESCAPES (set globally); the literals must end where they
# should in both modes and be exact in the mode metagen sets.

# sqlsafe_mariadb_start: a private mariadbd on a socket in a new folder
# (no network; its own folder: $TMP is not open to the mysql user); sets
# SQLSAFE_MY_DIR, SQLSAFE_MY_SOCK and SQLSAFE_MY_PID.
sqlsafe_mariadb_start() {
	local dir mariadbd user=()
	mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
	[ -x "$mariadbd" ] && command -v mariadb-install-db >/dev/null && command -v mariadb >/dev/null \
		|| { fail "MariaDB server or client not installed"; return 1; }
	dir=$(mktemp -d /tmp/metagen-sqlsafe-my.XXXXXX) || { fail "mktemp"; return 1; }
	SQLSAFE_MY_DIR=$dir
	if [ "$(id -u)" = 0 ]; then chown mysql:mysql "$dir"; user=(--user=mysql); fi
	mariadb-install-db --no-defaults "${user[@]}" --datadir="$dir/data" --auth-root-authentication-method=normal \
		>"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; fail "mariadb-install-db failed"; return 1; }
	"$mariadbd" --no-defaults "${user[@]}" --datadir="$dir/data" --socket="$dir/sock" --skip-networking \
		--pid-file="$dir/pid" --log-error="$dir/err.log" >/dev/null 2>&1 &
	SQLSAFE_MY_PID=$!
	SQLSAFE_MY_SOCK=$dir/sock
	for _ in $(seq 100); do
		mariadb -S "$SQLSAFE_MY_SOCK" -uroot -e 'select 1' >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$dir/err.log" >&2; fail "mariadbd did not start"; return 1
}

sqlsafe_mariadb_stop() {
	[ -n "${SQLSAFE_MY_PID:-}" ] && kill "$SQLSAFE_MY_PID" 2>/dev/null && wait "$SQLSAFE_MY_PID" 2>/dev/null
	[ -n "${SQLSAFE_MY_DIR:-}" ] && rm -rf "$SQLSAFE_MY_DIR"
	SQLSAFE_MY_PID= SQLSAFE_MY_DIR=
}

case_sqlsafe_mariadb_both_modes() {
	local rc conn run sql
	SQLSAFE_CANARY=$TMP/pwned-ssmy
	trap 'sqlsafe_mariadb_stop' RETURN
	sqlsafe_mariadb_start || return 1
	mariadb -S "$SQLSAFE_MY_SOCK" -uroot -e "CREATE USER mg@localhost IDENTIFIED BY 'pw';
		GRANT ALL ON *.* TO mg@localhost;
		SET GLOBAL sql_mode = CONCAT(@@GLOBAL.sql_mode, ',NO_BACKSLASH_ESCAPES')" \
		|| { fail "cannot set up the server"; return 1; }
	$SQLSAFE my-create "$SQLSAFE_MY_SOCK" ssmy "$SQLSAFE_CANARY" || { fail "cannot create the hostile tables"; return 1; }
	[ "$(mariadb -S "$SQLSAFE_MY_SOCK" -uroot -N -e 'select @@sql_mode like "%NO_BACKSLASH_ESCAPES%"')" = 1 ] \
		|| { fail "sessions do not start with NO_BACKSLASH_ESCAPES"; return 1; }
	conn="Driver=MariaDB Unicode;Socket=$SQLSAFE_MY_SOCK;Database=ssmy;Uid=mg;Pwd=pw"
	$SQLSAFE my-snap "$SQLSAFE_MY_SOCK" ssmy "$TMP/ssmy.before" || { fail "snapshot"; return 1; }
	# --apply: column comments are not written on MySQL yet (a failure
	# each), table comments are, exactly
	$SQLSAFE script-bmp "$TMP/ssmy.json" "$SQLSAFE_CANARY" "" ssmy || { fail "cannot write the LM script"; return 1; }
	start_llm ssmy --script "$TMP/ssmy.json" || return 1
	timeout 300 "$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$TMP/ssmy" \
		--no-offline-fallback --exclude '*victim' --exclude '*.x' --apply \
		>"$TMP/ssmy.stdout" 2>"$TMP/ssmy.stderr"; rc=$?
	[ $rc -le 1 ] || { tail -5 "$TMP/ssmy.stderr" >&2; fail "generate exit $rc"; return 1; }
	grep -q '13 tables' "$TMP/ssmy.stdout" || fail "summary: $(cat "$TMP/ssmy.stdout")"
	$SQLSAFE my-snap "$SQLSAFE_MY_SOCK" ssmy "$TMP/ssmy.after" || { fail "snapshot"; return 1; }
	$SQLSAFE expect "$TMP/ssmy.before" "$TMP/ssmy.after" "$TMP/ssmy.json.want" tables-only >/dev/null \
		|| fail "the warehouse after --apply"
	# comments.sql by the mariadb client, first without its SET (the
	# session keeps NO_BACKSLASH_ESCAPES: backslashes read doubled, nothing
	# leaves a literal), then as written (exact)
	run=$(run_dir "$TMP/ssmy"); sql=$run/comments.sql
	mariadb -S "$SQLSAFE_MY_SOCK" -uroot -e "DROP DATABASE ssmy" && \
		$SQLSAFE my-create "$SQLSAFE_MY_SOCK" ssmy "$SQLSAFE_CANARY" || { fail "cannot recreate the tables"; return 1; }
	grep -q '^SET SESSION sql_mode = ' "$sql" || fail "comments.sql does not set sql_mode"
	grep -v '^SET SESSION sql_mode' "$sql" >"$TMP/ssmy.noset.sql"
	(cd "$TMP" && mariadb -S "$SQLSAFE_MY_SOCK" -uroot ssmy <"$TMP/ssmy.noset.sql") >"$TMP/ssmy.client" 2>&1 \
		|| { tail -3 "$TMP/ssmy.client" >&2; fail "mariadb < comments.sql (no SET) failed"; }
	$SQLSAFE my-snap "$SQLSAFE_MY_SOCK" ssmy "$TMP/ssmy.after2" || { fail "snapshot"; return 1; }
	$SQLSAFE expect "$TMP/ssmy.before" "$TMP/ssmy.after2" "$TMP/ssmy.json.want" tables-only,nbe >/dev/null \
		|| fail "the catalog after comments.sql without its SET"
	(cd "$TMP" && mariadb -S "$SQLSAFE_MY_SOCK" -uroot ssmy <"$sql") >"$TMP/ssmy.client" 2>&1 \
		|| { tail -3 "$TMP/ssmy.client" >&2; fail "mariadb < comments.sql failed"; }
	$SQLSAFE my-snap "$SQLSAFE_MY_SOCK" ssmy "$TMP/ssmy.after3" || { fail "snapshot"; return 1; }
	$SQLSAFE expect "$TMP/ssmy.before" "$TMP/ssmy.after3" "$TMP/ssmy.json.want" tables-only >/dev/null \
		|| fail "the catalog after comments.sql"
	sqlsafe_intact
}
