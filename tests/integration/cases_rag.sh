# cases_rag.sh - the retrieval index through the real binary: metagen
# index add/remove/stats/--prune on files of every kind (hostile ones
# too), metagen search with hostile queries, and BM25 quality on BEIR's
# SciFact (sourced by run.sh).

# The SciFact folder: under METAGEN_TEST_DATASETS (or beside it, when it
# names the mimic3_demo folder), else ../shared/datasets of the source.
scifact_dir() {
	local d
	for d in "${METAGEN_TEST_DATASETS:-}/scifact_beir" \
		"$(dirname "${METAGEN_TEST_DATASETS:-/nonexistent/x}")/scifact_beir" \
		"$ROOT/../shared/datasets/scifact_beir"; do
		[ -s "$d/corpus.jsonl.gz" ] && { echo "$d"; return 0; }
	done
	return 1
}

case_rag_scifact_bm25_ndcg() {
	local d idx out ndcg
	d=$(scifact_dir) || { fail "scifact_beir dataset not found (METAGEN_TEST_DATASETS or ../shared/datasets)"; return 1; }
	idx=$TMP/scifact.sqlite
	gunzip -c "$d/corpus.jsonl.gz" > "$TMP/corpus.jsonl" || { fail "gunzip"; return 1; }
	"$BIN" index add "$TMP/corpus.jsonl" --rag-index "$idx" >"$TMP/sf.add" 2>&1 ||
		{ cat "$TMP/sf.add" >&2; fail "index add"; return 1; }
	grep -q 'corpus.jsonl: added, [0-9]* chunks' "$TMP/sf.add" || fail "add line: $(cat "$TMP/sf.add")"
	out=$("$BIN" search --eval "$d/queries.jsonl" "$d/qrels/test.tsv" --rag-index "$idx" 2>&1) ||
		{ echo "$out" >&2; fail "search --eval"; return 1; }
	echo "$out" | sed 's/^/    scifact: /' >&2
	echo "$out" | grep -q '^queries: 300$' || fail "300 test queries: $out"
	ndcg=$(echo "$out" | sed -n 's/^ndcg@10: //p')
	# BEIR Table 2 BM25 on SciFact: 0.665; within 0.01 or better
	python3 -c "import sys; sys.exit(0 if float('$ndcg') >= 0.655 else 1)" ||
		fail "nDCG@10 $ndcg < 0.655"
}

