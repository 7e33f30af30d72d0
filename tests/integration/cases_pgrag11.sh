# cases_pgrag11.sh - the PostgreSQL retrieval store (rag.connection) on the
# private cluster through psqlODBC and the real binary: a folder of
# Markdown, CSV, BEIR JSONL and text indexed and searched, re-adds that
# change nothing, a changed file's chunks replaced, remove and --prune,
# hostile query text, two processes indexing into one store, dense and
# hybrid search with the test server's vectors, generate's context from
# the store reaching a recorded LM request, and SciFact's nDCG@10
# (sourced by run.sh).

# pgrag_db NAME: a fresh database NAME on the test cluster; prints the
# rag.connection string for it.
pgrag_db() {
	psql -d postgres -qc "DROP DATABASE IF EXISTS $1" >/dev/null 2>&1
	psql -d postgres -qc "CREATE DATABASE $1" >/dev/null || return 1
	pg_conn "$1"
}

# pgrag_sql DB SQL: one value from the store's database.
pgrag_sql() {
	psql -d "$1" -tAc "$2"
}

# pgrag_docs DIR: one file of each kind and a hostile one.
pgrag_docs() {
	mkdir -p "$1/sub"
	printf '# Admissions\nOne row per hospital stay of a patient.\n## Discharge\nWhen the patient leaves the ward: QWXZ marker.\n' >"$1/guide.md"
	printf 'term,definition\nMRN,"Medical record number, unique per patient"\nLOS,length of stay in days\n' >"$1/glossary.csv"
	printf '{"_id": "doc-7", "title": "Sepsis", "text": "Sepsis is a dysregulated host response to infection."}\nnot json at all\n{"_id": "doc-8", "title": "Insulin", "text": "Insulin lowers blood glucose."}\n' >"$1/sub/corpus.jsonl"
	printf 'Plain notes about the ICU night shift and ventilators.\n' >"$1/sub/notes.txt"
	head -c 3000 /dev/urandom >"$1/sub/photo.md"
	# a hostile name and hostile text: values, never SQL
	printf "# Robert'); DROP TABLE chunks; -- \\\\ \$1 ?\nBVKQ text with a nul \\000 byte and \\xff bad utf8 é.\n" >"$1/sub/it's \"odd\"; DROP ?.md"
}

