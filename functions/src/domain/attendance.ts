import { z } from "zod";
import { AppError } from "./errors.js";
import { REASON_MAX_CHARS } from "./text.js";
import { HOUR_MS, InstantSchema, epochMs, isoFromMs } from "./time.js";

export const ATTENDANCE_OUTCOMES = ["attended", "student-absent", "coach-absent"] as const;
export const AttendanceOutcomeSchema = z.enum(ATTENDANCE_OUTCOMES);
export type AttendanceOutcome = z.output<typeof AttendanceOutcomeSchema>;

/** One side's word on who did not come, and where it was given (our app, or Cal.com). */
export const AbsenceMarkSchema = z.object({
  absent: z.enum(["student", "coach"]),
  at: InstantSchema,
  via: z.enum(["app", "calcom"]),
});

/**
 * Who came to a session, as each side says and as it was decided. The coach may say the student
 * did not come, or that they themselves did not (which agrees to a full refund); the student may
 * say the coach did not come. Cal.com mirrors the marks (mark-absent); `revision` counts changes
 * and `mirroredRevision` the last one Cal.com has.
 */
export const AttendanceSchema = z.object({
  coachMark: AbsenceMarkSchema.nullable().default(null),
  studentMark: AbsenceMarkSchema.nullable().default(null),
  /** Since when the booking waits for an admin: the marks disagree, or the coach never answered the student's report. */
  awaitingAdminSince: InstantSchema.nullable().default(null),
  outcome: AttendanceOutcomeSchema.nullable().default(null),
  decidedBy: z.enum(["completion", "coach", "admin"]).nullable().default(null),
  decidedAt: InstantSchema.nullable().default(null),
  reason: z.string().max(REASON_MAX_CHARS).nullable().default(null),
  /** When Cal.com said the meeting ended (its MEETING_ENDED webhook): evidence for an admin. */
  meetingEndedAt: InstantSchema.nullable().default(null),
  revision: z.int().min(0).default(0),
  mirroredRevision: z.int().min(0).default(0),
});
export type Attendance = z.output<typeof AttendanceSchema>;

/** The refund obligation (`refundsOwed` key) a coach's no-show creates: everything the student paid. */
export const COACH_NO_SHOW_OBLIGATION = "coach-no-show";

export const NO_ATTENDANCE: Attendance = Object.freeze({
  coachMark: null,
  studentMark: null,
  awaitingAdminSince: null,
  outcome: null,
  decidedBy: null,
  decidedAt: null,
  reason: null,
  meetingEndedAt: null,
  revision: 0,
  mirroredRevision: 0,
});

/** What the marks say so far, before anyone decided. */
export type MarksReading =
  /** Nobody reported anything: the session took place. */
  | { kind: "none" }
  /** The coach says the student did not come and the student has not said otherwise. */
  | { kind: "student-absent" }
  /** The coach says they did not come: agreed, refund in full. */
  | { kind: "coach-absent" }
  /** The student says the coach did not come; the coach has not answered. */
  | { kind: "reported" }
  /** The coach says the student did not come, the student says the coach did not. */
  | { kind: "contested" };

export function readMarks(attendance: Pick<Attendance, "coachMark" | "studentMark">): MarksReading {
  const { coachMark, studentMark } = attendance;
  if (coachMark?.absent === "coach") return { kind: "coach-absent" };
  if (studentMark?.absent === "coach") return { kind: coachMark?.absent === "student" ? "contested" : "reported" };
  if (coachMark?.absent === "student") return { kind: "student-absent" };
  return { kind: "none" };
}

/** When a session ends for good: its end plus the grace period for reporting a no-show. */
export function completesAt(endTime: string, graceHours: number): string {
  return isoFromMs(epochMs(endTime) + graceHours * HOUR_MS);
}

/** What settling a session's attendance does now: nothing yet, an outcome, or hand it to an admin. */
export type Settlement = { kind: "wait" } | { kind: "decide"; outcome: AttendanceOutcome } | { kind: "await-admin" };

/**
 * What the marks decide on their own: a coach who says they did not come settles it at once (the
 * student is refunded); anything else waits for completion time (`due`), when no report means the
 * session took place, the coach's unanswered mark stands, and a report the coach did not agree to
 * (or marks that disagree) goes to an admin. Marks that disagree go to an admin at once.
 */
