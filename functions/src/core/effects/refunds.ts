import type { Transaction } from "firebase-admin/firestore";
import { settledRefundedInFull } from "../../domain/attendance.js";
import { disputeOpen, refundableCharges, refundsOwedThroughStripe, type Booking } from "../../domain/booking.js";
import type { BookingState } from "../../domain/booking-state.js";
import { AppError } from "../../domain/errors.js";
import { formatMoney, isRefundMade } from "../../domain/money.js";
import { allocateRefund } from "../../domain/refund-allocation.js";
import { cancellationRefundTarget } from "../../domain/cancellation-decision.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { getDb } from "../../shared/firestore.js";
import { readLedgerEntryInTx, setLedgerObligation, writeLedgerEntry } from "../ledger.js";
import { log } from "../../shared/logger.js";
import { appendAudit } from "../audit.js";
import { notifyParties } from "../notifications.js";
import { requireBooking, writeBooking } from "../bookings.repository.js";
import { exhausted, recordFailure } from "./attempts.js";

/** The key of the obligation a cancellation's refund pays (the others are `refundsOwed` keys). */
export const CANCELLATION_OBLIGATION = "cancellation-refund";
/**
 * What paying `cents` towards obligation `key` changes on the booking: a cancellation reads
 * refunded once its target is reached (a refund split across two payments is not done when the
 * first part is); an owed refund counts it and is dropped once paid. The one place for that
 * rule: our refunds, and ours found by reconciliation, go through it.
 */
export function settleObligation(
  current: Booking,
  key: string,
  cents: number,
  refundedAfterCents: number,
): { toState?: BookingState; patch: Partial<Booking> } {
  if (key === CANCELLATION_OBLIGATION) {
    const done = current.status === "cancelled" && refundedAfterCents >= cancellationRefundTarget(current);
    return done ? { toState: { status: "cancelled", paymentStatus: "refunded" }, patch: {} } : { patch: {} };
  }
  const refundsOwed = current.refundsOwed
    .map((o) => (o.key === key ? { ...o, refundedCents: o.refundedCents + cents } : o))
    .filter((o) => o.refundedCents < o.amountCents);
  // A coach's no-show or a session refunded afterwards reads refunded once nothing is left to refund (whichever obligation was last).
  const after = { ...current, refundsOwed };
  return settledRefundedInFull(after, refundsOwedThroughStripe(after).values())
    ? { toState: { status: current.status, paymentStatus: "refunded" }, patch: { refundsOwed } }
    : { patch: { refundsOwed } };
}
/**
 * Records one refund Stripe made towards `obligationKey`, once: the ledger entry keyed by the
 * refund's id (naming the obligation), the booking's and the payment's refunded totals, and the
 * obligation settled by it. Reads first: call before any other write of the transaction. False
 * when it was recorded already; a refund recorded before without its obligation (found outside
 * our flow) then settles the obligation, once.
 */
export async function recordRefundInTx(
  tx: Transaction,
  bookingId: string,
  current: Booking,
  refund: { refundId: string; paymentIntentId: string; amountCents: number; cause: string; obligationKey: string | null },
  now: Date,
): Promise<boolean> {
  const { obligationKey } = refund;
  const existing = await readLedgerEntryInTx(tx, bookingId, refund.refundId);
  if (existing.exists) {
    if (obligationKey !== null && existing.obligationKey === null) {
      // The money was counted then; only the obligation it paid is still open.
      const { toState, patch } = settleObligation(current, obligationKey, refund.amountCents, current.refundedCents);
      writeBooking(tx, bookingId, current, toState ?? current, patch, now);
      setLedgerObligation(tx, bookingId, refund.refundId, obligationKey);
    }
    return false;
  }
  const refundedCents = Math.min(current.amountCents, current.refundedCents + refund.amountCents);
  const charges = current.charges.map((c) =>
    c.paymentIntentId === refund.paymentIntentId
      ? { ...c, refundedCents: Math.min(c.amountCents, c.refundedCents + refund.amountCents) }
      : c,
  );
  const { toState, patch } =
    obligationKey === null
      ? { toState: undefined, patch: {} }
      : settleObligation(current, obligationKey, refund.amountCents, refundedCents);
  writeBooking(tx, bookingId, current, toState ?? current, { ...patch, refundedCents, charges }, now);
  writeLedgerEntry(
    tx,
    bookingId,
    refund.refundId,
    {
      bookingId,
      coachId: current.coachId,
      kind: "refunded",
      amountCents: -refund.amountCents,
      currency: current.currency,
      stripeObjectId: refund.refundId,
      paymentIntentId: refund.paymentIntentId,
      cause: refund.cause,
      obligationKey,
    },
    now,
  );
  return true;
}
/**
 * Refunds `amountCents` across the booking's payments (newest first), each part once: the
 * idempotency key names the booking, the obligation and the payment, and the split is the same on
 * a retry; the refund's metadata names the booking and the obligation. Each part is recorded
 * against its obligation in its own transaction.
 */
