# cases_merge13.sh - the merge call of wide tables as the comment program's
# second predictor "merge" (issue 13): generate's optimized path sends it
# through the program (its instructions and demos in the request), falls
# back to the legacy merge template when it fails (and says so), and
# optimize compiles and saves it beside the comment predictor.
# shellcheck shell=bash

# write_merge_program FILE: a program in DSPy's layout, {"comment": ...,
# "merge": ...}, the merge predictor with a marker instruction and a demo.
write_merge_program() {
	python3 - "$1" <<'EOF2'
import json, sys
def fields(names):
    return [{"prefix": n.replace("_", " ").title() + ":", "description": "${%s}" % n}
            for n in names]
comment = {"traces": [], "train": [], "demos": [],
           "signature": {"instructions": "Describe the table.",
                         "fields": fields(["table_name", "table_data", "column_metadata",
                                           "abbreviations", "context", "comments"])},
           "lm": None}
demo = {"table_name": "demo.s.wide", "table_descriptions": ["DemoPartQ1.", "DemoPartQ2."],
        "abbreviations": {}, "table": "DemoMergedQ9."}
merge = {"traces": [], "train": [], "demos": [demo],
         "signature": {"instructions": "MergeMarkerZ7: merge the parts.",
                       "fields": fields(["table_name", "table_descriptions",
                                         "abbreviations", "table"])},
         "lm": None}
prog = {"comment": comment, "merge": merge,
        "metadata": {"dependency_versions": {}}}
open(sys.argv[1], "w").write(json.dumps(prog, indent=2) + "\n")
EOF2
}

# A wide table (31 columns, 3 chunks of 12) on the optimized path: its merge
# call is the program's merge predictor (instructions, demo, the chunks'
# descriptions as table_descriptions), its answer is the table comment on
# the optimized path; a narrow table in the same run makes no merge call.
case_merge13_optimized_merge_goes_through_the_program() {
	local conn out=$TMP/m13g prog=$TMP/m13g.json rc run
	start_llm m13g || return 1
	write_merge_program "$prog"
	conn=$(sqlite_copy m13g)
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$out" \
		--program "$prog" --path optimized --columns-per-call 12 --no-cache \
		--scope inputevents_mv --scope patients >"$TMP/m13g.out" 2>&1; rc=$?
	[ $rc = 0 ] || { cat "$TMP/m13g.out" >&2; fail "generate exit $rc"; return 1; }
	run=$(run_dir "$out")
	python3 - "$LLM_REC" "$run" <<'EOF2' || fail "the merge call did not go through the program"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
merges = [r for r in recs if r["kind"] == "merge"]
assert len(merges) == 1, [(r["table"], r["kind"]) for r in recs]
m = merges[0]
assert m["table"] == "main.inputevents_mv", m["table"]
msgs = m["body"]["messages"]
assert "response_format" not in m["body"], "ChatAdapter call with a response_format"
assert [x["role"] for x in msgs] == ["system", "user", "assistant", "user"], [x["role"] for x in msgs]
assert "MergeMarkerZ7: merge the parts." in msgs[0]["content"], msgs[0]["content"]
assert "`table_descriptions` (list[str])" in msgs[0]["content"]
assert '["DemoPartQ1.", "DemoPartQ2."]' in msgs[1]["content"], msgs[1]["content"]
assert msgs[2]["content"] == "[[ ## table ## ]]\nDemoMergedQ9.\n\n[[ ## completed ## ]]\n", msgs[2]
parts = json.dumps(["Auto comment for table main.inputevents_mv."] * 3)
assert "[[ ## table_descriptions ## ]]\n" + parts + "\n" in msgs[3]["content"], msgs[3]["content"]
# three comment calls for the wide table, one for the narrow one
comments = [r["table"] for r in recs if r["kind"] == "comment"]
assert sorted(comments) == ["main.inputevents_mv"] * 3 + ["main.patients"], comments
tr = [json.loads(l) for l in open(sys.argv[2] + "/traces.jsonl")]
tm = [t for t in tr if t["kind"] == "merge"]
assert [(t["path"], t["chunk"], t["attempt"]) for t in tm] == [("optimized", 0, 1)], tm
rows = [l.split("\t") for l in open(sys.argv[2] + "/comments.tsv").read().split("\n")[1:] if l]
tab = [r for r in rows if r[2] == "inputevents_mv" and r[3] == ""]
assert len(tab) == 1, tab
assert tab[0][6] == "Merged comment for table main.inputevents_mv.", tab[0]
assert tab[0][7] == "optimized" and tab[0][8] == "proposed" and tab[0][9] == "", tab[0]
EOF2
}

