#!/usr/bin/env bash
# The full test suite: install, build, lint, type-check, unit tests, then integration tests against real
# nats-server, real JMX (Java simulator) and storage emulators. Prints one closing line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/node-runtime.sh || exit 1
bash scripts/install.sh --tests || exit 1
npm run lint || exit 1
npm run typecheck || exit 1

mkdir -p .tmp
status=0
npx jest --selectProjects unit --json --outputFile=.tmp/jest-unit.json || status=1
npx jest --selectProjects integration --runInBand --json --outputFile=.tmp/jest-integration.json || status=1
node scripts/summarize-tests.js .tmp/jest-unit.json .tmp/jest-integration.json || status=1
exit $status
