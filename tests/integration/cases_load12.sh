# cases_load12.sh - issue 12: the spans of `metagen serve`'s trace, the
# bounded queue (503 + Retry-After), the request timeout (504; a body
# that trickles is cut off), the cause of a 502 in the server's log, and a
# trace file that cannot be written. The real server (curl) against the
# test LM. Sourced by run.sh (uses BIN, TMP, fail, start_llm; ask_script,
# ask_index from cases_ask.sh; start_serve, stop_serve, code from
# cases_serve.sh).

# post URL BODY [curl args...] -> "STATUS" with headers in $TMP/post.hdr
# and the body in $TMP/post.body.
post() {
	local url=$1 body=$2; shift 2
	curl -s -D "$TMP/post.hdr" -o "$TMP/post.body" -w '%{http_code}' \
		-H 'Content-Type: application/json' "$@" --data-binary "$body" "$url"
}

# header NAME: the value of response header NAME in $TMP/post.hdr.
header() { tr -d '\r' < "$TMP/post.hdr" | sed -n "s/^$1: //Ip" | head -1; }

# slow_script MS: the answer rule of ask_script delayed MS ms (the LM
# preflight of `metagen serve` stays fast), in $TMP/slow.script.json.
slow_script() {
	printf '{"rules": [{"when_all": ["`[[ ## answer ## ]]`"], "latency_ms": %s,
  "content": "[[ ## answer ## ]]\\nIt holds one row per stay [1].\\n\\n[[ ## completed ## ]]"}]}\n' \
		"$1" > "$TMP/slow.script.json"
}

# answers REC: the answer requests the test LM recorded (the preflight's
# one-token request left out).
answers() { grep -c '## answer ##' "$1"; }

