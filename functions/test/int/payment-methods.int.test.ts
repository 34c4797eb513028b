import { describe, expect, it } from "vitest";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { expireStaleHolds } from "../../src/core/effects/hold-expiry.js";
import { reconcileBooking, reconcileRecent } from "../../src/features/reconciliation/reconciliation.service.js";
import { rescheduleBooking } from "../../src/features/reschedules/reschedules.service.js";
import { getDb } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { testDependencies } from "../helpers/deps.js";
import { confirmedBooking, readyCoach, useStandIns, postSignedStripe, storedBooking as booking } from "../helpers/in-process.js";

const standIns = useStandIns();
const SECRET = "whsec_payment_methods_test";
const START = "2030-01-07T09:00:00.000Z";
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const iso = (h: number, m = 0) => `2030-01-07T${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:00.000Z`;

/** An unpaid hold of 100.00 EUR at START, with a clock the test moves. */
async function heldBooking() {
  const { calcom, stripe } = standIns;
  const clock = { now: new Date() };
  const deps = testDependencies(calcom, { stripe, now: () => clock.now, stripeWebhookSecret: SECRET });
  const { coachId, eventTypeId } = await readyCoach(deps, { priceCents: 10_000, currency: "eur" });
  const studentId = uniqueId("student");
  const { bookingId } = await createBooking(
    { coachId, eventTypeId, offeringId: "sixty", userId: studentId, startTime: START, endTime: "2030-01-07T10:00:00.000Z" },
    { uid: studentId, isAdmin: false },
    deps,
  );
  const b = await booking(bookingId);
  expect(b).toMatchObject({ status: "requested", paymentStatus: "pending", calcomStatus: "pending" });
  return { deps, clock, coachId, bookingId, sessionId: b.stripeCheckoutSessionId ?? "", calcomUid: b.calcomBookingUid ?? "" };
}

/** A confirmed, paid booking of `sixty` (100.00 EUR) at START, with a dearer `deep` (150.00 EUR, 60 min) offering beside it. */
const paidBooking = () => confirmedBooking(standIns, { beside: { deep: 15_000 }, config: { stripeWebhookSecret: SECRET } });

/** What Stripe has refunded (or is refunding) of a booking's payments. */
const refundedFor = (bookingId: string) =>
  [...standIns.stripe.refunds.values()]
    .filter((r) => r.metadata.bookingId === bookingId && (r.status === "succeeded" || r.status === "pending"))
    .reduce((sum, r) => sum + r.amount, 0);

const post = (type: string, object: unknown, deps: ReturnType<typeof testDependencies>) =>
  postSignedStripe(standIns.stripe, SECRET, type, object, deps);

async function calendarOf(coachId: string) {
  const data = (await getDb().collection("coachCalendars").doc(coachId).get()).data() as { intervals: { bookingId: string }[] } | undefined;
  return (data?.intervals ?? []).map((i) => i.bookingId);
}

const later = (s: { clock: { now: Date } }, minutes: number) => {
  s.clock.now = new Date(s.clock.now.getTime() + minutes * MINUTE);
};

describe("a declined card", () => {
  it("regression #16.5: leaves the hold, the slot and the Cal.com booking while Checkout stays open; the retry pays and confirms, nothing refunded", async () => {
    const s = await heldBooking();
    await post("payment_intent.payment_failed", standIns.stripe.failPayment(s.sessionId), s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({
      status: "requested",
      paymentStatus: "pending",
      calcomStatus: "pending",
      cancellation: null,
    });
    expect(await calendarOf(s.coachId)).toEqual([s.bookingId]);
    expect(standIns.calcom.booking(s.calcomUid)).toMatchObject({ status: "pending" });
    const audit = await getDb().collection(`bookings/${s.bookingId}/events`).where("type", "==", "payment-declined").get();
    expect(audit.docs.map((d) => d.get("declineCode") as unknown)).toEqual(["insufficient_funds"]);

    await post("checkout.session.completed", standIns.stripe.sessionOut(standIns.stripe.pay(s.sessionId)), s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ status: "confirmed", paymentStatus: "paid", refundedCents: 0 });
    expect(standIns.stripe.refunds.size).toBe(0);
  });
});

