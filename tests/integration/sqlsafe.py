#!/usr/bin/env python3
"""sqlsafe.py - hostile names and comments for the SQL-safety cases
(cases_sqlsafe.sh). Standard library only; PostgreSQL through the real
psql client, SQLite through Python's sqlite3 module.

  pg-create DB CANARY       creates the hostile schema and tables in DB
                            (sentinel tables public.victim and public.x)
  sqlite-create FILE CANARY the same in a SQLite file (main schema)
  script OUT CANARY CATALOG SCHEMA...
                            the fake LM's script: one answer per hostile
                            table, named CATALOG.SCHEMA.TABLE, with hostile
                            comments; OUT.want holds the expected comments
  pg-snap DB OUT            every table, column and comment of DB as JSON
  sqlite-snap FILE OUT      every table, column and sidecar row as JSON
  expect BEFORE AFTER WANT  AFTER is BEFORE with exactly WANT's comments
                            set (nothing else changed, every table there)

CANARY is a file path: the comments and names hold shell commands that
would create it (psql's \\!, sqlite3's .shell/.system) after a line break
that escaped a comment line or a literal; the cases check it never exists.
"""
import json
import os
import subprocess
import sys

SCHEMA = "sch'\"\\;--"  # quote, double quote, backslash, ;, --


def hostile_tables(canary):
    """{table: [columns]}: every name at most 63 bytes (NAMEDATALEN)."""
    long_t = "L" * 61 + "é"  # 63 bytes, a 2-byte character at the end
    long_c = "k" * 63
    cols = ["id", "c'q", "c\\", "c\"d", "nl\ncol", "--c", "/*c", "c;x",
            "cr\rc", "tab\tc", "ünï 数", long_c, "\\'; DROP TABLE x; --"]
    names = ["q'uote\"dq", "back\\slash'q", "semi;colon -- dash /* star",
             "pwn\nDROP TABLE victim; --", "cr\rtab\tend", "Größe 数量 🩺",
             long_t, "ends with \\", "?qm {fn now()} $1 :v",
             "\\'; DROP TABLE x; --", "ls\u2028x\u0085nel",
             "crlf\r\nDROP TABLE victim; --",
             "shell\n\\! touch " + canary,
             "dot\n.shell touch " + canary]
    for n in names + cols:
        assert 0 < len(n.encode()) <= 63, n
    return {n: cols[: 4 + i % (len(cols) - 3)] for i, n in enumerate(names)}


def hostile_texts(canary):
    return [
        "\\'; DROP TABLE x; --",
        "'); DROP TABLE victim; --",
        "ends with a backslash \\",
        "\\\\ double \\\\\\\\ quad \\' \\\" \\n \\0 \\Z \\% \\_",
        "$$ dollar $$ $tag$ $_$ E'x' U&'d\\0041' N'n'",
        "line1\nline2\r\nline3\rend\n",
        "? {fn now()} {d '2020-01-01'} $1 :var :'var' :\"var\"",
        "/* open comment",
        "*/ close; DROP TABLE victim; /*",
        "-- dash\n.shell touch " + canary + "\n.system touch " + canary,
        "x\n\\! touch " + canary + "\n\\i " + canary,
        "tab\there Ünïcödé 日本語 🩺 \u2028ls \u0085nel \x0b\x0c",
        "\\x27 \\047 \\u0027 %_ \\% \\_ ` `` ] ]] [",
        "backslash-newline \\\nnext \\\r\nafter-crlf",
    ]


def q(ident):
    return '"' + ident.replace('"', '""') + '"'


def lit(s):  # standard_conforming_strings=on literal
    return "'" + s.replace("'", "''") + "'"


def psql(db, sql, *args):
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                           "-d", db, *args], input=sql, text=True,
                          capture_output=True, check=True).stdout


def pg_create(db, canary):
    sql = ["SET standard_conforming_strings = on;",
           "CREATE TABLE public.victim (v int); INSERT INTO public.victim "
           "VALUES (1);", "CREATE TABLE public.x (v int);",
           f"CREATE SCHEMA {q(SCHEMA)};"]
    for t, cols in hostile_tables(canary).items():
        defs = ", ".join(f"{q(c)} text" for c in cols)
        sql.append(f"CREATE TABLE {q(SCHEMA)}.{q(t)} ({defs});")
        vals = ", ".join(lit(f"{c} value") for c in cols)
        sql.append(f"INSERT INTO {q(SCHEMA)}.{q(t)} VALUES ({vals});")
    psql(db, "\n".join(sql))