# Spans of an ask: a first question (no history: rewrite skipped) and a
# follow-up in the same session (rewrite calls the LM), one with the
# client's request id and one with the server's; every step present with
# the right parent, the ids equal to the response header, chunk ids equal
# to the answer's sources, usage on the LM spans; no token, question,
# answer or chunk text in the trace.
case_load12_spans_of_an_ask() {
	local tok=Tok-span-Q7w31 st rid
	command -v curl >/dev/null || { fail "curl missing"; return 1; }
	ask_script; ask_index || return 1
	start_llm l12s --script "$TMP/ask.script.json" || { fail "llm"; return 1; }
	METAGEN_SERVE_TOKEN=$tok start_serve l12s --rag-index "$TMP/ask.idx" --model test \
		--api-base "$LLM_URL" --no-cache --memory-connection "$TMP/l12s.mem" || return 1
	st=$(post "$SERVE_URL/invocations" \
		'{"dataframe_records": [{"query": "what does the admissions table hold? zebracode", "session_id": "sp-1"}]}' \
		-H "Authorization: Bearer $tok" -H 'X-Request-Id: span-req-1')
	[ "$st" = 200 ] || fail "first ask: $st $(cat "$TMP/post.body")"
	[ "$(header X-Request-Id)" = span-req-1 ] || fail "request id not echoed"
	cp "$TMP/post.body" "$TMP/l12s.a1"
	st=$(post "$SERVE_URL/invocations" \
		'{"messages": [{"role": "user", "content": "and its discharge time? zebracode"}], "custom_inputs": {"session_id": "sp-1"}}' \
		-H "Authorization: Bearer $tok")
	[ "$st" = 200 ] || fail "follow-up: $st $(cat "$TMP/post.body")"
	rid=$(header X-Request-Id)
	[ -n "$rid" ] || fail "no server request id"
	# a refused body: the route span says 400, no agent span
	st=$(post "$SERVE_URL/invocations" '{"instances": [5]}' -H "Authorization: Bearer $tok" \
		-H 'X-Request-Id: span-bad')
	[ "$st" = 400 ] || fail "bad body: $st"
	stop_serve
	python3 - "$TMP/l12s.trace.jsonl" "$rid" "$TMP/l12s.a1" <<'PY' || fail "spans"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def spans(rid):
    s = [r for r in rows if r["request_id"] == rid]
    ids = [r["span_id"] for r in s]
    assert len(ids) == len(set(ids)), ("duplicate span ids", s)
    return {r["span_id"]: r for r in s}
def check(rid, rewrite_lm):
    s = spans(rid)
    by = {}
    for r in s.values():
        by.setdefault(r["name"], []).append(r)
        assert r["status"] in ("ok", "error") and r["ms"] >= 0 and r["offset_ms"] >= -0.01, r
        assert r["time"].endswith("Z") and len(r["time"]) == 24, r
        if r["parent_id"] is not None:
            assert r["parent_id"] in s, ("dangling parent", r)
    need = ["request", "queue", "route", "ask", "memory.read", "rewrite",
            "retrieve", "respond", "lm", "memory.write"]
    for n in need:
        assert n in by, (rid, n, sorted(by))
    req, = by["request"]
    assert req["span_id"] == 1 and req["parent_id"] is None and req["http_status"] == 200, req
    assert req["route"] == "/invocations" and req["method"] == "POST", req
    for n in ("queue", "route"):
        assert by[n][0]["parent_id"] == 1, by[n]
    route, = by["route"]
    ask, = by["ask"]
    assert ask["parent_id"] == route["span_id"] and ask["session_id"] == "sp-1", ask
    for n in ("memory.read", "rewrite", "retrieve", "respond", "memory.write"):
        assert by[n][0]["parent_id"] == ask["span_id"], (n, by[n])
    rw, = by["rewrite"]; rs, = by["respond"]
    lms = by["lm"]
    assert all(l["parent_id"] in (rw["span_id"], rs["span_id"]) for l in lms), lms
    assert sum(l["parent_id"] == rs["span_id"] for l in lms) == 1, lms
    assert sum(l["parent_id"] == rw["span_id"] for l in lms) == rewrite_lm, lms
    assert rw.get("skipped", False) == (rewrite_lm == 0), rw
    for l in lms:
        assert l["http_status"] == 200 and l["attempts"] == 1 and l["adapter"] == "chat", l
        assert l["prompt_tokens"] > 0 and l["completion_tokens"] > 0, l
    assert ask["lm_calls"] == len(lms), ask
    assert ask["prompt_tokens"] == sum(l["prompt_tokens"] for l in lms), ask
    assert by["memory.read"][0]["messages"] == (0 if rewrite_lm == 0 else 2)
    assert by["memory.write"][0]["messages"] == 2
    assert abs(route["lm_ms"] - sum(l["ms"] for l in lms)) < 0.01, route
    assert route["ms"] + 0.01 >= route["lm_ms"] and req["ms"] + 0.01 >= route["ms"], (req, route)
    # children start within their parent
    for r in s.values():
        p = s.get(r["parent_id"])
        if p is not None:
            assert r["offset_ms"] + 0.01 >= p["offset_ms"], (r, p)
            assert r["offset_ms"] + r["ms"] <= p["offset_ms"] + p["ms"] + 0.5, (r, p)
    return by
by = check("span-req-1", 0)
srcs = json.load(open(sys.argv[3]))["predictions"][0]["sources"]
assert by["retrieve"][0]["chunk_ids"] == [x["id"] for x in srcs] and srcs, (by["retrieve"], srcs)
check(sys.argv[2], 1)
bad = spans("span-bad")
names = sorted(r["name"] for r in bad.values())
assert names == ["queue", "request", "route"], names
assert [r["http_status"] for r in bad.values() if r["name"] == "route"] == [400]
PY
	grep -F -e "$tok" -e zebracode -e 'one row per stay' -e 'hospital stay' "$TMP/l12s.trace.jsonl" \
		&& fail "token or text in the trace"
	return 0
}

