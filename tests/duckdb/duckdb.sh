#!/usr/bin/env bash
# duckdb.sh - runs tests/duckdb/run_sql.mjs (arguments passed on) on a
# real DuckDB: the npm package @duckdb/node-api at the pinned version
# below, installed on first use with npm into tests/duckdb/node_modules
# (not committed; an flock keeps two first uses from installing at once).
# `duckdb.sh --install` only installs. Without node, npm or the package
# it fails (exit 3) naming what is missing: the DuckDB tests never skip.
set -u
DIR=$(cd "$(dirname "$0")" && pwd)
VERSION=1.5.6-r.1   # @duckdb/node-api; DuckDB 1.5.6
PKG=$DIR/node_modules/@duckdb/node-api/package.json

installed() {
	[ -f "$PKG" ] && node -e '
		const p = require(process.argv[1]);
		process.exit(p.version === process.argv[2] ? 0 : 1);' "$PKG" "$VERSION"
}

command -v node >/dev/null || { echo "duckdb.sh: node not found (Debian package nodejs)" >&2; exit 3; }
if ! installed; then
	command -v npm >/dev/null || { echo "duckdb.sh: npm not found (Debian package npm)" >&2; exit 3; }
	command -v flock >/dev/null || { echo "duckdb.sh: flock not found (util-linux)" >&2; exit 3; }
	(
		flock 9
		installed && exit 0
		npm install --prefix "$DIR" --no-save --no-package-lock --no-audit \
			--no-fund --loglevel=error "@duckdb/node-api@$VERSION" >&2
	) 9>"$DIR/node_modules.lock" || true
	installed || { echo "duckdb.sh: cannot install @duckdb/node-api@$VERSION with npm" >&2; exit 3; }
fi
[ "${1:-}" = --install ] && exit 0
exec node "$DIR/run_sql.mjs" "$@"
