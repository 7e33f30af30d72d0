# cases_dspy.sh - DSPy depth (issue 13): one request path.
# shellcheck shell=bash

# The JSONAdapter fallback of generate's optimized path sends the request
# evaluate (mgen_predict, as optimize) sends for the same table: same
# messages, same response_format ({"type": "json_object"}), captured by
# the test server. Every ChatAdapter request is answered with garbage, so
# both fall back.
case_fallback_request_equals_evaluate_request() {
	[ -n "${PGPORT:-}" ] || { fail "no PostgreSQL"; return 1; }
	bash "$ROOT/tests/load_mimic_pg.sh" m3req "$DATA" --comments || return 1
	cat >"$TMP/req.json" <<'EOF2'
{"rules": [{"when_all": ["Respond with the corresponding output fields"],
            "fault": "garbage"}]}
EOF2
	start_llm req --script "$TMP/req.json" || return 1
	local gold=$TMP/req-gold.jsonl prog=$TMP/req-prog.json rc
	"$BIN" harvest --connection "$(pg_conn m3req)" --scope 'mimiciii.patients' \
		--out "$gold" >"$TMP/req-harv.out" 2>&1 || { cat "$TMP/req-harv.out" >&2; fail "harvest failed"; return 1; }
	write_program "$prog" 6
	"$BIN" evaluate --devset "$gold" --program "$prog" --model m --api-base "$LLM_URL" \
		--no-cache >"$TMP/req-eval.out" 2>&1 || { cat "$TMP/req-eval.out" >&2; fail "evaluate failed"; return 1; }
	cp "$LLM_REC" "$TMP/req-eval.rec"
	: >"$LLM_REC"
	# the same table without its comments (the gold is not an input)
	psql -q -At -v ON_ERROR_STOP=1 -d m3req -c "SELECT 'COMMENT ON TABLE mimiciii.patients IS NULL;' UNION ALL
		SELECT format('COMMENT ON COLUMN mimiciii.patients.%I IS NULL;', attname) FROM pg_attribute
		WHERE attrelid = 'mimiciii.patients'::regclass AND attnum > 0 AND NOT attisdropped" \
		| psql -q -v ON_ERROR_STOP=1 -d m3req >/dev/null || { fail "cannot drop the comments"; return 1; }
	"$BIN" generate --connection "$(pg_conn m3req)" --model m --api-base "$LLM_URL" \
		--out "$TMP/reqgen" --program "$prog" --path optimized --scope patients \
		--no-cache --overwrite >"$TMP/req-gen.out" 2>&1; rc=$?
	[ $rc = 0 ] || { cat "$TMP/req-gen.out" >&2; fail "generate exit $rc"; return 1; }
	python3 - "$TMP/req-eval.rec" "$LLM_REC" <<'EOF2' || fail "requests differ"
import json, sys
def fallback(path):
    reqs = [json.loads(l)["body"] for l in open(path) if l.strip()]
    js = [r for r in reqs if "response_format" in r or
          "Respond with a JSON object" in r["messages"][-1]["content"]]
    assert js, "no JSONAdapter request in " + path
    return js[0]
ev, gen = fallback(sys.argv[1]), fallback(sys.argv[2])
assert gen.get("response_format") == {"type": "json_object"}, gen.get("response_format")
assert ev.get("response_format") == gen.get("response_format")
for a, b in zip(ev["messages"], gen["messages"]):
    for x, y in zip(a["content"].split("[[ ## "), b["content"].split("[[ ## ")):
        if x != y:
            i = next(k for k in range(min(len(x), len(y))) if x[k] != y[k])
            print("evaluate: ..." + x[max(0, i - 80):i + 80])
            print("generate: ..." + y[max(0, i - 80):i + 80])
assert ev["messages"] == gen["messages"], "messages differ"
EOF2
}

