# cases_bounded.sh - integration cases for hostile answers, hostile
# warehouse text and sample-value privacy (issue 8 items 5 and 6),
# sourced by run.sh (its helpers and variables are in scope). The LM is
# tests/server/fake_llm.py with scripted steps ("content_hex" sends raw
# bytes, "usage_raw" a raw usage member); warehouses are real SQLite
# files read through the SQLite ODBC driver.

# people_db NAME -> SQLite people(id, ssn, note) with SSN-like values;
# prints its ODBC connection string.
people_db() {
	python3 - "$TMP/$1.sqlite" <<'EOF2' || return 1
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("CREATE TABLE people (id INTEGER, ssn TEXT, note TEXT)")
for i in range(10):
    db.execute("INSERT INTO people VALUES (?, ?, ?)",
               (i, "%03d-45-%04d" % (123 + 97 * i, 6789 + i), "seen at home"))
db.commit()
EOF2
	echo "Driver=SQLite3;Database=$TMP/$1.sqlite"
}

# outputs_clean RUN: every run file is strict UTF-8, the JSON ones parse
# (json lines too), and none holds a NUL.
outputs_clean() {
	python3 - "$1" <<'EOF2'
import glob, json, os, sys
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*"))):
    data = open(f, "rb").read()
    assert b"\0" not in data, f + ": NUL byte"
    text = data.decode("utf-8")  # strict: raises on invalid UTF-8
    if f.endswith(".json"):
        json.loads(text)
    elif f.endswith(".jsonl"):
        for line in text.splitlines():
            json.loads(line)
EOF2
}

# rec_count TABLE: requests the fake LM got about TABLE (in $LLM_REC).
rec_count() {
	python3 - "$LLM_REC" "$1" <<'EOF2'
import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l).get("table") == sys.argv[2]))
EOF2
}

# 200,000 column entries for a 3-column table: refused by the entry cap
# with a reason, and the run returns (the quadratic walk took minutes).
case_bounded_huge_answer_refused() {
	local conn rc run
	conn=$(people_db huge) || return 1
	python3 - "$TMP/huge.json" <<'EOF2'
import json, sys
n = 200000
ans = {"table": "People.", "columns": ["c%d" % i for i in range(n)],
       "column_contents": ["x"] * n}
step = {"content": json.dumps(ans)}
json.dump({"tables": {"main.people": [step, step, step]}}, open(sys.argv[1], "w"))
EOF2
	start_llm huge --script "$TMP/huge.json" || return 1
	timeout 120 "$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" \
		--out "$TMP/huge" --cache-dir "$TMP/huge.cache" --offline-fallback false \
		--timeout-seconds 30 >"$TMP/huge.stdout" 2>"$TMP/huge.stderr"; rc=$?
	[ $rc = 1 ] || { tail -3 "$TMP/huge.stderr" >&2; fail "exit $rc, expected 1"; return 1; }
	run=$(run_dir "$TMP/huge")
	[ "$($CHECK field "$run" people ssn status)" = failed ] || fail "ssn not failed"
	$CHECK field "$run" people ssn reason | grep -q "more than 108 entries.*answer not read" ||
		fail "reason: $($CHECK field "$run" people ssn reason)"
	[ "$(rec_count main.people)" = 3 ] || fail "$(rec_count main.people) requests, expected 3"
	outputs_clean "$run" || fail "outputs not clean"
}

# usage numbers that are no token counts: estimates counted instead, a
# warning says why, the run's totals stay sane.
case_bounded_usage_validated() {
	local conn rc run
	conn=$(people_db usage) || return 1
	cat >"$TMP/usage.json" <<'EOF2'
{"rules": [{"usage_raw": "{\"prompt_tokens\": 1e308, \"completion_tokens\": -5}"}]}
EOF2
	start_llm usage --script "$TMP/usage.json" || return 1
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" \
		--out "$TMP/usage" --cache-dir "$TMP/usage.cache" --budget-max-tokens 100000 \
		>"$TMP/usage.stdout" 2>"$TMP/usage.stderr"; rc=$?
	[ $rc = 0 ] || { tail -3 "$TMP/usage.stderr" >&2; fail "exit $rc"; return 1; }
	grep -q "usage.prompt_tokens is over the bound" "$TMP/usage.stderr" || fail "no warning"
	run=$(run_dir "$TMP/usage")
	python3 - "$run" <<'EOF2' || fail "token totals"
import json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
t = m["tokens"]
assert 0 < t["prompt"] < 100000 and 0 < t["completion"] < 100000, t
EOF2
}

