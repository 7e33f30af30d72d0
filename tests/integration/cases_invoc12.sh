# cases_invoc12.sh - issue 12: comment records on POST /invocations
# answered by generate's own per-table path, /health reporting the index,
# the memory store and the LM, and the LM preflight of `ask` and `serve`.
# The real binary, the real server (curl), the SQLite ODBC driver and the
# test LM (tests/server/fake_llm.py, its requests recorded). Sourced by
# run.sh (BIN, TMP, fail, start_llm, write_program); start_serve,
# stop_serve and code come from cases_serve.sh, ask_index and ask_script
# from cases_ask.sh.

# i12_db FILE: table visits with integers, reals (whose text order is not
# their numeric order), text (a quote, non-ASCII letters), NULLs and a
# mostly-NULL row.
i12_db() {
	rm -f "$1"
	python3 - "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("CREATE TABLE visits (visit_id INTEGER, ward TEXT, admitted TEXT, cost REAL, note TEXT)")
c.executemany("INSERT INTO visits VALUES (?, ?, ?, ?, ?)", [
    (10, "Cardiology", "2101-03-04", 61.5, "first visit"),
    (9, "Oncology", "2090-11-20", 80.25, None),
    (31, "Neurologie \u00e9tage 2", "2075-01-01", 0.1, "transferred from another ward"),
    (4, None, None, None, None),
    (12, "O'Brien wing", "2101-03-04", 1200.5, "patient's own \"quoted\" note"),
])
c.commit()
PY
}

# i12_record DB GEN_REC OUT: the comment record of table visits as a
# client would send it (cells typed: numbers as JSON numbers), rows in
# the order generate's prompt showed them (when it showed any), only
# the data types in column_metadata: every statistic is derived by the
# server from the rows.
i12_record() {
	python3 - "$@" <<'PY'
import json, os, re, sqlite3, sys
db, rec, out = sys.argv[1:4]
c = sqlite3.connect(db)
cur = c.execute("SELECT * FROM visits")
cols = [d[0] for d in cur.description]
rows = [list(r) for r in cur.fetchall()]
types = {r[1]: r[2] for r in c.execute("PRAGMA table_info(visits)")}
order = None
if os.path.exists(rec) and os.path.getsize(rec) > 0:
    text = json.loads(open(rec).readline())["body"]["messages"][-1]["content"]
    i = text.find('{"table_name"')
    if i >= 0:
        prof = json.JSONDecoder().raw_decode(text[i:])[0]
        order = [r[0] for r in prof.get("data", [])]
if order:
    rows.sort(key=lambda r: order.index(str(r[0])) if str(r[0]) in order else 99)
body = {"table_name": "main.visits",
        "table_data": {"columns": cols, "index": list(range(len(rows))), "data": rows},
        "column_metadata": {k: {"data_type": types[k]} for k in cols}}
json.dump(body, open(out, "w"))
PY
}

# i12_compare RUN PRED GEN_REC SERVE_REC: the prediction holds the same
# comments, statuses, paths and reasons as generate's comments.json, the
# LM got the same requests from both, and the DDL is generate's.
i12_compare() {
	python3 - "$@" <<'PY'
import json, os, sys
run, pred, grec, srec = sys.argv[1:5]
g = json.load(open(run + "/comments.json"))["tables"][0]
p = json.load(open(pred))["predictions"][0]
assert p["table_name"] == "main.visits", p
objs = [(None, g)] + [(c["name"], c) for c in g["columns"]]
assert len(p["comments"]) == len(objs), p
for (name, want), got in zip(objs, p["comments"]):
    assert got["column"] == name, (name, got)
    for k in ("comment", "status", "path", "reason"):
        assert got[k] == want[k], (name, k, got[k], want[k])
offered = lambda o: o["comment"] if o["status"] not in ("failed", "") else None
assert p["table"] == offered(g), (p["table"], g)
assert p["columns"] == [c["name"] for c in g["columns"]], p["columns"]
assert p["column_contents"] == [offered(c) for c in g["columns"]], p
def msgs(f):
    if not os.path.exists(f):
        return []
    return [json.loads(l)["body"]["messages"] for l in open(f)]
if msgs(grec) != msgs(srec):
    import difflib
    a = json.dumps(msgs(grec), indent=1).splitlines()
    b = json.dumps(msgs(srec), indent=1).splitlines()
    sys.exit("the LM was asked differently:\n" + "\n".join(list(difflib.unified_diff(a, b, lineterm=""))[:40]))
assert p["usage"]["lm_calls"] == len(msgs(srec)), p["usage"]
sql = open(run + "/comments.sql").read()
stmts = [l for l in p["ddl"].splitlines() if l.startswith("INSERT")]
assert len(stmts) == sum(1 for _, o in objs if o["status"] == "proposed"), p["ddl"]
assert all(s in sql for s in stmts), p["ddl"]
print(json.dumps([o["status"] for _, o in objs]))
PY
}

