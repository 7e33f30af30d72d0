# cases_stream.sh - integration cases for big scopes, sourced by run.sh
# (its helpers and variables are in scope): columns read a window of
# tables at a time, tables written in listing order as they finish,
# resume across windows, budget stops.

# --- windows of tables: listing order, resume, budget ----------------------

# many_db NAME N [COLS] -> a SQLite database of N tables t0000.. (COLS
# columns each, 3 rows), created in shuffled order so sqlite_master's order
# is not the listing order; prints its ODBC connection string.
many_db() {
	python3 - "$TMP/$1.sqlite" "$2" "${3:-3}" <<'EOF2' || return 1
import random, sqlite3, sys
path, n, ncol = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
names = [f"t{i:04d}" for i in range(n)]
random.Random(7).shuffle(names)
db = sqlite3.connect(path)
for t in names:
    cols = ", ".join(f"c{j} {('INTEGER', 'TEXT', 'REAL')[j % 3]}" for j in range(1, ncol + 1))
    db.execute(f"CREATE TABLE {t} ({cols})")
    for r in range(3):
        db.execute(f"INSERT INTO {t} VALUES ({', '.join('?' * ncol)})",
                   [(r, f"{t}-{r}", r / 2)[j % 3] for j in range(ncol)])
db.commit()
EOF2
	echo "Driver=SQLite3;Database=$TMP/$1.sqlite"
}

# check_listing RUN DB N: comments.tsv holds every table of DB once, in
# ORDER BY name order, each table row followed by its 3 column rows;
# comments.json has N tables; the manifest counts N tables, 3N columns
# and at most 2N + 10 warehouse queries.
check_listing() {
	python3 - "$1" "$2" "$3" <<'EOF2'
import json, sqlite3, sys
run, db, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = [r[0] for r in sqlite3.connect(db).execute(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
    "'\\_%' ESCAPE '\\' ORDER BY name")]
assert len(names) == n, (len(names), n)
lines = open(run + "/comments.tsv", encoding="utf-8").read().split("\n")
assert lines[-1] == "", "comments.tsv does not end with a newline"
rows = [l.split("\t") for l in lines[1:-1]]
expect = []
for t in names:
    expect += [(t, "")] + [(t, f"c{j}") for j in range(1, 4)]
got = [(r[2], r[3]) for r in rows]
if got != expect:
    i = next(i for i, (a, b) in enumerate(zip(got + [None] * len(expect), expect)) if a != b)
    sys.exit(f"comments.tsv row {i + 2}: {got[i] if i < len(got) else 'missing'}, expected {expect[i]}")
assert all(len(r) == 10 for r in rows), "a row without 10 fields"
assert all(r[8] == "proposed" for r in rows), "not every object proposed"
j = json.load(open(run + "/comments.json"))
assert [t["table"] for t in j["tables"]] == names, "comments.json tables"
assert all(len(t["columns"]) == 3 for t in j["tables"]), "comments.json columns"
m = json.load(open(run + "/manifest.json"))
assert m["counts"]["tables"] == n and m["counts"]["columns"] == 3 * n, m["counts"]
q = m["warehouse_queries"]
assert q <= 2 * n + 10, f"{q} warehouse queries for {n} tables"
EOF2
}

case_windows_many_tables_listing_order() {
	local conn out rc run1 run4
	conn=$(many_db win 1250) || { fail "cannot build the database"; return 1; }
	out=$TMP/win4
	"$BIN" generate --connection "$conn" --model offline --concurrency 4 \
		--out "$out" >"$TMP/win4.stdout" 2>"$TMP/win4.stderr"; rc=$?
	[ $rc = 0 ] || { tail -3 "$TMP/win4.stderr" >&2; fail "exit $rc"; return 1; }
	run4=$(run_dir "$out")
	check_listing "$run4" "$TMP/win.sqlite" 1250 || { fail "concurrency 4"; return 1; }
	grep -q '1250 tables (1250 ok, 0 failed), 3750 columns' "$TMP/win4.stdout" \
		|| fail "summary: $(cat "$TMP/win4.stdout")"
	[ -d "$run4" ] && [ -z "$(find "$run4" -name '*.tmp.*')" ] || fail "temp files left"
	"$BIN" generate --connection "$conn" --model offline --concurrency 1 \
		--out "$TMP/win1" -q >/dev/null 2>"$TMP/win1.stderr" \
		|| { tail -3 "$TMP/win1.stderr" >&2; fail "concurrency 1 failed"; return 1; }
	run1=$(run_dir "$TMP/win1")
	check_listing "$run1" "$TMP/win.sqlite" 1250 || fail "concurrency 1"
	cmp -s "$run1/comments.tsv" "$run4/comments.tsv" \
		|| fail "comments.tsv depends on scheduling"
}