def sqlite_create(path, canary):
    import sqlite3
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE victim (v int)")
    db.execute("INSERT INTO victim VALUES (1)")
    db.execute("CREATE TABLE x (v int)")
    for t, cols in hostile_tables(canary).items():
        db.execute(f"CREATE TABLE {q(t)} ({', '.join(q(c) + ' TEXT' for c in cols)})")
        db.execute(f"INSERT INTO {q(t)} VALUES ({', '.join('?' * len(cols))})",
                   [f"{c} value" for c in cols])
    db.commit()


def script(out, canary, catalog, schemas, fold=lambda s: s,
           tables=hostile_tables):
    texts = [fold(t) for t in hostile_texts(canary)]
    steps, want = {}, {}
    for schema in schemas:
        for i, (t, cols) in enumerate(tables(canary).items()):
            t, cols = fold(t), [fold(c) for c in cols]
            name = ".".join(p for p in (catalog, schema, t) if p)
            ans = {"table": texts[i % len(texts)] + f" #{i}",
                   "columns": {c: texts[(i + j + 1) % len(texts)] + f" #{i}.{j}"
                               for j, c in enumerate(cols)}}
            steps[name] = [{"answer": ans}]
            want[json.dumps([schema, t])] = ans
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"tables": steps}, f)
    with open(out + ".want", "w", encoding="utf-8") as f:
        json.dump(want, f)


PG_SNAP = """
SELECT json_agg(json_build_array(n.nspname, c.relname, a.attname,
       CASE WHEN a.attname IS NULL THEN obj_description(c.oid, 'pg_class')
            ELSE col_description(c.oid, a.attnum) END)
       ORDER BY n.nspname, c.relname, a.attnum NULLS FIRST)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (SELECT NULL::name AS attname, 0 AS attnum UNION ALL
     SELECT attname, attnum FROM pg_attribute WHERE attrelid = c.oid
     AND attnum > 0 AND NOT attisdropped) a ON true
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog',
      'information_schema')
"""


def pg_snap(db, out):
    rows = json.loads(psql(db, PG_SNAP, "-At"))
    rows.append(["victim", psql(db, "SELECT json_agg(v) FROM public.victim", "-At")])
    with open(out, "w", encoding="utf-8") as f:
        json.dump(rows, f)


def sqlite_snap(path, out):
    import sqlite3
    db = sqlite3.connect(path)
    master = [r[0] for r in db.execute("SELECT name FROM sqlite_master "
                                       "WHERE type = 'table' ORDER BY name")]
    rows = [["sqlite_master", r[0], r[1]] for r in db.execute(
        "SELECT name, sql FROM sqlite_master ORDER BY name")]
    side = {}
    if "_metagen_comments" in master:
        side = {(r[0], r[1]): r[2] for r in db.execute(
            "SELECT table_name, column_name, comment FROM _metagen_comments")}
    for t in [t for t in master if t != "_metagen_comments"]:
        rows.append(["main", t, None, side.pop((t, ""), None)])
        for (c,) in db.execute("SELECT name FROM pragma_table_info(?)", (t,)):
            rows.append(["main", t, c, side.pop((t, c), None)])
    rows += [["sidecar-orphan", k[0], k[1], v] for k, v in side.items()]
    try:
        victim = json.dumps(db.execute("SELECT * FROM victim").fetchall())
    except sqlite3.OperationalError as e:  # dropped: expect() names it
        victim = f"gone: {e}"
    rows.append(["victim", victim])
    with open(out, "w", encoding="utf-8") as f:
        json.dump(rows, f)


