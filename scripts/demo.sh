#!/usr/bin/env bash
# Installs what is missing (Debian packages, npm packages), builds, and runs the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-runtime.sh
bash scripts/install.sh
exec node dist/scripts/demo.js
