# cases_rag_dense.sh - dense vectors through the real binary and the test
# server's /v1/embeddings (hashed bags of words): metagen index add embeds
# in batches and caches, a re-add makes no embeddings request, metagen
# search --mode dense|hybrid (sourced by run.sh).

# emb_requests: the number of embeddings requests in the server's record.
emb_requests() {
	grep -c '"kind": "embeddings"' "$LLM_REC" 2>/dev/null || true
}

# dense_docs DIR: a glossary of 5 rows and a Markdown file of 2 sections.
dense_docs() {
	mkdir -p "$1"
	printf 'term,definition\nMRN,medical record number of the patient\nLOS,length of stay in days\nICU,intensive care unit\nDOB,date of birth\nHADM,hospital admission identifier\n' >"$1/glossary.csv"
	printf '# Admissions\nOne row per hospital stay of a patient.\n## Discharge\nWhen the patient leaves the ward alive or dead.\n' >"$1/guide.md"
}

case_rag_dense_embeddings_batched_and_cached() {
	local docs=$TMP/dd idx=$TMP/dd.sqlite out n
	start_llm dense --embed-dim 64 || return 1
	dense_docs "$docs"
	set -- --rag-index "$idx" --api-base "$LLM_URL" --rag-embeddings-model emb-a \
		--rag-embeddings-batch-size 3 --cache-dir "$TMP/ddcache"
	out=$("$BIN" index add "$docs" "$@" 2>&1) || { fail "index add: $out"; return 1; }
	echo "$out" | grep -q '^embedded: 7 chunks (3 requests, 0 from the cache)$' || fail "first add: $out"
	[ "$(emb_requests)" = 3 ] || fail "3 batched requests recorded, got $(emb_requests)"
	python3 - "$LLM_REC" <<'PY' || fail "request bodies"
import json, sys
rec = [json.loads(l) for l in open(sys.argv[1])]
sizes = [r["inputs"] for r in rec if r["kind"] == "embeddings"]
assert sizes == [3, 3, 1], sizes
for r in rec:
    assert r["path"] == "/v1/embeddings" and r["body"]["model"] == "emb-a", r
    assert all(isinstance(t, str) and t for t in r["body"]["input"])
PY
	"$BIN" index stats --rag-index "$idx" | grep -q '^embedded chunks: 7$' || fail "stats: embedded chunks"
	# unchanged corpus: nothing to embed, no request
	out=$("$BIN" index add "$docs" "$@" 2>&1) || fail "re-add: $out"
	echo "$out" | grep -q '^embedded: 0 chunks (0 requests' || fail "re-add embedded: $out"
	[ "$(emb_requests)" = 3 ] || fail "re-add made requests: $(emb_requests)"
	# one changed row: only the changed file's chunks, mostly cached
	sed -i 's/date of birth/date of birth of the patient/' "$docs/glossary.csv"
	out=$("$BIN" index add "$docs" "$@" 2>&1) || fail "changed add: $out"
	echo "$out" | grep -q '^embedded: 5 chunks (1 request, 4 from the cache)$' || fail "changed file: $out"
	n=$(grep '"kind": "embeddings"' "$LLM_REC" | tail -1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["inputs"])')
	[ "$n" = 1 ] || fail "only the changed row sent, got $n inputs"
	# a new index file over the same cache: every vector from the cache
	out=$("$BIN" index add "$docs" "$@" --rag-index "$TMP/dd2.sqlite" 2>&1) || fail "second index: $out"
	echo "$out" | grep -q '^embedded: 7 chunks (0 requests, 7 from the cache)$' || fail "second index: $out"
	[ "$(emb_requests)" = 4 ] || fail "cache missed: $(emb_requests) requests"
	# another model over the same index is refused, naming both
	out=$("$BIN" index add "$docs" "$@" --rag-embeddings-model emb-b 2>&1); n=$?
	[ $n = 2 ] || fail "other model: exit 2 expected, got $n"
	echo "$out" | grep -q "vectors of model 'emb-a', not of 'emb-b'" || fail "other model message: $out"
	return 0
}

