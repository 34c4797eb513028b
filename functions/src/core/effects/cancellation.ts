import type { Transaction } from "firebase-admin/firestore";
import type { Booking } from "../../domain/booking.js";
import { AppError } from "../../domain/errors.js";
import { storedReason } from "../../domain/text.js";
import { decideCancellation } from "../../domain/cancellation-decision.js";
import { appendAudit } from "../audit.js";
import { notifyParties } from "../notifications.js";
import { closeNoShowAlert } from "../no-show-alert.js";
import { releaseInTx } from "../calendar.repository.js";
import { requireBooking, writeBooking } from "../bookings.repository.js";
import { getDb } from "../../shared/firestore.js";

export interface CancelBookingOut {
  bookingId: string;
  status: "cancelled";
  /** What this cancellation refunds (carried out right after, by the booking trigger). */
  refundCents: number;
  currency: string;
  tier: string;
  cancelledBy: "student" | "coach" | "admin" | "system";
  cancelledAt: string;
}

/**
 * Records a cancellation inside a transaction whose only read so far is the booking: decides the
 * refund (policy for a student, full for a coach or admin, or the amount an admin gave), frees the slot,
 * notifies, and leaves the Cal.com cancel and the refund to the booking trigger.
 * `calcomStatus` is set when Cal.com already has it cancelled (a cancellation made there).
 */
export async function recordCancellationInTx(
  tx: Transaction,
  bookingId: string,
  booking: Booking,
  input: {
    by: "student" | "coach" | "admin";
    reason: string;
    refundAmount?: number | undefined;
    expectedRefundCents?: number | undefined;
    calcomStatus?: "cancelled" | "rejected";
  },
  now: Date,
): Promise<CancelBookingOut> {
  if (booking.status === "completed" || booking.status === "no-show")
    throw new AppError("booking/already-settled", `This session has ended (${booking.status}): it can no longer be cancelled.`);
  const release = await releaseInTx(tx, booking.coachId, bookingId);
  const at = now.toISOString();
  const reason = storedReason(input.reason, "Cancelled");
  // Refunds already owed (a cheaper move's difference not yet paid back) are taken over by the
  // cancellation: the policy applies to what the student still has paid, net of them.
  const quote = decideCancellation(booking, input.by, now, input.refundAmount);
  // A cancellation asked of us is refused as its quote says (the student cut-off); one already
  // made in Cal.com is recorded all the same.
  if (quote.blockedCode !== null && !input.calcomStatus)
    throw new AppError(quote.blockedCode, quote.blockedBy ?? "This booking cannot be cancelled now.", { details: { quote } });
  if (input.expectedRefundCents !== undefined && input.expectedRefundCents !== quote.refundCents) {
    throw new AppError(
      "booking/quote-changed",
      `The refund is no longer the one you were quoted: cancelling now refunds ${quote.refundCents} (${quote.tier}). Nothing was cancelled.`,
      { details: { quote } },
    );
  }
  // An open dispute does not stop a cancellation: the calendar and Cal.com are freed now, and the
  // refund owed waits for the dispute's outcome (the booking effects make it once it is won; once
  // it is lost, what the bank returned is no longer ours to refund).
  const { refundCents, policyRefundCents, tier, owedCents } = quote;
  const committed = booking.refundedCents + owedCents;
  const cancellation = {
    by: input.by,
    reason,
    at,
    // What the student gets back in all once the cancellation is carried out, a lost dispute's
    // return included (cancellationRefundTarget turns it into what Stripe refunds).
    refundCents: committed + policyRefundCents,
    refundedBeforeCents: committed,
    tier,
  };
  // A move under way is dropped with the booking; a Cal.com booking it already made goes too.
  const leftovers = booking.reschedule?.newCalcomBookingUid ? [booking.reschedule.newCalcomBookingUid] : [];
  // Paid bookings become cancelled/paid; the trigger's refund then makes them cancelled/refunded.
  const to = {
    status: "cancelled" as const,
    paymentStatus: booking.paymentStatus === "pending" ? ("pending" as const) : ("paid" as const),
  };
  writeBooking(
    tx,
    bookingId,
    booking,
    to,
    {
      cancellation,
      holdExpiresAt: null,
      refundsOwed: [],
      reschedule: null,
      calcomUidsToCancel: [...booking.calcomUidsToCancel, ...leftovers],
      ...(input.calcomStatus ? { calcomStatus: input.calcomStatus } : {}),
    },
    now,
  );
  release();
  // A no-show an admin was to decide: the cancellation settles it.
  closeNoShowAlert(tx, bookingId, booking, now);
  appendAudit(tx, bookingId, "cancelled", { type: "cancelled", by: input.by, reason, refundCents, tier }, now);
  const body = `Your session of ${booking.startTime} was cancelled (${reason}).`;
  // A hold never confirmed put nothing in anyone's calendar, and its coach never heard of it.
  const wasConfirmed = booking.status === "confirmed";
  notifyParties(
    tx,
    bookingId,
    booking,
    {
      kind: "booking-cancelled",
      topic: "booking-cancelled",
      calendar: wasConfirmed ? "cancel" : null,
      title: "Session cancelled",
      body,
      amount: booking.paymentStatus === "pending" ? null : { amountCents: refundCents, currency: booking.currency },
      ...(wasConfirmed ? {} : { only: "student" as const }),
    },
    now,
  );
  return { bookingId, status: "cancelled", refundCents, currency: booking.currency, tier, cancelledBy: input.by, cancelledAt: at };
}

/**
 * Records a cancellation Cal.com already has (its webhook, a confirm it refused, reconciliation's
 * poll) in its own transaction, once: a booking cancelled here meanwhile is left as it is, and
 * `audit`, when given, is written only with the cancellation.
 */
export async function recordCalcomCancellation(
  bookingId: string,
  input: { by: "student" | "coach"; reason: string; calcomStatus: "cancelled" | "rejected" },
  now: Date,
  audit?: { id: string; entry: Record<string, unknown> },
): Promise<void> {
  await getDb().runTransaction(async (tx) => {
    const current = await requireBooking(bookingId, tx);
    if (current.status === "cancelled") return;
    if (current.status === "completed" || current.status === "no-show") {
      // A session that ended stays as it was settled: Cal.com's late cancellation is only noted.
      appendAudit(
        tx,
        bookingId,
        `calcom-cancelled-after-end`,
        { type: "calcom-cancelled-after-end", by: input.by, reason: input.reason },
        now,
      );
      return;
    }
    await recordCancellationInTx(tx, bookingId, current, input, now);
    if (audit) appendAudit(tx, bookingId, audit.id, audit.entry, now);
  });
}
