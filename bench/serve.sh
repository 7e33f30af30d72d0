#!/usr/bin/env bash
# bench/serve.sh - `metagen serve` under a bounded load (issue 12, make
# bench-serve): wrk (Debian's package) at BENCH_SERVE_CONNS (200)
# connections for BENCH_SERVE_SECONDS (30) s against POST /invocations,
# the ask agent answering from a two-document index with the LM endpoint
# at BENCH_SERVE_LATENCY_MS (50) ms a call (bench/bench_lm.c, which sleeps;
# BENCH_SERVE_LM=python uses the tests' tests/server/fake_llm.py, whose CPU
# per call competes with the server's on a small machine),
# memory in SQLite, default serve settings. Prints: requests and errors
# (socket errors, non-2xx; target 0), the client's p50/p99, and from the
# server's own spans the overhead per request beyond the LM time (route
# span minus its LM spans; target p50 < 2 ms), the queue wait and the
# server's CPU per request (bench/serve_report.py); first for one
# connection alone (BENCH_SERVE_ALONE_SECONDS, 10: the overhead without
# contention), then under the load; with the machine's load average
# (the figures are only as quiet as the machine).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/metagen
CONNS=${BENCH_SERVE_CONNS:-200}
SECS=${BENCH_SERVE_SECONDS:-30}
LAT=${BENCH_SERVE_LATENCY_MS:-50}
command -v wrk >/dev/null || { echo "bench-serve: wrk is missing (apt-get install wrk)" >&2; exit 1; }
TMP=$(mktemp -d /tmp/metagen-serve-bench.XXXXXX)
LLM_PID= SERVE_PID=
cleanup() {
	[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null
	[ -n "$LLM_PID" ] && kill "$LLM_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

wait_file() { for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }

mkdir -p "$TMP/docs"
printf '# Admissions\nThe admissions table holds one row per hospital stay. dischtime is the discharge time of the stay.\n' > "$TMP/docs/admissions.md"
printf '# Patients\nThe patients table holds one row per person; dob is the date of birth.\n' > "$TMP/docs/patients.md"
"$BIN" index add "$TMP/docs" --rag-index "$TMP/idx.sqlite" --quiet >/dev/null
answer='[[ ## answer ## ]]\nIt holds one row per stay [1].\n\n[[ ## completed ## ]]'
if [ "${BENCH_SERVE_LM:-c}" = python ]; then
	# the tests' server: its CPU per call competes with the server's
	printf '{"rules": [{"when_all": ["`[[ ## answer ## ]]`"], "content": "%s"}]}\n' \
		"$answer" >"$TMP/script.json"
	python3 "$ROOT/tests/server/fake_llm.py" --port-file "$TMP/llm.port" --latency-ms "$LAT" \
		--script "$TMP/script.json" >"$TMP/llm.log" 2>&1 &
else
	# bench/bench_lm.c: the same answer, sleeping instead of computing
	printf '%b' "$answer" >"$TMP/answer.txt"
	"$ROOT/build/bench-lm" --port-file "$TMP/llm.port" --latency-ms "$LAT" \
		--content "$TMP/answer.txt" --model test >"$TMP/llm.log" 2>&1 &
fi
LLM_PID=$!
wait_file "$TMP/llm.port" || { cat "$TMP/llm.log"; exit 1; }
"$BIN" serve --serve-port 0 --port-file "$TMP/serve.port" --serve-trace "$TMP/trace.jsonl" \
	--rag-index "$TMP/idx.sqlite" --memory-connection "$TMP/mem.sqlite" --cache-dir "$TMP/c" \
	--model test --api-base "http://127.0.0.1:$(cat "$TMP/llm.port")/v1" --no-cache \
	>"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVE_PID=$!
wait_file "$TMP/serve.port" || { cat "$TMP/serve.err"; exit 1; }
URL="http://127.0.0.1:$(cat "$TMP/serve.port")/invocations"
curl -sf -o /dev/null -H 'Content-Type: application/json' \
	-d '{"instances": ["warm up"]}' "$URL" || { echo "bench-serve: the server does not answer" >&2; exit 1; }

cpu_ms() { awk '{print ($14 + $15) * 1000 / '"$(getconf CLK_TCK)"'}' "/proc/$SERVE_PID/stat"; }

# phase NAME CONNS SECS: one wrk run and its figures
phase() {
	local name=$1 conns=$2 secs=$3 first cpu0 cpu1
	first=$(grep -c '' "$TMP/trace.jsonl" || true)
	cpu0=$(cpu_ms)
	wrk -t"$([ "$conns" -lt 2 ] && echo 1 || echo 2)" -c"$conns" -d"${secs}s" --timeout 30s --latency -s "$ROOT/bench/serve.lua" "$URL" \
		>"$TMP/wrk.$name"
	cpu1=$(cpu_ms)
	sleep 0.5 # the last answers' spans
	echo "serve $name (load average $(cut -d' ' -f1-3 /proc/loadavg)):"
	python3 "$ROOT/bench/serve_report.py" "$TMP/wrk.$name" "$TMP/trace.jsonl" "$first" \
		"$(python3 -c "print($cpu1 - $cpu0)")" "$conns" "$secs" "$LAT"
}

echo "serve bench on $(nproc) cores, $(uname -m); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
phase alone 1 "${BENCH_SERVE_ALONE_SECONDS:-10}"
phase load "$CONNS" "$SECS"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" || { echo "bench-serve: the server did not exit 0 after SIGTERM" >&2; exit 1; }
SERVE_PID=
