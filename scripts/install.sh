#!/usr/bin/env bash
# System packages, npm packages (exactly the lock file), then the TypeScript and Java build. `--tests` also
# installs the tools only the tests use (see ensure-system-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh "$@"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # the lock file lists every platform's optional packages, so `npm ci` installs exactly it on any machine
  npm ci --no-audit --no-fund
fi
npm run build
