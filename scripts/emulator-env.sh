# Sourced by test.sh and start.sh: points firebase-tools at a local Firestore emulator jar when
# the machine has one (see scripts/firestore-launcher.sh), and fixes the demo project id.
launcher="$(bash "$(dirname "${BASH_SOURCE[0]}")/firestore-launcher.sh")"
if [[ -n "$launcher" ]]; then
  export FIRESTORE_EMULATOR_BINARY_PATH="$launcher"
fi
export GCLOUD_PROJECT="${GCLOUD_PROJECT:-demo-coachify}"
# The Functions emulator starts one worker process per concurrent request and gives each 30 s to
# load; on a 2-core machine twenty cold starts at once (the booking race tests) need longer.
export FUNCTIONS_DISCOVERY_TIMEOUT="${FUNCTIONS_DISCOVERY_TIMEOUT:-120}"
