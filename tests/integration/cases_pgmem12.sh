# cases_pgmem12.sh - issue 12: the conversation memory on PostgreSQL
# (memory.connection an ODBC string, psqlODBC) on the private test
# cluster: `metagen ask` twice in one session, two `metagen serve`
# processes sharing one memory (a session moves between them), sessions
# list/show/delete/prune, hostile session ids and content, processes
# creating the schema at once, retention (PostgreSQL and SQLite; applied
# by `sessions prune`, `serve` and `ask`). The store is reached as its
# own role with a distinctive password that must appear in no output.
# Sourced by run.sh (uses BIN, TMP, fail, start_llm, pg cluster env;
# ask_script/ask_index/requests_check from cases_ask.sh, start_serve/
# stop_serve from cases_serve.sh).

PGMEM_PW='Pm3-Sekr3t-w8q1Z'

# pgmem_db NAME: a new database owned by role pgmem_u (made once);
# prints the ODBC connection string that reaches it as that role.
pgmem_db() {
	[ -n "${PGPORT:-}" ] || { echo "no PostgreSQL (PGPORT unset)" >&2; return 1; }
	psql -qd postgres -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgmem_u') THEN CREATE ROLE pgmem_u LOGIN PASSWORD '$PGMEM_PW'; END IF; END\$\$" >/dev/null &&
		psql -qd postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1 OWNER pgmem_u" >/dev/null ||
		return 1
	echo "Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=$PGPORT;Database=$1;Uid=pgmem_u;Pwd={$PGMEM_PW}"
}

# pgmem_no_secret FILES...: the password is in none of them.
pgmem_no_secret() {
	local f
	for f in "$@"; do
		[ -e "$f" ] || continue
		grep -qF "$PGMEM_PW" "$f" && fail "the password is in $f"
	done
	return 0
}

# pgmem_reqs REC PYTHON: requests_check on the ask program's requests
# only (the endpoint preflight's own one-token request left out).
pgmem_reqs() {
	requests_check "$1" 'reqs = [r for r in reqs if "[[ ## " in r]
'"$2"
}

# pgmem_post URL BODY OUT: POST /invocations; the status code printed.
pgmem_post() {
	curl -s -o "$3" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "$2" "$1/invocations"
}

# Two asks in one session: the second reaches the LM with the first
# exchange in its history; another session's never; every message is a
# row of the PostgreSQL table with jsonb metadata; the sessions command
# lists, shows, deletes and prunes there.
case_pgmem_ask_twice_one_session() {
	local c sa sb o
	c=$(pgmem_db pgm_ask) || { fail "no database"; return 1; }
	ask_script; ask_index || return 1
	start_llm pgmask --script "$TMP/ask.script.json" || { fail "llm"; return 1; }
	o=(--rag-index "$TMP/ask.idx" --model test --api-base "$LLM_URL" --no-cache --memory-connection "$c")
	"$BIN" ask "what does the admissions table hold?" "${o[@]}" >"$TMP/pgm1.out" 2>"$TMP/pgm1.err" ||
		{ fail "ask 1: $(cat "$TMP/pgm1.err")"; return 1; }
	sa=$(sed -n 's/^session: //p' "$TMP/pgm1.out")
	[ -n "$sa" ] || { fail "no session printed"; return 1; }
	"$BIN" ask "what does the patients table hold?" --json "${o[@]}" >"$TMP/pgm2.json" 2>"$TMP/pgm2.err" || fail "ask other"
	sb=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$TMP/pgm2.json")
	"$BIN" ask "and its discharge time?" --session "$sa" "${o[@]}" >"$TMP/pgm3.out" 2>"$TMP/pgm3.err" || fail "ask 2"
	grep -qx 'It holds one row per stay \[1\].' "$TMP/pgm3.out" || fail "answer 2: $(cat "$TMP/pgm3.out")"
	# a1 (1 call), b1 (1), a2 rewrite + respond with a1 in history
	pgmem_reqs "$LLM_REC" '
assert len(reqs) == 4, len(reqs)
for i in (2, 3):
    assert "[[ ## history ## ]]" in reqs[i], i
    assert "what does the admissions table hold?" in reqs[i], i
    assert "It holds one row per stay [1]." in reqs[i], i
    assert "what does the patients table hold?" not in reqs[i], i
assert "what does the admissions table hold?" not in reqs[1]
assert "It holds one row per stay" not in reqs[1]
' || fail "recorded requests"
	[ "$(psql -d pgm_ask -tAc "select count(*) from conversations where session_id = '$sa'")" = 4 ] || fail "rows of $sa"
	[ "$(psql -d pgm_ask -tAc "select count(*) from conversations where role = 'assistant' and jsonb_typeof(metadata->'chunk_ids') = 'array' and metadata->'lm_calls' is not null")" = 3 ] ||
		fail "assistant metadata not jsonb with chunk ids and usage"
	[ "$(psql -d pgm_ask -tAc "select version from metagen_schema where name = 'memory'")" = 1 ] || fail "schema version row"
	"$BIN" sessions list --memory-connection "$c" >"$TMP/pgm.list" 2>&1 || fail "sessions list"
	[ "$(awk -v s="$sa" '$1 == s {print $2}' "$TMP/pgm.list")" = 4 ] || fail "list: $(cat "$TMP/pgm.list")"
	[ "$(awk 'NR == 2 {print $1}' "$TMP/pgm.list")" = "$sa" ] || fail "list order: most recent first"
	"$BIN" sessions show "$sa" --memory-connection "$c" >"$TMP/pgm.show" 2>&1 || fail "sessions show"
	python3 - "$TMP/pgm.show" <<'PY' || fail "shown messages"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["role"] for r in rows] == ["user", "assistant"] * 2, rows
