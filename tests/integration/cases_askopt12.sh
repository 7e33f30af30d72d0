# cases_askopt12.sh - issue 12: the ask program compiled by every
# optimizer from a QA set (`metagen optimize --program ask`), and scored
# with the QA metric (`metagen evaluate --program ask`), driving the real
# binary against the test LM (tests/server/fake_llm.py, its requests
# recorded and counted) and an index built with `metagen index add`.
# Sourced by run.sh (uses BIN, TMP, fail, start_llm).
# shellcheck shell=bash

ASKOPT_TABLES="admissions patients icustays services transfers callout chartevents labevents prescriptions"

# askopt_index DIR: nine one-chunk documents, each saying its table
# "holds one row per stay", indexed into DIR/ask.idx.
askopt_index() {
	local t
	mkdir -p "$1/docs" || return 1
	for t in $ASKOPT_TABLES; do
		printf '# %s\nThe %s table holds one row per stay. It is part of the hospital data.\n' \
			"$t" "$t" >"$1/docs/$t.md"
	done
	"$BIN" index add "$1/docs" --rag-index "$1/ask.idx" >/dev/null || { fail "index add"; return 1; }
}

# askopt_sets DIR: train.jsonl (6 questions carrying TRAINMARK: the test
# LM answers right only when a prompt holds it, i.e. with a demo from
# the trainset), plain.jsonl (the same without the mark: only an
# instruction can help) and dev.jsonl (3 other tables, no mark). Every
# gold answer is "It holds one row per stay."
askopt_sets() {
	python3 - "$1" "$ASKOPT_TABLES" <<'EOF'
import json, sys
d, tabs = sys.argv[1], sys.argv[2].split()
def w(name, rows):
    with open(d + "/" + name, "w") as f:
        for q in rows:
            f.write(json.dumps({"question": q, "answer": "It holds one row per stay."}) + "\n")
w("train.jsonl", ["TRAINMARK what does the %s table hold?" % t for t in tabs[:6]])
w("plain.jsonl", ["what does the %s table hold?" % t for t in tabs[:6]])
w("dev.jsonl", ["what does the %s table hold?" % t for t in tabs[6:]])
EOF
}

# The respond predictor answers right (with [1]) when the prompt carries
# TRAINMARK (a demo) or GEPAMARK (GEPA's instruction), else it says it
# does not know; GEPA's reflection proposes GEPAMARK only when it was
# shown the QA metric's feedback ("expected answer: ...").
askopt_script() {
	cat >"$1" <<'EOF'
{"rules": [
 {"when_all": ["An assistant was given this instruction", "expected answer: \"It holds one row per stay.\""],
  "content": "```\nAnswer from the context and cite the passage. GEPAMARK\n```"},
 {"when_all": ["`[[ ## answer ## ]]`", "TRAINMARK"],
  "content": "[[ ## answer ## ]]\nIt holds one row per stay [1].\n\n[[ ## completed ## ]]"},
 {"when_all": ["`[[ ## answer ## ]]`", "GEPAMARK"],
  "content": "[[ ## answer ## ]]\nIt holds one row per stay [1].\n\n[[ ## completed ## ]]"},
 {"when_all": ["`[[ ## answer ## ]]`"],
  "content": "[[ ## answer ## ]]\nI do not know: the indexed documents do not say.\n\n[[ ## completed ## ]]"}
]}
EOF
}

# askopt_run D NAME TRAIN OPTIMIZER [flags...]: optimize into D/NAME.json,
# output D/NAME.out, the requests it made copied to D/NAME.rec.
askopt_run() {
	local d=$1 name=$2 train=$3 opt=$4 rc
	shift 4
	: >"$LLM_REC"
	"$BIN" optimize --program ask --trainset "$d/$train" --devset "$d/dev.jsonl" \
		--optimizer "$opt" --out "$d/$name.json" --rag-index "$d/ask.idx" \
		--model m --api-base "$LLM_URL" --no-cache "$@" >"$d/$name.out" 2>"$d/$name.err"
	rc=$?
	cp "$LLM_REC" "$d/$name.rec"
	[ $rc = 0 ] || { cat "$d/$name.out" "$d/$name.err" >&2; fail "optimize $opt: exit $rc"; return 1; }
}

