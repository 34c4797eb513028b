import { describe, expect, it } from "vitest";
import { runBookingEffects } from "../../src/features/bookings/booking-effects.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { expireStaleHolds } from "../../src/features/bookings/hold-expiry.js";
import { reconcileBooking } from "../../src/features/reconciliation/reconciliation.service.js";
import { handleStripeWebhook } from "../../src/features/webhooks/stripe-webhook.endpoint.js";
import { bookingDoc, getDb } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { testDependencies } from "../helpers/deps.js";
import { readyCoach, useStandIns } from "../helpers/in-process.js";

const standIns = useStandIns();
const SECRET = "whsec_payment_methods_test";
const START = "2030-01-07T09:00:00.000Z";
const MINUTE = 60_000;

/** An unpaid hold of 100.00 EUR at START, with a clock the test moves. */
async function heldBooking() {
  const { calcom, stripe } = standIns;
  const clock = { now: new Date() };
  const deps = testDependencies(calcom, { stripe, now: () => clock.now, stripeWebhookSecret: SECRET });
  const { coachId, eventTypeId } = await readyCoach(deps, { priceCents: 10_000, currency: "eur" });
  const studentId = uniqueId("student");
  const { bookingId } = await createBooking({ coachId, eventTypeId, offeringId: "sixty", userId: studentId, startTime: START, endTime: "2030-01-07T10:00:00.000Z" }, { uid: studentId, isAdmin: false }, deps);
  const b = await booking(bookingId);
  expect(b).toMatchObject({ status: "requested", paymentStatus: "pending", calcomStatus: "pending" });
  return { deps, clock, coachId, bookingId, sessionId: b.stripeCheckoutSessionId ?? "", calcomUid: b.calcomBookingUid ?? "" };
}

async function booking(id: string) {
  const b = (await bookingDoc(id).get()).data();
  if (!b) throw new Error("missing booking");
  return b;
}

async function post(type: string, object: unknown, deps: ReturnType<typeof testDependencies>) {
  const signed = standIns.stripe.signedEvent(type, structuredClone(object), SECRET);
  const out = await handleStripeWebhook({ method: "POST", rawBody: Buffer.from(signed.rawBody), header: (n: string) => (n.toLowerCase() === "stripe-signature" ? signed.signature : undefined) } as never, deps);
  expect(out.status).toBe(200);
  return out;
}

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
    expect(await booking(s.bookingId)).toMatchObject({ status: "requested", paymentStatus: "pending", calcomStatus: "pending", cancellation: null });
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
    expect(await booking(s.bookingId)).toMatchObject({ status: "requested", paymentStatus: "pending", paymentProcessing: true, holdExpiresAt: START });

    later(s, 3 * 60);
    await expireStaleHolds(s.deps);
    expect((await reconcileBooking(s.bookingId, { dryRun: true, runId: "d1" }, s.deps)).drifts).toEqual([]);
    expect(await booking(s.bookingId)).toMatchObject({ status: "requested", paymentStatus: "pending" });
    expect(await calendarOf(s.coachId)).toEqual([s.bookingId]);

    await post("checkout.session.async_payment_succeeded", standIns.stripe.sessionOut(standIns.stripe.settleDelayedPayment(s.sessionId, "succeeded")), s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ status: "confirmed", paymentStatus: "paid", paymentProcessing: false, refundedCents: 0 });
    expect(standIns.calcom.booking(s.calcomUid)).toMatchObject({ status: "accepted" });
    expect(standIns.stripe.refunds.size).toBe(0);
  });

  it("regression #16.6: a delayed payment that fails releases the hold and the Cal.com booking", async () => {
    const s = await heldBooking();
    await post("checkout.session.completed", standIns.stripe.sessionOut(standIns.stripe.payDelayed(s.sessionId)), s.deps);
    later(s, 24 * 60);
    await post("checkout.session.async_payment_failed", standIns.stripe.sessionOut(standIns.stripe.settleDelayedPayment(s.sessionId, "failed")), s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ status: "cancelled", paymentStatus: "pending", paymentProcessing: false, calcomStatus: "cancelled" });
    expect(await calendarOf(s.coachId)).toEqual([]);
  });

  it("regression #16.6: a payment still processing at the session's start releases the hold (a slot is not held for ever); a success after that is refunded", async () => {
    const s = await heldBooking();
    await post("checkout.session.completed", standIns.stripe.sessionOut(standIns.stripe.payDelayed(s.sessionId)), s.deps);
    s.clock.now = new Date(START);
    await expireStaleHolds(s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ status: "cancelled", paymentStatus: "pending", calcomStatus: "cancelled" });
    expect(await calendarOf(s.coachId)).toEqual([]);

    await post("checkout.session.async_payment_succeeded", standIns.stripe.sessionOut(standIns.stripe.settleDelayedPayment(s.sessionId, "succeeded")), s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ status: "cancelled", paymentStatus: "refunded", refundedCents: 10_000 });
  });
});