# i12_same MODE [flags...]: generate and a comment record on the server
# with the same flags against two test LMs with the same script; prints
# the statuses.
i12_same() {
	local mode=$1 run; shift
	local script=$TMP/i12.$mode.script.json
	i12_db "$TMP/i12.sqlite" || return 1
	cat > "$script" <<'EOF'
{"tables": {"main.visits": [{"fault": "missing"},
  {"answer": {"table": "Hospital visits.", "columns": {"note": "Free text such as transferred from another ward."}}},
  {"answer": {"table": "Hospital visits.", "columns": {"note": "Free text such as transferred from another ward."}}},
  {"answer": {"table": "Hospital visits.", "columns": {"note": "Free text such as transferred from another ward."}}},
  {"answer": {"table": "Hospital visits.", "columns": {"note": "Free text such as transferred from another ward."}}}]}}
EOF
	start_llm "i12g$mode" --script "$script" || return 1
	local grec=$LLM_REC gurl=$LLM_URL
	start_llm "i12s$mode" --script "$script" || return 1
	local srec=$LLM_REC surl=$LLM_URL
	[ "$mode" = offline ] && { gurl=; surl=; }
	"$BIN" generate --connection "Driver=SQLite3;Database=$TMP/i12.sqlite" --out "$TMP/i12$mode" \
		--no-cache --rag-index "$TMP/none.idx" ${gurl:+--api-base "$gurl"} "$@" \
		>"$TMP/i12$mode.gen.out" 2>&1 || true
	run=$(run_dir "$TMP/i12$mode") || return 1
	i12_record "$TMP/i12.sqlite" "$grec" "$TMP/i12$mode.rec.json" || return 1
	start_serve "i12$mode" --no-cache --rag-index "$TMP/none.idx" --dialect sqlite \
		--memory-connection "$TMP/i12$mode.mem" ${surl:+--api-base "$surl"} "$@" || return 1
	python3 -c 'import json,sys; print(json.dumps({"dataframe_records": [json.load(open(sys.argv[1]))]}))' \
		"$TMP/i12$mode.rec.json" > "$TMP/i12$mode.body.json"
	[ "$(curl -s -o "$TMP/i12$mode.pred.json" -w '%{http_code}' --data-binary @"$TMP/i12$mode.body.json" \
		"$SERVE_URL/invocations")" = 200 ] || { fail "$mode: $(cat "$TMP/i12$mode.pred.json")"; stop_serve; return 1; }
	stop_serve
	i12_compare "$run" "$TMP/i12$mode.pred.json" "$grec" "$srec"
}