async function refundParts(
  bookingId: string,
  booking: Booking,
  obligation: { key: string; amountCents: number; cause: string },
  deps: Dependencies,
): Promise<void> {
  if (obligation.amountCents <= 0 || exhausted(booking, "stripe-refund")) return;
  // Stripe refuses a refund of a disputed charge: wait until every dispute of the booking is
  // closed (each close is written to the booking, which runs this again).
  if (disputeOpen(booking)) return;
  const now = deps.now();
  // Never more than the payments still hold (a lost dispute took its part back): an allocation
  // that cannot be made is a recorded failure, never an exception out of the trigger.
  const charges = refundableCharges(booking);
  const held = charges.reduce((sum, c) => sum + Math.max(0, c.amountCents - c.refundedCents), 0);
  let parts;
  try {
    parts = allocateRefund(charges, Math.min(obligation.amountCents, held));
  } catch (err) {
    await recordFailure(bookingId, "stripe-refund", err, now);
    return;
  }
  for (const part of parts) {
    const generationKey = `${obligation.key}-${part.paymentIntentId}`;
    const generation = booking.refundKeyGenerations[generationKey] ?? 0;
    let refund;
    try {
      refund = await (
        await deps.payments()
      ).refund({
        paymentIntentId: part.paymentIntentId,
        amountCents: part.amountCents,
        bookingId,
        obligationKey: obligation.key,
        cause: obligation.cause,
        idempotencyKey: `booking-${bookingId}-${generationKey}${generation > 0 ? `-g${generation}` : ""}`,
      });
    } catch (err) {
      await recordFailure(bookingId, "stripe-refund", err, now);
      return;
    }
    if (!isRefundMade(refund.status)) {
      await recordRefundNotMade(bookingId, { ...refund, generationKey, generation }, now);
      return;
    }
    await getDb().runTransaction(async (tx) => {
      const current = await requireBooking(bookingId, tx);
      const recorded = await recordRefundInTx(
        tx,
        bookingId,
        current,
        {
          refundId: refund.refundId,
          paymentIntentId: part.paymentIntentId,
          amountCents: refund.amountCents,
          cause: obligation.cause,
          obligationKey: obligation.key,
        },
        now,
      );
      if (!recorded) return;
      appendAudit(
        tx,
        bookingId,
        `refund-${refund.refundId}`,
        { type: "refunded", refundId: refund.refundId, amountCents: refund.amountCents, cause: obligation.cause },
        now,
      );
      notifyParties(
        tx,
        bookingId,
        current,
        {
          kind: `refunded-${refund.refundId}`,
          topic: "refund",
          title: "Refund issued",
          body: `${formatMoney(refund.amountCents, current.currency)} is on its way back to you.`,
          amount: { amountCents: refund.amountCents, currency: current.currency },
          only: "student",
        },
        now,
      );
    });
  }
}
/**
 * A refund Stripe answered without making it: the obligation stays open. `failed` or `canceled`
 * returned nothing, so the next attempt is a new refund (the obligation's key generation goes up,
 * and with it the idempotency key); `requires_action` waits for a person (lastError says so).
 * Either way it counts as a failed attempt, so it is retried, then left to reconciliation.
 */
async function recordRefundNotMade(
  bookingId: string,
  refund: { refundId: string; status: string; generationKey: string; generation: number },
  now: Date,
): Promise<void> {
  const retryable = refund.status === "failed" || refund.status === "canceled";
  const message = retryable
    ? `Stripe did not make refund ${refund.refundId} (status ${refund.status}): it is tried again as a new refund.`
    : `Refund ${refund.refundId} waits for an action in Stripe (status ${refund.status}): look at it in the Stripe Dashboard.`;
  log.warn("booking.refund-not-made", { bookingId, refundId: refund.refundId, status: refund.status });
  await recordFailure(
    bookingId,
    "stripe-refund",
    new AppError("upstream/rejected", message, { details: { refundId: refund.refundId, status: refund.status } }),
    now,
    (current) =>
      retryable && (current.refundKeyGenerations[refund.generationKey] ?? 0) === refund.generation
        ? { refundKeyGenerations: { ...current.refundKeyGenerations, [refund.generationKey]: refund.generation + 1 } }
        : {},
  );
}
/** Refunds what a cancellation owes and has not been refunded yet. */
export async function refundCancellation(bookingId: string, booking: Booking, deps: Dependencies): Promise<void> {
  // Never more than we still hold: a lost dispute already took its amount back.
  const owed = cancellationRefundTarget(booking) - booking.refundedCents;
  const cause = booking.cancellation?.tier ?? "cancellation";
  if (owed <= 0 && cancellationRefundTarget(booking) > 0 && booking.paymentStatus === "paid") {
    // Refunded in full by refunds recorded elsewhere (reconciliation found them at Stripe).
    await getDb().runTransaction(async (tx) => {
      const current = await requireBooking(bookingId, tx);
      if (current.paymentStatus === "paid" && current.refundedCents >= cancellationRefundTarget(current))
        writeBooking(tx, bookingId, current, { status: "cancelled", paymentStatus: "refunded" }, {}, deps.now());
    });
    return;
  }
  await refundParts(bookingId, booking, { key: CANCELLATION_OBLIGATION, amountCents: owed, cause }, deps);
}
/** Refunds owed outside a cancellation (a cheaper reschedule's difference), each once. */
export async function refundOwed(bookingId: string, booking: Booking, deps: Dependencies): Promise<void> {
  for (const owed of booking.refundsOwed) {
    const current = await requireBooking(bookingId);
    if (current.status === "cancelled") return; // a cancellation took the obligation over
    const open = current.refundsOwed.find((o) => o.key === owed.key);
    // What lost disputes returned pays the obligation first: Stripe refunds only the rest.
    const throughStripe = refundsOwedThroughStripe(current).get(owed.key) ?? 0;
    if (!open || throughStripe <= 0) continue;
    await refundParts(bookingId, current, { key: open.key, amountCents: throughStripe, cause: open.cause }, deps);
  }
  // A session owing everything back whose refund the bank made instead (a lost dispute): nothing is left to refund.
  if (booking.status !== "no-show" && booking.status !== "completed") return;
  await getDb().runTransaction(async (tx) => {
    const current = await requireBooking(bookingId, tx);
    if (current.paymentStatus === "paid" && settledRefundedInFull(current, refundsOwedThroughStripe(current).values()))
      writeBooking(tx, bookingId, current, { status: current.status, paymentStatus: "refunded" }, {}, deps.now());
  });
}
