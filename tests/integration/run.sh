#!/usr/bin/env bash
# run.sh - integration tests: the real metagen binary against real parts:
# the SQLite3 ODBC driver, PostgreSQL through psqlODBC (a private cluster
# started by tests/run_all.sh: PGHOST/PGPORT/METAGEN_TEST_PG in the
# environment), and tests/server/fake_llm.py, a local OpenAI-compatible
# server with scripted answers and faults that records every request.
#
# Each case is a function named case_*; the last line printed is
# "integration: N passed, N failed, N skipped". Run one case: run.sh
# case_name. A case that calls `skip WHY` is counted skipped (and fails
# `make check` unless it is on tests/allowed_skips.txt).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${METAGEN_TEST_BIN:-$ROOT/build/metagen}
DATA=${METAGEN_TEST_DATASETS:-$ROOT/../shared/datasets/mimic3_demo}
CHECK="python3 $ROOT/tests/integration/check.py"
TMP=$(mktemp -d /tmp/metagen-it.XXXXXX)
export PGOPTIONS='-c client_min_messages=warning'
unset METAGEN_CONFIG METAGEN_API_KEY
LLM_PIDS=()

cleanup() {
	for p in "${LLM_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# start_llm NAME [server args...] -> sets LLM_URL and LLM_REC
start_llm() {
	local name=$1; shift
	LLM_REC=$TMP/$name.rec.jsonl
	rm -f "$TMP/$name.port"
	python3 "${METAGEN_TEST_FAKE_LLM:-$ROOT/tests/server/fake_llm.py}" --port-file "$TMP/$name.port" \
		--record "$LLM_REC" "$@" >"$TMP/$name.log" 2>&1 &
	LLM_PIDS+=($!)
	for _ in $(seq 300); do [ -s "$TMP/$name.port" ] && break; sleep 0.05; done
	[ -s "$TMP/$name.port" ] || { cat "$TMP/$name.log" >&2; return 1; }
	LLM_URL="http://127.0.0.1:$(cat "$TMP/$name.port")/v1"
}

sqlite_copy() { # a writable copy of the MIMIC demo database
	cp "$DATA/mimic3_demo.sqlite" "$TMP/$1.sqlite" && chmod u+w "$TMP/$1.sqlite"
	echo "Driver=SQLite3;Database=$TMP/$1.sqlite"
}

pg_conn() { # ODBC string for database $1 of the test cluster
	echo "Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=$PGPORT;Database=$1;Uid=postgres;Pwd=testpw"
}

run_dir() { ls -d "$1"/*/ | tail -1; }

# fail MSG: marks the running case failed (whatever it does next) and
# returns 1 so `|| { fail ...; return 1; }` can stop early.
fail() { echo "    $*" >&2; FAILED=1; return 1; }

# skip WHY: the running case did not test anything (say why); returns 0.
skip() { echo "    skipped: $*" >&2; echo "$*" > "$TMP/skip.$BASHPID"; return 0; }

# --- cases -----------------------------------------------------------------

# The command-line tools the cases call: one missing fails here (and the
# cases that use it fail too, never pass for want of it).
case_test_tools_installed() {
	local t
	for t in sqlite3 psql python3 awk cmp find seq; do
		command -v "$t" >/dev/null || fail "$t is not installed (make deps installs it)"
	done
	[ -x "$BIN" ] || fail "no metagen binary at $BIN (make)"
	[ -r "$DATA/mimic3_demo.sqlite" ] || fail "no dataset at $DATA (set METAGEN_TEST_DATASETS)"
}

case_help_and_version() {
	"$BIN" --version | grep -q '^metagen [0-9]' || fail "--version"
	"$BIN" --help | grep -q 'generate' || fail "--help"
	"$BIN" generate --help | grep -q -- '--sample-size' || fail "generate --help lists flags"
	"$BIN" frobnicate 2>/dev/null; [ $? = 2 ] || fail "unknown command exit 2"
	"$BIN" generate --no-such-flag 2>/dev/null; [ $? = 2 ] || fail "unknown flag exit 2"
}

case_sqlite_offline_all_tables() {
	local conn out rc
	conn=$(sqlite_copy off); out=$TMP/off
	"$BIN" generate --connection "$conn" --model offline --out "$out" \
		>"$TMP/off.stdout" 2>"$TMP/off.stderr"; rc=$?
	[ $rc = 0 ] || { cat "$TMP/off.stderr" >&2; fail "exit $rc"; return 1; }
	$CHECK agree "$(run_dir "$out")" --tables 26 --all-proposed >/dev/null || return 1
	grep -q '26 tables (26 ok, 0 failed), 324 columns' "$TMP/off.stdout" || fail "summary: $(cat "$TMP/off.stdout")"
	python3 - "$(run_dir "$out")" <<'EOF' || return 1
import json, sys
run = sys.argv[1]
rows = [l.split("\t") for l in open(run + "/comments.tsv", encoding="utf-8").read().split("\n")[1:] if l]
assert all(r[7] == "offline" for r in rows), "every comment path=offline"
m = json.load(open(run + "/manifest.json"))
assert "traces" not in m or True
EOF
}

case_sqlite_llm_all_tables_and_chunks() {
	local conn out rc
	start_llm auto || return 1
	conn=$(sqlite_copy llm); out=$TMP/llm
	"$BIN" generate --connection "$conn" --model test-model --api-base "$LLM_URL" \
		--out "$out" --columns-per-call 12 >"$TMP/llm.stdout" 2>"$TMP/llm.stderr"; rc=$?
	[ $rc = 0 ] || { tail -5 "$TMP/llm.stderr" >&2; fail "exit $rc"; return 1; }
	local run; run=$(run_dir "$out")
	$CHECK agree "$run" --tables 26 --all-proposed >/dev/null || return 1
	$CHECK auto "$run" >/dev/null || return 1
	# tables wider than 12 columns were split and merged by one more call
	grep -q '"kind":"merge"' "$run/traces.jsonl" || fail "no merge call traced"
	[ "$(grep -c '' "$run/traces.jsonl")" = "$(grep -c '' "$LLM_REC")" ] || fail "traces != requests"
	# at most two warehouse queries per table (plus listing)
	python3 - "$run" <<'EOF' || return 1
import json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
q = m["warehouse_queries"]
assert q <= 2 * 26 + 4, f"{q} warehouse queries for 26 tables"
EOF
}

case_answer_faults_are_repaired() {
	local conn out rc
	cat > "$TMP/faults.json" <<'EOF'
{"tables": {"main.patients": [{"fault": "fence"}],
            "main.admissions": [{"fault": "truncate"}],
            "main.icustays": [{"fault": "reorder"}],
            "main.services": [{"fault": "stringify"}],
            "main.callout": [{"fault": "missing"}],
            "main.d_cpt": [{"fault": "chatter"}],
            "main.drgcodes": [{"fault": "500"}, {"fault": "429", "retry_after": 1}]}}
EOF
	start_llm faults --script "$TMP/faults.json" || return 1
	conn=$(sqlite_copy faults); out=$TMP/faults
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$out" \
		--scope 'main.patients' --scope admissions --scope icustays --scope services \
		--scope callout --scope d_cpt --scope drgcodes >"$TMP/faults.stdout" 2>"$TMP/faults.stderr"; rc=$?
	[ $rc = 0 ] || { tail -5 "$TMP/faults.stderr" >&2; fail "exit $rc"; return 1; }
	local run; run=$(run_dir "$out")
	$CHECK agree "$run" --tables 7 --all-proposed >/dev/null || return 1
	$CHECK auto "$run" >/dev/null || return 1
}

case_garbage_table_fails_others_succeed() {
	local conn out rc
	cat > "$TMP/garbage.json" <<'EOF'
{"tables": {"main.patients": [{"fault": "garbage"}, {"fault": "garbage"},
                              {"fault": "garbage"}, {"fault": "garbage"}]}}
EOF
	start_llm garbage --script "$TMP/garbage.json" || return 1
	conn=$(sqlite_copy garbage); out=$TMP/garbage
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$out" \
		--scope patients --scope admissions >"$TMP/g.stdout" 2>"$TMP/g.stderr"; rc=$?
	[ $rc = 1 ] || fail "exit $rc, expected 1"
	grep -q 'failed: main.patients' "$TMP/g.stderr" || fail "failed table not named"
	grep -q '2 tables (1 ok, 1 failed)' "$TMP/g.stdout" || fail "summary: $(cat "$TMP/g.stdout")"
	local run; run=$(run_dir "$out")
	[ "$($CHECK field "$run" patients "" status)" = failed ] || fail "patients not failed"
	[ -n "$($CHECK field "$run" patients "" reason)" ] || fail "no reason recorded"
	[ "$($CHECK field "$run" admissions subject_id status)" = proposed ] || fail "admissions hurt"
}

case_allow_data_false_sends_no_values() {
	local db=$TMP/canary.sqlite rc
	python3 - "$db" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("create table secrets (id integer, note text, code text)")
for i in range(20):
    c.execute("insert into secrets values (?, ?, ?)", (i, f"CANARYNOTE{i:02d}", f"CANARYCODE{i:02d}"))
c.commit()
EOF
	start_llm canary || return 1
	"$BIN" generate --connection "Driver=SQLite3;Database=$db" --model m --api-base "$LLM_URL" \
		--out "$TMP/canary" --allow-data false >/dev/null 2>&1; rc=$?
	[ $rc = 0 ] || fail "exit $rc"
	$CHECK no-substring "$LLM_REC" CANARYNOTE CANARYCODE || return 1
	# and the same run with data allowed does send them (the check can fail)
	start_llm canary2 || return 1
	"$BIN" generate --connection "Driver=SQLite3;Database=$db" --model m --api-base "$LLM_URL" \
		--out "$TMP/canary2" >/dev/null 2>&1
	$CHECK has-substring "$LLM_REC" CANARYNOTE || return 1
}

case_unknown_config_key_names_file_line() {
	local rc
	printf 'sample_size: 5\nmodel: offline\nsample_sise: 3\n' > "$TMP/bad.yaml"
	"$BIN" generate --config "$TMP/bad.yaml" --connection "Driver=SQLite3;Database=$TMP/x.db" \
		>/dev/null 2>"$TMP/bad.err"; rc=$?
	[ $rc = 2 ] || fail "exit $rc, expected 2"
	grep -q "bad.yaml:3" "$TMP/bad.err" || fail "no file:line in: $(cat "$TMP/bad.err")"
}

case_unreachable_connection() {
	local rc
	"$BIN" generate --model offline --out "$TMP/unreach" \
		--connection "Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=1;Database=x;Uid=u;Pwd=SECRETPW" \
		>/dev/null 2>"$TMP/unreach.err"; rc=$?
	[ $rc = 2 ] || fail "exit $rc, expected 2"
	[ -s "$TMP/unreach.err" ] || fail "no message"
	! grep -q SECRETPW "$TMP/unreach.err" || fail "password in the message"
}

case_auth_refused_exit_2() {
	local conn rc
	start_llm auth --require-key right-key || return 1
	conn=$(sqlite_copy auth)
	METAGEN_API_KEY=wrong-key-XYZ "$BIN" generate --connection "$conn" --model m \
		--api-base "$LLM_URL" --out "$TMP/auth" >/dev/null 2>"$TMP/auth.err"; rc=$?
	[ $rc = 2 ] || fail "exit $rc, expected 2"
	grep -qi '401' "$TMP/auth.err" || fail "no clear message: $(cat "$TMP/auth.err")"
	! grep -q 'wrong-key-XYZ' "$TMP/auth.err" || fail "key in the message"
	# the run stops at the first 401: only requests already in flight
	# (one per worker) reach the server, not one per table
	[ "$(grep -c '' "$LLM_REC")" -le 4 ] || fail "kept calling after 401"
	# the preflight refused the key: nothing was written at all
	[ ! -e "$TMP/auth" ] || fail "a refused key still wrote $TMP/auth"
}

case_postgres_apply_byte_exact() {
	[ -n "${PGPORT:-}" ] || { fail "no PostgreSQL (PGPORT unset)"; return 1; }
	bash "$ROOT/tests/load_mimic_pg.sh" m3apply "$DATA" || return 1
	python3 - "$TMP/exact.json" <<'EOF'
import json, sys
long = "Long text " + "x" * 9000 + " end."
script = {"tables": {"m3apply.mimiciii.patients": [{"answer": {
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
json.dump(script["tables"]["m3apply.mimiciii.patients"][0]["answer"],
          open(sys.argv[1] + ".want", "w"))
EOF
	start_llm exact --script "$TMP/exact.json" || return 1
	"$BIN" generate --connection "$(pg_conn m3apply)" --model m --api-base "$LLM_URL" \
		--out "$TMP/exact" --apply >"$TMP/exact.stdout" 2>"$TMP/exact.stderr" \
		|| { tail -5 "$TMP/exact.stderr" >&2; fail "generate --apply failed"; return 1; }
	psql -d m3apply -tAc "select coalesce(json_object_agg(a.attname, col_description(a.attrelid, a.attnum)), '{}') || E'\n' || obj_description('mimiciii.patients'::regclass, 'pg_class') from pg_attribute a where a.attrelid = 'mimiciii.patients'::regclass and a.attnum > 0 and not a.attisdropped" \
		> "$TMP/exact.got" || return 1
	python3 - "$TMP/exact.json.want" "$TMP/exact.got" <<'EOF' || return 1
import json, sys
want = json.load(open(sys.argv[1]))
got_text = open(sys.argv[2], encoding="utf-8").read()
cols_json, table = got_text.split("\n", 1)
# the table comment may itself hold newlines; psql -tA adds one at the end
table = table[:-1] if table.endswith("\n") else table
cols = json.loads(cols_json)
for c, w in want["columns"].items():
    assert cols[c] == w, f"{c}: {cols[c]!r} != {w!r}"
assert table == want["table"], f"table: {table!r}"
EOF
	# every other table got its comments too
	local n; n=$(psql -d m3apply -tAc "select count(*) from pg_description d join pg_class c on c.oid = d.objoid join pg_namespace s on s.oid = c.relnamespace where s.nspname = 'mimiciii'")
	[ "$n" = 350 ] || fail "$n comments in PostgreSQL, expected 26 + 324"
	grep -q '^26 tables (26 ok, 0 failed), 324 columns; 350 applied;' "$TMP/exact.stdout" \
		|| fail "summary after apply: $(cat "$TMP/exact.stdout")"
}

case_postgres_existing_comment_kept_unless_overwrite() {
	[ -n "${PGPORT:-}" ] || { fail "no PostgreSQL"; return 1; }
	bash "$ROOT/tests/load_mimic_pg.sh" m3keep "$DATA" --comments || return 1
	start_llm keep || return 1
	local before after
	before=$(psql -d m3keep -tAc "select col_description('mimiciii.admissions'::regclass, 2)")
	"$BIN" generate --connection "$(pg_conn m3keep)" --model m --api-base "$LLM_URL" \
		--out "$TMP/keep" --scope 'mimiciii.admissions' --apply >/dev/null 2>&1 || { fail "generate failed"; return 1; }
	after=$(psql -d m3keep -tAc "select col_description('mimiciii.admissions'::regclass, 2)")
	[ "$before" = "$after" ] || fail "existing comment replaced without --overwrite"
	# a column without a human comment (edregtime) got one
	[ -n "$(psql -d m3keep -tAc "select col_description('mimiciii.admissions'::regclass, (select attnum from pg_attribute where attrelid='mimiciii.admissions'::regclass and attname='edregtime'))")" ] \
		|| fail "missing comment not filled"
	"$BIN" generate --connection "$(pg_conn m3keep)" --model m --api-base "$LLM_URL" \
		--out "$TMP/keep2" --scope 'mimiciii.admissions' --apply --overwrite >/dev/null 2>&1 || { fail "overwrite run failed"; return 1; }
	after=$(psql -d m3keep -tAc "select col_description('mimiciii.admissions'::regclass, 2)")
	[ "$after" = "Auto comment for m3keep.mimiciii.admissions.subject_id." ] || fail "--overwrite did not replace: $after"
}

case_review_then_apply_and_dry_run() {
	[ -n "${PGPORT:-}" ] || { fail "no PostgreSQL"; return 1; }
	bash "$ROOT/tests/load_mimic_pg.sh" m3review "$DATA" || return 1
	start_llm review || return 1
	"$BIN" generate --connection "$(pg_conn m3review)" --model m --api-base "$LLM_URL" \
		--out "$TMP/review" --scope 'mimiciii.services' >/dev/null 2>&1 || { fail "generate failed"; return 1; }
	local run; run=$(run_dir "$TMP/review")
	[ "$(psql -d m3review -tAc "select obj_description('mimiciii.services'::regclass, 'pg_class') is null")" = t ] \
		|| fail "generate without --apply changed the warehouse"
	$CHECK edit-tsv "$run/comments.tsv" "$TMP/edited.tsv" services curr_service "Reviewer's text: current service." || return 1
	"$BIN" apply "$TMP/edited.tsv" --connection "$(pg_conn m3review)" --dry-run >"$TMP/dry.out" 2>&1 || { fail "dry run failed"; return 1; }
	grep -q "COMMENT ON COLUMN" "$TMP/dry.out" || fail "dry run printed no DDL"
	[ "$(psql -d m3review -tAc "select obj_description('mimiciii.services'::regclass, 'pg_class') is null")" = t ] \
		|| fail "dry run changed the warehouse"
	"$BIN" apply "$TMP/edited.tsv" --connection "$(pg_conn m3review)" >"$TMP/apply.out" 2>&1 || { cat "$TMP/apply.out" >&2; fail "apply failed"; return 1; }
	[ "$(psql -d m3review -tAc "select col_description('mimiciii.services'::regclass, (select attnum from pg_attribute where attrelid='mimiciii.services'::regclass and attname='curr_service'))")" = "Reviewer's text: current service." ] \
		|| fail "edited comment not applied"
}

case_endpoint_down_falls_back_to_offline() {
	local conn out rc
	cat > "$TMP/down.json" <<'EOF'
{"tables": {"main.patients": [{"fault": "500"}, {"fault": "500"}, {"fault": "503"},
                              {"fault": "500"}, {"fault": "500"}, {"fault": "503"}]}}
EOF
	# the fallback is off by default: the table fails with the real cause
	start_llm down --script "$TMP/down.json" || return 1
	conn=$(sqlite_copy down); out=$TMP/down
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$out" \
		--scope patients --scope services --max-retries 2 >"$TMP/down.out" 2>"$TMP/down.err"; rc=$?
	[ $rc = 1 ] || { cat "$TMP/down.err" >&2; fail "exit $rc, expected 1"; return 1; }
	local run; run=$(run_dir "$out")
	[ "$($CHECK field "$run" patients gender status)" = failed ] || fail "patients not failed"
	$CHECK field "$run" patients gender reason | grep -q '^column "gender": .*HTTP 503.*service unavailable (injected)' \
		|| fail "column reason: $($CHECK field "$run" patients gender reason)"
	$CHECK field "$run" patients "" reason | grep -q 'HTTP 503' || fail "table reason: $($CHECK field "$run" patients "" reason)"
	[ "$($CHECK field "$run" services curr_service path)" = legacy ] || fail "services not legacy"
	grep -q '^2 tables (1 ok, 1 failed)' "$TMP/down.out" || fail "summary: $(cat "$TMP/down.out")"
	# with the fallback on: marked, counted, exit 1, not applied
	start_llm down2 --script "$TMP/down.json" || return 1
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$TMP/down2" \
		--scope patients --scope services --max-retries 2 --offline-fallback true --apply \
		>"$TMP/down2.out" 2>"$TMP/down2.err"; rc=$?
	[ $rc = 1 ] || fail "exit $rc with offline_fallback true, expected 1"
	run=$(run_dir "$TMP/down2")
	[ "$($CHECK field "$run" patients gender path)" = offline ] || fail "patients not offline"
	[ "$($CHECK field "$run" patients gender status)" = fallback ] || fail "status: $($CHECK field "$run" patients gender status)"
	$CHECK field "$run" patients gender reason | grep -q 'LM could not answer' || fail "no reason"
	grep -q '; 9 from the offline fallback' "$TMP/down2.out" || fail "summary: $(cat "$TMP/down2.out")"
	[ "$(sqlite3 "$TMP/down.sqlite" "select count(*) from _metagen_comments where table_name = 'patients'")" = 0 ] \
		|| fail "offline fallback comments applied without apply_offline"
	[ "$(sqlite3 "$TMP/down.sqlite" "select count(*) from _metagen_comments where table_name = 'services'")" -gt 0 ] \
		|| fail "the LM's comments were not applied"
	# apply_offline: true applies them too
	"$BIN" apply "$run/comments.tsv" --connection "$conn" --apply-offline true >/dev/null 2>&1 \
		|| fail "apply --apply-offline failed"
	[ "$(sqlite3 "$TMP/down.sqlite" "select count(*) from _metagen_comments where table_name = 'patients'")" = 9 ] \
		|| fail "apply_offline did not apply the 9 fallback comments"
}

case_generate_dry_run_changes_nothing() {
	local conn rc
	start_llm dry || return 1
	conn=$(sqlite_copy dry)
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$TMP/dry" \
		--scope patients --apply --dry-run >"$TMP/dry.stdout" 2>/dev/null; rc=$?
	[ $rc = 0 ] || fail "exit $rc"
	grep -q "^INSERT INTO _metagen_comments" "$TMP/dry.stdout" || fail "no DDL printed"
	[ "$(sqlite3 "$TMP/dry.sqlite" "select count(*) from sqlite_master where name = '_metagen_comments'")" = 0 ] \
		|| fail "dry run created the sidecar"
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$TMP/dry2" \
		--scope patients --apply >/dev/null 2>&1 || fail "apply failed"
	[ "$(sqlite3 "$TMP/dry.sqlite" "select count(*) from _metagen_comments where table_name = 'patients'")" = 9 ] \
		|| fail "sidecar does not hold 1 + 8 comments"
}

case_kill9_then_resume_every_table_once() {
	local conn out run pid rc
	start_llm k9 --latency-ms 150 || return 1
	conn=$(sqlite_copy k9); out=$TMP/k9
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$out" \
		--concurrency 2 --apply -q >/dev/null 2>&1 &
	pid=$!
	# killed as soon as the first table is in the checkpoint (a fixed sleep
	# came too early on a loaded machine)
	for _ in $(seq 600); do
		grep -qs '"table":' "$(ls -d "$out"/*/ 2>/dev/null | tail -1)checkpoint.jsonl" && break
		sleep 0.05
	done
	kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
	run=$(run_dir "$out")
	local before; before=$(grep -c '"table":' "$run/checkpoint.jsonl")
	[ "$before" -gt 0 ] && [ "$before" -lt 26 ] || fail "checkpoint has $before tables (kill came too early or late)"
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$out" \
		--resume "$(basename "$run")" --apply >"$TMP/k9.stdout" 2>"$TMP/k9.stderr"; rc=$?
	[ $rc = 0 ] || { tail -3 "$TMP/k9.stderr" >&2; fail "resume exit $rc"; return 1; }
	grep -q "already done" "$TMP/k9.stderr" || fail "resume did not restore the checkpoint"
	$CHECK agree "$run" --tables 26 --all-proposed >/dev/null || return 1
	$CHECK auto "$run" >/dev/null || return 1
	[ "$(grep -c '"table":' "$run/checkpoint.jsonl")" = 26 ] || fail "checkpoint not 26 tables"
	# each object applied exactly once: one sidecar row each, all applied
	[ "$(sqlite3 "$TMP/k9.sqlite" "select count(*) from _metagen_comments")" = 350 ] || fail "sidecar rows"
	[ -s "$run/comments.tsv" ] && ! grep -qP '\t(proposed|failed)\t' "$run/comments.tsv" || fail "not every comment applied"
}

