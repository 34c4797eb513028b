#!/usr/bin/env bash
# The model-based test's long campaign (not part of `npm test`): MODEL_RUNS generated runs
# (default 20000) against the Auth and Firestore emulators, then its figures and seed. A failing
# run prints MODEL_SEED and MODEL_PATH, which replay it: `MODEL_SEED=… MODEL_PATH=… npm run test:model`.
set -uo pipefail
cd "$(dirname "$0")/.."
export MODEL_RUNS="${MODEL_RUNS:-20000}"
# A seed of its own each time (npm test always uses the same one): the campaign explores.
export MODEL_SEED="${MODEL_SEED:-$(node -e 'console.log(Math.floor(Math.random() * 2 ** 31))')}"
# About 0.6 s a run on a 2-core machine; a failure found late is shrunk within the same budget.
export MODEL_TIME_LIMIT_MS="${MODEL_TIME_LIMIT_MS:-$((MODEL_RUNS * 3000))}"
rm -f functions/test-results/model-based.json
bash scripts/test-int.sh test/int/model-based.int.test.ts
status=$?
node scripts/test-summary.mjs --model-only functions/test-results/vitest.json
exit $status
