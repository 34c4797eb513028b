import { describe, expect, it } from "vitest";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { cancelBooking } from "../../src/features/cancellations/cancellations.service.js";
import { quoteCancellation, quoteReschedule } from "../../src/features/money/money.service.js";
import { DEFAULT_SCHEDULING_LIMITS } from "../../src/domain/limits.js";
import { saveOffering } from "../../src/features/offerings/offerings.service.js";
import { syncOfferingEventTypes } from "../../src/core/event-types/event-type-sync.js";
import { getAvailableSlots } from "../../src/features/availability/availability.service.js";
import { saveSchedulingLimits } from "../../src/features/limits/limits.service.js";
import { rescheduleBooking } from "../../src/features/reschedules/reschedules.service.js";
import { handleCalcomWebhook } from "../../src/features/webhooks/calcom-webhook.endpoint.js";
import { calcomApi } from "../../src/integrations/calcom/calcom-api.js";
import { CalcomClient } from "../../src/integrations/calcom/calcom-client.js";
import { calcomSignature } from "../../src/integrations/calcom/calcom-webhook.js";
import { bookingDoc, coachDoc } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { testDependencies } from "../helpers/deps.js";
import { confirmedBooking, payAndConfirm, readyCoach, useStandIns, storedBooking as booking } from "../helpers/in-process.js";

// Regressions of issue #16: who pays for a cancellation, what a move costs, what a refund is.

const standIns = useStandIns();

// Monday 2030-01-07, the coach free 08:00-12:00 UTC. The booking is at 09:00 for 100.00 EUR.
const START = "2030-01-07T09:00:00.000Z";
const HOUR = 3_600_000;
const at = (hoursBeforeStart: number) => new Date(Date.parse(START) - hoursBeforeStart * HOUR);
const iso = (h: number, m = 0) => `2030-01-07T${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:00.000Z`;
const CALCOM_SECRET = "calcom_test_secret";

/** A confirmed, paid booking of `sixty` at START (100.00 EUR unless priced otherwise), with a clock the test moves. */
const paidBooking = (price?: { priceCents: number; currency: string }) => confirmedBooking(standIns, price ? { price } : {});

const refundsOf = (pi: string) => [...standIns.stripe.refunds.values()].filter((r) => r.payment_intent === pi).map((r) => r.amount);

/** Posts a signed Cal.com delivery with the given payload through the real webhook handler. */
async function deliverCalcom(triggerEvent: string, payload: Record<string, unknown>, deps: ReturnType<typeof testDependencies>) {
  const rawBody = JSON.stringify({ triggerEvent, createdAt: new Date().toISOString(), payload });
  const signature = calcomSignature(rawBody, CALCOM_SECRET);
  const out = await handleCalcomWebhook(
    {
      method: "POST",
      rawBody: Buffer.from(rawBody),
      header: (n: string) => (n.toLowerCase() === "x-cal-signature-256" ? signature : undefined),
    } as never,
    deps,
  );
  expect(out.status).toBe(200);
  return out;
}