case_shards_split_scope_without_overlap() {
	local conn k
	conn=$(sqlite_copy shard)
	for k in 0 1 2; do
		"$BIN" generate --connection "$conn" --model offline --out "$TMP/shard$k" \
			--shard "$k/3" -q >/dev/null 2>&1 || { fail "shard $k failed"; return 1; }
	done
	python3 - "$TMP" <<'EOF' || fail "shards overlap or miss tables"
import glob, sys
seen = []
for k in range(3):
    tsv = glob.glob(f"{sys.argv[1]}/shard{k}/*/comments.tsv")[0]
    rows = [l.split("\t") for l in open(tsv).read().split("\n")[1:] if l]
    seen += sorted({r[2] for r in rows})
assert len(seen) == 26 and len(set(seen)) == 26, (len(seen), len(set(seen)))
EOF
	"$BIN" generate --connection "$conn" --model offline --shard 3/3 >/dev/null 2>&1; [ $? = 2 ] || fail "bad shard accepted"
}

case_estimate_calls_nothing() {
	local conn
	start_llm est || return 1
	conn=$(sqlite_copy est)
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$TMP/est" \
		--estimate --columns-per-call 12 --price-prompt-per-1k 0.003 --price-completion-per-1k 0.015 \
		>"$TMP/est.out" 2>/dev/null || { fail "estimate failed"; return 1; }
	grep -q 'estimate: 26 tables, 324 columns; [0-9]* LM calls' "$TMP/est.out" || fail "estimate: $(cat "$TMP/est.out")"
	[ ! -s "$LLM_REC" ] || fail "estimate called the LM"
	[ ! -d "$TMP/est" ] || fail "estimate wrote a run folder"
	# the call count is what a real run makes
	local calls; calls=$(sed -n 's/.* \([0-9]*\) LM calls.*/\1/p' "$TMP/est.out")
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$TMP/est2" \
		--columns-per-call 12 -q >/dev/null 2>&1 || fail "run failed"
	[ "$(grep -c '' "$LLM_REC")" = "$calls" ] || fail "estimated $calls calls, made $(grep -c '' "$LLM_REC")"
}