# The optimized merge answers garbage with both adapters: the legacy merge
# template takes over (its prompt unchanged: the legacy JSON content), the
# table comment is on the legacy path with the reason saying why, the
# columns stay on the optimized path, and the run exits 0.
case_merge13_failed_optimized_merge_falls_back_to_legacy() {
	local conn out=$TMP/m13f prog=$TMP/m13f.json rc run
	cat >"$TMP/m13f.script" <<'EOF2'
{"rules": [{"when_all": ["[[ ## table_descriptions ## ]]"], "fault": "garbage"}]}
EOF2
	start_llm m13f --script "$TMP/m13f.script" || return 1
	write_merge_program "$prog"
	conn=$(sqlite_copy m13f)
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$out" \
		--program "$prog" --path optimized --columns-per-call 12 --no-cache \
		--scope inputevents_mv >"$TMP/m13f.out" 2>&1; rc=$?
	[ $rc = 0 ] || { cat "$TMP/m13f.out" >&2; fail "generate exit $rc"; return 1; }
	grep -q "optimized merge call failed (answer did not parse" "$TMP/m13f.out" \
		|| fail "no warning about the failed optimized merge: $(cat "$TMP/m13f.out")"
	run=$(run_dir "$out")
	python3 - "$LLM_REC" "$run" <<'EOF2' || fail "no honest fallback to the legacy merge"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
merges = [r for r in recs if r["kind"] == "merge"]
assert len(merges) == 3, len(merges)  # ChatAdapter, JSONAdapter, legacy
chat, js, legacy = (m["body"] for m in merges)
assert "Respond with the corresponding output fields" in chat["messages"][-1]["content"]
assert js["response_format"]["type"] == "json_schema", js.get("response_format")
assert "MergeMarkerZ7" not in json.dumps(legacy), "the legacy merge carries the program"
assert '"table_descriptions": [' in legacy["messages"][-1]["content"], legacy["messages"][-1]["content"]
tr = [json.loads(l) for l in open(sys.argv[2] + "/traces.jsonl")]
assert [t["path"] for t in tr if t["kind"] == "merge"] == ["optimized", "optimized", "legacy"], tr
rows = [l.split("\t") for l in open(sys.argv[2] + "/comments.tsv").read().split("\n")[1:] if l]
tab = [r for r in rows if r[3] == ""][0]
assert tab[6] == "Merged comment for table main.inputevents_mv.", tab
assert tab[7] == "legacy" and tab[8] == "proposed", tab
assert tab[9].startswith("optimized path: merge call failed (answer did not parse"), tab[9]
assert tab[9].endswith("; legacy used"), tab[9]
cols = [r for r in rows if r[3] != ""]
assert len(cols) == 31 and all(r[7] == "optimized" for r in cols), set(r[7] for r in cols)
EOF2
}

