#!/usr/bin/env bash
# The project's own PostgreSQL 15 + PostGIS cluster: data under .pg/ (git-ignored), unix socket only,
# no system service. As root it runs as the `postgres` user (PostgreSQL refuses to run as root).
#   scripts/pg.sh start|stop|status|psql
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
BIN=/usr/lib/postgresql/15/bin
DB="${PGDATABASE_NAME:-patrol}"
PGROOT="$REPO/.pg"
DATA="$PGROOT/data"
SOCK="$PGROOT/run"
# A unix socket path must stay under 108 bytes: fall back to a short directory under /tmp.
if [ $(( ${#SOCK} + 20 )) -gt 100 ]; then
  SOCK="/tmp/patrol-pg-$(printf '%s' "$REPO" | sha1sum | cut -c1-10)"
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else (cd / && "$@"); fi
}

start() {
  mkdir -p "$PGROOT"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql --shell /bin/bash postgres
    if ! runuser -u postgres -- test -x "$REPO"; then
      echo "The postgres user cannot enter $REPO; make the path readable (chmod o+x on its parents)." >&2
      exit 1
    fi
  fi
  mkdir -p "$SOCK"
  [ "$(id -u)" = 0 ] && chown postgres "$PGROOT" "$SOCK"
  chmod 700 "$SOCK"
  if [ ! -f "$DATA/PG_VERSION" ]; then
    echo "[pg] initialising cluster in $DATA"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$DATA/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$SOCK'
unix_socket_permissions = 0700
shared_buffers = 512MB
work_mem = 32MB
maintenance_work_mem = 256MB
max_connections = 100
max_parallel_workers_per_gather = 2
jit = off
CONF
  fi
  # The socket directory may have moved (repo moved): keep the config in line.
  if ! grep -q "^unix_socket_directories = '$SOCK'" "$DATA/postgresql.conf"; then
    echo "unix_socket_directories = '$SOCK'" >> "$DATA/postgresql.conf"
  fi
  if ! as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$PGROOT/server.log" -w -t 60 start >/dev/null
  fi
  printf '%s\n' "$SOCK" > "$PGROOT/socket_dir"
  local psql=(env PGOPTIONS="-c client_min_messages=warning" "$BIN/psql" -h "$SOCK" -U postgres -X -q -v ON_ERROR_STOP=1)
  # Extensions in template1 so that every new database (also pytest's test databases) has them.
  "${psql[@]}" -d template1 -c "CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pgrouting;"
  if ! "${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
    "${psql[@]}" -d postgres -c "CREATE DATABASE \"$DB\""
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) as_owner "$BIN/pg_ctl" -D "$DATA" -m fast stop ;;
  status) as_owner "$BIN/pg_ctl" -D "$DATA" status ;;
  psql) shift; exec "$BIN/psql" -h "$(cat "$PGROOT/socket_dir")" -U postgres -d "$DB" "$@" ;;
  *) echo "usage: $0 start|stop|status|psql" >&2; exit 2 ;;
esac
