# cases_gepa.sh - GEPA (issue 13 item 4): `metagen optimize --optimizer
# gepa` against the scripted test server.
# shellcheck shell=bash

# gepa_sets DIR: (DIR created) a trainset (5 tables) and a devset (3 tables) in the
# harvest layout whose gold comments are the test server's AUTO answers,
# so an answer is right exactly when the server answers AUTO. Table 4 has
# a quote, a backtick and non-ASCII text in its names.
gepa_sets() {
	mkdir -p "$1" && python3 - "$1" <<'EOF2'
import json, sys
d = sys.argv[1]
def table(i, cols):
    t = "cat.sch.t%d" % i
    if i == 4:
        t = 'cat.sch."Tä`b"'
    prof = {"table_name": t,
            "table_data": {"table_name": t, "columns": cols,
                           "index": list(range(2)),
                           "data": [["v%d" % k for k in range(len(cols))]] * 2},
            "column_metadata": {c: {"data_type": "text", "non_null_count": 2,
                                    "distinct_count": 1, "avg_length": 2.0}
                                for c in cols},
            "abbreviations": {}, "context": ""}
    return {"table": t, "table_comment": "Auto comment for table %s." % t,
            "columns": {c: "Auto comment for %s.%s." % (t, c) for c in cols},
            "profile": prof}
with open(d + "/train.jsonl", "w") as f:
    for i in range(5):
        f.write(json.dumps(table(i, ["id", "name_%d" % i, "größe"])) + "\n")
with open(d + "/dev.jsonl", "w") as f:
    for i in range(5, 8):
        f.write(json.dumps(table(i, ["id", "value", "note_%d" % i])) + "\n")
EOF2
}

# The reflection proposes the marker only when its prompt carries the
# comment metric's feedback (a column that failed validation and the gold
# text); every comment request without the marker is answered with its
# last column missing (in the DSPy format, so it parses and fails
# validation). Zero-shot scores 0; GEPA's program must score strictly
# more on the devset, with the LM calls made (counted by the server) <=
# the bound printed before it started; the same seed gives the same
# program.
case_gepa_learns_from_feedback_within_bound() {
	local d=$TMP/gepa rc bound made
	gepa_sets "$d" || { fail "cannot write the sets"; return 1; }
	cat >"$d/script.json" <<'EOF2'
{"rules": [
 {"when_all": ["An assistant was given this instruction",
               "failed validation: missing from answer", "expected \"Auto comment for"],
  "content": "New instruction:\n```\nDescribe the table and EVERY column asked about, naming each once. GEPAMARK\n```"},
 {"when_all": ["An assistant was given this instruction"],
  "content": "```\nWrite comments.\n```"},
 {"when_all": ["[[ ## table_name ## ]]"], "when_none": ["GEPAMARK"],
  "fault": "missing", "dspy_format": true}]}
EOF2
	start_llm gepa --script "$d/script.json" || return 1
	for run in a b; do
		: >"$LLM_REC"
		"$BIN" optimize --trainset "$d/train.jsonl" --devset "$d/dev.jsonl" \
			--optimizer gepa --max-metric-calls 40 --seed 3 --out "$d/prog-$run.json" \
			--model m --api-base "$LLM_URL" --no-cache >"$d/$run.out" 2>"$d/$run.err"; rc=$?
		[ $rc = 0 ] || { cat "$d/$run.out" "$d/$run.err" >&2; fail "gepa exit $rc"; return 1; }
		cp "$LLM_REC" "$d/$run.rec"
	done
	bound=$(sed -n 's/^metagen: gepa on 5 training and 3 dev tables: at most \([0-9]*\) LM calls$/\1/p' "$d/a.out")
	made=$(sed -n 's/^metagen: gepa: \([0-9]*\) LM calls made.*/\1/p' "$d/a.out")
	[ -n "$bound" ] && [ -n "$made" ] || { cat "$d/a.out" >&2; fail "no bound or no calls printed"; return 1; }
	echo "    gepa: $made LM calls made, bound $bound" >&2
	python3 - "$d" "$bound" "$made" <<'EOF2' || fail "gepa result"
import json, re, sys
d, bound, made = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
out = open(d + "/a.out").read()
m = re.search(r"dev score ([0-9.]+) \(zero-shot ([0-9.]+)\)", out)
assert m, out
dev, zero = float(m.group(1)), float(m.group(2))
assert dev > zero, (dev, zero)
assert zero == 0.0 and dev == 100.0, (dev, zero)
# every LM call went to the server and was counted
reqs = [json.loads(l) for l in open(d + "/a.rec") if l.strip()]
assert len(reqs) == made <= bound, (len(reqs), made, bound)
# 40 metric calls x 2 (JSON fallback) + (40 - 6 - 3) // 3 reflections
assert bound == 2 * 40 + 10, bound
refl = [r for r in reqs if "An assistant was given this instruction"
        in r["body"]["messages"][-1]["content"]]
assert refl, "no reflection call"
first = refl[0]["body"]
text = first["messages"][-1]["content"]
assert "failed validation: missing from answer" in text, text[:2000]
assert first.get("temperature") == 1.0, first.get("temperature")
p = json.load(open(d + "/prog-a.json"))
assert "GEPAMARK" in p["comment"]["signature"]["instructions"], p["comment"]["signature"]["instructions"]
assert p["comment"]["demos"] == []
meta = p["metadata"]["metagen"]
assert meta["optimizer"] == "gepa", meta
assert open(d + "/prog-a.json").read() == open(d + "/prog-b.json").read(), "same seed, different program"
assert len([l for l in open(d + "/b.rec") if l.strip()]) == made
EOF2
}

