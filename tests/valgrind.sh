#!/usr/bin/env bash
# valgrind.sh - `make valgrind`: every unit test binary given as an
# argument under valgrind (memcheck; definite leaks count as errors), with
# a private PostgreSQL cluster running (tests/pg.sh) so the PostgreSQL
# paths run too. Suppressions: tests/valgrind.supp (the PostgreSQL ODBC
# driver's own uninitialised reads). Children (test_lm's python fake
# server) are not traced. Ends with "valgrind: N clean, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export METAGEN_SRCDIR=$ROOT
PGDIR=$(mktemp -d /tmp/metagen-pg.XXXXXX)
trap 'bash "$ROOT/tests/pg.sh" stop "$PGDIR"' EXIT
if bash tests/pg.sh start "$PGDIR" >/dev/null; then
	. "$PGDIR/env"
else
	echo "valgrind: PostgreSQL could not start: the PostgreSQL tests will fail" >&2
fi

clean=0; failed=0
for t in "$@"; do
	log=$(mktemp /tmp/metagen-vg.XXXXXX)
	start=$(date +%s)
	valgrind -q --error-exitcode=9 --leak-check=full \
		--errors-for-leak-kinds=definite --trace-children=no \
		--suppressions="$ROOT/tests/valgrind.supp" \
		--log-file="$log" "$t" >"$log.out" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	if [ $rc = 0 ]; then
		clean=$((clean + 1))
		echo "valgrind: $(basename "$t"): clean (${secs}s)"
	else
		failed=$((failed + 1))
		head -80 "$log"
		grep -E 'FAILED|ERROR|Assert' "$log.out" | head -20
		echo "valgrind: $(basename "$t"): FAILED (exit $rc, ${secs}s)"
	fi
	rm -f "$log" "$log.out"
done
echo "valgrind: $clean clean, $failed failed"
[ $failed = 0 ]