# Every optimizer compiles the ask program to a strictly better dev score
# than zero-shot (0 -> 100: the dev questions are answered right only with
# a demo or GEPA's instruction), making no more LM calls than the bound it
# printed first (the calls counted by the test LM); the saved program
# has both predictors in DSPy's layout, and `ask --ask-program` and
# `evaluate --program ask` use it.
case_askopt12_optimizers_beat_zero_shot_within_bound() {
	local d=$TMP/askopt opt name train extra p
	askopt_index "$d" && askopt_sets "$d" && askopt_script "$d/script.json" || { fail "setup"; return 1; }
	start_llm askopt --script "$d/script.json" || { fail "llm"; return 1; }
	for opt in labeled bootstrap random-search mipro gepa; do
		name=p-$opt train=train.jsonl extra=()
		case $opt in
		random-search) extra=(--num-candidate-programs 3) ;;
		gepa) train=plain.jsonl extra=(--max-metric-calls 30 --seed 3) ;;
		esac
		askopt_run "$d" "$name" "$train" "$opt" "${extra[@]}" || return 1
		python3 - "$d" "$name" "$opt" <<'EOF' || fail "$opt: result"
import json, re, sys
d, name, opt = sys.argv[1:]
out = open("%s/%s.out" % (d, name)).read()
m = re.search(r"^metagen: (\S+) on the ask program, 6 training and 3 dev questions: at most (\d+) LM calls "
              r"\(rewrite (\d+), prepare (\d+), respond (\d+), judge (\d+)\)$", out, re.M)
assert m, out
bound = int(m.group(2))
assert bound == sum(int(m.group(i)) for i in range(3, 7)), out
assert m.group(3) == m.group(4) == m.group(6) == "0", out  # no history, no judge
made = int(re.search(r"^metagen: \S+: (\d+) LM calls made \(estimate (\d+);", out, re.M).group(1))
reqs = [l for l in open("%s/%s.rec" % (d, name)) if l.strip()]
assert len(reqs) == made <= bound, (len(reqs), made, bound)
dev = re.search(r"dev score ([0-9.]+) \(zero-shot ([0-9.]+)\)", out)
assert float(dev.group(1)) > float(dev.group(2)), out
assert float(dev.group(2)) == 0.0 and float(dev.group(1)) == 100.0, out
p = json.load(open("%s/%s.json" % (d, name)))
assert list(p) == ["rewrite", "respond", "metadata"], list(p)
assert p["metadata"]["metagen"]["lm_calls_made"] == made, p["metadata"]
assert p["metadata"]["metagen"]["lm_calls_estimate"] == bound, p["metadata"]
names = [f["prefix"] for f in p["respond"]["signature"]["fields"]]
assert len(names) == 4, names
if opt == "gepa":
    assert "GEPAMARK" in p["respond"]["signature"]["instructions"]
    assert p["respond"]["demos"] == []
else:
    assert p["respond"]["demos"], "no demo"
    assert all("TRAINMARK" in x["question"] and x["context"].startswith("[1] \u00ab")
               for x in p["respond"]["demos"]), p["respond"]["demos"][0]