# --estimate renders the optimized path's prompts for the tables on the
# optimized route: calls and prompt tokens match a real run's.
case_estimate_follows_the_rollout() {
	local conn flags calls est real
	start_llm estroll || return 1
	conn=$(sqlite_copy estroll)
	write_program "$TMP/estroll.json" 6
	flags=(--connection "$conn" --model m --api-base "$LLM_URL" --no-cache
	       --scope 'main.patients,main.admissions,main.icustays'
	       --program "$TMP/estroll.json" --rollout-optimized 'main.patients,main.icustays')
	"$BIN" generate "${flags[@]}" --estimate >"$TMP/estroll.out" 2>/dev/null || { fail "estimate"; return 1; }
	calls=$(sed -n 's/.* \([0-9]*\) LM calls.*/\1/p' "$TMP/estroll.out")
	est=$(sed -n 's/.*calls, ~\([0-9]*\) prompt.*/\1/p' "$TMP/estroll.out")
	"$BIN" generate "${flags[@]}" --out "$TMP/estroll" -q >/dev/null 2>&1 || { fail "run"; return 1; }
	[ "$(grep -c '' "$LLM_REC")" = "$calls" ] || fail "estimated $calls calls, made $(grep -c '' "$LLM_REC")"
	real=$(python3 -c "import json; print(json.load(open('$(run_dir "$TMP/estroll")/manifest.json'))['tokens']['prompt'])")
	python3 -c "import sys; e, r = $est, $real; sys.exit(0 if abs(e - r) <= 0.05 * r else 1)" ||
		fail "estimated ~$est prompt tokens, the run sent $real"
}