# A comment record gets the comments `metagen generate` writes for the
# same table: legacy path (a re-ask for a dropped column, a comment
# refused for repeating a sample value), the optimized program, and the
# offline describer; the LM sees byte-identical requests.
case_invoc12_comment_record_as_generate() {
	local st
	st=$(i12_same legacy --model m) || { fail "legacy: not the same answer"; return 1; }
	# the case must exercise the privacy rule and the re-ask
	case "$st" in *failed*proposed*|*proposed*failed*) ;; *) fail "legacy statuses: $st" ;; esac
	[ "$(grep -c . "$TMP/i12slegacy.rec.jsonl")" -ge 2 ] || fail "no re-ask on the server"
	python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["predictions"][0]; c=p["comments"][-1]; assert c["column"]=="note" and c["status"]=="failed" and "repeats a value" in c["reason"] and p["column_contents"][-1] is None, p' \
		"$TMP/i12legacy.pred.json" || fail "privacy rule not applied on the server"
	write_program "$TMP/i12.prog" 6
	st=$(i12_same optimized --model m --program "$TMP/i12.prog" --path optimized) ||
		{ fail "optimized: not the same answer"; return 1; }
	# the program answers all but note, whose answers repeat a value:
	# the legacy path takes it over, saying why
	python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["predictions"][0]; c=p["comments"]; assert {x["path"] for x in c[:-1]}=={"optimized"} and c[-1]["path"]=="legacy" and c[-1]["reason"].startswith("optimized path: ") and c[-1]["reason"].endswith("; legacy used"), p' \
		"$TMP/i12optimized.pred.json" || fail "optimized path and its fallback not used"
	st=$(i12_same offline --model offline) || { fail "offline: not the same answer"; return 1; }
	python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["predictions"][0]; assert {c["path"] for c in p["comments"]}=={"offline"}, p' \
		"$TMP/i12offline.pred.json" || fail "offline path not used"
	return 0
}

# i12_bad BODY FIELD: 400 whose message names FIELD.
i12_bad() {
	local out
	out=$(curl -s -w ' %{http_code}' --data-binary "$1" "$SERVE_URL/invocations")
	case "$out" in
	*"$2"*' 400') ;;
	*) fail "body ${1:0:120}: expected 400 naming $2, got: ${out:0:300}" ;;
	esac
}

