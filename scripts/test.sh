#!/usr/bin/env bash
# The test command: installs what the tests need (idempotent), then runs type check, lint and
# every test (unit and integration, against real kube-apiserver/etcd, registry and Git server).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/setup.sh
printf '[test] setup took %ss\n' "$(($(date +%s) - start))" >&2
npm run --silent typecheck
npm run --silent lint
npm test