export function settle(attendance: Attendance, due: boolean): Settlement {
  if (attendance.outcome !== null) return { kind: "wait" };
  const reading = readMarks(attendance);
  switch (reading.kind) {
    case "coach-absent":
      return { kind: "decide", outcome: "coach-absent" };
    case "contested":
      return { kind: "await-admin" };
    case "reported":
      return due ? { kind: "await-admin" } : { kind: "wait" };
    case "student-absent":
      return due ? { kind: "decide", outcome: "student-absent" } : { kind: "wait" };
    case "none":
      return due ? { kind: "decide", outcome: "attended" } : { kind: "wait" };
  }
}

/** The booking status an outcome leads to. */
export function statusOf(outcome: AttendanceOutcome): "completed" | "no-show" {
  return outcome === "attended" ? "completed" : "no-show";
}

/**
 * Whether a session that ended and owes the student everything (the coach did not come, or the
 * session was refunded afterwards) has given it all back: nothing is left to refund through
 * Stripe (`throughStripe`: what each open obligation still owes there, lost disputes having paid
 * their part). The one rule for `no-show/refunded` and `completed/refunded`.
 */
export function settledRefundedInFull(
  booking: { status: string; amountCents: number; attendance: Attendance | null; sessionRefund: unknown },
  throughStripe: Iterable<number>,
): boolean {
  if (booking.status !== "no-show" && booking.status !== "completed") return false;
  const owesAll = (booking.status === "no-show" && booking.attendance?.outcome === "coach-absent") || booking.sessionRefund !== null;
  if (!owesAll || booking.amountCents === 0) return false;
  for (const cents of throughStripe) if (cents > 0) return false;
  return true;
}

/** What Cal.com's mark-absent should show: whether the host and the attendee are marked absent. */
export function calcomAbsence(attendance: Attendance): { hostAbsent: boolean; attendeeAbsent: boolean } {
  if (attendance.outcome !== null)
    return { hostAbsent: attendance.outcome === "coach-absent", attendeeAbsent: attendance.outcome === "student-absent" };
  const reading = readMarks(attendance);
  return {
    hostAbsent: reading.kind === "coach-absent" || reading.kind === "reported" || reading.kind === "contested",
    attendeeAbsent: reading.kind === "student-absent" || reading.kind === "contested",
  };
}

export type Marker = "student" | "coach";

/**
 * Checks that `by` may mark `absent` on a booking now and returns the attendance with the mark:
 * between the session's start and its completion, on a confirmed booking whose attendance is not
 * decided or with an admin. A student may report only the coach; a coach either side (themselves:
 * agreeing to refund). Marking the same again changes nothing (a retry).
 */
export function markAbsence(
  booking: { status: string; startTime: string; endTime: string; attendance: Attendance | null; reschedule: unknown },
  input: { by: Marker; absent: Marker; via: "app" | "calcom"; now: Date; graceHours: number },
): Attendance {
  const attendance = booking.attendance ?? NO_ATTENDANCE;
  if (input.by === "student" && input.absent === "student")
    throw new AppError("request/invalid", "A student can report the coach absent; only the coach marks a student absent.");
  if (booking.status === "completed" || booking.status === "no-show")
    throw new AppError("booking/already-settled", "This session is already settled: ask an admin to look at it.");
  if (booking.status !== "confirmed") throw new AppError("booking/illegal-transition", "Only a confirmed session can have a no-show.");
  if (input.now.getTime() < epochMs(booking.startTime))
    throw new AppError(
      "booking/not-started",
      `A no-show can be reported once the session has started (${booking.startTime}), not before.`,
      { details: { startTime: booking.startTime } },
    );
  const closes = completesAt(booking.endTime, input.graceHours);
  if (input.now.getTime() >= epochMs(closes))
    throw new AppError("booking/already-settled", `No-shows for this session could be reported until ${closes}.`, {
      details: { closedAt: closes },
    });
  if (booking.reschedule !== null)
    throw new AppError("booking/move-in-progress", "This session is being moved: report a no-show once the move is done.");
  if (attendance.outcome !== null || attendance.awaitingAdminSince !== null)
    throw new AppError("booking/already-settled", "An admin is deciding who did not come to this session.");
  const key = input.by === "coach" ? "coachMark" : "studentMark";
  const current = attendance[key];
  if (current?.absent === input.absent) return attendance;
  return {
    ...attendance,
    [key]: { absent: input.absent, at: input.now.toISOString(), via: input.via },
    revision: attendance.revision + 1,
  };
}
