import { Timestamp, type Transaction } from "firebase-admin/firestore";
import { disputeOpen, refundableCharges, refundsOwedThroughStripe, type Booking } from "../../domain/booking.js";
import type { BookingState } from "../../domain/booking-state.js";
import { AppError } from "../../domain/errors.js";
import { mayWaitForProcessing, processingDeadline, processingHoldExpiry } from "../../domain/delayed-payment.js";
import { isRefundMade } from "../../domain/money.js";
import { allocateRefund } from "../../domain/refund-allocation.js";
import { cancellationRefundTarget } from "../../domain/cancellation-decision.js";
import { moveInCalcom } from "../reschedules/reschedule-effects.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { getDb, ledgerEntryDoc } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import { accountOfBooking } from "../calcom-accounts/calcom-accounts.repository.js";
import { recordCancellationInTx } from "../cancellations/cancellations.service.js";
import { calcomMover } from "../../domain/calcom-move.js";
import { followCalcomMove } from "./follow-calcom-move.js";
import { appendAudit, notify, patchBooking, readBooking, releaseInTx, requireBooking, writeBooking } from "./bookings.repository.js";
import { exhausted, recordFailure } from "./side-effect-attempts.js";

/**
 * Releases an unpaid hold inside the caller's transaction (the booking already read by it):
 * cancelled/pending, its slot freed, one audit entry under `auditId`. Returns false, changing
 * nothing, when the booking is no longer an unpaid hold.
 */
export async function releaseHoldInTx(
  tx: Transaction,
  bookingId: string,
  booking: Booking,
  reason: string,
  auditId: string,
  now: Date,
  audit: Record<string, unknown> = {},
): Promise<boolean> {
  if (booking.status !== "requested" || booking.paymentStatus !== "pending") return false;
  const release = await releaseInTx(tx, booking.coachId, bookingId);
  writeBooking(
    tx,
    bookingId,
    booking,
    { status: "cancelled", paymentStatus: "pending" },
    {
      holdExpiresAt: null,
      paymentProcessing: false,
      cancellation: { by: "system", reason, at: now.toISOString(), refundCents: 0, refundedBeforeCents: 0, tier: "hold-released" },
    },
    now,
  );
  release();
  appendAudit(tx, bookingId, auditId, { type: "hold-released", reason, ...audit }, now);
  return true;
}

/** Releases an unpaid hold: cancelled/pending, its slot freed. Safe to repeat. */
export async function releaseHold(bookingId: string, reason: string, deps: Dependencies): Promise<void> {
  const now = deps.now();
  await getDb().runTransaction(async (tx) => {
    await releaseHoldInTx(tx, bookingId, await requireBooking(bookingId, tx), reason, "hold-released", now);
  });
}

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
  const ledger = ledgerEntryDoc(bookingId, paymentIntentId);
  tx.set(ledger, {
    bookingId,
    coachId: booking.coachId,
    kind: "captured",
    amountCents: booking.amountCents,
    currency: booking.currency,
    stripeObjectId: paymentIntentId,
    cause: "checkout",
    at: Timestamp.fromDate(now),
  });
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

/**
 * When Cal.com refused to confirm because the booking was rejected or cancelled there (the
 * webhook lost), records the cancellation as the coach's (a full refund) instead of a failed
 * attempt: no later confirm can succeed. A booking cancelled there because it was moved
 * (`rescheduledToUid`) was not cancelled: the move is followed, and the next run confirms the new
 * Cal.com booking. True when it did either.
 */
async function cancelledInCalcomMeanwhile(bookingId: string, booking: Booking, err: unknown, deps: Dependencies): Promise<boolean> {
  if (!(err instanceof AppError) || err.code !== "upstream/rejected" || booking.calcomBookingUid === null) return false;
  const there = await deps.bookingCalendar
    .getBooking(await accountOfBooking(booking, deps.config), booking.calcomBookingUid)
    .catch(() => null);
  if (there === null || (there.status !== "cancelled" && there.status !== "rejected")) return false;
  if (there.status === "cancelled" && there.rescheduledToUid) {
    const by = calcomMover({ rescheduledBy: there.rescheduledByEmail, hostEmails: there.hostEmails ?? [] });
    await followCalcomMove({ bookingId, oldUid: booking.calcomBookingUid, newUid: there.rescheduledToUid, by }, deps);
    return true;
  }
  const calcomStatus = there.status;
  await getDb().runTransaction(async (tx) => {
    const current = await requireBooking(bookingId, tx);
    if (current.status === "cancelled") return;
    await recordCancellationInTx(
      tx,
      bookingId,
      current,
      { by: "coach", reason: calcomStatus === "rejected" ? "Declined in Cal.com" : "Cancelled in Cal.com", calcomStatus },
      deps.now(),
    );
  });
  return true;
}