assert rows[0]["content"] == "what does the admissions table hold?", rows[0]
assert rows[2]["content"] == "and its discharge time?", rows[2]
assert rows[1]["metadata"]["chunk_ids"] and rows[1]["metadata"]["cited"] == [1], rows[1]
assert rows[0]["id"] < rows[1]["id"] < rows[2]["id"] < rows[3]["id"], rows
PY
	"$BIN" sessions delete "$sb" --memory-connection "$c" >"$TMP/pgm.del" 2>&1 || fail "delete"
	grep -q "removed 2 messages of session $sb" "$TMP/pgm.del" || fail "delete: $(cat "$TMP/pgm.del")"
	"$BIN" sessions show "$sb" --memory-connection "$c" >/dev/null 2>&1; [ $? = 1 ] || fail "a deleted session still shows"
	"$BIN" sessions delete "$sb" --memory-connection "$c" >/dev/null 2>&1; [ $? = 1 ] || fail "deleting nothing is not exit 1"
	"$BIN" sessions prune --memory-connection "$c" --memory-retention-days 30 >"$TMP/pgm.prune" 2>&1 || fail "prune"
	grep -q 'pruned 0 sessions (0 messages)' "$TMP/pgm.prune" || fail "prune: $(cat "$TMP/pgm.prune")"
	[ "$(psql -d pgm_ask -tAc "select count(*) from conversations")" = 4 ] || fail "prune removed recent messages"
	pgmem_no_secret "$TMP"/pgm[0-9.]* "$LLM_REC"
}

