#!/usr/bin/env bash
# bench/rag.sh - the retrieval index at scale (issue 11): index N synthetic
# chunks (BENCH_RAG_CHUNKS, default 1,000,000; Zipf-distributed words over
# a 50,000-word vocabulary, about 40 words per chunk, in JSONL files of
# 25,000 chunks) with `metagen index add` (wall, CPU, peak RSS, file size),
# then BM25 top-10 over BENCH_RAG_QUERIES (default 300) three-word queries drawn from the same
# distribution (p50, p99; target p50 < 10 ms; the first BENCH_RAG_CHECK,
# default 20, compared with FTS5's exhaustive bm25(): any difference fails
# the bench), then an unchanged re-add (target < 1 s per 10,000 chunks).
# Then, with the test server's embeddings (tests/server/fake_llm.py:
# hashed bags of words, 384-d): an unchanged re-add of 10,000 embedded
# chunks (target < 1 s and 0 embedding calls, counted in the server's
# request record),
# dense and hybrid top-10 over BENCH_RAG_DENSE_CHUNKS (default 100,000)
# chunks of random unit vectors (bench/rag_dense.c; target dense p50 <
# 30 ms), and SciFact's nDCG@10 in bm25, dense and hybrid mode when
# ../shared/datasets/scifact_beir is there (or BENCH_SCIFACT names it).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/metagen
MEASURE=$ROOT/build/bench-measure
QUERY=$ROOT/build/bench-rag-query
DENSE=$ROOT/build/bench-rag-dense
ND=${BENCH_RAG_DENSE_CHUNKS:-100000}
N=${BENCH_RAG_CHUNKS:-1000000}
Q=${BENCH_RAG_QUERIES:-300}
CHECK=${BENCH_RAG_CHECK:-20}
load() { echo "rag: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores ($1)"; }
load start
TMP=$(mktemp -d /tmp/metagen-rag-bench.XXXXXX)
LLM_PID=
trap '[ -n "$LLM_PID" ] && kill "$LLM_PID"; rm -rf "$TMP"' EXIT

python3 - "$TMP" "$N" "$Q" <<'PY'
import json, os, random, sys
tmp, n, nq = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(11)
syl = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "da", "zu", "gi"]
vocab = sorted({"".join(rnd.choice(syl) for _ in range(rnd.randint(2, 4)))
                for _ in range(80000)})[:50000]
rnd.shuffle(vocab)
weights = [1.0 / (i + 1) for i in range(len(vocab))]
cum, s = [], 0.0
for w in weights:
    s += w; cum.append(s)
def words(k):
    return rnd.choices(vocab, cum_weights=cum, k=k)
