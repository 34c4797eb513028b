import { describe, expect, it } from "vitest";
import type { Booking } from "./booking.js";
import type { Coach } from "./coach.js";
import { DEFAULT_CANCELLATION_POLICY } from "./policy.js";
import { planMove } from "./reschedule-plan.js";

const START = "2030-01-07T09:00:00.000Z";
const booking = {
  offeringId: "sixty",
  calcomEventTypeId: 7,
  startTime: START,
  endTime: "2030-01-07T10:00:00.000Z",
  status: "confirmed",
  paymentStatus: "paid",
  amountCents: 10_000,
  refundedCents: 0,
  currency: "eur",
  cancellationPolicy: DEFAULT_CANCELLATION_POLICY,
  refundsOwed: [],
  dispute: null,
  disputes: [],
} as unknown as Booking;
const offering = (id: string, durationMinutes: number, priceCents: number, currency = "eur") => ({
  id,
  title: id,
  durationMinutes,
  priceCents,
  currency,
  calcomEventTypeId: 7,
});
const coach = {
  customOfferings: [
    offering("sixty", 60, 10_000),
    offering("deep", 60, 15_000),
    offering("thirty", 30, 6_000),
    offering("usd", 60, 10_000, "usd"),
  ],
} as unknown as Coach;
const hoursBefore = (h: number) => new Date(Date.parse(START) - h * 3_600_000);
const move = (over: Partial<Parameters<typeof planMove>[0]> = {}) =>
  planMove({
    booking,
    coach,
    role: "student",
    now: hoursBefore(48),
    newStartTime: "2030-01-07T11:00:00.000Z",
    newEndTime: "2030-01-07T12:00:00.000Z",
    ...over,
  });

