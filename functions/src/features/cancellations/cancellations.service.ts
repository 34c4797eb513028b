import type { Booking } from "../../domain/booking.js";
import { AppError } from "../../domain/errors.js";
import { refundableCents } from "../../domain/money.js";
import { decideRefund } from "../../domain/policy.js";
import { requireUid, type CallerContext } from "../../shared/callable.js";
import type { Dependencies } from "../../shared/dependencies.js";
import { getDb } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import { appendAudit, notify, releaseInTx, requireBooking, writeBooking } from "../bookings/bookings.repository.js";
import type { CancelBookingInput, CancelBookingOut } from "./cancellations.schemas.js";

function outOf(bookingId: string, booking: Booking): CancelBookingOut {
  const c = booking.cancellation;
  if (!c) throw new AppError("booking/illegal-transition", "This booking is cancelled without a recorded cancellation.");
  return { bookingId, status: "cancelled", refundCents: c.refundCents - c.refundedBeforeCents, currency: booking.currency, tier: c.tier, cancelledBy: c.by, cancelledAt: c.at };
}

/**
 * Decides and records a cancellation; the booking trigger carries it out (Cal.com cancel with the
 * reason, Stripe refund with an idempotency key, notifications). The student's refund follows
 * the policy frozen on the booking; the coach's is full. A second call, or a concurrent one,
 * answers with the first cancellation and changes nothing.
 */
export async function cancelBooking(input: CancelBookingInput, caller: CallerContext, deps: Dependencies): Promise<CancelBookingOut> {
  const uid = requireUid(caller);
  const now = deps.now();
  const out = await getDb().runTransaction(async (tx) => {
    const booking = await requireBooking(input.bookingId, tx);
    const role: "coach" | "student" | "admin" | null = booking.coachId === uid ? "coach" : booking.userId === uid ? "student" : caller.isAdmin ? "admin" : null;
    if (role === null) throw new AppError("auth/permission-denied", "Only the student or the coach of this booking can cancel it.");
    if (booking.status === "cancelled") return outOf(input.bookingId, booking);
    if (input.refundAmount !== undefined && role === "student") {
      throw new AppError("auth/permission-denied", "Only the coach or an admin can choose the refund amount.");
    }
    const release = await releaseInTx(tx, booking.coachId, input.bookingId);
    const at = now.toISOString();

    let refundCents = 0;
    let tier = "unpaid-hold";
    if (booking.paymentStatus !== "pending") {
      const decision = decideRefund({
        cancelledBy: role === "student" ? "student" : "coach",
        now: at,
        startTime: booking.startTime,
        capturedCents: booking.amountCents,
        alreadyRefundedCents: booking.refundedCents,
        policy: booking.cancellationPolicy,
      });
      refundCents = decision.refundCents;
      tier = decision.tier;
      if (input.refundAmount !== undefined) {
        const refundable = refundableCents(booking.amountCents, booking.refundedCents);
        if (input.refundAmount > refundable) {
          throw new AppError("request/invalid", `refundAmount cannot exceed what is refundable (${refundable}).`, { details: { refundableCents: refundable } });
        }
        refundCents = input.refundAmount;
        tier = "set-by-" + role;
      }
    }
    const cancellation = {
      by: role,
      reason: input.refundReason ? `${input.reason} (refund: ${input.refundReason})` : input.reason,
      at,
      // The total this booking will have refunded once the cancellation is carried out.
      refundCents: booking.refundedCents + refundCents,
      refundedBeforeCents: booking.refundedCents,
      tier,
    };
    // Paid bookings become cancelled/paid; the trigger's refund then makes them cancelled/refunded.
    const to = { status: "cancelled" as const, paymentStatus: booking.paymentStatus === "pending" ? ("pending" as const) : ("paid" as const) };
    writeBooking(tx, input.bookingId, booking, to, { cancellation, holdExpiresAt: null }, now);
    release();
    appendAudit(tx, input.bookingId, "cancelled", { type: "cancelled", by: role, reason: cancellation.reason, refundCents, tier }, now);
    const body = `Your session of ${booking.startTime} was cancelled (${input.reason}).`;
    notify(tx, { bookingId: input.bookingId, recipientId: booking.userId, kind: "booking-cancelled", title: "Session cancelled", body }, now);
    if (role !== "coach") notify(tx, { bookingId: input.bookingId, recipientId: booking.coachId, kind: "booking-cancelled", title: "Session cancelled", body }, now);
    return { bookingId: input.bookingId, status: "cancelled" as const, refundCents, currency: booking.currency, tier, cancelledBy: role, cancelledAt: at };
  });
  log.info("booking.cancelled", { bookingId: input.bookingId, by: out.cancelledBy, refundCents: out.refundCents, tier: out.tier });
  return out;
}
