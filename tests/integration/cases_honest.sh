# cases_honest.sh - integration cases for honest outcomes, sourced by
# run.sh (its helpers and variables are in scope): the LM preflight, the
# reasons of failed columns and tables, the summary line.

# --- the preflight: nothing profiled, nothing written on failure -----------

# preflight_refused NAME RUN_ARGS... : generate exits 2, writes no run
# folder and sends no chat request about a table; stderr in $TMP/NAME.err
preflight_refused() {
	local name=$1 rc; shift
	"$BIN" generate --connection "$(sqlite_copy "$name")" --scope patients \
		--out "$TMP/$name" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"; rc=$?
	[ $rc = 2 ] || { fail "$name: exit $rc, expected 2: $(cat "$TMP/$name.err")"; return 1; }
	[ ! -e "$TMP/$name" ] || fail "$name: wrote $TMP/$name"
	if [ -n "${LLM_REC:-}" ] && [ -e "$LLM_REC" ]; then
		! grep -q '"kind": "comment"' "$LLM_REC" || fail "$name: a table was asked about"
	fi
	[ ! -s "$TMP/$name.out" ] || fail "$name: printed a summary: $(cat "$TMP/$name.out")"
}

case_preflight_unreachable_endpoint_exit_2() {
	unset LLM_REC
	preflight_refused pfdown --model m --api-base http://127.0.0.1:9/v1 || return 1
	grep -q 'lm endpoint http://127.0.0.1:9/v1/models is not reachable' "$TMP/pfdown.err" \
		|| fail "message: $(cat "$TMP/pfdown.err")"
}

case_preflight_missing_key_names_the_variable() {
	unset LLM_REC
	env -u OPENAI_API_KEY -u METAGEN_API_KEY "$BIN" generate --connection "$(sqlite_copy pfkey)" \
		--model openai/gpt-4o-mini --out "$TMP/pfkey" >/dev/null 2>"$TMP/pfkey.err"; local rc=$?
	[ $rc = 2 ] || fail "openai: exit $rc"
	grep -q 'set OPENAI_API_KEY' "$TMP/pfkey.err" || fail "openai: $(cat "$TMP/pfkey.err")"
	env -u DATABRICKS_TOKEN -u METAGEN_API_KEY DATABRICKS_HOST=127.0.0.1:9 "$BIN" generate \
		--connection "$(sqlite_copy pfkey2)" --model databricks/my-endpoint \
		--out "$TMP/pfkey2" >/dev/null 2>"$TMP/pfkey2.err"; rc=$?
	[ $rc = 2 ] || fail "databricks: exit $rc"
	grep -q 'set DATABRICKS_TOKEN' "$TMP/pfkey2.err" || fail "databricks: $(cat "$TMP/pfkey2.err")"
	[ ! -e "$TMP/pfkey" ] && [ ! -e "$TMP/pfkey2" ] || fail "a run folder was written"
}

case_preflight_refused_key_and_no_key() {
	start_llm pfauth --require-key right-key || return 1
	METAGEN_API_KEY=wrong-key-PF preflight_refused pfauth --model m --api-base "$LLM_URL" || return 1
	grep -q 'refused the key (HTTP 401: invalid api key); check METAGEN_API_KEY' "$TMP/pfauth.err" \
		|| fail "wrong key: $(cat "$TMP/pfauth.err")"
	! grep -q wrong-key-PF "$TMP/pfauth.err" || fail "the key is in the message"
	preflight_refused pfauth2 --model m --api-base "$LLM_URL" || return 1
	grep -q 'request without a key (HTTP 401' "$TMP/pfauth2.err" || fail "no key: $(cat "$TMP/pfauth2.err")"
	[ ! -s "$LLM_REC" ] || fail "a chat request was made"
}

# /models lists other models; the one-token chat request says 404: the
# run stops with the provider's own message and the listed models
case_preflight_unknown_model_exit_2() {
	cat > "$TMP/pfmodel.json" <<'EOF2'
{"default": [{"fault": "404"}]}
EOF2
	start_llm pfmodel --script "$TMP/pfmodel.json" --models alpha,beta || return 1
	preflight_refused pfmodel --model gamma --api-base "$LLM_URL" || return 1
	grep -q "model 'gamma' is not available at .*HTTP 404: The model \`gamma\` does not exist (its model list names: alpha, beta)" \
		"$TMP/pfmodel.err" || fail "message: $(cat "$TMP/pfmodel.err")"
	[ "$(grep -c '' "$LLM_REC")" = 1 ] || fail "expected 1 one-token request"
	python3 -c "import json,sys; b=json.loads(open(sys.argv[1]).readline())['body']; assert b['max_tokens'] == 1, b" \
		"$LLM_REC" || fail "the check asked for more than one token"
}

