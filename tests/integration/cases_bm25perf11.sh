# cases_bm25perf11.sh - the BM25 impact index through the real binary
# (src/rag/rag_bm25*.c): an index file written before the impact index
# existed gets it when opened and ranks as before; removing and changing
# a file leaves no posting of its old chunks behind (sourced by run.sh).

# The JSON hits of `metagen search Q` on index $1 (ids, scores, titles).
bm25_hits() {
	"$BIN" search "$2" --rag-index "$1" --top-k 20 --json |
		python3 -c 'import json, sys; print([(h["id"], repr(h["score"]), h["title"]) for h in json.load(sys.stdin)])'
}

case_bm25_older_index_file_built_on_open() {
	local idx=$TMP/old.sqlite docs=$TMP/olddocs before after n
	mkdir -p "$docs"
	printf '# Patients\nOne row per patient, with the date of birth.\n## Deaths\nThe date of death of a patient, from the hospital or SSN record.\n' >"$docs/guide.md"
	printf 'term,definition\nexpire_flag,"1 when the patient died"\ndod,date of death\n' >"$docs/glossary.csv"
	"$BIN" index add "$docs" --rag-index "$idx" --quiet >/dev/null || { fail "index add"; return 1; }
	before=$(bm25_hits "$idx" "date of death patient") || { fail "search"; return 1; }
	case "$before" in *Deaths*) ;; *) fail "no Deaths hit: $before"; return 1 ;; esac
	sqlite3 "$idx" "DROP TABLE bm25_terms; DROP TABLE bm25_blocks; DROP TABLE bm25_stats" ||
		{ fail "sqlite3 drop"; return 1; }
	after=$(bm25_hits "$idx" "date of death patient") || { fail "search after drop"; return 1; }
	[ "$before" = "$after" ] || fail "ranking changed: $before / $after"
	n=$(sqlite3 "$idx" "SELECT (SELECT rows FROM bm25_stats) = (SELECT count(*) FROM chunks)")
	[ "$n" = 1 ] || fail "bm25_stats rows differ from the chunks"
}

case_bm25_remove_and_change_leave_no_postings() {
	local idx=$TMP/rm.sqlite docs=$TMP/rmdocs out n
	mkdir -p "$docs"
	printf 'zygomorphic flowers and a patient\n' >"$docs/a.txt"
	printf 'quokka habitats and a patient\n' >"$docs/b.txt"
	"$BIN" index add "$docs" --rag-index "$idx" --quiet >/dev/null || { fail "index add"; return 1; }
	out=$(bm25_hits "$idx" "zygomorphic")
	case "$out" in *a.txt*) ;; *) fail "zygomorphic not found: $out"; return 1 ;; esac
	"$BIN" index remove "$docs/a.txt" --rag-index "$idx" >/dev/null || { fail "index remove"; return 1; }
	rm "$docs/a.txt"
	[ "$(bm25_hits "$idx" "zygomorphic")" = "[]" ] || fail "removed file still found"
	printf 'wallaby habitats and a patient\n' >"$docs/b.txt"
	"$BIN" index add "$docs" --rag-index "$idx" --quiet >/dev/null || { fail "re-add"; return 1; }
	[ "$(bm25_hits "$idx" "quokka")" = "[]" ] || fail "old text of a changed file still found"
	case "$(bm25_hits "$idx" "wallaby")" in *b.txt*) ;; *) fail "new text not found" ;; esac
	n=$(sqlite3 "$idx" "SELECT count(*) FROM bm25_terms WHERE CAST(term AS TEXT) IN ('zygomorph', 'quokka')")
	[ "$n" = 0 ] || fail "$n terms of removed text left in bm25_terms"
	n=$(sqlite3 "$idx" "SELECT (SELECT sum(df) FROM bm25_terms) = (SELECT sum(n) FROM bm25_blocks)")
	[ "$n" = 1 ] || fail "bm25_terms and bm25_blocks disagree"
}