# Two servers on one PostgreSQL memory: session web-A asks server A
# first, then server B; B's LM request holds A's exchange. web-B goes the
# other way round; neither session ever sees the other's messages. In
# between, PostgreSQL drops both servers' connections.
case_pgmem_two_servers_share_memory() {
	local c ua ub ra rb pa pb sa sb st u
	command -v curl >/dev/null || { fail "curl missing"; return 1; }
	c=$(pgmem_db pgm_srv) || { fail "no database"; return 1; }
	ask_script; ask_index || return 1
	start_llm pgmla --script "$TMP/ask.script.json" || { fail "llm a"; return 1; }
	ua=$LLM_URL; ra=$LLM_REC
	start_llm pgmlb --script "$TMP/ask.script.json" || { fail "llm b"; return 1; }
	ub=$LLM_URL; rb=$LLM_REC
	start_serve pgmsa --rag-index "$TMP/ask.idx" --model test --api-base "$ua" --no-cache \
		--memory-connection "$c" || return 1
	pa=$SERVE_PID; sa=$SERVE_URL
	start_serve pgmsb --rag-index "$TMP/ask.idx" --model test --api-base "$ub" --no-cache \
		--memory-connection "$c" || { SERVE_PID=$pa; stop_serve; return 1; }
	pb=$SERVE_PID; sb=$SERVE_URL
	st=$(pgmem_post "$sa" '{"dataframe_records": [{"query": "what does the admissions table hold?", "session_id": "web-A"}]}' "$TMP/pgm.a1")
	[ "$st" = 200 ] || fail "A1: $st $(cat "$TMP/pgm.a1")"
	st=$(pgmem_post "$sb" '{"dataframe_records": [{"query": "what does the patients table hold?", "session_id": "web-B"}]}' "$TMP/pgm.b1")
	[ "$st" = 200 ] || fail "B1: $st $(cat "$TMP/pgm.b1")"
	# the server drops both servers' connections (a restart, an idle
	# timeout): each connects again on its next request
	[ "$(psql -d postgres -tAc "select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = 'pgm_srv'")" = 2 ] ||
		fail "not two memory connections to drop"
	st=$(pgmem_post "$sb" '{"dataframe_records": [{"query": "and its discharge time?", "session_id": "web-A"}]}' "$TMP/pgm.a2")
	[ "$st" = 200 ] || fail "A2 on server B: $st $(cat "$TMP/pgm.a2")"
	st=$(pgmem_post "$sa" '{"messages": [{"role": "user", "content": "and its date of birth?"}], "custom_inputs": {"session_id": "web-B"}}' "$TMP/pgm.b2")
	[ "$st" = 200 ] || fail "B2 on server A: $st $(cat "$TMP/pgm.b2")"
	for u in "$sa" "$sb"; do
		curl -s "$u/health" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["memory"]["status"] == "ok", d' ||
			fail "health of $u: memory not ok"
	done
	SERVE_PID=$pa; stop_serve
	SERVE_PID=$pb; stop_serve
	# server B: web-B's first question (no history), then web-A's follow-up
	pgmem_reqs "$rb" '
assert len(reqs) == 3, len(reqs)
assert "what does the admissions table hold?" not in reqs[0]
assert "It holds one row per stay" not in reqs[0]
for i in (1, 2):
    assert "what does the admissions table hold?" in reqs[i], i
    assert "It holds one row per stay [1]." in reqs[i], i
    assert "and its discharge time?" in reqs[i], i
    assert "what does the patients table hold?" not in reqs[i], i
    assert "date of birth" not in reqs[i], i
' || fail "server B's LM requests"
	pgmem_reqs "$ra" '
assert len(reqs) == 3, len(reqs)
for i in (1, 2):
    assert "what does the patients table hold?" in reqs[i], i
    assert "and its date of birth?" in reqs[i], i
    assert "what does the admissions table hold?" not in reqs[i], i
    assert "and its discharge time?" not in reqs[i], i
' || fail "server A's LM requests"
	[ "$(psql -d pgm_srv -tAc "select string_agg(session_id || ':' || role, ',' order by id) from conversations")" = \
		"web-A:user,web-A:assistant,web-B:user,web-B:assistant,web-A:user,web-A:assistant,web-B:user,web-B:assistant" ] ||
		fail "stored rows: $(psql -d pgm_srv -tAc "select string_agg(session_id || ':' || role, ',' order by id) from conversations")"
	pgmem_no_secret "$TMP"/pgmsa.* "$TMP"/pgmsb.* "$TMP"/pgm.[ab][12] "$ra" "$rb"
}

