#!/usr/bin/env bash
# mariadb.sh - a private MariaDB server (Debian 12's mariadb-server 10.11)
# for the tests, on a free port, in a temp folder; nothing touches the
# system server.
#   tests/mariadb.sh start DIR   mariadb-install-db + mariadbd; writes
#                                DIR/env with MARIADB_SOCKET, MARIADB_PORT
#                                and METAGEN_TEST_MARIADB (ODBC string)
#   tests/mariadb.sh stop DIR    stop and remove DIR
# The ODBC driver (odbc-mariadb, "MariaDB Unicode") logs in over TCP as
# user 'tester' with a password; the harness's own `mariadb` client uses
# the socket as root. Runs the server as 'mysql' when started as root.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?DIR}
MARIADBD=${MARIADBD:-/usr/sbin/mariadbd}

case $cmd in
start)
  [ -x "$MARIADBD" ] && command -v mariadb-install-db >/dev/null && command -v mariadb >/dev/null \
    || { echo "mariadb.sh: no MariaDB server binaries (apt-get install mariadb-server)" >&2; exit 1; }
  grep -q '^\[MariaDB Unicode\]' /etc/odbcinst.ini 2>/dev/null \
    || { echo "mariadb.sh: no 'MariaDB Unicode' ODBC driver (apt-get install odbc-mariadb)" >&2; exit 1; }
  mkdir -p "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  user=()
  if [ "$(id -u)" = 0 ]; then chown -R mysql "$dir"; user=(--user=mysql); fi
  mariadb-install-db --no-defaults "${user[@]}" --datadir="$dir/data" \
      --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 \
    || { cat "$dir/install.log" >&2; exit 1; }
  # --no-defaults: the system's my.cnf (its socket, port, datadir) is not read
  setsid "$MARIADBD" --no-defaults "${user[@]}" --datadir="$dir/data" \
      --socket="$dir/sock" --pid-file="$dir/pid" --port="$port" \
      --bind-address=127.0.0.1 --skip-name-resolve --log-error="$dir/log" \
      --innodb-buffer-pool-size=32M --innodb-flush-log-at-trx-commit=0 \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
      </dev/null >/dev/null 2>&1 &
  for _ in $(seq 200); do
    mariadb --no-defaults -uroot -S "$dir/sock" -e 'select 1' >/dev/null 2>&1 && break
    sleep 0.05
  done
  mariadb --no-defaults -uroot -S "$dir/sock" -e "
    CREATE USER 'tester'@'127.0.0.1' IDENTIFIED BY 'testpw';
    GRANT ALL PRIVILEGES ON *.* TO 'tester'@'127.0.0.1' WITH GRANT OPTION;
    CREATE DATABASE metagen_test CHARACTER SET utf8mb4;" \
    || { echo "mariadb.sh: the server did not start:" >&2; tail -20 "$dir/log" >&2; exit 1; }
  cat > "$dir/env" <<ENV
export MARIADB_SOCKET=$dir/sock MARIADB_PORT=$port
export METAGEN_TEST_MARIADB='Driver=MariaDB Unicode;Server=127.0.0.1;Port=$port;Database=metagen_test;Uid=tester;Pwd=testpw'
ENV
  echo "$port"
  ;;
stop)
  if [ -s "$dir/pid" ]; then
    pid=$(cat "$dir/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  fi
  rm -rf "$dir"
  ;;
*) echo "usage: mariadb.sh start|stop DIR" >&2; exit 2 ;;
esac
