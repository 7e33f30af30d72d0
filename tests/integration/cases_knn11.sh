# cases_knn11.sh - KNNFewShot through the real binary (optimize --optimizer
# knn, then generate and evaluate: each table's recorded request carries
# the training tables nearest to it) and hybrid retrieval in generate's
# per-table context against the test server's /v1/embeddings (sourced by
# run.sh).

# knn_trainset FILE: four training tables in the dspy.Example shape, each
# with a marker in its gold table comment.
knn_trainset() {
	python3 - "$1" <<'PY'
import json, sys
rows = [
    ("hist.patients_archive", ["subject_id", "gender", "dob", "dod", "expire_flag"], "GOLDPAT"),
    ("hist.admissions_archive", ["hadm_id", "admittime", "dischtime", "admission_type", "insurance"], "GOLDADM"),
    ("hist.d_items_archive", ["itemid", "label", "category", "unitname", "linksto"], "GOLDITM"),
    ("hist.icustays_archive", ["icustay_id", "intime", "outtime", "first_careunit", "los"], "GOLDICU"),
]
with open(sys.argv[1], "w") as f:
    for name, cols, mark in rows:
        f.write(json.dumps({
            "table_name": name,
            "table_data": {"table_name": name, "columns": cols, "index": [], "data": []},
            "column_metadata": {}, "abbreviations": {}, "context": "",
            "comments": {"table": mark + " archived table.", "columns": cols,
                         "column_contents": ["%s %s." % (mark, c) for c in cols]},
        }) + "\n")
PY
}

# knn_demo_markers REC KIND: "table markers..." per request of KIND, the
# gold markers its demos carry in order of appearance.
knn_demo_markers() {
	python3 - "$1" "$2" <<'PY'
import json, re, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("kind") != sys.argv[2]:
        continue
    text = "\n".join(m["content"] for m in r["body"]["messages"][:-1])
    marks = []
    for m in re.findall(r"GOLD[A-Z]{3}", text):
        if m not in marks:
            marks.append(m)
    print(r.get("table", "?"), " ".join(marks))
PY
}

