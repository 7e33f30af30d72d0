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