case_budget_stops_cleanly_then_resumes() {
	local conn out run rc
	start_llm budget || return 1
	conn=$(sqlite_copy budget); out=$TMP/budget
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$out" \
		--budget-max-tokens 20000 --apply >"$TMP/b.out" 2>"$TMP/b.err"; rc=$?
	[ $rc = 1 ] || fail "exit $rc, expected 1"
	grep -q -- '--resume' "$TMP/b.err" || fail "no resume hint: $(tail -2 "$TMP/b.err")"
	run=$(run_dir "$out")
	python3 - "$run" <<'EOF' || fail "budget exceeded"
import json, sys
t = json.load(open(sys.argv[1] + "/manifest.json"))["tokens"]
assert 0 < t["prompt"] + t["completion"] <= 20000, t
EOF
	[ "$(sqlite3 "$TMP/budget.sqlite" "select count(*) from sqlite_master where name = '_metagen_comments'")" = 0 ] \
		|| fail "a budget-stopped run applied DDL"
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$out" \
		--resume "$(basename "$run")" >/dev/null 2>&1 || { fail "resume failed"; return 1; }
	$CHECK agree "$run" --tables 26 --all-proposed >/dev/null || return 1
	$CHECK auto "$run" >/dev/null || return 1
}

case_twenty_percent_faults_correct_or_reported() {
	local conn out rc
	start_llm f20 --fault-rate 0.2 --fault-kinds 429,500,hang,garbage,fence,truncate,reorder,missing \
		--seed 11 --hang-seconds 30 || return 1
	conn=$(sqlite_copy f20); out=$TMP/f20
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$out" \
		--timeout-seconds 2 --max-retries 3 --parse-retries 2 --concurrency 8 --apply \
		>"$TMP/f20.out" 2>"$TMP/f20.err"; rc=$?
	[ $rc = 0 ] || [ $rc = 1 ] || { tail -3 "$TMP/f20.err" >&2; fail "exit $rc (crash?)"; return 1; }
	local run; run=$(run_dir "$out")
	python3 - "$run" "$rc" <<'EOF' || fail "a comment is neither correct nor reported"
import sys
run, rc = sys.argv[1], int(sys.argv[2])
rows = [l.split("\t") for l in open(run + "/comments.tsv", encoding="utf-8").read().split("\n")[1:] if l]
failed = 0
for r in rows:
    name = ".".join(p for p in r[:3] if p)
    status, path, comment, reason = r[8], r[7], r[6], r[9]
    if status == "failed":
        assert reason, f"{name}.{r[3]} failed without a reason"
        failed += 1
    elif path == "offline":
        assert "LM could not answer" in reason, f"{name}.{r[3]}: offline without reason"
    else:
        want = f"Auto comment for {name}.{r[3]}." if r[3] else None
        if want:
            assert comment == want, f"{name}.{r[3]}: {comment!r}"
        assert status == "applied", f"{name}.{r[3]}: {status}"
assert (failed > 0) == (rc == 1), f"exit {rc} with {failed} failed"
EOF
	$CHECK agree "$run" --tables 26 >/dev/null || return 1
}

