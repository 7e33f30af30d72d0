# cases_ask.sh - issue 12: `metagen ask` and POST /invocations of
# `metagen serve`, driving the real binary and the real server (curl)
# against the test LM (tests/server/fake_llm.py, its requests recorded)
# and an index built with `metagen index add`. Sourced by run.sh (uses
# BIN, TMP, fail, start_llm; start_serve/stop_serve/code from
# cases_serve.sh).

# The respond predictor's answer cites [1]; a question about colours
# gets the not-known sentence from the LM (the context does not say).
ask_script() {
	cat > "$TMP/ask.script.json" <<'EOF'
{"rules": [
 {"when_all": ["`[[ ## answer ## ]]`", "colour"],
  "content": "[[ ## answer ## ]]\nI do not know: the indexed documents do not say.\n\n[[ ## completed ## ]]"},
 {"when_all": ["`[[ ## answer ## ]]`"],
  "content": "[[ ## answer ## ]]\nIt holds one row per stay [1].\n\n[[ ## completed ## ]]"}
]}
EOF
}

# ask_index: two documents indexed with `metagen index add`.
ask_index() {
	mkdir -p "$TMP/askdocs"
	printf '# Admissions\nThe admissions table holds one row per hospital stay. dischtime is the discharge time of the stay.\n' > "$TMP/askdocs/admissions.md"
	printf '# Patients\nThe patients table holds one row per person; dob is the date of birth.\n' > "$TMP/askdocs/patients.md"
	"$BIN" index add "$TMP/askdocs" --rag-index "$TMP/ask.idx" >/dev/null || { fail "index add"; return 1; }
}

# requests_check REC PYTHON: runs the Python assertions with `reqs` =
# the recorded requests' joined message texts, in order.
requests_check() {
	python3 - "$1" "$2" <<'PY'
import json, sys
reqs = ["\n".join(m["content"] for m in json.loads(l)["body"]["messages"])
        for l in open(sys.argv[1])]
exec(sys.argv[2])
PY
}

case_ask_cli_sessions_citations() {
	local o sa sb n rc
	ask_script; ask_index || return 1
	start_llm askc --script "$TMP/ask.script.json" || { fail "llm"; return 1; }
	o=(--rag-index "$TMP/ask.idx" --model test-model --api-base "$LLM_URL" --no-cache
	   --memory-connection "$TMP/askc.mem")
	"$BIN" ask "what does the admissions table hold?" "${o[@]}" >"$TMP/a1.out" || fail "ask 1"
	grep -qx 'It holds one row per stay \[1\].' "$TMP/a1.out" || fail "answer: $(cat "$TMP/a1.out")"
	grep -q '\[1\]\* Admissions' "$TMP/a1.out" || fail "cited source not starred"
	sa=$(sed -n 's/^session: //p' "$TMP/a1.out")
	[ -n "$sa" ] || { fail "no session printed"; return 1; }
	"$BIN" ask "what does the patients table hold?" --json "${o[@]}" >"$TMP/b1.json" || fail "ask b1"
	sb=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$TMP/b1.json")
	[ "$sa" != "$sb" ] || fail "two new sessions share an id"
	"$BIN" ask "and its discharge time?" --session "$sa" --json "${o[@]}" >"$TMP/a2.json" || fail "ask a2"
	"$BIN" ask "and its date of birth?" --session "$sb" "${o[@]}" >/dev/null || fail "ask b2"
	python3 - "$TMP/a2.json" "$sa" <<'PY' || fail "a2 json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["session_id"] == sys.argv[2], d
assert d["answer"] == "It holds one row per stay [1].", d
assert d["search_query"] == "and its discharge time?", d
assert d["sources"][0]["cited"] is True and d["sources"][0]["title"] == "Admissions", d
assert d["usage"]["lm_calls"] == 2 and d["usage"]["prompt_tokens"] > 0, d
PY
	# requests: a1, b1 (no history: one call each), a2 rewrite + respond,
	# b2 rewrite + respond; each follow-up carries its own exchange only
	requests_check "$LLM_REC" '
assert len(reqs) == 6, len(reqs)
for i in (2, 3):
    assert "what does the admissions table hold?" in reqs[i], i
    assert "It holds one row per stay [1]." in reqs[i], i
    assert "patients table" not in reqs[i], i
for i in (4, 5):
    assert "what does the patients table hold?" in reqs[i], i
    assert "admissions table" not in reqs[i] and "discharge" not in reqs[i], i
assert "[[ ## history ## ]]" in reqs[2] and "`[[ ## search_query ## ]]`" in reqs[2]
' || fail "recorded requests"
	n=$(wc -l < "$LLM_REC")
	# nothing retrieved: the fixed sentence, no LM call
	"$BIN" ask "zyxwvut" "${o[@]}" >"$TMP/a3.out" || fail "ask unknown"
	grep -qx 'I do not know: the indexed documents do not say.' "$TMP/a3.out" || fail "unknown: $(cat "$TMP/a3.out")"
	[ "$(wc -l < "$LLM_REC")" = "$n" ] || fail "an LM call for nothing retrieved"
	# retrieved but not in the context: the LM's not-known, nothing cited
	"$BIN" ask "what colour is the admissions table?" --json "${o[@]}" >"$TMP/a4.json" || fail "ask colour"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["answer"].startswith("I do not know"), d; assert d["sources"] and not any(s["cited"] for s in d["sources"]), d' "$TMP/a4.json" || fail "not-known answer"
	# memory: both messages of every exchange, with chunk ids and usage
	"$BIN" sessions show "$sa" --memory-connection "$TMP/askc.mem" >"$TMP/a.show" || fail "sessions show"
	python3 - "$TMP/a.show" <<'PY' || fail "stored messages"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["role"] for r in rows] == ["user", "assistant"] * 2, rows
