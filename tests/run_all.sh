#!/usr/bin/env bash
# run_all.sh - everything `make check` runs: starts a private PostgreSQL
# cluster (tests/pg.sh) and a private MariaDB server (tests/mariadb.sh),
# runs every cmocka unit test binary given as an argument, then the
# integration tests (tests/integration/run.sh), stops both servers, and
# ends with one line "check: N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export METAGEN_SRCDIR=$ROOT
PGDIR=$(mktemp -d /tmp/metagen-pg.XXXXXX)
MYDIR=$(mktemp -d /tmp/metagen-mariadb.XXXXXX)
trap 'bash "$ROOT/tests/pg.sh" stop "$PGDIR"; bash "$ROOT/tests/mariadb.sh" stop "$MYDIR"' EXIT
if bash tests/pg.sh start "$PGDIR" >/dev/null; then
	. "$PGDIR/env"
else
	echo "run_all: PostgreSQL could not start: the PostgreSQL tests will fail" >&2
fi
# MariaDB: METAGEN_TEST_MARIADB unset makes every MariaDB case fail
if bash tests/mariadb.sh start "$MYDIR" >/dev/null; then
	. "$MYDIR/env"
else
	echo "run_all: MariaDB could not start: the MariaDB tests will fail" >&2
fi

passed=0; failed=0; names=""
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	p=$(printf '%s\n' "$out" | sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	p=${p:-0}; f=${f:-0}
	[ $rc != 0 ] && [ "$f" = 0 ] && f=1   # crashed before reporting
	passed=$((passed + p)); failed=$((failed + f))
	if [ $rc != 0 ]; then
		printf '%s\n' "$out" | grep -E 'FAILED|ERROR|error|Assert|Sanitizer' | head -20
		echo "unit: $(basename "$t"): FAILED (exit $rc)"
		names="$names $(basename "$t")"
	else
		echo "unit: $(basename "$t"): $p passed"
	fi
done

out=$(bash tests/integration/run.sh 2>&1); rc=$?
printf '%s\n' "$out" | grep -v '^integration:'
ip=$(printf '%s\n' "$out" | sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
ifail=$(printf '%s\n' "$out" | sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
passed=$((passed + ${ip:-0})); failed=$((failed + ${ifail:-1}))
names="$names $(printf '%s\n' "$out" | awk '$2 == "FAILED" {printf " %s", $1}')"
[ -z "${ip:-}" ] && names="$names integration(no summary line, exit $rc)"
# the failures named last, so the tail of a CI log says what failed
names=$(echo $names)
[ -n "$names" ] && echo "check: failed: $names"
echo "check: $passed passed, $failed failed"
[ $failed = 0 ]
