import type { Booking, Reschedule } from "../../domain/booking.js";
import { AppError } from "../../domain/errors.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { getDb } from "../../shared/firestore.js";
import { withLease } from "../../shared/lease.js";
import { log } from "../../shared/logger.js";
import type { CalcomBookingRef } from "../../domain/calcom-views.js";
import { accountOfBooking } from "../calcom-accounts.repository.js";
import { exhausted, recordFailure } from "./attempts.js";
import { appendAudit } from "../audit.js";
import { notifyParties } from "../notifications.js";
import { releaseIntervalInTx } from "../calendar.repository.js";
import { requireBooking, writeBooking } from "../bookings.repository.js";
import { saveSessionAccess } from "../session-access.js";
import { patchReschedule, abandonReschedule } from "./move-payments.js";

async function newBookingFor(
  booking: Booking,
  bookingId: string,
  r: Reschedule,
  deps: Dependencies,
): Promise<{ ref: CalcomBookingRef; leftovers: string[] }> {
  const account = await accountOfBooking(booking, deps);
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
      await abandonReschedule(bookingId, r.id, "Cal.com no longer offers that time.", now);
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
    const after = {
      ...current,
      startTime: r.newStartTime,
      endTime: r.newEndTime,
      offeringId: r.newOfferingId,
      priceCents: r.newPriceCents,
      previousCalcomBookingUids: current.calcomBookingUid
        ? [...current.previousCalcomBookingUids, current.calcomBookingUid]
        : current.previousCalcomBookingUids,
    };
    const move = { kind: `rescheduled-${r.id}`, topic: "booking-moved", calendar: "request", title: "Session moved", body } as const;
    notifyParties(tx, bookingId, after, { ...move, previousStartTime: current.startTime, meetingUrl: moved.ref.meetingUrl ?? null }, now);
  });
  await saveSessionAccess(bookingId, deps, { meetingUrl: moved.ref.meetingUrl });
  log.info("booking.rescheduled", { bookingId, rescheduleId: r.id, difference: r.difference.kind, amountCents: r.difference.amountCents });
  return "moved";
}