case_knn_optimize_then_generate_nearest_demos_per_table() {
	local conn gold=$TMP/knn-train.jsonl prog=$TMP/knn.json out=$TMP/knnout rc run
	start_llm knn || return 1
	conn=$(sqlite_copy knn)
	knn_trainset "$gold"
	"$BIN" optimize --trainset "$gold" --optimizer knn --k 2 --out "$prog" \
		--model m --api-base "$LLM_URL" --no-cache >"$TMP/knn-opt.out" 2>&1; rc=$?
	[ $rc = 0 ] || { cat "$TMP/knn-opt.out" >&2; fail "optimize exit $rc"; return 1; }
	grep -q 'knn_few_shot on 4 training and 0 dev tables: at most 0 LM calls' "$TMP/knn-opt.out" \
		|| fail "printed bound: $(cat "$TMP/knn-opt.out")"
	grep -q 'knn_few_shot: 0 LM calls made (estimate 0); the 2 nearest of 4 training tables' \
		"$TMP/knn-opt.out" || fail "calls made: $(cat "$TMP/knn-opt.out")"
	[ -s "$LLM_REC" ] && fail "optimize --optimizer knn sent a request"
	# no LM needed at all to compile it
	"$BIN" optimize --trainset "$gold" --optimizer knn --k 2 --out "$TMP/knn-nolm.json" >/dev/null 2>&1 \
		|| fail "knn needed an LM"
	cmp -s "$prog" "$TMP/knn-nolm.json" || fail "the same trainset gave another file"
	python3 - "$prog" <<'PY' || fail "program file"
import json, sys
p = json.load(open(sys.argv[1]))
c = p["comment"]
assert list(c) == ["traces", "train", "demos", "signature", "lm"], list(c)
assert c["demos"] == [] and len(c["train"]) == 4, c
assert c["train"][0]["table_name"] == "hist.patients_archive"
m = p["metadata"]["metagen"]
assert m["optimizer"] == "knn_few_shot" and m["knn_k"] == 2, m
assert m["lm_calls_estimate"] == 0 and m["lm_calls_made"] == 0, m
PY
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --no-cache \
		--scope 'main.patients,main.admissions,main.d_items,main.icustays' \
		--program "$prog" --path optimized --out "$out" >"$TMP/knn-gen.out" 2>&1; rc=$?
	[ $rc = 0 ] || { cat "$TMP/knn-gen.out" >&2; fail "generate exit $rc"; return 1; }
	run=$(run_dir "$out")
	knn_demo_markers "$LLM_REC" comment >"$TMP/knn-demos.txt"
	python3 - "$TMP/knn-demos.txt" "$run" <<'PY' || fail "demos per table: $(cat "$TMP/knn-demos.txt")"
import json, sys
want = {"main.patients": "GOLDPAT", "main.admissions": "GOLDADM",
        "main.d_items": "GOLDITM", "main.icustays": "GOLDICU"}
seen = {}
for line in open(sys.argv[1]):
    table, *marks = line.split()
    # k = 2: two training tables, the nearest first, in every call
    assert len(marks) == 2 and marks[0] == want[table], (table, marks)
    seen.setdefault(table, set()).add(tuple(marks))
assert set(seen) == set(want), seen
# different tables, different demos
assert len({m for s in seen.values() for m in s}) >= 4, seen
for t in (json.loads(l) for l in open(sys.argv[2] + "/traces.jsonl")):
    assert t["path"] == "optimized", t
PY
	# the choice is reproducible: a second run sends the same requests
	cp "$LLM_REC" "$TMP/knn-first.rec"; : >"$LLM_REC"
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --no-cache \
		--scope 'main.patients,main.admissions,main.d_items,main.icustays' \
		--program "$prog" --path optimized --out "$TMP/knnout2" >/dev/null 2>&1 || fail "second run"
	knn_demo_markers "$LLM_REC" comment | sort >"$TMP/knn-demos2.txt"
	sort "$TMP/knn-demos.txt" | cmp -s - "$TMP/knn-demos2.txt" || fail "second run chose other demos"
	# evaluate: each dev table's optimized request carries its nearest
	python3 - "$gold" "$TMP/knn-dev.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
out = open(sys.argv[2], "w")
for r, name in ((rows[2], "prod.d_items"), (rows[0], "prod.patients")):
    r = dict(r, table_name=name)
    r["table_data"] = dict(r["table_data"], table_name=name)
    out.write(json.dumps(r) + "\n")
PY
	: >"$LLM_REC"
	"$BIN" evaluate --devset "$TMP/knn-dev.jsonl" --program "$prog" --model m \
		--api-base "$LLM_URL" --no-cache >"$TMP/knn-eval.out" 2>&1 \
		|| { cat "$TMP/knn-eval.out" >&2; fail "evaluate"; return 1; }
	python3 - "$LLM_REC" <<'PY' || fail "evaluate's requests"
import json, re, sys
firsts = []
for l in open(sys.argv[1]):
    r = json.loads(l)
    msgs = r["body"].get("messages", [])
    if not msgs or "GOLD" not in "".join(m["content"] for m in msgs):
        continue
    last = msgs[-1]["content"]
    first = re.search(r"GOLD[A-Z]{3}", "".join(m["content"] for m in msgs[:-1])).group(0)
    firsts.append(("prod.d_items" in last, "prod.patients" in last, first))
assert (True, False, "GOLDITM") in firsts and (False, True, "GOLDPAT") in firsts, firsts
PY
	return 0
}