# Hostile comment records: each a 400 naming the field, and no LM call.
case_invoc12_comment_records_malformed() {
	local n ok='"table_data": {"columns": ["a", "b"], "data": [[1, "x"], [2, null]]}'
	local long
	start_llm i12bad || return 1
	start_serve i12bad --model m --api-base "$LLM_URL" --no-cache --rag-index "$TMP/none.idx" \
		--memory-connection "$TMP/i12bad.mem" || return 1
	n=$(wc -l < "$LLM_REC")
	i12_bad "{\"dataframe_records\": [{$ok}]}" 'dataframe_records[0].table_name: missing'
	i12_bad "{\"dataframe_records\": [{\"table_name\": 5, $ok}]}" 'dataframe_records[0].table_name'
	i12_bad "{\"dataframe_records\": [{\"table_name\": \"\", $ok}]}" 'dataframe_records[0].table_name'
	i12_bad "{\"dataframe_records\": [{\"table_name\": \"a..b\", $ok}]}" 'dataframe_records[0].table_name'
	i12_bad "{\"dataframe_records\": [{\"table_name\": \"a.b.c.d\", $ok}]}" 'dataframe_records[0].table_name'
	i12_bad "{\"dataframe_records\": [{\"table_name\": \"t\\u001b[31m\", $ok}]}" 'dataframe_records[0].table_name'
	i12_bad '{"dataframe_records": [{"table_name": "t"}]}' 'dataframe_records[0].table_data'
	i12_bad '{"dataframe_records": [{"table_name": "t", "table_data": "{\"columns\": [\"a\"]}"}]}' 'dataframe_records[0].table_data'
	i12_bad '{"dataframe_records": [{"table_name": "t", "table_data": {"columns": "a", "data": []}}]}' 'table_data.columns'
	i12_bad '{"dataframe_records": [{"table_name": "t", "table_data": {"columns": [], "data": []}}]}' 'table_data.columns'
	i12_bad '{"dataframe_records": [{"table_name": "t", "table_data": {"columns": ["a", 1], "data": []}}]}' 'table_data.columns[1]'
	i12_bad '{"dataframe_records": [{"table_name": "t", "table_data": {"columns": ["a", "a"], "data": []}}]}' 'table_data.columns[1]: the same name'
	i12_bad '{"dataframe_records": [{"table_name": "t", "table_data": {"columns": ["a"]}}]}' 'table_data.data'
	i12_bad '{"dataframe_records": [{"table_name": "t", "table_data": {"columns": ["a"], "data": [[1, 2]]}}]}' 'table_data.data[0]'
	i12_bad '{"dataframe_records": [{"table_name": "t", "table_data": {"columns": ["a"], "data": [[1], {"a": 1}]}}]}' 'table_data.data[1]'
	i12_bad '{"dataframe_records": [{"table_name": "t", "table_data": {"columns": ["a"], "data": [[{"x": 1}]]}}]}' 'table_data.data[0][0]'
	i12_bad '{"dataframe_records": [{"table_name": "t", "table_data": {"columns": ["a"], "data": [[[1]]]}}]}' 'table_data.data[0][0]'
	i12_bad '{"dataframe_records": [{"table_name": "t", "table_data": {"columns": ["a"], "data": [[1e999]]}}]}' 'table_data.data[0][0]'
	long=$(head -c 70000 /dev/zero | tr '\0' x)
	i12_bad "{\"dataframe_records\": [{\"table_name\": \"t\", \"table_data\": {\"columns\": [\"a\"], \"data\": [[\"$long\"]]}}]}" 'table_data.data[0][0]'
	i12_bad '{"dataframe_records": [{"table_name": "t", "table_data": {"columns": ["a"], "data": [[1]], "index": [0, 1]}}]}' 'table_data.index'
	i12_bad '{"dataframe_records": [{"table_name": "t", "table_data": {"columns": ["a"], "data": [[1]], "dtype": {}}}]}' 'table_data.dtype: unknown field'
	i12_bad "{\"dataframe_records\": [{\"tabel_name\": \"t\", $ok}]}" 'dataframe_records[0].tabel_name: unknown field'
	i12_bad "{\"dataframe_records\": [{\"table_name\": \"t\", $ok, \"column_metadata\": [1]}]}" 'column_metadata'
	i12_bad "{\"dataframe_records\": [{\"table_name\": \"t\", $ok, \"column_metadata\": {\"zz\": {}}}]}" 'column_metadata.zz: not a column'
	i12_bad "{\"dataframe_records\": [{\"table_name\": \"t\", $ok, \"column_metadata\": {\"a\": {\"non_null_count\": -1}}}]}" 'column_metadata.a.non_null_count'
	i12_bad "{\"dataframe_records\": [{\"table_name\": \"t\", $ok, \"column_metadata\": {\"a\": {\"non_null_count\": 1.5}}}]}" 'column_metadata.a.non_null_count'
	i12_bad "{\"dataframe_records\": [{\"table_name\": \"t\", $ok, \"column_metadata\": {\"a\": {\"non_null_count\": 2, \"distinct_count\": 3}}}]}" 'column_metadata.a: counts do not fit'
	i12_bad "{\"dataframe_records\": [{\"table_name\": \"t\", $ok, \"column_metadata\": {\"a\": {\"row_count\": 1}}}]}" 'column_metadata.a.row_count'
	i12_bad "{\"dataframe_records\": [{\"table_name\": \"t\", $ok, \"column_metadata\": {\"a\": {\"row_count\": 5}, \"b\": {\"row_count\": 6}}}]}" 'column_metadata.b.row_count'
	i12_bad "{\"dataframe_records\": [{\"table_name\": \"t\", $ok, \"column_metadata\": {\"a\": {\"avg_length\": \"x\"}}}]}" 'column_metadata.a.avg_length'
	i12_bad "{\"dataframe_records\": [{\"table_name\": \"t\", $ok, \"column_metadata\": {\"a\": {\"data_type\": 5}}}]}" 'column_metadata.a.data_type'
	i12_bad "{\"dataframe_records\": [{\"table_name\": \"t\", $ok, \"column_metadata\": {\"a\": {\"min\": [1]}}}]}" 'column_metadata.a.min'
	i12_bad "{\"dataframe_records\": [{\"table_name\": \"t\", $ok, \"column_metadata\": {\"a\": {\"colour\": 1}}}]}" 'column_metadata.a.colour: unknown field'
	i12_bad "{\"dataframe_records\": [{\"table_name\": \"t\", $ok, \"table_comment\": 7}]}" 'dataframe_records[0].table_comment'
	i12_bad "{\"dataframe_records\": [{\"query\": \"q\", \"table_name\": \"t\", $ok}]}" 'dataframe_records[0]: both a question'
	i12_bad "{\"dataframe_records\": [{\"table_name\": \"t\", \"table_data\": {\"columns\": [\"a\"], \"data\": $(python3 -c 'print([[1]] * 10001)')}}]}" 'table_data.data: expected an array of at most 10000 rows'
	i12_bad '{"dataframe_split": {"columns": ["table_name", "table_data"], "data": [["t", "not a table"]]}}' 'dataframe_split.data[0].table_data'
	# a bad record after good ones: refused before any LM call
	i12_bad "{\"dataframe_records\": [{\"table_name\": \"t1\", $ok}, {\"query\": \"q\"}, {\"table_name\": \"t2\", \"table_data\": {\"columns\": [\"a\"], \"data\": [[1], [1, 2]]}}]}" 'dataframe_records[2].table_data.data[1]'
	[ "$(wc -l < "$LLM_REC")" = "$n" ] || fail "a malformed record reached the LM"
	stop_serve
	return 0
}

