import { Timestamp, type QueryDocumentSnapshot, type Transaction } from "firebase-admin/firestore";
import {
  COACH_NO_SHOW_OBLIGATION,
  NO_ATTENDANCE,
  settledRefundedInFull,
  completesAt,
  markAbsence,
  readMarks,
  settle,
  statusOf,
  type Attendance,
  type AttendanceOutcome,
  type Marker,
} from "../../domain/attendance.js";
import { refundsOwedThroughStripe, stillPaidCents, type Booking } from "../../domain/booking.js";
import type { BookingState } from "../../domain/booking-state.js";
import { AppError, errorCodeOf } from "../../domain/errors.js";
import { epochMs } from "../../domain/time.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { bookingsCollection, getDb } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import { appendAudit } from "../audit.js";
import { notifyParties } from "../notifications.js";
import { closeNoShowAlert, openNoShowAlert } from "../no-show-alert.js";
import { requireBooking, writeBooking } from "../bookings.repository.js";
import { runBookingEffects } from "./runner.js";

/** One sweep looks at up to SWEEP_PAGES × SWEEP_PAGE_SIZE due sessions; the rest wait for the next run. */
const SWEEP_PAGE_SIZE = 200;
const SWEEP_PAGES = 25;

const OUTCOME_WORDS: Readonly<Record<AttendanceOutcome, string>> = {
  attended: "The session took place.",
  "student-absent": "The student did not come: the payment is kept.",
  "coach-absent": "The coach did not come: the student is refunded in full.",
};

/**
 * The booking once `outcome` is decided: its status, and for a coach's no-show a refund of
 * everything the student paid and has not had back (carried out by the trigger, once).
 */
function decided(
  booking: Booking,
  attendance: Attendance,
  decision: { outcome: AttendanceOutcome; by: "completion" | "coach" | "admin"; reason: string | null },
  now: Date,
): { to: BookingState; patch: Partial<Booking> } {
  const next: Attendance = {
    ...attendance,
    outcome: decision.outcome,
    decidedBy: decision.by,
    decidedAt: now.toISOString(),
    reason: decision.reason,
    awaitingAdminSince: null,
    revision: attendance.revision + 1,
  };
  const patch: Partial<Booking> = { attendance: next };
  const status = statusOf(decision.outcome);
  if (decision.outcome !== "coach-absent") return { to: { status, paymentStatus: "paid" }, patch };
  // Everything the student paid and has not had back: from us, or from their bank (a lost dispute).
  const owed = stillPaidCents(booking);
  if (owed > 0)
    patch.refundsOwed = [
      ...booking.refundsOwed,
      { key: COACH_NO_SHOW_OBLIGATION, amountCents: owed, refundedCents: 0, cause: "coach-no-show" },
    ];
  const after = { ...booking, ...patch, status };
  const refunded = settledRefundedInFull(after, refundsOwedThroughStripe(after).values());
  return { to: { status, paymentStatus: refunded ? "refunded" : "paid" }, patch };
}

/** Writes an attendance change: decided (a state change), handed to an admin, or only a new mark. */
function writeAttendance(
  tx: Transaction,
  bookingId: string,
  booking: Booking,
  attendance: Attendance,
  settlement: ReturnType<typeof settle>,
  decision: { by: "completion" | "coach" | "admin"; reason: string | null },
  now: Date,
): void {
  if (settlement.kind === "decide") {
    const { to, patch } = decided(booking, attendance, { outcome: settlement.outcome, ...decision }, now);
    writeBooking(tx, bookingId, booking, to, patch, now);
    appendAudit(
      tx,
      bookingId,
      `attendance-decided`,
      { type: "attendance-decided", outcome: settlement.outcome, by: decision.by, reason: decision.reason },
      now,
    );
    const body = OUTCOME_WORDS[settlement.outcome];
    notifyParties(tx, bookingId, booking, { kind: "attendance-decided", topic: "session-settled", title: "Session settled", body }, now);
    return;
  }
  if (settlement.kind === "await-admin" && attendance.awaitingAdminSince === null) {
    const waiting = { ...attendance, awaitingAdminSince: now.toISOString() };
    writeBooking(tx, bookingId, booking, booking, { attendance: waiting }, now);
    appendAudit(tx, bookingId, `attendance-awaiting-admin`, { type: "attendance-awaiting-admin" }, now);
    openNoShowAlert(tx, bookingId, now);
    log.warn("attendance.awaiting-admin", { bookingId });
    return;
  }
  writeBooking(tx, bookingId, booking, booking, { attendance }, now);
}

