#!/usr/bin/env bash
# pg.sh - a private PostgreSQL 15 cluster for the tests, on a free port,
# in a temp folder; nothing touches the system cluster.
#   tests/pg.sh start DIR   initdb + start; writes DIR/env with
#                           PGPORT, PGHOST and METAGEN_TEST_PG (ODBC string)
#   tests/pg.sh stop DIR    stop and remove DIR
# Password login (scram-sha-256) over TCP for ODBC; trust on the socket
# for the harness's psql. Runs initdb as 'postgres' when started as root.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?DIR}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case $cmd in
start)
  [ -x "$PGBIN/initdb" ] || { echo "pg.sh: no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 1; }
  mkdir -p "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  printf 'testpw\n' > "$dir/pw"
  [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
  as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 --pwfile="$dir/pw" -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  cat > "$dir/env" <<ENV
export PGPORT=$port PGHOST=$dir PGUSER=postgres
export METAGEN_TEST_PG='Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=$port;Database=postgres;Uid=postgres;Pwd=testpw'
ENV
  echo "$port"
  ;;
stop)
  [ -d "$dir/data" ] && as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
*) echo "usage: pg.sh start|stop DIR" >&2; exit 2 ;;
esac