# optimize compiles the merge predictor from the wide tables (over 12
# columns) of the trainset: the saved program has both predictors in DSPy's
# layout; labeled gives raw merge demos whose parts the compiled comment
# predictor wrote and whose gold is the human table comment; bootstrap
# gives augmented ones; calls made <= the printed bound; generate with the
# program sends the compiled merge demos.
case_merge13_optimize_compiles_the_merge_predictor() {
	[ -n "${PGPORT:-}" ] || { fail "no PostgreSQL"; return 1; }
	bash "$ROOT/tests/load_mimic_pg.sh" m13opt "$DATA" --comments || return 1
	start_llm m13o || return 1
	local gold=$TMP/m13o-gold.jsonl o rc
	"$BIN" harvest --connection "$(pg_conn m13opt)" --out "$gold" >"$TMP/m13o-h.out" 2>&1 \
		|| { cat "$TMP/m13o-h.out" >&2; fail "harvest failed"; return 1; }
	for o in labeled bootstrap; do
		"$BIN" optimize --trainset "$gold" --optimizer $o --out "$TMP/m13o-$o.json" \
			--columns-per-call 12 --model m --api-base "$LLM_URL" --no-cache \
			>"$TMP/m13o-$o.out" 2>&1 || { cat "$TMP/m13o-$o.out" >&2; fail "$o exit"; return 1; }
	done
	# the chunks traced for the merge examples are the chunks generate asks:
	# each comment request's table_data holds its columns and only their
	# cells, column_metadata only their entries; inputevents_mv (31 columns)
	# was asked as 12 + 12 + 7
	python3 - "$LLM_REC" <<'EOF2' || fail "the traced chunks are not generate's chunks"
import json, re, sys
def field(text, name):
    m = re.search(r"^\[\[ ## %s ## \]\]\n(.*?)\n\n(?:\[\[ ## |Respond with)" % name, text, re.M | re.S)
    return json.loads(m.group(1))
sizes = {}
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["kind"] != "comment":
        continue
    u = r["body"]["messages"][-1]["content"]
    td, cm = field(u, "table_data"), field(u, "column_metadata")
    assert all(len(row) == len(td["columns"]) for row in td["data"]), td
    assert list(cm) == td["columns"], (list(cm), td["columns"])
    sizes.setdefault(r["table"], set()).add(len(td["columns"]))
wide = [t for t in sizes if t.endswith(".inputevents_mv")]
assert wide and {12, 7} <= sizes[wide[0]], sizes
EOF2
	# a narrow setting: no wide table, the merge predictor keeps its defaults
	"$BIN" optimize --trainset "$gold" --optimizer labeled --out "$TMP/m13o-narrow.json" \
		--columns-per-call 100 --model m --api-base "$LLM_URL" --no-cache \
		>"$TMP/m13o-narrow.out" 2>&1 || { cat "$TMP/m13o-narrow.out" >&2; fail "narrow exit"; return 1; }
	python3 - "$TMP" "$gold" <<'EOF2' || fail "the merge predictor was not compiled and saved"
import json, re, sys
t, gold = sys.argv[1], sys.argv[2]
golds = {}
for l in open(gold):
    g = json.loads(l)
    golds[g["profile"]["table_name"]] = g.get("table_comment") or ""
wide = {g for g, x in golds.items()}
for o in ("labeled", "bootstrap", "narrow"):
    text = open("%s/m13o-%s.json" % (t, o)).read()
    p = json.loads(text)
    assert list(p) == ["comment", "merge", "metadata"], list(p)
    for k in ("comment", "merge"):
        assert list(p[k]) == ["traces", "train", "demos", "signature", "lm"], list(p[k])
    assert len(p["merge"]["signature"]["fields"]) == 4, p["merge"]["signature"]
    assert p["metadata"]["dependency_versions"] == {}, p["metadata"]
    meta = p["metadata"]["metagen"]
    out = open("%s/m13o-%s.out" % (t, o)).read()
    est = int(re.search(r"at most (\d+) LM calls", out).group(1))
    made = int(re.search(r"(\d+) LM calls made", out).group(1))
    assert made <= est and meta["lm_calls_made"] == made and meta["lm_calls_estimate"] == est, (o, made, est, meta)
    print("    %s: %d LM calls made, bound %d" % (o, made, est))
    demos = p["merge"]["demos"]
    if o == "narrow":
        assert demos == [] and "nothing to compile from" in out, (demos, out)
        assert p["merge"]["signature"]["instructions"].startswith("You are a data steward"), p["merge"]
        continue
    assert demos, "no merge demos (%s)" % o
    assert re.search(r"merge predictor: \d+ training and \d+ dev merge examples", out), out
    for d in demos:
        assert list(d)[-4:] == ["table_name", "table_descriptions", "abbreviations", "table"], list(d)
        assert len(d["table_descriptions"]) >= 2, d
        assert all(x == "Auto comment for table %s." % d["table_name"] for x in d["table_descriptions"]), d
        if not d.get("augmented"):
            assert d["table"] == golds[d["table_name"]], (d["table"], golds[d["table_name"]])
    if o == "bootstrap":
        assert any(d.get("augmented") for d in demos), demos
        aug = [d for d in demos if d.get("augmented")][0]
        assert aug["table"] == "Merged comment for table %s." % aug["table_name"], aug
EOF2
	# the compiled program's merge demos reach generate's merge request
	: >"$LLM_REC"
	"$BIN" generate --connection "$(pg_conn m13opt)" --model m --api-base "$LLM_URL" \
		--out "$TMP/m13o-gen" --program "$TMP/m13o-labeled.json" --path optimized \
		--columns-per-call 12 --scope inputevents_mv --no-cache >"$TMP/m13o-gen.out" 2>&1; rc=$?
	[ $rc = 0 ] || { cat "$TMP/m13o-gen.out" >&2; fail "generate exit $rc"; return 1; }
	python3 - "$LLM_REC" "$TMP/m13o-labeled.json" <<'EOF2' || fail "compiled merge demos not in the request"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
merges = [r for r in recs if r["kind"] == "merge"]
assert len(merges) == 1, len(merges)
demos = json.load(open(sys.argv[2]))["merge"]["demos"]
msgs = merges[0]["body"]["messages"]
assert len(msgs) == 2 + 2 * len(demos), (len(msgs), len(demos))
for d, a in zip(demos, msgs[2::2]):
    assert a["role"] == "assistant" and a["content"] == "[[ ## table ## ]]\n%s\n\n[[ ## completed ## ]]\n" % d["table"], a
EOF2
}