case_resume_across_windows() {
	local conn out run rc n
	conn=$(many_db res 1100) || { fail "cannot build the database"; return 1; }
	out=$TMP/res
	"$BIN" generate --connection "$conn" --model offline --concurrency 3 \
		--out "$out" -q >/dev/null 2>"$TMP/res0.stderr" \
		|| { tail -3 "$TMP/res0.stderr" >&2; fail "first run failed"; return 1; }
	run=$(run_dir "$out")
	n=$(grep -c '"table":' "$run/checkpoint.jsonl")
	[ "$n" = 1100 ] || { fail "checkpoint holds $n tables, not 1100"; return 1; }
	# an interrupted run: the header and the first 440 tables, then tables
	# 900-905 (out of order, in a later window), then a torn line with no
	# newline (line 1 is the header)
	{ head -n 441 "$run/checkpoint.jsonl"; sed -n '906p;901,905p' "$run/checkpoint.jsonl"
	  sed -n '442p' "$run/checkpoint.jsonl" | head -c 60; } >"$TMP/res.ckpt"
	mv "$TMP/res.ckpt" "$run/checkpoint.jsonl"
	rm -f "$run"/comments.* "$run/dictionary.md"
	"$BIN" generate --connection "$conn" --model offline --concurrency 3 --out "$out" \
		--resume "$(basename "$run")" >"$TMP/res.stdout" 2>"$TMP/res.stderr"; rc=$?
	[ $rc = 0 ] || { tail -3 "$TMP/res.stderr" >&2; fail "resume exit $rc"; return 1; }
	grep -q "resuming run $(basename "$run"): 446 of 1100 table(s) already done" "$TMP/res.stderr" \
		|| fail "restored count: $(grep resuming "$TMP/res.stderr")"
	grep -q '1100 tables (1100 ok, 0 failed), 3300 columns' "$TMP/res.stdout" \
		|| fail "summary: $(cat "$TMP/res.stdout")"
	check_listing "$run" "$TMP/res.sqlite" 1100 || fail "resumed run files"
	[ -d "$run" ] && [ -z "$(find "$run" -name '*.tmp.*')" ] || fail "temp files left: $(find "$run" -name '*.tmp.*')"
}

# A resume after a torn checkpoint line leaves a checkpoint the next
# resume can read: every table on a line of its own, and a second
# --resume restores them all.
# (Without cutting the torn bytes, the resumed run appended its first
# table right after them and the second resume stopped with
# "checkpoint.jsonl:21: not a checkpoint line".)
case_resume_torn_checkpoint_twice() {
	local conn out run rc
	conn=$(many_db torn 60) || { fail "cannot build the database"; return 1; }
	out=$TMP/torn
	"$BIN" generate --connection "$conn" --model offline --out "$out" -q \
		>/dev/null 2>"$TMP/torn0.stderr" || { fail "first run failed"; return 1; }
	run=$(run_dir "$out")
	# the header and 20 tables, then a torn line (line 1 is the header)
	{ head -n 21 "$run/checkpoint.jsonl"; sed -n '22p' "$run/checkpoint.jsonl" | head -c 60; } >"$TMP/torn.ckpt"
	mv "$TMP/torn.ckpt" "$run/checkpoint.jsonl"
	"$BIN" generate --connection "$conn" --model offline --out "$out" \
		--resume "$(basename "$run")" >/dev/null 2>"$TMP/torn1.stderr"; rc=$?
	[ $rc = 0 ] || { tail -3 "$TMP/torn1.stderr" >&2; fail "resume exit $rc"; return 1; }
	grep -q ": 20 of 60 table(s) already done" "$TMP/torn1.stderr" || fail "first resume: $(grep resuming "$TMP/torn1.stderr")"
	python3 - "$run" <<'EOF2' || fail "checkpoint after resume"
import json, sys
seen = set()
for line in open(sys.argv[1] + "/checkpoint.jsonl", encoding="utf-8"):
    try:
        seen.add(json.loads(line)["table"])
    except (ValueError, KeyError):  # the torn line; the header
        pass
assert len(seen) == 60, f"{60 - len(seen)} table(s) without a readable line"
EOF2
	"$BIN" generate --connection "$conn" --model offline --out "$out" \
		--resume "$(basename "$run")" >/dev/null 2>"$TMP/torn2.stderr"; rc=$?
	[ $rc = 0 ] || { tail -3 "$TMP/torn2.stderr" >&2; fail "second resume exit $rc"; return 1; }
	grep -q ": 60 of 60 table(s) already done" "$TMP/torn2.stderr" || fail "second resume: $(grep resuming "$TMP/torn2.stderr")"
	check_listing "$run" "$TMP/torn.sqlite" 60 || fail "run files after the second resume"
}