/**
 * Confirms a paid booking in Cal.com, then records it confirmed and notifies both sides. Returns
 * the end of a Cal.com rate-limit block that stopped it (null otherwise).
 */
export async function confirmInCalcom(
  bookingId: string,
  deps: Dependencies,
  options: { manual: boolean } = { manual: false },
): Promise<Date | null> {
  const booking = await requireBooking(bookingId);
  if (booking.status !== "requested" || booking.paymentStatus !== "paid") return null;
  if (!options.manual && exhausted(booking, "calcom-confirm")) return null;
  const now = deps.now();
  try {
    if (booking.calcomBookingUid === null) throw new AppError("calcom/not-found", "This booking has no Cal.com booking to confirm.");
    if (booking.calcomStatus !== "accepted") {
      const account = await accountOfBooking(booking, deps.config);
      await deps.bookingCalendar.confirmBooking(account, booking.calcomBookingUid);
    }
  } catch (err) {
    if (await cancelledInCalcomMeanwhile(bookingId, booking, err, deps)) return null;
    const blockEnds = await recordFailure(bookingId, "calcom-confirm", err, now);
    if (options.manual) throw err;
    return blockEnds;
  }
  await getDb().runTransaction(async (tx) => {
    const current = await requireBooking(bookingId, tx);
    if (current.status !== "requested" || current.paymentStatus !== "paid") return;
    writeBooking(
      tx,
      bookingId,
      current,
      { status: "confirmed", paymentStatus: "paid" },
      { calcomStatus: "accepted", needsReconciliation: false, lastError: null },
      now,
    );
    appendAudit(tx, bookingId, "confirmed", { type: "confirmed", calcomBookingUid: current.calcomBookingUid }, now);
    notify(
      tx,
      {
        bookingId,
        recipientId: current.userId,
        kind: "booking-confirmed",
        title: "Your session is booked",
        body: `Your session starts at ${current.startTime}.`,
      },
      now,
    );
    notify(
      tx,
      {
        bookingId,
        recipientId: current.coachId,
        kind: "booking-confirmed",
        title: "New session booked",
        body: `A paid session starts at ${current.startTime}.`,
      },
      now,
    );
  });
  log.info("booking.confirmed", { bookingId });
  return null;
}

/** Confirms the new Cal.com booking of a confirmed booking moved in Cal.com by someone other than the coach (left pending there). */
async function reconfirmInCalcom(bookingId: string, booking: Booking, deps: Dependencies): Promise<Date | null> {
  const uid = booking.calcomBookingUid;
  if (uid === null || exhausted(booking, "calcom-confirm")) return null;
  const now = deps.now();
  try {
    await deps.bookingCalendar.confirmBooking(await accountOfBooking(booking, deps.config), uid);
  } catch (err) {
    return recordFailure(bookingId, "calcom-confirm", err, now);
  }
  await getDb().runTransaction(async (tx) => {
    const current = await requireBooking(bookingId, tx);
    if (current.calcomBookingUid !== uid || current.calcomStatus !== "pending") return;
    patchBooking(tx, bookingId, current, { calcomStatus: "accepted" }, now);
    appendAudit(tx, bookingId, `confirmed-${uid}`, { type: "confirmed", calcomBookingUid: uid }, now);
  });
  return null;
}

