import { describe, expect, it } from "vitest";
import { calcomMover, judgeCalcomMove, type CalcomMoveInput } from "./calcom-move.js";
import { DEFAULT_SCHEDULING_LIMITS } from "./limits.js";
import { DEFAULT_CANCELLATION_POLICY } from "./policy.js";

const START = "2030-01-07T09:00:00.000Z";
const hoursBefore = (h: number) => new Date(Date.parse(START) - h * 3_600_000);
const input = (patch: Partial<CalcomMoveInput> = {}): CalcomMoveInput => ({
  by: "student",
  now: hoursBefore(48),
  booking: {
    startTime: START,
    endTime: "2030-01-07T10:00:00.000Z",
    calcomEventTypeId: 1,
    cancellationPolicy: DEFAULT_CANCELLATION_POLICY,
    limits: { ...DEFAULT_SCHEDULING_LIMITS, studentCutoffMinutes: 0, bufferAfterMinutes: 0, bufferBeforeMinutes: 0 },
  },
  moved: { start: "2030-01-07T11:00:00.000Z", end: "2030-01-07T12:00:00.000Z", eventTypeId: 1 },
  others: [],
  ...patch,
});
const rules = (i: CalcomMoveInput) => judgeCalcomMove(i).map((b) => b.rule);

describe("regression #16.12: judgeCalcomMove", () => {
  it("keeps a student's move made early enough to a free time of the same event type", () => {
    expect(judgeCalcomMove(input())).toEqual([]);
  });

  it("holds a student to the booking's reschedule window and cut-off, never the coach", () => {
    expect(rules(input({ now: hoursBefore(2) }))).toEqual(["student-window"]);
    const cutoff = input({ now: hoursBefore(30) });
    cutoff.booking = { ...cutoff.booking, limits: { ...DEFAULT_SCHEDULING_LIMITS, studentCutoffMinutes: 48 * 60 } };
    expect(rules(cutoff)).toEqual(["student-cutoff"]);
    expect(rules({ ...cutoff, by: "coach" })).toEqual([]);
    expect(rules(input({ by: "coach", now: hoursBefore(2) }))).toEqual([]);
  });

  it("refuses an overlap with the coach's other sessions, buffers included", () => {
    expect(rules(input({ others: [{ start: "2030-01-07T11:30:00.000Z", end: "2030-01-07T12:30:00.000Z" }] }))).toEqual(["overlap"]);
    expect(rules(input({ others: [{ start: "2030-01-07T12:00:00.000Z", end: "2030-01-07T13:00:00.000Z" }] }))).toEqual([]);
    expect(
      rules(input({ others: [{ start: "2030-01-07T12:00:00.000Z", end: "2030-01-07T13:00:00.000Z", bufferBeforeMinutes: 15 }] })),
    ).toEqual(["overlap"]);
  });

  it("refuses another event type or length (another price)", () => {
    expect(rules(input({ moved: { start: "2030-01-07T11:00:00.000Z", end: "2030-01-07T12:00:00.000Z", eventTypeId: 2 } }))).toEqual([
      "other-event-type",
    ]);
    expect(rules(input({ moved: { start: "2030-01-07T11:00:00.000Z", end: "2030-01-07T11:30:00.000Z", eventTypeId: 1 } }))).toEqual([
      "other-length",
    ]);
  });
});

describe("regression #16.16: calcomMover", () => {
  it("is the coach only when Cal.com names one of the hosts, whatever the case and spaces", () => {
    expect(calcomMover({ rescheduledBy: " Coach@Example.com", hostEmails: ["coach@example.com"] })).toBe("coach");
    expect(calcomMover({ rescheduledBy: "student@example.com", hostEmails: ["coach@example.com"] })).toBe("student");
    expect(calcomMover({ rescheduledBy: "admin@example.com", hostEmails: ["coach@example.com"] })).toBe("student");
    expect(calcomMover({ rescheduledBy: null, hostEmails: ["coach@example.com"] })).toBe("student");
    expect(calcomMover({ rescheduledBy: "", hostEmails: [""] })).toBe("student");
    expect(calcomMover({ rescheduledBy: "coach@example.com", hostEmails: [] })).toBe("student");
  });
});