export interface MarkInput {
  by: Marker;
  absent: Marker;
  via: "app" | "calcom";
}

/**
 * Records one side's no-show mark (our app, or Cal.com's mark-absent followed by its webhook) and
 * settles what it settles at once: a coach who says they did not come refunds the student in
 * full; marks that disagree go to an admin. A repeated mark changes nothing.
 */
export async function recordAbsenceMark(
  bookingId: string,
  input: MarkInput,
  deps: Dependencies,
): Promise<{ booking: Booking; changed: boolean }> {
  const now = deps.now();
  const result = await getDb().runTransaction(async (tx) => {
    const booking = await requireBooking(bookingId, tx);
    const attendance = markAbsence(booking, { ...input, now, graceHours: deps.config.completionGraceHours });
    if (attendance === booking.attendance) return { booking, changed: false };
    const settlement = settle(attendance, false);
    writeAttendance(tx, bookingId, booking, attendance, settlement, { by: "coach", reason: null }, now);
    appendAudit(
      tx,
      bookingId,
      `absence-mark-${attendance.revision}`,
      { type: "absence-marked", by: input.by, absent: input.absent, via: input.via },
      now,
    );
    const body =
      input.absent === input.by
        ? "The coach says they could not attend: you are refunded in full."
        : input.by === "coach"
          ? "The coach reported that you did not attend. If you did, report the coach absent and an admin decides."
          : "The student reported that you did not attend. Mark yourself absent to agree (they are refunded in full); otherwise an admin decides.";
    const mark = { kind: `absence-mark-${attendance.revision}`, topic: "no-show", title: "No-show reported", body } as const;
    notifyParties(tx, bookingId, booking, { ...mark, only: input.by === "coach" ? "student" : "coach" }, now);
    return { booking, changed: true };
  });
  if (result.changed) await runBookingEffects(bookingId, deps);
  return { booking: await requireBooking(bookingId), changed: result.changed };
}

/**
 * An admin decides who came: on a confirmed session after its start (a no-show waiting for them,
 * or one they settle early). Decided once; the outcome it already has changes nothing.
 */
export async function resolveAttendance(
  bookingId: string,
  input: { outcome: AttendanceOutcome; reason: string },
  deps: Dependencies,
): Promise<Booking> {
  const now = deps.now();
  const changed = await getDb().runTransaction(async (tx) => {
    const booking = await requireBooking(bookingId, tx);
    // Already decided this way (by an admin before, or by the coach's own word): nothing to change.
    if (booking.attendance?.outcome === input.outcome) return false;
    if (booking.status !== "confirmed")
      throw new AppError("booking/already-settled", `This session is ${booking.status}: there is nothing left to decide.`);
    if (now.getTime() < epochMs(booking.startTime))
      throw new AppError("booking/not-started", `This session has not started yet (${booking.startTime}).`);
    if (booking.reschedule !== null)
      throw new AppError("booking/move-in-progress", "This session is being moved: decide once the move is done.");
    const attendance = booking.attendance ?? NO_ATTENDANCE;
    writeAttendance(
      tx,
      bookingId,
      booking,
      attendance,
      { kind: "decide", outcome: input.outcome },
      { by: "admin", reason: input.reason },
      now,
    );
    closeNoShowAlert(tx, bookingId, booking, now);
    return true;
  });
  if (changed) await runBookingEffects(bookingId, deps);
  return requireBooking(bookingId);
}

/**
 * Completes one session whose grace period is over (or, for an admin, any time after its start):
 * nobody reported a no-show, so it took place; the coach's unanswered mark stands; a report the
 * coach did not agree to, or marks that disagree, go to an admin. A booking that is not a
 * confirmed, paid session, or is being moved, is left alone.
 */