case_cache_rerun_makes_no_lm_calls() {
	local conn cdir n1 n2 n3 rc
	# the sample is repeatable (the same rows each run), so the same
	# prompt, so the same cache key: the default settings hit the cache
	# one useless answer first: the re-ask must reach the server (the
	# useless answer is not served from the cache) and not be replayed
	cat > "$TMP/cache.json" <<'EOF'
{"tables": {"main.patients": [{"fault": "garbage"}]}}
EOF
	start_llm cache --script "$TMP/cache.json" || return 1
	conn=$(sqlite_copy cache); cdir=$TMP/cachedir
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$TMP/cache1" \
		--scope patients --scope admissions --cache-dir "$cdir" >"$TMP/cache1.stdout" 2>"$TMP/cache1.err"; rc=$?
	[ $rc = 0 ] || { tail -5 "$TMP/cache1.err" >&2; fail "first run exit $rc"; return 1; }
	n1=$(grep -c '' "$LLM_REC")
	[ "$n1" = 3 ] || { fail "first run made $n1 requests, expected 3 (garbage, re-ask, admissions)"; return 1; }
	[ -s "$cdir/cache.sqlite" ] || { fail "no $cdir/cache.sqlite"; return 1; }
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$TMP/cache2" \
		--scope patients --scope admissions --cache-dir "$cdir" >"$TMP/cache2.stdout" 2>"$TMP/cache2.err"; rc=$?
	[ $rc = 0 ] || { tail -5 "$TMP/cache2.err" >&2; fail "second run exit $rc"; return 1; }
	n2=$(grep -c '' "$LLM_REC")
	[ "$n2" = "$n1" ] || { fail "second run made $((n2 - n1)) requests, expected 0"; return 1; }
	grep -q '; 0 LM calls, [1-9][0-9]* cached;' "$TMP/cache2.stdout" || { fail "summary: $(cat "$TMP/cache2.stdout")"; return 1; }
	cmp -s "$(run_dir "$TMP/cache1")/comments.tsv" "$(run_dir "$TMP/cache2")/comments.tsv" \
		|| { fail "comments.tsv differs between the runs"; return 1; }
	[ "$(grep -c '"cache_hit":true' "$(run_dir "$TMP/cache2")/traces.jsonl")" = 2 ] \
		|| { fail "traces of the second run do not say cache_hit"; return 1; }
	[ -s "$(run_dir "$TMP/cache1")/traces.jsonl" ] && ! grep -q '"cache_hit":true' "$(run_dir "$TMP/cache1")/traces.jsonl" \
		|| { fail "first run traced a hit"; return 1; }
	# --no-cache asks the endpoint again
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$TMP/cache3" \
		--scope patients --scope admissions --cache-dir "$cdir" --no-cache >/dev/null 2>&1 \
		|| { fail "--no-cache run failed"; return 1; }
	n3=$(grep -c '' "$LLM_REC")
	[ "$n3" = $((n2 + 2)) ] || { fail "--no-cache run made $((n3 - n2)) requests, expected 2"; return 1; }
	"$BIN" cache stats --cache-dir "$cdir" >"$TMP/cstats.out" 2>&1 || { fail "cache stats failed"; return 1; }
	grep -q '^entries: 2$' "$TMP/cstats.out" || { fail "stats: $(cat "$TMP/cstats.out")"; return 1; }
	grep -q '^hits: 2$' "$TMP/cstats.out" || { fail "stats hits: $(cat "$TMP/cstats.out")"; return 1; }
	"$BIN" cache clear --cache-dir "$cdir" >"$TMP/cclear.out" 2>&1 || { fail "cache clear failed"; return 1; }
	grep -q 'removed 2 cache entries' "$TMP/cclear.out" || { fail "clear: $(cat "$TMP/cclear.out")"; return 1; }
	"$BIN" cache stats --cache-dir "$cdir" | grep -q '^entries: 0$' || { fail "cache not empty after clear"; return 1; }
	"$BIN" cache frobnicate --cache-dir "$cdir" >/dev/null 2>&1; rc=$?
	[ $rc = 2 ] || { fail "unknown cache action exit $rc, expected 2"; return 1; }
}