# A full queue: one worker and one waiting slot against a slow LM; of
# four requests at once two are answered and two get 503 with a
# Retry-After of whole seconds; /ping stays answered; with no waiting
# slot at all the second concurrent request is refused.
case_load12_queue_full_503() {
	local i n200=0 n503=0 pids=() t0 ms
	command -v curl >/dev/null || { fail "curl missing"; return 1; }
	ask_script; ask_index || return 1
	slow_script 1500
	start_llm l12q --script "$TMP/slow.script.json" || { fail "llm"; return 1; }
	start_serve l12q --rag-index "$TMP/ask.idx" --model test --api-base "$LLM_URL" --no-cache \
		--memory-connection "$TMP/l12q.mem" --serve-max-inflight 1 --serve-max-queue 1 || return 1
	for i in 1 2 3 4; do
		curl -s -m 30 -D "$TMP/q.$i.hdr" -o "$TMP/q.$i.body" -w '%{http_code}' \
			-d '{"instances": ["what does the admissions table hold?"]}' \
			"$SERVE_URL/invocations" > "$TMP/q.$i.code" &
		pids+=($!)
		sleep 0.2
	done
	t0=$(date +%s%N)
	[ "$(curl -s -m 5 "$SERVE_URL/ping")" = pong ] || fail "ping while the queue is full"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$ms" -lt 1000 ] || fail "ping took $ms ms"
	wait "${pids[@]}"
	for i in 1 2 3 4; do
		case "$(cat "$TMP/q.$i.code")" in
		200) n200=$((n200 + 1)) ;;
		503) n503=$((n503 + 1))
			tr -d '\r' < "$TMP/q.$i.hdr" | grep -Eqx 'Retry-After: [1-9][0-9]?' \
				|| fail "503 without Retry-After seconds: $(cat "$TMP/q.$i.hdr")"
			grep -q '"code":503' "$TMP/q.$i.body" && grep -q 'queue is full' "$TMP/q.$i.body" \
				|| fail "503 body: $(cat "$TMP/q.$i.body")" ;;
		*) fail "request $i: $(cat "$TMP/q.$i.code") $(cat "$TMP/q.$i.body")" ;;
		esac
	done
	[ $n200 = 2 ] && [ $n503 = 2 ] || fail "expected 2 answered and 2 refused, got $n200 and $n503"
	curl -s "$SERVE_URL/metrics" | grep -qx 'metagen_http_requests_total{route="/invocations",status="503"} 2' \
		|| fail "503s not counted"
	stop_serve
	# the first two were answered in order: the LM saw exactly two questions
	[ "$(answers "$LLM_REC")" = 2 ] || fail "the LM saw $(answers "$LLM_REC") questions, not 2"
	start_serve l12q0 --rag-index "$TMP/ask.idx" --model test --api-base "$LLM_URL" --no-cache \
		--memory-connection "$TMP/l12q.mem" --serve-max-inflight 1 --serve-max-queue 0 || return 1
	curl -s -m 30 -o /dev/null -d '{"instances": ["admissions?"]}' "$SERVE_URL/invocations" &
	pids=($!)
	sleep 0.4
	[ "$(code -d '{"instances": ["admissions?"]}' "$SERVE_URL/invocations")" = 503 ] || fail "queue 0: not 503"
	wait "${pids[@]}"
	[ "$(code -d '{"instances": ["admissions?"]}' "$SERVE_URL/invocations")" = 200 ] || fail "idle again: not 200"
	stop_serve
}

# The request timeout: a running request whose LM is slower than the
# deadline is 504 at the deadline (not at the LM's pace), a request still
# queued behind it too; a body that trickles in past the deadline has its
# connection closed (traced as 408);
# the server answers again once the slow call is over; SIGTERM with a
# slow call in flight still exits 0.
case_load12_request_timeout() {
	local t0 ms st pid
	command -v curl >/dev/null || { fail "curl missing"; return 1; }
	ask_script; ask_index || return 1
	slow_script 4000
	start_llm l12t --script "$TMP/slow.script.json" || { fail "llm"; return 1; }
	start_serve l12t --rag-index "$TMP/ask.idx" --model test --api-base "$LLM_URL" --no-cache \
		--memory-connection "$TMP/l12t.mem" --serve-max-inflight 1 --serve-max-queue 4 \
		--serve-request-timeout-seconds 1 || return 1
	curl -s -m 30 -o "$TMP/t2.body" -w '%{http_code}' -d '{"instances": ["admissions?"]}' \
		"$SERVE_URL/invocations" > "$TMP/t2.code" &
	pid=$!
	t0=$(date +%s%N)
	st=$(post "$SERVE_URL/invocations" '{"instances": ["what does the admissions table hold?"]}' -m 30)
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	wait "$pid"
	[ "$st" = 504 ] || fail "slow LM: $st, not 504"
	grep -q 'timed out after 1 s' "$TMP/post.body" || fail "504 body: $(cat "$TMP/post.body")"
	[ "$ms" -lt 2500 ] || fail "504 after $ms ms, deadline 1 s"
	[ "$(cat "$TMP/t2.code")" = 504 ] || fail "queued request: $(cat "$TMP/t2.code")"
	# 12000 bytes at 1000 bytes/s: past the 1 s deadline while arriving,
	# the connection is closed when the next bytes come (libmicrohttpd
	# sends no answer mid-body), long before the 12 s the body takes
	python3 -c 'print("{\"instances\": [\"" + "a" * 12000 + "\"]}")' > "$TMP/t3.json"
	t0=$(date +%s%N)
	curl -s -o /dev/null -m 20 --limit-rate 1000 -H 'Expect:' -H 'X-Request-Id: trickle' \
		--data-binary @"$TMP/t3.json" "$SERVE_URL/invocations"; st=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$st" = 52 ] || [ "$st" = 55 ] || [ "$st" = 56 ] || fail "trickled body: curl exit $st, not a closed connection"
	[ "$ms" -lt 8000 ] || fail "trickled body held for $ms ms"
	[ "$(code "$SERVE_URL/ping")" = 200 ] || fail "ping after the timeouts"
	sleep 4 # the slow call ends; its answer is dropped
	grep -q '"http_status":504' "$TMP/l12t.trace.jsonl" || fail "504 not traced"
	grep '"request_id":"trickle"' "$TMP/l12t.trace.jsonl" | grep -q '"http_status":408' || fail "408 not traced"
	# SIGTERM while a slow call runs: the request is answered (504 at its
	# deadline) and the server exits 0
	curl -s -m 30 -o /dev/null -d '{"instances": ["admissions?"]}' "$SERVE_URL/invocations" &
	pid=$!
	sleep 0.3
	stop_serve
	wait "$pid"
}

