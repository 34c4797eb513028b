import type { DocumentData, DocumentReference, WriteBatch } from "firebase-admin/firestore";
import type { Booking } from "../domain/booking.js";
import {
  adminAlertsCollection,
  bookingEventsCollection,
  deletedUserDoc,
  getDb,
  mailCollection,
  notificationsCollection,
  sessionAccessDoc,
} from "../shared/firestore.js";
import { readBooking, patchBooking } from "./bookings.repository.js";

/**
 * What replaces free text on the bookings of a deleted account. Text a person typed (a reason, a
 * note) or that Cal.com relayed can name anyone, so every such field goes, whoever wrote it.
 */
export const ERASED_TEXT = "An account was deleted.";
const ERASED_NOTICE = "Details removed: an account was deleted.";

/** Audit-trail fields that hold free text rather than codes, ids or amounts. */
const FREE_TEXT_FIELDS = ["reason", "message", "body", "note"] as const;

/** The uids among `uids` whose accounts were deleted (`deletedUsers/{uid}` exists). */
async function deletedAmong(uids: readonly string[]): Promise<Set<string>> {
  const distinct = [...new Set(uids)];
  if (distinct.length === 0) return new Set();
  const snaps = await getDb().getAll(...distinct.map((uid) => deletedUserDoc(uid)));
  return new Set(snaps.filter((s) => s.exists).map((s) => s.id));
}

/** The booking's fields that would change: free text replaced (nothing when already erased). */
function erasedBookingPatch(booking: Booking): Partial<Booking> {
  const patch: Partial<Booking> = {};
  if (booking.cancellation && booking.cancellation.reason !== ERASED_TEXT)
    patch.cancellation = { ...booking.cancellation, reason: ERASED_TEXT };
  if (booking.reschedule && booking.reschedule.reason !== "" && booking.reschedule.reason !== ERASED_TEXT)
    patch.reschedule = { ...booking.reschedule, reason: ERASED_TEXT };
  if (booking.escalations.some((e) => e.message !== ERASED_TEXT))
    patch.escalations = booking.escalations.map((e) => ({ ...e, message: ERASED_TEXT }));
  // A far end's error message can quote what it was sent (an attendee's name or email).
  if (booking.lastError && booking.lastError.message !== ERASED_TEXT) patch.lastError = { ...booking.lastError, message: ERASED_TEXT };
  return patch;
}

/** Collects writes and commits them in batches under Firestore's limit of 500 per commit. */
class Writes {
  private batches: WriteBatch[] = [];
  private inLast = 0;
  count = 0;
  private batch(): WriteBatch {
    if (this.batches.length === 0 || this.inLast >= 400) {
      this.batches.push(getDb().batch());
      this.inLast = 0;
    }
    this.inLast += 1;
    this.count += 1;
    return this.batches[this.batches.length - 1] as WriteBatch;
  }
  update(ref: DocumentReference, data: DocumentData): void {
    this.batch().update(ref, data);
  }
  delete(ref: DocumentReference): void {
    this.batch().delete(ref);
  }
  async commit(): Promise<number> {
    for (const b of this.batches) await b.commit();
    return this.count;
  }
}

/**
 * Removes from one booking, and the documents about it, whatever could carry personal data of the
 * deleted accounts `deleted` (its student's, its coach's, or both): free text on the booking and
 * in its audit trail, the bodies of its notifications (those addressed to a deleted account are
 * deleted), its admin alerts' messages. Amounts, states, ids and the ledger stay: they are the
 * accounting record, and they name no person. Writes only what differs, so a second run writes
 * nothing. Returns the number of documents changed.
 */
export async function eraseFromBooking(bookingId: string, deleted: ReadonlySet<string>, now: Date): Promise<number> {
  let changed = await getDb().runTransaction(async (tx) => {
    const booking = await readBooking(bookingId, tx);
    if (!booking) return 0;
    const patch = erasedBookingPatch(booking);
    if (Object.keys(patch).length === 0) return 0;
    patchBooking(tx, bookingId, booking, patch, now);
    return 1;
  });
  const writes = new Writes();
  for (const doc of (await bookingEventsCollection(bookingId).get()).docs) {
    const data = doc.data();
    const update: DocumentData = {};
    for (const field of FREE_TEXT_FIELDS) if (typeof data[field] === "string" && data[field] !== ERASED_TEXT) update[field] = ERASED_TEXT;
    if (Object.keys(update).length > 0) writes.update(doc.ref, update);
  }
  for (const doc of (await notificationsCollection().where("bookingId", "==", bookingId).get()).docs) {
    const recipientId: unknown = doc.get("recipientId");
    if (typeof recipientId === "string" && deleted.has(recipientId)) writes.delete(doc.ref);
    else if (doc.get("body") !== ERASED_NOTICE) writes.update(doc.ref, { body: ERASED_NOTICE });
  }
  // Its emails (sent already, or waiting for the extension) name both parties: none stays.
  for (const doc of (await mailCollection().where("bookingId", "==", bookingId).get()).docs) writes.delete(doc.ref);
  for (const doc of (await adminAlertsCollection().where("bookingId", "==", bookingId).get()).docs) {
    if (doc.get("message") !== ERASED_TEXT) writes.update(doc.ref, { message: ERASED_TEXT });
  }
  // The session's link and the coach's contact name the coach and serve the student: neither stays.
  const access = await sessionAccessDoc(bookingId).get();
  if (access.exists) writes.delete(access.ref);
  changed += await writes.commit();
  return changed;
}

/**
 * After any write of a booking (the booking trigger): when its student or coach has deleted their
 * account, erases what the write may have brought back (a late refund's notice to them, a reason
 * relayed by Cal.com). One read of two markers when neither is deleted.
 */
export async function eraseLateData(bookingId: string, now: Date): Promise<number> {
  const booking = await readBooking(bookingId);
  if (!booking) return 0;
  const deleted = await deletedAmong([booking.userId, booking.coachId]);
  return deleted.size === 0 ? 0 : eraseFromBooking(bookingId, deleted, now);
}