def expect(before, after, want, how=""):
    """how: "tables-only": a column comment may also stay as it was (MySQL
    column comments); "nbe": the text read as MySQL reads it with
    NO_BACKSLASH_ESCAPES (backslashes doubled, CR as \\r)."""
    b = json.load(open(before, encoding="utf-8"))
    a = json.load(open(after, encoding="utf-8"))
    w = {tuple(json.loads(k)): v for k, v in
         json.load(open(want, encoding="utf-8")).items()}
    # SQLite: the sidecar table appears in sqlite_master after an apply
    a = [r for r in a if "_metagen_comments" not in str(r[1])]
    b = [r for r in b if "_metagen_comments" not in str(r[1])]
    if len(a) != len(b):
        sys.exit(f"{len(b)} catalog rows before, {len(a)} after")
    seen = 0
    for rb, ra in zip(b, a):
        if rb[:3] != ra[:3]:
            sys.exit(f"catalog changed: {rb[:3]!r} became {ra[:3]!r}")
        ans = w.get((rb[0], rb[1]))
        if ans is None or len(rb) != 4:
            if rb != ra:
                sys.exit(f"{rb[:3]!r} changed: {rb[3:]!r} -> {ra[3:]!r}")
            continue
        exp = ans["table"] if rb[2] is None else ans["columns"].get(rb[2])
        if "nbe" in how and exp is not None:
            exp = exp.replace("\\", "\\\\").replace("\r", "\\r")
        if "tables-only" in how and rb[2] is not None and ra[3] == rb[3]:
            seen += 1
            continue
        if ra[3] != exp:
            sys.exit(f"{rb[:3]!r}: comment {ra[3]!r}, expected {exp!r}")
        seen += 1
    nwant = sum(1 + len(v["columns"]) for v in w.values())
    if seen != nwant:
        sys.exit(f"{seen} comments checked, expected {nwant}")
    print(f"expect: {seen} comments equal byte for byte, nothing else changed")


def bmp(s):  # MySQL identifiers and utf8mb3 comments: no 4-byte characters
    return "".join(c if ord(c) < 0x10000 else "?" for c in s)


def my_tables(canary):
    """The hostile tables but those whose name holds CR LF: no quoting
    keeps that CR through the mysql client (dialect.c)."""
    return {t: c for t, c in hostile_tables(canary).items() if "\r\n" not in t}


def my(sock, sql, db=""):
    return subprocess.run(["mariadb", "-S", sock, "-uroot", "-N", "-B",
                           "--raw", *([db] if db else [])], input=sql,
                          text=True, capture_output=True, check=True).stdout


def my_q(ident):
    return "`" + ident.replace("`", "``") + "`"


def my_create(sock, db, canary):
    sql = [f"DROP DATABASE IF EXISTS {my_q(db)}; CREATE DATABASE {my_q(db)} "
           "CHARACTER SET utf8mb4;", f"USE {my_q(db)};",
           "CREATE TABLE victim (v int); INSERT INTO victim VALUES (1);",
           "CREATE TABLE x (v int);"]
    for t, cols in my_tables(canary).items():
        defs = ", ".join(f"{my_q(bmp(c))} text" for c in cols)
        sql.append(f"CREATE TABLE {my_q(bmp(t))} ({defs});")
    my(sock, "\n".join(sql))


MY_SNAP = """SELECT 'T', HEX(table_name), '', HEX(table_comment)
FROM information_schema.tables WHERE table_schema = DATABASE()
UNION ALL SELECT 'C', HEX(table_name), HEX(column_name), HEX(column_comment)
FROM information_schema.columns WHERE table_schema = DATABASE()
UNION ALL SELECT 'V', COUNT(*), '', '' FROM victim ORDER BY 1, 2, 3;"""


def my_snap(sock, db, out):
    rows = []
    for line in my(sock, MY_SNAP, db).splitlines():
        kind, t, c, v = (line.split("\t") + ["", "", ""])[:4]
        if kind == "V":
            rows.append(["victim", t])
            continue
        h = lambda x: bytes.fromhex(x).decode()
        rows.append([db, h(t), h(c) if kind == "C" else None, h(v) or None])
    with open(out, "w", encoding="utf-8") as f:
        json.dump(rows, f)


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "pg-create":
        pg_create(*args)
    elif cmd == "sqlite-create":
        sqlite_create(*args)
    elif cmd == "script":
        script(args[0], args[1], args[2], args[3:])
    elif cmd == "script-bmp":
        script(args[0], args[1], args[2], args[3:], bmp, my_tables)
    elif cmd == "pg-snap":
        pg_snap(*args)
    elif cmd == "sqlite-snap":
        sqlite_snap(*args)
    elif cmd == "expect":
        expect(*args)
    elif cmd == "my-create":
        my_create(*args)
    elif cmd == "my-snap":
        my_snap(*args)
    else:
        sys.exit(f"sqlsafe.py: unknown command {cmd}")


if __name__ == "__main__":
    try:
        main(sys.argv)
    except subprocess.CalledProcessError as e:
        sys.exit(f"sqlsafe.py: {e.cmd[0]} failed: {e.stderr.strip()}")
