import type { Booking } from "../../domain/booking.js";
import { moveInCalcom } from "./calcom-move.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { readBooking } from "../bookings.repository.js";
import { exhausted } from "./attempts.js";
import { confirmInCalcom, reconfirmInCalcom, releaseInCalcom, cancelLeftovers } from "./calcom-booking.js";
import { refundCancellation, refundOwed } from "./refunds.js";
import { absenceUnmirrored, mirrorAbsenceToCalcom } from "./calcom-absence.js";
import { removeSessionAccess } from "../session-access.js";
import { scheduleReminders } from "../reminders.js";
import { runPayouts } from "./payouts.js";
import { payoutReleaseAt } from "../../domain/payout-timing.js";

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
  if (absenceUnmirrored(booking) && !exhausted(booking, "calcom-absent"))
    return `booking-${bookingId}-absent-r${booking.attendance.revision}`;
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
  // Marks wait for Cal.com only if they did when this run started (a later mark enqueues its own run).
  if (blocked === null && absenceUnmirrored(booking)) {
    const latest = (await readBooking(bookingId)) ?? booking;
    if (latest.status !== "cancelled") blocked = await mirrorAbsenceToCalcom(bookingId, latest, deps);
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
  if (fresh.status === "cancelled") {
    // A cancelled session's link and the coach's contact are no longer the student's to see.
    await removeSessionAccess(bookingId);
    await refundCancellation(bookingId, fresh, deps);
  } else if (fresh.refundsOwed.length > 0) await refundOwed(bookingId, fresh, deps);
  if (fresh.status === "confirmed") await scheduleReminders(bookingId, fresh, deps);
  // A session settled: its fee is recorded and its hold starts (the sweep pays it after); one with
  // a payout record that keeps less now (a refund, a lost dispute): the fee and the coach's share follow at once.
  if (payoutReleaseAt(fresh, deps.config.payoutHoldHours) !== null || fresh.payout !== null) await runPayouts(bookingId, deps);
}
