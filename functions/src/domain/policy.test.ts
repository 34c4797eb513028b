import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { CancellationPolicySchema, DEFAULT_CANCELLATION_POLICY, decideRefund, type RefundInput } from "./policy.js";

const START = "2026-12-10T15:00:00.000Z";
const HOUR = 3_600_000;

function before(ms: number, start = START): string {
  return new Date(Date.parse(start) - ms).toISOString();
}

function studentCancels(now: string, overrides: Partial<RefundInput> = {}) {
  return decideRefund({
    cancelledBy: "student",
    now,
    startTime: START,
    capturedCents: 10_000,
    alreadyRefundedCents: 0,
    policy: DEFAULT_CANCELLATION_POLICY,
    ...overrides,
  });
}

describe("decideRefund with the default policy", () => {
  it("refunds 100 % more than 24 h before the start", () => {
    const d = studentCancels(before(25 * HOUR));
    expect(d).toMatchObject({ refundCents: 10_000, refundPercent: 100, tier: "notice-24h", policyVersion: 1 });
    expect(d.validUntil).toBe(before(24 * HOUR));
  });

  it("refunds 100 % at exactly 24 h before (the boundary belongs to the better tier)", () => {
    expect(studentCancels(before(24 * HOUR))).toMatchObject({ refundCents: 10_000, tier: "notice-24h" });
  });

  it("refunds 50 % one millisecond inside 24 h", () => {
    const d = studentCancels(before(24 * HOUR - 1));
    expect(d).toMatchObject({ refundCents: 5_000, refundPercent: 50, tier: "notice-2h" });
    expect(d.validUntil).toBe(before(2 * HOUR));
  });

  it("refunds 50 % between 2 h and 24 h", () => {
    expect(studentCancels(before(23 * HOUR)).refundCents).toBe(5_000);
    expect(studentCancels(before(3 * HOUR)).refundCents).toBe(5_000);
  });

  it("refunds 50 % at exactly 2 h before", () => {
    expect(studentCancels(before(2 * HOUR))).toMatchObject({ refundCents: 5_000, tier: "notice-2h" });
  });

  it("refunds nothing one millisecond inside 2 h", () => {
    const d = studentCancels(before(2 * HOUR - 1));
    expect(d).toMatchObject({ refundCents: 0, refundPercent: 0, tier: "notice-0h", validUntil: START });
  });

  it("refunds nothing at exactly the start", () => {
    expect(studentCancels(START)).toMatchObject({ refundCents: 0, tier: "notice-0h" });
  });

  it("refunds nothing after the start, and the decision can no longer change", () => {
    expect(studentCancels(before(-1))).toMatchObject({ refundCents: 0, tier: "after-start", validUntil: null });
    expect(studentCancels(before(-48 * HOUR))).toMatchObject({ refundCents: 0, tier: "after-start" });
  });

  it("rounds a half refund down to a whole minor unit", () => {
    expect(studentCancels(before(5 * HOUR), { capturedCents: 1_999 }).refundCents).toBe(999);
    expect(studentCancels(before(5 * HOUR), { capturedCents: 1 }).refundCents).toBe(0);
  });

  it("refunds nothing for a zero-amount booking, whatever the tier", () => {
    for (const notice of [48 * HOUR, 5 * HOUR, HOUR]) {
      expect(studentCancels(before(notice), { capturedCents: 0 }).refundCents).toBe(0);
    }
    expect(
      decideRefund({
        cancelledBy: "coach",
        now: before(HOUR),
        startTime: START,
        capturedCents: 0,
        alreadyRefundedCents: 0,
        policy: DEFAULT_CANCELLATION_POLICY,
      }).refundCents,
    ).toBe(0);
  });

  it("applies the tier to what is still refundable when the booking was partly refunded", () => {
    // 10 000 captured, 3 000 already refunded (e.g. a cheaper reschedule): 7 000 left.
    expect(studentCancels(before(30 * HOUR), { alreadyRefundedCents: 3_000 }).refundCents).toBe(7_000);
    expect(studentCancels(before(10 * HOUR), { alreadyRefundedCents: 3_000 }).refundCents).toBe(3_500);
    expect(studentCancels(before(30 * HOUR), { alreadyRefundedCents: 10_000 }).refundCents).toBe(0);
  });

  it("never refunds more than captured minus refunded, even if the refunded figure exceeds it", () => {
    expect(studentCancels(before(30 * HOUR), { alreadyRefundedCents: 12_000 }).refundCents).toBe(0);
  });
});