# invalid UTF-8 in an answer becomes U+FFFD and the row says so; a NUL
# (escaped in the answer, or in the completion's JSON) is refused with a
# reason; every output stays strict UTF-8.
case_bounded_lm_invalid_utf8_and_nul() {
	local conn rc run
	conn=$(people_db lmtext) || return 1
	python3 - "$TMP/lmtext.json" <<'EOF2'
import json, sys
raw = (b'{"table": "People \xff table.", "columns": ["id", "ssn", "note"], '
       b'"column_contents": ["Row id \xc0\xaf.", "Social number \xed\xa0\x80.", "Free text."]}')
nul_in_answer = {"content": '{"table": "T.", "columns": ["id"], '
                            '"column_contents": ["Id\\u0000 cut here."]}'}
nul_in_body = {"content": '{"table": "T.", "columns": ["id"], '
                          '"column_contents": ["Id\x00 cut here."]}'}
json.dump({"tables": {"main.people": [{"content_hex": raw.hex()}],
                      "main.other": [nul_in_answer, nul_in_body, nul_in_answer]}},
          open(sys.argv[1], "w"))
EOF2
	python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE other (id INTEGER)'); c.commit()" \
		"$TMP/lmtext.sqlite" || return 1
	start_llm lmtext --script "$TMP/lmtext.json" || return 1
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" \
		--out "$TMP/lmtext" --cache-dir "$TMP/lmtext.cache" --offline-fallback false \
		>"$TMP/lmtext.stdout" 2>"$TMP/lmtext.stderr"; rc=$?
	[ $rc = 1 ] || { tail -3 "$TMP/lmtext.stderr" >&2; fail "exit $rc, expected 1"; return 1; }
	run=$(run_dir "$TMP/lmtext")
	outputs_clean "$run" || fail "outputs not clean"
	[ "$($CHECK field "$run" people ssn proposed_comment)" = "Social number �." ] ||
		fail "ssn: $($CHECK field "$run" people ssn proposed_comment)"
	$CHECK field "$run" people ssn reason | grep -q "invalid UTF-8 in the answer" ||
		fail "ssn reason: $($CHECK field "$run" people ssn reason)"
	$CHECK field "$run" people "" reason | grep -q "invalid UTF-8" || fail "table reason"
	[ -z "$($CHECK field "$run" people note reason)" ] || fail "note: a reason for clean text"
	[ "$($CHECK field "$run" other id status)" = failed ] || fail "other.id not failed"
	$CHECK field "$run" other id reason | grep -q "NUL" ||
		fail "other.id reason: $($CHECK field "$run" other id reason)"
	! grep -q "cut here" "$run/comments.tsv" || fail "text after the NUL kept"
}

