import { initializeApp, getApps } from "firebase-admin/app";
import { setGlobalOptions } from "firebase-functions/v2";

// Imported first by index.ts: ES modules evaluate imports in order, so these run before any
// function is defined.
if (getApps().length === 0) initializeApp();
setGlobalOptions({ region: "us-central1", maxInstances: 10 });
