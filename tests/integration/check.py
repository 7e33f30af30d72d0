#!/usr/bin/env python3
"""check.py - assertions the integration tests make on a run's files.

Standard library only. Each subcommand exits 0 when the check holds and
1 with a message naming what differs.

  agree RUN_DIR [--tables N] [--all-proposed]
      comments.tsv, comments.json and comments.sql describe the same
      comments; optionally N tables and every object PROPOSED/APPLIED.
  auto RUN_DIR
      every column comment is the fake server's auto answer for it.
  field RUN_DIR TABLE COLUMN FIELD
      prints one TSV field (COLUMN '' for the table row).
  no-substring FILE TEXT...
      none of TEXT occurs in FILE; `has-substring` is the opposite.
  edit-tsv TSV OUT TABLE COLUMN TEXT
      writes a copy of TSV with that row's proposed comment replaced.
"""
import json
import sys

FIELDS = ["catalog", "schema", "table", "column", "data_type",
          "existing_comment", "proposed_comment", "path", "status", "reason"]


def unescape(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            out.append({"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}.get(n, n))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def escape(s):
    return (s.replace("\\", "\\\\").replace("\t", "\\t")
            .replace("\n", "\\n").replace("\r", "\\r"))


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines[0].split("\t") != FIELDS:
        fail(f"{path}: unexpected header {lines[0]!r}")
    rows = []
    for n, line in enumerate(lines[1:], 2):
        if not line:
            continue
        parts = line.split("\t")
        if len(parts) != len(FIELDS):
            fail(f"{path}:{n}: {len(parts)} fields")
        rows.append(dict(zip(FIELDS, map(unescape, parts))))
    return rows


def fail(msg):
    print("check: " + msg, file=sys.stderr)
    sys.exit(1)


def fullname(r):
    return ".".join(p for p in (r["catalog"], r["schema"], r["table"]) if p)


def agree(run, args):
    rows = read_tsv(f"{run}/comments.tsv")
    with open(f"{run}/comments.json", encoding="utf-8") as f:
        doc = json.load(f)
    with open(f"{run}/comments.sql", encoding="utf-8") as f:
        sql = f.read()
    js = {}
    for t in doc["tables"]:
        key = ".".join(p for p in (t.get("catalog"), t.get("schema"), t["table"]) if p)
        js[(key, "")] = t
        for c in t["columns"]:
            js[(key, c["name"])] = c
    tables = {fullname(r) for r in rows}
    if "--tables" in args:
        want = int(args[args.index("--tables") + 1])
        if len(tables) != want:
            fail(f"{len(tables)} tables in comments.tsv, expected {want}")
    proposed = 0
    for r in rows:
        j = js.get((fullname(r), r["column"]))
        if j is None:
            fail(f"{fullname(r)}.{r['column']} missing from comments.json")
        if (j.get("comment") or "") != r["proposed_comment"]:
            fail(f"{fullname(r)}.{r['column']}: tsv and json comments differ")
        if j.get("status") != r["status"] or j.get("path") != r["path"]:
            fail(f"{fullname(r)}.{r['column']}: tsv and json status/path differ")
        if "--all-proposed" in args:
            if r["status"] not in ("proposed", "applied") or not r["proposed_comment"]:
                fail(f"{fullname(r)}.{r['column']}: status {r['status']}: {r['reason']}")
        if r["status"] in ("proposed", "applied"):
            proposed += 1
            # every proposed comment appears in the SQL (as some escaped form)
            frag = r["proposed_comment"].split("\n")[0].split("'")[0].split("\\")[0][:40]
            if frag and frag not in sql:
                fail(f"{fullname(r)}.{r['column']}: comment not in comments.sql")
    stmts = sum(1 for line in sql.split("\n")
                if line.startswith(("COMMENT ON", "ALTER TABLE", "INSERT INTO", "EXEC")))
    if stmts != proposed:
        fail(f"comments.sql has {stmts} statements, comments.tsv {proposed} proposed")
    print(f"agree: {len(tables)} tables, {len(rows)} rows, {proposed} proposed")


def auto(run, args):
    for r in read_tsv(f"{run}/comments.tsv"):
        name = fullname(r)
        if r["column"]:
            want = f"Auto comment for {name}.{r['column']}."
        else:
            want = (f"Auto comment for table {name}.", f"Merged comment for table {name}.")
        if r["proposed_comment"] not in (want if isinstance(want, tuple) else (want,)):
            fail(f"{name}.{r['column']}: got {r['proposed_comment']!r} ({r['status']}: {r['reason']})")
    print("auto: every comment is the server's answer for its own column")


def field(run, args):
    table, column, fname = args
    for r in read_tsv(f"{run}/comments.tsv"):
        if r["table"] == table and r["column"] == column:
            sys.stdout.write(r[fname])
            return
    fail(f"no row {table}.{column}")


def substring(path, texts, want):
    with open(path, encoding="utf-8", errors="replace") as f:
        data = f.read()
    for t in texts:
        if (t in data) != want:
            fail(f"{path}: {t!r} {'not ' if want else ''}found")


def edit_tsv(src, dst, table, column, text):
    with open(src, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out, hit = [lines[0]], False
    for line in lines[1:]:
        parts = line.split("\t")
        if len(parts) == len(FIELDS) and parts[2] == table and unescape(parts[3]) == column:
            parts[6] = escape(text)
            hit = True
        out.append("\t".join(parts))
    if not hit:
        fail(f"no row {table}.{column}")
    with open(dst, "w", encoding="utf-8") as f:
        f.write("\n".join(out))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "agree":
        agree(args[0], args[1:])
    elif cmd == "auto":
        auto(args[0], args[1:])
    elif cmd == "field":
        field(args[0], args[1:])
    elif cmd == "no-substring":
        substring(args[0], args[1:], False)
    elif cmd == "has-substring":
        substring(args[0], args[1:], True)
    elif cmd == "edit-tsv":
        edit_tsv(*args)
    else:
        fail(f"unknown subcommand {cmd}")


if __name__ == "__main__":
    main()