# a SQLite file whose names and cells are not UTF-8: outputs stay strict
# UTF-8 (prompts and traces included), bad names fail with a reason, a
# mended cell is noted in its column's reason.
case_bounded_warehouse_invalid_utf8() {
	local rc run db=$TMP/badtext.sqlite
	printf '%s\n' \
		"CREATE TABLE okt (id INTEGER, \"bad$(printf '\377')col\" TEXT, note TEXT);" \
		"INSERT INTO okt VALUES (1, 'x', CAST(X'6F6BC0AF20EDA080' AS TEXT));" \
		"INSERT INTO okt VALUES (2, 'y', CAST(X'41FF42' AS TEXT));" \
		"CREATE TABLE \"bad$(printf '\376')name\" (a INTEGER);" | sqlite3 "$db" || return 1
	start_llm badtext || return 1
	"$BIN" generate --connection "Driver=SQLite3;Database=$db" --model m --api-base "$LLM_URL" \
		--out "$TMP/badtext" --cache-dir "$TMP/badtext.cache" \
		>"$TMP/badtext.stdout" 2>"$TMP/badtext.stderr"; rc=$?
	[ $rc = 1 ] || { tail -3 "$TMP/badtext.stderr" >&2; fail "exit $rc, expected 1"; return 1; }
	run=$(run_dir "$TMP/badtext")
	outputs_clean "$run" || fail "outputs not clean"
	python3 - "$LLM_REC" <<'EOF2' || fail "requests not valid UTF-8 JSON"
import sys
open(sys.argv[1], encoding="utf-8").read()
EOF2
	[ "$($CHECK field "$run" "bad�name" "" status)" = failed ] || fail "bad table not failed"
	$CHECK field "$run" "bad�name" "" reason | grep -q "not valid UTF-8" || fail "bad table reason"
	[ "$($CHECK field "$run" okt "bad�col" status)" = failed ] || fail "bad column not failed"
	[ "$($CHECK field "$run" okt note status)" = proposed ] || fail "note not proposed"
	$CHECK field "$run" okt note reason | grep -q "warehouse's text replaced with U+FFFD" ||
		fail "note reason: $($CHECK field "$run" okt note reason)"
	grep -q 'ok\\ufffd \\ufffd\|ok� �' "$run/traces.jsonl" || fail "mended cell not in the prompt"
}

# terminal control characters in a table name, a column name and a
# comment: escaped on stderr and in --dry-run (no ESC, BEL or CR byte).
case_bounded_control_chars_neutralised() {
	local rc db=$TMP/ctl.sqlite
	python3 - "$db" <<'EOF2' || return 1
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute('CREATE TABLE "evil\x1b[31mred\x07\rname" ("col\x1b]0;title\x07" INTEGER, b TEXT)')
c.execute('INSERT INTO "evil\x1b[31mred\x07\rname" VALUES (1, ?)', ("x",))
c.commit()
EOF2
	"$BIN" generate --connection "Driver=SQLite3;Database=$db" --model offline \
		--out "$TMP/ctl" --dry-run >"$TMP/ctl.stdout" 2>"$TMP/ctl.stderr"; rc=$?
	[ $rc = 0 ] || { tail -3 "$TMP/ctl.stderr" >&2; fail "exit $rc"; return 1; }
	python3 - "$TMP/ctl.stdout" "$TMP/ctl.stderr" <<'EOF2' || fail "control bytes printed"
import sys
for f in sys.argv[1:]:
    data = open(f, "rb").read()
    for b in (b"\x1b", b"\x07", b"\r", b"\xc2\x9b"):
        assert b not in data, (f, b)
    # stderr shows the whole name; the DDL may split it around a CR
    # (SQLite literals write line breaks as char(13))
    assert b"evil\\x1b[31mred\\x07" in data, f
assert b"evil\\x1b[31mred\\x07\\rname" in open(sys.argv[2], "rb").read()
EOF2
	grep -q 'col\\x1b]0;title\\x07' "$TMP/ctl.stdout" || fail "column name not in --dry-run"
}

# dictionary.md: Markdown and HTML in warehouse names and comments are
# text (entities and backslashes), not markup.
case_bounded_dictionary_escaped() {
	local rc run db=$TMP/md.sqlite
	python3 - "$db" <<'EOF2' || return 1
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute('CREATE TABLE "<script>alert(1)</script>" ("[x](javascript:alert(1))" INTEGER, "# h" TEXT)')
c.commit()
EOF2
	"$BIN" generate --connection "Driver=SQLite3;Database=$db" --model offline \
		--out "$TMP/md" >/dev/null 2>"$TMP/md.stderr"; rc=$?
	[ $rc = 0 ] || { tail -3 "$TMP/md.stderr" >&2; fail "exit $rc"; return 1; }
	run=$(run_dir "$TMP/md")
	! grep -q '<script' "$run/dictionary.md" || fail "raw HTML in dictionary.md"
	grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$run/dictionary.md" || fail "name not shown"
	grep -q '| \\\[x\\\](javascript:alert(1)) |' "$run/dictionary.md" || fail "link not escaped"
	grep -q '^| \\# h |' "$run/dictionary.md" || fail "heading marker not escaped"
}