assert rows[1]["metadata"]["chunk_ids"] and rows[1]["metadata"]["cited"] == [1], rows[1]
assert rows[3]["metadata"]["lm_calls"] == 2 and rows[3]["metadata"]["prompt_tokens"] > 0, rows[3]
PY
	"$BIN" ask "${o[@]}" >/dev/null 2>"$TMP/a5.err"; rc=$?
	[ $rc = 2 ] && grep -q 'a question is required' "$TMP/a5.err" || fail "no question: exit $rc"
	"$BIN" ask "hi" --session "x'; DROP TABLE conversations;--" "${o[@]}" >/dev/null 2>"$TMP/a6.err"; rc=$?
	[ $rc = 2 ] && grep -q 'session_id' "$TMP/a6.err" || fail "bad session: exit $rc"
	"$BIN" ask "hi" --rag-index "$TMP/ask.idx" --memory-connection "$TMP/askc.mem" >/dev/null 2>"$TMP/a7.err"; rc=$?
	[ $rc = 2 ] && grep -q 'needs an LM' "$TMP/a7.err" || fail "no model: exit $rc"
	return 0
}

# inv BODY -> prints "STATUS BODY" of POST /invocations (with the token).
inv() {
	curl -s -o "$TMP/inv.body" -w '%{http_code}' -H "Authorization: Bearer $ASK_TOK" \
		-H 'Content-Type: application/json' --data-binary "$1" "$SERVE_URL/invocations"
	printf ' '; cat "$TMP/inv.body"
}

# inv_bad BODY FIELD: 400 whose message names FIELD.
inv_bad() {
	local out
	out=$(inv "$1")
	case "$out" in
	"400 "*"$2"*) ;;
	*) fail "body $1: expected 400 naming $2, got: $out" ;;
	esac
}

