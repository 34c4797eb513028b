import { Timestamp } from "firebase-admin/firestore";
import { withEscalation } from "../../domain/booking.js";
import { judgeCalcomMove } from "../../domain/calcom-move.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { adminAlertDoc, getDb } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import type { CalcomBookingRecord } from "../../domain/calcom-views.js";
import { accountOfBooking } from "../calcom-accounts.repository.js";
import { appendAudit } from "../audit.js";
import { moveIntervalInTx, otherLiveIntervalsInTx } from "../calendar.repository.js";
import { notifyParties } from "../notifications.js";
import { closeNoShowAlert } from "../no-show-alert.js";
import { requireBooking, writeBooking } from "../bookings.repository.js";
import { saveSessionAccess } from "../session-access.js";

export interface CalcomMove {
  bookingId: string;
  /** The Cal.com booking the move cancelled (ours until now) and the one it created. */
  oldUid: string;
  newUid: string;
  /** Whose rules the move is held to (domain/calcom-move's `calcomMover`). */
  by: "coach" | "student";
}

/**
 * Follows a booking moved in Cal.com, whoever noticed it (the webhook, or reconciliation when the
 * webhook was lost). Our own moves echo: the booking no longer has the old uid, or has that very
 * move under way. Another move is followed on Cal.com's record of the new booking (never a
 * payload's times): new times and uid, the old uid kept in the chain, the calendar interval
 * moved. Cal.com has already moved it and told the people concerned, so a move that breaks our
 * rules (who may move it and when, the coach's other sessions, the price) is followed too, and
 * escalated to an admin: recorded on the booking, in its audit trail and in `adminAlerts`; never
 * silently kept. A new booking Cal.com left pending is confirmed by the booking trigger.
 * Returns Cal.com's record of the new booking, which may itself have been moved since.
 */
export async function followCalcomMove(
  move: CalcomMove,
  deps: Dependencies,
): Promise<{ outcome: "processed" | "echo"; calcom: CalcomBookingRecord }> {
  const { bookingId, oldUid, newUid, by } = move;
  const now = deps.now();
  const account = await accountOfBooking(await requireBooking(bookingId), deps);
  const fresh = await deps.bookingCalendar.getBooking(account, newUid);
  const outcome = await getDb().runTransaction(async (tx): Promise<"processed" | "echo"> => {
    const booking = await requireBooking(bookingId, tx);
    if (booking.calcomBookingUid !== oldUid || booking.status === "cancelled") return "echo";
    if (booking.status === "completed" || booking.status === "no-show") {
      // A session that ended stays as it was settled: the move is only noted.
      appendAudit(tx, bookingId, `calcom-moved-after-end-${newUid}`, { type: "calcom-moved-after-end", by, calcomBookingUid: newUid }, now);
      return "echo";
    }
    // Our own move, announced by Cal.com before we recorded it: the move finishes it.
    if (booking.reschedule && Date.parse(booking.reschedule.newStartTime) === Date.parse(fresh.start)) return "echo";
    const others = await otherLiveIntervalsInTx(tx, booking.coachId, bookingId, now.getTime());
    const breaches = judgeCalcomMove({
      by,
      now,
      booking,
      moved: { start: fresh.start, end: fresh.end, eventTypeId: fresh.eventTypeId },
      others,
    });
    const interval = { start: fresh.start, end: fresh.end };
    const marked = booking.attendance !== null && (booking.attendance.coachMark !== null || booking.attendance.studentMark !== null);
    const moveInterval = await moveIntervalInTx(
      tx,
      booking.coachId,
      bookingId,
      { start: booking.startTime, end: booking.endTime },
      interval,
    );
    const escalation =
      breaches.length === 0
        ? null
        : {
            id: `calcom-move-${newUid}`,
            kind: "calcom-move" as const,
            at: now.toISOString(),
            rules: breaches.map((b) => b.rule),
            message: breaches.map((b) => b.message).join(" "),
          };
    writeBooking(
      tx,
      bookingId,
      booking,
      booking,
      {
        startTime: interval.start,
        endTime: interval.end,
        calcomBookingUid: newUid,
        calcomBookingId: fresh.calcomBookingId,
        calcomStatus: fresh.status,
        previousCalcomBookingUids: [...booking.previousCalcomBookingUids, oldUid],
        ...(escalation ? { escalations: withEscalation(booking.escalations, escalation) } : {}),
        // No-show marks were about the session at its old time: the moved one starts afresh.
        ...(marked ? { attendance: null } : {}),
      },
      now,
    );
    moveInterval();
    if (marked) {
      appendAudit(tx, bookingId, `no-show-marks-withdrawn-${newUid}`, { type: "no-show-marks-withdrawn", by }, now);
      closeNoShowAlert(tx, bookingId, booking, now);
    }
    appendAudit(
      tx,
      bookingId,
      `rescheduled-in-calcom-${newUid}`,
      { type: "rescheduled-in-calcom", by, from: booking.startTime, to: interval.start, calcomBookingUid: newUid, previousUid: oldUid },
      now,
    );
    if (escalation) {
      appendAudit(
        tx,
        bookingId,
        `calcom-move-escalated-${newUid}`,
        { type: "calcom-move-escalated", rules: escalation.rules, message: escalation.message, calcomBookingUid: newUid },
        now,
      );
      tx.set(adminAlertDoc(`${bookingId}_${escalation.id}`), {
        bookingId,
        kind: escalation.kind,
        rules: escalation.rules,
        message: escalation.message,
        createdAt: Timestamp.fromDate(now),
        resolvedAt: null,
      });
      log.warn("calcom.move-escalated", { bookingId, rules: escalation.rules.join(",") });
    }
    const body = `Your session of ${booking.startTime} now starts at ${interval.start}.`;
    const after = {
      ...booking,
      startTime: interval.start,
      endTime: interval.end,
      previousCalcomBookingUids: [...booking.previousCalcomBookingUids, oldUid],
    };
    const move = { kind: `rescheduled-${newUid}`, topic: "booking-moved", calendar: "request", title: "Session moved", body } as const;
    notifyParties(tx, bookingId, after, { ...move, previousStartTime: booking.startTime, meetingUrl: fresh.meetingUrl ?? null }, now);
    return "processed";
  });
  // The new Cal.com booking has a link of its own.
  if (outcome === "processed") await saveSessionAccess(bookingId, deps, { meetingUrl: fresh.meetingUrl });
  return { outcome, calcom: fresh };
}
