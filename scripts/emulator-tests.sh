#!/usr/bin/env bash
# Runs inside `firebase emulators:exec`: every vitest project in one run, then a count by kind.
cd "$(dirname "$0")/.."
npm --prefix functions run --silent test:all
status=$?
node scripts/test-summary.mjs functions/test-results/vitest.json
exit $status
