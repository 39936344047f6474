#!/usr/bin/env bash
# The demo command: installs what it needs (idempotent), then runs the local demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node_modules/.bin/node test/demo.ts