case_rag_dense_and_hybrid_search() {
	local docs=$TMP/ds idx=$TMP/ds.sqlite out rc q
	start_llm dsearch || return 1
	dense_docs "$docs"
	set -- --rag-index "$idx" --api-base "$LLM_URL" --rag-embeddings-model emb --cache-dir "$TMP/dscache"
	"$BIN" index add "$docs" "$@" >/dev/null 2>&1 || { fail "index add"; return 1; }
	out=$("$BIN" search "intensive care unit" --mode dense --json "$@") || { fail "dense search"; return 1; }
	python3 - "$out" <<'PY' || fail "dense json: $out"
import json, sys
h = json.loads(sys.argv[1])
# "ICU\nICU: intensive care unit" (icu twice) against 3 of its words:
# cosine 3 / sqrt(7 * 3), if no two words share a position of 384
assert h[0]["ref"] == "ICU" and abs(h[0]["score"] - 3 / 21 ** 0.5) < 1e-5, h[0]
assert all(h[i]["score"] >= h[i + 1]["score"] for i in range(len(h) - 1))
PY
	# hybrid is the default with vectors: fused scores, at most 2/61
	out=$("$BIN" search "patient leaves the ward" --json --top-k 3 "$@") || { fail "default search"; return 1; }
	python3 - "$out" <<'PY' || fail "hybrid json: $out"
import json, sys
h = json.loads(sys.argv[1])
assert len(h) == 3 and h[0]["title"] == "Admissions > Discharge", h
assert all(0 < x["score"] <= 2 / 61 + 1e-12 for x in h), h
PY
	"$BIN" search "patient leaves the ward" --mode bm25 --json "$@" | grep -q '"title":"Admissions > Discharge"' || fail "bm25 mode"
	for q in '"unbalanced' 'NEAR(a b)' '(((' '' "'; DROP TABLE chunks; --"; do
		"$BIN" search "$q" --mode hybrid "$@" >/dev/null 2>"$TMP/dq.err" || fail "hybrid query '$q': $(cat "$TMP/dq.err")"
	done
	"$BIN" search x --mode sparse "$@" 2>"$TMP/dm.err"; rc=$?
	[ $rc = 2 ] && grep -q 'expected bm25, dense or hybrid' "$TMP/dm.err" || fail "bad mode: exit $rc"
	# no embeddings model: dense refused (exit 2, saying what is missing), default bm25
	"$BIN" search patient --mode dense --rag-index "$idx" 2>"$TMP/dn.err"; rc=$?
	[ $rc = 2 ] && grep -q 'rag.embeddings.model' "$TMP/dn.err" || fail "dense without a model: exit $rc $(cat "$TMP/dn.err")"
	"$BIN" search "patient leaves" --rag-index "$idx" >/dev/null || fail "bm25 default without a model"
	return 0
}

# A run on a copy of the demo database with --apply (the test server's
# AUTO comments), then its comments.tsv and the warehouse's comments of
# the same scope indexed: both searchable by table and column names;
# re-adding either is unchanged; --prune keeps the warehouse document.
case_rag_index_run_and_warehouse() {
	local conn idx=$TMP/rw.sqlite out run rc
	start_llm rw || return 1
	conn=$(sqlite_copy rw)
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" \
		--scope 'main.patients,main.admissions' --no-cache --apply \
		--out "$TMP/rwout" >"$TMP/rw.gen" 2>&1 || { cat "$TMP/rw.gen" >&2; fail "generate"; return 1; }
	run=$(run_dir "$TMP/rwout")
	out=$("$BIN" index add --run "$run" --rag-index "$idx" 2>&1) || { fail "--run: $out"; return 1; }
	echo "$out" | grep -q '/comments.tsv: added, 29 comments, 29 chunks$' || fail "--run line: $out"
	out=$("$BIN" search 'patients expire_flag' --rag-index "$idx" --json --top-k 1)
	echo "$out" | grep -q '"title":"main.patients.expire_flag".*"text":"Auto comment for main.patients.expire_flag."' ||
		fail "run comment not found: $out"
	"$BIN" index add --run "$run" --rag-index "$idx" | grep -q 'unchanged, 29 comments, 0 chunks' || fail "--run re-add"
	out=$("$BIN" index add --warehouse --connection "$conn" --scope 'main.patients' --rag-index "$idx" 2>&1) ||
		{ fail "--warehouse: $out"; return 1; }
	echo "$out" | grep -q "^warehouse:Driver=SQLite3;Database=$TMP/rw.sqlite: added, 9 comments, 9 chunks$" ||
		fail "--warehouse line: $out"
	out=$("$BIN" search 'dob patients' --rag-index "$idx" --json)
	echo "$out" | grep -q '"source":"warehouse:[^"]*","title":"main.patients.dob"' || fail "warehouse comment not found: $out"
	"$BIN" index add --warehouse --connection "$conn" --scope 'main.patients' --rag-index "$idx" |
		grep -q 'unchanged, 9 comments' || fail "--warehouse re-add"
	"$BIN" index add --prune --rag-index "$idx" | grep -q '^pruned: 0 documents$' || fail "prune dropped a document"
	"$BIN" index stats --rag-index "$idx" | grep -q '^documents: 2$' || fail "two documents"
	# a folder without comments.tsv, a warehouse that is not there: exit 2
	"$BIN" index add --run "$TMP" --rag-index "$idx" 2>"$TMP/rw.err"; rc=$?
	[ $rc = 2 ] && grep -q "^metagen: --run $TMP:" "$TMP/rw.err" || fail "--run without comments.tsv: exit $rc $(cat "$TMP/rw.err")"
	"$BIN" index add --warehouse --connection "Driver=SQLite3;Database=$TMP/none/x.sqlite" --rag-index "$idx" 2>"$TMP/rw.err"; rc=$?
	[ $rc = 2 ] && grep -q '^metagen: --warehouse:' "$TMP/rw.err" || fail "bad warehouse: exit $rc $(cat "$TMP/rw.err")"
	"$BIN" index stats --warehouse --rag-index "$idx" 2>/dev/null; rc=$?
	[ $rc = 2 ] || fail "--warehouse outside add: exit $rc"
	return 0
}