# GEPA evolves the merge predictor's instruction too: the sets' tables have
# 5 columns (3 chunks of 2) and gold table comments equal to the test
# server's AUTO merge answer; a merge request without the marker is
# answered with a wrong description, and the reflection proposes the
# marker only when it reads the merge metric's feedback (the gold
# description). The merge predictor's zero-shot scores 0, the compiled one
# strictly more; every LM call is counted and within the printed bound.
case_merge13_gepa_evolves_the_merge_instruction() {
	local d=$TMP/m13gepa rc
	mkdir -p "$d" && python3 - "$d" <<'EOF2' || { fail "cannot write the sets"; return 1; }
import json, sys
d = sys.argv[1]
def table(i):
    t = "cat.sch.w%d" % i
    cols = ["id", "a%d" % i, "b", "c", "d"]
    prof = {"table_name": t,
            "table_data": {"table_name": t, "columns": cols, "index": [0],
                           "data": [["v%d" % k for k in range(5)]]},
            "column_metadata": {c: {"data_type": "text"} for c in cols},
            "abbreviations": {}, "context": ""}
    return {"table": t, "table_comment": "Merged comment for table %s." % t,
            "columns": {c: "Auto comment for %s.%s." % (t, c) for c in cols},
            "profile": prof}
for name, rng in (("train", range(5)), ("dev", range(5, 8))):
    with open("%s/%s.jsonl" % (d, name), "w") as f:
        for i in rng:
            f.write(json.dumps(table(i)) + "\n")
EOF2
	cat >"$d/script.json" <<'EOF2'
{"rules": [
 {"when_all": ["An assistant was given this instruction",
               "token F1 of the merged description", "Gold table description: \"Merged comment for table"],
  "content": "```\nMerge the parts into one description of the table. MERGEMARK\n```"},
 {"when_all": ["An assistant was given this instruction"], "content": "```\nWrite comments.\n```"},
 {"when_all": ["[[ ## table_descriptions ## ]]"], "when_none": ["MERGEMARK"],
  "content": "[[ ## table ## ]]\nSomething else entirely.\n\n[[ ## completed ## ]]"}]}
EOF2
	start_llm m13gepa --script "$d/script.json" || return 1
	"$BIN" optimize --trainset "$d/train.jsonl" --devset "$d/dev.jsonl" --optimizer gepa \
		--max-metric-calls 40 --seed 1 --columns-per-call 2 --out "$d/p.json" \
		--model m --api-base "$LLM_URL" --no-cache >"$d/o.out" 2>"$d/o.err"; rc=$?
	[ $rc = 0 ] || { cat "$d/o.out" "$d/o.err" >&2; fail "gepa exit $rc"; return 1; }
	python3 - "$d" "$LLM_REC" <<'EOF2' || { cat "$d/o.out" >&2; fail "the merge instruction did not evolve"; }
import json, re, sys
d, rec = sys.argv[1], sys.argv[2]
out = open(d + "/o.out").read()
bound = int(re.search(r"at most (\d+) LM calls", out).group(1))
made = int(re.search(r"(\d+) LM calls made", out).group(1))
reqs = [l for l in open(rec) if l.strip()]
assert len(reqs) == made <= bound, (len(reqs), made, bound)
print("    gepa with the merge predictor: %d LM calls made, bound %d" % (made, bound))
m = re.search(r"merge predictor: 5 training and 3 dev merge examples from tables over 2 columns; "
              r"\d+ LM calls; dev score ([0-9.]+) \(zero-shot ([0-9.]+)\)", out)
assert m, out
assert float(m.group(2)) == 0.0 and float(m.group(1)) > 0.0, m.group(0)
p = json.load(open(d + "/p.json"))
assert "MERGEMARK" in p["merge"]["signature"]["instructions"], p["merge"]["signature"]
assert "MERGEMARK" not in p["comment"]["signature"]["instructions"]
assert p["merge"]["demos"] == []
EOF2
}
