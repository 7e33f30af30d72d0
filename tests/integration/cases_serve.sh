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
	[ $rc = 2 ] && grep -q 'memory: cannot connect' "$TMP/s3.out" || fail "ODBC store: exit $rc $(cat "$TMP/s3.out")"
	grep -q 'Sekr1tPw' "$TMP/s3.out" && fail "password printed"
	return 0
}

# start_serve NAME [flags...]: `metagen serve` on a free port; sets
# SERVE_PID and SERVE_URL. The token (when any) comes from the caller's
# environment or flags.
start_serve() {
	local name=$1; shift
	rm -f "$TMP/$name.port"
	"$BIN" serve --serve-port 0 --port-file "$TMP/$name.port" --cache-dir "$TMP/$name.c" \
		--serve-trace "$TMP/$name.trace.jsonl" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	SERVE_PID=$!
	for _ in $(seq 100); do [ -s "$TMP/$name.port" ] && break; sleep 0.05; done
	[ -s "$TMP/$name.port" ] || { cat "$TMP/$name.err" >&2; fail "serve did not start"; return 1; }
	SERVE_URL="http://127.0.0.1:$(cat "$TMP/$name.port")"
}

# stop_serve: SIGTERM, exit 0 within 5 s.
stop_serve() {
	local rc
	kill -TERM "$SERVE_PID"
	for _ in $(seq 100); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$SERVE_PID" 2>/dev/null && { kill -KILL "$SERVE_PID"; fail "serve ignored SIGTERM"; }
	wait "$SERVE_PID"; rc=$?
	[ $rc = 0 ] || fail "serve exit $rc after SIGTERM"
}

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# Routes, the request id, the 413 limit, metrics and the trace, without
# a token on loopback.
case_serve_routes_limits_metrics() {
	command -v curl >/dev/null || { fail "curl missing"; return 1; }
	start_serve sr --serve-max-body-bytes 1000 || return 1
	[ "$(curl -s "$SERVE_URL/ping")" = pong ] || fail "ping"
	curl -s "$SERVE_URL/version" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["name"]=="metagen" and d["version"][0].isdigit(), d' || fail "version"
	curl -s "$SERVE_URL/health" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["status"]=="ok" and d["memory"]=={"status":"ok","required":False} and d["lm"]["status"]=="not configured", d' || fail "health"
	[ "$(code "$SERVE_URL/nope")" = 404 ] || fail "unknown route not 404"
	[ "$(code -X POST -d x "$SERVE_URL/version")" = 405 ] || fail "POST /version not 405"
	[ "$(code -X POST --data-binary @<(head -c 5000 /dev/zero) "$SERVE_URL/version")" = 413 ] || fail "5000-byte body not 413"
	[ "$(code -X POST --data-binary @<(head -c 900 /dev/zero) "$SERVE_URL/version")" = 405 ] || fail "900-byte body refused as too large"
	curl -s -D - -o /dev/null -H 'X-Request-Id: abc-123_X' "$SERVE_URL/ping" | tr -d '\r' | grep -qx 'X-Request-Id: abc-123_X' || fail "request id not echoed"
	curl -s -D - -o /dev/null -H 'X-Request-Id: a"b{}' "$SERVE_URL/ping" | tr -d '\r' | grep -E '^X-Request-Id: ' | grep -q '[{"]' && fail "hostile request id echoed"
	curl -s "$SERVE_URL/metrics" >"$TMP/sr.metrics" || fail "metrics"
	grep -qx 'metagen_http_requests_total{route="/ping",status="200"} 3' "$TMP/sr.metrics" || fail "ping count: $(grep ping "$TMP/sr.metrics" | head -3)"
	grep -qx 'metagen_http_requests_total{route="/version",status="413"} 1' "$TMP/sr.metrics" || fail "413 not counted"
	grep -qx 'metagen_http_requests_total{route="other",status="404"} 1' "$TMP/sr.metrics" || fail "404 not counted"
	grep -qx 'metagen_http_request_duration_seconds_count{route="/ping"} 3' "$TMP/sr.metrics" || fail "histogram count"
	grep -q '^# TYPE metagen_http_request_duration_seconds histogram' "$TMP/sr.metrics" || fail "histogram type"
	stop_serve
	python3 - "$TMP/sr.trace.jsonl" <<'PY' || fail "trace"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 10, len(rows)
assert any(r["request_id"] == "abc-123_X" for r in rows)
assert {r["http_status"] for r in rows} >= {200, 404, 405, 413}, rows
PY
}

