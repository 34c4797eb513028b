import { Timestamp, type Transaction } from "firebase-admin/firestore";
import { BOOKING_INSTANT_FIELDS, BookingSchema, type Booking } from "../domain/booking.js";
import { transition, type BookingState } from "../domain/booking-state.js";
import { AppError } from "../domain/errors.js";
import { bookingDoc, rawBookingDoc } from "../shared/firestore.js";

export async function readBooking(bookingId: string, tx?: Transaction): Promise<Booking | undefined> {
  const snap = tx ? await tx.get(bookingDoc(bookingId)) : await bookingDoc(bookingId).get();
  return snap.data();
}
export async function requireBooking(bookingId: string, tx?: Transaction): Promise<Booking> {
  const booking = await readBooking(bookingId, tx);
  if (!booking) throw new AppError("booking/not-found", "There is no booking with this id.");
  return booking;
}
type BookingPatch = Partial<Omit<Booking, "status" | "paymentStatus">>;
/**
 * Writes a state change through the state machine (refusing illegal moves) with its patch, and
 * stamps `updatedAt`. The document it leaves is checked with the schema every read uses, so a
 * value that could not be read back (a reason too long, a refund above the price) is refused
 * here, before it is stored, instead of making the booking unreadable. Instants in the patch are
 * stored as Timestamps.
 */
export function writeBooking(tx: Transaction, bookingId: string, from: Booking, to: BookingState, patch: BookingPatch, now: Date): void {
  const next = transition(from, to);
  const after = BookingSchema.safeParse({
    ...from,
    ...patch,
    status: next.status,
    paymentStatus: next.paymentStatus,
    updatedAt: now.toISOString(),
  });
  if (!after.success) {
    throw new AppError(
      "booking/unstorable",
      "This change would leave the booking in a state that cannot be read back; nothing was changed.",
      {
        details: { issues: after.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) },
      },
    );
  }
  const data: Record<string, unknown> = {
    ...patch,
    status: next.status,
    paymentStatus: next.paymentStatus,
    updatedAt: Timestamp.fromDate(now),
  };
  for (const field of BOOKING_INSTANT_FIELDS) {
    const v = data[field];
    if (typeof v === "string") data[field] = Timestamp.fromDate(new Date(v));
  }
  tx.update(rawBookingDoc(bookingId), data);
}
/** Changes a booking's fields without a change of state, through the same check as `writeBooking`. */
export function patchBooking(tx: Transaction, bookingId: string, current: Booking, patch: BookingPatch, now: Date): void {
  writeBooking(tx, bookingId, current, current, patch, now);
}
