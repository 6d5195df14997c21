#!/usr/bin/env bash
# The project's own PostgreSQL 15 + PostGIS cluster: data under .pg/ (git-ignored), unix socket only,
# no system service. As root it runs as the `postgres` user (PostgreSQL refuses to run as root).
#   scripts/pg.sh start|stop|status|psql|own DB
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
  # Two roles: patrol_owner owns the tables and runs migrations; patrol_app (web, workers, commands) may only
  # INSERT into the history, owns nothing, cannot disable triggers. Grants: ops/dbroles.py, applied by migrate.
  "${psql[@]}" -d postgres -c "DO \$\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'patrol_owner') THEN CREATE ROLE patrol_owner LOGIN CREATEDB; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'patrol_app') THEN
      CREATE ROLE patrol_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS; END IF;
  END \$\$;"
  if ! "${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
    "${psql[@]}" -d postgres -c "CREATE DATABASE \"$DB\" OWNER patrol_owner"
  fi
  own "$DB"
}

# Hand a database and the tables in it (made by earlier versions as postgres) to patrol_owner; idempotent.
own() {
  local psql=(env PGOPTIONS="-c client_min_messages=warning" "$BIN/psql" -h "$SOCK" -U postgres -X -q -v ON_ERROR_STOP=1)
  "${psql[@]}" -d "$1" <<'SQL'
SELECT format('ALTER DATABASE %I OWNER TO patrol_owner', current_database()) \gexec
DO $$
DECLARE r record;
BEGIN
  FOR r IN
    SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relowner = 'postgres'::regrole AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.deptype IN ('e', 'a', 'i'))
  LOOP
    EXECUTE format('ALTER TABLE %s OWNER TO patrol_owner', r.name);
  END LOOP;
  FOR r IN
    SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' AND p.proowner = 'postgres'::regrole
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                      AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER ROUTINE %s OWNER TO patrol_owner', r.name);
  END LOOP;
END $$;
SQL
}

case "${1:-start}" in
  start) start ;;
  own) own "${2:?database}" ;;
  stop) as_owner "$BIN/pg_ctl" -D "$DATA" -m fast stop ;;
  status) as_owner "$BIN/pg_ctl" -D "$DATA" status ;;
  psql) shift; exec "$BIN/psql" -h "$(cat "$PGROOT/socket_dir")" -U postgres -d "$DB" "$@" ;;
  *) echo "usage: $0 start|stop|status|psql" >&2; exit 2 ;;
esac