# Hostile ids are refused before any SQL; hostile content is stored and
# shown byte for byte; rows another program wrote (any session id, 2 MB
# content) are listed escaped and read bounded.
case_pgmem_hostile_ids_and_content() {
	local c o q id rc n
	c=$(pgmem_db pgm_host) || { fail "no database"; return 1; }
	ask_script; ask_index || return 1
	start_llm pgmh --script "$TMP/ask.script.json" || { fail "llm"; return 1; }
	o=(--rag-index "$TMP/ask.idx" --model test --api-base "$LLM_URL" --no-cache --memory-connection "$c")
	q=$'admissions: it\'s "quoted" \\ back\\\\slash; DROP TABLE conversations;-- %_ ? $1 \u00e9\u6f22\U0001F600\ttab'
	"$BIN" ask "$q" --session "h-1" --json "${o[@]}" >"$TMP/pgmh.json" 2>"$TMP/pgmh.err" || fail "hostile question: $(cat "$TMP/pgmh.err")"
	"$BIN" sessions show h-1 --memory-connection "$c" >"$TMP/pgmh.show" 2>&1 || fail "show h-1"
	python3 - "$TMP/pgmh.show" "$q" <<'PY' || fail "hostile content not kept exactly"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows[0]["content"] == sys.argv[2], (rows[0]["content"], sys.argv[2])
PY
	[ "$(psql -d pgm_host -tAc "select octet_length(content) from conversations where role = 'user'")" = "$(printf '%s' "$q" | wc -c)" ] ||
		fail "stored bytes differ"
	n=$(psql -d pgm_host -tAc "select count(*) from conversations")
	for id in "x'; DROP TABLE conversations;--" 'a\b' 'h-1%' 'h-*' "$(printf 'a\nb')" "é" "$(printf 'x%.0s' $(seq 129))"; do
		"$BIN" ask "hi" --session "$id" "${o[@]}" >/dev/null 2>"$TMP/pgmh.e1"; rc=$?
		[ $rc = 2 ] && grep -q 'session_id' "$TMP/pgmh.e1" || fail "ask --session '$id': exit $rc"
		"$BIN" sessions show "$id" --memory-connection "$c" >/dev/null 2>&1; rc=$?
		[ $rc = 2 ] || fail "sessions show '$id': exit $rc"
		"$BIN" sessions delete "$id" --memory-connection "$c" >/dev/null 2>&1; rc=$?
		[ $rc = 2 ] || fail "sessions delete '$id': exit $rc"
	done
	[ "$(psql -d pgm_host -tAc "select count(*) from conversations")" = "$n" ] || fail "a refused id changed the table"
	# ids are compared exactly: no pattern reads another session
	"$BIN" sessions show h_1 --memory-connection "$c" >/dev/null 2>&1; rc=$?
	[ $rc = 1 ] || fail "sessions show h_1 of no such session: exit $rc"
	# a 70 KB question is refused whole (the agent's limit); nothing stored
	"$BIN" ask "$(head -c 70000 /dev/zero | tr '\0' 'q')" --session h-2 "${o[@]}" >/dev/null 2>&1; rc=$?
	[ $rc = 2 ] || fail "70 KB question: exit $rc"
	[ "$(psql -d pgm_host -tAc "select count(*) from conversations where session_id = 'h-2'")" = 0 ] || fail "a refused question was stored"
	# rows another program wrote
	psql -qd pgm_host -c "insert into conversations (session_id, role, content) values (E'evil\\x1b[31m\\nid', 'user', 'x'), ('foreign-1', 'user', repeat('é', 2000000))" ||
		{ fail "insert foreign rows"; return 1; }
	"$BIN" sessions list --memory-connection "$c" >"$TMP/pgmh.list" 2>&1 || fail "list with foreign rows"
	grep -q $'\x1b' "$TMP/pgmh.list" && fail "an escape byte reached the listing"
	grep -qF '"evil\x1b[31m\x0aid"' "$TMP/pgmh.list" || fail "foreign id not shown escaped: $(cat -v "$TMP/pgmh.list")"
	"$BIN" sessions show foreign-1 --memory-connection "$c" >"$TMP/pgmh.big" 2>&1 || fail "show foreign-1"
	python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); assert len(r["content"]) == 1048576 and set(r["content"]) == {"é"}, len(r["content"])' "$TMP/pgmh.big" ||
		fail "a 2 MB foreign row is not read bounded"
	pgmem_no_secret "$TMP"/pgmh.*
}

