import { Timestamp } from "firebase-admin/firestore";
import { AppError } from "../domain/errors.js";
import { calcomUserDoc, getDb, rawCoachDoc } from "../shared/firestore.js";
import type { CalcomAccount } from "../ports/scheduling.port.js";

const USER_TAKEN_MESSAGE =
  "This Cal.com user already belongs to another coach of the marketplace, so it cannot be linked to your account. Please contact an administrator.";

/**
 * Gives the coach their Cal.com user, one coach per user: in one transaction, the user's record
 * (`calcomUsers`) is checked to name no other coach, written when we created the user
 * (organization mode), and the coach's `calcomUserId` and mode are set.
 */
export async function attachCalcomUser(coachId: string, calcomUserId: number, mode: CalcomAccount["mode"], now: Date): Promise<void> {
  const record = calcomUserDoc(calcomUserId);
  await getDb().runTransaction(async (tx) => {
    const owner = (await tx.get(record)).data();
    if (owner !== undefined && owner.coachId !== coachId) throw new AppError("calcom/user-taken", USER_TAKEN_MESSAGE);
    if (owner === undefined && mode === "organization") tx.set(record, { coachId, createdAt: Timestamp.fromDate(now) });
    tx.set(rawCoachDoc(coachId), { calcomUserId, calcomMode: mode }, { merge: true });
  });
}

/** Refuses a Cal.com user recorded for another coach (a connected key of a user we created for someone else). */
export async function assertCalcomUserFree(coachId: string, calcomUserId: number): Promise<void> {
  const owner = (await calcomUserDoc(calcomUserId).get()).data();
  if (owner !== undefined && owner.coachId !== coachId) throw new AppError("calcom/user-taken", USER_TAKEN_MESSAGE);
}
