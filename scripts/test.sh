#!/usr/bin/env bash
# The whole test run: lint, type-check and build, then one emulator suite for every test
# (unit, emulator integration, security rules, end-to-end through the Functions emulator).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/emulator-env.sh
echo "[test] node $(node --version)"
(cd functions && npm run --silent lint && npm run --silent typecheck && npm run --silent build)
firebase emulators:exec --project "$GCLOUD_PROJECT" --only auth,firestore,functions,hosting,tasks \
  "bash scripts/emulator-tests.sh"
