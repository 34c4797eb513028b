import { describe, expect, it } from "vitest";
import { NO_ATTENDANCE, calcomAbsence, completesAt, markAbsence, readMarks, settle, statusOf, type Attendance } from "./attendance.js";
import { AppError } from "./errors.js";

const START = "2030-01-07T09:00:00.000Z";
const END = "2030-01-07T10:00:00.000Z";
const at = (iso: string) => new Date(iso);
const confirmed = (attendance: Attendance | null = null) => ({
  status: "confirmed",
  startTime: START,
  endTime: END,
  attendance,
  reschedule: null,
});
const mark = (absent: "student" | "coach") => ({ absent, at: START, via: "app" as const });
const withMarks = (coach: "student" | "coach" | null, student: "coach" | null): Attendance => ({
  ...NO_ATTENDANCE,
  coachMark: coach ? mark(coach) : null,
  studentMark: student ? mark(student) : null,
});

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
  return "accepted";
}

describe("markAbsence", () => {
  const input = { by: "coach" as const, absent: "student" as const, via: "app" as const, graceHours: 24 };

  it("opens at the start to the millisecond and closes at the end plus the grace period", () => {
    expect(refusal(() => markAbsence(confirmed(), { ...input, now: at("2030-01-07T08:59:59.999Z") }))).toBe("booking/not-started");
    expect(markAbsence(confirmed(), { ...input, now: at(START) }).coachMark).toEqual({ absent: "student", at: START, via: "app" });
    expect(refusal(() => markAbsence(confirmed(), { ...input, now: at("2030-01-08T09:59:59.999Z") }))).toBe("accepted");
    expect(refusal(() => markAbsence(confirmed(), { ...input, now: at("2030-01-08T10:00:00.000Z") }))).toBe("booking/already-settled");
  });

  it("refuses a student marking a student, a booking not confirmed, settled, awaiting an admin or being moved", () => {
    const now = at("2030-01-07T09:30:00.000Z");
    expect(refusal(() => markAbsence(confirmed(), { ...input, by: "student", now }))).toBe("request/invalid");
    expect(refusal(() => markAbsence({ ...confirmed(), status: "requested" }, { ...input, now }))).toBe("booking/illegal-transition");
    expect(refusal(() => markAbsence({ ...confirmed(), status: "completed" }, { ...input, now }))).toBe("booking/already-settled");
    expect(refusal(() => markAbsence({ ...confirmed(), reschedule: {} }, { ...input, now }))).toBe("booking/move-in-progress");
    const waiting = { ...withMarks("student", "coach"), awaitingAdminSince: START };
    expect(refusal(() => markAbsence(confirmed(waiting), { ...input, now }))).toBe("booking/already-settled");
  });

  it("returns the same attendance for a repeated mark, a new revision for a changed one", () => {
    const now = at("2030-01-07T09:30:00.000Z");
    const once = markAbsence(confirmed(), { ...input, now });
    expect(once.revision).toBe(1);
    expect(markAbsence(confirmed(once), { ...input, now })).toBe(once);
    expect(markAbsence(confirmed(once), { ...input, absent: "coach", now }).revision).toBe(2);
  });
});

describe("settle", () => {
  it.each([
    [null, null, false, { kind: "wait" }],
    [null, null, true, { kind: "decide", outcome: "attended" }],
    ["student", null, false, { kind: "wait" }],
    ["student", null, true, { kind: "decide", outcome: "student-absent" }],
    ["coach", null, false, { kind: "decide", outcome: "coach-absent" }],
    ["coach", "coach", false, { kind: "decide", outcome: "coach-absent" }],
    [null, "coach", false, { kind: "wait" }],
    [null, "coach", true, { kind: "await-admin" }],
    ["student", "coach", false, { kind: "await-admin" }],
  ] as const)("coach says %s, student says %s, due %s → %j", (coach, student, due, expected) => {
    expect(settle(withMarks(coach, student), due)).toEqual(expected);
  });

  it("leaves a decided attendance alone", () => {
    expect(settle({ ...withMarks("student", null), outcome: "attended" }, true)).toEqual({ kind: "wait" });
  });
});

describe("what Cal.com shows and what the booking becomes", () => {
  it("marks the host absent for any claim the coach was, the attendee for the coach's claim, and follows a decision", () => {
    expect(calcomAbsence(withMarks(null, "coach"))).toEqual({ hostAbsent: true, attendeeAbsent: false });
    expect(calcomAbsence(withMarks("student", "coach"))).toEqual({ hostAbsent: true, attendeeAbsent: true });
    expect(calcomAbsence({ ...withMarks("student", "coach"), outcome: "attended" })).toEqual({ hostAbsent: false, attendeeAbsent: false });
    expect(readMarks(withMarks("coach", "coach"))).toEqual({ kind: "coach-absent" });
  });

  it("completes at the end plus the grace period, and maps outcomes to statuses", () => {
    expect(completesAt(END, 24)).toBe("2030-01-08T10:00:00.000Z");
    expect(completesAt(END, 0)).toBe(END);
    expect([statusOf("attended"), statusOf("student-absent"), statusOf("coach-absent")]).toEqual(["completed", "no-show", "no-show"]);
  });
});