case_knn_refuses_malformed_program_before_any_call() {
	local conn gold=$TMP/knnb-train.jsonl prog=$TMP/knnb.json rc out
	start_llm knnb || return 1
	conn=$(sqlite_copy knnb)
	knn_trainset "$gold"
	"$BIN" optimize --trainset "$gold" --optimizer knn --k 65 --out "$prog" \
		--model m --api-base "$LLM_URL" >"$TMP/knnb.out" 2>&1; rc=$?
	[ $rc != 0 ] || fail "--k 65 accepted"
	grep -q 'k must be from 1 to 64' "$TMP/knnb.out" || fail "k message: $(cat "$TMP/knnb.out")"
	# the ask program has no per-question demos: a usage error, no request
	"$BIN" optimize --program ask --trainset "$gold" --optimizer knn --out "$prog" \
		--model m --api-base "$LLM_URL" >"$TMP/knnb-ask.out" 2>&1; rc=$?
	[ $rc = 2 ] || fail "knn for the ask program: exit 2 expected, got $rc"
	grep -q 'the ask program does not take per-question demos' "$TMP/knnb-ask.out" \
		|| fail "ask message: $(cat "$TMP/knnb-ask.out")"
	"$BIN" optimize --trainset "$gold" --optimizer knn --k 3 --out "$prog" \
		--model m --api-base "$LLM_URL" >/dev/null 2>&1 || { fail "optimize"; return 1; }
	python3 - "$prog" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
del p["comment"]["train"][1]["table_data"]
json.dump(p, open(sys.argv[1], "w"), indent=2)
PY
	: >"$LLM_REC"
	out=$("$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" \
		--scope 'main.patients' --program "$prog" --path optimized --out "$TMP/knnbout" 2>&1); rc=$?
	[ $rc = 2 ] || fail "malformed program: exit 2 expected, got $rc"
	echo "$out" | grep -q "predictor 'comment': train 1 has no field 'table_data'" \
		|| fail "message: $out"
	grep -q '"kind": "comment"' "$LLM_REC" && fail "a comment request was sent"
	return 0
}

# The hybrid case's corpus: one chunk BM25 finds for main.patients (it
# shares "gender"), one that shares no word with the table's query
# (only the dense list of the fusion can bring it).
knn_hybrid_docs() {
	mkdir -p "$1"
	printf 'Gender codes BMKEEP: M and F as recorded at admission.\n' >"$1/gender.txt"
	printf 'Quokka narwhal DNSONLY okapi wombat.\n' >"$1/zoo.txt"
}

case_generate_context_hybrid_finds_dense_only_chunk() {
	local conn docs=$TMP/hyd idx=$TMP/hy.sqlite rc run n1 n2
	start_llm hyb --embed-dim 64 || return 1
	conn=$(sqlite_copy hyb)
	knn_hybrid_docs "$docs"
	set -- --rag-index "$idx" --api-base "$LLM_URL" --cache-dir "$TMP/hycache"
	"$BIN" index add "$docs" "$@" --rag-embeddings-model emb >/dev/null 2>&1 \
		|| { fail "index add"; return 1; }
	# BM25 does not find the zoo chunk for the table's words; dense does
	"$BIN" search "patients subject_id gender dob" --mode bm25 --json "$@" | grep -q DNSONLY \
		&& fail "bm25 found the dense-only chunk"
	"$BIN" search "patients subject_id gender dob" --mode dense --json "$@" \
		--rag-embeddings-model emb | grep -q DNSONLY || fail "dense search misses it"
	# BM25 context (no embeddings model): the zoo chunk is absent
	"$BIN" generate --connection "$conn" --model m --scope 'main.patients' \
		--out "$TMP/hy-bm" "$@" >"$TMP/hy-bm.out" 2>&1 || { cat "$TMP/hy-bm.out" >&2; fail "bm25 run"; return 1; }
	python3 - "$LLM_REC" "$(run_dir "$TMP/hy-bm")" bm25 <<'PY' || fail "bm25 context"
import json, sys
text = "".join(m["content"] for l in open(sys.argv[1]) for r in [json.loads(l)]
               if r.get("kind") == "comment" for m in r["body"]["messages"])
assert "BMKEEP" in text and "DNSONLY" not in text, text[:2000]
for t in (json.loads(l) for l in open(sys.argv[2] + "/traces.jsonl")):
    if t["kind"] == "comment":
        assert t["context"] and {c["mode"] for c in t["context"]} == {sys.argv[3]}, t["context"]
PY
	# hybrid (vectors + model): the zoo chunk reaches the request, and
	# the query's vector came from /v1/embeddings
	: >"$LLM_REC"
	"$BIN" generate --connection "$conn" --model m --scope 'main.patients' \
		--rag-embeddings-model emb --out "$TMP/hy-hy" "$@" >"$TMP/hy-hy.out" 2>&1 \
		|| { cat "$TMP/hy-hy.out" >&2; fail "hybrid run"; return 1; }
	run=$(run_dir "$TMP/hy-hy")
	python3 - "$LLM_REC" "$run" <<'PY' || fail "hybrid context"
import json, sys
rec = [json.loads(l) for l in open(sys.argv[1])]
text = "".join(m["content"] for r in rec if r.get("kind") == "comment"
               for m in r["body"]["messages"])
assert "BMKEEP" in text and "DNSONLY" in text, text[:2000]
emb = [r for r in rec if r.get("kind") == "embeddings"]
assert len(emb) == 1 and emb[0]["body"]["model"] == "emb", emb
assert "gender" in emb[0]["body"]["input"][0], emb[0]["body"]
ids = set()
for t in (json.loads(l) for l in open(sys.argv[2] + "/traces.jsonl")):
    if t["kind"] != "comment":
        continue
    ctx = t["context"]
    assert all(c["mode"] == "hybrid" and 0 < c["score"] <= 2 / 61 + 1e-12 for c in ctx), ctx
    assert any("zoo.txt" in c["source"] for c in ctx), ctx
    ids |= {c["id"] for c in ctx}
assert len(ids) == 2, ids
PY
	# the same run again: the query's vector and the answers are cached
	n1=$(grep -c '"kind": "embeddings"' "$LLM_REC")
	"$BIN" generate --connection "$conn" --model m --scope 'main.patients' \
		--rag-embeddings-model emb --out "$TMP/hy-hy2" "$@" >/dev/null 2>&1 || fail "cached run"
	n2=$(grep -c '"kind": "embeddings"' "$LLM_REC")
	[ "$n1" = "$n2" ] || fail "the cached query was embedded again ($n1 -> $n2)"
	# --estimate sends nothing, embeddings included (its context is BM25's)
	: >"$LLM_REC"
	"$BIN" generate --connection "$conn" --model m --scope 'main.patients' --estimate \
		--rag-embeddings-model emb --out "$TMP/hy-est" "$@" >/dev/null 2>&1 || fail "estimate"
	[ -s "$LLM_REC" ] && fail "--estimate sent a request: $(head -c 300 "$LLM_REC")"
	return 0
}