case_rate_limit_spaces_requests() {
	local conn rc
	start_llm rate || return 1
	conn=$(sqlite_copy rate)
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$TMP/rate" \
		--scope patients --scope admissions --scope services --no-cache \
		--rate-limit-requests-per-minute 60 >/dev/null 2>"$TMP/rate.err"; rc=$?
	[ $rc = 0 ] || { tail -5 "$TMP/rate.err" >&2; fail "exit $rc"; return 1; }
	[ "$(grep -c '' "$LLM_REC")" = 3 ] || { fail "expected 3 requests"; return 1; }
	# 3 requests at 1 per second: the last starts 2 s after the first (the
	# server's clock: its reading of the first may lag on a loaded machine,
	# so 1.7 s; unlimited, they come milliseconds apart)
	python3 - "$LLM_REC" <<'EOF' || fail "requests not spaced"
import json, sys
t = sorted(json.loads(l)["time"] for l in open(sys.argv[1]))
assert t[-1] - t[0] >= 1.7, f"requests {t[-1] - t[0]:.2f} s apart, expected 2 s"
EOF
}

# write_program FILE NFIELDS: a saved comment program in DSPy's layout
# (predictor "comment", custom instructions, one demo); the comment
# signature has 6 fields, so NFIELDS=5 gives a file that does not load.
write_program() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
n = int(sys.argv[2])
fields = [{"prefix": "P%d:" % i, "description": "D%d" % i} for i in range(n)]
demo = {"augmented": True, "table_name": "demo.t",
        "table_data": {"table_name": "demo.t", "columns": ["k"]},
        "column_metadata": {}, "abbreviations": {}, "context": "",
        "comments": {"table": "Demo table.", "columns": ["k"],
                     "column_contents": ["Demo key."]}}
prog = {"comment": {"traces": [], "train": [], "demos": [demo],
                    "signature": {"instructions": "Custom rollout instructions.",
                                  "fields": fields}, "lm": None},
        "metadata": {"dependency_versions": {"python": "3.12", "dspy": "3.0.4",
                                             "cloudpickle": "3.1"}}}
