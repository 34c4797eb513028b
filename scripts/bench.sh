#!/usr/bin/env bash
# `npm run bench`: builds, starts the emulator suite, and runs functions/bench/run-bench.ts, which
# starts the Cal.com and Stripe stand-ins in its own process and rewrites BENCHMARKS.md.
# Not part of the test command. BENCH_CALLS (default 200) and BENCH_SIM_MINUTES (3) shorten it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/emulator-env.sh
(cd functions && npm run --silent build)
firebase emulators:exec --project "$GCLOUD_PROJECT" --only auth,firestore,functions,tasks \
  "cd functions && node_modules/.bin/tsx bench/run-bench.ts"
