#!/usr/bin/env bash
# load_mimic_pg.sh DB DATASET_DIR [--comments] - creates database DB with
# schema mimiciii from the MIMIC-III demo's PostgreSQL DDL and CSVs
# (DATASET_DIR = ../shared/datasets/mimic3_demo), and with --comments also
# its hand-written comments. Uses psql with PGHOST/PGPORT/PGUSER from the
# environment (tests/pg.sh writes them).
set -euo pipefail
db=${1:?DB}; ds=${2:?DATASET_DIR}; comments=${3:-}
psql -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
psql -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE SCHEMA mimiciii' >/dev/null
(echo 'SET search_path TO mimiciii;'; cat "$ds/schema_postgres.sql") | psql -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null
for f in "$ds"/csv/*.csv.gz; do
  t=$(basename "$f" .csv.gz | tr 'A-Z' 'a-z')
  gunzip -c "$f" | psql -q -v ON_ERROR_STOP=1 -d "$db" \
    -c "\\copy mimiciii.$t FROM STDIN WITH (FORMAT csv, HEADER true)" >/dev/null
done
if [ "$comments" = --comments ]; then
  (echo 'SET search_path TO mimiciii;'; cat "$ds/comments_postgres.sql") | psql -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null
fi