describe("decideRefund when the coach cancels", () => {
  it.each([
    ["a week before", 7 * 24 * HOUR],
    ["23 h before", 23 * HOUR],
    ["1 h before", HOUR],
    ["after the start", -HOUR],
  ])("refunds 100 %% %s", (_label, notice) => {
    const d = decideRefund({
      cancelledBy: "coach",
      now: before(notice),
      startTime: START,
      capturedCents: 10_000,
      alreadyRefundedCents: 0,
      policy: DEFAULT_CANCELLATION_POLICY,
    });
    expect(d).toEqual({ refundCents: 10_000, refundPercent: 100, tier: "coach-cancellation", policyVersion: 1, validUntil: null });
  });

  it("refunds only what is left after an earlier partial refund", () => {
    const d = decideRefund({
      cancelledBy: "coach",
      now: before(HOUR),
      startTime: START,
      capturedCents: 10_000,
      alreadyRefundedCents: 2_500,
      policy: DEFAULT_CANCELLATION_POLICY,
    });
    expect(d.refundCents).toBe(7_500);
  });
});

describe("decideRefund in time zones that are not UTC", () => {
  it("counts elapsed hours, not wall-clock hours, across the US spring-forward night", () => {
    // Clocks in New York jump from 02:00 to 03:00 on 2026-03-08. A session at 10:00 local that
    // day: 10:00 local the day before is only 23 elapsed hours earlier.
    const zone = "America/New_York";
    const start = DateTime.fromISO("2026-03-08T10:00", { zone });
    const startTime = start.toUTC().toISO() ?? "";
    const sameWallClockDayBefore = start.minus({ days: 1 }).toUTC().toISO() ?? "";
    const twentyFourHoursBefore = start.minus({ hours: 24 }).toUTC().toISO() ?? "";
    expect(DateTime.fromISO(sameWallClockDayBefore).setZone(zone).hour).toBe(10);
    expect(DateTime.fromISO(twentyFourHoursBefore).setZone(zone).hour).toBe(9);

    const base = {
      cancelledBy: "student" as const,
      startTime,
      capturedCents: 8_000,
      alreadyRefundedCents: 0,
      policy: DEFAULT_CANCELLATION_POLICY,
    };
    expect(decideRefund({ ...base, now: sameWallClockDayBefore })).toMatchObject({ refundCents: 4_000, tier: "notice-2h" });
    expect(decideRefund({ ...base, now: twentyFourHoursBefore })).toMatchObject({ refundCents: 8_000, tier: "notice-24h" });
  });

  it("counts 25 elapsed hours across the European fall-back night", () => {
    // Paris leaves summer time on 2026-10-25 at 03:00 (back to 02:00).
    const zone = "Europe/Paris";
    const start = DateTime.fromISO("2026-10-25T10:00", { zone });
    const sameWallClockDayBefore = start.minus({ days: 1 });
    expect(start.diff(sameWallClockDayBefore, "hours").hours).toBe(25);
    const d = decideRefund({
      cancelledBy: "student",
      now: sameWallClockDayBefore.plus({ minutes: 59 }).toUTC().toISO() ?? "",
      startTime: start.toUTC().toISO() ?? "",
      capturedCents: 8_000,
      alreadyRefundedCents: 0,
      policy: DEFAULT_CANCELLATION_POLICY,
    });
    // 10:59 local the day before is still 24 h 1 min before the start.
    expect(d).toMatchObject({ refundCents: 8_000, tier: "notice-24h" });
  });

  it("gives the same answer for the same instant written with different offsets", () => {
    const a = studentCancels("2026-12-09T16:00:00.000Z");
    const b = studentCancels(DateTime.fromISO("2026-12-09T16:00:00.000Z").setZone("Asia/Tokyo").toISO() ?? "");
    expect(b).toEqual(a);
  });
});

