import { isDeepStrictEqual } from "node:util";
import { getAuth } from "firebase-admin/auth";
import { FieldValue, Timestamp } from "firebase-admin/firestore";
import type { Booking } from "../../domain/booking.js";
import { CoachProfileSchema } from "../../domain/coach-profile.js";
import { AppError } from "../../domain/errors.js";
import type { Dependencies } from "../../ports/dependencies.js";
import type { CallerContext } from "../../shared/callable.js";
import {
  bookingsCollection,
  deletedUserDoc,
  publicCoachDoc,
  getDb,
  mailCollection,
  notificationPreferencesDoc,
  notificationsCollection,
  pushDeliveriesCollection,
  pushTokensCollection,
  rawCoachDoc,
  studentHoldsDoc,
} from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import { readBooking } from "../../core/bookings.repository.js";
import { recordCancellationInTx } from "../../core/effects/cancellation.js";
import { ERASED_TEXT, eraseFromBooking } from "../../core/erasure.js";
import type { PersonalDataInput } from "./personal-data.schemas.js";
import { subjectOf } from "./subject.js";

export interface AccountDeletionOut {
  uid: string;
  /** Live future bookings cancelled now (their refunds and Cal.com cancellations follow as for any cancellation). */
  cancelled: string[];
  /** Live bookings left as they are: past the student cut-off (the session stands), already started. */
  keptLive: string[];
  /** Documents whose personal data this run removed (0 on a second run). */
  documentsChanged: number;
  authUserDeleted: boolean;
}

/** The account's bookings, as its student and as its coach, by id. */
async function bookingsOf(uid: string): Promise<Map<string, Booking>> {
  const [asStudent, asCoach] = await Promise.all([
    bookingsCollection().where("userId", "==", uid).get(),
    bookingsCollection().where("coachId", "==", uid).get(),
  ]);
  return new Map([...asStudent.docs, ...asCoach.docs].map((d) => [d.id, d.data()]));
}

const isLive = (b: Booking, now: Date) => b.status !== "cancelled" && Date.parse(b.startTime) > now.getTime();

/**
 * Cancels one live booking through the booking core, as the deleted side: as its student by the
 * frozen policy (refused past the cut-off: the session stands), as its coach with a full refund.
 * The booking trigger then refunds and cancels in Cal.com as for any cancellation.
 */
async function cancelForDeletion(uid: string, bookingId: string, now: Date): Promise<"cancelled" | "kept" | "not-live"> {
  try {
    return await getDb().runTransaction(async (tx) => {
      const booking = await readBooking(bookingId, tx);
      if (!booking || !isLive(booking, now)) return "not-live";
      const by = booking.userId === uid ? "student" : "coach";
      await recordCancellationInTx(tx, bookingId, booking, { by, reason: ERASED_TEXT }, now);
      return "cancelled";
    });
  } catch (err) {
    if (err instanceof AppError && err.code === "booking/cutoff-passed") return "kept";
    throw err;
  }
}

const EMPTY_PROFILE = CoachProfileSchema.parse({});

/** The coach profile's personal fields removed; the Cal.com ids stay, for the bookings still to be cancelled there. */
async function eraseCoachProfile(uid: string): Promise<number> {
  const snap = await rawCoachDoc(uid).get();
  if (!snap.exists) return 0;
  const data = snap.data() ?? {};
  const update: Record<string, unknown> = {};
  if ("displayName" in data) update.displayName = FieldValue.delete();
  if (data.timeZone !== "UTC") update.timeZone = "UTC";
  // Off sale: the offering trigger retires their event types in Cal.com.
  if (Array.isArray(data.customOfferings) && data.customOfferings.length > 0) update.customOfferings = [];
  if (Array.isArray(data.availabilitySlots) && data.availabilitySlots.length > 0) update.availabilitySlots = [];
  // The catalog profile is the coach's own words and photo: back to the empty, unpublished one.
  if ("profile" in data && !isDeepStrictEqual(data.profile, EMPTY_PROFILE)) update.profile = EMPTY_PROFILE;
  if (Object.keys(update).length === 0) return 0;
  await rawCoachDoc(uid).update(update);
  return 1;
}

async function deleteAuthUser(uid: string): Promise<boolean> {
  try {
    await getAuth().deleteUser(uid);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === "auth/user-not-found") return false;
    throw err;
  }
}

/**
 * Erases an account: records `deletedUsers/{uid}` first (so a late trigger about its bookings
 * erases again what it brings back), cancels its live future bookings by the usual rules, removes
 * free text from all its bookings and what is about them, its notifications, its holds and its
 * coach profile. Money records stay, naming the account only by its uid, a random id that names
 * no one once the Auth user is gone. Each step does only what is left, so a second run (or the
 * Auth trigger after the callable) changes nothing.
 */
export async function eraseAccount(
  uid: string,
  via: "self" | "admin" | "auth",
  deps: Pick<Dependencies, "now">,
): Promise<AccountDeletionOut> {
  const now = deps.now();
  const marker = deletedUserDoc(uid);
  await getDb().runTransaction(async (tx) => {
    if (!(await tx.get(marker)).exists) tx.create(marker, { deletedAt: Timestamp.fromDate(now), via });
  });
  const bookings = await bookingsOf(uid);
  const cancelled: string[] = [];
  const keptLive: string[] = [];
  for (const [bookingId, booking] of bookings) {
    if (!isLive(booking, now)) continue;
    const outcome = await cancelForDeletion(uid, bookingId, now);
    if (outcome === "cancelled") cancelled.push(bookingId);
    if (outcome === "kept") keptLive.push(bookingId);
  }
  const deleted = new Set([uid]);
  let documentsChanged = 0;
  for (const bookingId of bookings.keys()) documentsChanged += await eraseFromBooking(bookingId, deleted, now);
  documentsChanged += await eraseCoachProfile(uid);
  // Off the catalog at once (the catalog trigger, seeing the marker, would also delete it).
  const listed = await publicCoachDoc(uid).get();
  if (listed.exists) {
    await listed.ref.delete();
    documentsChanged += 1;
  }
  const holds = await studentHoldsDoc(uid).get();
  if (holds.exists) {
    await holds.ref.delete();
    documentsChanged += 1;
  }
  // What the person was told and how: notices, emails, pushes, devices, preferences.
  for (const query of [
    notificationsCollection().where("recipientId", "==", uid),
    mailCollection().where("recipientId", "==", uid),
    pushDeliveriesCollection().where("recipientId", "==", uid),
    pushTokensCollection(uid),
  ]) {
    const found = await query.get();
    for (const doc of found.docs) await doc.ref.delete();
    documentsChanged += found.size;
  }
  const prefs = await notificationPreferencesDoc(uid).get();
  if (prefs.exists) {
    await prefs.ref.delete();
    documentsChanged += 1;
  }
  const authUserDeleted = via === "auth" ? false : await deleteAuthUser(uid);
  log.info("account.deleted", { uid, via, cancelled: cancelled.length, keptLive: keptLive.length, documentsChanged, authUserDeleted });
  return { uid, cancelled, keptLive, documentsChanged, authUserDeleted };
}

/** `deleteMyAccount`: the caller's account, or the one an admin names. */
export async function deleteMyAccount(
  input: PersonalDataInput,
  caller: CallerContext,
  deps: Pick<Dependencies, "now">,
): Promise<AccountDeletionOut> {
  const subject = subjectOf(input, caller, "You can only delete your own account.");
  return eraseAccount(subject.uid, subject.byAdmin ? "admin" : "self", deps);
}