case_ask_serve_invocations() {
	local out n
	ASK_TOK=Tok-ask-9Qz81
	command -v curl >/dev/null || { fail "curl missing"; return 1; }
	ask_script; ask_index || return 1
	start_llm asks --script "$TMP/ask.script.json" || { fail "llm"; return 1; }
	METAGEN_SERVE_TOKEN=$ASK_TOK start_serve asks --serve-max-body-bytes 4000 \
		--rag-index "$TMP/ask.idx" --model test-model --api-base "$LLM_URL" --no-cache \
		--memory-connection "$TMP/asks.mem" || return 1
	# auth first: nothing reaches the LM without the token
	[ "$(code -d '{"instances":["admissions"]}' "$SERVE_URL/invocations")" = 401 ] || fail "no token not 401"
	[ "$(code -H 'Authorization: Bearer nope' -d '{"instances":["admissions"]}' "$SERVE_URL/invocations")" = 401 ] || fail "wrong token not 401"
	[ -s "$LLM_REC" ] && fail "an unauthorised request reached the LM"
	# dataframe_records: two sessions, answers in input order
	out=$(inv '{"dataframe_records": [{"query": "what does the admissions table hold?", "session_id": "r-A"}, {"query": "what does the patients table hold?", "session_id": "r-B"}], "params": {}}')
	python3 -c '
import json, sys
st, body = sys.argv[1].split(" ", 1)
assert st == "200", sys.argv[1]
p = json.loads(body)["predictions"]
assert [x["session_id"] for x in p] == ["r-A", "r-B"], p
assert p[0]["sources"][0]["title"] == "Admissions" and p[1]["sources"][0]["title"] == "Patients", p
assert p[0]["answer"] == "It holds one row per stay [1]." and p[0]["sources"][0]["cited"], p
' "$out" || fail "dataframe_records: $out"
	# dataframe_split, instances, inputs (columns and list)
	out=$(inv '{"dataframe_split": {"columns": ["session_id", "query"], "data": [["r-A", "and its discharge time?"]]}}')
	case "$out" in "200 "*'"session_id":"r-A"'*) ;; *) fail "dataframe_split: $out" ;; esac
	out=$(inv '{"dataframe_split": {"index": [0], "columns": ["query", "session_id"], "data": [["and its date of birth?", "r-B"]]}}')
	case "$out" in "200 "*'"session_id":"r-B"'*) ;; *) fail "dataframe_split with index: $out" ;; esac
	requests_check "$LLM_REC" '
assert len(reqs) == 6, len(reqs)
assert "what does the admissions table hold?" in reqs[2] and "patients" not in reqs[2]
assert "what does the patients table hold?" in reqs[4] and "admissions table" not in reqs[4]
' || fail "sessions through the server"
	out=$(inv '{"instances": ["what does the admissions table hold?", {"query": "and the patients table?"}]}')
	python3 -c 'import json,sys; st,b=sys.argv[1].split(" ",1); assert st=="200"; p=json.loads(b)["predictions"]; assert len(p)==2 and p[0]["session_id"]!=p[1]["session_id"], p' "$out" || fail "instances: $out"
	out=$(inv '{"inputs": {"query": ["admissions table?", "patients table?"], "session_id": ["i-1", "i-2"]}}')
	python3 -c 'import json,sys; st,b=sys.argv[1].split(" ",1); assert st=="200"; p=json.loads(b)["predictions"]; assert [x["session_id"] for x in p]==["i-1","i-2"], p' "$out" || fail "inputs columns: $out"
	out=$(inv '{"inputs": [{"query": "admissions table?"}]}')
	case "$out" in "200 "*'"predictions":[{'*) ;; *) fail "inputs list: $out" ;; esac
	# the ChatAgent shape
	out=$(inv '{"messages": [{"role": "user", "content": "what does the admissions table hold?"}], "custom_inputs": {"session_id": "chat-1"}}')
	python3 -c '
