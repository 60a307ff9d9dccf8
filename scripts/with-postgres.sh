#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server started from the installed
# binaries in a temporary directory; DATABASE_URL points at it; stopped afterwards.
#   scripts/with-postgres.sh .venv/bin/pytest
# PostgreSQL refuses to run as root, so as root the server runs as `postgres`.
set -euo pipefail
find_pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
PGBIN=${PGBIN:-$(find_pgbin)}
if [ ! -x "$PGBIN/initdb" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  # Debian 12's postgresql package is version 15; its own cluster is not used.
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  PGBIN=$(find_pgbin)
fi
if [ ! -x "$PGBIN/initdb" ]; then
  echo "with-postgres: no PostgreSQL server binaries (set PGBIN, or: sudo apt-get install postgresql)" >&2
  exit 1
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/tracedesk-pg.XXXXXX")
as_owner=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  as_owner=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
  "${as_owner[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

"${as_owner[@]}" "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
# Durability is off: this server holds only test data and is deleted afterwards.
"${as_owner[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
"${as_owner[@]}" "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres tracedesk
echo "with-postgres: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
DATABASE_URL="postgres://postgres@127.0.0.1:$port/tracedesk" "$@"