case_rag_index_files_and_hostile_queries() {
	local idx=$TMP/ri.sqlite docs=$TMP/ridocs rc out
	mkdir -p "$docs/sub" "$docs/.hidden"
	printf 'term,definition\nMRN,Medical record number of the patient\nLOS,"Length of stay, in days"\n' >"$docs/glossary.csv"
	printf '# Admissions\nOne row per hospital stay.\n## Discharge\nWhen the patient leaves.\n' >"$docs/sub/guide.md"
	printf 'ignored hidden text\n' >"$docs/.hidden/x.txt"
	printf 'bad \xff\xfe utf8 and a nul \000 here okay\n' >"$docs/sub/odd.txt"
	head -c 3000 /dev/urandom >"$docs/sub/photo.md"
	truncate -s 50M "$TMP/big.txt"
	"$BIN" index add "$docs" "$TMP/big.txt" --rag-index "$idx" >"$TMP/ri.out" 2>"$TMP/ri.err"; rc=$?
	[ $rc = 1 ] || fail "refused files: exit 1 expected, got $rc"
	grep -q 'photo.md: binary file, not indexed' "$TMP/ri.err" || fail "binary .md refused: $(cat "$TMP/ri.err")"
	grep -q 'big.txt: 52428800 bytes, over the limit' "$TMP/ri.err" || fail "50 MB refused: $(cat "$TMP/ri.err")"
	grep -q 'glossary.csv: added, 2 chunks' "$TMP/ri.out" || fail "glossary: $(cat "$TMP/ri.out")"
	grep -q 'guide.md: added, 2 chunks' "$TMP/ri.out" || fail "markdown: $(cat "$TMP/ri.out")"
	grep -q 'odd.txt: added, 1 chunk' "$TMP/ri.out" || fail "odd text"
	grep -q 'hidden' "$TMP/ri.out" && fail "hidden folder indexed"
	"$BIN" index add "$docs/glossary.csv" --rag-index "$idx" | grep -q 'unchanged, 0 chunks' || fail "re-add unchanged"
	out=$("$BIN" search "When does the patient leave" --rag-index "$idx" --json)
	python3 - "$out" <<'PY' || fail "search json: $out"
import json, sys
h = json.loads(sys.argv[1])
assert h[0]["title"] == "Admissions > Discharge", h[0]
assert h[0]["source"].endswith("/sub/guide.md")
PY
	for q in '"unbalanced' 'NEAR(a b)' 'a AND OR NOT b' 'pre*' '^x' 'title:MRN' '(((' '' ')' "'; DROP TABLE chunks; --"; do
		"$BIN" search "$q" --rag-index "$idx" >/dev/null 2>"$TMP/q.err" || fail "query '$q': $(cat "$TMP/q.err")"
	done
	"$BIN" search 'title:MRN' --rag-index "$idx" | grep -q 'MRN: Medical record number' || fail "column filter is a plain word"
	"$BIN" search "x" --mode dense --rag-index "$idx" 2>/dev/null; [ $? = 2 ] || fail "dense mode refused"
	rm "$docs/sub/odd.txt"
	"$BIN" index add --prune --rag-index "$idx" | grep -q 'pruned: 1 document' || fail "prune"
	"$BIN" index remove "$docs/glossary.csv" --rag-index "$idx" | grep -q 'removed' || fail "remove"
	"$BIN" index remove "$docs/glossary.csv" --rag-index "$idx" 2>/dev/null; [ $? = 1 ] || fail "remove twice: exit 1"
	out=$("$BIN" index stats --rag-index "$idx")
	echo "$out" | grep -q '^documents: 1$' || fail "stats documents: $out"
	echo "$out" | grep -q '^chunks: 2$' || fail "stats chunks: $out"
	echo "$out" | grep -q '^size on disk: [1-9][0-9]* bytes$' || fail "stats size: $out"
	"$BIN" index stats --rag-index "$TMP/none.sqlite" 2>/dev/null; [ $? = 2 ] || fail "stats of no index: exit 2"
	[ -e "$TMP/none.sqlite" ] && fail "stats created an index"
	return 0
}

# ctx_requests REC PATH_MARKER: the request messages (JSON) of the
# comment calls in a fake_llm record, one line per request, sorted.
ctx_requests() {
	python3 - "$1" <<'PY'
import json, sys
out = []
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["kind"] == "comment":
        out.append(json.dumps([r["table"], r["body"]["messages"]], sort_keys=True))
print("\n".join(sorted(out)))
PY
}

# ctx_rerun CONN INDEX OUT: the two-table run of the case below with
# another index, printing its comment requests (ctx_requests).
ctx_rerun() {
	: >"$LLM_REC"
	"$BIN" generate --connection "$1" --model m --api-base "$LLM_URL" \
		--scope 'main.patients,main.admissions' --program "$TMP/ctx.json" \
		--rollout-optimized 'main.patients' --rag-index "$2" --no-cache \
		--out "$3" >/dev/null 2>&1 || return 1
	ctx_requests "$LLM_REC"
}

