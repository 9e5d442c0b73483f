#!/usr/bin/env bash
# The project's one test command (`npm test`): typecheck, architecture lint, unit + int tests, the
# dashboard in a real browser (Debian's chromium, installed when missing), then the e2e tests against
# a real Kafka broker. Stops at the first failing step, with its exit status.
#
#   bash scripts/test.sh [extra jest args, passed to every jest run]
#
# KAFKA_BROKERS set: the e2e tests use that broker (the secured-Kafka test then needs KAFKA_SASL_SSL_BROKERS,
# KAFKA_SASL_SSL_CA, KAFKA_SASL_SSL_USER and KAFKA_SASL_SSL_PASSWORD). Unset: a fresh single-node broker,
# with a SASL_SSL listener on KAFKA_PORT + 2 (SCRAM, a self-signed CA), is started on
# 127.0.0.1:${KAFKA_PORT:-9092} (scripts/kafka/kafka.sh) and stopped when this script exits; a
# broker that kafka.sh already runs on that port is reused and left running.
set -euo pipefail

repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$repo_root"

export NX_DAEMON=false NX_NO_CLOUD=true
# The local binaries directly: what `npx <bin>` runs, minus npx offering to download a missing one.
export PATH="$repo_root/node_modules/.bin:$PATH"

kafka_sh=(bash "$repo_root/scripts/kafka/kafka.sh")
started_kafka=false
suite_started=$EPOCHREALTIME

elapsed() { awk -v a="${1/,/.}" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.1f", b - a }'; }

cleanup() {
  local status=$?
  trap - EXIT
  if [[ $started_kafka == true ]]; then
    "${kafka_sh[@]}" stop || true
  fi
  if ((status == 0)); then
    printf '\n== all steps passed in %ss\n' "$(elapsed "$suite_started")"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# step <title> <command...>: runs one step between a header and its timing; stops the script if
# the step fails, with the step's exit status. (set -e is off inside `cmd || ...`, so the step
# functions below return on failure explicitly.)
step() {
  local title=$1 started=$EPOCHREALTIME status=0
  shift
  printf '\n== %s\n' "$title"
  "$@" || status=$?
  if ((status != 0)); then
    printf '== FAILED: %s (exit %d, %ss)\n' "$title" "$status" "$(elapsed "$started")" >&2
    exit "$status"
  fi
  printf '== ok: %s (%ss)\n' "$title" "$(elapsed "$started")"
}

start_kafka() {
  local port=${KAFKA_PORT:-9092}
  local secured=${KAFKA_SASL_SSL_PORT:-$((port + 2))}
  if ! "${kafka_sh[@]}" status >/dev/null; then
    started_kafka=true # set first: a start that fails half-way still gets stopped
  fi
  # With a SASL_SSL listener beside PLAINTEXT: the secured-Kafka e2e test runs the services over it.
  KAFKA_PORT=$port KAFKA_SASL_SSL_PORT=$secured "${kafka_sh[@]}" start || return
  export KAFKA_BROKERS="127.0.0.1:$port"
  export KAFKA_SASL_SSL_BROKERS="127.0.0.1:$secured" KAFKA_SASL_SSL_CA="$repo_root/.kafka/tls-$port/ca.pem"
  export KAFKA_SASL_SSL_USER=${KAFKA_SASL_SSL_USER:-creditflow} KAFKA_SASL_SSL_PASSWORD=${KAFKA_SASL_SSL_PASSWORD:-creditflow-test-secret}
}

# @nx/enforce-module-boundaries reads the project graph Nx caches in .nx/workspace-data; without
# it (fresh clone, NX_DAEMON=false) the rule only warns "No cached ProjectGraph" and checks nothing.
# `npm run lint` refreshes the graph (nx show projects) before `eslint .`.
architecture_lint() {
  npm run --silent lint
}

# The browser tier drives Debian's chromium (/usr/bin/chromium) with playwright-core, which never
# downloads a browser of its own. A fresh machine has no chromium: install it from Debian's registry
# (CI runs as root; elsewhere passwordless sudo). If it cannot be installed, fail: never skip the tier.
ensure_chromium() {
  if [[ -x /usr/bin/chromium ]]; then
    echo "found $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
    return 0
  fi
  local as_root=()
  if ((EUID != 0)); then
    if ! command -v sudo >/dev/null || ! sudo -n true 2>/dev/null; then
      echo "/usr/bin/chromium is missing and this user cannot install it: run 'apt-get update && apt-get install -y chromium' as root" >&2
      return 1
    fi
    as_root=(sudo -n)
  fi
  local started=$EPOCHREALTIME
  echo "/usr/bin/chromium is missing: apt-get update && apt-get install -y chromium"
  if ! "${as_root[@]}" apt-get update -q || ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; then
    echo "could not install Debian's chromium; the browser tests need /usr/bin/chromium" >&2
    return 1
  fi
  if [[ ! -x /usr/bin/chromium ]]; then
    echo "apt-get installed chromium, yet /usr/bin/chromium is missing" >&2
    return 1
  fi
  echo "installed $(/usr/bin/chromium --version 2>/dev/null) in $(elapsed "$started")s"
}

step 'typecheck: tsc -p tsconfig.json --noEmit' tsc -p tsconfig.json --noEmit
step 'architecture lint: nx project graph + eslint .' architecture_lint
step 'unit + int tests: jest --selectProjects unit int' \
  jest --selectProjects unit int --passWithNoTests "$@"
step 'chromium: /usr/bin/chromium (apt-get install -y chromium when missing)' ensure_chromium
# No --passWithNoTests: a browser tier that finds no test fails.
step 'browser tests: jest --selectProjects browser' \
  jest --selectProjects browser "$@"
if [[ -z ${KAFKA_BROKERS:-} ]]; then
  step "kafka broker: scripts/kafka/kafka.sh start (port ${KAFKA_PORT:-9092})" start_kafka
else
  printf '\n== kafka broker: using KAFKA_BROKERS=%s\n' "$KAFKA_BROKERS"
fi
# --testTimeout: jest 29 ignores the testTimeout set inside the e2e entry of jest.config.cjs projects.
step 'e2e tests: jest --selectProjects e2e --runInBand' \
  jest --selectProjects e2e --runInBand --passWithNoTests --testTimeout=120000 "$@"