# A budget stop early in the first window of 500 tables: comments.tsv
# still lists every table, the unstarted ones (second window included)
# with their column rows, failed with a reason that names the budget.
case_budget_stop_lists_unstarted_columns() {
	local conn out run rc
	start_llm bud2 || return 1
	conn=$(many_db bud2 510 3) || { fail "cannot build the database"; return 1; }
	out=$TMP/bud2
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$out" \
		--concurrency 1 --budget-max-tokens 3000 >"$TMP/bud2.out" 2>"$TMP/bud2.err"; rc=$?
	[ $rc = 1 ] || { tail -3 "$TMP/bud2.err" >&2; fail "exit $rc, expected 1"; return 1; }
	run=$(run_dir "$out")
	python3 - "$run" <<'EOF2' || fail "unstarted tables"
import sys
rows = [l.split("\t") for l in open(sys.argv[1] + "/comments.tsv", encoding="utf-8").read().split("\n")[1:] if l]
tables = {}
for r in rows:
    tables.setdefault(r[2], []).append(r)
assert list(tables) == [f"t{i:04d}" for i in range(510)], "tables missing or out of order"
failed = [t for t, rs in tables.items() if rs[0][8] == "failed"]
done = [t for t, rs in tables.items() if rs[0][8] == "proposed"]
assert done and failed, (len(done), len(failed))
for t in failed:
    rs = tables[t]
    assert [r[3] for r in rs] == ["", "c1", "c2", "c3"], (t, [r[3] for r in rs])
    assert [r[4] for r in rs[1:]] == ["TEXT", "REAL", "INTEGER"], (t, rs)
    for r in rs:
        assert r[8] == "failed" and "budget" in r[9], (t, r[3], r[8], r[9])
# the second window (tables 500-509) was never read before the stop
assert all("not started" in tables[f"t{i:04d}"][0][9] for i in range(500, 510))
EOF2
}

# A window whose columns cannot be read fails its tables with the
# driver's reason; the run goes on, writes every table and exits 1.
case_window_read_error_fails_its_tables() {
	local conn out rc
	conn=$(many_db winerr 30) || { fail "db"; return 1; }
	# a sidecar without the columns metagen reads: its query fails
	python3 -c "import sqlite3; d = sqlite3.connect('$TMP/winerr.sqlite'); d.execute('CREATE TABLE _metagen_comments (x)'); d.commit()"
	out=$TMP/winerr
	"$BIN" generate --connection "$conn" --model offline --out "$out" \
		>"$TMP/winerr.stdout" 2>"$TMP/winerr.stderr"; rc=$?
	[ $rc = 1 ] || { cat "$TMP/winerr.stderr" >&2; fail "exit $rc, want 1"; return 1; }
	grep -q '30 tables (0 ok, 30 failed)' "$TMP/winerr.stdout" || fail "summary: $(cat "$TMP/winerr.stdout")"
	grep -q 'cannot read the columns of tables 1-30: ' "$TMP/winerr.stderr" || fail "no warning about the window"
	python3 - "$(run_dir "$out")" <<'EOF2' || fail "outputs"
import sys
rows = [l.split("\t") for l in open(sys.argv[1] + "/comments.tsv").read().split("\n")[1:] if l]
assert len(rows) == 30, len(rows)
assert [r[2] for r in rows] == sorted(r[2] for r in rows)
assert all(r[8] == "failed" and r[9].startswith("cannot read its columns: ") and
           "_metagen_comments" in r[9] for r in rows), rows[0]
EOF2
	[ "$(grep -c '"table":' "$(run_dir "$out")/checkpoint.jsonl")" = 0 ] || fail "failed tables checkpointed"
}
