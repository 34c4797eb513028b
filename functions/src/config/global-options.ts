import { initializeApp, getApps } from "firebase-admin/app";
import { setGlobalOptions } from "firebase-functions/v2/options";

// Required first by index.cts, so these run before any
// function is defined.
if (getApps().length === 0) initializeApp();
setGlobalOptions({ region: "us-central1", maxInstances: 10 });
