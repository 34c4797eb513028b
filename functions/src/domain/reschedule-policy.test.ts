import { describe, expect, it } from "vitest";
import { DEFAULT_CANCELLATION_POLICY } from "./policy.js";
import { decideReschedule } from "./reschedule-policy.js";

const START = "2030-01-07T09:00:00.000Z";
const before = (hours: number) => new Date(Date.parse(START) - hours * 3_600_000).toISOString();

describe("decideReschedule", () => {
  it("lets a student move a session while cancelling would refund in full, boundary included", () => {
    expect(decideReschedule({ by: "student", now: before(25), startTime: START, policy: DEFAULT_CANCELLATION_POLICY })).toEqual({
      allowed: true,
      tier: "notice-24h",
    });
    expect(decideReschedule({ by: "student", now: before(24), startTime: START, policy: DEFAULT_CANCELLATION_POLICY }).allowed).toBe(true);
  });

  it("refuses a student inside a partial-refund tier, naming the refund", () => {
    expect(decideReschedule({ by: "student", now: before(23), startTime: START, policy: DEFAULT_CANCELLATION_POLICY })).toMatchObject({
      allowed: false,
      tier: "notice-2h",
      refundPercent: 50,
    });
    expect(decideReschedule({ by: "student", now: before(1), startTime: START, policy: DEFAULT_CANCELLATION_POLICY })).toMatchObject({
      allowed: false,
      refundPercent: 0,
    });
    expect(decideReschedule({ by: "student", now: before(-1), startTime: START, policy: DEFAULT_CANCELLATION_POLICY })).toMatchObject({
      allowed: false,
      tier: "after-start",
    });
  });

  it("always lets the coach move a session", () => {
    expect(decideReschedule({ by: "coach", now: before(1), startTime: START, policy: DEFAULT_CANCELLATION_POLICY })).toEqual({
      allowed: true,
      tier: "coach-reschedule",
    });
  });
});
