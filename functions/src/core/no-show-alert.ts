import { Timestamp, type Transaction } from "firebase-admin/firestore";
import type { Booking } from "../domain/booking.js";
import { adminAlertDoc } from "../shared/firestore.js";

/** A booking's no-show alert: one per booking, so opening it twice writes it once. */
function noShowAlertDoc(bookingId: string) {
  return adminAlertDoc(`${bookingId}_no-show`);
}

/** Hands a booking's no-show to an admin (`adminAlerts/{bookingId}_no-show`). */
export function openNoShowAlert(tx: Transaction, bookingId: string, now: Date): void {
  tx.set(noShowAlertDoc(bookingId), {
    bookingId,
    kind: "no-show",
    message: "The coach and the student disagree about who did not come (or the coach did not answer the student's report).",
    createdAt: Timestamp.fromDate(now),
    resolvedAt: null,
  });
}

/** Closes the booking's no-show alert, if it has one open (a decision, a cancellation, a move settled it). */
export function closeNoShowAlert(tx: Transaction, bookingId: string, booking: Pick<Booking, "attendance">, now: Date): void {
  if (booking.attendance?.awaitingAdminSince) tx.set(noShowAlertDoc(bookingId), { resolvedAt: Timestamp.fromDate(now) }, { merge: true });
}
