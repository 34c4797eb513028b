import type { Transaction } from "firebase-admin/firestore";
import type { Booking, Reschedule } from "../../domain/booking.js";
import { mayWaitForProcessing, processingDeadline, processingHoldExpiry } from "../../domain/delayed-payment.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { getDb } from "../../shared/firestore.js";
import { writeLedgerEntry } from "../ledger.js";
import { appendAudit } from "../audit.js";
import { notifyParties } from "../notifications.js";
import { patchBooking, requireBooking, writeBooking } from "../bookings.repository.js";
import { releaseIntervalInTx } from "../calendar.repository.js";

/**
 * Gives up a move inside a transaction (booking read by the caller, no write yet): the new
 * interval is freed and the booking keeps its time. A difference already paid is owed back.
 */
export async function abandonRescheduleInTx(
  tx: Transaction,
  bookingId: string,
  booking: Booking,
  why: string,
  now: Date,
): Promise<boolean> {
  const r = booking.reschedule;
  if (!r) return false;
  const release = await releaseIntervalInTx(tx, booking.coachId, bookingId, { start: r.newStartTime, end: r.newEndTime });
  const paid = r.state === "ready" && r.difference.kind === "charge" ? r.difference.amountCents : 0;
  const refundsOwed =
    paid > 0
      ? [...booking.refundsOwed, { key: `${r.id}-abandoned-refund`, amountCents: paid, refundedCents: 0, cause: "reschedule-abandoned" }]
      : booking.refundsOwed;
  const calcomUidsToCancel = r.newCalcomBookingUid ? [...booking.calcomUidsToCancel, r.newCalcomBookingUid] : booking.calcomUidsToCancel;
  patchBooking(tx, bookingId, booking, { reschedule: null, refundsOwed, calcomUidsToCancel }, now);
  release();
  appendAudit(
    tx,
    bookingId,
    `reschedule-${r.id}-abandoned`,
    { type: "reschedule-abandoned", rescheduleId: r.id, why, refundCents: paid },
    now,
  );
  notifyParties(
    tx,
    bookingId,
    booking,
    {
      kind: `reschedule-${r.id}-abandoned`,
      topic: "booking-moved",
      title: "Your session was not moved",
      body: `Your session stays at ${booking.startTime}: ${why}`,
      only: "student",
    },
    now,
  );
  return true;
}
/** Sets fields of a move still under way (never of a later one, nor of one already done or given up). */
export async function patchReschedule(bookingId: string, rescheduleId: string, patch: Partial<Reschedule>, now: Date): Promise<void> {
  await getDb().runTransaction(async (tx) => {
    const booking = await requireBooking(bookingId, tx);
    if (booking.reschedule?.id !== rescheduleId) return;
    patchBooking(tx, bookingId, booking, { reschedule: { ...booking.reschedule, ...patch } }, now);
  });
}
export async function abandonReschedule(bookingId: string, rescheduleId: string, why: string, now: Date): Promise<void> {
  await getDb().runTransaction(async (tx) => {
    const booking = await requireBooking(bookingId, tx);
    if (booking.reschedule?.id !== rescheduleId) return;
    await abandonRescheduleInTx(tx, bookingId, booking, why, now);
  });
}
/**
 * Records that a move's difference was paid by a delayed method still processing (reads done by
 * the caller), as a first payment's is: the new slot is held until the earlier of the booking's
 * start and the new one, for Stripe's verdict (success makes the move, failure gives it up).
 * False, changing nothing, when the move is no longer waiting for it or that time has come.
 */
