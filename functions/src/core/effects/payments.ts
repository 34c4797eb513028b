import type { Transaction } from "firebase-admin/firestore";
import type { Booking } from "../../domain/booking.js";
import { mayWaitForProcessing, processingDeadline, processingHoldExpiry } from "../../domain/delayed-payment.js";

import { writeLedgerEntry } from "../ledger.js";
import { appendAudit } from "../audit.js";
import { writeBooking } from "../bookings.repository.js";

/**
 * Records that a hold's Checkout Session completed with its payment still processing (a delayed
 * method), inside the caller's transaction: the hold is kept until the session's start time
 * rather than its 35 minutes, so hold expiry and reconciliation leave it to Stripe's verdict
 * (`async_payment_succeeded` records the payment, `async_payment_failed` releases the hold). If
 * it is still processing when the session starts, the hold expires then: a slot is never held for
 * ever. Called by the completed event and by whoever finds the session so (hold expiry,
 * reconciliation: the event may be late or lost). False, changing nothing, when the booking is no
 * longer an unpaid hold or its start has come (the hold is then released as any expired one).
 */
export function recordPaymentProcessingInTx(
  tx: Transaction,
  bookingId: string,
  booking: Booking,
  paymentIntentId: string | null,
  stripeEventId: string,
  now: Date,
): boolean {
  if (booking.status !== "requested" || booking.paymentStatus !== "pending") return false;
  const deadline = processingDeadline([booking.startTime]);
  if (!mayWaitForProcessing(deadline, now)) return false;
  const holdExpiresAt = processingHoldExpiry(booking.holdExpiresAt, deadline);
  writeBooking(tx, bookingId, booking, booking, { paymentProcessing: true, holdExpiresAt }, now);
  appendAudit(tx, bookingId, `payment-processing-${stripeEventId}`, { type: "payment-processing", paymentIntentId, holdExpiresAt }, now);
  return true;
}
/**
 * Records a payment that Stripe reports for a booking, inside the caller's transaction (reads
 * done by the caller). A held booking becomes paid; a hold already released becomes
 * cancelled/paid owing a full refund (its slot may be taken); anything else stays as it is.
 */
export function recordPaymentInTx(
  tx: Transaction,
  bookingId: string,
  booking: Booking,
  paymentIntentId: string,
  stripeEventId: string,
  now: Date,
): "paid" | "late-payment" | "already-recorded" {
  if (booking.paymentStatus !== "pending") return "already-recorded";
  writeLedgerEntry(
    tx,
    bookingId,
    paymentIntentId,
    {
      bookingId,
      coachId: booking.coachId,
      kind: "captured",
      amountCents: booking.amountCents,
      currency: booking.currency,
      stripeObjectId: paymentIntentId,
      cause: "checkout",
    },
    now,
  );
  const charges = [{ paymentIntentId, amountCents: booking.amountCents, refundedCents: 0, cause: "checkout" as const }];
  if (booking.status === "requested") {
    writeBooking(
      tx,
      bookingId,
      booking,
      { status: "requested", paymentStatus: "paid" },
      {
        stripePaymentIntentId: paymentIntentId,
        charges,
        paymentIntentIds: [paymentIntentId],
        paidAt: now.toISOString(),
        holdExpiresAt: null,
        paymentProcessing: false,
      },
      now,
    );
    appendAudit(
      tx,
      bookingId,
      `payment-${stripeEventId}`,
      { type: "payment-received", paymentIntentId, amountCents: booking.amountCents },
      now,
    );
    return "paid";
  }
  const cancellation = {
    by: "system" as const,
    reason: booking.cancellation?.reason ?? "Hold released before payment",
    at: booking.cancellation?.at ?? now.toISOString(),
    refundCents: booking.amountCents,
    refundedBeforeCents: 0,
    tier: "late-payment",
  };
  writeBooking(
    tx,
    bookingId,
    booking,
    { status: "cancelled", paymentStatus: "paid" },
    {
      stripePaymentIntentId: paymentIntentId,
      charges,
      paymentIntentIds: [paymentIntentId],
      paidAt: now.toISOString(),
      paymentProcessing: false,
      cancellation,
    },
    now,
  );
  appendAudit(
    tx,
    bookingId,
    `late-payment-${stripeEventId}`,
    { type: "late-payment", paymentIntentId, amountCents: booking.amountCents },
    now,
  );
  return "late-payment";
}