describe("a coach's own policy", () => {
  const strict = CancellationPolicySchema.parse({
    version: 3,
    tiers: [
      { minNoticeHours: 48, refundPercent: 100 },
      { minNoticeHours: 12, refundPercent: 25 },
      { minNoticeHours: 0, refundPercent: 0 },
    ],
  });

  it("decides with its own tiers and reports its version", () => {
    const base = { cancelledBy: "student" as const, startTime: START, capturedCents: 10_000, alreadyRefundedCents: 0, policy: strict };
    expect(decideRefund({ ...base, now: before(30 * HOUR) })).toMatchObject({
      refundCents: 2_500,
      tier: "notice-12h",
      policyVersion: 3,
      validUntil: before(12 * HOUR),
    });
    expect(decideRefund({ ...base, now: before(48 * HOUR) })).toMatchObject({ refundCents: 10_000, tier: "notice-48h" });
  });

  it("accepts a single 0 h tier (always the same refund)", () => {
    const flat = CancellationPolicySchema.parse({ version: 1, tiers: [{ minNoticeHours: 0, refundPercent: 0 }] });
    expect(
      decideRefund({
        cancelledBy: "student",
        now: before(100 * HOUR),
        startTime: START,
        capturedCents: 5_000,
        alreadyRefundedCents: 0,
        policy: flat,
      }).refundCents,
    ).toBe(0);
  });

  it.each([
    [
      "tiers out of order",
      [
        { minNoticeHours: 2, refundPercent: 50 },
        { minNoticeHours: 24, refundPercent: 100 },
        { minNoticeHours: 0, refundPercent: 0 },
      ],
      "tier 2 (24 h notice) must need less notice than tier 1 (2 h notice)",
    ],
    [
      "two tiers with the same notice (overlap)",
      [
        { minNoticeHours: 24, refundPercent: 100 },
        { minNoticeHours: 24, refundPercent: 50 },
        { minNoticeHours: 0, refundPercent: 0 },
      ],
      "tier 2 (24 h notice) must need less notice",
    ],
    [
      "a gap before the start",
      [
        { minNoticeHours: 24, refundPercent: 100 },
        { minNoticeHours: 2, refundPercent: 50 },
      ],
      "tier 2 (2 h notice) must start at 0 h",
    ],
    [
      "more refund with less notice",
      [
        { minNoticeHours: 24, refundPercent: 50 },
        { minNoticeHours: 0, refundPercent: 100 },
      ],
      "tier 2 (0 h notice) must not refund more",
    ],
  ])("refuses %s, naming the tier", (_label, tiers, message) => {
    const result = CancellationPolicySchema.safeParse({ version: 1, tiers });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join("; ")).toContain(message);
  });

  it("refuses percentages outside 0-100 and negative notice", () => {
    expect(CancellationPolicySchema.safeParse({ version: 1, tiers: [{ minNoticeHours: 0, refundPercent: 101 }] }).success).toBe(false);
    expect(CancellationPolicySchema.safeParse({ version: 1, tiers: [{ minNoticeHours: 0, refundPercent: -1 }] }).success).toBe(false);
    expect(CancellationPolicySchema.safeParse({ version: 1, tiers: [{ minNoticeHours: -1, refundPercent: 0 }] }).success).toBe(false);
    expect(CancellationPolicySchema.safeParse({ version: 1, tiers: [] }).success).toBe(false);
  });

  it("keeps the default policy valid under its own schema", () => {
    expect(CancellationPolicySchema.parse(DEFAULT_CANCELLATION_POLICY)).toEqual(DEFAULT_CANCELLATION_POLICY);
  });
});
