import { stripeRefundTargetCents, type Booking } from "../../domain/booking.js";
import { AppError } from "../../domain/errors.js";
import { cancellationRefundTarget } from "../../domain/cancellation-decision.js";
import { requireUid, type CallerContext } from "../../shared/callable.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { getDb } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import { requireBooking } from "../../core/bookings.repository.js";
import type { CancelBookingInput } from "./cancellations.schemas.js";
import { recordCancellationInTx, type CancelBookingOut } from "../../core/effects/cancellation.js";

function outOf(bookingId: string, booking: Booking): CancelBookingOut {
  const c = booking.cancellation;
  if (!c) throw new AppError("booking/illegal-transition", "This booking is cancelled without a recorded cancellation.");
  // What it refunds through Stripe, as its quote said (a lost dispute's return taken off).
  const refundCents = Math.max(0, cancellationRefundTarget(booking) - stripeRefundTargetCents(booking, c.refundedBeforeCents));
  return { bookingId, status: "cancelled", refundCents, currency: booking.currency, tier: c.tier, cancelledBy: c.by, cancelledAt: c.at };
}
/**
 * Decides and records a cancellation; the booking trigger carries it out (Cal.com cancel with the
 * reason, Stripe refund with an idempotency key, notifications). The student's refund follows
 * the policy frozen on the booking; the coach's is full; only an admin may set another amount. A second call, or a concurrent one,
 * answers with the first cancellation and changes nothing.
 */
export async function cancelBooking(input: CancelBookingInput, caller: CallerContext, deps: Dependencies): Promise<CancelBookingOut> {
  const uid = requireUid(caller);
  const now = deps.now();
  const out = await getDb().runTransaction(async (tx) => {
    const booking = await requireBooking(input.bookingId, tx);
    const role: "coach" | "student" | "admin" | null =
      booking.coachId === uid ? "coach" : booking.userId === uid ? "student" : caller.isAdmin ? "admin" : null;
    if (role === null) throw new AppError("auth/permission-denied", "Only the student or the coach of this booking can cancel it.");
    if (booking.status === "cancelled") return outOf(input.bookingId, booking);
    const reason = input.refundReason ? `${input.reason} (refund: ${input.refundReason})` : input.reason;
    return recordCancellationInTx(
      tx,
      input.bookingId,
      booking,
      { by: role, reason, refundAmount: input.refundAmount, expectedRefundCents: input.expectedRefundCents },
      now,
    );
  });
  log.info("booking.cancelled", { bookingId: input.bookingId, by: out.cancelledBy, refundCents: out.refundCents, tier: out.tier });
  return out;
}
