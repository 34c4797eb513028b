// Emulator tests must never reach a real project: they need the emulator hosts that
// `firebase emulators:exec` sets, and a demo- project id.
const firestoreHost = process.env.FIRESTORE_EMULATOR_HOST;
const authHost = process.env.FIREBASE_AUTH_EMULATOR_HOST;
const project = process.env.GCLOUD_PROJECT ?? "";

if (!firestoreHost || !authHost) {
  throw new Error(
    "Emulator tests need FIRESTORE_EMULATOR_HOST and FIREBASE_AUTH_EMULATOR_HOST: run them with `npm test` from the repository root.",
  );
}
if (!project.startsWith("demo-")) {
  throw new Error(`Emulator tests run only against a demo- project, not "${project}".`);
}
