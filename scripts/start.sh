#!/usr/bin/env bash
# Runs the backend locally on the emulator suite until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/emulator-env.sh
(cd functions && npm run --silent build)
exec firebase emulators:start --project "$GCLOUD_PROJECT" --only auth,firestore,functions