case_pgrag_index_search_readd_change_remove() {
	local db=pgrag_a c docs=$TMP/pgra out rc n0 max0 n1 max1
	c=$(pgrag_db $db) || { fail "create database"; return 1; }
	set -- --rag-connection "$c"
	pgrag_docs "$docs"
	"$BIN" index add "$docs" "$@" >"$TMP/pgra.out" 2>"$TMP/pgra.err"; rc=$?
	[ $rc = 1 ] || fail "the binary .md is refused: exit 1 expected, got $rc"
	grep -q 'photo.md: binary file, not indexed' "$TMP/pgra.err" || fail "binary refused: $(cat "$TMP/pgra.err")"
	grep -q 'guide.md: added, 2 chunks' "$TMP/pgra.out" || fail "markdown: $(cat "$TMP/pgra.out")"
	grep -q 'glossary.csv: added, 2 chunks' "$TMP/pgra.out" || fail "glossary"
	grep -q 'corpus.jsonl: added, 2 chunks' "$TMP/pgra.out" || fail "beir jsonl"
	grep -q 'notes.txt: added, 1 chunk' "$TMP/pgra.out" || fail "text"
	grep -q "it's \"odd\"; DROP ?.md: added, 1 chunk" "$TMP/pgra.out" || fail "hostile file name: $(cat "$TMP/pgra.out")"
	"$BIN" search BVKQ --json "$@" | grep -q "Robert'); DROP TABLE chunks" || fail "hostile heading kept as text"
	# the store's own tables: versioned, weighted tsvector, GIN index
	[ "$(pgrag_sql $db "select value from metagen_rag.rag_meta where key = 'format'")" = metagen-rag-pg-1 ] || fail "format row"
	pgrag_sql $db "select indexdef from pg_indexes where schemaname = 'metagen_rag' and indexname = 'chunks_tsv'" | grep -q 'USING gin (tsv)' || fail "gin index"
	pgrag_sql $db "select tsv from metagen_rag.chunks where title = 'Admissions > Discharge'" | grep -q "'discharg':[0-9]*A" || fail "title weighted A"
	out=$("$BIN" search "when does the patient leave" --json "$@") || { fail "search"; return 1; }
	python3 - "$out" <<'PY' || fail "search json: $out"
import json, sys
h = json.loads(sys.argv[1])
assert h[0]["title"] == "Admissions > Discharge", h[0]
assert h[0]["source"].endswith("/guide.md") and h[0]["score"] > 0
PY
	"$BIN" search "dysregulated response to infection" --json "$@" | grep -q '"ref":"doc-7"' || fail "beir document by its _id"
	"$BIN" search "medical record" "$@" | grep -q 'MRN: Medical record number' || fail "glossary entry"
	# re-adding unchanged files writes nothing
	n0=$(pgrag_sql $db "select count(*) from metagen_rag.chunks"); max0=$(pgrag_sql $db "select max(id) from metagen_rag.chunks")
	out=$("$BIN" index add "$docs/guide.md" "$docs/glossary.csv" "$docs/sub/corpus.jsonl" "$@") || fail "re-add"
	[ "$(echo "$out" | grep -c 'unchanged, 0 chunks')" = 3 ] || fail "re-add unchanged: $out"
	n1=$(pgrag_sql $db "select count(*) from metagen_rag.chunks"); max1=$(pgrag_sql $db "select max(id) from metagen_rag.chunks")
	[ "$n0 $max0" = "$n1 $max1" ] || fail "re-add rewrote chunks: $n0 $max0 -> $n1 $max1"
	# a changed file replaces its chunks (and only its)
	printf '# Admissions\nThe ward keeps ZRKV discharge summaries.\n' >"$docs/guide.md"
	"$BIN" index add "$docs/guide.md" "$@" | grep -q 'guide.md: replaced, 1 chunk' || fail "changed file replaced"
	"$BIN" search "QWXZ" "$@" | grep -q QWXZ && fail "old chunk still found"
	"$BIN" search "ZRKV" "$@" | grep -q 'ZRKV discharge' || fail "new chunk not found"
	[ "$(pgrag_sql $db "select count(*) from metagen_rag.chunks c join metagen_rag.documents d on d.id = c.doc where d.path like '%/guide.md'")" = 1 ] || fail "guide chunks"
	[ "$(pgrag_sql $db "select count(*) from metagen_rag.chunks where id <= $max0")" = $((n0 - 2)) ] || fail "other documents' chunks rewritten"
	# remove, remove again, prune
	"$BIN" index remove "$docs/sub/it's \"odd\"; DROP ?.md" "$@" | grep -q 'DROP ?.md: removed' || fail "remove the hostile name"
	"$BIN" index remove "$docs/glossary.csv" "$@" | grep -q 'glossary.csv: removed' || fail "remove"
	"$BIN" index remove "$docs/glossary.csv" "$@" 2>/dev/null; [ $? = 1 ] || fail "remove twice: exit 1"
	rm "$docs/sub/notes.txt"
	"$BIN" index add --prune "$@" | grep -q 'pruned: 1 document' || fail "prune"
	out=$("$BIN" index stats "$@" 2>&1) || fail "stats"
	echo "$out" | grep -q '^documents: 2$' || fail "stats documents: $out"
	echo "$out" | grep -q '^chunks: 3$' || fail "stats chunks: $out"
	echo "$out" | grep -q '^size on disk: [1-9][0-9]* bytes$' || fail "stats size: $out"
	echo "$out" | grep -q '^index: postgresql:.*Pwd=\*\*\*' || fail "stats names the store, masked: $out"
	grep -q testpw "$TMP/pgra.out" "$TMP/pgra.err" && fail "password in the output"
	echo "$out" | grep -q testpw && fail "password in stats"
	return 0
}