export async function completeSession(
  bookingId: string,
  deps: Dependencies,
  options: { by: "completion" | "admin" } = { by: "completion" },
): Promise<"completed" | "no-show" | "awaiting-admin" | "not-due"> {
  const now = deps.now();
  const outcome = await getDb().runTransaction(async (tx) => {
    const booking = await requireBooking(bookingId, tx);
    if (booking.status !== "confirmed" || booking.paymentStatus !== "paid" || booking.reschedule !== null) {
      if (options.by === "admin")
        throw new AppError(
          booking.reschedule !== null ? "booking/move-in-progress" : "booking/already-settled",
          booking.reschedule !== null
            ? "This session is being moved: complete it once the move is done."
            : `This session is ${booking.status}: it cannot be completed.`,
        );
      return "not-due" as const;
    }
    const closes = completesAt(booking.endTime, deps.config.completionGraceHours);
    const due = now.getTime() >= epochMs(options.by === "admin" ? booking.startTime : closes);
    if (!due) {
      if (options.by === "admin")
        throw new AppError("booking/not-started", `This session has not started yet (${booking.startTime}): it cannot be completed.`);
      return "not-due" as const;
    }
    const attendance = booking.attendance ?? NO_ATTENDANCE;
    const settlement = settle(attendance, true);
    if (settlement.kind === "wait") return attendance.awaitingAdminSince !== null ? "awaiting-admin" : ("not-due" as const);
    if (settlement.kind === "await-admin" && options.by === "admin")
      throw new AppError("booking/no-show-open", "The two sides disagree about who did not come: decide it with resolveNoShow.");
    if (options.by === "admin" && readMarks(attendance).kind === "student-absent" && now.getTime() < epochMs(closes))
      // The student may still answer the coach's mark until the grace period ends.
      throw new AppError(
        "booking/no-show-open",
        `The coach marked the student absent and the student may answer until ${closes}: decide it with resolveNoShow, or let it complete then.`,
      );
    writeAttendance(tx, bookingId, booking, attendance, settlement, { by: options.by, reason: null }, now);
    if (settlement.kind === "await-admin") return "awaiting-admin" as const;
    return statusOf(settlement.outcome);
  });
  if (outcome === "completed" || outcome === "no-show") await runBookingEffects(bookingId, deps);
  return outcome;
}

/**
 * Completes every confirmed session whose grace period is over (a scheduled sweep). One that
 * waits for an admin stays confirmed and is counted; one booking's failure does not stop the others.
 */
export async function completeDueSessions(
  deps: Dependencies,
): Promise<{ completed: number; noShow: number; awaitingAdmin: number; failed: number }> {
  const now = deps.now();
  const endedBefore = new Date(now.getTime() - deps.config.completionGraceHours * 3_600_000);
  const counts = { completed: 0, noShow: 0, awaitingAdmin: 0, failed: 0 };
  // Page through every due session: those waiting for an admin (or a move) stay due, and must
  // not hide the ones after them.
  let after: QueryDocumentSnapshot | undefined;
  for (let page = 0; page < SWEEP_PAGES; page++) {
    let query = bookingsCollection()
      .where("status", "==", "confirmed")
      .where("endTime", "<=", Timestamp.fromDate(endedBefore))
      .orderBy("endTime")
      .limit(SWEEP_PAGE_SIZE);
    if (after) query = query.startAfter(after);
    const due = await query.get();
    for (const doc of due.docs) {
      if (doc.data().attendance?.awaitingAdminSince) {
        counts.awaitingAdmin += 1;
        continue;
      }
      try {
        const outcome = await completeSession(doc.id, deps);
        if (outcome === "completed") counts.completed += 1;
        else if (outcome === "no-show") counts.noShow += 1;
        else if (outcome === "awaiting-admin") counts.awaitingAdmin += 1;
      } catch (err) {
        counts.failed += 1;
        log.error("sessions.completion-failed", { bookingId: doc.id, code: errorCodeOf(err) }, err);
      }
    }
    if (due.docs.length < SWEEP_PAGE_SIZE) break;
    after = due.docs.at(-1);
  }
  if (counts.completed + counts.noShow + counts.awaitingAdmin + counts.failed > 0) log.info("sessions.completed", counts);
  return counts;
}

/**
 * Records when Cal.com says the meeting ended (its MEETING_ENDED webhook): evidence for an admin
 * deciding a no-show, nothing more (completion waits for the grace period). Once.
 */
export async function recordMeetingEnded(bookingId: string, endedAt: string, deps: Dependencies): Promise<boolean> {
  const now = deps.now();
  return getDb().runTransaction(async (tx) => {
    const booking = await requireBooking(bookingId, tx);
    const attendance = booking.attendance ?? NO_ATTENDANCE;
    if (attendance.meetingEndedAt !== null) return false;
    writeBooking(tx, bookingId, booking, booking, { attendance: { ...attendance, meetingEndedAt: endedAt } }, now);
    appendAudit(tx, bookingId, "meeting-ended", { type: "meeting-ended", endedAt }, now);
    return true;
  });
}
