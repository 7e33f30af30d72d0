# cases_review.sh - learning from review (sourced by run.sh): a run on the
# MIMIC demo SQLite copy with the test LM server, its comments.tsv edited
# as a reviewer would (accept, edit, blank), applied, harvested with
# --reviewed (acceptance rate by path, in the manifest), compiled with
# optimize and used by generate; training lines in the dspy.Example shape.

# review_edit TSV EXPECT: edits the TSV in place. main.patients (the
# optimized path): gender and dob edited, dod blanked; main.icustays
# (legacy): los edited, row_id blanked; main.services (legacy): every
# column blanked, the table comment kept. Writes the counts the review
# must report to EXPECT.
review_edit() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
tsv, expect = sys.argv[1], sys.argv[2]
lines = open(tsv, encoding="utf-8").read().split("\n")
edits = {("patients", "gender"): "EDITED gender: M or F, as recorded at admission.",
         ("patients", "dob"): "EDITED date of birth, shifted for privacy.",
         ("icustays", "los"): "EDITED length of stay in fractional days."}
blank = {("patients", "dod"), ("icustays", "row_id")}
n = {p: {"unchanged": 0, "edited": 0, "rejected": 0} for p in ("optimized", "legacy")}
out = [lines[0]]
for l in lines[1:]:
    if not l:
        continue
    f = l.split("\t")
    assert f[8] == "proposed", f
    key = (f[2], f[3])
    if key in edits:
        f[6] = edits[key]; v = "edited"
    elif key in blank or (f[2] == "services" and f[3]):
        f[6] = ""; v = "rejected"
    else:
        v = "unchanged"
    n[f[7]][v] += 1
    out.append("\t".join(f))
open(tsv, "w", encoding="utf-8").write("\n".join(out) + "\n")
json.dump(n, open(expect, "w"))
EOF
}

case_review_round_trip_generate_apply_harvest_optimize() {
	local conn out run gold=$TMP/rv-gold.jsonl prog=$TMP/rv-prog.json rc
	start_llm rv || return 1
	conn=$(sqlite_copy rv); out=$TMP/rv
	write_program "$TMP/rv-start.json" 6
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$out" \
		--scope patients --scope icustays --scope services \
		--program "$TMP/rv-start.json" --rollout-optimized main.patients \
		>"$TMP/rv.gen" 2>&1 || { cat "$TMP/rv.gen" >&2; fail "generate"; return 1; }
	run=$(run_dir "$out"); run=${run%/}
	review_edit "$run/comments.tsv" "$TMP/rv-expect.json" || { fail "edit"; return 1; }
	# before apply the gold is not in the warehouse yet: said, still gold
	"$BIN" harvest --reviewed "$run/comments.tsv" --connection "$conn" --out "$gold.pre" \
		>"$TMP/rv.pre" 2>&1 || { cat "$TMP/rv.pre" >&2; fail "harvest --reviewed before apply"; }
	local ngold; ngold=$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); print(sum(e[p]["unchanged"]+e[p]["edited"] for p in e))' "$TMP/rv-expect.json")
	grep -q "warning: $ngold reviewed comment(s) are not in the warehouse" "$TMP/rv.pre" \
		|| { cat "$TMP/rv.pre" >&2; fail "no warning before apply"; }
	"$BIN" apply "$run/comments.tsv" --connection "$conn" >"$TMP/rv.apply" 2>&1 \
		|| { cat "$TMP/rv.apply" >&2; fail "apply"; return 1; }
	"$BIN" harvest --reviewed "$run/comments.tsv" --connection "$conn" --out "$gold" \
		>"$TMP/rv.harv" 2>&1; rc=$?
	[ $rc = 0 ] || { cat "$TMP/rv.harv" >&2; fail "harvest --reviewed exit $rc"; return 1; }
	python3 - "$TMP/rv.harv" "$run/manifest.json" "$TMP/rv-expect.json" "$gold" <<'EOF' \
		|| { cat "$TMP/rv.harv" >&2; fail "acceptance figures or gold file"; return 1; }
import json, sys
out, man = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
exp = json.load(open(sys.argv[3]))
gold = {g["table"]: g for g in map(json.loads, open(sys.argv[4], encoding="utf-8"))}
def line(c):
    a = c["unchanged"] + c["edited"]
    return "%d unchanged, %d edited, %d rejected (acceptance %.1f%%)" % (
        c["unchanged"], c["edited"], c["rejected"], 100.0 * a / (a + c["rejected"]))
