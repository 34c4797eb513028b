import { disputeOpen, openRefundsOwedCents, stripeRefundTargetCents, type Booking } from "./booking.js";
import { AppError } from "./errors.js";
import { studentCutoffRefusal } from "./limits.js";
import { refundableCents, roundDownForStripe } from "./money.js";
import { decideRefund } from "./policy.js";

export type Canceller = "student" | "coach" | "admin";

export interface CancellationQuote {
  /**
   * What this cancellation would refund through Stripe (on top of anything already refunded or
   * owed): the policy's refund less what lost disputes have already returned.
   */
  refundCents: number;
  /**
   * What the policy gives back for this cancellation, whoever returns it (we, or the student's
   * bank through a lost dispute): `refundCents` is this less what lost disputes returned.
   */
  policyRefundCents: number;
  currency: string;
  tier: string;
  policyVersion: number;
  quotedAt: string;
  /** The last instant at which the same refund still holds (the next tier boundary), or null. */
  validUntil: string | null;
  /** Refunds already owed (a cheaper move's difference) that the cancellation takes over. */
  owedCents: number;
  /** Set when cancelling now would be refused (the student cut-off has passed), saying why. */
  blockedBy: string | null;
  /** The error `cancelBooking` answers with while `blockedBy` is set. */
  blockedCode: "booking/cutoff-passed" | null;
  /** Set when the refund cannot be made now (a disputed payment), saying why: the cancellation is still accepted and the refund waits. */
  refundWaitsFor: string | null;
}

export const DISPUTED_MESSAGE =
  "This payment is disputed: the refund waits for the card issuer's decision. If the dispute is lost, the bank has already returned the money and nothing more is refunded; if it is won, the refund is made then.";

export const REFUND_OVERRIDE_MESSAGE =
  "Only an admin can choose the refund amount: a coach's cancellation always refunds in full, a student's follows the cancellation policy.";

/**
 * What cancelling a booking would refund, by the policy frozen on it: the one pure decision
 * behind both `quoteCancellation` and `cancelBooking`, so a quote says what the cancel will do
 * (its refund, and whether it would be refused). A student's refund follows the tiers; a coach's
 * is full; an admin's is full, or `refundAmount` when they set one (never above what is
 * refundable). Refunds already owed are counted as refunded. A lost dispute is money already
 * returned: the policy decides on what was captured net of our refunds and those owed (not of lost
 * disputes), so the student ends up paying the same in any order of events, and Stripe refunds
 * that less what the bank returned.
 */
export function decideCancellation(booking: Booking, by: Canceller, now: Date, refundAmount?: number): CancellationQuote {
  if (refundAmount !== undefined && by !== "admin") throw new AppError("auth/permission-denied", REFUND_OVERRIDE_MESSAGE);
  const owedCents = openRefundsOwedCents(booking.refundsOwed);
  // While a dispute is open the quote shows what the policy gives (and that it waits).
  const open = disputeOpen(booking);
  const committed = booking.refundedCents + owedCents;
  const base = { currency: booking.currency, policyVersion: booking.cancellationPolicy.version, quotedAt: now.toISOString(), owedCents };
  // An unpaid hold can always be let go, cut-off or not.
  if (booking.paymentStatus === "pending")
    return {
      ...base,
      refundCents: 0,
      policyRefundCents: 0,
      tier: "unpaid-hold",
      validUntil: null,
      blockedBy: null,
      blockedCode: null,
      refundWaitsFor: null,
    };
  const decision = decideRefund({
    cancelledBy: by === "student" ? "student" : "coach",
    now: now.toISOString(),
    startTime: booking.startTime,
    capturedCents: booking.amountCents,
    alreadyRefundedCents: committed,
    policy: booking.cancellationPolicy,
  });
  // Rounded down to an amount Stripe accepts in this currency: a refund it refuses would fail for ever.
  let refundCents = roundDownForStripe(decision.refundCents, booking.currency);
  let tier = decision.tier;
  if (refundAmount !== undefined) {
    const refundable = refundableCents(booking.amountCents, committed);
    if (refundAmount > refundable) {
      throw new AppError("request/invalid", `refundAmount cannot exceed what is refundable (${refundable}).`, {
        details: { refundableCents: refundable },
      });
    }
    refundCents = roundDownForStripe(refundAmount, booking.currency);
    tier = `set-by-${by}`;
  }
  const cutoff =
    by === "student"
      ? studentCutoffRefusal({
          startTime: booking.startTime,
          now,
          cutoffMinutes: booking.limits?.studentCutoffMinutes ?? 0,
          action: "cancel",
        })
      : null;
  const blocked =
    cutoff !== null ? { blockedBy: cutoff, blockedCode: "booking/cutoff-passed" as const } : { blockedBy: null, blockedCode: null };
  const refundWaitsFor = open && refundCents + owedCents > 0 ? DISPUTED_MESSAGE : null;
  // Through Stripe: what the booking will have refunded once cancelled, beyond what it has
  // refunded or still owes through Stripe now.
  const stripeRefundCents = Math.max(
    0,
    stripeRefundTargetCents(booking, committed + refundCents) -
      Math.max(booking.refundedCents, stripeRefundTargetCents(booking, committed)),
  );
  return {
    ...base,
    refundCents: stripeRefundCents,
    policyRefundCents: refundCents,
    tier,
    validUntil: refundAmount === undefined ? decision.validUntil : null,
    ...blocked,
    refundWaitsFor,
  };
}

/**
 * What a cancellation owes through Stripe in total (the booking's refunded total to reach): the
 * policy's total less what lost disputes returned, never more than we still hold. The one place
 * "what a cancellation still owes" is computed from the booking.
 */
export function cancellationRefundTarget(booking: Pick<Booking, "amountCents" | "cancellation" | "dispute" | "disputes">): number {
  return stripeRefundTargetCents(booking, booking.cancellation?.refundCents ?? 0);
}
