#!/usr/bin/env bash
# Builds stand-ins for the public images the Dockerfile and compose.yaml use, from this machine's
# own binaries, for machines that reach no container registry. Each is FROM scratch: the binary,
# the libraries ldd lists and the few files it reads; a build takes seconds.
#
#   deploy/local-images.sh node       localhost/nhi-node-base:22  the Node 22 on PATH (or $NODE)
#   deploy/local-images.sh caddy      localhost/nhi-caddy:2       Debian's caddy package (apt-get download)
#   deploy/local-images.sh postgres   localhost/nhi-postgres:15   this machine's PostgreSQL server, taking the
#                                                                 official image's POSTGRES_* variables
#
# CONTAINER_ENGINE picks the engine (default podman); IMAGE_PREFIX replaces `localhost/nhi-` in the
# names. With registry access, use the public images instead (docs/install-containers.md).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ENGINE="${CONTAINER_ENGINE:-podman}"
PREFIX="${IMAGE_PREFIX:-localhost/nhi-}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Copies files with their absolute paths under a root, following symlinks, and every library ldd
# lists for them (the loader included; a static binary lists none).
copy_with_libraries() {
  local root=$1
  shift
  local file
  for file in "$@"; do
    cp -L --parents "$file" "$root"
    copy_libraries "$root" "$file"
  done
}

copy_libraries() {
  local root=$1 file=$2
  ldd "$file" 2>/dev/null | awk '/=> \//{print $3} /^\t\//{print $1}' | while read -r library; do
    [ -e "$root$library" ] || cp -L --parents "$library" "$root"
  done
}

# The minimal /etc a process needs to name its user.
write_etc() {
  local root=$1 user=$2 uid=$3 home=$4
  mkdir -p "$root/etc" "$root/tmp"
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\n%s:x:%s:%s::%s:/sbin/nologin\n' "$user" "$uid" "$uid" "$home" >"$root/etc/passwd"
  printf 'root:x:0:\n%s:x:%s:\n' "$user" "$uid" >"$root/etc/group"
}

build() {
  local tag=$1 dir=$2
  echo "» building $tag" >&2
  "$ENGINE" build --quiet --pull=never --layers=false --format docker -t "$tag" "$dir" >/dev/null
}

build_node() {
  local node
  node="$(command -v "${NODE:-node}")"
  local major
  major="$("$node" -p 'process.versions.node.split(".")[0]')"
  [ "$major" = 22 ] || {
    echo "error: $node is Node $major; the hub needs Node 22 (set NODE)" >&2
    exit 1
  }
  local root="$WORK/node/rootfs"
  mkdir -p "$root/usr/local/bin"
  copy_with_libraries "$root" "$(readlink -f "$node")"
  # The rest of glibc, as any Debian base has it: native addons link librt, DNS lookups load libnss_dns.
  local libc_dir
  libc_dir="$(dirname "$(ldd "$node" | awk '/libc\.so\.6/{print $3}')")"
  local companion
  for companion in librt.so.1 libresolv.so.2 libnss_dns.so.2 libnss_files.so.2 libutil.so.1 libanl.so.1; do
    [ -e "$libc_dir/$companion" ] && cp -L --parents "$libc_dir/$companion" "$root"
  done
  mv "$root$(readlink -f "$node")" "$root/usr/local/bin/node"
  find "$root" -type d -empty -delete
  write_etc "$root" node 1000 /home/node
  cat >"$WORK/node/Containerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin
CMD ["node"]
EOF
  build "${PREFIX}node-base:22" "$WORK/node"
}

build_caddy() {
  local root="$WORK/caddy/rootfs"
  local binary
  binary="$(type -P caddy || true)"
  if [ -z "$binary" ]; then
    # The package's binary only: installing it would also set up a service on this machine.
    mkdir -p "$WORK/caddy/deb"
    (cd "$WORK/caddy/deb" && apt-get download -qq caddy && dpkg-deb -x caddy_*.deb .) || {
      echo "error: could not download Debian's caddy package (apt-get update first?)" >&2
      exit 1
    }
    binary="$WORK/caddy/deb/usr/bin/caddy"
  fi
  mkdir -p "$root/usr/bin" "$root/etc/caddy" "$root/data" "$root/config"
  cp "$binary" "$root/usr/bin/caddy"
  copy_libraries "$root" "$binary"
  write_etc "$root" caddy 1000 /data
  cp "$HERE/Caddyfile" "$root/etc/caddy/Caddyfile"
  # The official image's layout: certificates and the local CA in /data, autosaved config in /config.
  cat >"$WORK/caddy/Containerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
ENV XDG_CONFIG_HOME=/config XDG_DATA_HOME=/data
EXPOSE 80 443
WORKDIR /srv
CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
EOF
  build "${PREFIX}caddy:2" "$WORK/caddy"
}

build_postgres() {
  local version
  version="$(ls /usr/lib/postgresql | sort -n | tail -n1)"
  [ -n "$version" ] || {
    echo "error: no PostgreSQL server under /usr/lib/postgresql" >&2
    exit 1
  }
  local bin="/usr/lib/postgresql/$version/bin" lib="/usr/lib/postgresql/$version/lib"
  local root="$WORK/postgres/rootfs"
  mkdir -p "$root"
  # initdb starts postgres through /bin/sh; the entrypoint is a shell script too.
  copy_with_libraries "$root" /bin/sh "$bin/postgres" "$bin/initdb" "$bin/pg_isready"
  # Server modules initdb and the hub's migrations load (procedural language, text search, pg_trgm).
  copy_with_libraries "$root" "$lib/plpgsql.so" "$lib/dict_snowball.so" "$lib/pg_trgm.so"
  cp -r --parents "/usr/share/postgresql/$version" /usr/share/zoneinfo "$root"
  mkdir -p "$root/usr/local/bin" "$WORK/postgres/home/data" "$WORK/postgres/run"
  cp "$HERE/postgres-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
  for tool in postgres initdb pg_isready; do ln -s "$bin/$tool" "$root/usr/local/bin/$tool"; done
  write_etc "$root" postgres 999 /var/lib/postgresql
  # initdb refuses a data directory others may read.
  chmod 700 "$WORK/postgres/home/data"
  cat >"$WORK/postgres/Containerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
COPY --chown=999:999 home/ /var/lib/postgresql/
COPY --chown=999:999 run/ /var/run/postgresql/
ENV PATH=/usr/local/bin PGDATA=/var/lib/postgresql/data
USER 999:999
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
# As the official image: a fast shutdown, which ends client sessions instead of waiting for them.
STOPSIGNAL SIGINT
CMD ["postgres"]
EOF
  build "${PREFIX}postgres:$version" "$WORK/postgres"
}

[ $# -gt 0 ] || set -- node caddy postgres
for image in "$@"; do
  case "$image" in
    node) build_node ;;
    caddy) build_caddy ;;
    postgres) build_postgres ;;
    *)
      sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
      exit 2
      ;;
  esac
done
