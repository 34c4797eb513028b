import { disputeOpen, disputesOf, refundsOwedThroughStripe, type Booking } from "./booking.js";
import { cancellationRefundTarget } from "./cancellation-decision.js";
import { isDisputeClosed } from "./dispute-status.js";
import { canBePaid, type PayoutAccount } from "./payout-account.js";
import type { PaymentKept } from "./payouts.js";
import { HOUR_MS, epochMs, isoFromMs } from "./time.js";

/** Hours a settled session's money waits before it goes to the coach (no-show reports and early disputes land first). */
export const DEFAULT_PAYOUT_HOLD_HOURS = 48;

/** Each payment of a booking with what it kept: captured, refunded, and lost to a closed dispute. */
export function paymentsKept(booking: Pick<Booking, "charges" | "dispute" | "disputes">): PaymentKept[] {
  const lost = new Map<string, number>();
  for (const d of disputesOf(booking))
    if (isDisputeClosed(d.status) && d.fundsWithdrawn) lost.set(d.paymentIntentId, (lost.get(d.paymentIntentId) ?? 0) + d.amountCents);
  return booking.charges.map((c) => ({
    paymentIntentId: c.paymentIntentId,
    capturedCents: c.amountCents,
    refundedCents: c.refundedCents,
    lostCents: lost.get(c.paymentIntentId) ?? 0,
  }));
}

/** What the platform keeps of a booking in all. */
export function keptCents(booking: Pick<Booking, "charges" | "dispute" | "disputes">): number {
  return paymentsKept(booking).reduce((sum, p) => sum + Math.max(0, p.capturedCents - p.refundedCents - p.lostCents), 0);
}

/**
 * When a booking's money may go to its coach, or null while it may not (the session has not
 * ended its course). A completed session or a no-show: once it was settled (completion), plus
 * the hold. A
 * cancelled session that kept money (a student's late cancellation): its scheduled end plus the
 * hold, the rule we chose so that the coach is paid when the session would have been, and the
 * student's bank has had as long to dispute it.
 */
export function payoutReleaseAt(
  booking: Pick<Booking, "status" | "endTime" | "attendance" | "charges" | "dispute" | "disputes">,
  holdHours: number,
): string | null {
  const hold = holdHours * HOUR_MS;
  if (booking.status === "completed" || booking.status === "no-show") {
    // Completion is the decision (at the grace period's end, or an admin's or a coach's earlier).
    const settledAt = booking.attendance?.decidedAt ?? booking.endTime;
    return isoFromMs(epochMs(settledAt) + hold);
  }
  if (booking.status === "cancelled" && keptCents(booking) > 0) return isoFromMs(epochMs(booking.endTime) + hold);
  return null;
}

export type PayoutBlock =
  "not-settled" | "on-hold" | "dispute-open" | "no-show-open" | "refund-owed" | "not-onboarded" | "payouts-disabled";

/**
 * Whether the student is still owed a refund through Stripe that is not made yet (a cancellation's,
 * or an obligation such as a session refunded by its coach): what was paid counts as kept until
 * the refund is made, so nothing goes to the coach before it (a failing refund would otherwise pay
 * the coach money the student gets back, to be reversed later or owed by the coach).
 */
function refundStillOwed(
  booking: Pick<Booking, "status" | "amountCents" | "refundedCents" | "cancellation" | "refundsOwed" | "dispute" | "disputes">,
): boolean {
  if (booking.status === "cancelled" && cancellationRefundTarget(booking) > booking.refundedCents) return true;
  return [...refundsOwedThroughStripe(booking).values()].some((cents) => cents > 0);
}

/**
 * Why no transfer to the coach may be made now, or null when one may: the session has not ended
 * its course or is within its hold; a dispute or a no-show claim is open; the coach has no
 * account Stripe pays out to yet (their money waits for them); a refund is still owed to the
 * student. Reversals are never blocked.
 */
export function payoutBlock(
  booking: Pick<
    Booking,
    | "status"
    | "endTime"
    | "attendance"
    | "charges"
    | "dispute"
    | "disputes"
    | "amountCents"
    | "refundedCents"
    | "cancellation"
    | "refundsOwed"
  >,
  account: PayoutAccount | null,
  now: Date,
  holdHours: number,
): PayoutBlock | null {
  const releaseAt = payoutReleaseAt(booking, holdHours);
  if (releaseAt === null) return "not-settled";
  if (now.getTime() < epochMs(releaseAt)) return "on-hold";
  if (disputeOpen(booking)) return "dispute-open";
  if (booking.attendance?.awaitingAdminSince) return "no-show-open";
  if (refundStillOwed(booking)) return "refund-owed";
  if (account === null) return "not-onboarded";
  if (!canBePaid(account)) return "payouts-disabled";
  return null;
}
