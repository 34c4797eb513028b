import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assertFails, assertSucceeds, initializeTestEnvironment, type RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { doc, setDoc, setLogLevel, Timestamp, updateDoc } from "firebase/firestore";
import { afterAll, beforeAll, beforeEach, describe, it } from "vitest";

// Review of issue #19: a Firebase ID token outlives the deletion of its account (up to an hour:
// the rules check its signature and expiry, not whether the user still exists), so the rules
// themselves must refuse a deleted account's writes, or its erased name comes back.

const RULES = fileURLToPath(new URL("../../../firestore.rules", import.meta.url));
let env: RulesTestEnvironment;

beforeAll(async () => {
  setLogLevel("silent");
  env = await initializeTestEnvironment({ projectId: "demo-coachify-rules-r19", firestore: { rules: readFileSync(RULES, "utf8") } });
});
afterAll(async () => {
  await env.cleanup();
});
beforeEach(async () => {
  await env.clearFirestore();
  await env.withSecurityRulesDisabled(async (ctx) => {
    const db = ctx.firestore();
    // coach-gone deleted their account: the profile was erased and the marker written.
    await setDoc(doc(db, "coaches/coach-gone"), { timeZone: "UTC", calcomUserId: 7, customOfferings: [] });
    await setDoc(doc(db, "deletedUsers/coach-gone"), { deletedAt: Timestamp.now(), via: "self" });
    await setDoc(doc(db, "deletedUsers/student-gone"), { deletedAt: Timestamp.now(), via: "self" });
    await setDoc(doc(db, "coaches/coach-here"), { timeZone: "UTC", calcomUserId: 8, customOfferings: [] });
  });
});

describe("a deleted account's still-valid token", () => {
  it("cannot write its name back into its erased coach profile", async () => {
    const db = env.authenticatedContext("coach-gone").firestore();
    await assertFails(updateDoc(doc(db, "coaches/coach-gone"), { displayName: "Ada Lovelace", timeZone: "Europe/London" }));
  });

  it("cannot create a coach profile with a name after deletion", async () => {
    const db = env.authenticatedContext("student-gone").firestore();
    await assertFails(setDoc(doc(db, "coaches/student-gone"), { displayName: "Grace Hopper", timeZone: "UTC" }));
  });

  it("while a live account still edits its profile", async () => {
    const db = env.authenticatedContext("coach-here").firestore();
    await assertSucceeds(updateDoc(doc(db, "coaches/coach-here"), { displayName: "Bo", timeZone: "Europe/Paris" }));
  });
});