# no /models route (Databricks serving endpoints): one token decides;
# a 200 that carries {"error": ...} keeps the provider's message
case_preflight_without_models_route() {
	start_llm pfroute --models-fault 404 || return 1
	"$BIN" generate --connection "$(sqlite_copy pfroute)" --scope patients --model m \
		--api-base "$LLM_URL" --out "$TMP/pfroute" >"$TMP/pfroute.out" 2>"$TMP/pfroute.err" \
		|| { fail "exit $?: $(cat "$TMP/pfroute.err")"; return 1; }
	[ "$(grep -c '"kind": "other"' "$LLM_REC")" = 1 ] || fail "not one preflight request"
	cat > "$TMP/pf200.json" <<'EOF2'
{"default": [{"fault": "error200"}]}
EOF2
	start_llm pf200 --script "$TMP/pf200.json" --models-fault 404 || return 1
	preflight_refused pf200 --model m --api-base "$LLM_URL" || return 1
	grep -q 'upstream provider failed (injected)' "$TMP/pf200.err" || fail "message: $(cat "$TMP/pf200.err")"
}

case_preflight_skipped_offline_and_estimate() {
	"$BIN" generate --connection "$(sqlite_copy pfoff)" --scope patients --model offline \
		--api-base http://127.0.0.1:9/v1 --out "$TMP/pfoff" >/dev/null 2>&1 || fail "offline run"
	"$BIN" generate --connection "$(sqlite_copy pfest)" --scope patients --model m \
		--api-base http://127.0.0.1:9/v1 --estimate >/dev/null 2>&1 || fail "--estimate needs no endpoint"
}

# --- reasons -----------------------------------------------------------------

# a 200 {"error": ...} during the run: each column names itself and keeps
# the provider's message; the table's reason is the cause
case_failed_columns_name_the_column_and_cause() {
	cat > "$TMP/why.json" <<'EOF2'
{"tables": {"main.services": [{"fault": "error200"}, {"fault": "error200"}, {"fault": "error200"}],
            "main.patients": [{"fault": "missing"}, {"fault": "missing"}, {"fault": "missing"}]}}
EOF2
	start_llm why --script "$TMP/why.json" || return 1
	local conn; conn=$(sqlite_copy why)
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$TMP/why" \
		--scope services --scope patients >"$TMP/why.out" 2>"$TMP/why.err"; local rc=$?
	[ $rc = 1 ] || fail "exit $rc, expected 1"
	local run; run=$(run_dir "$TMP/why")
	local r; r=$($CHECK field "$run" services curr_service reason)
	case "$r" in 'column "curr_service": '*'HTTP 200 with an error: upstream provider failed (injected)'*) ;;
		*) fail "services column reason: $r" ;; esac
	r=$($CHECK field "$run" services "" reason)
	case "$r" in *'upstream provider failed (injected)'*) ;; *) fail "services table reason: $r" ;; esac
	# patients: the last column was missing from every answer, the others came
	r=$($CHECK field "$run" patients expire_flag reason)
	case "$r" in 'column "expire_flag": '*) ;; *) fail "patients column reason: $r" ;; esac
	[ "$($CHECK field "$run" patients gender status)" = proposed ] || fail "gender not proposed"
	grep -q 'failed: main.patients.expire_flag: column "expire_flag"' "$TMP/why.err" || fail "stderr: $(cat "$TMP/why.err")"
}

# --- the summary line ----------------------------------------------------------

case_summary_line_fits_80_columns_and_counts_right() {
	start_llm sum || return 1
	local conn; conn=$(sqlite_copy sum)
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$TMP/sum" \
		--scope patients >"$TMP/sum.out" 2>"$TMP/sum.err" || { fail "exit $?"; return 1; }
	[ "$(grep -c '' "$TMP/sum.out")" = 1 ] || fail "not one line: $(cat "$TMP/sum.out")"
	grep -q '^1 table (1 ok, 0 failed), 8 columns; 9 proposed; 1 LM call; [0-9.]* s$' "$TMP/sum.out" \
		|| fail "summary: $(cat "$TMP/sum.out")"
	"$BIN" generate --connection "$conn" --model offline --out "$TMP/sum2" >"$TMP/sum2.out" 2>/dev/null \
		|| fail "offline run"
	grep -q '^26 tables (26 ok, 0 failed), 324 columns; 350 proposed; 0 LM calls' "$TMP/sum2.out" \
		|| fail "summary: $(cat "$TMP/sum2.out")"
	local f
	for f in "$TMP/sum.out" "$TMP/sum2.out"; do
		[ "$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$f")" -le 80 ] \
			|| fail "wider than 80 columns: $(cat "$f")"
	done
	# a wide case: failures and the fallback in one line, still <= 80
	cat > "$TMP/sum3.json" <<'EOF2'
{"tables": {"main.patients": [{"fault": "500"}, {"fault": "500"}],
            "main.admissions": [{"fault": "garbage"}, {"fault": "garbage"}, {"fault": "garbage"}]}}
EOF2
	start_llm sum3 --script "$TMP/sum3.json" || return 1
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$TMP/sum3" --no-cache \
		--max-retries 1 --offline-fallback true --scope patients --scope admissions --scope services \
		>"$TMP/sum3.out" 2>/dev/null; local rc=$?
	[ $rc = 1 ] || fail "exit $rc, expected 1"
	grep -q '^3 tables (2 ok, 1 failed), [0-9]* columns; .*failed, 9 from the offline fallback' "$TMP/sum3.out" \
		|| fail "summary: $(cat "$TMP/sum3.out")"
	[ "$(awk '{ print length($0) }' "$TMP/sum3.out")" -le 80 ] || fail "wider than 80: $(cat "$TMP/sum3.out")"
	python3 - "$(run_dir "$TMP/sum3")" <<'EOF2' || fail "manifest counts"
import json, sys
c = json.load(open(sys.argv[1] + "/manifest.json"))["counts"]
assert c["offline_fallback"] == 9, c
EOF2
}

