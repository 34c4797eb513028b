#!/usr/bin/env bash
# Developer loop: builds nothing, starts only the Auth and Firestore emulators and runs the given
# vitest files (default: every in-process integration test), e.g.
#   npm run test:int -- test/int/money.int.test.ts
# EMULATOR_PORT_OFFSET=1000 moves every emulator port by 1000, so two checkouts can test at once
# (use multiples of 1000: the hub and logging ports are 100 apart).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/emulator-env.sh
args=("$@")
[[ ${#args[@]} -gt 0 ]] || args=(--project int)
config=()
offset="${EMULATOR_PORT_OFFSET:-0}"
if [[ "$offset" != 0 ]]; then
  generated="firebase.dev-$offset.json"
  node -e '
    const fs = require("node:fs");
    const [offset, out] = [Number(process.argv[1]), process.argv[2]];
    const c = JSON.parse(fs.readFileSync("firebase.json", "utf8"));
    for (const e of Object.values(c.emulators)) {
      if (e && typeof e === "object") for (const k of ["port", "websocketPort"]) if (typeof e[k] === "number") e[k] += offset;
    }
    fs.writeFileSync(out, JSON.stringify(c, null, 2));
  ' "$offset" "$generated"
  config=(--config "$generated")
fi
firebase "${config[@]}" emulators:exec --project "$GCLOUD_PROJECT" --only auth,firestore \
  "cd functions && npx vitest run ${args[*]}"