case_pgrag_hostile_queries() {
	local db=pgrag_h c q out before long=""
	c=$(pgrag_db $db) || { fail "create database"; return 1; }
	pgrag_docs "$TMP/pgrh"
	"$BIN" index add "$TMP/pgrh/guide.md" "$TMP/pgrh/glossary.csv" --rag-connection "$c" >/dev/null || { fail "index add"; return 1; }
	before=$(pgrag_sql $db "select count(*) || ' ' || max(id) from metagen_rag.chunks")
	for _ in $(seq 400); do long="$long patient"; done
	for q in '"unbalanced' 'NEAR(a b)' 'a AND OR NOT b' 'pre*' '^x' 'title:MRN' '(((' '' ')' \
		"'; DROP SCHEMA metagen_rag CASCADE; --" 'patient & !ward | stay:* <-> los' \
		"patient's \"stay\"" 'back\slash \\ \\\\ \' '$1 $$ ?? %s %n' 'x -- /* */' \
		$'caf\xc3\xa9 na\xc3\xafve 医院 患者 😀 e\xcc\x81' 'the of and' '!!!' "$long"; do
		"$BIN" search "$q" --rag-connection "$c" >"$TMP/pgrh.out" 2>"$TMP/pgrh.err" || fail "query '${q:0:40}': $(cat "$TMP/pgrh.err")"
	done
	"$BIN" search "patient's \"stay\"" --rag-connection "$c" | grep -q 'hospital stay' || fail "quoted words still match"
	"$BIN" search 'title:MRN' --rag-connection "$c" | grep -q 'MRN: Medical' || fail "a column filter is a plain word"
	[ "$(pgrag_sql $db "select count(*) || ' ' || max(id) from metagen_rag.chunks")" = "$before" ] || fail "a query changed the store"
	return 0
}

case_pgrag_two_processes_one_store() {
	local db=pgrag_two c d=$TMP/pgr2 i p1 p2 r1 r2 added
	c=$(pgrag_db $db) || { fail "create database"; return 1; }
	mkdir -p "$d"
	for i in $(seq 40); do printf 'Document %d about topic%d and shared words.\n' "$i" "$i" >"$d/f$i.txt"; done
	# both start on an empty database: the schema is made once
	"$BIN" index add "$d" --rag-connection "$c" >"$TMP/pgr2.1" 2>&1 & p1=$!
	"$BIN" index add "$d" --rag-connection "$c" >"$TMP/pgr2.2" 2>&1 & p2=$!
	wait $p1; r1=$?; wait $p2; r2=$?
	[ "$r1 $r2" = "0 0" ] || { cat "$TMP/pgr2.1" "$TMP/pgr2.2" >&2; fail "exits $r1 $r2"; return 1; }
	added=$(cat "$TMP/pgr2.1" "$TMP/pgr2.2" | grep -c ': added, 1 chunk$')
	[ "$added" = 40 ] || fail "each file added once over both processes: $added"
	[ "$(cat "$TMP/pgr2.1" "$TMP/pgr2.2" | grep -c ': unchanged, 0 chunks$')" = 40 ] || fail "the other process found them unchanged"
	[ "$(pgrag_sql $db "select count(*) || ' ' || count(distinct path) from metagen_rag.documents")" = "40 40" ] || fail "documents"
	[ "$(pgrag_sql $db "select count(*) from metagen_rag.chunks")" = 40 ] || fail "chunks"
	"$BIN" search topic17 --rag-connection "$c" | grep -q 'Document 17 about' || fail "search after both"
	# two processes replacing the same changed files
	for i in $(seq 40); do printf 'Changed %d text.\n' "$i" >"$d/f$i.txt"; done
	"$BIN" index add "$d" --rag-connection "$c" >"$TMP/pgr2.3" 2>&1 & p1=$!
	"$BIN" index add "$d" --rag-connection "$c" >"$TMP/pgr2.4" 2>&1 & p2=$!
	wait $p1; r1=$?; wait $p2; r2=$?
	[ "$r1 $r2" = "0 0" ] || { cat "$TMP/pgr2.3" "$TMP/pgr2.4" >&2; fail "second round exits $r1 $r2"; return 1; }
	[ "$(cat "$TMP/pgr2.3" "$TMP/pgr2.4" | grep -c ': replaced, 1 chunk$')" = 40 ] || fail "each file replaced once"
	[ "$(pgrag_sql $db "select count(*) from metagen_rag.chunks")" = 40 ] || fail "chunks after replace"
	return 0
}

