import { describe, expect, it } from "vitest";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { cancelBooking } from "../../src/features/cancellations/cancellations.service.js";
import { uniqueId } from "../helpers/admin.js";
import { testDependencies } from "../helpers/deps.js";
import { confirmedBooking, readyCoach, useStandIns, storedBooking as booking } from "../helpers/in-process.js";

const standIns = useStandIns();

const START = "2030-01-07T09:00:00.000Z";
const HOUR = 3_600_000;
const at = (hoursBeforeStart: number) => new Date(Date.parse(START) - hoursBeforeStart * HOUR);

/** A confirmed, paid booking of 100.00 EUR at START, with a clock the test moves. */
const paidBooking = () => confirmedBooking(standIns);

const refundsOf = (paymentIntentId: string | null) =>
  [...standIns.stripe.refunds.values()].filter((r) => r.payment_intent === paymentIntentId).map((r) => r.amount);

describe("cancelBooking refunds by the frozen policy", () => {
  it.each([
    ["the student, 25 h before", "student", 25, 10_000, "notice-24h", "refunded"],
    ["the student, 23 h before", "student", 23, 5_000, "notice-2h", "refunded"],
    ["the student, 1 h before", "student", 1, 0, "notice-0h", "paid"],
    ["the coach, 1 h before", "coach", 1, 10_000, "coach-cancellation", "refunded"],
  ] as const)("%s refunds as the frozen policy says", async (_label, who, hoursBefore, refund, tier, paymentStatus) => {
    const s = await paidBooking();
    s.clock.now = at(hoursBefore);
    const out = await cancelBooking(
      { bookingId: s.bookingId, reason: "Something came up" },
      who === "student" ? s.student : s.coach,
      s.deps,
    );
    expect(out).toMatchObject({ status: "cancelled", refundCents: refund, tier, currency: "eur", cancelledBy: who });
    await runBookingEffects(s.bookingId, s.deps);
    const after = await booking(s.bookingId);
    expect(after).toMatchObject({ status: "cancelled", paymentStatus, refundedCents: refund, calcomStatus: "cancelled" });
    expect(refundsOf(after.stripePaymentIntentId)).toEqual(refund > 0 ? [refund] : []);
    expect(standIns.calcom.booking(after.calcomBookingUid ?? "")).toMatchObject({
      status: "cancelled",
      cancellationReason: "Something came up",
    });
  });

  it("answers the first result to a second cancel, and to two at once", async () => {
    const s = await paidBooking();
    s.clock.now = at(23);
    const [a, b] = await Promise.all([
      cancelBooking({ bookingId: s.bookingId, reason: "First" }, s.student, s.deps),
      cancelBooking({ bookingId: s.bookingId, reason: "Second" }, s.coach, s.deps),
    ]);
    expect(b).toEqual(a);
    const again = await cancelBooking({ bookingId: s.bookingId, reason: "Third" }, s.coach, s.deps);
    expect(again).toEqual(a);
  });

  it("cancels once in Cal.com and refunds once when the trigger runs twice at once", async () => {
    const s = await paidBooking();
    s.clock.now = at(30);
    await cancelBooking({ bookingId: s.bookingId, reason: "Sick" }, s.student, s.deps);
    await Promise.all([runBookingEffects(s.bookingId, s.deps), runBookingEffects(s.bookingId, s.deps)]);
    await runBookingEffects(s.bookingId, s.deps);
    const after = await booking(s.bookingId);
    expect(standIns.calcom.callsTo("cancelBooking").filter((r) => r.status === 200)).toHaveLength(1);
    expect(refundsOf(after.stripePaymentIntentId)).toEqual([10_000]);
    expect(after.refundedCents).toBe(10_000);
  });

  it("refunds once when Stripe answers 500 and then succeeds", async () => {
    const s = await paidBooking();
    s.clock.now = at(30);
    standIns.stripe.failNext(1, 500, "POST /v1/refunds");
    await cancelBooking({ bookingId: s.bookingId, reason: "Sick" }, s.student, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    const after = await booking(s.bookingId);
    expect(refundsOf(after.stripePaymentIntentId)).toEqual([10_000]);
    const keys = standIns.stripe.requests.filter((r) => r.path === "/v1/refunds").map((r) => r.idempotencyKey);
    expect(new Set(keys)).toEqual(new Set([`booking-${s.bookingId}-cancellation-refund-${after.stripePaymentIntentId ?? ""}`]));
  });

  it("still refunds when Cal.com's cancel fails for good, and marks the booking for reconciliation", async () => {
    const s = await paidBooking();
    s.clock.now = at(30);
    standIns.calcom.failNext(1_000, 503, "cancelBooking");
    await cancelBooking({ bookingId: s.bookingId, reason: "Sick" }, s.coach, s.deps);
    for (let i = 0; i < 3; i++) await runBookingEffects(s.bookingId, s.deps);
    const after = await booking(s.bookingId);
    expect(after).toMatchObject({
      status: "cancelled",
      paymentStatus: "refunded",
      refundedCents: 10_000,
      needsReconciliation: true,
      lastError: { action: "calcom-release" },
    });
    expect(refundsOf(after.stripePaymentIntentId)).toEqual([10_000]);
    standIns.calcom.clearFaults();
  });
});

describe("cancelBooking rules", () => {
  it("releases an unpaid hold without a refund", async () => {
    const { calcom, stripe } = standIns;
    const deps = testDependencies(calcom, { stripe });
    const studentId = uniqueId("student");
    const { coachId, eventTypeId } = await readyCoach(deps, { priceCents: 10_000, currency: "eur" });
    const { bookingId } = await createBooking(
      { coachId, eventTypeId, offeringId: "sixty", userId: studentId, startTime: START, endTime: "2030-01-07T10:00:00.000Z" },
      { uid: studentId, isAdmin: false },
      deps,
    );
    const out = await cancelBooking({ bookingId, reason: "Changed my mind" }, { uid: studentId, isAdmin: false }, deps);
    expect(out).toMatchObject({ refundCents: 0, tier: "unpaid-hold" });
    await runBookingEffects(bookingId, deps);
    expect(await booking(bookingId)).toMatchObject({ status: "cancelled", paymentStatus: "pending", calcomStatus: "cancelled" });
    expect(standIns.stripe.refunds.size).toBe(0);
  });

  it("lets an admin set the refund, never above what is refundable, and neither the student nor the coach", async () => {
    const s = await paidBooking();
    s.clock.now = at(1);
    const admin = { uid: "admin-1", isAdmin: true };
    await expect(cancelBooking({ bookingId: s.bookingId, reason: "x", refundAmount: 100 }, s.student, s.deps)).rejects.toMatchObject({
      code: "auth/permission-denied",
    });
    await expect(cancelBooking({ bookingId: s.bookingId, reason: "x", refundAmount: 10_001 }, admin, s.deps)).rejects.toMatchObject({
      code: "request/invalid",
    });
    const out = await cancelBooking(
      { bookingId: s.bookingId, reason: "Partial goodwill", refundAmount: 3_000, refundReason: "half the prep was done" },
      admin,
      s.deps,
    );
    expect(out).toMatchObject({ refundCents: 3_000, tier: "set-by-admin" });
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ paymentStatus: "refunded", refundedCents: 3_000 });
  });

  it("refuses anyone but the booking's student, coach or an admin", async () => {
    const s = await paidBooking();
    await expect(
      cancelBooking({ bookingId: s.bookingId, reason: "x" }, { uid: "someone-else", isAdmin: false }, s.deps),
    ).rejects.toMatchObject({ code: "auth/permission-denied" });
    await expect(
      cancelBooking({ bookingId: s.bookingId, reason: "Platform decision" }, { uid: "admin-1", isAdmin: true }, s.deps),
    ).resolves.toMatchObject({ cancelledBy: "admin", refundCents: 10_000 });
  });
});