case_generate_context_embeddings_fault_falls_back_to_bm25() {
	local conn docs=$TMP/hfd idx=$TMP/hf.sqlite rc url_a
	start_llm hfa --embed-dim 64 || return 1
	url_a=$LLM_URL
	conn=$(sqlite_copy hf)
	knn_hybrid_docs "$docs"
	"$BIN" index add "$docs" --rag-index "$idx" --api-base "$url_a" \
		--rag-embeddings-model emb --cache-dir "$TMP/hfcache" >/dev/null 2>&1 \
		|| { fail "index add"; return 1; }
	# another server whose first embeddings answer is a 400: the table's
	# query cannot be embedded
	printf '{"embeddings": [{"fault": "400"}]}\n' >"$TMP/hf-script.json"
	start_llm hfb --embed-dim 64 --script "$TMP/hf-script.json" || return 1
	"$BIN" generate --connection "$conn" --model m --scope 'main.patients' \
		--rag-index "$idx" --api-base "$LLM_URL" --rag-embeddings-model emb \
		--cache-dir "$TMP/hfcache2" --out "$TMP/hf-out" >"$TMP/hf.out" 2>&1; rc=$?
	[ $rc = 0 ] || { cat "$TMP/hf.out" >&2; fail "exit $rc"; return 1; }
	grep -q 'patients: hybrid retrieval failed (.*); BM25 only' "$TMP/hf.out" \
		|| fail "no warning: $(cat "$TMP/hf.out")"
	python3 - "$LLM_REC" "$(run_dir "$TMP/hf-out")" <<'PY' || fail "fallback context"
import json, sys
rec = [json.loads(l) for l in open(sys.argv[1])]
assert [r for r in rec if r.get("kind") == "embeddings"], "no embeddings request"
text = "".join(m["content"] for r in rec if r.get("kind") == "comment"
               for m in r["body"]["messages"])
assert "BMKEEP" in text and "DNSONLY" not in text, text[:2000]
for t in (json.loads(l) for l in open(sys.argv[2] + "/traces.jsonl")):
    if t["kind"] == "comment":
        assert t["context"] and all(c["mode"] == "bm25" for c in t["context"]), t["context"]
PY
	return 0
}