describe("a delayed payment method", () => {
  it("regression #16.6: keeps the hold while the completed session's payment is processing, past the 35-minute expiry; its success confirms the booking", async () => {
    const s = await heldBooking();
    await post("checkout.session.completed", standIns.stripe.sessionOut(standIns.stripe.payDelayed(s.sessionId)), s.deps);
    expect(await booking(s.bookingId)).toMatchObject({
      status: "requested",
      paymentStatus: "pending",
      paymentProcessing: true,
      holdExpiresAt: START,
    });

    later(s, 3 * 60);
    await expireStaleHolds(s.deps);
    expect((await reconcileBooking(s.bookingId, { dryRun: true, runId: "d1" }, s.deps)).drifts).toEqual([]);
    expect(await booking(s.bookingId)).toMatchObject({ status: "requested", paymentStatus: "pending" });
    expect(await calendarOf(s.coachId)).toEqual([s.bookingId]);

    await post(
      "checkout.session.async_payment_succeeded",
      standIns.stripe.sessionOut(standIns.stripe.settleDelayedPayment(s.sessionId, "succeeded")),
      s.deps,
    );
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({
      status: "confirmed",
      paymentStatus: "paid",
      paymentProcessing: false,
      refundedCents: 0,
    });
    expect(standIns.calcom.booking(s.calcomUid)).toMatchObject({ status: "accepted" });
    expect(standIns.stripe.refunds.size).toBe(0);
  });

  it("regression #16.6: a delayed payment that fails releases the hold and the Cal.com booking", async () => {
    const s = await heldBooking();
    await post("checkout.session.completed", standIns.stripe.sessionOut(standIns.stripe.payDelayed(s.sessionId)), s.deps);
    later(s, 24 * 60);
    await post(
      "checkout.session.async_payment_failed",
      standIns.stripe.sessionOut(standIns.stripe.settleDelayedPayment(s.sessionId, "failed")),
      s.deps,
    );
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({
      status: "cancelled",
      paymentStatus: "pending",
      paymentProcessing: false,
      calcomStatus: "cancelled",
    });
    expect(await calendarOf(s.coachId)).toEqual([]);
  });

  it("regression #16.6: a payment still processing at the session's start releases the hold (a slot is not held for ever); a success after that is refunded", async () => {
    const s = await heldBooking();
    await post("checkout.session.completed", standIns.stripe.sessionOut(standIns.stripe.payDelayed(s.sessionId)), s.deps);
    s.clock.now = new Date(START);
    await expireStaleHolds(s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ status: "cancelled", paymentStatus: "pending", calcomStatus: "cancelled" });
    expect(await calendarOf(s.coachId)).toEqual([]);

    await post(
      "checkout.session.async_payment_succeeded",
      standIns.stripe.sessionOut(standIns.stripe.settleDelayedPayment(s.sessionId, "succeeded")),
      s.deps,
    );
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ status: "cancelled", paymentStatus: "refunded", refundedCents: 10_000 });
  });
});

describe("a delayed payment whose checkout.session.completed is late or lost", () => {
  it("regression #16.17: a delayed payment whose checkout.session.completed arrives after the 35-minute hold expiry keeps the hold (recorded as processing), then confirms with nothing refunded", async () => {
    const s = await heldBooking();
    // The student pays by SEPA debit inside the hold; Stripe's checkout.session.completed is delayed (our endpoint answered 500 once, Stripe retries later).
    const completed = standIns.stripe.sessionOut(standIns.stripe.payDelayed(s.sessionId));
    later(s, 40);
    await expireStaleHolds(s.deps);
    const afterExpiry = await booking(s.bookingId);
    // The late delivery, then the payment succeeds days later.
    await post("checkout.session.completed", completed, s.deps);
    await post(
      "checkout.session.async_payment_succeeded",
      standIns.stripe.sessionOut(standIns.stripe.settleDelayedPayment(s.sessionId, "succeeded")),
      s.deps,
    );
    await runBookingEffects(s.bookingId, s.deps);
    const after = await booking(s.bookingId);
    expect({ afterExpiry: afterExpiry.status, status: after.status, refunded: refundedFor(s.bookingId) }).toEqual({
      afterExpiry: "requested",
      status: "confirmed",
      refunded: 0,
    });
    expect(afterExpiry).toMatchObject({ paymentProcessing: true, holdExpiresAt: START });
  });

  it("regression #16.17: reconciliation does not take a hold whose completed session's payment is processing (its event lost) for an expired hold", async () => {
    const s = await heldBooking();
    standIns.stripe.payDelayed(s.sessionId);
    later(s, 40);
    const run = await reconcileBooking(s.bookingId, { dryRun: false, runId: "p1" }, s.deps);
    expect(run.drifts.map((d) => d.kind)).toEqual(["payment-processing-not-recorded"]);
    expect(await booking(s.bookingId)).toMatchObject({
      status: "requested",
      paymentStatus: "pending",
      paymentProcessing: true,
      holdExpiresAt: START,
    });
    expect(await calendarOf(s.coachId)).toEqual([s.bookingId]);
    expect((await reconcileBooking(s.bookingId, { dryRun: true, runId: "p2" }, s.deps)).drifts).toEqual([]);

    await post(
      "checkout.session.async_payment_succeeded",
      standIns.stripe.sessionOut(standIns.stripe.settleDelayedPayment(s.sessionId, "succeeded")),
      s.deps,
    );
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({
      status: "confirmed",
      paymentStatus: "paid",
      paymentProcessing: false,
      refundedCents: 0,
    });
    expect(refundedFor(s.bookingId)).toBe(0);
  });

  it("regression #16.17: a hold whose payment is still processing at the session's start is released by hold expiry even when its completed event never came", async () => {
    const s = await heldBooking();
    standIns.stripe.payDelayed(s.sessionId);
    s.clock.now = new Date(START);
    await expireStaleHolds(s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ status: "cancelled", paymentStatus: "pending", calcomStatus: "cancelled" });
    expect(await calendarOf(s.coachId)).toEqual([]);
  });
});