print("    ask program, %s: %d LM calls made, bound %d" % (opt, made, bound), file=sys.stderr)
EOF
	done
	# the compiled program drives `metagen ask` and `evaluate`
	: >"$LLM_REC"
	"$BIN" ask "what does the labevents table hold?" --ask-program "$d/p-bootstrap.json" \
		--rag-index "$d/ask.idx" --model m --api-base "$LLM_URL" --no-cache \
		--memory-connection "$d/mem.sqlite" >"$d/ask.out" || fail "ask with the program"
	grep -qx 'It holds one row per stay \[1\].' "$d/ask.out" || fail "ask answer: $(cat "$d/ask.out")"
	"$BIN" ask "what does the labevents table hold?" --rag-index "$d/ask.idx" --model m \
		--api-base "$LLM_URL" --no-cache --memory-connection "$d/mem.sqlite" >"$d/ask0.out" || fail "ask"
	grep -q '^I do not know' "$d/ask0.out" || fail "zero-shot ask answered: $(cat "$d/ask0.out")"
	for p in p-gepa p-mipro; do
		"$BIN" evaluate --program ask --devset "$d/dev.jsonl" --ask-program "$d/$p.json" \
			--rag-index "$d/ask.idx" --model m --api-base "$LLM_URL" --no-cache >"$d/ev-$p.out" \
			|| { fail "evaluate $p"; continue; }
		grep -q '^ask (3 questions): score 100.00, F1 100.00, citations 100.00, cited 100.00%, judge off; 0 failed; 3 LM calls (at most 6)$' \
			"$d/ev-$p.out" || fail "evaluate $p: $(cat "$d/ev-$p.out")"
	done
	"$BIN" evaluate --program ask --devset "$d/dev.jsonl" --rag-index "$d/ask.idx" --model m \
		--api-base "$LLM_URL" --no-cache >"$d/ev0.out" || fail "evaluate default"
	grep -q '^ask (3 questions): score 0.00, F1 0.00, citations 50.00, cited 0.00%' "$d/ev0.out" \
		|| fail "evaluate default: $(cat "$d/ev0.out")"
}

