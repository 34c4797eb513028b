import type { Booking } from "../../domain/booking.js";
import { AppError } from "../../domain/errors.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { getDb } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import { accountOfBooking } from "../calcom-accounts.repository.js";
import { recordCalcomCancellation } from "./cancellation.js";
import { calcomMover } from "../../domain/calcom-move.js";
import { followCalcomMove } from "./follow-calcom-move.js";
import { appendAudit } from "../audit.js";
import { notifyParties } from "../notifications.js";
import { patchBooking, requireBooking, writeBooking } from "../bookings.repository.js";
import { exhausted, recordFailure } from "./attempts.js";
import { saveSessionAccess } from "../session-access.js";

/**
 * When Cal.com refused to confirm because the booking was rejected or cancelled there (the
 * webhook lost), records the cancellation as the coach's (a full refund) instead of a failed
 * attempt: no later confirm can succeed. A booking cancelled there because it was moved
 * (`rescheduledToUid`) was not cancelled: the move is followed, and the next run confirms the new
 * Cal.com booking. True when it did either.
 */
async function cancelledInCalcomMeanwhile(bookingId: string, booking: Booking, err: unknown, deps: Dependencies): Promise<boolean> {
  if (!(err instanceof AppError) || err.code !== "upstream/rejected" || booking.calcomBookingUid === null) return false;
  const there = await deps.bookingCalendar.getBooking(await accountOfBooking(booking, deps), booking.calcomBookingUid).catch(() => null);
  if (there === null || (there.status !== "cancelled" && there.status !== "rejected")) return false;
  if (there.status === "cancelled" && there.rescheduledToUid) {
    const by = calcomMover({ rescheduledBy: there.rescheduledByEmail, hostEmails: there.hostEmails ?? [] });
    await followCalcomMove({ bookingId, oldUid: booking.calcomBookingUid, newUid: there.rescheduledToUid, by }, deps);
    return true;
  }
  const calcomStatus = there.status;
  await recordCalcomCancellation(
    bookingId,
    { by: "coach", reason: calcomStatus === "rejected" ? "Declined in Cal.com" : "Cancelled in Cal.com", calcomStatus },
    deps.now(),
  );
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
  /** Cal.com's answer to our confirm, with the session's link (none when Cal.com had accepted it already). */
  let answer: { meetingUrl?: string | null } | undefined;
  try {
    if (booking.calcomBookingUid === null) throw new AppError("calcom/not-found", "This booking has no Cal.com booking to confirm.");
    if (booking.calcomStatus !== "accepted") {
      const account = await accountOfBooking(booking, deps);
      answer = await deps.bookingCalendar.confirmBooking(account, booking.calcomBookingUid);
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
    const title = "Session booked";
    notifyParties(
      tx,
      bookingId,
      current,
      {
        kind: "booking-confirmed",
        topic: "booking-confirmed",
        calendar: "request",
        meetingUrl: answer?.meetingUrl ?? null,
        title,
        body: `The paid session starts at ${current.startTime}.`,
      },
      now,
    );
  });
  log.info("booking.confirmed", { bookingId });
  await saveSessionAccess(bookingId, deps, answer);
  return null;
}
/** Confirms the new Cal.com booking of a confirmed booking moved in Cal.com by someone other than the coach (left pending there). */
export async function reconfirmInCalcom(bookingId: string, booking: Booking, deps: Dependencies): Promise<Date | null> {
  const uid = booking.calcomBookingUid;
  if (uid === null || exhausted(booking, "calcom-confirm")) return null;
  const now = deps.now();
  let answer;
  try {
    answer = await deps.bookingCalendar.confirmBooking(await accountOfBooking(booking, deps), uid);
  } catch (err) {
    return recordFailure(bookingId, "calcom-confirm", err, now);
  }
  await getDb().runTransaction(async (tx) => {
    const current = await requireBooking(bookingId, tx);
    if (current.calcomBookingUid !== uid || current.calcomStatus !== "pending") return;
    patchBooking(tx, bookingId, current, { calcomStatus: "accepted" }, now);
    appendAudit(tx, bookingId, `confirmed-${uid}`, { type: "confirmed", calcomBookingUid: uid }, now);
  });
  await saveSessionAccess(bookingId, deps, answer);
  return null;
}
/** Cancels in Cal.com the booking of a cancelled one (with a reason: Cal.com wants one from the host). */
export async function releaseInCalcom(bookingId: string, booking: Booking, deps: Dependencies): Promise<Date | null> {
  if (booking.calcomBookingUid === null || (booking.calcomStatus !== "pending" && booking.calcomStatus !== "accepted")) return null;
  if (exhausted(booking, "calcom-release")) return null;
  const now = deps.now();
  try {
    const account = await accountOfBooking(booking, deps);
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
/** Cancels the Cal.com bookings a move left behind (the old booking of a move to another event type). */
export async function cancelLeftovers(bookingId: string, booking: Booking, deps: Dependencies): Promise<Date | null> {
  if (booking.calcomUidsToCancel.length === 0 || exhausted(booking, "calcom-release")) return null;
  const now = deps.now();
  const account = await accountOfBooking(booking, deps);
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
