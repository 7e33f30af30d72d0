#!/usr/bin/env bash
# layers.sh - which source folder calls which, read from the object files
# (nm): for every undefined symbol of a folder's objects, the folder whose
# objects define it. Prints each edge "from -> to (symbols)" and fails when
# an edge goes against the layer order in docs/ARCHITECTURE.md (a folder may
# call only folders listed after it in LAYERS).
#   tools/layers.sh [BUILD]     (default build/; run `make` first)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
# top to bottom; a folder may call those after it (same-line peers may not
# call each other)
LAYERS=${LAYERS:-"cli serve agent generate comment output prompt dspy rag memory lm warehouse config util"}
[ -d "$BUILD/src" ] || { echo "layers: no $BUILD/src (run make first)" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# the objects of today's sources only (a moved file leaves its old object
# behind in an incremental build)
objs() { for c in src/"$1"/*.c; do [ -e "$BUILD/${c%.c}.o" ] && echo "$BUILD/${c%.c}.o"; done; }
for d in "$BUILD"/src/*/; do
	f=$(basename "$d")
	[ -d "src/$f" ] || continue
	objs "$f" | xargs -r nm -g --defined-only 2>/dev/null | awk -v f="$f" 'NF==3 {print $3, f}'
done | sort -u > "$tmp/def"
for d in "$BUILD"/src/*/; do
	f=$(basename "$d")
	[ -d "src/$f" ] || continue
	objs "$f" | xargs -r nm -u 2>/dev/null | awk '{print $NF}' | sort -u |
		join - "$tmp/def" | awk -v f="$f" '$2 != f {print f, $2, $1}'
done | sort > "$tmp/edges"
rank() { local i=0; for l in $LAYERS; do [ "$l" = "$1" ] && { echo $i; return; }; i=$((i+1)); done; echo 99; }
bad=0
while read -r from to; do
	syms=$(awk -v a="$from" -v b="$to" '$1==a && $2==b {print $3}' "$tmp/edges" | head -4 | tr '\n' ' ')
	if [ "$(rank "$from")" -ge "$(rank "$to")" ]; then
		echo "AGAINST THE LAYERS: $from -> $to ($syms)"; bad=1
	else
		echo "$from -> $to ($syms)"
	fi
done < <(awk '{print $1, $2}' "$tmp/edges" | sort -u)
exit $bad