# Budget flags: a budget that cannot score the devset once, a bad number,
# an oversized minibatch and an unknown level are usage errors (exit 2)
# before any LM call; --auto's bound is DSPy's auto_budget.
case_gepa_budget_flags() {
	local d=$TMP/gepab rc
	gepa_sets "$d" || { fail "cannot write the sets"; return 1; }
	start_llm gepab || return 1
	run_gepa() {
		"$BIN" optimize --trainset "$d/train.jsonl" --devset "$d/dev.jsonl" \
			--optimizer gepa --out "$d/p.json" --model m --api-base "$LLM_URL" \
			--no-cache "$@" >"$d/o.out" 2>"$d/o.err"
	}
	run_gepa --max-metric-calls 2; rc=$?
	[ $rc = 2 ] || fail "budget below the devset: exit $rc"
	grep -q -- '--max-metric-calls 2 cannot score the 3 dev tables' "$d/o.err" || fail "message: $(cat "$d/o.err")"
	run_gepa --max-metric-calls 12x; rc=$?
	[ $rc = 2 ] && grep -q -- '--max-metric-calls' "$d/o.err" || fail "bad number: exit $rc"
	run_gepa --reflection-minibatch-size 65; rc=$?
	[ $rc = 2 ] && grep -q -- '--reflection-minibatch-size' "$d/o.err" || fail "minibatch 65: exit $rc"
	run_gepa --auto extreme; rc=$?
	[ $rc = 2 ] && grep -q -- '--auto' "$d/o.err" || fail "--auto extreme: exit $rc"
	[ ! -s "$LLM_REC" ] || fail "an LM call was made by a refused run"
	# light: 4V + 380 metric calls (V = 3) x 2 + (392 - 6 - 3) / 3
	run_gepa --auto light --max-metric-calls 0; rc=$?
	[ $rc = 0 ] || { cat "$d/o.err" >&2; fail "auto light exit $rc"; return 1; }
	grep -q 'at most 911 LM calls' "$d/o.out" || fail "light bound: $(head -1 "$d/o.out")"
	python3 - "$d/o.out" "$LLM_REC" <<'EOF2' || fail "auto light calls"
import re, sys
out = open(sys.argv[1]).read()
made = int(re.search(r"gepa: (\d+) LM calls made", out).group(1))
n = sum(1 for l in open(sys.argv[2]) if l.strip())
assert made == n <= 911, (made, n)
EOF2
}

# --chain-of-thought compiles dspy.ChainOfThought: the program is saved as
# DSPy saves one ("comment.predict", a reasoning field before comments),
# evaluate loads it and asks for the reasoning, GEPA evolves its
# instruction; evaluate refuses the flag (it is a compile choice).
case_optimize_chain_of_thought() {
	local d=$TMP/cot rc
	gepa_sets "$d" || { fail "cannot write the sets"; return 1; }
	start_llm cot || return 1
	"$BIN" optimize --trainset "$d/train.jsonl" --devset "$d/dev.jsonl" --optimizer labeled \
		--k 2 --chain-of-thought --out "$d/l.json" --model m --api-base "$LLM_URL" \
		--no-cache >"$d/l.out" 2>&1 || { cat "$d/l.out" >&2; fail "labeled cot"; return 1; }
	: >"$LLM_REC"
	"$BIN" evaluate --devset "$d/dev.jsonl" --program "$d/l.json" --model m \
		--api-base "$LLM_URL" --no-cache >"$d/e.out" 2>&1 || { cat "$d/e.out" >&2; fail "evaluate cot"; return 1; }
	grep -q 'overall (3 tables): legacy 100.00, optimized 100.00' "$d/e.out" || fail "evaluate: $(tail -1 "$d/e.out")"
	"$BIN" optimize --trainset "$d/train.jsonl" --devset "$d/dev.jsonl" --optimizer gepa \
		--max-metric-calls 20 --chain-of-thought --out "$d/g.json" --model m \
		--api-base "$LLM_URL" --no-cache >"$d/g.out" 2>&1 || { cat "$d/g.out" >&2; fail "gepa cot"; return 1; }
	python3 - "$d" "$LLM_REC" <<'EOF2' || fail "chain of thought"
import json, sys
d, rec = sys.argv[1], sys.argv[2]
for f in ("l", "g"):
    p = json.load(open("%s/%s.json" % (d, f)))
    assert list(p) == ["comment.predict", "merge", "metadata"], list(p)
    fields = p["comment.predict"]["signature"]["fields"]
    assert len(fields) == 7 and fields[5]["description"] == "${reasoning}", fields[5]
    assert fields[6]["description"] != "${reasoning}"
# evaluate's optimized requests ask for reasoning, then comments
reqs = [json.loads(l)["body"] for l in open(rec) if l.strip()]
opt = [r for r in reqs if "Your output fields are:" in r["messages"][0]["content"]]
assert opt, "no optimized request"
sysmsg = opt[0]["messages"][0]["content"]
assert sysmsg.index("1. `reasoning` (str)") < sysmsg.index("2. `comments`"), sysmsg
EOF2
	"$BIN" evaluate --devset "$d/dev.jsonl" --program "$d/l.json" --chain-of-thought \
		--model m --api-base "$LLM_URL" >"$d/x.out" 2>&1; rc=$?
	[ $rc = 2 ] && grep -q 'compile choice' "$d/x.out" || fail "evaluate --chain-of-thought: exit $rc"
}