# optimize's settings reach the optimizer: LabeledFewShot --k/--seed (same
# seed, same demos), BootstrapFewShot's demo caps; calls made <= the
# printed bound; a bad value is a usage error naming the flag.
case_optimize_settings_reach_the_optimizer() {
	[ -n "${PGPORT:-}" ] || { fail "no PostgreSQL"; return 1; }
	bash "$ROOT/tests/load_mimic_pg.sh" m3set "$DATA" --comments || return 1
	start_llm oset || return 1
	local gold=$TMP/oset-gold.jsonl rc o
	"$BIN" harvest --connection "$(pg_conn m3set)" --out "$gold" >"$TMP/oset-h.out" 2>&1 \
		|| { cat "$TMP/oset-h.out" >&2; fail "harvest failed"; return 1; }
	for o in a b; do
		"$BIN" optimize --trainset "$gold" --optimizer labeled --k 3 --seed 5 \
			--out "$TMP/oset-$o.json" --model m --api-base "$LLM_URL" \
			>"$TMP/oset-$o.out" 2>&1 || { cat "$TMP/oset-$o.out" >&2; fail "labeled exit"; return 1; }
	done
	"$BIN" optimize --trainset "$gold" --optimizer bootstrap --max-bootstrapped-demos 1 \
		--max-labeled-demos 2 --out "$TMP/oset-c.json" --model m --api-base "$LLM_URL" \
		>"$TMP/oset-c.out" 2>&1 || { cat "$TMP/oset-c.out" >&2; fail "bootstrap exit"; return 1; }
	python3 - "$TMP" <<'EOF2' || fail "settings not applied"
import json, re, sys
t = sys.argv[1]
demos = lambda o: json.load(open("%s/oset-%s.json" % (t, o)))["comment"]["demos"]
a, b, c = demos("a"), demos("b"), demos("c")
assert len(a) == 3 and a == b, (len(a), len(b))
assert 1 <= len(c) <= 2 and sum(1 for d in c if d.get("augmented")) <= 1, c
for o in "abc":
    out = open("%s/oset-%s.out" % (t, o)).read()
    est = int(re.search(r"at most (\d+) LM calls", out).group(1))
    made = int(re.search(r"(\d+) LM calls made", out).group(1))
    assert made <= est, (o, made, est)
    print("    %s: %d LM calls made, bound %d" % (o, made, est))
EOF2
	"$BIN" optimize --trainset "$gold" --out "$TMP/x.json" --model m --api-base "$LLM_URL" \
		--max-rounds -1 >"$TMP/oset-bad.out" 2>&1; rc=$?
	[ $rc = 2 ] || fail "bad --max-rounds: exit $rc"
	grep -q -- "--max-rounds: expected a whole number" "$TMP/oset-bad.out" || fail "no message naming --max-rounds"
}

# The JSONAdapter fallback of the optimized path is built by the one
# request builder from the same inputs as the ChatAdapter call, so it
# carries the table's retrieved context (the signature's context input)
# and its trace names the chunks, as the legacy path's request and trace
# do. Every ChatAdapter request is answered with garbage.
case_fallback_request_carries_retrieved_context() {
	local conn out rc idx=$TMP/fbctx.sqlite
	cat >"$TMP/fbctx.json" <<'EOF2'
{"rules": [{"when_all": ["Respond with the corresponding output fields"],
            "fault": "garbage"}]}
EOF2
	start_llm fbctx --script "$TMP/fbctx.json" || return 1
	conn=$(sqlite_copy fbctx); out=$TMP/fbctxout
	write_program "$TMP/fbctx.prog" 6
	printf 'term,definition\nexpire_flag,"ZQXW marker: 1 when the patient died"\nunrelated_term,never retrieved NVRX\n' >"$TMP/fbctx.csv"
	"$BIN" index add "$TMP/fbctx.csv" --rag-index "$idx" >/dev/null || { fail "index add"; return 1; }
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" \
		--scope 'main.patients' --program "$TMP/fbctx.prog" --path optimized \
		--rag-index "$idx" --no-cache --out "$out" >"$TMP/fbctx.out" 2>&1; rc=$?
	[ $rc = 0 ] || { cat "$TMP/fbctx.out" >&2; fail "exit $rc"; return 1; }
	python3 - "$LLM_REC" "$(run_dir "$out")" <<'PY' || fail "fallback without its context"
import json, sys
reqs = [json.loads(l)["body"] for l in open(sys.argv[1]) if l.strip()]
chat = [r for r in reqs if "response_format" not in r]
js = [r for r in reqs if r.get("response_format") == {"type": "json_object"}]
assert chat and js, (len(chat), len(js))
for r in chat + js:
    text = "\n".join(m["content"] for m in r["messages"])
    assert "ZQXW marker" in text and "NVRX" not in text, text[-300:]
tr = [json.loads(l) for l in open(sys.argv[2] + "/traces.jsonl")]
opt = [t for t in tr if t["kind"] == "comment" and t["path"] == "optimized"]
assert len(opt) == len(chat) + len(js), (len(opt), len(chat), len(js))
for t in opt:
    ctx = t.get("context")
    assert ctx and ctx[0]["glossary"] is True, (t["attempt"], ctx)
PY
}