# The cause of a 502 is in the server's log (stderr) with the request id,
# the endpoint masked (its password never shown) and no token or API key;
# the body says only that the agent failed; the trace marks the ask and
# the request as errors.
case_load12_502_cause_logged() {
	local tok=Tok-502-Zz81 key=sk-live-Key5501 st port
	command -v curl >/dev/null || { fail "curl missing"; return 1; }
	ask_script; ask_index || return 1
	printf '{"rules": [{"when_all": ["`[[ ## answer ## ]]`"], "fault": "500"}]}\n' > "$TMP/fail.script.json"
	start_llm l12e --script "$TMP/fail.script.json" || { fail "llm"; return 1; }
	port=${LLM_URL#http://127.0.0.1:}; port=${port%/v1}
	METAGEN_API_KEY=$key METAGEN_SERVE_TOKEN=$tok start_serve l12e --rag-index "$TMP/ask.idx" \
		--model test --api-base "http://svc:Pw-Hidden-77@127.0.0.1:$port/v1" --no-cache \
		--max-retries 0 --memory-connection "$TMP/l12e.mem" || return 1
	st=$(post "$SERVE_URL/invocations" '{"instances": ["what does the admissions table hold?"]}' \
		-H "Authorization: Bearer $tok" -H 'X-Request-Id: fail-502')
	[ "$st" = 502 ] || fail "LM failure: $st, not 502"
	grep -q 'the agent failed' "$TMP/post.body" || fail "502 body: $(cat "$TMP/post.body")"
	grep -q 'HTTP 500' "$TMP/post.body" && fail "endpoint detail in the 502 body"
	stop_serve
	grep -q 'request fail-502: the agent failed (LM endpoint error): .*HTTP 500' "$TMP/l12e.err" \
		|| fail "502 cause not logged: $(cat "$TMP/l12e.err")"
	grep -q '127.0.0.1' "$TMP/l12e.err" || fail "endpoint not named"
	grep -F -e Pw-Hidden-77 -e "$tok" -e "$key" "$TMP"/l12e.err "$TMP"/l12e.out \
		"$TMP"/l12e.trace.jsonl && fail "secret in log, output or trace"
	python3 - "$TMP/l12e.trace.jsonl" <<'PY' || fail "error spans"
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if '"fail-502"' in l]
by = {r["name"]: r for r in s}
assert by["ask"]["status"] == "error" and by["ask"]["error"] == "LM endpoint error", by["ask"]
assert by["lm"]["status"] == "error" and by["lm"]["http_status"] == 500, by["lm"]
assert by["request"]["status"] == "error" and by["request"]["http_status"] == 502, by["request"]
assert "memory.write" not in by, by
PY
}

