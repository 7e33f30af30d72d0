#!/usr/bin/env bash
# demo.sh - the main job on the shipped demo warehouse (examples/README.md).
# Extra arguments go to `metagen generate` (e.g. --model, --api-base,
# --apply). It works on a fresh copy of the demo database in out/
# (out/demo.sqlite, made again each run), so `--apply` never changes the
# tracked examples/mimic3_demo_small.sqlite.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src=$root/examples/mimic3_demo_small.sqlite
db=$root/out/demo.sqlite
mkdir -p "$root/out"
cp "$src" "$db.tmp.$$" && chmod u+w "$db.tmp.$$" && mv "$db.tmp.$$" "$db"
model=${METAGEN_MODEL:-offline}
[ -n "${METAGEN_API_BASE:-}${DATABRICKS_HOST:-}${OPENAI_API_KEY:-}" ] || model=offline
echo "metagen demo: $db, a copy of $src (model: ${model})" >&2
exec "$root/build/metagen" generate \
	--connection "Driver=SQLite3;Database=$db" \
	--config "$root/examples/metagen.yaml" \
	--model "$model" --out "$root/out" "$@"