case_rag_glossary_reaches_both_prompt_paths() {
	local conn out rc idx=$TMP/ctx.sqlite
	start_llm ctx || return 1
	conn=$(sqlite_copy ctx); out=$TMP/ctxout
	write_program "$TMP/ctx.json" 6
	printf 'term,definition\nexpire_flag,"ZQXW marker: 1 when the patient died, from the hospital or social security record"\nhadm_id,"KRPL marker: one hospital admission"\nunrelated_term,never retrieved NVRX\n' >"$TMP/gloss.csv"
	"$BIN" index add "$TMP/gloss.csv" --rag-index "$idx" >/dev/null || { fail "index add"; return 1; }
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" \
		--scope 'main.patients,main.admissions' --program "$TMP/ctx.json" \
		--rollout-optimized 'main.patients' --rag-index "$idx" --no-cache \
		--out "$out" >"$TMP/ctx.out" 2>&1; rc=$?
	[ $rc = 0 ] || { cat "$TMP/ctx.out" >&2; fail "exit $rc"; return 1; }
	check_paths "$(run_dir "$out")" main.patients || fail "paths"
	python3 - "$LLM_REC" "$(run_dir "$out")" <<'PY' || fail "context in requests and traces"
import json, sys
rec = [json.loads(l) for l in open(sys.argv[1])]
text = {}
for r in rec:
    if r["kind"] == "comment":
        text.setdefault(r["table"], "")
        text[r["table"]] += "\n".join(m["content"] for m in r["body"]["messages"])
# optimized path (patients): the signature's context input; legacy
# (admissions): the template's context section
assert "ZQXW marker" in text["main.patients"], "optimized request lacks the glossary"
assert "Context from the team's documents" in text["main.admissions"]
assert "KRPL marker" in text["main.admissions"], "legacy request lacks the glossary"
assert "NVRX" not in text["main.patients"] + text["main.admissions"]
tr = [json.loads(l) for l in open(sys.argv[2] + "/traces.jsonl")]
for t in tr:
    if t["kind"] != "comment":
        continue
    ctx = t.get("context")
    assert ctx and all(isinstance(c["id"], (int, float)) and "score" in c for c in ctx), t
    assert ctx[0]["glossary"] is True
PY
	# an index with nothing relevant: the prompts are those of no index
	printf 'zebra giraffe savanna\n' >"$TMP/zoo.txt"
	"$BIN" index add "$TMP/zoo.txt" --rag-index "$TMP/zoo.sqlite" >/dev/null || { fail "zoo index"; return 1; }
	ctx_rerun "$conn" "$TMP/zoo.sqlite" "$TMP/ctx2" >"$TMP/zoo.req" || { fail "zoo run"; return 1; }
	ctx_rerun "$conn" "$TMP/absent.sqlite" "$TMP/ctx3" >"$TMP/none.req" || { fail "no-index run"; return 1; }
	[ -s "$TMP/none.req" ] || fail "no requests recorded"
	cmp -s "$TMP/zoo.req" "$TMP/none.req" || fail "an index without hits changed the prompts"
	[ -e "$TMP/absent.sqlite" ] && fail "generate created an index"
	grep -q '"context"' "$(run_dir "$TMP/ctx3")/traces.jsonl" && fail "traces without an index name a context"
	return 0
}

# The index file is private to its owner (a run's comments indexed with
# --run hold what comments hold): a new index is 0600 in a new 0700 folder
# whatever the umask, and so are SQLite's journal files beside it.
case_rag_index_file_is_private() {
	local dir=$TMP/rag-private/a/b idx
	idx=$dir/rag.sqlite
	printf '# Notes\n\nThe admissions table holds hospital stays.\n' >"$TMP/rag-private.md"
	(umask 022 && "$BIN" index add "$TMP/rag-private.md" --rag-index "$idx") >/dev/null 2>&1 \
		|| { fail "index add"; return 1; }
	[ "$(stat -c %a "$idx")" = 600 ] || fail "index mode $(stat -c %a "$idx")"
	[ "$(stat -c %a "$dir")" = 700 ] || fail "folder mode $(stat -c %a "$dir")"
	[ "$(stat -c %a "$TMP/rag-private/a")" = 700 ] || fail "parent folder mode"
	for f in "$idx"-*; do
		[ -e "$f" ] || continue
		[ "$(stat -c %a "$f")" = 600 ] || fail "$f mode $(stat -c %a "$f")"
	done
	"$BIN" search "admissions" --rag-index "$idx" | grep -q 'hospital stays' || fail "search"
}