# a cut-off answer (finish_reason length) is not cached: the next run
# asks the endpoint again for that prompt.
case_bounded_truncated_not_cached() {
	local conn rc
	conn=$(people_db trunc) || return 1
	cat >"$TMP/trunc.json" <<'EOF2'
{"tables": {"main.people": [{"finish_reason": "length", "content":
  "{\"table\": \"People.\", \"columns\": [\"id\", \"ssn\", \"note\"], \"column_contents\": [\"Row id.\", \"SS"}]}}
EOF2
	start_llm trunc1 --script "$TMP/trunc.json" || return 1
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" \
		--out "$TMP/trunc1" --cache-dir "$TMP/trunc.cache" >/dev/null 2>"$TMP/trunc1.err"; rc=$?
	[ $rc = 0 ] || { tail -3 "$TMP/trunc1.err" >&2; fail "run 1 exit $rc"; return 1; }
	[ "$($CHECK field "$(run_dir "$TMP/trunc1")" people id proposed_comment)" = "Row id." ] ||
		fail "the cut-off answer was not salvaged"
	start_llm trunc2 || return 1
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" \
		--out "$TMP/trunc2" --cache-dir "$TMP/trunc.cache" >/dev/null 2>"$TMP/trunc2.err"; rc=$?
	[ $rc = 0 ] || { tail -3 "$TMP/trunc2.err" >&2; fail "run 2 exit $rc"; return 1; }
	[ "$(rec_count main.people)" = 1 ] ||
		fail "run 2 made $(rec_count main.people) requests, expected 1 (the cut-off prompt)"
}

# allow_data_in_comments false (the default): an LM comment quoting a
# sample cell is asked again, then failed with that reason; the value
# never reaches an output. With true it is accepted (the check can fail).
case_bounded_privacy_llm_repeat_refused() {
	local conn rc run f
	conn=$(people_db priv) || return 1
	cat >"$TMP/priv.json" <<'EOF2'
{"tables": {"main.people": [
  {"answer": {"table": "People.", "columns": {"id": "Row id.", "ssn": "SSN such as 123-45-6789.", "note": "A note."}}},
  {"answer": {"table": "People.", "columns": {"ssn": "SSN such as 123-45-6789."}}},
  {"answer": {"table": "People.", "columns": {"ssn": "SSN, e.g. 123-45-6789."}}}]}}
EOF2
	start_llm priv --script "$TMP/priv.json" || return 1
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" \
		--out "$TMP/priv" --cache-dir "$TMP/priv.cache" >/dev/null 2>"$TMP/priv.err"; rc=$?
	[ $rc = 1 ] || { tail -3 "$TMP/priv.err" >&2; fail "exit $rc, expected 1"; return 1; }
	run=$(run_dir "$TMP/priv")
	[ "$($CHECK field "$run" people ssn status)" = failed ] || fail "ssn not failed"
	$CHECK field "$run" people ssn reason |
		grep -q "repeats a value shown to the LM verbatim.*of column ssn" ||
		fail "reason: $($CHECK field "$run" people ssn reason)"
	[ "$($CHECK field "$run" people id proposed_comment)" = "Row id." ] || fail "id hurt"
	[ "$(rec_count main.people)" = 3 ] || fail "$(rec_count main.people) requests, expected 3"
	for f in comments.tsv comments.json comments.sql dictionary.md manifest.json checkpoint.jsonl; do
		! grep -q "123-45-6789" "$run/$f" || fail "the value is in $f"
	done
	grep -q "123-45-6789" "$run/traces.jsonl" || fail "the prompt did not show the value"
	start_llm priv2 --script "$TMP/priv.json" || return 1
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$TMP/priv2" \
		--cache-dir "$TMP/priv2.cache" --allow-data-in-comments true >/dev/null 2>&1
	[ "$($CHECK field "$(run_dir "$TMP/priv2")" people ssn status)" = proposed ] ||
		fail "with allow_data_in_comments true the comment is refused"
}

