import { Timestamp } from "firebase-admin/firestore";
import type { Booking } from "../../domain/booking.js";
import { errorCodeOf } from "../../domain/errors.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { bookingsCollection, getDb } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import { recordPaymentInTx, recordPaymentProcessingInTx } from "./payments.js";
import { releaseHold } from "./holds.js";
import { runBookingEffects } from "./runner.js";
import { requireBooking } from "../bookings.repository.js";

/**
 * Ends one unpaid hold past its expiry: its Checkout Session is expired first, and a session that
 * turns out to be paid (the event was lost) is recorded as a payment instead of released; one
 * complete with its payment processing (its event late or lost) is recorded as processing, as
 * the event would have, and the hold kept until the session's start.
 */
export async function expireHold(bookingId: string, booking: Booking, deps: Dependencies): Promise<"released" | "paid" | "processing"> {
  const now = deps.now();
  if (booking.stripeCheckoutSessionId !== null) {
    const session = await (await deps.payments()).expireCheckoutSession(booking.stripeCheckoutSessionId, `booking-${bookingId}-expire`);
    if (session.paymentStatus === "paid" && session.paymentIntentId !== null) {
      const paymentIntentId = session.paymentIntentId;
      await getDb().runTransaction(async (tx) => {
        recordPaymentInTx(tx, bookingId, await requireBooking(bookingId, tx), paymentIntentId, `expiry-check-${session.id}`, now);
      });
      return "paid";
    }
    if (session.status === "complete" && session.paymentProcessing) {
      const kept = await getDb().runTransaction(async (tx) =>
        recordPaymentProcessingInTx(
          tx,
          bookingId,
          await requireBooking(bookingId, tx),
          session.paymentIntentId,
          `expiry-check-${session.id}`,
          now,
        ),
      );
      if (kept) return "processing";
    }
  }
  await releaseHold(bookingId, "Payment not completed in time", deps);
  await runBookingEffects(bookingId, deps);
  return "released";
}

/**
 * Releases every unpaid hold past its expiry. Its Checkout Session is expired first; a session
 * that turns out to be paid (the event was lost) is recorded as a payment instead, one whose
 * payment is processing as such (see expireHold).
 */
export async function expireStaleHolds(deps: Dependencies): Promise<{ released: number; paid: number; processing: number }> {
  const now = deps.now();
  const stale = await bookingsCollection()
    .where("status", "==", "requested")
    .where("paymentStatus", "==", "pending")
    .where("holdExpiresAt", "<=", Timestamp.fromDate(now))
    .limit(200)
    .get();
  const counts = { released: 0, paid: 0, processing: 0 };
  for (const doc of stale.docs) {
    try {
      counts[await expireHold(doc.id, doc.data(), deps)] += 1;
    } catch (err) {
      // One booking's failure must not stop the others; the next run tries it again.
      log.error("holds.expiry-failed", { bookingId: doc.id, code: errorCodeOf(err) }, err);
    }
  }
  if (counts.released + counts.paid + counts.processing > 0) log.info("holds.expired", counts);
  return counts;
}
