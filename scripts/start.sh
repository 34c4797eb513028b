#!/usr/bin/env bash
# Runs the backend locally on the emulator suite until Ctrl-C. When functions/.env.local points
# Cal.com at the loopback stand-in (the default), the stand-in is started too.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/emulator-env.sh
(cd functions && npm run --silent build)

env_value() { grep -E "^$1=" functions/.env.local 2>/dev/null | tail -n 1 | cut -d= -f2- || true; }
calcom_url="$(env_value CALCOM_API_URL)"
calcom_url="${calcom_url:-https://api.cal.com/v2}"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

stripe_base="$(env_value STRIPE_API_BASE_URL)"
if [[ "$calcom_url" =~ ^http://(127\.0\.0\.1|localhost): || -n "$stripe_base" ]]; then
  (cd functions && exec node_modules/.bin/tsx test/stand-ins/run-stand-ins.ts) &
  pids+=($!)
fi
if [[ "$calcom_url" =~ ^http://(127\.0\.0\.1|localhost): ]]; then
  echo "[start] Cal.com: the local stand-in at $calcom_url (set CALCOM_API_URL in functions/.env.local for a real Cal.com)"
else
  echo "[start] Cal.com: $calcom_url (from functions/.env.local)"
fi
if [[ -n "$stripe_base" ]]; then
  echo "[start] Stripe: the local stand-in at $stripe_base (empty STRIPE_API_BASE_URL in functions/.env.local: real Stripe, test mode)"
else
  echo "[start] Stripe: api.stripe.com with the key in functions/.secret.local"
fi
echo "[start] functions: http://127.0.0.1:5001/$GCLOUD_PROJECT/us-central1/<name>"

firebase emulators:start --project "$GCLOUD_PROJECT" --only auth,firestore,functions,hosting,tasks