# Six processes open a new database at once: each creates the schema
# when missing, one after the other (advisory lock), and all succeed. A
# schema of a newer version is then refused, naming both versions.
case_pgmem_schema_race_and_version() {
	local c i rc=0 pids=()
	c=$(pgmem_db pgm_race) || { fail "no database"; return 1; }
	for i in 1 2 3 4 5 6; do
		"$BIN" sessions list --memory-connection "$c" >"$TMP/pgmr.$i.out" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || { rc=1; fail "racer $((i + 1)): $(cat "$TMP/pgmr.$((i + 1)).out")"; }
	done
	[ $rc = 0 ] || return 1
	[ "$(psql -d pgm_race -tAc "select count(*) || ':' || max(version) from metagen_schema")" = "1:1" ] || fail "schema rows"
	[ "$(psql -d pgm_race -tAc "select count(*) from pg_indexes where tablename = 'conversations' and indexdef like '%(session_id, id)%'")" = 1 ] ||
		fail "no (session_id, id) index"
	[ "$(psql -d pgm_race -tAc "select data_type from information_schema.columns where table_name = 'conversations' and column_name in ('timestamp', 'metadata') order by column_name")" = \
		"jsonb"$'\n'"timestamp with time zone" ] || fail "column types"
	psql -qd pgm_race -c "update metagen_schema set version = 2 where name = 'memory'"
	"$BIN" sessions list --memory-connection "$c" >"$TMP/pgmr.new" 2>&1; rc=$?
	[ $rc = 2 ] && grep -q 'schema version 2; this metagen reads version 1' "$TMP/pgmr.new" || fail "newer schema: exit $rc $(cat "$TMP/pgmr.new")"
	# a wrong password: refused, the password in no message
	"$BIN" sessions list --memory-connection "${c/$PGMEM_PW/Wr0ng-$PGMEM_PW}" >"$TMP/pgmr.pw" 2>&1; rc=$?
	[ $rc = 2 ] && grep -q 'password authentication failed' "$TMP/pgmr.pw" || fail "wrong password: exit $rc $(cat "$TMP/pgmr.pw")"
	# an ODBC store that is not PostgreSQL: refused naming it, no secret
	: > "$TMP/pgmr.lite.db"
	"$BIN" sessions list --memory-connection "Driver=SQLite3;Database=$TMP/pgmr.lite.db;Pwd=$PGMEM_PW" >"$TMP/pgmr.lite" 2>&1; rc=$?
	[ $rc = 2 ] && grep -q 'reaches sqlite; an ODBC memory store must be PostgreSQL' "$TMP/pgmr.lite" ||
		fail "sqlite over odbc: exit $rc $(cat "$TMP/pgmr.lite")"
	pgmem_no_secret "$TMP"/pgmr.*
}

# pgmem_seed_old DB SID: a session whose two messages are 40 days old.
pgmem_seed_old() {
	psql -qd "$1" -c "insert into conversations (session_id, role, content, \"timestamp\") values ('$2', 'user', 'q', now() - interval '41 days'), ('$2', 'assistant', 'a', now() - interval '40 days')"
}