# Bearer auth: from METAGEN_SERVE_TOKEN, from serve.token_file; wrong,
# missing, prefix and longer tokens get 401; /ping stays open; the
# token is in no output or trace; a non-loopback host without a token
# is refused before listening.
case_serve_auth() {
	local tok=Tok-8fQ2xZ19pLm
	command -v curl >/dev/null || { fail "curl missing"; return 1; }
	METAGEN_SERVE_TOKEN=$tok start_serve sa || return 1
	[ "$(code "$SERVE_URL/version")" = 401 ] || fail "no token not 401"
	[ "$(code -H "Authorization: Bearer wrong" "$SERVE_URL/version")" = 401 ] || fail "wrong token"
	[ "$(code -H "Authorization: Bearer ${tok%?}" "$SERVE_URL/version")" = 401 ] || fail "prefix token"
	[ "$(code -H "Authorization: Bearer ${tok}x" "$SERVE_URL/version")" = 401 ] || fail "longer token"
	[ "$(code -H "Authorization: Basic $tok" "$SERVE_URL/version")" = 401 ] || fail "basic scheme"
	[ "$(code -H "Authorization: Bearer $tok" "$SERVE_URL/version")" = 200 ] || fail "right token"
	[ "$(code -H "Authorization: Bearer $tok" "$SERVE_URL/metrics")" = 200 ] || fail "metrics with token"
	[ "$(code "$SERVE_URL/metrics")" = 401 ] || fail "metrics without token"
	[ "$(code "$SERVE_URL/ping")" = 200 ] || fail "ping needs no token"
	stop_serve
	grep -rlF "$tok" "$TMP"/sa.* && fail "token in output or trace"
	printf '%s\n' "$tok" > "$TMP/tokfile"
	start_serve sb --serve-token-file "$TMP/tokfile" || return 1
	[ "$(code -H "Authorization: Bearer $tok" "$SERVE_URL/health")" = 200 ] || fail "token file"
	[ "$(code "$SERVE_URL/health")" = 401 ] || fail "token file: no token"
	stop_serve
	"$BIN" serve --serve-host 0.0.0.0 --serve-port 0 >/dev/null 2>"$TMP/sc.err"; [ $? = 2 ] || fail "0.0.0.0 without token started"
	grep -q 'without a token' "$TMP/sc.err" || fail "refusal reason: $(cat "$TMP/sc.err")"
	"$BIN" serve --serve-host 'not-an-ip' --serve-port 0 >/dev/null 2>&1; [ $? = 2 ] || fail "bad host"
	: > "$TMP/empty"
	"$BIN" serve --serve-token-file "$TMP/empty" --serve-port 0 >/dev/null 2>&1; [ $? = 2 ] || fail "empty token file"
	# a second line is refused (the API key's rules), naming the key, not the token
	printf '%s\nsecond-line\n' "$tok" > "$TMP/tok2"
	timeout 20 "$BIN" serve --serve-token-file "$TMP/tok2" --serve-port 0 >"$TMP/sd.out" 2>"$TMP/sd.err"; [ $? = 2 ] || fail "two-line token file started"
	grep -q 'serve.token_file' "$TMP/sd.err" || fail "two-line token file not named: $(cat "$TMP/sd.err")"
	grep -qF -e "$tok" -e second-line "$TMP/sd.out" "$TMP/sd.err" && fail "token file's content printed"
	timeout 20 "$BIN" serve --serve-token-file "$TMP/no-such-file" --serve-port 0 >/dev/null 2>&1; [ $? = 2 ] || fail "missing token file"
	return 0
}
