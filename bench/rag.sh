#!/usr/bin/env bash
# bench/rag.sh - the retrieval index at scale (issue 11): index N synthetic
# chunks (BENCH_RAG_CHUNKS, default 1,000,000; Zipf-distributed words over
# a 50,000-word vocabulary, about 40 words per chunk, in JSONL files of
# 25,000 chunks) with `metagen index add` (wall, CPU, peak RSS, file size),
# then BM25 top-10 over BENCH_RAG_QUERIES (default 300) three-word queries drawn from the same
# distribution (p50, p99; target p50 < 10 ms), then an unchanged re-add
# (target < 1 s per 10,000 chunks).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/metagen
MEASURE=$ROOT/build/bench-measure
QUERY=$ROOT/build/bench-rag-query
N=${BENCH_RAG_CHUNKS:-1000000}
Q=${BENCH_RAG_QUERIES:-300}
TMP=$(mktemp -d /tmp/metagen-rag-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

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
"$QUERY" "$TMP/idx.sqlite" "$TMP/queries.txt" 10 | python3 -c '
import json, sys
q = json.loads(sys.stdin.read())
print("rag bm25 top-10: p50 %.2f ms, p99 %.2f ms, mean %.2f ms over %d queries (target p50 < 10 ms)"
      % (q["p50_ms"], q["p99_ms"], q["mean_ms"], q["queries"]))'
"$MEASURE" "$BIN" index add "$TMP/corpus" --rag-index "$TMP/idx.sqlite" --quiet \
	2>"$TMP/readd.json" >/dev/null
python3 - "$TMP/readd.json" "$N" <<'PY'
import json, sys
m = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
n = int(sys.argv[2])
print("rag unchanged re-add: %.2f s wall = %.3f s per 10,000 chunks (target < 1 s)"
      % (m["wall"], m["wall"] / n * 10000))
PY
