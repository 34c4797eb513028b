import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assertFails, assertSucceeds, initializeTestEnvironment, type RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { deleteDoc, doc, getDoc, setDoc, setLogLevel, Timestamp, updateDoc } from "firebase/firestore";
import { afterAll, beforeAll, beforeEach, describe, it } from "vitest";

// `sessionAccess/{bookingId}` holds a paid session's protected data (the meeting link, the coach's
// contact): its student reads it, and nobody else, not the coach nor an admin's client; no client writes.

const RULES = fileURLToPath(new URL("../../../firestore.rules", import.meta.url));
let env: RulesTestEnvironment;

const access = {
  bookingId: "b1",
  userId: "student-1",
  coachId: "coach-1",
  meetingUrl: "https://meet.example/uid-1",
  coachContact: { displayName: "Ada", email: "ada@example.com" },
  updatedAt: Timestamp.now(),
};

beforeAll(async () => {
  setLogLevel("silent");
  env = await initializeTestEnvironment({ projectId: "demo-coachify-rules-access", firestore: { rules: readFileSync(RULES, "utf8") } });
});
afterAll(async () => {
  await env.cleanup();
});
beforeEach(async () => {
  await env.clearFirestore();
  await env.withSecurityRulesDisabled(async (ctx) => {
    await setDoc(doc(ctx.firestore(), "sessionAccess/b1"), access);
  });
});

describe("sessionAccess", () => {
  it("is readable by the booking's student", async () => {
    await assertSucceeds(getDoc(doc(env.authenticatedContext("student-1").firestore(), "sessionAccess/b1")));
  });

  it.each([
    ["another student", "student-2", {}],
    ["the coach", "coach-1", {}],
    ["an admin", "admin-1", { admin: true }],
  ])("is not readable by %s", async (_who, uid, claims) => {
    await assertFails(getDoc(doc(env.authenticatedContext(uid, claims).firestore(), "sessionAccess/b1")));
  });

  it("is not readable anonymously", async () => {
    await assertFails(getDoc(doc(env.unauthenticatedContext().firestore(), "sessionAccess/b1")));
  });

  it("is never written by a client, not even its student", async () => {
    const db = env.authenticatedContext("student-1").firestore();
    await assertFails(updateDoc(doc(db, "sessionAccess/b1"), { meetingUrl: "https://evil.example" }));
    await assertFails(setDoc(doc(db, "sessionAccess/b2"), { ...access, bookingId: "b2" }));
    await assertFails(deleteDoc(doc(db, "sessionAccess/b1")));
  });
});
