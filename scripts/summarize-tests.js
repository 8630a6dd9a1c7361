#!/usr/bin/env node
// Adds up jest's JSON reports into one closing line, "tests: N passed, N failed, N skipped".
// Exits non-zero when a report is missing, a suite failed to run, or no test ran at all.
const fs = require('node:fs');

let passed = 0, failed = 0, skipped = 0, brokenSuites = 0, missing = 0;
for (const file of process.argv.slice(2)) {
  if (!fs.existsSync(file)) {
    console.error(`missing test report ${file}`);
    missing++;
    continue;
  }
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  brokenSuites += report.numRuntimeErrorTestSuites;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (brokenSuites > 0) console.error(`${brokenSuites} test suite(s) failed to run`);
process.exit(failed > 0 || brokenSuites > 0 || missing > 0 || passed === 0 ? 1 : 0);
