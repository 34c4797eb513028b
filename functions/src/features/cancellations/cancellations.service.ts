import { stripeRefundTargetCents, type Booking } from "../../domain/booking.js";
import { AppError } from "../../domain/errors.js";
import { cancellationRefundTarget } from "../../domain/cancellation-decision.js";
import { requireUid, type CallerContext } from "../../shared/callable.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { getDb } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import { patchBooking, requireBooking } from "../../core/bookings.repository.js";
import { appendAudit } from "../../core/audit.js";
import { notifyParties } from "../../core/notifications.js";
import { formatMoney } from "../../domain/money.js";
import { SESSION_REFUND_OBLIGATION, decideSessionRefund } from "../../domain/session-refund.js";
import { storedReason } from "../../domain/text.js";
import type { CancelBookingInput, RefundSessionInput } from "./cancellations.schemas.js";
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

export interface RefundSessionOut {
  bookingId: string;
  refundCents: number;
  currency: string;
  refundedBy: "coach" | "admin";
  refundedAt: string;
}

/**
 * A coach's cancellation after the session ended (and perhaps after they were paid for it): the
 * student gets back everything they paid, through the booking's refund obligations (the trigger
 * refunds at Stripe, once), and the payouts take the coach's share back. The session keeps its
 * status and its calendar entry. A second call answers with the first and changes nothing.
 */
export async function refundSession(input: RefundSessionInput, caller: CallerContext, deps: Dependencies): Promise<RefundSessionOut> {
  const uid = requireUid(caller);
  const out = await getDb().runTransaction(async (tx) => {
    const booking = await requireBooking(input.bookingId, tx);
    const role: "coach" | "student" | "admin" | null =
      booking.coachId === uid ? "coach" : booking.userId === uid ? "student" : caller.isAdmin ? "admin" : null;
    if (role === null) throw new AppError("auth/permission-denied", "Only the coach of this session or an admin can refund it.");
    const done = booking.sessionRefund;
    if (done)
      return {
        bookingId: input.bookingId,
        refundCents: done.refundCents,
        currency: booking.currency,
        refundedBy: done.by,
        refundedAt: done.at,
      };
    const now = deps.now();
    const { refundCents } = decideSessionRefund(booking, role, now);
    const by: "coach" | "admin" = role === "admin" ? "admin" : "coach";
    const at = now.toISOString();
    const sessionRefund = { by, reason: storedReason(input.reason, "Refunded"), refundCents, at };
    const refundsOwed = [
      ...booking.refundsOwed,
      { key: SESSION_REFUND_OBLIGATION, amountCents: refundCents, refundedCents: 0, cause: "session-refund" },
    ];
    patchBooking(tx, input.bookingId, booking, { sessionRefund, refundsOwed }, now);
    appendAudit(tx, input.bookingId, "session-refund", { type: "session-refund", by, amountCents: refundCents }, now);
    notifyParties(
      tx,
      input.bookingId,
      booking,
      {
        kind: "session-refund",
        topic: "refund",
        title: "Session refunded",
        body: `The ${by} refunded this session in full: ${formatMoney(refundCents, booking.currency)} goes back to the student.`,
        amount: { amountCents: refundCents, currency: booking.currency },
      },
      now,
    );
    return { bookingId: input.bookingId, refundCents, currency: booking.currency, refundedBy: by, refundedAt: at };
  });
  log.info("booking.session-refunded", { bookingId: input.bookingId, by: out.refundedBy, refundCents: out.refundCents });
  return out;
}
