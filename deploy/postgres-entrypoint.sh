#!/bin/sh
# The part of the official PostgreSQL image's entrypoint compose.yaml relies on, for the image
# deploy/local-images.sh builds: a first start creates the cluster with POSTGRES_USER, the password
# of POSTGRES_PASSWORD_FILE and POSTGRES_DB, runs the *.sql files of
# /docker-entrypoint-initdb.d, and every start serves on all addresses with password auth.
set -eu

if [ "${1:-}" != postgres ]; then exec "$@"; fi
shift

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  user="${POSTGRES_USER:-postgres}"
  database="${POSTGRES_DB:-$user}"
  # Only the file form: the image has no shell tools to write a password file safely.
  password_file="${POSTGRES_PASSWORD_FILE:?set POSTGRES_PASSWORD_FILE to a file holding the password}"
  initdb -D "$PGDATA" -U "$user" --pwfile="$password_file" -E UTF8 --no-locale \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$database" != postgres ]; then
    echo "CREATE DATABASE \"$database\";" | postgres --single -j -D "$PGDATA" postgres >/dev/null
  fi
  for script in /docker-entrypoint-initdb.d/*.sql; do
    [ -e "$script" ] || continue
    echo "» running $script" >&2
    postgres --single -j -D "$PGDATA" "$database" <"$script" >/dev/null
  done
fi

exec postgres -c listen_addresses='*' "$@"