import json, sys
st, b = sys.argv[1].split(" ", 1)
assert st == "200", sys.argv[1]
d = json.loads(b)
m = d["messages"]
assert len(m) == 1 and m[0]["role"] == "assistant" and m[0]["content"] == "It holds one row per stay [1]." and len(m[0]["id"]) == 36, d
assert d["custom_outputs"]["session_id"] == "chat-1" and d["custom_outputs"]["sources"][0]["cited"], d
' "$out" || fail "chat: $out"
	out=$(inv '{"messages": [{"role": "user", "content": "what does the admissions table hold?"}, {"role": "assistant", "content": "It holds one row per stay [1]."}, {"role": "user", "content": "and its discharge time?"}], "custom_inputs": {"session_id": "chat-1"}}')
	case "$out" in "200 "*'"session_id":"chat-1"'*) ;; *) fail "chat follow-up: $out" ;; esac
	n=$(wc -l < "$LLM_REC")
	# malformed JSON and shapes: 400 naming the field, no LM call
	inv_bad '{"dataframe_records": [{"query": "a"}' 'not valid JSON'
	inv_bad '[1, 2]' 'expected a JSON object'
	inv_bad '{}' 'exactly one of'
	inv_bad '{"params": {}}' 'exactly one of'
	inv_bad '{"dataframe_records": [], "instances": []}' 'both dataframe_records and instances'
	inv_bad '{"dataframe_records": []}' 'dataframe_records: expected a non-empty array'
	inv_bad '{"dataframe_records": {"query": "a"}}' 'dataframe_records: expected a non-empty array'
	inv_bad '{"dataframe_records": [{"query": "a"}, {"question": "b"}]}' 'dataframe_records[1].query'
	inv_bad '{"dataframe_records": [{"query": 5}]}' 'dataframe_records[0].query'
	inv_bad '{"dataframe_records": [{"query": ""}]}' 'dataframe_records[0].query'
	inv_bad '{"dataframe_records": [{"query": "a", "session_id": "a b"}]}' 'dataframe_records[0].session_id'
	inv_bad '{"dataframe_records": [{"query": "a", "session_id": 7}]}' 'dataframe_records[0].session_id'
	inv_bad '{"dataframe_records": [{"query": "a"}], "params": [1]}' 'params: expected an object'
	inv_bad '{"dataframe_records": [{"query": "a"}, {"table_name": "main.t"}]}' 'dataframe_records[1].table_data'
	inv_bad '{"dataframe_split": {"columns": ["query"], "data": [["a", "b"]]}}' 'dataframe_split.data[0]'
	inv_bad '{"dataframe_split": {"data": [["a"]]}}' 'dataframe_split.columns'
	inv_bad '{"dataframe_split": [["a"]]}' 'dataframe_split: expected an object'
	inv_bad '{"inputs": {"query": ["a", "b"], "session_id": ["s1"]}}' 'inputs.session_id'
	inv_bad '{"inputs": 5}' 'inputs: expected'
	inv_bad '{"instances": [3]}' 'instances[0]'
	inv_bad '{"messages": []}' 'messages: expected a non-empty array'
	inv_bad '{"messages": [{"role": "user"}]}' 'messages[0].content'
	inv_bad '{"messages": [{"content": "x"}]}' 'messages[0].role'
	inv_bad '{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}' 'messages[1].role'
	inv_bad '{"messages": [{"role": "user", "content": "x"}], "custom_inputs": {"session_id": "../x"}}' 'custom_inputs.session_id'
	inv_bad '{"messages": [{"role": "user", "content": "x"}], "inputs": ["x"]}' 'both messages and inputs'
	inv_bad "{\"dataframe_records\": [$(python3 -c 'print(",".join(["\"q\""]*101))')]}" 'more than 100 records'
	out=$(inv "$(printf '{"instances": ["a\\u0000b"]}')")
	case "$out" in "400 "*NUL*) ;; *) fail "NUL escape: $out" ;; esac
	[ "$(wc -l < "$LLM_REC")" = "$n" ] || fail "a malformed body reached the LM"
	# oversized body: 413; GET: 405
	out=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ASK_TOK" --data-binary @<(python3 -c 'print("{\"instances\": [\"" + "a" * 5000 + "\"]}")') "$SERVE_URL/invocations")
	[ "$out" = 413 ] || fail "oversized body: $out"
	[ "$(code -H "Authorization: Bearer $ASK_TOK" "$SERVE_URL/invocations")" = 405 ] || fail "GET /invocations not 405"
	curl -s -H "Authorization: Bearer $ASK_TOK" "$SERVE_URL/metrics" | grep -q '^metagen_http_requests_total{route="/invocations",status="400"}' || fail "400s not counted under /invocations"
	stop_serve
	grep -rlF "$ASK_TOK" "$TMP"/asks.* && fail "token in output or trace"
	# without a model the route says so
	start_serve asknm --memory-connection "$TMP/asks.mem" || return 1
	out=$(curl -s -w ' %{http_code}' -d '{"instances": ["a"]}' "$SERVE_URL/invocations")
	case "$out" in *'without a model'*' 503') ;; *) fail "no model: $out" ;; esac
	stop_serve
	return 0
}

