#!/usr/bin/env bash
# bench/run.sh - metagen's benchmarks (make bench). Each prints its figure,
# the target, and the ratio against the ideal. Not a test: figures vary
# with the machine; the README's performance section records medians.
#   1. efficiency = (N*L/C) / wall for N=400 PostgreSQL tables, endpoint
#      latency L=250 ms, concurrency C=16.          target >= 0.90
#   2. warehouse queries per table.                 target <= 2
#   3. re-run of the same scope with the cache: LM calls (target 0) and
#      wall time (target < 2 s).
#   4. peak RSS for 10,000 tables (SQLite, offline describer) and CPU per
#      table outside the LM.                targets < 30 MB, < 2 ms/table
# Environment: BENCH_RUNS (default 3) runs each and reports the median.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/metagen
MEASURE=$ROOT/build/bench-measure # wall, CPU, peak RSS (bench/measure.c)
RUNS=${BENCH_RUNS:-3}
TMP=$(mktemp -d /tmp/metagen-bench.XXXXXX)
PGDIR=$(mktemp -d /tmp/metagen-bench-pg.XXXXXX) # its own: initdb runs as postgres
LLM_PID=
cleanup() {
	[ -n "$LLM_PID" ] && kill "$LLM_PID" 2>/dev/null
	bash "$ROOT/tests/pg.sh" stop "$PGDIR" >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT
export PGOPTIONS='-c client_min_messages=warning'

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }

echo "metagen benchmarks on $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"

# --- setup: PostgreSQL with 400 tables, the test LLM server at 250 ms ----
bash "$ROOT/tests/pg.sh" start "$PGDIR" >/dev/null
. "$PGDIR/env"
psql -q -d postgres -c "CREATE DATABASE bench" >/dev/null
python3 - <<'PY' | psql -q -d bench -v ON_ERROR_STOP=1 >/dev/null
print("CREATE SCHEMA s;")
for i in range(400):
    print(f"CREATE TABLE s.t{i:03d} (id integer, name text, amount numeric, "
          f"created_at timestamp, flag boolean, code varchar(8), note text, qty integer);")
    print(f"INSERT INTO s.t{i:03d} SELECT g, 'name ' || g, g * 1.5, now(), g % 2 = 0, "
          f"'C' || (g % 7), repeat('x', g % 30), g % 13 FROM generate_series(1, 50) g;")
PY
CONN="Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=$PGPORT;Database=bench;Uid=postgres;Pwd=testpw"
python3 "$ROOT/tests/server/fake_llm.py" --port-file "$TMP/port" --latency-ms 250 \
	--record "$TMP/rec.jsonl" --detach >/dev/null 2>&1 &
LLM_PID=$!
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.05; done
URL="http://127.0.0.1:$(cat "$TMP/port")/v1"

# --- 1 + 2: efficiency and queries per table ------------------------------
walls=(); queries=
for r in $(seq "$RUNS"); do
	"$BIN" generate --connection "$CONN" --model m --api-base "$URL" --out "$TMP/eff$r" \
		--concurrency 16 --no-cache -q >/dev/null 2>"$TMP/eff.err" || { cat "$TMP/eff.err"; exit 1; }
	m=$(ls "$TMP/eff$r"/*/manifest.json)
	walls+=("$(python3 -c "import json; print(json.load(open('$m'))['elapsed_ms'] / 1000)")")
	queries=$(python3 -c "import json; print(json.load(open('$m'))['warehouse_queries'])")
done
wall=$(printf '%s\n' "${walls[@]}" | median)
eff=$(python3 -c "print(round((400 * 0.25 / 16) / $wall, 3))")
echo "1. efficiency (N=400, L=250 ms, C=16): ideal 6.25 s, median wall ${wall} s of ${RUNS} -> ${eff} (target >= 0.90)"
qpt=$(python3 -c "print(round($queries / 400, 3))")
echo "2. warehouse queries per table: $queries queries / 400 tables = $qpt, listing included ($((queries - 800)) of them listing the tables and columns; target <= 2)"

# --- 3: re-run with the cache ---------------------------------------------
"$BIN" generate --connection "$CONN" --model m --api-base "$URL" --out "$TMP/c1" \
	--concurrency 16 --cache-dir "$TMP/cache" -q >/dev/null 2>&1
before=$(grep -c '' "$TMP/rec.jsonl")
cw=()
for r in $(seq "$RUNS"); do
	"$MEASURE" "$BIN" generate --connection "$CONN" --model m \
		--api-base "$URL" --out "$TMP/c2" --concurrency 16 --cache-dir "$TMP/cache" -q \
		>/dev/null 2>"$TMP/c2.err"
	cw+=("$(field wall <"$TMP/c2.err")")
done
calls=$(( $(grep -c '' "$TMP/rec.jsonl") - before ))
cwall=$(printf '%s\n' "${cw[@]}" | median)
echo "3. cached re-run of 400 tables: $calls LM calls over ${RUNS} runs (target 0), median wall $(printf %.2f "$cwall") s (target < 2 s)"

# --- 4: 10,000 tables in SQLite: peak RSS and CPU per table ---------------
python3 - "$TMP/wide.sqlite" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for i in range(10000):
    c.execute(f"create table t{i:05d} (id integer, label text, value real)")
    c.executemany(f"insert into t{i:05d} values (?, ?, ?)", [(j, f"v{j}", j * 0.5) for j in range(5)])
c.commit()
PY
rss=(); cpu=()
for r in $(seq "$RUNS"); do
	"$MEASURE" "$BIN" generate --connection "Driver=SQLite3;Database=$TMP/wide.sqlite" \
		--model offline --out "$TMP/w$r" --concurrency 1 -q >/dev/null 2>"$TMP/w.err"
	rss+=("$(field maxrss_kib <"$TMP/w.err")")
	cpu+=("$(python3 -c "import json; d=json.loads(open('$TMP/w.err').read().strip().splitlines()[-1]); print((d['user']+d['sys'])*1000/10000)")")
done
mrss=$(printf '%s\n' "${rss[@]}" | median); mcpu=$(printf '%s\n' "${cpu[@]}" | median)
"$MEASURE" "$BIN" --version >/dev/null 2>"$TMP/v.err"
base=$(field maxrss_kib <"$TMP/v.err")
echo "4. 10,000 SQLite tables (offline): peak RSS $(python3 -c "print(round($mrss/1024, 1))") MB (target < 30 MB; the binary and its libraries alone: $(python3 -c "print(round($base/1024, 1))") MB), CPU $(printf %.3f "$mcpu") ms/table (target < 2 ms)"
