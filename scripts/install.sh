#!/usr/bin/env bash
# System packages, npm packages (exactly the lock file), then the TypeScript and Java build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm 11 writes lock files without other platforms' optional packages (unrs-resolver's bindings) and then
  # refuses them in `npm ci`; `npm install` installs the same locked tree without changing the lock.
  npm ci --no-audit --no-fund 2>/dev/null || npm install --no-audit --no-fund
fi
npm run build
