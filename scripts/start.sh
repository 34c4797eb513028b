#!/usr/bin/env bash
# Runs the backend locally on the emulator suite until Ctrl-C. When functions/.env.local points
# Cal.com at the loopback stand-in (the default), the stand-ins are started too and the demo coach
# and student are seeded. The FCM stand-in, the mail catcher and the Trigger Email extension's
# stand-in always run: neither FCM nor the extension has an emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/emulator-env.sh
(cd functions && npm run --silent build)

env_value() { grep -E "^$1=" functions/.env.local 2>/dev/null | tail -n 1 | cut -d= -f2- || true; }
calcom_url="$(env_value CALCOM_API_URL)"
calcom_url="${calcom_url:-https://api.cal.com/v2}"

pids=()
emulators=""
mail_extension=""
cleanup() {
  # Ctrl-C: the mail extension's stand-in stops listening, the emulators shut down cleanly on
  # SIGINT (frees the ports), then the stand-ins.
  if [[ -n "$mail_extension" ]]; then
    kill "$mail_extension" 2>/dev/null || true
    wait "$mail_extension" 2>/dev/null || true
  fi
  if [[ -n "$emulators" ]]; then
    kill -INT "$emulators" 2>/dev/null || true
    wait "$emulators" 2>/dev/null || true
  fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stripe_base="$(env_value STRIPE_API_BASE_URL)"
local_calcom=false
if [[ "$calcom_url" =~ ^http://(127\.0\.0\.1|localhost): ]]; then local_calcom=true; fi
# Cal.com and Stripe only where functions/.env.local points at loopback; FCM and mail always.
(cd functions && exec node_modules/.bin/tsx test/stand-ins/run-stand-ins.ts) &
pids+=($!)
if [[ "$local_calcom" == true ]]; then
  echo "[start] Cal.com: the local stand-in at $calcom_url (set CALCOM_API_URL in functions/.env.local for a real Cal.com)"
else
  echo "[start] Cal.com: $calcom_url (from functions/.env.local)"
fi
if [[ -n "$stripe_base" ]]; then
  echo "[start] Stripe: the local stand-in at $stripe_base (empty STRIPE_API_BASE_URL in functions/.env.local: real Stripe, test mode)"
else
  echo "[start] Stripe: api.stripe.com with the key in functions/.secret.local"
fi

base="http://127.0.0.1:5001/$GCLOUD_PROJECT/us-central1"
firebase emulators:start --project "$GCLOUD_PROJECT" --only auth,firestore,functions,hosting,tasks &
emulators=$!

# Wait until the functions answer, then seed the demo (with the stand-ins only: never real accounts).
node scripts/wait-for-functions.mjs "$base/getHealth"
if [[ "$local_calcom" == true && -n "$stripe_base" ]]; then
  (cd functions && GCLOUD_PROJECT="$GCLOUD_PROJECT" node_modules/.bin/tsx demo/run-seed.ts) || echo "[start] seeding the demo failed (see above); the backend still runs"
fi
# The Trigger Email extension's stand-in: sends what the functions write to mail/{id} to the catcher.
(cd functions && FIRESTORE_EMULATOR_HOST=127.0.0.1:8080 GCLOUD_PROJECT="$GCLOUD_PROJECT" exec node_modules/.bin/tsx test/stand-ins/run-mail-extension.ts) &
mail_extension=$!

echo ""
echo "[start] ready. Ctrl-C stops everything."
echo "  callables        $base/<name>  (getHealth, syncAvailability, getAvailableSlots, createBooking, rescheduleBooking, cancelBooking, ...)"
echo "  REST API         http://127.0.0.1:5000/api/calcom/<path>  (Hosting rewrite to the api function)"
echo "  Stripe webhook   $base/stripeWebhook"
echo "  Cal.com webhook  $base/calcomWebhook  (or http://127.0.0.1:5000/api/webhooks/calcom)"
echo "  mail             http://127.0.0.1:5605  (every email the backend sent, with its calendar file)"
echo "  emulators        Auth 127.0.0.1:9099, Firestore 127.0.0.1:8080, Cloud Tasks 127.0.0.1:9499 (emulator UI off)"
echo "  demo             npm run demo  (in a second shell)"
wait "$emulators"
