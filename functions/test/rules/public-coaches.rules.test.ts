import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assertFails, assertSucceeds, initializeTestEnvironment, type RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { collection, deleteDoc, doc, getDoc, getDocs, query, setDoc, setLogLevel, updateDoc, where } from "firebase/firestore";
import { afterAll, beforeAll, beforeEach, describe, it } from "vitest";

// publicCoaches/{coachId}: the catalog. Written by functions only; signed-in users read it, and
// anonymous readers only the documents the functions marked `visibility: "public"`.

const RULES = fileURLToPath(new URL("../../../firestore.rules", import.meta.url));
let env: RulesTestEnvironment;

const card = (coachId: string, visibility: "public" | "signed-in") => ({
  coachId,
  displayName: "Ada",
  headline: "Yoga for runners",
  facets: ["s:yoga"],
  sortKey: "ada",
  visibility,
});

beforeAll(async () => {
  setLogLevel("silent");
  env = await initializeTestEnvironment({ projectId: "demo-coachify-rules-catalog", firestore: { rules: readFileSync(RULES, "utf8") } });
});
afterAll(async () => {
  await env.cleanup();
});
beforeEach(async () => {
  await env.clearFirestore();
  await env.withSecurityRulesDisabled(async (ctx) => {
    const db = ctx.firestore();
    await setDoc(doc(db, "publicCoaches/coach-signed-in"), card("coach-signed-in", "signed-in"));
    await setDoc(doc(db, "publicCoaches/coach-public"), card("coach-public", "public"));
  });
});

describe("publicCoaches", () => {
  it("any signed-in user reads a catalog document and lists the catalog", async () => {
    const db = env.authenticatedContext("student-1").firestore();
    await assertSucceeds(getDoc(doc(db, "publicCoaches/coach-signed-in")));
    await assertSucceeds(getDocs(query(collection(db, "publicCoaches"), where("facets", "array-contains", "s:yoga"))));
  });

  it("an anonymous reader is refused a document not marked public", async () => {
    const db = env.unauthenticatedContext().firestore();
    await assertFails(getDoc(doc(db, "publicCoaches/coach-signed-in")));
    await assertFails(getDocs(collection(db, "publicCoaches")));
  });

  it("an anonymous reader reads the documents marked public, and queries them by that mark", async () => {
    const db = env.unauthenticatedContext().firestore();
    await assertSucceeds(getDoc(doc(db, "publicCoaches/coach-public")));
    await assertSucceeds(getDocs(query(collection(db, "publicCoaches"), where("visibility", "==", "public"))));
  });

  it("no client writes it: not the coach it describes, not an admin, not anonymously", async () => {
    const coach = env.authenticatedContext("coach-signed-in").firestore();
    const admin = env.authenticatedContext("admin-1", { admin: true }).firestore();
    const anonymous = env.unauthenticatedContext().firestore();
    await assertFails(updateDoc(doc(coach, "publicCoaches/coach-signed-in"), { headline: "Best coach" }));
    await assertFails(setDoc(doc(coach, "publicCoaches/coach-new"), card("coach-new", "public")));
    await assertFails(deleteDoc(doc(coach, "publicCoaches/coach-signed-in")));
    await assertFails(updateDoc(doc(admin, "publicCoaches/coach-public"), { visibility: "signed-in" }));
    await assertFails(setDoc(doc(anonymous, "publicCoaches/coach-anon"), card("coach-anon", "public")));
  });
});