tot = {k: exp["optimized"][k] + exp["legacy"][k] for k in exp["legacy"]}
assert exp["optimized"]["edited"] == 2 and exp["optimized"]["rejected"] == 1, exp
want = "%d proposed comment(s) reviewed: %s; optimized: %s; legacy: %s" % (
    sum(tot.values()), line(tot), line(exp["optimized"]), line(exp["legacy"]))
assert want in out, (want, out)
rv = man["review"]
assert man["run_id"] and man["counts"]["tables"] == 3, "manifest members lost"
for p in ("optimized", "legacy"):
    for k, v in exp[p].items():
        assert rv["by_path"][p][k] == v, (p, k, rv["by_path"][p][k], v)
    a = exp[p]["unchanged"] + exp[p]["edited"]
    assert abs(rv["by_path"][p]["acceptance"] - a / (a + exp[p]["rejected"])) < 1e-9
assert rv["by_path"]["offline"]["acceptance"] is None
assert rv["unchanged"] == tot["unchanged"] and rv["rejected"] == tot["rejected"]
assert "3 written with %d gold comment(s) and %d rejected (negatives), 0 with only rejected" % (
    tot["unchanged"] + tot["edited"], tot["rejected"]) in out, out
p = gold["main.patients"]
assert p["columns"]["gender"].startswith("EDITED gender"), p["columns"]
assert "dod" not in p["columns"] and p["rejected"]["columns"]["dod"].startswith("Auto comment")
assert p["table_comment"] == "Auto comment for table main.patients."
assert "existing_comment" not in json.dumps(p["profile"]["column_metadata"])
assert gold["main.icustays"]["columns"]["los"].startswith("EDITED length")
s = gold["main.services"]
assert s["columns"] == {} and len(s["rejected"]["columns"]) == 6, s
assert len(gold) == 3
EOF
	# the reviewed text is what apply wrote: no warning about it
	grep -q 'not in the warehouse' "$TMP/rv.harv" && fail "reviewed comments reported unapplied"
	# LabeledFewShot on the reviewed examples: the edited text reaches the
	# compiled program's demos, with the answer's keys in the
	# instructions' order
	"$BIN" optimize --trainset "$gold" --devset "$gold" --optimizer labeled --out "$prog" \
		--model m --api-base "$LLM_URL" --no-cache >"$TMP/rv.opt" 2>&1 \
		|| { cat "$TMP/rv.opt" >&2; fail "optimize"; return 1; }
	python3 - "$prog" <<'EOF' || { fail "compiled demos"; return 1; }
import json, sys
demos = json.load(open(sys.argv[1]))["comment"]["demos"]
assert len(demos) == 3, len(demos)
for d in demos:
    assert list(d["comments"]) == ["table", "columns", "column_contents"], list(d["comments"])
pat = [d for d in demos if d["table_name"].endswith("patients")][0]["comments"]
c = dict(zip(pat["columns"], pat["column_contents"]))
assert c["gender"].startswith("EDITED gender") and "dod" not in c, c
EOF
	# evaluate reports the negatives: the test server says its first
	# answers again, so both paths repeat every rejected comment
	"$BIN" evaluate --devset "$gold" --program "$prog" --model m --api-base "$LLM_URL" \
		--no-cache >"$TMP/rv.eval" 2>&1 || { cat "$TMP/rv.eval" >&2; fail "evaluate"; return 1; }
	local nrej; nrej=$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); print(e["optimized"]["rejected"]+e["legacy"]["rejected"])' "$TMP/rv-expect.json")
	grep -q "^review negatives ($nrej rejected comment(s) in the devset): legacy repeats $nrej, optimized $nrej " \
		"$TMP/rv.eval" || { cat "$TMP/rv.eval" >&2; fail "no review negatives line"; }
	# generate with the compiled program: its demos are in the request
	: >"$LLM_REC"
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$TMP/rv2" \
		--scope admissions --program "$prog" --path optimized --no-cache \
		>"$TMP/rv2.gen" 2>&1 || { cat "$TMP/rv2.gen" >&2; fail "generate with the program"; return 1; }
	[ "$($CHECK field "$(run_dir "$TMP/rv2")" admissions hadm_id path)" = optimized ] \
		|| fail "admissions not on the optimized path"
	grep -q 'EDITED date of birth, shifted for privacy.' "$LLM_REC" \
		|| fail "the edited comment is not in the optimized request's demos"
	# a reviewed table the warehouse no longer has: left out, named
	# FILE:LINE (its first row), exit 1
	sqlite3 "$TMP/rv.sqlite" 'DROP TABLE services' || { fail "sqlite3"; return 1; }
	local sline; sline=$(grep -n $'^\tmain\tservices\t' "$run/comments.tsv" | head -1 | cut -d: -f1)
	"$BIN" harvest --reviewed "$run/comments.tsv" --connection "$conn" --out "$gold.3" \
		>"$TMP/rv.drop" 2>&1; rc=$?
	[ $rc = 1 ] || fail "dropped table: exit $rc, not 1"
	grep -q "comments.tsv:$sline: table main.services is not in the warehouse: left out" \
		"$TMP/rv.drop" || { cat "$TMP/rv.drop" >&2; fail "dropped table not named"; }
	[ "$(grep -c '' "$gold.3")" = 2 ] || fail "expected 2 lines without services"
	# a row naming a table the run does not have: FILE:LINE, exit 2
	printf '\tmain\tnosuch\t\t\t\tX.\tlegacy\tproposed\t\n' >>"$run/comments.tsv"
	local last; last=$(grep -c '' "$run/comments.tsv")
	"$BIN" harvest --reviewed "$run/comments.tsv" --connection "$conn" --out "$gold.2" \
		>"$TMP/rv.bad" 2>&1; rc=$?
	[ $rc = 2 ] || fail "unknown table: exit $rc, not 2"
	grep -q "comments.tsv:$last: main.nosuch: no such table in the run" "$TMP/rv.bad" \
		|| { cat "$TMP/rv.bad" >&2; fail "unknown table not named with FILE:LINE"; }
	[ ! -e "$gold.2" ] || fail "a gold file was written for a bad TSV"
}