# chat POST BODY [curl args...] -> "STATUS BODY" of /v1/chat/completions.
chat() {
	local body=$1; shift
	curl -s -o "$TMP/chat.body" -w '%{http_code}' -H 'Content-Type: application/json' \
		"$@" --data-binary "$body" "$SERVE_URL/v1/chat/completions"
	printf ' '; cat "$TMP/chat.body"
}

# /v1/chat/completions: the OpenAI shape, the session from `user` or
# X-Session-Id (a follow-up reaches the LM with the first exchange),
# refusals naming the field, auth.
case_ask_serve_openai_chat() {
	local out tok=Tok-oa-55Xk
	command -v curl >/dev/null || { fail "curl missing"; return 1; }
	ask_script; ask_index || return 1
	start_llm askoa --script "$TMP/ask.script.json" || { fail "llm"; return 1; }
	METAGEN_SERVE_TOKEN=$tok start_serve askoa --rag-index "$TMP/ask.idx" --model test-model \
		--api-base "$LLM_URL" --no-cache --memory-connection "$TMP/askoa.mem" || return 1
	out=$(chat '{"messages": [{"role": "user", "content": "hi"}]}')
	case "$out" in 401*) ;; *) fail "no token: $out" ;; esac
	out=$(chat '{"model": "gpt-x", "user": "oa-1", "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "what does the admissions table hold?"}]}' -H "Authorization: Bearer $tok")
	python3 -c '
import json, sys
st, b = sys.argv[1].split(" ", 1)
assert st == "200", sys.argv[1]
d = json.loads(b)
assert d["object"] == "chat.completion" and d["model"] == "gpt-x" and d["id"].startswith("chatcmpl-"), d
c = d["choices"][0]
assert c["index"] == 0 and c["finish_reason"] == "stop" and c["message"] == {"role": "assistant", "content": "It holds one row per stay [1]."}, d
assert d["usage"]["total_tokens"] == d["usage"]["prompt_tokens"] + d["usage"]["completion_tokens"] > 0, d
assert d["metagen"]["session_id"] == "oa-1" and d["metagen"]["sources"][0]["cited"], d
' "$out" || fail "first answer: $out"
	out=$(chat '{"messages": [{"role": "user", "content": "and its discharge time?"}]}' -H "Authorization: Bearer $tok" -H 'X-Session-Id: oa-1')
	python3 -c 'import json,sys; st,b=sys.argv[1].split(" ",1); d=json.loads(b); assert st=="200" and d["model"]=="metagen-ask" and d["metagen"]["session_id"]=="oa-1", d' "$out" || fail "header session: $out"
	requests_check "$LLM_REC" '
assert len(reqs) == 3, len(reqs)
assert "what does the admissions table hold?" in reqs[1] and "It holds one row per stay [1]." in reqs[1]
assert "be brief" not in "".join(reqs)
' || fail "follow-up history"
	out=$(chat '{"messages": [{"role": "user", "content": "x"}], "stream": true}' -H "Authorization: Bearer $tok")
	case "$out" in "400 "*stream*) ;; *) fail "stream: $out" ;; esac
	out=$(chat '{"messages": [{"role": "user", "content": "x"}], "user": "a@b.c"}' -H "Authorization: Bearer $tok")
	case "$out" in "400 "*'user:'*) ;; *) fail "bad user: $out" ;; esac
	out=$(chat '{"messages": [{"role": "user", "content": "x"}]}' -H "Authorization: Bearer $tok" -H 'X-Session-Id: a b')
	case "$out" in "400 "*X-Session-Id*) ;; *) fail "bad header: $out" ;; esac
	out=$(chat '{"messages": [{"role": "user", "content": [{"type": "text", "text": "x"}]}]}' -H "Authorization: Bearer $tok")
	case "$out" in "400 "*'messages[0].content'*) ;; *) fail "content parts: $out" ;; esac
	out=$(chat '{"model": 5, "messages": [{"role": "user", "content": "x"}]}' -H "Authorization: Bearer $tok")
	case "$out" in "400 "*'model:'*) ;; *) fail "model: $out" ;; esac
	out=$(chat '{"messages": "x"}' -H "Authorization: Bearer $tok")
	case "$out" in "400 "*'messages:'*) ;; *) fail "messages: $out" ;; esac
	[ "$(wc -l < "$LLM_REC")" = 3 ] || fail "a refused request reached the LM"
	stop_serve
	grep -rlF "$tok" "$TMP"/askoa.* && fail "token in output or trace"
	return 0
}

