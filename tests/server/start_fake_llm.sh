#!/usr/bin/env bash
# start_fake_llm.sh - run tests/server/fake_llm.py in the background for
# shell-driven tests.
#
#   start_fake_llm.sh PIDFILE [fake_llm.py args...]
#       Starts the server detached (--detach; output to PIDFILE.log),
#       writes its pid to PIDFILE, waits up to 15 s until the port file
#       exists and GET /health answers, and prints the port on stdout. When
#       the args have no --port-file, PIDFILE.port is used. Exit 1 if the
#       server did not come up.
#   start_fake_llm.sh stop PIDFILE
#       Sends SIGTERM to the server, waits for it (SIGKILL after 5 s) and
#       removes PIDFILE.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ "${1:-}" == "stop" ]]; then
	pidfile=${2:?usage: start_fake_llm.sh stop PIDFILE}
	[[ -f "$pidfile" ]] || exit 0
	pid=$(cat "$pidfile")
	if kill -TERM "$pid" 2>/dev/null; then
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$pidfile"
	exit 0
fi

pidfile=${1:?usage: start_fake_llm.sh PIDFILE [fake_llm.py args...]}
shift
portfile=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
	if [[ "${args[$i]}" == "--port-file" ]]; then
		portfile=${args[$((i + 1))]:-}
	fi
done
if [[ -z "$portfile" ]]; then
	portfile="$pidfile.port"
	args+=(--port-file "$portfile")
fi
rm -f "$portfile"
python3 "$here/fake_llm.py" --detach "${args[@]}" </dev/null >>"$pidfile.log" 2>&1 &
pid=$!
echo "$pid" >"$pidfile"

health() {
	if command -v curl >/dev/null; then
		curl -fsS --max-time 1 "http://127.0.0.1:$1/health" >/dev/null 2>&1
	else
		python3 -c 'import sys, urllib.request as u
u.urlopen("http://127.0.0.1:%s/health" % sys.argv[1], timeout=1).read()' \
			"$1" >/dev/null 2>&1
	fi
}

for _ in $(seq 150); do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "start_fake_llm: server exited; see $pidfile.log" >&2
		cat "$pidfile.log" >&2 || true
		exit 1
	fi
	if [[ -s "$portfile" ]]; then
		port=$(tr -d '[:space:]' <"$portfile")
		if health "$port"; then
			echo "$port"
			exit 0
		fi
	fi
	sleep 0.1
done
echo "start_fake_llm: server did not come up in 15 s" >&2
kill -TERM "$pid" 2>/dev/null || true
exit 1