# The QA figures of `evaluate --program ask --judge` on four scripted
# answers (a valid citation; none though the context held the answer; a
# passage that was not given; a wrong answer), F1 recomputed here with
# SQuAD's own normalisation; the judge answers a number, a hostile 1.5
# and NaN (both unreadable: J = 0, counted). Calls made (counted by the
# test LM) <= the bound printed first.
case_askopt12_evaluate_figures_with_judge() {
	local d=$TMP/askev
	askopt_index "$d" || return 1
	cat >"$d/dev.jsonl" <<'EOF'
{"question": "QCITED what does the labevents table hold?", "answer": "It holds one row per stay."}
{"question": "QUNCITED what does the callout table hold?", "answer": "It holds one row per stay."}
{"question": "QFAKE what does the services table hold?", "answer": "It holds one row per stay."}
{"question": "QWRONG what does the patients table hold?", "answer": "It holds one row per stay."}
EOF
	python3 - "$d/script.json" <<'EOF'
import json, sys
ans = {"QCITED": "It holds one row per stay [1].", "QUNCITED": "It holds one row per stay.",
       "QFAKE": "It holds one row per stay [7].", "QWRONG": "It holds nothing [1]."}
judge = {"QCITED": ("1", "1"), "QUNCITED": ("0.5", "1.0"), "QFAKE": ("1.5", "1"), "QWRONG": ("NaN", "1")}
rules = []
for q, a in ans.items():
    r, p = judge[q]
    rules.append({"when_all": ["`[[ ## recall ## ]]`", q],
                  "content": "[[ ## recall ## ]]\n%s\n\n[[ ## precision ## ]]\n%s\n\n[[ ## completed ## ]]" % (r, p)})
    rules.append({"when_all": ["`[[ ## answer ## ]]`", q],
                  "content": "[[ ## answer ## ]]\n%s\n\n[[ ## completed ## ]]" % a})
json.dump({"rules": rules}, open(sys.argv[1], "w"))
EOF
	start_llm askev --script "$d/script.json" || { fail "llm"; return 1; }
	"$BIN" evaluate --program ask --judge --devset "$d/dev.jsonl" --rag-index "$d/ask.idx" \
		--model m --api-base "$LLM_URL" --no-cache >"$d/ev.out" 2>"$d/ev.err" \
		|| { cat "$d/ev.out" "$d/ev.err" >&2; fail "evaluate"; return 1; }
	python3 - "$d/ev.out" "$LLM_REC" <<'EOF' || fail "evaluate figures"
import re, string, sys
from collections import Counter
def norm(s):  # SQuAD v1.1 normalize_answer
    s = s.lower()
    s = "".join(c for c in s if c not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return s.split()
def f1(gold, pred):
    g, p = norm(gold), norm(pred)
    common = sum((Counter(g) & Counter(p)).values())
    if common == 0:
        return 0.0
    pr, rc = common / len(p), common / len(g)
    return 2 * pr * rc / (pr + rc)
gold = "It holds one row per stay."
# answers without their [n] groups; citation factors; judge J
rows = [("It holds one row per stay .", 1.0, 1.0),
        ("It holds one row per stay.", 0.5, 2 * 0.5 / 1.5),
        ("It holds one row per stay .", 0.0, 0.0),
        ("It holds nothing .", 1.0, 0.0)]
F = [f1(gold, a) for a, _, _ in rows]
S = [c * (f + j) / 2 for f, (_, c, j) in zip(F, rows)]
out = open(sys.argv[1]).read()
m = re.search(r"^ask \(4 questions\): score ([0-9.]+), F1 ([0-9.]+), citations ([0-9.]+), "
              r"cited ([0-9.]+)%, judge ([0-9.]+) \((\d+) unreadable\); (\d+) failed; "
              r"(\d+) LM calls \(at most (\d+)\)$", out, re.M)
assert m, out
got = [float(m.group(i)) for i in range(1, 6)]
want = [round(100 * sum(S) / 4, 2), 100 * sum(F) / 4, 62.5, 50.0, 100 * (1 + 2 / 3) / 4]
assert all(abs(a - b) < 0.006 for a, b in zip(got, want)), (got, want)
assert m.group(6) == "2" and m.group(7) == "0", out
# 4 answers + judge: 1 + 1 + 1 (1.5 parses, then is refused) + 2 (NaN: JSON fallback)
made, bound = int(m.group(8)), int(m.group(9))
reqs = [l for l in open(sys.argv[2]) if l.strip()]
assert made == len(reqs) == 9 and bound == 16, (made, len(reqs), bound)
assert re.search(r"^metagen: evaluating the ask program on 4 questions: at most 16 LM calls$", out, re.M), out
EOF
}

# Training questions with a history compile the rewrite predictor too
# (its metric: the gold answer's share of the context its query
# retrieves, no LM call); preparing the examples asks the compiled
# rewrite once per history example; every part within its bound.
case_askopt12_rewrite_stage() {
	local d=$TMP/askrw
	askopt_index "$d" || return 1
	python3 - "$d" <<'EOF'
import json, sys
d = sys.argv[1]
h = [{"role": "user", "content": "tell me about labevents"},
     {"role": "assistant", "content": "It is a table [1]."}]
with open(d + "/train.jsonl", "w") as f:
    for i in range(4):
        f.write(json.dumps({"question": "TRAINMARK and what does it hold %d?" % i,
                            "answer": "It holds one row per stay.", "history": h}) + "\n")
    f.write(json.dumps({"question": "TRAINMARK what does the callout table hold?",
                        "answer": "It holds one row per stay."}) + "\n")
with open(d + "/dev.jsonl", "w") as f:
    f.write(json.dumps({"question": "and what does it hold?", "answer": "It holds one row per stay.",
                        "history": h}) + "\n")
    f.write(json.dumps({"question": "what does the patients table hold?",
                        "answer": "It holds one row per stay."}) + "\n")
json.dump({"rules": [
 {"when_all": ["`[[ ## search_query ## ]]`"],
  "content": "[[ ## search_query ## ]]\nlabevents table rows\n\n[[ ## completed ## ]]"},
 {"when_all": ["`[[ ## answer ## ]]`", "TRAINMARK"],
  "content": "[[ ## answer ## ]]\nIt holds one row per stay [1].\n\n[[ ## completed ## ]]"},
 {"when_all": ["`[[ ## answer ## ]]`"],
  "content": "[[ ## answer ## ]]\nI do not know: the indexed documents do not say.\n\n[[ ## completed ## ]]"}]},
 open(d + "/script.json", "w"))
EOF
	start_llm askrw --script "$d/script.json" || { fail "llm"; return 1; }
	"$BIN" optimize --program ask --trainset "$d/train.jsonl" --devset "$d/dev.jsonl" \
		--optimizer bootstrap --out "$d/p.json" --rag-index "$d/ask.idx" \
		--model m --api-base "$LLM_URL" --no-cache >"$d/o.out" 2>"$d/o.err" \
		|| { cat "$d/o.out" "$d/o.err" >&2; fail "optimize"; return 1; }
	python3 - "$d" "$LLM_REC" <<'EOF' || fail "rewrite stage"
import json, re, sys
d, rec = sys.argv[1:]
out = open(d + "/o.out").read()
b = re.search(r"at most (\d+) LM calls \(rewrite (\d+), prepare (\d+), respond (\d+), judge (\d+)\)", out)
m = re.search(r"(\d+) LM calls made \(estimate \d+; rewrite (\d+), prepare (\d+), respond (\d+), judge (\d+)\)", out)
assert b and m, out
bound, made = [int(x) for x in b.groups()], [int(x) for x in m.groups()]
# rewrite: bootstrap on 4 history examples, valset = the 1 dev history
# example: 2 * 4 + 2 * 2 * 1; prepare: 2 * (4 + 1); respond: 2 * 5 + 2 * 2 * 2
assert bound == [12 + 10 + 18, 12, 10, 18, 0], bound
assert all(x <= y for x, y in zip(made, bound)), (made, bound)
assert made[0] == sum(made[1:]), made
assert made[2] == 5, made  # one rewrite per history example
reqs = [json.loads(l) for l in open(rec) if l.strip()]
assert len(reqs) == made[0], (len(reqs), made)
p = json.load(open(d + "/p.json"))
rw = p["rewrite"]["demos"]
assert rw and any(x.get("augmented") and x["search_query"] == "labevents table rows" for x in rw), rw
assert p["respond"]["demos"], "no respond demo"
dev = re.search(r"dev score ([0-9.]+) \(zero-shot ([0-9.]+)\)", out)
assert float(dev.group(1)) > float(dev.group(2)), out
EOF
}

# Bad inputs are usage errors (exit 2) naming the place, before any LM
# call: a trainset line, no index, an unknown optimizer, a missing
# program file, a flag of the other program.
case_askopt12_usage_errors() {
	local d=$TMP/askbad rc o
	askopt_index "$d" || return 1
	start_llm askbad || { fail "llm"; return 1; }
	printf '{"question": "q", "answer": "a"}\n{"question": "q2"}\n' >"$d/bad.jsonl"
	printf '{"question": "q", "answer": "a"}\n{"question": "q3", "answer": "b"}\n' >"$d/ok.jsonl"
	o=(--model m --api-base "$LLM_URL" --no-cache)
	"$BIN" optimize --program ask --trainset "$d/bad.jsonl" --out "$d/x.json" \
		--rag-index "$d/ask.idx" "${o[@]}" >/dev/null 2>"$d/e1"; rc=$?
	[ $rc = 2 ] && grep -q "bad.jsonl:2: \"answer\" is missing" "$d/e1" || fail "bad line: exit $rc $(cat "$d/e1")"
	"$BIN" optimize --program ask --trainset "$d/ok.jsonl" --out "$d/x.json" "${o[@]}" \
		--rag-index "$d/none.idx" >/dev/null 2>"$d/e2"; rc=$?
	[ $rc = 2 ] && grep -q "needs a retrieval index" "$d/e2" || fail "no index: exit $rc $(cat "$d/e2")"
	"$BIN" optimize --program ask --trainset "$d/ok.jsonl" --out "$d/x.json" --optimizer nope \
		--rag-index "$d/ask.idx" "${o[@]}" >/dev/null 2>"$d/e3"; rc=$?
	[ $rc = 2 ] && grep -q "expected labeled|bootstrap" "$d/e3" || fail "optimizer: exit $rc"
	"$BIN" evaluate --program ask --devset "$d/ok.jsonl" --ask-program "$d/missing.json" \
		--rag-index "$d/ask.idx" "${o[@]}" >/dev/null 2>"$d/e4"; rc=$?
	[ $rc = 2 ] && grep -q "missing.json" "$d/e4" || fail "missing program: exit $rc $(cat "$d/e4")"
	"$BIN" evaluate --judge --devset "$d/ok.jsonl" --rag-index "$d/ask.idx" "${o[@]}" \
		>/dev/null 2>"$d/e5"; rc=$?
	[ $rc = 2 ] && grep -q -- "--judge needs --program ask" "$d/e5" || fail "--judge alone: exit $rc"
	"$BIN" optimize --program ask --chain-of-thought --trainset "$d/ok.jsonl" --out "$d/x.json" \
		--rag-index "$d/ask.idx" "${o[@]}" >/dev/null 2>"$d/e6"; rc=$?
	[ $rc = 2 ] && grep -q -- "--chain-of-thought does not apply" "$d/e6" || fail "cot: exit $rc"
	[ ! -e "$d/x.json" ] || fail "a program was written"
	[ ! -s "$LLM_REC" ] || fail "an LM call before a usage error"
	return 0
}

# --judge at compile time: the judge's calls are their own part of the
# bound (at most one judged prediction per scored one) and counted by the
# test LM with the rest; without --devset 3 questions of every 10 are
# held out (positions 3, 6, 9).
case_askopt12_compile_with_judge_and_split() {
	local d=$TMP/askj rc
	askopt_index "$d" && askopt_sets "$d" || { fail "setup"; return 1; }
	python3 - "$d" <<'EOF2'
import json, sys
d = sys.argv[1]
rows = [json.loads(l) for l in open(d + "/train.jsonl")] + \
       [json.loads(l) for l in open(d + "/dev.jsonl")]
rows.append({"question": "TRAINMARK what does the admissions table hold again?", "answer": "It holds one row per stay."})
with open(d + "/all.jsonl", "w") as f:
    for r in rows:
        f.write(json.dumps(r) + "\n")
EOF2
	askopt_script "$d/script.json"
	python3 - "$d/script.json" <<'EOF2'
import json, sys
s = json.load(open(sys.argv[1]))
s["rules"].insert(0, {"when_all": ["`[[ ## recall ## ]]`"],
  "content": "[[ ## recall ## ]]\n1\n\n[[ ## precision ## ]]\n0.5\n\n[[ ## completed ## ]]"})
json.dump(s, open(sys.argv[1], "w"))
EOF2
	start_llm askj --script "$d/script.json" || { fail "llm"; return 1; }
	"$BIN" optimize --program ask --judge --trainset "$d/all.jsonl" --optimizer bootstrap \
		--out "$d/p.json" --rag-index "$d/ask.idx" --model m --api-base "$LLM_URL" \
		--no-cache >"$d/o.out" 2>"$d/o.err"; rc=$?
	[ $rc = 0 ] || { cat "$d/o.out" "$d/o.err" >&2; fail "optimize exit $rc"; return 1; }
	python3 - "$d/o.out" "$LLM_REC" <<'EOF2' || fail "judge at compile time"
import json, re, sys
out = open(sys.argv[1]).read()
b = re.search(r"on the ask program, 7 training and 3 dev questions: at most (\d+) LM calls "
              r"\(rewrite (\d+), prepare (\d+), respond (\d+), judge (\d+)\)", out)
m = re.search(r"(\d+) LM calls made \(estimate \d+; rewrite (\d+), prepare (\d+), respond (\d+), judge (\d+)\)", out)
assert b and m, out
bound, made = [int(x) for x in b.groups()], [int(x) for x in m.groups()]
# bootstrap: 2 * 7 + 2 * 2 * 3 = 26 for respond, the same for the judge
assert bound == [52, 0, 0, 26, 26], bound
assert all(x <= y for x, y in zip(made, bound)) and made[0] == sum(made[1:]), (made, bound)
reqs = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
assert len(reqs) == made[0], (len(reqs), made)
judged = [r for r in reqs if "`[[ ## recall ## ]]`" in "\n".join(x["content"] for x in r["body"]["messages"])]
assert len(judged) == made[4] > 0, (len(judged), made)
# one judge call per respond prediction that was scored
assert made[4] == made[3], made
# the judge's F1 (1, 0.5 -> 2/3) is averaged in: (1 + 2/3) / 2 per right
# answer; the split's dev questions are rows 3, 6, 9 (two with the mark:
# right zero-shot; row 6's "I do not know" gets 0.5 x (0 + 2/3) / 2)
dev = re.search(r"dev score ([0-9.]+) \(zero-shot ([0-9.]+)\)", out)
assert abs(float(dev.group(1)) - 83.33) < 0.006, out
assert abs(float(dev.group(2)) - 100 * (2 * 5 / 6 + 1 / 6) / 3) < 0.006, out
assert "0 judge failures" in out, out
EOF2
}