# the offline describer with the default settings on SSN-like values:
# no sample value, min or max in any comment.
case_bounded_privacy_offline_default() {
	local conn rc run
	conn=$(people_db offpriv) || return 1
	"$BIN" generate --connection "$conn" --model offline --out "$TMP/offpriv" \
		>/dev/null 2>"$TMP/offpriv.err"; rc=$?
	[ $rc = 0 ] || { tail -3 "$TMP/offpriv.err" >&2; fail "exit $rc"; return 1; }
	run=$(run_dir "$TMP/offpriv")
	! grep -q -- "-45-" "$run/comments.tsv" || fail "an SSN in the comments"
	! grep -q "seen at home" "$run/comments.tsv" || fail "a cell in the comments"
	grep -q "distinct values" "$run/comments.tsv" || fail "no statistics at all"
}

# YAML config: 100,000 nested '[' refused quickly, a duplicate key names
# both lines; both exit 2.
case_bounded_yaml_caps() {
	local rc
	python3 -c "import sys; open(sys.argv[1], 'w').write('model: offline\nscope: ' + '[' * 100000 + ']' * 100000 + '\n')" \
		"$TMP/deep.yaml"
	timeout 20 "$BIN" generate --config "$TMP/deep.yaml" --connection "Driver=SQLite3;Database=$TMP/none.db" \
		>/dev/null 2>"$TMP/deep.err"; rc=$?
	[ $rc = 2 ] || fail "deep: exit $rc, expected 2"
	grep -q "deep.yaml:2:.*nested deeper than 32 levels" "$TMP/deep.err" || fail "deep: $(head -c 300 "$TMP/deep.err")"
	printf 'model: offline\nsample_size: 3\nconcurrency: 2\nsample-size: 4\n' >"$TMP/dup.yaml"
	"$BIN" generate --config "$TMP/dup.yaml" --connection "Driver=SQLite3;Database=$TMP/none.db" \
		>/dev/null 2>"$TMP/dup.err"; rc=$?
	[ $rc = 2 ] || fail "dup: exit $rc, expected 2"
	grep -q "dup.yaml:4: key 'sample-size' is given twice (first at line 2)" "$TMP/dup.err" ||
		fail "dup: $(cat "$TMP/dup.err")"
}

# harvest: existing comments that are not UTF-8 (SQLite's sidecar) are
# mended before they reach the gold JSON lines.
case_bounded_harvest_invalid_utf8() {
	local rc db=$TMP/hv.sqlite
	printf '%s\n' "CREATE TABLE t (a INTEGER, b TEXT);" "INSERT INTO t VALUES (1, 'x');" \
		"CREATE TABLE _metagen_comments (table_name TEXT NOT NULL, column_name TEXT NOT NULL DEFAULT '', comment TEXT, PRIMARY KEY (table_name, column_name));" \
		"INSERT INTO _metagen_comments VALUES ('t', '', CAST(X'5461626C65C0AF' AS TEXT)), ('t', 'a', CAST(X'4964FF' AS TEXT)), ('t', 'b', 'Plain.');" |
		sqlite3 "$db" || return 1
	"$BIN" harvest --connection "Driver=SQLite3;Database=$db" --out "$TMP/hv.jsonl" \
		>/dev/null 2>"$TMP/hv.err"; rc=$?
	[ $rc = 0 ] || { cat "$TMP/hv.err" >&2; fail "exit $rc"; return 1; }
	python3 - "$TMP/hv.jsonl" <<'EOF2' || fail "gold file not strict UTF-8 JSON"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert rows[0]["table_comment"] == "Table\ufffd", rows[0]["table_comment"]
assert rows[0]["columns"] == {"a": "Id\ufffd", "b": "Plain."}, rows[0]["columns"]
EOF2
}
