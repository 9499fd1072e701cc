#!/usr/bin/env bash
# Installs what is missing, starts PostgreSQL on a free loopback port, runs the whole suite on SQLite and on
# PostgreSQL (browser tests included), and stops every server it started.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
START=$(date +%s)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
need_apt=()
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need_apt+=(postgresql)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need_apt[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

make --no-print-directory install

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
WORK=$(mktemp -d /tmp/atelier-ci.XXXXXX)
chmod 755 "$WORK"
PG_DATA="$WORK/pgdata"
PG_PORT=$("$ROOT/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pg() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

cleanup() {
  pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$PG_DATA"
[ "$(id -u)" = 0 ] && chown -R postgres "$WORK"
pg "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres -E UTF8 --no-locale >/dev/null
pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -l "$WORK/pg.log" -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres atelier_test
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"

run_suite() {  # name, database URL ("" = SQLite)
  local name=$1 url=$2
  ATELIER_TEST_DATABASE_URL="$url" ATELIER_TEST_ARTIFACTS="$ROOT/test-artifacts/$name" \
    "$ROOT/.venv/bin/python" -m pytest -q -p no:cacheprovider --basetemp="$WORK/pytest-$name" \
    > "$WORK/$name.log" 2>&1
}

# The two databases run side by side: one core each.
set +e
run_suite sqlite "" & sqlite_pid=$!
run_suite postgresql "postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/atelier_test" & pg_pid=$!
wait $sqlite_pid; sqlite_rc=$?
wait $pg_pid; pg_rc=$?
set -e

for name in sqlite postgresql; do
  echo "=============================== suite on $name ==============================="
  cat "$WORK/$name.log"
done
echo "Wall time: $(( $(date +%s) - START )) s"
status=0
for rc in $sqlite_rc $pg_rc; do
  # pytest exits 5 when it ran no test: that is a failure here.
  if [ "$rc" -ne 0 ]; then status=1; fi
done
exit $status