case_pgrag_dense_and_hybrid_same_as_sqlite() {
	local db=pgrag_d c docs=$TMP/pgrd idx=$TMP/pgrd.sqlite out_pg out_sq q n
	c=$(pgrag_db $db) || { fail "create database"; return 1; }
	start_llm pgdense || return 1
	mkdir -p "$docs"
	printf 'term,definition\nMRN,medical record number of the patient\nLOS,length of stay in days\nICU,intensive care unit\nDOB,date of birth\nHADM,hospital admission identifier\n' >"$docs/glossary.csv"
	printf '# Admissions\nOne row per hospital stay of a patient.\n## Discharge\nWhen the patient leaves the ward alive or dead.\n' >"$docs/guide.md"
	set -- --api-base "$LLM_URL" --rag-embeddings-model emb --cache-dir "$TMP/pgrdcache"
	"$BIN" index add "$docs" --rag-connection "$c" "$@" >"$TMP/pgrd.out" 2>&1 || { cat "$TMP/pgrd.out" >&2; fail "pg index add"; return 1; }
	"$BIN" index add "$docs" --rag-index "$idx" "$@" >/dev/null 2>&1 || { fail "sqlite index add"; return 1; }
	grep -q '^embedded: 7 chunks' "$TMP/pgrd.out" || fail "embedded line: $(cat "$TMP/pgrd.out")"
	"$BIN" index stats --rag-connection "$c" | grep -q '^embedded chunks: 7$' || fail "stats embedded"
	[ "$(pgrag_sql $db "select value from metagen_rag.rag_meta where key = 'embed_type'")" = 'real[]' ] || fail "no pgvector here: real[] vectors"
	[ "$(pgrag_sql $db "select count(*) from metagen_rag.chunk_vectors where array_length(v, 1) = 384")" = 7 ] || fail "vectors of 384 floats"
	n=$(grep -c '"kind": "embeddings"' "$LLM_REC")
	"$BIN" index add "$docs" --rag-connection "$c" "$@" >/dev/null 2>&1 || fail "re-add"
	[ "$(grep -c '"kind": "embeddings"' "$LLM_REC")" = "$n" ] || fail "a re-add asked for embeddings"
	for q in "intensive care unit" "patient leaves the ward" "date of birth"; do
		for m in dense hybrid; do
			out_pg=$("$BIN" search "$q" --mode $m --json --rag-connection "$c" "$@") || { fail "pg $m '$q'"; continue; }
			out_sq=$("$BIN" search "$q" --mode $m --json --rag-index "$idx" "$@") || { fail "sqlite $m '$q'"; continue; }
			python3 - "$out_pg" "$out_sq" "$m" <<'PY' || fail "$m '$q': the stores disagree"
import json, sys
pg, sq, mode = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
tp = [(h["source"], h["title"]) for h in pg]
ts = [(h["source"], h["title"]) for h in sq]
if mode == "dense":
    # the same vectors ranked exactly: the same order and cosines
    assert tp == ts, (tp, ts)
    assert all(abs(a["score"] - b["score"]) < 1e-5 for a, b in zip(pg, sq))
else:
    # fusion of the same dense list with each store's own full-text list
    assert tp and set(tp[:3]) & set(ts[:3]), (tp, ts)
    assert all(0 < h["score"] <= 2 / 61 for h in pg)
PY
		done
	done
	"$BIN" search "intensive care" --mode dense --json --rag-connection "$c" "$@" | grep -q '"title":"ICU"' || fail "dense finds the ICU entry"
	return 0
}

