#!/usr/bin/env bash
# Writes the secrets compose.yaml mounts, once: random passwords into ./secrets (or $1), never
# overwriting one that exists. The directory is private to you (700); the files are readable
# (644) because compose mounts each file as it is, and the hub runs as user 10001 in its container.
set -euo pipefail

dir="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/secrets}"
mkdir -p "$dir"
chmod 700 "$dir"

random() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

write() {
  local name=$1 value=$2
  [ -e "$dir/$name" ] && return 0
  (umask 022 && printf '%s\n' "$value" >"$dir/$name")
  echo "» wrote $dir/$name" >&2
}

write postgres_password "$(random)"
write database_url "postgresql://nhi:$(head -n1 "$dir/postgres_password")@postgres:5432/nhi"
write admin_password "$(random)"
write keycloak_admin_password "$(random)"