# A trace file that cannot be written (/dev/full: every write fails)
# never fails a request and is reported once; a small trace_max_bytes
# rotates the file to <file>.1 and keeps each under the bound.
case_load12_trace_unwritable_and_rotated() {
	local i
	command -v curl >/dev/null || { fail "curl missing"; return 1; }
	[ -w /dev/full ] || { fail "/dev/full missing"; return 1; }
	rm -f "$TMP/l12w.port"
	"$BIN" serve --serve-port 0 --port-file "$TMP/l12w.port" --cache-dir "$TMP/l12w.c" \
		--serve-trace /dev/full >"$TMP/l12w.out" 2>"$TMP/l12w.err" &
	SERVE_PID=$!
	for _ in $(seq 100); do [ -s "$TMP/l12w.port" ] && break; sleep 0.05; done
	SERVE_URL="http://127.0.0.1:$(cat "$TMP/l12w.port")"
	for i in 1 2 3 4 5; do
		[ "$(code "$SERVE_URL/version")" = 200 ] || fail "request $i failed with the trace unwritable"
	done
	stop_serve
	[ "$(grep -c 'serve.trace: cannot write' "$TMP/l12w.err")" = 1 ] \
		|| fail "unwritable trace reported $(grep -c 'cannot write' "$TMP/l12w.err") times: $(cat "$TMP/l12w.err")"
	start_serve l12r --serve-trace-max-bytes 4096 || return 1
	for i in $(seq 40); do code "$SERVE_URL/ping" >/dev/null; done
	stop_serve
	[ -s "$TMP/l12r.trace.jsonl.1" ] || fail "trace not rotated"
	for f in "$TMP/l12r.trace.jsonl" "$TMP/l12r.trace.jsonl.1"; do
		[ "$(stat -c %s "$f")" -le 4096 ] || fail "$f over the bound: $(stat -c %s "$f")"
		[ "$(stat -c %a "$f")" = 600 ] || fail "$f mode $(stat -c %a "$f")"
	done
	python3 -c '
import json, sys
for f in sys.argv[1:]:
    for l in open(f):
        json.loads(l)
' "$TMP/l12r.trace.jsonl" "$TMP/l12r.trace.jsonl.1" || fail "a rotated line is cut"
}