# harvest --format dspy writes the dspy.Example shape; such a file (and a
# devset as Python DSPy exports it, with dspy_uuid / dspy_split) loads
# as a trainset and compiles to the same demos as metagen's own shape.
case_review_dspy_example_shape_round_trip() {
	local conn g=$TMP/dx-gold
	start_llm dx || return 1
	conn=$(sqlite_copy dx)
	# comments to harvest: the offline describer's, applied
	"$BIN" generate --connection "$conn" --model offline --out "$TMP/dx" \
		--scope patients --scope services --scope icustays --apply >/dev/null 2>&1 \
		|| { fail "generate --apply"; return 1; }
	"$BIN" harvest --connection "$conn" --scope 'main.*' --out "$g.jsonl" >/dev/null 2>&1 \
		|| { fail "harvest"; return 1; }
	"$BIN" harvest --connection "$conn" --scope 'main.*' --out "$g.dspy.jsonl" --format dspy \
		>/dev/null 2>&1 || { fail "harvest --format dspy"; return 1; }
	"$BIN" harvest --connection "$conn" --out "$g.x" --format yaml >/dev/null 2>&1
	[ $? = 2 ] || fail "--format yaml accepted"
	python3 - "$g.jsonl" "$g.dspy.jsonl" "$g.py.jsonl" <<'EOF' || { fail "dspy shape"; return 1; }
import json, sys
m = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
d = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(m) == len(d) == 3, (len(m), len(d))
ins = ["table_name", "table_data", "column_metadata", "abbreviations", "context"]
py = open(sys.argv[3], "w", encoding="utf-8")
for a, b in zip(m, d):
    assert list(b) == ins + ["comments"], list(b)
    for k in ins:
        assert b[k] == a["profile"][k], k
    assert list(b["comments"]) == ["table", "columns", "column_contents"]
    assert b["comments"]["table"] == a["table_comment"]
    assert dict(zip(b["comments"]["columns"], b["comments"]["column_contents"])) == a["columns"]
    # as dspy.Example(**...).toDict() exports it from Python
    py.write(json.dumps(dict(b, dspy_uuid="u-" + a["table"], dspy_split="dev")) + "\n")
EOF
	local f
	for f in "$g.jsonl" "$g.dspy.jsonl" "$g.py.jsonl"; do
		"$BIN" optimize --trainset "$f" --devset "$g.py.jsonl" --optimizer labeled \
			--out "$f.prog" --model m --api-base "$LLM_URL" >"$f.opt" 2>&1 \
			|| { cat "$f.opt" >&2; fail "optimize on $(basename "$f")"; return 1; }
	done
	python3 - "$g.jsonl.prog" "$g.dspy.jsonl.prog" "$g.py.jsonl.prog" <<'EOF' || fail "demos differ by shape"
import json, sys
demos = [json.load(open(p))["comment"]["demos"] for p in sys.argv[1:]]
assert len(demos[0]) == 3
assert demos[0] == demos[1] == demos[2]
EOF
}