# Questions and tables in one batch are answered in input order, in the
# records shape and the split shape.
case_invoc12_mixed_batch_order() {
	local out t='"table_data": {"columns": ["id", "label"], "data": [[1, "alpha"], [2, "beta"]]}'
	ask_script; ask_index || return 1
	start_llm i12mix --script "$TMP/ask.script.json" || return 1
	start_serve i12mix --model m --api-base "$LLM_URL" --no-cache --rag-index "$TMP/ask.idx" \
		--memory-connection "$TMP/i12mix.mem" || return 1
	out=$(curl -s -w '\n%{http_code}' --data-binary "{\"dataframe_records\": [
		{\"query\": \"what does the admissions table hold?\", \"session_id\": \"m-1\"},
		{\"table_name\": \"main.first\", $t},
		{\"query\": \"what does the patients table hold?\", \"session_id\": \"m-2\"},
		{\"table_name\": \"c.s.second\", $t, \"table_comment\": \"Kept by a human.\"}]}" "$SERVE_URL/invocations")
	python3 - "$out" <<'PY' || fail "records batch: ${out:0:400}"
import json, sys
body, status = sys.argv[1].rsplit("\n", 1)
assert status == "200", status
p = json.loads(body)["predictions"]
assert len(p) == 4, p
assert p[0]["session_id"] == "m-1" and p[0]["answer"] == "It holds one row per stay [1].", p[0]
assert p[1]["table_name"] == "main.first" and p[1]["column_contents"] == ["Auto comment for main.first.id.", "Auto comment for main.first.label."], p[1]
assert p[2]["session_id"] == "m-2" and "answer" in p[2], p[2]
assert p[3]["table_name"] == "c.s.second" and p[3]["comments"][0]["status"] == "kept", p[3]
assert p[3]["comments"][0]["reason"].startswith("existing comment kept"), p[3]
assert "ddl" not in p[1], "DDL without a dialect"
PY
	out=$(curl -s -w '\n%{http_code}' --data-binary "{\"dataframe_split\": {\"columns\": [\"query\", \"table_name\", \"table_data\"],
		\"data\": [[null, \"third\", {\"columns\": [\"x\"], \"data\": [[1]]}], [\"what does the admissions table hold?\", null, null]]}}" \
		"$SERVE_URL/invocations")
	python3 - "$out" <<'PY' || fail "split batch: ${out:0:400}"
import json, sys
body, status = sys.argv[1].rsplit("\n", 1)
assert status == "200", status
p = json.loads(body)["predictions"]
assert [("table_name" in x, "answer" in x) for x in p] == [(True, False), (False, True)], p
assert p[0]["table"] == "Auto comment for table third.", p[0]
PY
	stop_serve
	return 0
}

# i12_health URL -> "STATUS BODY"
i12_health() { curl -s -w ' %{http_code}' "$1/health"; }

# /health: each component's status; 503 when a required one is down; the
# LM check cached (--health-lm-seconds) and free of secrets.
case_invoc12_health_components() {
	local out port pid
	ask_index || return 1
	start_llm i12h || return 1
	port=$(cat "$TMP/i12h.port"); pid=${LLM_PIDS[${#LLM_PIDS[@]}-1]}
	METAGEN_API_KEY=sk-health-Sekr1t start_serve i12h --model m --api-base "$LLM_URL" \
		--rag-index "$TMP/i12-missing.idx" --memory-connection "$TMP/i12h.mem" --health-lm-seconds 1 || return 1
	out=$(i12_health "$SERVE_URL")
	python3 - "$out" <<'PY' || fail "index missing: $out"
import json, sys
body, status = sys.argv[1].rsplit(" ", 1)
d = json.loads(body)
assert status == "503" and d["status"] == "error", d
assert d["index"] == {"status": "missing", "required": True}, d
assert d["memory"] == {"status": "ok", "required": True}, d
assert d["lm"]["status"] == "ok" and d["lm"]["required"] is True, d
PY
	stop_serve
	METAGEN_API_KEY=sk-health-Sekr1t start_serve i12h2 --model m --api-base "$LLM_URL" \
		--rag-index "$TMP/ask.idx" --memory-connection "$TMP/i12h.mem" --health-lm-seconds 1 || return 1
	out=$(i12_health "$SERVE_URL")
	case "$out" in '{"status":"ok","index":{"status":"ok"'*'"lm":{"status":"ok"'*' 200') ;; *) fail "all up: $out" ;; esac
	# the LM goes down: within the cache time the last check is reused,
	# after it /health says so, with no URL, port or key
	kill "$pid"; wait "$pid" 2>/dev/null
	sleep 1.2
	out=$(i12_health "$SERVE_URL")
	case "$out" in *'"lm":{"status":"unreachable or model not served","required":true'*' 503') ;; *) fail "LM down: $out" ;; esac
	case "$out" in *"$port"*|*Sekr1t*|*127.0.0.1*) fail "LM detail in /health: $out" ;; esac
	# and comes back on the same port
	python3 "$ROOT/tests/server/fake_llm.py" --port "$port" --port-file "$TMP/i12h3.port" >/dev/null 2>&1 &
	LLM_PIDS+=($!)
	for _ in $(seq 100); do [ -s "$TMP/i12h3.port" ] && break; sleep 0.05; done
	sleep 1.2
	out=$(i12_health "$SERVE_URL")
	case "$out" in *'"lm":{"status":"ok"'*' 200') ;; *) fail "LM back up: $out" ;; esac
	stop_serve
	grep -l Sekr1t "$TMP"/i12h*.out "$TMP"/i12h*.err "$TMP"/i12h*.trace.jsonl 2>/dev/null && fail "key in a log"
	# no model: no agent, nothing required but what is configured
	start_serve i12h4 --rag-index "$TMP/i12-missing.idx" --memory-connection "$TMP/i12h.mem" || return 1
	out=$(i12_health "$SERVE_URL")
	case "$out" in '{"status":"ok","index":{"status":"missing","required":false}'*'"lm":{"status":"not configured","required":false}}'*' 200') ;;
	*) fail "no model: $out" ;; esac
	stop_serve
	return 0
}

