import type { CollectionReference, DocumentReference } from "firebase-admin/firestore";
import { getDb } from "../../src/shared/firestore.js";

/** Empties the int project's database (this file's fixtures then make up all of it). */
export async function clearDatabase(project = "demo-coachify-int"): Promise<void> {
  const host = process.env.FIRESTORE_EMULATOR_HOST ?? "";
  const res = await fetch(`http://${host}/emulator/v1/projects/${project}/databases/(default)/documents`, { method: "DELETE" });
  if (!res.ok) throw new Error(`clearing the Firestore emulator: ${res.status}`);
}

/** Bookkeeping every call writes (the caller's spent call budget), not data a call changed. */
const NOT_DATA = new Set(["rateLimits"]);

async function collect(collections: CollectionReference[], out: string[]): Promise<void> {
  for (const collection of collections) {
    if (NOT_DATA.has(collection.path)) continue;
    const snap = await collection.get();
    for (const doc of snap.docs) {
      out.push(`${doc.ref.path}@${doc.updateTime.toMillis()}:${doc.updateTime.nanoseconds}`);
      await collect(await doc.ref.listCollections(), out);
    }
    // Documents that exist only as parents of subcollections.
    const refs: DocumentReference[] = await collection.listDocuments();
    for (const ref of refs) if (!snap.docs.some((d) => d.id === ref.id)) await collect(await ref.listCollections(), out);
  }
}

/** Every document's path and update time: equal before and after means nothing was written. */
export async function databaseFingerprint(): Promise<string[]> {
  const out: string[] = [];
  await collect(await getDb().listCollections(), out);
  return out.sort();
}
