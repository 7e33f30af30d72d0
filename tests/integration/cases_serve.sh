# cases_serve.sh - issue 12: the conversation memory behind `metagen ask`
# and `metagen serve`, through `metagen sessions list|show|delete|prune`
# on a real SQLite store. Sourced by run.sh (uses BIN, TMP, fail).

# The messages are written with the sqlite3 client into the store metagen
# created (no command writes them yet): hostile content (a terminal
# escape, quotes, a newline) must come out of `show` as escaped JSON, one
# session's messages never in another's, prune by idle days, delete.
case_sessions_cli_on_sqlite() {
	local db=$TMP/mem/m.sqlite now old out rc
	command -v sqlite3 >/dev/null || { fail "sqlite3 client missing"; return 1; }
	"$BIN" sessions list --memory-connection "$db" >"$TMP/s0.out" 2>&1 || fail "list on no store"
	grep -q 'no memory store' "$TMP/s0.out" || fail "no store not said: $(cat "$TMP/s0.out")"
	[ -e "$db" ] && fail "list created the store"
	mkdir -p "$TMP/mem" && sqlite3 "$db" 'PRAGMA user_version;' >/dev/null
	"$BIN" sessions list --memory-connection "$db" >/dev/null || fail "list on an empty store"
	now=$(( $(date +%s) * 1000 )); old=$(( now - 10 * 86400000 ))
	sqlite3 "$db" "INSERT INTO conversations (session_id, role, content, timestamp, metadata) VALUES
		('alpha', 'user', 'which table holds ' || char(27) || '[31mX?' || char(10) || 'it''s \"q\"', $now, '{\"chunks\":[1,2]}'),
		('alpha', 'assistant', 'admissions [1]', $now, '{}'),
		('beta', 'user', 'beta question', $old, '{}');" || { fail "insert"; return 1; }
	out=$("$BIN" sessions list --memory-connection "$db") || fail "list"
	echo "$out" | grep -Eq '^alpha +2 ' || fail "alpha not listed with 2 messages: $out"
	echo "$out" | grep -Eq '^beta +1 ' || fail "beta not listed: $out"
	"$BIN" sessions show alpha --memory-connection "$db" >"$TMP/s1.out" || fail "show alpha"
	grep -q $'\x1b' "$TMP/s1.out" && fail "raw escape reached the terminal"
	python3 - "$TMP/s1.out" <<'PY' || fail "show output"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert [r["role"] for r in rows] == ["user", "assistant"], rows
assert rows[0]["content"] == "which table holds \x1b[31mX?\nit's \"q\"", rows[0]
assert rows[0]["metadata"] == {"chunks": [1, 2]}, rows[0]
assert all("beta" not in r["content"] for r in rows)
PY
	"$BIN" sessions show gamma --memory-connection "$db" >/dev/null 2>&1; rc=$?
	[ $rc = 1 ] || fail "unknown session exit $rc, not 1"
	"$BIN" sessions show "a'b" --memory-connection "$db" >/dev/null 2>"$TMP/s2.err"; rc=$?
	[ $rc = 2 ] && grep -q 'session id' "$TMP/s2.err" || fail "bad id: exit $rc"
	"$BIN" sessions prune --memory-connection "$db" | grep -q 'nothing pruned' || fail "prune with 0 days"
	"$BIN" sessions prune --memory-retention-days 5 --memory-connection "$db" \
		| grep -q 'pruned 1 session (1 messages)' || fail "prune 5 days"
	"$BIN" sessions list --memory-connection "$db" | grep -q '^beta' && fail "beta survived prune"
	"$BIN" sessions delete alpha --memory-connection "$db" | grep -q 'removed 2 messages' || fail "delete"
	[ "$(sqlite3 "$db" 'SELECT count(*) FROM conversations')" = 0 ] || fail "rows left"
	[ "$(sqlite3 "$db" "SELECT version FROM metagen_schema WHERE name='memory'")" = 1 ] || fail "schema version"
	"$BIN" sessions frob --memory-connection "$db" >/dev/null 2>&1; [ $? = 2 ] || fail "unknown action exit"
	"$BIN" sessions list --memory-connection 'Driver=PostgreSQL;Pwd=Sekr1tPw' >"$TMP/s3.out" 2>&1; rc=$?
	[ $rc = 2 ] && grep -q 'not supported yet' "$TMP/s3.out" || fail "ODBC store: exit $rc"
	grep -q 'Sekr1tPw' "$TMP/s3.out" && fail "password printed"
	return 0
}