describe("#16.1: a long reason never makes a booking unreadable", () => {
  it("regression #16.1: a 500+500 cancel reason leaves a readable booking, refunded and cancelled in Cal.com", async () => {
    const s = await paidBooking();
    await cancelBooking({ bookingId: s.bookingId, reason: "r".repeat(500), refundReason: "f".repeat(500) }, s.student, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    const after = await booking(s.bookingId);
    expect(after).toMatchObject({ status: "cancelled", paymentStatus: "refunded", refundedCents: 10_000, calcomStatus: "cancelled" });
    expect(after.cancellation?.reason.length).toBeLessThanOrEqual(500);
    expect(refundsOf(s.paymentIntentId)).toEqual([10_000]);
    expect(standIns.calcom.booking(s.calcomUid)).toMatchObject({ status: "cancelled" });
  });

  it("regression #16.1: a 5,000-character Cal.com cancellationReason leaves a readable booking, refunded", async () => {
    const s = await paidBooking();
    await calcomApi.cancelBooking(new CalcomClient({ baseUrl: standIns.calcom.url }), null, s.calcomUid, "Cannot make it");
    await deliverCalcom(
      "BOOKING_CANCELLED",
      {
        uid: s.calcomUid,
        status: "CANCELLED",
        cancellationReason: "c".repeat(5_000),
        cancelledBy: `${s.studentId}@example.com`,
        attendees: [{ email: `${s.studentId}@example.com` }],
      },
      s.deps,
    );
    await runBookingEffects(s.bookingId, s.deps);
    const after = await booking(s.bookingId);
    expect(after).toMatchObject({ status: "cancelled", paymentStatus: "refunded", refundedCents: 10_000, cancellation: { by: "student" } });
    expect(after.cancellation?.reason.length).toBe(500);
    expect(refundsOf(s.paymentIntentId)).toEqual([10_000]);
  });
});

describe("#16.2: a refund still owed counts as refunded when a move is priced", () => {
  it("regression #16.2: moved to a cheaper offering and back before the refund lands, the student pays the difference again", async () => {
    const s = await paidBooking();
    await saveOffering({ offering: { id: "thirty", title: "Check-in", durationMinutes: 30, priceCents: 5_000, currency: "eur" } }, s.coach);
    await syncOfferingEventTypes(s.coachId, s.deps);
    const cheaper = await rescheduleBooking(
      {
        bookingId: s.bookingId,
        newStartTime: iso(11),
        newEndTime: iso(11, 30),
        newOfferingId: "thirty",
        refundDifference: true,
        reason: "",
      },
      s.student,
      s.deps,
    );
    expect(cheaper).toMatchObject({ status: "rescheduled", difference: { kind: "refund", amountCents: 5_000 } });
    // The 50.00 is owed but not refunded yet (the trigger has not run).
    expect((await booking(s.bookingId)).refundsOwed).toHaveLength(1);
    const back = { bookingId: s.bookingId, newStartTime: START, newEndTime: iso(10), newOfferingId: "sixty" };
    await expect(quoteReschedule(back, s.student, s.deps)).resolves.toMatchObject({ kind: "charge", differenceCents: 5_000 });
    const out = await rescheduleBooking({ ...back, refundDifference: true, reason: "" }, s.student, s.deps);
    expect(out).toMatchObject({ status: "awaiting-payment", difference: { kind: "charge", amountCents: 5_000 } });
    // The owed refund is still made: the student ends up having paid 100.00 net for the 100.00 session.
    await runBookingEffects(s.bookingId, s.deps);
    expect(refundsOf(s.paymentIntentId)).toEqual([5_000]);
  });
});

describe("#16.8: a coach's cancel or cheaper move always gives the money back", () => {
  it("regression #16.8: a coach who sets refundAmount or refundDifference: false is refused, and nothing changes", async () => {
    const s = await paidBooking();
    await saveOffering({ offering: { id: "thirty", title: "Check-in", durationMinutes: 30, priceCents: 5_000, currency: "eur" } }, s.coach);
    await syncOfferingEventTypes(s.coachId, s.deps);
    await expect(cancelBooking({ bookingId: s.bookingId, reason: "Keeping it", refundAmount: 0 }, s.coach, s.deps)).rejects.toMatchObject({
      code: "auth/permission-denied",
      message: expect.stringContaining("Only an admin") as string,
    });
    await expect(
      rescheduleBooking(
        {
          bookingId: s.bookingId,
          newStartTime: iso(11),
          newEndTime: iso(11, 30),
          newOfferingId: "thirty",
          refundDifference: false,
          reason: "",
        },
        s.coach,
        s.deps,
      ),
    ).rejects.toMatchObject({ code: "auth/permission-denied", message: expect.stringContaining("Only an admin") as string });
    expect(await booking(s.bookingId)).toMatchObject({ status: "confirmed", startTime: START, reschedule: null, cancellation: null });
    // The coach's plain cancel refunds in full.
    await expect(cancelBooking({ bookingId: s.bookingId, reason: "Ill" }, s.coach, s.deps)).resolves.toMatchObject({
      refundCents: 10_000,
      tier: "coach-cancellation",
    });
  });
});

describe("#16.15: a quote says what the cancel will do", () => {
  it("regression #16.15: inside the student cut-off the quote is blocked by the cut-off, as cancelBooking refuses", async () => {
    const s = await paidBooking();
    const b = await booking(s.bookingId);
    await bookingDoc(s.bookingId).update({ limits: { ...(b.limits ?? DEFAULT_SCHEDULING_LIMITS), studentCutoffMinutes: 240 } });
    s.clock.now = at(3);
    const quote = await quoteCancellation({ bookingId: s.bookingId }, s.student, s.deps);
    expect(quote).toMatchObject({ blockedCode: "booking/cutoff-passed" });
    expect(quote.blockedBy).toMatch(/less than 240 minutes before it starts/);
    const refused = cancelBooking({ bookingId: s.bookingId, reason: "Late" }, s.student, s.deps);
    await expect(refused).rejects.toMatchObject({ code: "booking/cutoff-passed", message: quote.blockedBy });
    s.clock.now = at(5);
    await expect(quoteCancellation({ bookingId: s.bookingId }, s.student, s.deps)).resolves.toMatchObject({
      blockedBy: null,
      blockedCode: null,
      refundCents: 5_000,
    });
  });
});

describe("#16.10: a session's after-buffer outlives the session", () => {
  it("regression #16.10: a session that ended 5 minutes ago with a 60-minute after-buffer still blocks a booking 25 minutes after it", async () => {
    const { calcom, stripe } = standIns;
    const clock = { now: new Date() };
    const deps = testDependencies(calcom, { stripe, now: () => clock.now });
    const { coachId } = await readyCoach(deps, { priceCents: 10_000, currency: "eur" });
    const coach = { uid: coachId, isAdmin: false };
    await saveOffering({ offering: { id: "thirty", title: "Check-in", durationMinutes: 30, priceCents: 5_000, currency: "eur" } }, coach);
    await saveSchedulingLimits({ limits: { bufferAfterMinutes: 60, minimumNoticeMinutes: 0 } }, coach);
    await syncOfferingEventTypes(coachId, deps);
    const eventTypeId = (await coachDoc(coachId).get()).data()?.customOfferings.find((o) => o.id === "thirty")?.calcomEventTypeId ?? 0;
    const first = uniqueId("student");
    const { bookingId } = await createBooking(
      { coachId, eventTypeId, offeringId: "thirty", userId: first, startTime: iso(9, 30), endTime: iso(10) },
      { uid: first, isAdmin: false },
      deps,
    );
    await payAndConfirm(bookingId, stripe, deps);
    // 10:05: the session ended 5 minutes ago; its buffer keeps the coach free until 11:00.
    clock.now = new Date(Date.parse(iso(10, 5)));
    const slots = await getAvailableSlots(
      { coachId, eventTypeId, dateFrom: iso(10), dateTo: iso(12), timeZone: "UTC" },
      { uid: first, isAdmin: false },
      deps,
    );
    expect(slots.slots.map((s) => s.start)).toEqual([iso(11), iso(11, 30)]);
    const second = uniqueId("student");
    await expect(
      createBooking(
        { coachId, eventTypeId, offeringId: "thirty", userId: second, startTime: iso(10, 30), endTime: iso(11) },
        { uid: second, isAdmin: false },
        deps,
      ),
    ).rejects.toMatchObject({ code: "booking/slot-unavailable" });
  });
});

describe("#16.7: a cancellation made in Cal.com is the student's only when an attendee made it", () => {
  it.each([
    ["without cancelledBy", undefined],
    ["by an organization admin", "org-admin@example.com"],
  ])("regression #16.7: a Cal.com cancellation %s refunds in full, as reconciliation would", async (_label, cancelledBy) => {
    const s = await paidBooking();
    // 23 h before: a student's cancellation would refund 50 %.
    s.clock.now = at(23);
    await calcomApi.cancelBooking(
      new CalcomClient({ baseUrl: standIns.calcom.url }),
      standIns.calcom.orgAdminKey,
      s.calcomUid,
      "Double-booked",
    );
    const record = standIns.calcom.booking(s.calcomUid);
    if (record) record.cancelledByEmail = cancelledBy ?? null;
    await deliverCalcom(
      "BOOKING_CANCELLED",
      {
        uid: s.calcomUid,
        status: "CANCELLED",
        cancellationReason: "Double-booked",
        ...(cancelledBy ? { cancelledBy } : {}),
        organizer: { email: "host@example.com" },
        attendees: [{ email: `${s.studentId}@example.com` }],
      },
      s.deps,
    );
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({
      status: "cancelled",
      paymentStatus: "refunded",
      refundedCents: 10_000,
      cancellation: { by: "coach", tier: "coach-cancellation" },
    });
    expect(refundsOf(s.paymentIntentId)).toEqual([10_000]);
  });

  it("regression #16.7: an attendee's cancellation in Cal.com follows the policy", async () => {
    const s = await paidBooking();
    s.clock.now = at(23);
    await calcomApi.cancelBooking(new CalcomClient({ baseUrl: standIns.calcom.url }), null, s.calcomUid, "Cannot make it");
    await deliverCalcom(
      "BOOKING_CANCELLED",
      { uid: s.calcomUid, status: "CANCELLED", cancellationReason: "Cannot make it", attendees: [{ email: `${s.studentId}@example.com` }] },
      s.deps,
    );
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({
      status: "cancelled",
      refundedCents: 5_000,
      cancellation: { by: "student", tier: "notice-2h" },
    });
  });
});

describe("#16.11: refunds Stripe can make, counted only when Stripe makes them", () => {
  it.each([
    ["kwd", 10_010, 5_000],
    ["isk", 10_100, 5_000],
  ])("regression #16.11: a half refund in %s (price %i) is rounded down to what Stripe accepts: %i", async (currency, price, refund) => {
    const s = await paidBooking({ priceCents: price, currency });
    s.clock.now = at(23);
    await expect(cancelBooking({ bookingId: s.bookingId, reason: "Plans changed" }, s.student, s.deps)).resolves.toMatchObject({
      refundCents: refund,
      tier: "notice-2h",
    });
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({
      status: "cancelled",
      paymentStatus: "refunded",
      refundedCents: refund,
      lastError: null,
    });
    expect(refundsOf(s.paymentIntentId)).toEqual([refund]);
  });

  it.each(["failed", "canceled"] as const)(
    "regression #16.11: a refund Stripe answers %s is not recorded; it is retried under a new idempotency key",
    async (status) => {
      const s = await paidBooking();
      standIns.stripe.nextRefundStatuses(status);
      await cancelBooking({ bookingId: s.bookingId, reason: "Ill" }, s.coach, s.deps);
      await runBookingEffects(s.bookingId, s.deps);
      const after = await booking(s.bookingId);
      expect(after).toMatchObject({ status: "cancelled", paymentStatus: "paid", refundedCents: 0, lastError: { action: "stripe-refund" } });
      expect(after.sideEffectAttempts["stripe-refund"]).toBe(1);
      await runBookingEffects(s.bookingId, s.deps);
      expect(await booking(s.bookingId)).toMatchObject({ status: "cancelled", paymentStatus: "refunded", refundedCents: 10_000 });
      expect([...standIns.stripe.refunds.values()].filter((r) => r.payment_intent === s.paymentIntentId).map((r) => r.status)).toEqual([
        status,
        "succeeded",
      ]);
      const keys = standIns.stripe.requests.filter((r) => r.method === "POST" && r.path === "/v1/refunds").map((r) => r.idempotencyKey);
      expect(new Set(keys).size).toBe(2);
    },
  );

  it("regression #16.11: a refund that requires action is not recorded as made: it is a failure to look at", async () => {
    const s = await paidBooking();
    standIns.stripe.nextRefundStatuses("requires_action");
    await cancelBooking({ bookingId: s.bookingId, reason: "Ill" }, s.coach, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({
      status: "cancelled",
      paymentStatus: "paid",
      refundedCents: 0,
      lastError: { action: "stripe-refund", message: expect.stringContaining("requires_action") as string },
    });
  });

  it("regression #16.11: a pending refund is recorded as made (accepted, the money on its way)", async () => {
    const s = await paidBooking();
    standIns.stripe.nextRefundStatuses("pending");
    await cancelBooking({ bookingId: s.bookingId, reason: "Ill" }, s.coach, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ status: "cancelled", paymentStatus: "refunded", refundedCents: 10_000 });
  });
});
