#!/usr/bin/env bash
# load_mimic_mariadb.sh DB DATASET_DIR - creates database DB on the test
# MariaDB server (tests/mariadb.sh: MARIADB_SOCKET in the environment)
# holding the 26 MIMIC-III demo tables and their rows, read from the
# dataset's SQLite file (DATASET_DIR = ../shared/datasets/mimic3_demo).
# Declared types are kept except timestamp(0) -> DATETIME (MIMIC's shifted
# dates pass TIMESTAMP's 2038 end) and double precision -> DOUBLE.
set -euo pipefail
db=${1:?DB}; ds=${2:?DATASET_DIR}
: "${MARIADB_SOCKET:?MARIADB_SOCKET unset: start tests/mariadb.sh}"
python3 - "$db" "$ds/mimic3_demo.sqlite" <<'EOF' |
import sqlite3, sys
db, path = sys.argv[1], sys.argv[2]
src = sqlite3.connect(path)
def q(name):
    return "`" + name.replace("`", "``") + "`"
def lit(v):
    if v is None:
        return "NULL"
    if isinstance(v, (int, float)):
        return repr(v)
    return "'" + str(v).replace("\\", "\\\\").replace("'", "''") + "'"
def mtype(t):
    t = t.lower()
    return {"timestamp(0)": "DATETIME", "double precision": "DOUBLE"}.get(t, t)
out = sys.stdout
out.write(f"DROP DATABASE IF EXISTS {q(db)};\nCREATE DATABASE {q(db)} CHARACTER SET utf8mb4;\nUSE {q(db)};\n")
out.write("SET SESSION sql_mode = 'STRICT_TRANS_TABLES';\n")
tables = [r[0] for r in src.execute(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name")]
for t in tables:
    cols = list(src.execute(f'PRAGMA table_info("{t}")'))
    defs = ", ".join(f"{q(c[1])} {mtype(c[2])}" + (" NOT NULL" if c[3] else "") for c in cols)
    out.write(f"CREATE TABLE {q(t)} ({defs});\n")
    rows = src.execute(f'SELECT * FROM "{t}"').fetchall()
    for i in range(0, len(rows), 500):
        vals = ",".join("(" + ",".join(lit(v) for v in r) + ")" for r in rows[i:i + 500])
        out.write(f"INSERT INTO {q(t)} VALUES {vals};\n")
EOF
mariadb --no-defaults -uroot -S "$MARIADB_SOCKET" --default-character-set=utf8mb4
