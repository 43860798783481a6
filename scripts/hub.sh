#!/usr/bin/env bash
# One entry point that works on a fresh clone: makes sure Node 22 and the pinned pnpm
# are present (fetched from the npm registry into .toolchain/ when the system Node is
# older), installs dependencies, then runs the requested action.
#
#   scripts/hub.sh start        build and serve the hub (PORT, default 3000), demo realm on first start
#   scripts/hub.sh worker       build and serve a worker instance (NHI_MODE=worker; needs DATABASE_URL,
#                               NHI_INSTANCE_NAME and NHI_HUB_URL)
#   scripts/hub.sh test         lint, format, typecheck, unit, integration, browser e2e
#   scripts/hub.sh nhi ...      the command-line interface
#   scripts/hub.sh pnpm ...     any pnpm command with the project toolchain
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLCHAIN="$ROOT/.toolchain"
NODE_PACKAGE="node@22.23.3"
PNPM_PACKAGE="pnpm@10.34.9"

node_major() { "$1" -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }

ensure_toolchain() {
  local have_node=""
  if command -v node >/dev/null 2>&1 && [ "$(node_major node)" = "22" ]; then
    have_node="system"
  fi
  if [ -z "$have_node" ] && [ -x "$TOOLCHAIN/node_modules/.bin/node" ] &&
    [ "$(node_major "$TOOLCHAIN/node_modules/.bin/node")" = "22" ]; then
    have_node="toolchain"
  fi
  if [ ! -x "$TOOLCHAIN/node_modules/.bin/pnpm" ] || [ -z "$have_node" ]; then
    command -v npm >/dev/null 2>&1 || {
      echo "error: npm is required to fetch the toolchain (Node 22 and pnpm)" >&2
      exit 1
    }
    echo "» fetching toolchain ($NODE_PACKAGE, $PNPM_PACKAGE) into .toolchain/" >&2
    mkdir -p "$TOOLCHAIN"
    local packages=("$PNPM_PACKAGE")
    [ -z "$have_node" ] && packages+=("$NODE_PACKAGE")
    npm install --prefix "$TOOLCHAIN" --no-audit --no-fund --loglevel=error "${packages[@]}" >&2
  fi
  export PATH="$TOOLCHAIN/node_modules/.bin:$PATH"
  export TURBO_TELEMETRY_DISABLED=1
  # Prisma's CLI insists on a schema-engine path even for `generate`, which needs none.
  export PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-/bin/true}"
  export PRISMA_HIDE_UPDATE_MESSAGE=1
}

ensure_dependencies() {
  local stamp="$ROOT/node_modules/.install-stamp"
  if [ ! -f "$stamp" ] || [ "$ROOT/pnpm-lock.yaml" -nt "$stamp" ]; then
    echo "» installing dependencies" >&2
    (cd "$ROOT" && pnpm install --frozen-lockfile --reporter=append-only >&2)
    touch "$stamp"
  fi
}

main() {
  local action="${1:-help}"
  [ $# -gt 0 ] && shift
  ensure_toolchain
  cd "$ROOT"
  case "$action" in
    start)
      ensure_dependencies
      # The quick start shows a demo realm on first start; production starts leave it off.
      export NHI_DEMO_DATA="${NHI_DEMO_DATA:-true}"
      exec pnpm run --silent start "$@"
      ;;
    worker)
      ensure_dependencies
      # The same build as the hub; the mode decides what it serves. It refuses to start, saying
      # which, when a variable a worker needs is missing.
      export NHI_MODE=worker
      exec pnpm run --silent start "$@"
      ;;
    test)
      ensure_dependencies
      exec pnpm run --silent test:all "$@"
      ;;
    nhi)
      ensure_dependencies
      exec pnpm run --silent nhi "$@"
      ;;
    pnpm)
      exec pnpm "$@"
      ;;
    env)
      # `eval "$(scripts/hub.sh env)"` puts the toolchain on PATH in the current shell.
      echo "export PATH=\"$TOOLCHAIN/node_modules/.bin:\$PATH\" PRISMA_SCHEMA_ENGINE_BINARY=/bin/true TURBO_TELEMETRY_DISABLED=1"
      ;;
    *)
      sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      [ "$action" = "help" ] || exit 2
      ;;
  esac
}

main "$@"
