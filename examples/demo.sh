#!/usr/bin/env bash
# demo.sh - the main job on the shipped demo warehouse (examples/README.md).
# Extra arguments go to `metagen generate` (e.g. --model, --api-base).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
db=$root/examples/mimic3_demo_small.sqlite
model=${METAGEN_MODEL:-offline}
[ -n "${METAGEN_API_BASE:-}${DATABRICKS_HOST:-}${OPENAI_API_KEY:-}" ] || model=offline
echo "metagen demo: $db (model: ${model})" >&2
exec "$root/build/metagen" generate \
	--connection "Driver=SQLite3;Database=$db" \
	--config "$root/examples/metagen.yaml" \
	--model "$model" --out "$root/out" "$@"