open(sys.argv[1], "w").write(json.dumps(prog, indent=2) + "\n")
EOF
}

# check_paths RUN_DIR OPT_TABLES...: every LM call and comment of the
# named tables is on the optimized path, every other one on legacy.
check_paths() {
	python3 - "$@" <<'EOF'
import json, sys
run, opt = sys.argv[1], set(sys.argv[2:])
tr = [json.loads(l) for l in open(run + "/traces.jsonl")]
assert tr, "no traces"
for t in tr:
    want = "optimized" if t["table"] in opt else "legacy"
    assert t["path"] == want, (t["table"], t["path"])
    if want == "optimized":
        assert "Custom rollout instructions." in t["messages"][0]["content"]
rows = [l.split("\t") for l in open(run + "/comments.tsv", encoding="utf-8").read().split("\n")[1:] if l]
seen = set()
for r in rows:
    name = ".".join(p for p in r[:3] if p)
    seen.add(name)
    want = "optimized" if name in opt else "legacy"
    assert r[7] == want, (name, r[3], r[7])
assert opt <= seen, "optimized tables missing from comments.tsv"
EOF
}

case_rollout_optimized_only_for_matching_tables() {
	local conn out rc
	start_llm roll || return 1
	conn=$(sqlite_copy roll); out=$TMP/roll
	write_program "$TMP/roll.json" 6
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" \
		--scope 'main.patients,main.admissions,main.icustays' \
		--program "$TMP/roll.json" --rollout-optimized 'main.patients' \
		--out "$out" >"$TMP/roll.out" 2>&1; rc=$?
	[ $rc = 0 ] || { cat "$TMP/roll.out" >&2; fail "exit $rc"; return 1; }
	check_paths "$(run_dir "$out")" main.patients || fail "paths"
	# --path legacy turns the rollout off
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" \
		--scope 'main.patients' --program "$TMP/roll.json" \
		--rollout-optimized 'main.*' --path legacy --no-cache \
		--out "$TMP/roll2" >/dev/null 2>&1 || { fail "legacy run"; return 1; }
	check_paths "$(run_dir "$TMP/roll2")" || fail "--path legacy"
}

case_optimized_garbage_falls_back_to_legacy() {
	local conn out rc
	# 2 attempts (parse_retries 1) x (chat + JSON adapter call) = 4
	cat >"$TMP/ofb.json" <<'EOF'
{"tables": {"main.patients": [{"fault": "garbage"}, {"fault": "garbage"},
                              {"fault": "garbage"}, {"fault": "garbage"}]}}
EOF
	start_llm ofb --script "$TMP/ofb.json" || return 1
	conn=$(sqlite_copy ofb); out=$TMP/ofb
	write_program "$TMP/ofb.prog" 6
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" \
		--scope 'main.patients,main.admissions' --parse-retries 1 \
		--program "$TMP/ofb.prog" --rollout-optimized 'main.*' \
		--out "$out" >"$TMP/ofb.out" 2>&1; rc=$?
	[ $rc = 0 ] || { cat "$TMP/ofb.out" >&2; fail "exit $rc"; return 1; }
	python3 - "$(run_dir "$out")" <<'EOF' || fail "fallback"
import json, sys
run = sys.argv[1]
rows = [l.split("\t") for l in open(run + "/comments.tsv", encoding="utf-8").read().split("\n")[1:] if l]
pat = [r for r in rows if r[2] == "patients"]
adm = [r for r in rows if r[2] == "admissions"]
assert pat and adm
for r in pat:
    assert r[7] == "legacy" and r[8] == "proposed", r
    assert "optimized path:" in r[9] and "legacy used" in r[9], r[9]
for r in adm:
    assert r[7] == "optimized" and r[8] == "proposed", r
tr = [json.loads(l) for l in open(run + "/traces.jsonl")]
p = [t["path"] for t in tr if t["table"] == "main.patients"]
assert p == ["optimized"] * 4 + ["legacy"], p
m = json.load(open(run + "/manifest.json"))
assert m["counts"]["optimized_fallbacks"] == len(pat), m["counts"]
EOF
	grep -q 'optimized path' "$TMP/ofb.out" || fail "no warning about the fallback"
}

# A program the run must use (rollout.optimized names tables, or --path
# optimized) that does not load is a configuration error: exit 2 before
# any LM call, the message names the file and the field; with no rollout
# the program is unused and the run goes on (legacy) with a warning.
case_program_load_error_is_config_error() {
	local conn out rc how n
	start_llm badprog || return 1
	conn=$(sqlite_copy badprog); out=$TMP/badprog
	write_program "$TMP/bad.prog" 5
	for how in "--rollout-optimized main.patients" "--path optimized"; do
		# shellcheck disable=SC2086
		"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" \
			--scope 'main.patients,main.admissions' \
			--program "$TMP/bad.prog" $how \
			--out "$out" >"$TMP/badprog.out" 2>&1; rc=$?
		[ $rc = 2 ] || { cat "$TMP/badprog.out" >&2; fail "$how: exit $rc, not 2"; }
		grep -q "bad.prog: predictor 'comment': field 0 (prefix 'P0:'" "$TMP/badprog.out" ||
			{ cat "$TMP/badprog.out" >&2; fail "$how: message does not name the field"; }
	done
	n=$(cat "$LLM_REC" 2>/dev/null | grep -c '')
	[ "$n" = 0 ] || fail "LM called $n times before the error"
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" \
		--scope 'main.patients' --program "$TMP/bad.prog" \
		--out "$out" >"$TMP/badprog.out" 2>&1; rc=$?
	[ $rc = 0 ] || { cat "$TMP/badprog.out" >&2; fail "no rollout: exit $rc"; }
	grep -q 'program did not load' "$TMP/badprog.out" || fail "no warning without rollout"
}

