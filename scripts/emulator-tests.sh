#!/usr/bin/env bash
# Runs inside `firebase emulators:exec`: every vitest project in one run, then a count by kind.
cd "$(dirname "$0")/.."
# The fault-injection suite writes its figures here; a stale file must not be reported.
rm -f functions/test-results/fault-injection.json functions/test-results/model-based.json
npm --prefix functions run --silent test:all
status=$?
node scripts/test-summary.mjs functions/test-results/vitest.json
exit $status
