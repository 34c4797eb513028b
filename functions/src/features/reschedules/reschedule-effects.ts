import { Timestamp, type Transaction } from "firebase-admin/firestore";
import type { Booking, Reschedule } from "../../domain/booking.js";
import { mayWaitForProcessing, processingDeadline, processingHoldExpiry } from "../../domain/delayed-payment.js";
import { AppError } from "../../domain/errors.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { getDb, ledgerEntryDoc } from "../../shared/firestore.js";
import { withLease } from "../../shared/lease.js";
import { log } from "../../shared/logger.js";
import type { CalcomBookingRef } from "../../ports/scheduling.port.js";
import { accountOfBooking } from "../calcom-accounts/calcom-accounts.repository.js";
import { exhausted, recordFailure } from "../bookings/side-effect-attempts.js";
import { appendAudit, notify, patchBooking, releaseIntervalInTx, requireBooking, writeBooking } from "../bookings/bookings.repository.js";

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
  notify(
    tx,
    {
      bookingId,
      recipientId: booking.userId,
      kind: `reschedule-${r.id}-abandoned`,
      title: "Your session was not moved",
      body: `Your session stays at ${booking.startTime}: ${why}`,
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

async function abandon(bookingId: string, rescheduleId: string, why: string, now: Date): Promise<void> {
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
  const ledger = ledgerEntryDoc(bookingId, input.paymentIntentId);
  tx.set(ledger, {
    bookingId,
    coachId: booking.coachId,
    kind: "captured",
    amountCents: input.amountCents,
    currency: booking.currency,
    stripeObjectId: input.paymentIntentId,
    cause: "price-difference",
    at: Timestamp.fromDate(now),
  });
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

async function newBookingFor(
  booking: Booking,
  bookingId: string,
  r: Reschedule,
  deps: Dependencies,
): Promise<{ ref: CalcomBookingRef; leftovers: string[] }> {
  const account = await accountOfBooking(booking, deps.config);
  const sameEventType = r.newEventTypeId === booking.calcomEventTypeId && booking.calcomBookingUid !== null;
  if (sameEventType && booking.calcomBookingUid !== null) {
    // Naming the coach as the one who moves it gets the new booking accepted at once.
    const coachEmail = await deps.emailOf(booking.coachId).catch(() => null);
    let ref = await deps.bookingCalendar.rescheduleBooking(account, booking.calcomBookingUid, {
      start: r.newStartTime,
      rescheduledBy: coachEmail,
      reason: r.reason || "Rescheduled",
    });
    if (ref.status !== "accepted") ref = await deps.bookingCalendar.confirmBooking(account, ref.calcomBookingUid);
    return { ref, leftovers: [] };
  }
  // Another event type: Cal.com cannot move across types, so make and confirm the new booking
  // first, then cancel the old one: a paid booking never has neither live.
  let ref: CalcomBookingRef;
  if (r.newCalcomBookingUid !== null) {
    ref = await deps.bookingCalendar.getBooking(account, r.newCalcomBookingUid);
  } else {
    const email = await deps.emailOf(booking.userId);
    ref = await deps.bookingCalendar.createBooking(account, {
      eventTypeId: r.newEventTypeId,
      start: r.newStartTime,
      attendee: { name: email.split("@")[0] ?? "Student", email, timeZone: booking.timeZone },
      bookingId,
    });
    // Recorded at once so that a retry confirms this booking instead of making another.
    await patchReschedule(
      bookingId,
      r.id,
      { newCalcomBookingUid: ref.calcomBookingUid, newCalcomBookingId: ref.calcomBookingId },
      deps.now(),
    );
  }
  if (ref.status !== "accepted") ref = await deps.bookingCalendar.confirmBooking(account, ref.calcomBookingUid);
  const old =
    booking.calcomBookingUid !== null && (booking.calcomStatus === "pending" || booking.calcomStatus === "accepted")
      ? [booking.calcomBookingUid]
      : [];
  return { ref, leftovers: old };
}

/** `rateLimitedUntil`: Cal.com's rate limit refused the move; it runs again once the block ends. */
export type MoveOutcome = "moved" | "retrying" | "nothing-to-do" | { rateLimitedUntil: Date };

/**
 * Carries out a move whose difference is settled: moves the Cal.com booking, then the booking's
 * times, offering, uid chain and calendar interval, in one transaction. A slot Cal.com refuses
 * gives the move up (a paid difference is owed back). Interactive callers get the refusal as an
 * error; other failures are retried by the booking trigger, then left to reconciliation.
 */
export async function moveInCalcom(bookingId: string, deps: Dependencies, options: { interactive: boolean }): Promise<MoveOutcome> {
  const booking = await requireBooking(bookingId);
  const r = booking.reschedule;
  if (!r || r.state !== "ready" || booking.status === "cancelled") return "nothing-to-do";
  if (!options.interactive && exhausted(booking, "calcom-reschedule")) return "nothing-to-do";
  try {
    // One runner per move: the callable and a trigger delivery (or two) must not both call Cal.com.
    return await withLease(`reschedule-${bookingId}-${r.id}`, 60_000, deps.now, () => carryOutMove(bookingId, r.id, deps, options));
  } catch (err) {
    if (err instanceof AppError && err.code === "request/in-progress") return "retrying";
    throw err;
  }
}

async function carryOutMove(
  bookingId: string,
  rescheduleId: string,
  deps: Dependencies,
  options: { interactive: boolean },
): Promise<MoveOutcome> {
  // Read again under the lease: another runner may have finished it meanwhile.
  const booking = await requireBooking(bookingId);
  const r = booking.reschedule;
  if (!r || r.id !== rescheduleId || r.state !== "ready" || booking.status === "cancelled") return "nothing-to-do";
  const now = deps.now();
  let moved;
  try {
    moved = await newBookingFor(booking, bookingId, r, deps);
  } catch (err) {
    if (err instanceof AppError && err.code === "booking/slot-unavailable") {
      await abandon(bookingId, r.id, "Cal.com no longer offers that time.", now);
      if (options.interactive)
        throw new AppError(
          "booking/cannot-reschedule",
          "This time is no longer available. Please pick another slot: your booking is unchanged.",
          { cause: err },
        );
      return "nothing-to-do";
    }
    const blockEnds = await recordFailure(bookingId, "calcom-reschedule", err, now);
    if (blockEnds === null) return "retrying";
    // Not counted as a failure: the queue makes the move once the block ends, not the caller.
    if (options.interactive) await patchReschedule(bookingId, r.id, { driver: "trigger" }, deps.now());
    return { rateLimitedUntil: blockEnds };
  }
  await getDb().runTransaction(async (tx) => {
    const current = await requireBooking(bookingId, tx);
    if (current.reschedule?.id !== r.id) return;
    const release = await releaseIntervalInTx(tx, current.coachId, bookingId, { start: current.startTime, end: current.endTime });
    const refund =
      r.difference.kind === "refund" && r.refundDifference && r.difference.amountCents > 0
        ? [{ key: `${r.id}-difference-refund`, amountCents: r.difference.amountCents, refundedCents: 0, cause: "price-difference" }]
        : [];
    writeBooking(
      tx,
      bookingId,
      current,
      current,
      {
        startTime: r.newStartTime,
        endTime: r.newEndTime,
        offeringId: r.newOfferingId,
        calcomEventTypeId: r.newEventTypeId,
        priceCents: r.newPriceCents,
        // The calendar entry was reserved under these: the booking's slot rules must say the same.
        limits: r.newLimits ?? current.limits,
        calcomBookingId: moved.ref.calcomBookingId,
        calcomBookingUid: moved.ref.calcomBookingUid,
        calcomStatus: "accepted",
        previousCalcomBookingUids: current.calcomBookingUid
          ? [...current.previousCalcomBookingUids, current.calcomBookingUid]
          : current.previousCalcomBookingUids,
        calcomUidsToCancel: [...current.calcomUidsToCancel, ...moved.leftovers],
        refundsOwed: [...current.refundsOwed, ...refund],
        reschedule: null,
        sideEffectAttempts: { ...current.sideEffectAttempts, "calcom-reschedule": 0 },
      },
      now,
    );
    release();
    appendAudit(
      tx,
      bookingId,
      `rescheduled-${r.id}`,
      {
        type: "rescheduled",
        rescheduleId: r.id,
        by: r.by,
        reason: r.reason,
        from: { startTime: current.startTime, offeringId: current.offeringId, calcomBookingUid: current.calcomBookingUid },
        to: { startTime: r.newStartTime, offeringId: r.newOfferingId, calcomBookingUid: moved.ref.calcomBookingUid },
        difference: r.difference,
      },
      now,
    );
    const body = `Your session of ${current.startTime} now starts at ${r.newStartTime}.`;
    notify(tx, { bookingId, recipientId: current.userId, kind: `rescheduled-${r.id}`, title: "Session moved", body }, now);
    notify(tx, { bookingId, recipientId: current.coachId, kind: `rescheduled-${r.id}`, title: "Session moved", body }, now);
  });
  log.info("booking.rescheduled", { bookingId, rescheduleId: r.id, difference: r.difference.kind, amountCents: r.difference.amountCents });
  return "moved";
}