os.makedirs(tmp + "/corpus")
per = 25000
for f in range((n + per - 1) // per):
    with open("%s/corpus/part%03d.jsonl" % (tmp, f), "w") as out:
        for i in range(f * per, min(n, (f + 1) * per)):
            out.write(json.dumps({"_id": str(i), "title": " ".join(words(4)),
                                  "text": " ".join(words(36))}) + "\n")
with open(tmp + "/queries.txt", "w") as out:
    for _ in range(nq):
        out.write(" ".join(words(3)) + "\n")
PY
echo "rag: $N synthetic chunks in $(ls "$TMP/corpus" | wc -l) files, $(du -sh "$TMP/corpus" | cut -f1)"
"$MEASURE" "$BIN" index add "$TMP/corpus" --rag-index "$TMP/idx.sqlite" --quiet \
	2>"$TMP/add.json" >/dev/null
python3 - "$TMP/add.json" "$TMP/idx.sqlite" "$N" <<'PY'
import json, os, sys
m = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
n = int(sys.argv[3])
print("rag index add: %.1f s wall, %.1f s CPU, peak RSS %.1f MB, file %.1f MB (%d chunks)"
      % (m["wall"], m["user"] + m["sys"], m["maxrss_kib"] / 1024,
         os.path.getsize(sys.argv[2]) / 2**20, n))
PY
load "before the queries"
"$QUERY" "$TMP/idx.sqlite" "$TMP/queries.txt" 10 "$CHECK" | python3 -c '
import json, sys
q = json.loads(sys.stdin.read())
print("rag bm25 top-10 (MaxScore, block-max): p50 %.2f ms, p99 %.2f ms, mean %.2f ms over %d queries (target p50 < 10 ms); CPU time alone p50 %.2f ms, p99 %.2f ms"
      % (q["p50_ms"], q["p99_ms"], q["mean_ms"], q["queries"], q["cpu_p50_ms"], q["cpu_p99_ms"]))
print("rag bm25 top-10 = FTS5 exhaustive bm25() on %d of them: %d differ (FTS5 alone p50 %.0f ms)"
      % (q["checked"], q["mismatches"], q["fts_p50_ms"]))
sys.exit(1 if q["mismatches"] else 0)'
"$MEASURE" "$BIN" index add "$TMP/corpus" --rag-index "$TMP/idx.sqlite" --quiet \
	2>"$TMP/readd.json" >/dev/null
python3 - "$TMP/readd.json" "$N" <<'PY'
import json, sys
m = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
n = int(sys.argv[2])
print("rag unchanged re-add: %.2f s wall = %.3f s per 10,000 chunks (target < 1 s)"
      % (m["wall"], m["wall"] / n * 10000))
PY

# the test server, for query (and SciFact chunk) embeddings
python3 "$ROOT/tests/server/fake_llm.py" --port-file "$TMP/llm.port" --record "$TMP/llm.rec" \
	>"$TMP/llm.log" 2>&1 &
LLM_PID=$!
for _ in $(seq 300); do [ -s "$TMP/llm.port" ] && break; sleep 0.05; done
[ -s "$TMP/llm.port" ] || { cat "$TMP/llm.log" >&2; exit 1; }
API=http://127.0.0.1:$(cat "$TMP/llm.port")/v1

# an unchanged re-add of 10,000 embedded chunks: no embedding call
mkdir "$TMP/small"
head -n 10000 "$TMP/corpus/part000.jsonl" >"$TMP/small/part.jsonl"
set -- --rag-index "$TMP/small.sqlite" --api-base "$API" --rag-embeddings-model hashed-bow \
	--cache-dir "$TMP/smallcache" --quiet
"$BIN" index add "$TMP/small" "$@" >/dev/null
calls=$(wc -l <"$TMP/llm.rec")
"$MEASURE" "$BIN" index add "$TMP/small" "$@" 2>"$TMP/small.json" >/dev/null
python3 - "$TMP/small.json" "$calls" "$(wc -l <"$TMP/llm.rec")" "$TMP/small.sqlite" <<'PY'
import json, sqlite3, sys
m = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
n = sqlite3.connect(sys.argv[4]).execute("SELECT count(*) FROM chunk_vectors").fetchone()[0]
print("rag unchanged re-add of %d embedded chunks: %.2f s wall, %d embedding calls (target < 1 s, 0 calls; the first add made %d)"
      % (n, m["wall"], int(sys.argv[3]) - int(sys.argv[2]), int(sys.argv[2])))
PY
set --
"$DENSE" "$TMP/dense.sqlite" "$API" "$ND" 384 "$TMP/queries.txt" | python3 -c '
import json, sys
q = json.loads(sys.stdin.read())
print("rag dense top-10 over %d x %d-d: p50 %.2f ms, p99 %.2f ms (target p50 < 30 ms); exact scan alone p50 %.2f ms; first search (reads the vectors) %.0f ms"
      % (q["chunks"], q["dim"], q["dense_p50_ms"], q["dense_p99_ms"], q["scan_p50_ms"], q["first_search_ms"]))
print("rag hybrid top-10 (BM25 + dense, RRF k = 60, lists 100 deep): p50 %.2f ms, p99 %.2f ms over %d queries"
      % (q["hybrid_p50_ms"], q["hybrid_p99_ms"], q["queries"]))'
rm -f "$TMP/dense.sqlite"

SF=${BENCH_SCIFACT:-$ROOT/../shared/datasets/scifact_beir}
if [ -s "$SF/corpus.jsonl.gz" ]; then
	gunzip -c "$SF/corpus.jsonl.gz" >"$TMP/scifact.jsonl"
	set -- --rag-index "$TMP/sf.sqlite" --api-base "$API" --rag-embeddings-model hashed-bow \
		--cache-dir "$TMP/sfcache"
	"$BIN" index add "$TMP/scifact.jsonl" "$@" --quiet >"$TMP/sf.add"
	echo "rag scifact: $(tail -1 "$TMP/sf.add")"
	for mode in bm25 dense hybrid; do
		"$BIN" search --eval "$SF/queries.jsonl" "$SF/qrels/test.tsv" --mode $mode "$@" |
			sed -n "s/^ndcg@10: /rag scifact $mode nDCG@10: /p"
	done
	echo "rag scifact: (BEIR BM25 0.665; the test server's vectors are hashed bags of words: no gain expected from fusion)"
else
	echo "rag scifact: dataset not found at $SF (set BENCH_SCIFACT)"
fi
load end
