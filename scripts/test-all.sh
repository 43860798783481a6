#!/usr/bin/env bash
# The README's test command (`scripts/hub.sh test`): format and lint, types, then the packages'
# unit and integration tests beside the browser suite, each step timed.
#
# The browser suite is one long lane (one hub and one browser at a time) that mostly waits on the
# hub and the browser, so it starts together with the package tests instead of after them; a run
# then takes about as long as the longer of the two, not their sum.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() {
  local name=$1
  shift
  local start=$SECONDS
  "$@"
  local code=$?
  echo "» ${name}: $([ $code -eq 0 ] && echo passed || echo "FAILED ($code)") in $((SECONDS - start)) s"
  return $code
}

step format biome ci . || exit 1
step "lint and types" turbo run lint typecheck --concurrency=2 || exit 1

step "browser tests" turbo run test:e2e --concurrency=1 &
browser=$!
# One run over every package's project: two workers take the files longest first, so no package
# waits behind another.
step "package tests" vitest run --project '!hub-e2e' --maxWorkers=2
packages=$?
wait $browser
browser=$?
echo "» all tests: $SECONDS s"
[ $packages -eq 0 ] && [ $browser -eq 0 ]