# make demo --apply works on a copy: no tracked file changes
case_demo_apply_changes_no_tracked_file() {
	local before after
	before=$(sha256sum "$ROOT/examples/mimic3_demo_small.sqlite" | cut -d' ' -f1)
	env -u METAGEN_API_BASE -u DATABRICKS_HOST -u OPENAI_API_KEY \
		bash "$ROOT/examples/demo.sh" --apply -q >"$TMP/demo.out" 2>"$TMP/demo.err" \
		|| { fail "demo --apply: $(cat "$TMP/demo.err")"; return 1; }
	after=$(sha256sum "$ROOT/examples/mimic3_demo_small.sqlite" | cut -d' ' -f1)
	[ "$before" = "$after" ] || fail "examples/mimic3_demo_small.sqlite changed"
	[ "$(sqlite3 "$ROOT/out/demo.sqlite" "select count(*) from _metagen_comments")" -gt 0 ] \
		|| fail "the copy got no comments"
}

# optimize and evaluate check the endpoint as generate does: an unreachable
# LM exits 2 naming the URL before any example is read (evaluate used to
# print every score as 0.00 and exit 0).
case_optimize_evaluate_unreachable_endpoint_exit_2() {
	local cmd rc d=$TMP/pfopt
	gepa_sets "$d" || { fail "cannot write the example sets"; return 1; }
	for cmd in "optimize --trainset $d/train.jsonl --devset $d/dev.jsonl --out $d/p.json" \
		"evaluate --devset $d/dev.jsonl"; do
		# shellcheck disable=SC2086
		"$BIN" $cmd --model m --api-base http://127.0.0.1:9/v1 >"$TMP/pfopt.out" \
			2>"$TMP/pfopt.err"; rc=$?
		[ $rc = 2 ] || { fail "${cmd%% *}: exit $rc: $(cat "$TMP/pfopt.out" "$TMP/pfopt.err")"; return 1; }
		grep -q 'lm endpoint http://127.0.0.1:9/v1/models is not reachable' "$TMP/pfopt.err" \
			|| { fail "${cmd%% *}: message: $(cat "$TMP/pfopt.err")"; return 1; }
		grep -q 'score' "$TMP/pfopt.out" && { fail "${cmd%% *}: printed scores"; return 1; }
	done
	[ ! -e "$d/p.json" ] || fail "optimize wrote a program"
}

# The LM client keeps its connections: one worker's calls reuse the
# connection the first call opened (the test server records each
# request's client port); a call that failed (HTTP 500) gives its connection up, so
# the next one comes from a new port.
case_lm_calls_reuse_the_connection() {
	local conn
	cat >"$TMP/reuse.json" <<'EOF2'
{"tables": {"main.patients": [{"fault": "500"}]}}
EOF2
	start_llm reuse --script "$TMP/reuse.json" || return 1
	conn=$(sqlite_copy reuse)
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$TMP/reuse" \
		--no-cache --concurrency 1 --max-retries 0 --scope admissions --scope services \
		--scope icustays --scope patients --scope transfers >/dev/null 2>"$TMP/reuse.err"
	python3 - "$LLM_REC" <<'EOF2' || fail "connections: $(cat "$TMP/reuse.err" | tail -3)"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
calls = [(r["table"], r["client_port"], r["fault"]) for r in reqs if r["kind"] == "comment"]
assert len(calls) >= 5, calls
ports = [p for _, p, _ in calls]
# calls before the failed one share one connection ...
i = next(k for k, c in enumerate(calls) if c[2] == "500")
assert i >= 2 and len(set(ports[:i + 1])) == 1, calls
# ... and the call after it opens a new one, then keeps it
assert ports[i + 1] != ports[i] and len(set(ports[i + 1:])) == 1, calls
EOF2
}