# `serve` and `ask` check the endpoint before starting, like generate: an
# unreachable endpoint or a refused key is a clear error and exit 2.
case_invoc12_preflight_refuses_start() {
	local rc grc dead t0
	i12_db "$TMP/i12pf.sqlite" || return 1
	ask_index || return 1
	start_llm i12dead || return 1
	dead=$LLM_URL
	kill "${LLM_PIDS[${#LLM_PIDS[@]}-1]}"; wait "${LLM_PIDS[${#LLM_PIDS[@]}-1]}" 2>/dev/null
	"$BIN" generate --connection "Driver=SQLite3;Database=$TMP/i12pf.sqlite" --model m --api-base "$dead" \
		--out "$TMP/i12pf" >/dev/null 2>"$TMP/i12pf.gen.err"; grc=$?
	[ $grc = 2 ] || fail "generate exit $grc"
	rm -f "$TMP/i12pf.port"
	t0=$(date +%s)
	timeout 30 "$BIN" serve --serve-port 0 --port-file "$TMP/i12pf.port" --model m --api-base "$dead" \
		--rag-index "$TMP/ask.idx" --memory-connection "$TMP/i12pf.mem" >/dev/null 2>"$TMP/i12pf.serve.err"; rc=$?
	[ $rc = $grc ] || fail "serve exit $rc, generate's $grc"
	[ $(( $(date +%s) - t0 )) -lt 20 ] || fail "serve took too long to refuse"
	[ -e "$TMP/i12pf.port" ] && fail "serve listened"
	grep -q 'serve: lm endpoint .* is not reachable' "$TMP/i12pf.serve.err" || fail "serve message: $(cat "$TMP/i12pf.serve.err")"
	timeout 30 "$BIN" ask "what does the admissions table hold?" --model m --api-base "$dead" \
		--rag-index "$TMP/ask.idx" --memory-connection "$TMP/i12pf.mem" >"$TMP/i12pf.ask.out" 2>"$TMP/i12pf.ask.err"; rc=$?
	[ $rc = $grc ] || fail "ask exit $rc, generate's $grc"
	grep -q 'ask: lm endpoint .* is not reachable' "$TMP/i12pf.ask.err" || fail "ask message: $(cat "$TMP/i12pf.ask.err")"
	[ -s "$TMP/i12pf.ask.out" ] && fail "ask answered: $(cat "$TMP/i12pf.ask.out")"
	# a refused key: exit 2 naming the status, the key never printed
	start_llm i12key --require-key right-key || return 1
	METAGEN_API_KEY=wrong-Sekr1t-key timeout 30 "$BIN" serve --serve-port 0 --port-file "$TMP/i12pf.port" \
		--model m --api-base "$LLM_URL" --rag-index "$TMP/ask.idx" --memory-connection "$TMP/i12pf.mem" \
		>/dev/null 2>"$TMP/i12pf.key.err"; rc=$?
	[ $rc = 2 ] || fail "serve with a refused key: exit $rc"
	grep -q '401' "$TMP/i12pf.key.err" || fail "401 not said: $(cat "$TMP/i12pf.key.err")"
	METAGEN_API_KEY=wrong-Sekr1t-key timeout 30 "$BIN" ask "q" --model m --api-base "$LLM_URL" \
		--rag-index "$TMP/ask.idx" --memory-connection "$TMP/i12pf.mem" >/dev/null 2>>"$TMP/i12pf.key.err"; rc=$?
	[ $rc = 2 ] || fail "ask with a refused key: exit $rc"
	grep -q Sekr1t "$TMP/i12pf.key.err" && fail "key printed"
	[ -s "$LLM_REC" ] && fail "a chat request was made: $(head -c 300 "$LLM_REC")"
	return 0
}