# metagen ask with no question on a terminal (a pty from Python's pty
# module): a conversation, line by line in one session, the second line
# reaching the LM with the first exchange; Ctrl-D leaves with exit 0.
# Without a terminal, no question is exit 2 (checked above).
case_ask_interactive_conversation() {
	ask_script; ask_index || return 1
	start_llm askit --script "$TMP/ask.script.json" || { fail "llm"; return 1; }
	python3 - "$BIN" "$TMP/ask.idx" "$LLM_URL" "$TMP/askit.mem" "$TMP/askit.out" <<'PY' || fail "conversation: $(tail -c 600 "$TMP/askit.out")"
import os, pty, select, sys, time
bin_, idx, url, mem, out = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(bin_, [bin_, "ask", "--rag-index", idx, "--model", "test-model", "--api-base", url,
                    "--no-cache", "--memory-connection", mem])
buf = b""
def until(token, n=1, secs=90):
    """Reads until `token` has appeared n times in the output."""
    global buf
    end = time.time() + secs
    while buf.count(token) < n:
        if time.time() > end:
            raise SystemExit("timeout waiting for %r" % token)
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            buf += os.read(fd, 4096)
until(b"ask> ")
os.write(fd, b"what does the admissions table hold?\r")
until(b"ask> ", 2)
os.write(fd, b"and its discharge time?\r")
until(b"ask> ", 3)
os.write(fd, b"\x04")
for _ in range(900):  # bounded (90 s): a hang is a failure, not a stuck run
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    # keep reading: a child blocked writing to an unread pty cannot exit
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            buf += os.read(fd, 4096)
        except OSError:  # EIO once the child's side is closed
            time.sleep(0.1)
else:
    os.kill(pid, 9)
    raise SystemExit("ask did not leave on Ctrl-D")
open(out, "wb").write(buf)
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
assert buf.count(b"It holds one row per stay [1].") == 2, buf
ids = [l.split(b"session: ")[1].strip() for l in buf.splitlines() if b"session: " in l]
assert len(set(ids)) == 1, ids
PY
	requests_check "$LLM_REC" '
assert len(reqs) == 3, len(reqs)
assert "what does the admissions table hold?" in reqs[1] and "It holds one row per stay [1]." in reqs[1]
' || fail "second line without the first exchange"
	return 0
}

# Answers take the LM's time: while several /invocations wait on a slow
# LM (1.5 s a call), /ping is still answered at once.
case_ask_serve_slow_lm_keeps_ping() {
	local i t0 ms
	command -v curl >/dev/null || { fail "curl missing"; return 1; }
	ask_script; ask_index || return 1
	start_llm askslow --script "$TMP/ask.script.json" --latency-ms 1500 || { fail "llm"; return 1; }
	start_serve askslow --rag-index "$TMP/ask.idx" --model test-model --api-base "$LLM_URL" \
		--no-cache --memory-connection "$TMP/askslow.mem" || return 1
	local pids=()
	for i in 1 2 3 4; do
		curl -s -m 30 -o "$TMP/slow.$i" -d '{"instances": ["what does the admissions table hold?"]}' \
			"$SERVE_URL/invocations" &
		pids+=($!)
	done
	sleep 0.5
	t0=$(date +%s%N)
	[ "$(curl -s -m 5 "$SERVE_URL/ping")" = pong ] || fail "ping while answering"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$ms" -lt 1000 ] || fail "ping took $ms ms behind the slow answers"
	wait "${pids[@]}"
	for i in 1 2 3 4; do
		grep -q '"predictions":\[{"answer":"It holds one row per stay \[1\]."' "$TMP/slow.$i" || fail "answer $i: $(cat "$TMP/slow.$i")"
	done
	stop_serve
}
