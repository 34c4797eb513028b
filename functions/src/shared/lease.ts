import { Timestamp } from "firebase-admin/firestore";
import { AppError } from "../domain/errors.js";
import { getDb, leaseDoc } from "./firestore.js";

/**
 * Runs `work` while holding a short lease on `leases/{key}`, so that two concurrent runs of the
 * same non-idempotent step (a first Cal.com sync) cannot interleave. A lease left by a crashed
 * run expires after `ttlMs`. A second caller gets `request/in-progress` instead of waiting.
 */
export async function withLease<T>(key: string, ttlMs: number, now: () => Date, work: () => Promise<T>): Promise<T> {
  const ref = leaseDoc(key);
  const holder = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  await getDb().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const expiresAt: unknown = snap.get("expiresAt");
    if (snap.exists && expiresAt instanceof Timestamp && expiresAt.toMillis() > now().getTime()) {
      throw new AppError("request/in-progress", "This is already being done; try again in a moment.");
    }
    tx.set(ref, { holder, expiresAt: Timestamp.fromMillis(now().getTime() + ttlMs) });
  });
  try {
    return await work();
  } finally {
    await getDb().runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      if (snap.get("holder") === holder) tx.delete(ref);
    });
  }
}