describe("a move's difference paid by a delayed method", () => {
  async function moveAwaitingPayment() {
    const s = await paidBooking();
    const out = await rescheduleBooking(
      { bookingId: s.bookingId, newStartTime: iso(10), newEndTime: iso(11), newOfferingId: "deep", refundDifference: true, reason: "" },
      s.student,
      s.deps,
    );
    expect(out.status).toBe("awaiting-payment");
    return { ...s, sessionId: (await booking(s.bookingId)).reschedule?.checkoutSessionId ?? "" };
  }

  it("regression #16.18: a move's difference paid by a delayed method keeps the move's hold past 35 minutes; its success completes the move, nothing refunded", async () => {
    const s = await moveAwaitingPayment();
    await post("checkout.session.completed", standIns.stripe.sessionOut(standIns.stripe.payDelayed(s.sessionId)), s.deps);
    expect((await booking(s.bookingId)).reschedule).toMatchObject({
      state: "awaiting-payment",
      paymentProcessing: true,
      holdExpiresAt: START,
    });
    s.clock.now = new Date(s.clock.now.getTime() + 3 * HOUR);
    await reconcileRecent({ dryRun: false }, s.deps);
    await post(
      "checkout.session.async_payment_succeeded",
      standIns.stripe.sessionOut(standIns.stripe.settleDelayedPayment(s.sessionId, "succeeded")),
      s.deps,
    );
    await runBookingEffects(s.bookingId, s.deps);
    const after = await booking(s.bookingId);
    expect({ startTime: after.startTime, offeringId: after.offeringId, refunded: refundedFor(s.bookingId) }).toEqual({
      startTime: iso(10),
      offeringId: "deep",
      refunded: 0,
    });
    expect(after).toMatchObject({ reschedule: null, amountCents: 15_000 });
    expect(await calendarOf(s.coachId)).toEqual([s.bookingId]);
  });

  it("regression #16.18: a move's delayed difference that fails gives the move up: the booking keeps its time, the new slot is freed, nothing refunded", async () => {
    const s = await moveAwaitingPayment();
    await post("checkout.session.completed", standIns.stripe.sessionOut(standIns.stripe.payDelayed(s.sessionId)), s.deps);
    s.clock.now = new Date(s.clock.now.getTime() + 3 * HOUR);
    await post(
      "checkout.session.async_payment_failed",
      standIns.stripe.sessionOut(standIns.stripe.settleDelayedPayment(s.sessionId, "failed")),
      s.deps,
    );
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({
      status: "confirmed",
      startTime: START,
      offeringId: "sixty",
      amountCents: 10_000,
      reschedule: null,
      refundsOwed: [],
    });
    const calendar = (await getDb().collection("coachCalendars").doc(s.coachId).get()).data() as {
      intervals: { bookingId: string; start: string }[];
    };
    expect(calendar.intervals.map((i) => i.start)).toEqual([START]);
    expect(refundedFor(s.bookingId)).toBe(0);
  });

  it("regression #16.18: a move whose delayed difference's completed event was lost is not given up by reconciliation while the payment processes", async () => {
    const s = await moveAwaitingPayment();
    standIns.stripe.payDelayed(s.sessionId);
    s.clock.now = new Date(s.clock.now.getTime() + 40 * MINUTE);
    await reconcileRecent({ dryRun: false }, s.deps);
    expect((await booking(s.bookingId)).reschedule).toMatchObject({
      state: "awaiting-payment",
      paymentProcessing: true,
      holdExpiresAt: START,
    });
    await post(
      "checkout.session.async_payment_succeeded",
      standIns.stripe.sessionOut(standIns.stripe.settleDelayedPayment(s.sessionId, "succeeded")),
      s.deps,
    );
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ startTime: iso(10), offeringId: "deep", reschedule: null, refundedCents: 0 });
    expect(refundedFor(s.bookingId)).toBe(0);
  });
});