export function recordRescheduleProcessingInTx(
  tx: Transaction,
  bookingId: string,
  booking: Booking,
  input: { rescheduleId: string; paymentIntentId: string | null; stripeEventId: string },
  now: Date,
): boolean {
  const r = booking.reschedule;
  if (!r || r.id !== input.rescheduleId || r.state !== "awaiting-payment" || booking.status === "cancelled") return false;
  const deadline = processingDeadline([booking.startTime, r.newStartTime]);
  if (!mayWaitForProcessing(deadline, now)) return false;
  const holdExpiresAt = processingHoldExpiry(r.holdExpiresAt, deadline);
  patchBooking(tx, bookingId, booking, { reschedule: { ...r, paymentProcessing: true, holdExpiresAt } }, now);
  appendAudit(
    tx,
    bookingId,
    `reschedule-${r.id}-payment-processing-${input.stripeEventId}`,
    { type: "difference-payment-processing", rescheduleId: r.id, paymentIntentId: input.paymentIntentId, holdExpiresAt },
    now,
  );
  return true;
}
/** Records the payment of a reschedule's difference (reads done by the caller). A late one is owed back. */
export function recordReschedulePaymentInTx(
  tx: Transaction,
  bookingId: string,
  booking: Booking,
  input: { rescheduleId: string; paymentIntentId: string; amountCents: number; stripeEventId: string },
  now: Date,
): "paid" | "late-payment" | "already-recorded" {
  if (booking.charges.some((c) => c.paymentIntentId === input.paymentIntentId)) return "already-recorded";
  writeLedgerEntry(
    tx,
    bookingId,
    input.paymentIntentId,
    {
      bookingId,
      coachId: booking.coachId,
      kind: "captured",
      amountCents: input.amountCents,
      currency: booking.currency,
      stripeObjectId: input.paymentIntentId,
      cause: "price-difference",
    },
    now,
  );
  const charges = [
    ...booking.charges,
    { paymentIntentId: input.paymentIntentId, amountCents: input.amountCents, refundedCents: 0, cause: "price-difference" as const },
  ];
  const amountCents = booking.amountCents + input.amountCents;
  const paymentIntentIds = [...booking.paymentIntentIds, input.paymentIntentId];
  const r = booking.reschedule;
  if (r && r.id === input.rescheduleId && r.state === "awaiting-payment" && booking.status !== "cancelled") {
    writeBooking(
      tx,
      bookingId,
      booking,
      booking,
      { charges, paymentIntentIds, amountCents, reschedule: { ...r, state: "ready", holdExpiresAt: null, paymentProcessing: false } },
      now,
    );
    appendAudit(
      tx,
      bookingId,
      `reschedule-${r.id}-paid`,
      { type: "difference-paid", rescheduleId: r.id, paymentIntentId: input.paymentIntentId, amountCents: input.amountCents },
      now,
    );
    return "paid";
  }
  // The move was given up (or the booking cancelled) before this payment arrived: pay it back in full.
  const key = `${input.rescheduleId}-late-refund`;
  const patch =
    booking.status === "cancelled" && booking.cancellation
      ? { cancellation: { ...booking.cancellation, refundCents: booking.cancellation.refundCents + input.amountCents } }
      : {
          refundsOwed: [
            ...booking.refundsOwed,
            { key, amountCents: input.amountCents, refundedCents: 0, cause: "late-difference-payment" },
          ],
        };
  writeBooking(tx, bookingId, booking, booking, { charges, paymentIntentIds, amountCents, ...patch }, now);
  appendAudit(
    tx,
    bookingId,
    `reschedule-${input.rescheduleId}-late-payment-${input.stripeEventId}`,
    { type: "late-difference-payment", paymentIntentId: input.paymentIntentId, amountCents: input.amountCents },
    now,
  );
  return "late-payment";
}
/**
 * Ends a move whose difference was not paid in time (its expiry event lost): its Checkout
 * Session is expired first, and one that turns out to be paid is recorded (the move then goes
 * ahead) instead of given up; one whose payment is processing (its completed event late or lost)
 * is recorded as processing, and the move waits for it.
 */
export async function expireMoveHold(
  bookingId: string,
  booking: Booking,
  deps: Dependencies,
): Promise<"abandoned" | "paid" | "processing" | "nothing-to-do"> {
  const r = booking.reschedule;
  if (!r || r.state !== "awaiting-payment") return "nothing-to-do";
  const now = deps.now();
  const session =
    r.checkoutSessionId === null
      ? null
      : await (await deps.payments()).expireCheckoutSession(r.checkoutSessionId, `booking-${bookingId}-reschedule-${r.id}-expire`);
  const paymentIntentId = session?.paymentStatus === "paid" ? session.paymentIntentId : null;
  return getDb().runTransaction(async (tx) => {
    const current = await requireBooking(bookingId, tx);
    if (current.reschedule?.id !== r.id || current.reschedule.state !== "awaiting-payment") return "nothing-to-do";
    if (paymentIntentId !== null && session !== null) {
      // The session's amount is the difference it was made for.
      recordReschedulePaymentInTx(
        tx,
        bookingId,
        current,
        { rescheduleId: r.id, paymentIntentId, amountCents: r.difference.amountCents, stripeEventId: `expiry-check-${session.id}` },
        now,
      );
      return "paid";
    }
    if (
      session !== null &&
      session.status === "complete" &&
      session.paymentProcessing &&
      recordRescheduleProcessingInTx(
        tx,
        bookingId,
        current,
        { rescheduleId: r.id, paymentIntentId: session.paymentIntentId, stripeEventId: `expiry-check-${session.id}` },
        now,
      )
    ) {
      return "processing";
    }
    await abandonRescheduleInTx(tx, bookingId, current, "the difference was not paid.", now);
    return "abandoned";
  });
}