/** Cancels in Cal.com the booking of a cancelled one (with a reason: Cal.com wants one from the host). */
async function releaseInCalcom(bookingId: string, booking: Booking, deps: Dependencies): Promise<Date | null> {
  if (booking.calcomBookingUid === null || (booking.calcomStatus !== "pending" && booking.calcomStatus !== "accepted")) return null;
  if (exhausted(booking, "calcom-release")) return null;
  const now = deps.now();
  try {
    const account = await accountOfBooking(booking, deps.config);
    await deps.bookingCalendar.cancelBooking(account, booking.calcomBookingUid, booking.cancellation?.reason ?? "Cancelled");
  } catch (err) {
    return recordFailure(bookingId, "calcom-release", err, now);
  }
  await getDb().runTransaction(async (tx) => {
    const current = await requireBooking(bookingId, tx);
    if (current.calcomStatus === "cancelled") return;
    patchBooking(tx, bookingId, current, { calcomStatus: "cancelled" }, now);
    appendAudit(tx, bookingId, "calcom-cancelled", { type: "calcom-cancelled", calcomBookingUid: current.calcomBookingUid }, now);
  });
  return null;
}

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
  return {
    patch: {
      refundsOwed: current.refundsOwed
        .map((o) => (o.key === key ? { ...o, refundedCents: o.refundedCents + cents } : o))
        .filter((o) => o.refundedCents < o.amountCents),
    },
  };
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
  const ledger = ledgerEntryDoc(bookingId, refund.refundId);
  const { obligationKey } = refund;
  const existing = await tx.get(ledger);
  if (existing.exists) {
    if (obligationKey !== null && typeof existing.get("obligationKey") !== "string") {
      // The money was counted then; only the obligation it paid is still open.
      const { toState, patch } = settleObligation(current, obligationKey, refund.amountCents, current.refundedCents);
      writeBooking(tx, bookingId, current, toState ?? current, patch, now);
      tx.update(ledger, { obligationKey });
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
  tx.set(ledger, {
    bookingId,
    coachId: current.coachId,
    kind: "refunded",
    amountCents: -refund.amountCents,
    currency: current.currency,
    stripeObjectId: refund.refundId,
    paymentIntentId: refund.paymentIntentId,
    cause: refund.cause,
    obligationKey,
    at: Timestamp.fromDate(now),
  });
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
      notify(
        tx,
        {
          bookingId,
          recipientId: current.userId,
          kind: `refunded-${refund.refundId}`,
          title: "Refund issued",
          body: `${refund.amountCents} ${current.currency.toUpperCase()} minor units are on their way back to you.`,
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
async function refundCancellation(bookingId: string, booking: Booking, deps: Dependencies): Promise<void> {
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
async function refundOwed(bookingId: string, booking: Booking, deps: Dependencies): Promise<void> {
  for (const owed of booking.refundsOwed) {
    const current = await requireBooking(bookingId);
    if (current.status === "cancelled") return; // a cancellation took the obligation over
    const open = current.refundsOwed.find((o) => o.key === owed.key);
    // What lost disputes returned pays the obligation first: Stripe refunds only the rest.
    const throughStripe = refundsOwedThroughStripe(current).get(owed.key) ?? 0;
    if (!open || throughStripe <= 0) continue;
    await refundParts(bookingId, current, { key: open.key, amountCents: throughStripe, cause: open.cause }, deps);
  }
}

/** Cancels the Cal.com bookings a move left behind (the old booking of a move to another event type). */
async function cancelLeftovers(bookingId: string, booking: Booking, deps: Dependencies): Promise<Date | null> {
  if (booking.calcomUidsToCancel.length === 0 || exhausted(booking, "calcom-release")) return null;
  const now = deps.now();
  const account = await accountOfBooking(booking, deps.config);
  for (const uid of booking.calcomUidsToCancel) {
    try {
      await deps.bookingCalendar.cancelBooking(account, uid, "Rescheduled");
    } catch (err) {
      return recordFailure(bookingId, "calcom-release", err, now);
    }
    await getDb().runTransaction(async (tx) => {
      const current = await requireBooking(bookingId, tx);
      patchBooking(tx, bookingId, current, { calcomUidsToCancel: current.calcomUidsToCancel.filter((u) => u !== uid) }, now);
      appendAudit(
        tx,
        bookingId,
        `calcom-cancelled-${uid}`,
        { type: "calcom-cancelled", calcomBookingUid: uid, reason: "rescheduled" },
        now,
      );
    });
  }
  return null;
}

/** The Cal.com write a booking's state asks for, as a queue key naming its occurrence, or null. */
export function calcomWriteKey(bookingId: string, booking: Booking): string | null {
  const [leftover] = booking.calcomUidsToCancel;
  if (leftover !== undefined && !exhausted(booking, "calcom-release")) return `booking-${bookingId}-cancel-${leftover}`;
  if (booking.status === "requested" && booking.paymentStatus === "paid" && !exhausted(booking, "calcom-confirm"))
    return `booking-${bookingId}-confirm`;
  if (booking.status === "cancelled") {
    const live = booking.calcomBookingUid !== null && (booking.calcomStatus === "pending" || booking.calcomStatus === "accepted");
    return live && !exhausted(booking, "calcom-release") ? `booking-${bookingId}-release` : null;
  }
  if (
    booking.status === "confirmed" &&
    booking.calcomStatus === "pending" &&
    booking.calcomBookingUid !== null &&
    !exhausted(booking, "calcom-confirm")
  ) {
    return `booking-${bookingId}-confirm-${booking.calcomBookingUid}`;
  }
  if (moveDueInBackground(booking) && !exhausted(booking, "calcom-reschedule"))
    return `booking-${bookingId}-move-${booking.reschedule?.id ?? ""}`;
  return null;
}

/** A paid move for the queue to make: one its caller is making is left to the caller, unless the caller's attempt failed. */
function moveDueInBackground(booking: Booking): boolean {
  const move = booking.reschedule;
  return (
    booking.status !== "cancelled" &&
    move?.state === "ready" &&
    (move.driver === "trigger" || (booking.sideEffectAttempts["calcom-reschedule"] ?? 0) > 0)
  );
}

function failures(booking: Booking | undefined): number {
  return Object.values(booking?.sideEffectAttempts ?? {}).reduce((a, b) => a + b, 0);
}

/** What one run of a booking's Cal.com writes asks of the queue: nothing, a retry after its backoff, or a run once a rate-limit block ends. */
export type CalcomWriteOutcome = "done" | "retry" | { retryAt: Date };

/**
 * The Cal.com part of a booking's effects, run by the `calcomWrites` task queue: cancel what a
 * move left behind, confirm a paid booking, release a cancelled one, confirm a booking moved in
 * Cal.com, carry out a paid move. Level-triggered: it reads the booking afresh and does only
 * what is due. `retry` when a step failed and may be tried again (the queue backs off and
 * retries); past MAX_AUTOMATIC_ATTEMPTS the booking is left to reconciliation. A step Cal.com's
 * rate limit refused stops the run: the rest waits for the block's end with it.
 */
export async function runCalcomBookingWrites(bookingId: string, deps: Dependencies): Promise<CalcomWriteOutcome> {
  const before = await readBooking(bookingId);
  if (!before) return "done";
  let blocked: Date | null = null;
  if (before.calcomUidsToCancel.length > 0) blocked = await cancelLeftovers(bookingId, before, deps);
  const booking = (await readBooking(bookingId)) ?? before;
  if (blocked === null) {
    if (booking.status === "requested" && booking.paymentStatus === "paid") blocked = await confirmInCalcom(bookingId, deps);
    else if (booking.status === "cancelled") blocked = await releaseInCalcom(bookingId, booking, deps);
    else if (booking.status === "confirmed" && booking.calcomStatus === "pending")
      blocked = await reconfirmInCalcom(bookingId, booking, deps);
  }
  if (blocked === null && moveDueInBackground(booking)) {
    const moved = await moveInCalcom(bookingId, deps, { interactive: false });
    if (typeof moved === "object") blocked = moved.rateLimitedUntil;
  }
  if (blocked !== null) return { retryAt: blocked };
  const after = await readBooking(bookingId);
  return failures(after) > failures(before) && after !== undefined && calcomWriteKey(bookingId, after) !== null ? "retry" : "done";
}

/**
 * Carries out what a booking's state asks for: its Cal.com write goes to the rate-limited queue
 * (once per occurrence: the key); refunds go to Stripe here. Level-triggered and idempotent: it
 * reads the booking afresh and does only what is not yet done, so a duplicate or late trigger
 * delivery changes nothing.
 */
export async function runBookingEffects(bookingId: string, deps: Dependencies, options: { keySuffix?: string } = {}): Promise<void> {
  const booking = await readBooking(bookingId);
  if (!booking) return;
  const key = calcomWriteKey(bookingId, booking);
  // Reconciliation names its own occurrence: the queue refuses a task id it has already run.
  if (key !== null)
    await deps.calcomQueue.enqueue({ action: "booking", bookingId, key: options.keySuffix ? `${key}-${options.keySuffix}` : key });
  const fresh = await readBooking(bookingId);
  if (!fresh) return;
  if (fresh.status === "cancelled") await refundCancellation(bookingId, fresh, deps);
  else if (fresh.refundsOwed.length > 0) await refundOwed(bookingId, fresh, deps);
}