case_pgrag_generate_context_reaches_the_lm() {
	local db=pgrag_g c conn out rc
	c=$(pgrag_db $db) || { fail "create database"; return 1; }
	start_llm pgctx || return 1
	conn=$(sqlite_copy pgctx); out=$TMP/pgctxout
	write_program "$TMP/pgctx.json" 6
	printf 'term,definition\nexpire_flag,"ZQXW marker: 1 when the patient died"\nhadm_id,"KRPL marker: one hospital admission"\nunrelated_term,never retrieved NVRX\n' >"$TMP/pgctx.csv"
	"$BIN" index add "$TMP/pgctx.csv" --rag-connection "$c" >/dev/null || { fail "index add"; return 1; }
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" \
		--scope 'main.patients,main.admissions' --program "$TMP/pgctx.json" \
		--rollout-optimized 'main.patients' --rag-connection "$c" --no-cache \
		--out "$out" >"$TMP/pgctx.out" 2>&1; rc=$?
	[ $rc = 0 ] || { cat "$TMP/pgctx.out" >&2; fail "exit $rc"; return 1; }
	python3 - "$LLM_REC" "$(run_dir "$out")" <<'PY' || fail "context from the PostgreSQL store in requests and traces"
import json, sys
text = {}
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["kind"] == "comment":
        text[r["table"]] = text.get(r["table"], "") + "\n".join(m["content"] for m in r["body"]["messages"])
assert "ZQXW marker" in text["main.patients"], "optimized request lacks the glossary"
assert "KRPL marker" in text["main.admissions"], "legacy request lacks the glossary"
assert "NVRX" not in text["main.patients"] + text["main.admissions"]
tr = [json.loads(l) for l in open(sys.argv[2] + "/traces.jsonl")]
ctx = [t["context"] for t in tr if t["kind"] == "comment"]
assert ctx and all(c and c[0]["glossary"] is True for c in ctx), ctx
PY
	grep -rq testpw "$(run_dir "$out")" "$TMP/pgctx.out" && fail "password in the run's files"
	# a store that cannot be reached stops the run, its password masked
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --scope 'main.patients' \
		--rag-connection "Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=$PGPORT;Database=$db;Uid=postgres;Pwd=wrong-pw-3141" \
		--no-cache --out "$TMP/pgctxbad" >"$TMP/pgctxbad.out" 2>&1; rc=$?
	[ $rc != 0 ] || fail "an unreachable store: the run went on"
	grep -q 'Pwd=\*\*\*' "$TMP/pgctxbad.out" || fail "message names the store masked: $(cat "$TMP/pgctxbad.out")"
	grep -q 'wrong-pw-3141' "$TMP/pgctxbad.out" && fail "password in the message"
	# a database without a store: no context, nothing created
	c=$(pgrag_db pgrag_g2) || { fail "create database"; return 1; }
	"$BIN" index stats --rag-connection "$c" 2>"$TMP/pgctxnone.err"; rc=$?
	[ $rc = 2 ] || fail "stats without a store: exit 2, got $rc"
	[ "$(pgrag_sql pgrag_g2 "select count(*) from pg_namespace where nspname = 'metagen_rag'")" = 0 ] || fail "stats created the store"
	return 0
}

case_pgrag_scifact_ndcg() {
	local d db=pgrag_sf c out ndcg
	d=$(scifact_dir) || { fail "scifact_beir dataset not found"; return 1; }
	c=$(pgrag_db $db) || { fail "create database"; return 1; }
	gunzip -c "$d/corpus.jsonl.gz" >"$TMP/pgsf.jsonl" || { fail "gunzip"; return 1; }
	"$BIN" index add "$TMP/pgsf.jsonl" --rag-connection "$c" >"$TMP/pgsf.add" 2>&1 ||
		{ cat "$TMP/pgsf.add" >&2; fail "index add"; return 1; }
	out=$("$BIN" search --eval "$d/queries.jsonl" "$d/qrels/test.tsv" --rag-connection "$c" 2>&1) ||
		{ echo "$out" >&2; fail "search --eval"; return 1; }
	echo "$out" | sed 's/^/    scifact (postgresql): /' >&2
	echo "$out" | grep -q '^queries: 300$' || fail "300 test queries: $out"
	ndcg=$(echo "$out" | sed -n 's/^ndcg@10: //p')
	# BEIR Table 2 BM25 on SciFact: 0.665; the store measured 0.671
	python3 -c "import sys; sys.exit(0 if float('$ndcg') >= 0.655 else 1)" ||
		fail "nDCG@10 $ndcg < 0.655"
}
