import { describe, expect, it } from "vitest";
import {
  DEFAULT_SCHEDULING_LIMITS,
  bookingRefusal,
  busyUntilMs,
  clashes,
  effectiveLimits,
  studentCutoffRefusal,
  windowEnd,
} from "./limits.js";

const limits = (over: Partial<typeof DEFAULT_SCHEDULING_LIMITS> = {}) => ({ ...DEFAULT_SCHEDULING_LIMITS, ...over });

describe("effectiveLimits", () => {
  it("lays the offering over the coach over the defaults", () => {
    expect(effectiveLimits({ minimumNoticeMinutes: 60, bufferAfterMinutes: 10 }, { bufferAfterMinutes: 0 })).toEqual({
      ...DEFAULT_SCHEDULING_LIMITS,
      minimumNoticeMinutes: 60,
      bufferAfterMinutes: 0,
    });
    expect(effectiveLimits(undefined, undefined)).toEqual(DEFAULT_SCHEDULING_LIMITS);
  });
});

describe("bookingRefusal", () => {
  const now = new Date("2030-03-01T10:00:00.000Z");
  it("refuses inside the notice, accepts at exactly the notice", () => {
    expect(
      bookingRefusal({ start: "2030-03-01T10:30:00.000Z", now, limits: limits({ minimumNoticeMinutes: 60 }), coachTimeZone: "UTC" })?.limit,
    ).toBe("minimumNoticeMinutes");
    expect(
      bookingRefusal({ start: "2030-03-01T11:00:00.000Z", now, limits: limits({ minimumNoticeMinutes: 60 }), coachTimeZone: "UTC" }),
    ).toBeNull();
  });

  it("ends the window at the coach's local midnight after the last day", () => {
    const l = limits({ minimumNoticeMinutes: 0, bookingWindowDays: 60 });
    expect(windowEnd(l, now, "UTC")).toBe("2030-05-01T00:00:00.000Z");
    expect(bookingRefusal({ start: "2030-04-30T23:00:00.000Z", now, limits: l, coachTimeZone: "UTC" })).toBeNull();
    expect(bookingRefusal({ start: "2030-05-01T00:00:00.000Z", now, limits: l, coachTimeZone: "UTC" })?.limit).toBe("bookingWindowDays");
  });

  it("counts window days in the coach's zone across a DST change", () => {
    // Paris moves to summer time on 2030-03-31: local midnight after the window is 22:00 UTC, not 23:00.
    const l = limits({ minimumNoticeMinutes: 0, bookingWindowDays: 30 });
    expect(windowEnd(l, now, "Europe/Paris")).toBe("2030-03-31T22:00:00.000Z");
    expect(bookingRefusal({ start: "2030-03-31T21:30:00.000Z", now, limits: l, coachTimeZone: "Europe/Paris" })).toBeNull();
    expect(bookingRefusal({ start: "2030-03-31T22:00:00.000Z", now, limits: l, coachTimeZone: "Europe/Paris" })?.limit).toBe(
      "bookingWindowDays",
    );
    // Today in Paris may already be tomorrow in UTC terms: 23:30 UTC is 00:30 the next day there.
    expect(windowEnd(l, new Date("2030-02-28T23:30:00.000Z"), "Europe/Paris")).toBe("2030-03-31T22:00:00.000Z");
  });
});

describe("clashes", () => {
  const session = { start: "2030-03-01T10:00:00.000Z", end: "2030-03-01T11:00:00.000Z", bufferBeforeMinutes: 15, bufferAfterMinutes: 15 };
  const at = (start: string, minutes: number, buffers = 0) => ({
    start,
    end: new Date(Date.parse(start) + minutes * 60_000).toISOString(),
    bufferBeforeMinutes: buffers,
    bufferAfterMinutes: buffers,
  });
  it("blocks 09:45-11:15 around a 10:00 hour with 15 min buffers", () => {
    expect(clashes(session, at("2030-03-01T09:15:00.000Z", 30))).toBe(false);
    expect(clashes(session, at("2030-03-01T09:30:00.000Z", 30))).toBe(true);
    expect(clashes(session, at("2030-03-01T11:00:00.000Z", 30))).toBe(true);
    expect(clashes(session, at("2030-03-01T11:15:00.000Z", 30))).toBe(false);
  });
  it("keeps the newcomer's own buffers free too", () => {
    expect(clashes({ start: "2030-03-01T10:00:00.000Z", end: "2030-03-01T11:00:00.000Z" }, at("2030-03-01T11:00:00.000Z", 30, 15))).toBe(
      true,
    );
  });
});

describe("studentCutoffRefusal", () => {
  it("refuses from the cut-off on, naming the limit and the time it passed", () => {
    const input = { startTime: "2030-03-01T10:00:00.000Z", cutoffMinutes: 120, action: "cancel" as const };
    expect(studentCutoffRefusal({ ...input, now: new Date("2030-03-01T07:59:59.000Z") })).toBeNull();
    expect(studentCutoffRefusal({ ...input, now: new Date("2030-03-01T08:00:00.000Z") })).toMatch(
      /studentCutoffMinutes\): that point passed at 2030-03-01T08:00:00.000Z/,
    );
    expect(studentCutoffRefusal({ ...input, cutoffMinutes: 0, now: new Date("2030-03-01T09:59:00.000Z") })).toBeNull();
  });
});

describe("busyUntilMs", () => {
  it("regression #16.10: a session keeps its coach busy until its after-buffer runs out, not just until it ends", () => {
    expect(busyUntilMs({ start: "2030-01-07T09:00:00.000Z", end: "2030-01-07T10:00:00.000Z", bufferAfterMinutes: 60 })).toBe(
      Date.parse("2030-01-07T11:00:00.000Z"),
    );
    expect(busyUntilMs({ start: "2030-01-07T09:00:00.000Z", end: "2030-01-07T10:00:00.000Z" })).toBe(
      Date.parse("2030-01-07T10:00:00.000Z"),
    );
  });
});