case_postgres_harvest_gold_comments() {
	[ -n "${PGPORT:-}" ] || { fail "no PostgreSQL"; return 1; }
	bash "$ROOT/tests/load_mimic_pg.sh" m3harv "$DATA" --comments || return 1
	"$BIN" harvest --connection "$(pg_conn m3harv)" --scope 'mimiciii.*' \
		--out "$TMP/harv.jsonl" >"$TMP/harv.out" 2>&1 || { cat "$TMP/harv.out" >&2; fail "harvest failed"; return 1; }
	python3 - "$TMP/harv.jsonl" "$DATA/gold_comments.jsonl" <<'EOF' || fail "harvest output"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
gold = {g["table"]: g for g in map(json.loads, open(sys.argv[2], encoding="utf-8"))}
assert len(got) == 26, len(got)
by = {g["table"]: g for g in got}
for t in ["mimiciii.admissions", "mimiciii.patients", "mimiciii.icustays", "mimiciii.d_items"]:
    assert by[t]["table_comment"] == gold[t]["table_comment"], t
    assert by[t]["columns"] == gold[t]["columns"], t
for g in got:
    p = g["profile"]
    assert p["table_name"].endswith(g["table"]) and p["context"] == ""
    assert p["table_data"]["columns"] and "data" in p["table_data"]
    # the answer is not among the inputs
    assert "table_comment" not in p["table_data"]
    assert all("existing_comment" not in m for m in p["column_metadata"].values())
EOF
}

case_harvest_optimize_evaluate_generate() {
	[ -n "${PGPORT:-}" ] || { fail "no PostgreSQL"; return 1; }
	bash "$ROOT/tests/load_mimic_pg.sh" m3opt "$DATA" --comments || return 1
	start_llm opt || return 1
	local gold=$TMP/opt-gold.jsonl prog=$TMP/opt-program.json rc
	"$BIN" harvest --connection "$(pg_conn m3opt)" --out "$gold" >/dev/null 2>&1 \
		|| { fail "harvest failed"; return 1; }
	# train on the tables named a* to d*, evaluate on the others
	python3 - "$gold" <<'EOF' || { fail "cannot split the gold file"; return 1; }
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 26, len(lines)
tr = [l for l in lines if json.loads(l)["table"].split(".")[-1][0] in "abcd"]
dv = [l for l in lines if l not in tr]
open(sys.argv[1] + ".train", "w").write("\n".join(tr) + "\n")
open(sys.argv[1] + ".dev", "w").write("\n".join(dv) + "\n")
EOF
	"$BIN" optimize --trainset "$gold.train" --devset "$gold.dev" --optimizer bootstrap \
		--out "$prog" --model m --api-base "$LLM_URL" --no-cache >"$TMP/opt.out" 2>&1; rc=$?
	[ $rc = 0 ] || { cat "$TMP/opt.out" >&2; fail "optimize exit $rc"; return 1; }
	python3 - "$TMP/opt.out" "$prog" <<'EOF' || { fail "optimize output or program file wrong"; return 1; }
import json, re, sys
out = open(sys.argv[1]).read()
est = int(re.search(r"at most (\d+) LM calls", out).group(1))
made = int(re.search(r"(\d+) LM calls made", out).group(1))
assert 0 < made <= est, (made, est)
# --devset is honoured by bootstrap too: a real dev score, not -1.00
dev = re.search(r"dev score (-?[\d.]+) \(zero-shot (-?[\d.]+)\)", out)
assert dev and float(dev.group(1)) >= 0 and float(dev.group(2)) >= 0, out
p = json.load(open(sys.argv[2]))
c = p["comment"]
assert set(c) == {"traces", "train", "demos", "signature", "lm"}, set(c)
assert len(c["signature"]["fields"]) == 6
assert any(d.get("augmented") for d in c["demos"]), "no bootstrapped demo"
assert p["metadata"]["metagen"]["lm_calls_made"] == made
EOF
	"$BIN" evaluate --devset "$gold.dev" --program "$prog" --model m --api-base "$LLM_URL" \
		--no-cache >"$TMP/eval.out" 2>&1 || { cat "$TMP/eval.out" >&2; fail "evaluate failed"; return 1; }
	grep -q '^overall ([0-9]* tables): legacy [0-9.]*, optimized [0-9.]*' "$TMP/eval.out" \
		|| fail "no overall line: $(tail -2 "$TMP/eval.out")"
	# the compiled program drives generate's optimized path
	"$BIN" generate --connection "$(pg_conn m3opt)" --model m --api-base "$LLM_URL" --out "$TMP/optgen" \
		--program "$prog" --rollout-optimized 'mimiciii.patients' --scope patients --scope services \
		--overwrite >/dev/null 2>&1 || { fail "generate with the program failed"; return 1; }
	local run; run=$(run_dir "$TMP/optgen")
	[ "$($CHECK field "$run" patients gender path)" = optimized ] || fail "patients not optimized"
	[ "$($CHECK field "$run" services curr_service path)" = legacy ] || fail "services not legacy"
	$CHECK auto "$run" >/dev/null || return 1
}

# more cases, one file per theme
for f in "$ROOT"/tests/integration/cases_*.sh; do
	# shellcheck source=/dev/null
	. "$f"
done

# --- runner ----------------------------------------------------------------
cases=$(declare -F | awk '{print $3}' | grep '^case_')
[ $# -gt 0 ] && cases="$*"
passed=0; failed=0; skipped=0
for c in $cases; do
	start=$(date +%s%N)
	# each case runs in a subshell: it stops its own test servers, and
	# gets its own LM answer cache (cases that count requests or script
	# faults must not see another case's answers)
	rm -f "$TMP"/skip.*
	if ( FAILED=0; export METAGEN_CACHE_DIR=$TMP/cache-$c
	     trap 'for p in "${LLM_PIDS[@]}"; do kill "$p" 2>/dev/null; done' EXIT
	     $c; rc=$?; [ "$FAILED" = 0 ] && [ $rc = 0 ] ); then
		if compgen -G "$TMP/skip.*" >/dev/null; then
			skipped=$((skipped + 1)); status="skipped ($(cat "$TMP"/skip.* | head -1))"
		else
			passed=$((passed + 1)); status=ok
		fi
	else
		failed=$((failed + 1)); status=FAILED
	fi
	printf '  %-55s %s (%s s)\n' "$c" "$status" \
		"$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN{printf "%.1f", (b-a)/1e9}')"
done
echo "integration: $passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