describe("planMove", () => {
  it("prices a move within the offering at nothing", () => {
    expect(move()).toMatchObject({ offeringId: "sixty", difference: { kind: "none" }, signedDifferenceCents: 0 });
  });

  it("signs the difference: positive to pay, negative to refund", () => {
    expect(move({ newOfferingId: "deep" }).signedDifferenceCents).toBe(5_000);
    expect(move({ newOfferingId: "thirty", newEndTime: "2030-01-07T11:30:00.000Z" }).signedDifferenceCents).toBe(-4_000);
  });

  it("prices against what is still paid after refunds", () => {
    expect(move({ booking: { ...booking, refundedCents: 4_000 }, newOfferingId: "deep" }).signedDifferenceCents).toBe(9_000);
  });

  it("lets a student move at exactly 24 h before, not a second later; the coach any time before the start", () => {
    expect(() => move({ now: hoursBefore(24) })).not.toThrow();
    expect(() => move({ now: new Date(hoursBefore(24).getTime() + 1_000) })).toThrow(/Too close to the start/);
    expect(() => move({ role: "coach", now: hoursBefore(0.5) })).not.toThrow();
  });

  it("refuses what cannot be moved", () => {
    expect(() => move({ booking: { ...booking, status: "cancelled" } })).toThrow(/cancelled/);
    expect(() => move({ booking: { ...booking, status: "requested", paymentStatus: "pending" } })).toThrow(/not paid/);
    expect(() => move({ newOfferingId: "nope" })).toThrow(/no such offering/);
    expect(() => move({ newEndTime: "2030-01-07T11:30:00.000Z" })).toThrow(/exactly 60 minutes/);
    expect(() => move({ newStartTime: START, newEndTime: "2030-01-07T10:00:00.000Z" })).toThrow(/already at this time/);
    expect(() => move({ newOfferingId: "usd" })).toThrow(/cannot move to an offering priced in USD/);
    expect(() => move({ role: "coach", now: new Date("2030-01-07T11:30:00.000Z") })).toThrow();
  });

  it("regression #17.1: a move within the offering keeps what was sold, whatever the coach changed since; another offering is priced as it is now", () => {
    const changed = (over: Partial<ReturnType<typeof offering>>) =>
      ({ customOfferings: [{ ...offering("sixty", 60, 10_000), ...over }, offering("deep", 60, 15_000)] }) as unknown as Coach;
    for (const over of [
      { priceCents: 3_500 },
      { priceCents: 0 },
      { priceCents: 9_000 },
      { currency: "usd" },
      { durationMinutes: 30, calcomEventTypeId: 8 },
    ]) {
      expect(move({ coach: changed(over) })).toMatchObject({
        offeringId: "sixty",
        eventTypeId: 7,
        priceCents: 10_000,
        difference: { kind: "none" },
        signedDifferenceCents: 0,
      });
      expect(move({ coach: changed(over), role: "coach" })).toMatchObject({ difference: { kind: "none" } });
    }
    // Its length is the booking's, not the offering's new one.
    expect(() => move({ coach: changed({ durationMinutes: 30 }), newEndTime: "2030-01-07T11:30:00.000Z" })).toThrow(
      /This session lasts exactly 60 minutes/,
    );
    // Archived (gone from the coach's offerings): still movable within itself.
    expect(move({ coach: { customOfferings: [offering("deep", 60, 15_000)] } as unknown as Coach })).toMatchObject({
      eventTypeId: 7,
      difference: { kind: "none" },
    });
    // Another offering: its current price against what was paid.
    expect(move({ coach: changed({ priceCents: 3_500 }), newOfferingId: "deep" }).signedDifferenceCents).toBe(5_000);
  });

  it("regression #17.8: a moved booking lands under the limits its new time was reserved with, keeping its own student cut-off", () => {
    const limited = {
      ...booking,
      limits: {
        minimumNoticeMinutes: 0,
        bookingWindowDays: null,
        bufferBeforeMinutes: 0,
        bufferAfterMinutes: 0,
        slotIntervalMinutes: null,
        studentCutoffMinutes: 60,
        maxUnpaidHoldsPerCoach: 1,
      },
    };
    const buffered = { ...coach, schedulingLimits: { bufferAfterMinutes: 15, studentCutoffMinutes: 0 } } as unknown as Coach;
    expect(move({ booking: limited, coach: buffered }).limits).toMatchObject({ bufferAfterMinutes: 15, studentCutoffMinutes: 60 });
  });

  it("regression #16.2: counts a refund still owed as refunded: moving back to the dearer offering charges the difference again", () => {
    const owing = {
      ...booking,
      offeringId: "thirty",
      refundsOwed: [{ key: "r1-difference-refund", amountCents: 4_000, refundedCents: 0, cause: "price-difference" }],
    };
    expect(move({ booking: owing, newOfferingId: "sixty" })).toMatchObject({
      difference: { kind: "charge", amountCents: 4_000 },
      signedDifferenceCents: 4_000,
    });
  });

  it("regression #16.20: counts a lost dispute as returned: a cheaper move's refund is reduced by it, none once it covers it; a dearer move's charge is unchanged", () => {
    const lost = (amountCents: number) => ({
      ...booking,
      disputedCents: amountCents,
      disputes: [
        {
          id: "dp_1",
          paymentIntentId: "pi_1",
          amountCents,
          currency: "eur",
          reason: "fraudulent",
          status: "lost",
          evidenceDueBy: null,
          fundsWithdrawn: true,
        },
      ],
    });
    const cheaper = { newOfferingId: "thirty", newStartTime: "2030-01-07T11:00:00.000Z", newEndTime: "2030-01-07T11:30:00.000Z" };
    expect(move({ booking: lost(10_000), ...cheaper })).toMatchObject({
      difference: { kind: "none", amountCents: 0 },
      signedDifferenceCents: 0,
    });
    expect(move({ booking: lost(1_000), ...cheaper })).toMatchObject({
      difference: { kind: "refund", amountCents: 3_000 },
      signedDifferenceCents: -3_000,
    });
    expect(move({ booking: lost(10_000), newOfferingId: "deep" })).toMatchObject({ difference: { kind: "charge", amountCents: 5_000 } });
  });
});
