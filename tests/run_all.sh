#!/usr/bin/env bash
# run_all.sh - everything `make check` runs: starts a private PostgreSQL
# cluster (tests/pg.sh) and a private MariaDB server (tests/mariadb.sh),
# runs every cmocka unit test binary given as an argument, the test
# server's own tests (tests/server/test_fake_llm.py), the tools check
# (tests/tools_check.sh), then the integration tests
# (tests/integration/run.sh), stops both servers, names what failed on a
# line "check: failed: NAME ..." and ends with one line
# "check: N passed, N failed, N skipped".
#
# A skipped test is listed by name ("skipped: NAME") and fails the check
# unless its name is on tests/allowed_skips.txt (one NAME and its reason a
# line): a missing tool, server or dataset must not pass unnoticed.
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

passed=0; failed=0; skipped=0; skipped_names=(); names=""
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	p=$(printf '%s\n' "$out" | sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	# cmocka: "[  SKIPPED ] NAME" once when it runs, once in the list
	mapfile -t s < <(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \(test_[A-Za-z0-9_]*\)$/\1/p' | sort -u)
	p=${p:-0}; f=${f:-0}
	[ $rc != 0 ] && [ "$f" = 0 ] && f=1   # crashed before reporting
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + ${#s[@]}))
	skipped_names+=("${s[@]}")
	if [ $rc != 0 ]; then
		printf '%s\n' "$out" | grep -E 'FAILED|ERROR|error|Assert|Sanitizer' | head -20
		echo "unit: $(basename "$t"): FAILED (exit $rc)"
		names="$names $(basename "$t")"
	else
		echo "unit: $(basename "$t"): $p passed, ${#s[@]} skipped"
	fi
done

# the test server's self-test (unittest: "Ran N tests", "OK (skipped=K)")
out=$(python3 tests/server/test_fake_llm.py 2>&1); rc=$?
n=$(printf '%s\n' "$out" | sed -n 's/^Ran \([0-9]*\) tests\{0,1\} in .*/\1/p' | tail -1)
k=$(printf '%s\n' "$out" | sed -n 's/.*skipped=\([0-9]*\).*/\1/p' | tail -1)
nf=$(printf '%s\n' "$out" | sed -n 's/^FAILED (.*failures=\([0-9]*\).*/\1/p' | tail -1)
ne=$(printf '%s\n' "$out" | sed -n 's/^FAILED (.*errors=\([0-9]*\).*/\1/p' | tail -1)
n=${n:-0}; k=${k:-0}; f=$(( ${nf:-0} + ${ne:-0} ))
[ $rc != 0 ] && [ $f = 0 ] && f=1
[ "$n" = 0 ] && [ $f = 0 ] && f=1   # ran nothing: broken, not passed
passed=$((passed + n - f - k)); failed=$((failed + f)); skipped=$((skipped + k))
[ "$k" -gt 0 ] && mapfile -t -O "${#skipped_names[@]}" skipped_names < <(printf '%s\n' "$out" | sed -n 's/^\(test_[A-Za-z0-9_]*\) (.*) \.\.\. skipped.*/\1/p')
if [ $rc != 0 ]; then
	printf '%s\n' "$out" | grep -E '^(FAIL|ERROR|AssertionError|Traceback)' | head -20
	echo "server: test_fake_llm.py: FAILED (exit $rc)"
	names="$names test_fake_llm.py"
else
	echo "server: test_fake_llm.py: $((n - k)) passed, $k skipped"
fi

# every command the tests call is installed by `make deps` / .ci/run
if out=$(bash tests/tools_check.sh 2>&1); then
	passed=$((passed + 1)); echo "tools: $(printf '%s\n' "$out" | tail -1)"
else
	failed=$((failed + 1)); printf '%s\n' "$out"; echo "tools: FAILED"
	names="$names tools_check.sh"
fi

out=$(bash tests/integration/run.sh 2>&1); rc=$?
printf '%s\n' "$out" | grep -v '^integration:'
line=$(printf '%s\n' "$out" | grep -E '^integration: [0-9]+ passed, [0-9]+ failed' | tail -1)
ip=$(printf '%s\n' "$line" | sed -n 's/^integration: \([0-9]*\) passed.*/\1/p')
ifail=$(printf '%s\n' "$line" | sed -n 's/^integration: [0-9]* passed, \([0-9]*\) failed.*/\1/p')
iskip=$(printf '%s\n' "$line" | sed -n 's/.* \([0-9]*\) skipped$/\1/p')
mapfile -t -O "${#skipped_names[@]}" skipped_names < <(printf '%s\n' "$out" | sed -n 's/^  \(case_[A-Za-z0-9_]*\)  *skipped (.*/\1/p')
passed=$((passed + ${ip:-0})); failed=$((failed + ${ifail:-1})); skipped=$((skipped + ${iskip:-0}))
[ $rc != 0 ] && [ "${ifail:-1}" = 0 ] && failed=$((failed + 1))
names="$names $(printf '%s\n' "$out" | awk '$2 == "FAILED" {printf " %s", $1}')"
[ -z "${ip:-}" ] && names="$names integration(no summary line, exit $rc)"

# skips: each named; one not on tests/allowed_skips.txt fails the check
unallowed=0
for s in "${skipped_names[@]}"; do
	[ -n "$s" ] || continue
	if grep -qE "^$s([[:space:]]|$)" tests/allowed_skips.txt 2>/dev/null; then
		echo "skipped: $s (allowed: $(grep -E "^$s([[:space:]]|$)" tests/allowed_skips.txt | head -1 | cut -s -f2- -d' ' | sed 's/^ *//'))"
	else
		echo "skipped: $s - not on tests/allowed_skips.txt: a skip here is a failure"
		unallowed=$((unallowed + 1)); names="$names $s(skipped)"
	fi
done
# a skip count the names do not explain is a failure too
if [ "$skipped" -gt "${#skipped_names[@]}" ]; then
	unallowed=$((unallowed + skipped - ${#skipped_names[@]}))
	names="$names unnamed-skips($((skipped - ${#skipped_names[@]})))"
fi
# the failures named last, so the tail of a CI log says what failed
names=$(echo $names)
[ -n "$names" ] && echo "check: failed: $names"
echo "check: $passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ] && [ $unallowed = 0 ]
