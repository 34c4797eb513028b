#!/usr/bin/env bash
# Prints the path of a launcher jar for the Cloud Firestore emulator, or nothing.
#
# firebase-tools would download its own emulator jar, which fails on machines without internet.
# Debian's google-cloud-cli-firestore-emulator package ships the same emulator, but its jar has
# no Main-Class, so we build a manifest-only launcher jar that names the main class and puts the
# real jar on its class path. The caller exports FIRESTORE_EMULATOR_BINARY_PATH=<launcher>.
# Lookup order: $FIRESTORE_EMULATOR_JAR, then the Debian path. With neither, print nothing and
# firebase-tools downloads its own jar as usual (a laptop with internet).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
debian_jar=/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar
jar_path=""
if [[ -n "${FIRESTORE_EMULATOR_JAR:-}" ]]; then
  if [[ ! -f "$FIRESTORE_EMULATOR_JAR" ]]; then
    echo "FIRESTORE_EMULATOR_JAR=$FIRESTORE_EMULATOR_JAR does not exist" >&2
    exit 1
  fi
  jar_path="$(cd "$(dirname "$FIRESTORE_EMULATOR_JAR")" && pwd)/$(basename "$FIRESTORE_EMULATOR_JAR")"
elif [[ -f "$debian_jar" ]]; then
  jar_path="$debian_jar"
else
  exit 0
fi
if ! command -v jar >/dev/null 2>&1; then
  echo "the 'jar' tool (JDK) is needed to build the Firestore emulator launcher" >&2
  exit 1
fi
out="$root/.emulators"
mkdir -p "$out"
launcher="$out/firestore-launcher.jar"
manifest="$out/manifest.txt"
{
  echo "Main-Class: com.google.cloud.datastore.emulator.firestore.CloudFirestore"
  echo "Class-Path: file:${jar_path// /%20}"
} > "$manifest"
if [[ ! -f "$launcher" ]] || ! cmp -s "$manifest" "$out/manifest.built"; then
  (cd "$out" && jar cfm firestore-launcher.jar manifest.txt)
  cp "$manifest" "$out/manifest.built"
fi
echo "$launcher"