# The deployment examples in docs/deploy/ run as written: the
# Kubernetes container's args and the systemd unit's ExecStart (paths
# moved under $TMP, the port free, the test LM for the model) start
# `metagen serve`; the token comes from the Secret's file / the
# EnvironmentFile; the liveness probe (/ping) and the readiness probe's
# own command (curl /health with the token) pass, /health without the
# token does not (why the readiness probe is an exec); SIGTERM exits 0
# within the grace period.
case_load12_deploy_examples() {
	local k8s=$ROOT/docs/deploy/kubernetes.yaml unit=$ROOT/docs/deploy/metagen-serve.service
	local tok=Tok-k8s-4410 args probe grace t0 s
	command -v curl >/dev/null || { fail "curl missing"; return 1; }
	start_llm l12d || { fail "llm"; return 1; }
	mkdir -p "$TMP/k8s/etc/metagen/secret" "$TMP/k8s/var/lib/metagen" "$TMP/k8s/docs"
	printf '%s\n' "$tok" > "$TMP/k8s/etc/metagen/secret/token"
	# the index the volume holds (readiness needs it)
	printf '# Admissions\nOne row per hospital stay.\n' > "$TMP/k8s/docs/a.md"
	"$BIN" index add "$TMP/k8s/docs" --rag-index "$TMP/k8s/var/lib/metagen/index.sqlite" >/dev/null \
		|| { fail "index add"; return 1; }
	# the container's args: the "- " lines between "args:" and "env:"
	args=$(sed -n '/^          args:/,/^          env:/p' "$k8s" | sed -n 's/^ *- //p' \
		| sed -e "s#=/#=$TMP/k8s/#" -e 's#^--serve-port=8080$#--serve-port=0#' \
		-e "s#^--model=.*#--model=test#")
	[ "$(echo "$args" | head -1)" = serve ] || { fail "k8s args not found: $args"; return 1; }
	# shellcheck disable=SC2086
	"$BIN" $args --api-base "$LLM_URL" --port-file "$TMP/k8s.port" \
		>"$TMP/k8s.out" 2>"$TMP/k8s.err" &
	SERVE_PID=$!
	for _ in $(seq 100); do [ -s "$TMP/k8s.port" ] && break; sleep 0.05; done
	[ -s "$TMP/k8s.port" ] || { fail "k8s args: serve did not start: $(cat "$TMP/k8s.err")"; return 1; }
	s=127.0.0.1:$(cat "$TMP/k8s.port")
	[ "$(code "http://$s/ping")" = 200 ] || fail "liveness /ping"
	[ "$(code "http://$s/health")" = 401 ] || fail "/health without the token"
	probe=$(sed -n '/readinessProbe:/,/periodSeconds/p' "$k8s" | sed -n '/>-/,/health/p' | sed 1d \
		| sed -e 's/^ *//' -e "s#/etc/metagen#$TMP/k8s/etc/metagen#" -e "s#127.0.0.1:8080#$s#" | tr '\n' ' ')
	case "$probe" in curl*health*) ;; *) fail "readiness command not found: $probe" ;; esac
	bash -c "$probe" || fail "readiness probe failed: $probe"
	grace=$(sed -n 's/^ *terminationGracePeriodSeconds: *//p' "$k8s")
	[ "$grace" -gt 30 ] || fail "grace $grace s does not cover the 30 s drain"
	t0=$(date +%s)
	stop_serve
	[ $(( $(date +%s) - t0 )) -lt "$grace" ] || fail "SIGTERM took longer than the grace period"
	grep -qF "$tok" "$TMP/k8s.out" "$TMP/k8s.err" "$TMP/k8s/var/lib/metagen/serve-trace.jsonl" \
		&& fail "token in output or trace"
	# the systemd unit: ExecStart's flags, the token from EnvironmentFile
	grep -q '^EnvironmentFile=/etc/metagen/serve.env' "$unit" || fail "unit: no EnvironmentFile"
	grep -q '^KillSignal=SIGTERM' "$unit" || fail "unit: no SIGTERM"
	args=$(sed -n '/^ExecStart=/,/[^\\]$/p' "$unit" | sed -e 's/^ExecStart=[^ ]*//' -e 's/\\$//' | tr '\n\t' '  ' \
		| sed -e "s# /etc/metagen/metagen.yaml# $TMP/k8s/metagen.yaml#" -e "s# /var/log/metagen/# $TMP/k8s/#" \
		-e 's#--serve-port 8080#--serve-port 0#')
	printf 'model: test\napi_base: %s\nrag:\n  index: %s\n' "$LLM_URL" \
		"$TMP/k8s/var/lib/metagen/index.sqlite" > "$TMP/k8s/metagen.yaml"
	printf 'METAGEN_SERVE_TOKEN=%s\n' "$tok" > "$TMP/k8s/serve.env"
	rm -f "$TMP/unit.port"
	# shellcheck disable=SC2086
	(set -a; . "$TMP/k8s/serve.env"; cd "$TMP/k8s/var/lib/metagen" && exec "$BIN" $args \
		--port-file "$TMP/unit.port" >"$TMP/unit.out" 2>"$TMP/unit.err") &
	SERVE_PID=$!
	for _ in $(seq 100); do [ -s "$TMP/unit.port" ] && break; sleep 0.05; done
	[ -s "$TMP/unit.port" ] || { fail "unit ExecStart did not start: $args $(cat "$TMP/unit.err")"; return 1; }
	s=127.0.0.1:$(cat "$TMP/unit.port")
	[ "$(code -H "Authorization: Bearer $tok" "http://$s/health")" = 200 ] || fail "unit: /health with the token"
	[ "$(code "http://$s/version")" = 401 ] || fail "unit: the token from EnvironmentFile is not required"
	stop_serve
	[ -s "$TMP/k8s/serve-trace.jsonl" ] || fail "unit: no trace"
}

# serve.max_connections: with two connections open (idle), a third is
# closed without an answer and counted nowhere; once they close, the
# server answers again. The bound is what keeps threads and sockets
# bounded (one thread per connection).
case_load12_connection_limit() {
	local port rc
	command -v curl >/dev/null || { fail "curl missing"; return 1; }
	start_serve l12c --serve-max-connections 2 || return 1
	port=${SERVE_URL##*:}
	exec 7<>"/dev/tcp/127.0.0.1/$port" 8<>"/dev/tcp/127.0.0.1/$port" || { fail "open"; return 1; }
	sleep 0.3
	curl -s -m 5 -o /dev/null "$SERVE_URL/ping"; rc=$?
	[ $rc = 52 ] || [ $rc = 56 ] || fail "third connection: curl exit $rc, not refused"
	exec 7>&- 8>&-
	sleep 0.3
	[ "$(curl -s -m 5 "$SERVE_URL/ping")" = pong ] || fail "ping after the connections closed"
	stop_serve
}