# memory.retention_days on PostgreSQL: `sessions prune` removes sessions
# idle longer (whole: a session with one recent message stays), 0 keeps
# all; `serve` and `ask` prune at start.
case_pgmem_retention_postgresql() {
	local c o n
	c=$(pgmem_db pgm_ret) || { fail "no database"; return 1; }
	"$BIN" sessions list --memory-connection "$c" >/dev/null 2>&1 || { fail "schema"; return 1; }
	pgmem_seed_old pgm_ret old-1
	pgmem_seed_old pgm_ret mixed-1
	psql -qd pgm_ret -c "insert into conversations (session_id, role, content, \"timestamp\") values ('mixed-1', 'user', 'q2', now() - interval '2 days'), ('new-1', 'user', 'q', now())"
	"$BIN" sessions prune --memory-connection "$c" >"$TMP/pgmt.p0" 2>&1 || fail "prune, retention 0"
	grep -q 'kept, nothing pruned' "$TMP/pgmt.p0" || fail "retention 0: $(cat "$TMP/pgmt.p0")"
	"$BIN" sessions prune --memory-connection "$c" --memory-retention-days 30 >"$TMP/pgmt.p1" 2>&1 || fail "prune"
	grep -q 'pruned 1 session (2 messages) idle for more than 30 days' "$TMP/pgmt.p1" || fail "prune: $(cat "$TMP/pgmt.p1")"
	[ "$(psql -d pgm_ret -tAc "select string_agg(session_id || '=' || n, ',' order by session_id) from (select session_id, count(*) n from conversations group by 1) t")" = "mixed-1=3,new-1=1" ] ||
		fail "after prune: $(psql -d pgm_ret -tAc "select string_agg(distinct session_id, ',') from conversations")"
	# serve applies it when it starts
	ask_script; ask_index || return 1
	start_llm pgmt --script "$TMP/ask.script.json" || { fail "llm"; return 1; }
	o=(--rag-index "$TMP/ask.idx" --model test --api-base "$LLM_URL" --no-cache --memory-connection "$c" --memory-retention-days 30)
	pgmem_seed_old pgm_ret old-2
	start_serve pgmts "${o[@]}" || return 1
	n=$(psql -d pgm_ret -tAc "select count(*) from conversations where session_id = 'old-2'")
	stop_serve
	[ "$n" = 0 ] || fail "serve did not prune at start ($n rows of old-2)"
	# and so does ask
	pgmem_seed_old pgm_ret old-3
	"$BIN" ask "what does the admissions table hold?" "${o[@]}" >/dev/null 2>"$TMP/pgmt.err" || fail "ask: $(cat "$TMP/pgmt.err")"
	[ "$(psql -d pgm_ret -tAc "select count(*) from conversations where session_id = 'old-3'")" = 0 ] || fail "ask did not prune"
	[ "$(psql -d pgm_ret -tAc "select count(*) from conversations where session_id in ('mixed-1', 'new-1')")" = 4 ] || fail "recent sessions pruned"
	pgmem_no_secret "$TMP"/pgmt.* "$TMP"/pgmts.*
}

# The same retention on the SQLite store (times in Unix ms).
case_pgmem_retention_sqlite() {
	local m o old
	command -v sqlite3 >/dev/null || { fail "sqlite3 missing"; return 1; }
	m=$TMP/pgmq.mem
	old=$(( ($(date +%s) - 41 * 86400) * 1000 ))
	ask_script; ask_index || return 1
	start_llm pgmq --script "$TMP/ask.script.json" || { fail "llm"; return 1; }
	o=(--rag-index "$TMP/ask.idx" --model test --api-base "$LLM_URL" --no-cache --memory-connection "$m")
	"$BIN" ask "what does the admissions table hold?" --session new-1 "${o[@]}" >/dev/null 2>&1 || { fail "ask"; return 1; }
	pgmem_seed_lite() { sqlite3 "$m" "insert into conversations (session_id, role, content, timestamp) values ('$1', 'user', 'q', $old), ('$1', 'assistant', 'a', $old + 86400000)"; }
	pgmem_seed_lite old-1
	"$BIN" sessions prune --memory-connection "$m" --memory-retention-days 30 >"$TMP/pgmq.p1" 2>&1 || fail "prune"
	grep -q 'pruned 1 session (2 messages)' "$TMP/pgmq.p1" || fail "prune: $(cat "$TMP/pgmq.p1")"
	o+=(--memory-retention-days 30)
	pgmem_seed_lite old-2
	start_serve pgmqs "${o[@]}" || return 1
	stop_serve
	[ "$(sqlite3 "$m" "select count(*) from conversations where session_id = 'old-2'")" = 0 ] || fail "serve did not prune (sqlite)"
	pgmem_seed_lite old-3
	"$BIN" ask "and its discharge time?" --session new-1 "${o[@]}" >/dev/null 2>&1 || fail "ask 2"
	[ "$(sqlite3 "$m" "select count(*) from conversations where session_id = 'old-3'")" = 0 ] || fail "ask did not prune (sqlite)"
	[ "$(sqlite3 "$m" "select count(*) from conversations where session_id = 'new-1'")" = 4 ] || fail "a recent session was pruned"
}
