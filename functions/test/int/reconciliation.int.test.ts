import type Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { cancelBooking } from "../../src/features/cancellations/cancellations.service.js";
import { saveOffering } from "../../src/features/offerings/offerings.service.js";
import { syncOfferingEventTypes } from "../../src/core/event-types/event-type-sync.js";
import { reconcileBooking, reconcileRecent } from "../../src/features/reconciliation/reconciliation.service.js";
import { rescheduleBooking } from "../../src/features/reschedules/reschedules.service.js";
import { applyStripeEvent } from "../../src/features/webhooks/stripe-webhook.endpoint.js";
import { calcomApi } from "../../src/integrations/calcom/calcom-api.js";
import { CalcomClient } from "../../src/integrations/calcom/calcom-client.js";
import { bookingDoc, coachDoc, getDb } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { testDependencies } from "../helpers/deps.js";
import { clearDatabase, databaseFingerprint } from "../helpers/fingerprint.js";
import { payAndConfirm, readyCoach, useStandIns } from "../helpers/in-process.js";

const standIns = useStandIns();
const START = "2030-01-07T09:00:00.000Z";
const END = "2030-01-07T10:00:00.000Z";
const MINUTE = 60_000;

beforeAll(async () => {
  // The scheduled pass looks at every unsettled booking: start from an empty database.
  await clearDatabase();
});

async function setup() {
  const clock = { now: new Date() };
  const deps = testDependencies(standIns.calcom, { stripe: standIns.stripe, now: () => clock.now });
  const { coachId, eventTypeId } = await readyCoach(deps, { priceCents: 10_000, currency: "eur" });
  const studentId = uniqueId("student");
  const student = { uid: studentId, isAdmin: false };
  const { bookingId } = await createBooking(
    { coachId, eventTypeId, offeringId: "sixty", userId: studentId, startTime: START, endTime: END },
    student,
    deps,
  );
  /** Moves our clock past the settle window, as a later reconciliation pass sees the booking. */
  const later = (minutes = 3) => {
    clock.now = new Date(Date.now() + minutes * MINUTE);
  };
  return { clock, deps, coachId, eventTypeId, studentId, student, bookingId, later };
}

async function booking(id: string) {
  const b = (await bookingDoc(id).get()).data();
  if (!b) throw new Error(`no booking ${id}`);
  return b;
}

async function auditKinds(id: string): Promise<string[]> {
  const events = await getDb().collection("bookings").doc(id).collection("events").where("type", "==", "reconciled").get();
  return events.docs.map((d) => d.get("kind") as string);
}

const kinds = (r: { drifts: { kind: string }[] }) => r.drifts.map((d) => d.kind);

describe("reconcileBooking heals each kind of drift, through the paths the triggers use", () => {
  it("paid but the event was lost: records the payment, then confirms", async () => {
    const s = await setup();
    standIns.stripe.pay((await booking(s.bookingId)).stripeCheckoutSessionId ?? ""); // no webhook reaches us
    s.later();
    const out = await reconcileBooking(s.bookingId, { dryRun: false, runId: "r1" }, s.deps);
    expect(kinds(out)).toEqual(["paid-not-recorded"]);
    expect(await booking(s.bookingId)).toMatchObject({ status: "confirmed", paymentStatus: "paid", calcomStatus: "accepted" });
    expect(await auditKinds(s.bookingId)).toEqual(["paid-not-recorded"]);
  });

  it("paid but not confirmed after the automatic attempts: confirms", async () => {
    const s = await setup();
    standIns.calcom.failNext(1_000, 503, "confirmBooking");
    await payAndConfirm(s.bookingId, standIns.stripe, s.deps);
    for (let i = 0; i < 3; i++) await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ status: "requested", paymentStatus: "paid", needsReconciliation: true });
    standIns.calcom.clearFaults();
    s.later();
    const out = await reconcileBooking(s.bookingId, { dryRun: false, runId: "r2" }, s.deps);
    expect(kinds(out)).toEqual(["paid-not-confirmed"]);
    expect(await booking(s.bookingId)).toMatchObject({ status: "confirmed", calcomStatus: "accepted", needsReconciliation: false });
    expect(standIns.calcom.booking((await booking(s.bookingId)).calcomBookingUid ?? "")?.status).toBe("accepted");
  });

  it("cancelled but the refund is missing: refunds once", async () => {
    const s = await setup();
    await payAndConfirm(s.bookingId, standIns.stripe, s.deps);
    // Three automatic attempts, each the SDK's request and its two retries, all refused.
    standIns.stripe.failNext(9, 500, "POST /v1/refunds");
    await cancelBooking({ bookingId: s.bookingId, reason: "Coach unwell" }, { uid: s.coachId, isAdmin: false }, s.deps);
    for (let i = 0; i < 3; i++) await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ status: "cancelled", paymentStatus: "paid", refundedCents: 0 });
    s.later();
    const out = await reconcileBooking(s.bookingId, { dryRun: false, runId: "r3" }, s.deps);
    expect(kinds(out)).toEqual(["refund-missing"]);
    expect(await booking(s.bookingId)).toMatchObject({ paymentStatus: "refunded", refundedCents: 10_000 });
    expect(standIns.stripe.refunds.size).toBe(1);
    expect(kinds(await reconcileBooking(s.bookingId, { dryRun: false, runId: "r3b" }, s.deps))).toEqual([]);
  });

  it("cancelled in Cal.com while confirmed here: cancels and refunds as the policy says for who cancelled", async () => {
    const client = new CalcomClient({ baseUrl: standIns.calcom.url, baseDelayMs: 5, maxDelayMs: 20 });
    // The student cancels in Cal.com 23 h before the start: 50 %.
    const s = await setup();
    await payAndConfirm(s.bookingId, standIns.stripe, s.deps);
    await calcomApi.cancelBooking(client, null, (await booking(s.bookingId)).calcomBookingUid ?? "", "Cannot make it");
    s.clock.now = new Date(Date.parse(START) - 23 * 3_600_000);
    const out = await reconcileBooking(s.bookingId, { dryRun: false, runId: "r4" }, s.deps);
    expect(out.drifts).toEqual([{ kind: "cancelled-in-calcom", by: "student", calcomStatus: "cancelled" }]);
    expect(await booking(s.bookingId)).toMatchObject({
      status: "cancelled",
      paymentStatus: "refunded",
      refundedCents: 5_000,
      calcomStatus: "cancelled",
      cancellation: { by: "student" },
    });

    // The coach cancels in Cal.com (with their key): a full refund.
    const c = await setup();
    await payAndConfirm(c.bookingId, standIns.stripe, c.deps);
    await calcomApi.cancelBooking(
      client,
      standIns.calcom.orgAdminKey,
      (await booking(c.bookingId)).calcomBookingUid ?? "",
      "Double-booked",
    );
    c.clock.now = new Date(Date.parse(START) - 23 * 3_600_000);
    const coachOut = await reconcileBooking(c.bookingId, { dryRun: false, runId: "r4c" }, c.deps);
    expect(coachOut.drifts).toEqual([{ kind: "cancelled-in-calcom", by: "coach", calcomStatus: "cancelled" }]);
    expect(await booking(c.bookingId)).toMatchObject({ status: "cancelled", paymentStatus: "refunded", refundedCents: 10_000 });
    expect(standIns.calcom.callsTo("cancelBooking").filter((r) => r.status < 300)).toHaveLength(2); // ours made none
  });

  it("a refund made in Stripe's Dashboard: recorded in the ledger, once", async () => {
    const s = await setup();
    await payAndConfirm(s.bookingId, standIns.stripe, s.deps);
    const pi = (await booking(s.bookingId)).stripePaymentIntentId ?? "";
    const res = await fetch(`${standIns.stripe.url}/v1/refunds`, {
      method: "POST",
      headers: { authorization: "Bearer sk_test_dashboard", "content-type": "application/x-www-form-urlencoded" },
      body: `payment_intent=${pi}&amount=2500`,
    });
    const refundId = ((await res.json()) as { id: string }).id;
    s.later();
    const out = await reconcileBooking(s.bookingId, { dryRun: false, runId: "r5" }, s.deps);
    expect(out.drifts).toEqual([{ kind: "refund-outside-flow", refundId, paymentIntentId: pi, amountCents: 2_500 }]);
    expect(await booking(s.bookingId)).toMatchObject({ status: "confirmed", refundedCents: 2_500 });
    expect((await getDb().collection("bookings").doc(s.bookingId).collection("ledger").doc(refundId).get()).get("cause")).toBe(
      "outside-flow",
    );
    expect(kinds(await reconcileBooking(s.bookingId, { dryRun: false, runId: "r5b" }, s.deps))).toEqual([]);
  });

  it("a cancellation refunded in full in the Dashboard: recorded, and the booking reads refunded, with no second refund", async () => {
    const s = await setup();
    await payAndConfirm(s.bookingId, standIns.stripe, s.deps);
    standIns.stripe.failNext(9, 500, "POST /v1/refunds");
    await cancelBooking({ bookingId: s.bookingId, reason: "Coach unwell" }, { uid: s.coachId, isAdmin: false }, s.deps);
    for (let i = 0; i < 3; i++) await runBookingEffects(s.bookingId, s.deps);
    const pi = (await booking(s.bookingId)).stripePaymentIntentId ?? "";
    await fetch(`${standIns.stripe.url}/v1/refunds`, {
      method: "POST",
      headers: { authorization: "Bearer sk_test_dashboard", "content-type": "application/x-www-form-urlencoded" },
      body: `payment_intent=${pi}&amount=10000`,
    });
    s.later();
    const out = await reconcileBooking(s.bookingId, { dryRun: false, runId: "r5c" }, s.deps);
    expect(kinds(out)).toEqual(["refund-outside-flow"]);
    expect(await booking(s.bookingId)).toMatchObject({ status: "cancelled", paymentStatus: "refunded", refundedCents: 10_000 });
    expect(standIns.stripe.refunds.size).toBe(1);
  });

  it("an unpaid hold past its expiry: released, its session expired", async () => {
    const s = await setup();
    const held = await booking(s.bookingId);
    s.clock.now = new Date(Date.parse(held.holdExpiresAt ?? "") + MINUTE);
    const out = await reconcileBooking(s.bookingId, { dryRun: false, runId: "r6" }, s.deps);
    expect(kinds(out)).toEqual(["hold-expired"]);
    expect(await booking(s.bookingId)).toMatchObject({ status: "cancelled", paymentStatus: "pending" });
    expect(standIns.stripe.sessions.get(held.stripeCheckoutSessionId ?? "")?.status).toBe("expired");
    expect(await auditKinds(s.bookingId)).toEqual(["hold-expired"]);
  });

  it("a dry run reports and changes nothing", async () => {
    const s = await setup();
    standIns.stripe.pay((await booking(s.bookingId)).stripeCheckoutSessionId ?? "");
    s.later();
    const before = await databaseFingerprint();
    const out = await reconcileBooking(s.bookingId, { dryRun: true, runId: "r7" }, s.deps);
    expect(out).toMatchObject({ applied: false, drifts: [{ kind: "paid-not-recorded" }] });
    expect(await databaseFingerprint()).toEqual(before);
    expect(await booking(s.bookingId)).toMatchObject({ paymentStatus: "pending" });
    // The real pass then heals what the dry run reported.
    expect(await reconcileBooking(s.bookingId, { dryRun: false, runId: "r7b" }, s.deps)).toMatchObject({
      applied: true,
      drifts: [{ kind: "paid-not-recorded" }],
    });
    expect(await booking(s.bookingId)).toMatchObject({ status: "confirmed", paymentStatus: "paid" });
  });
});

describe("the scheduled pass", () => {
  it("cancels an orphan Cal.com booking and expires an orphan Checkout Session, leaving the coach's own bookings alone", async () => {
    const s = await setup();
    const client = new CalcomClient({ baseUrl: standIns.calcom.url, baseDelayMs: 5, maxDelayMs: 20 });
    // A create whose answer was lost left a second booking naming ours; another names no booking we have.
    const leftover = await calcomApi.createBooking(client, standIns.calcom.orgAdminKey, {
      start: "2030-01-07T11:00:00Z",
      eventTypeId: s.eventTypeId,
      attendee: { name: "S", email: "s@example.com", timeZone: "UTC" },
      metadata: { bookingId: s.bookingId },
    });
    const ghost = await calcomApi.createBooking(client, standIns.calcom.orgAdminKey, {
      start: "2030-01-07T10:00:00Z",
      eventTypeId: s.eventTypeId,
      attendee: { name: "G", email: "g@example.com", timeZone: "UTC" },
      metadata: { bookingId: "no-such-booking" },
    });
    const own = standIns.calcom.seedBooking({ eventTypeId: s.eventTypeId, start: "2030-01-07T08:00:00Z", status: "accepted" });
    const payments = await s.deps.payments();
    const orphanSession = await payments.createCheckoutSession({
      bookingId: "no-such-booking",
      amountCents: 1_000,
      currency: "eur",
      title: "x",
      description: "x",
      customerEmail: null,
      expiresAt: new Date(Date.now() + 3_600_000),
      successUrl: "http://localhost/ok",
      cancelUrl: "http://localhost/no",
      idempotencyKey: uniqueId("orphan"),
    });
    s.later(11);

    const dry = await reconcileRecent({ dryRun: true }, s.deps);
    expect(dry.orphanCalcomBookings.sort()).toEqual([leftover.uid, ghost.uid].sort());
    expect(dry.orphanCheckoutSessions).toEqual([orphanSession.id]);
    expect(standIns.calcom.booking(ghost.uid)?.status).toBe("pending");

    const run = await reconcileRecent({ dryRun: false }, s.deps);
    expect(run.orphanCalcomBookings.sort()).toEqual([leftover.uid, ghost.uid].sort());
    expect(standIns.calcom.booking(leftover.uid)?.status).toBe("cancelled");
    expect(standIns.calcom.booking(ghost.uid)?.status).toBe("cancelled");
    expect(standIns.calcom.booking(own.uid)?.status).toBe("accepted");
    expect(standIns.stripe.sessions.get(orphanSession.id)?.status).toBe("expired");
    // Our own hold is untouched: its Cal.com booking and session are the ones it waits on.
    expect(standIns.calcom.booking((await booking(s.bookingId)).calcomBookingUid ?? "")?.status).toBe("pending");
    expect((await getDb().collection("reconciliationRuns").doc(run.runId).get()).get("orphanCheckoutSessions")).toEqual([orphanSession.id]);
    expect(run.errors).toEqual([]);
  });
});

/** A paid booking the coach moves to the 60.00 `thirty` at 11:00: its 40.00 refund reaches Stripe, but the SDK's request and both retries lose the answer. */
async function cheaperMoveWithLostRefund() {
  const s = await setup();
  await payAndConfirm(s.bookingId, standIns.stripe, s.deps);
  const coach = { uid: s.coachId, isAdmin: false };
  await saveOffering({ offering: { id: "thirty", title: "Check-in", durationMinutes: 30, priceCents: 6_000, currency: "eur" } }, coach);
  await syncOfferingEventTypes(s.coachId, s.deps);
  await rescheduleBooking(
    {
      bookingId: s.bookingId,
      newStartTime: "2030-01-07T11:00:00.000Z",
      newEndTime: "2030-01-07T11:30:00.000Z",
      newOfferingId: "thirty",
      refundDifference: true,
      reason: "Shorter",
    },
    coach,
    s.deps,
  );
  standIns.stripe.loseNextResponses(3, "POST /v1/refunds");
  await runBookingEffects(s.bookingId, s.deps);
  return s;
}

describe("regressions of issue 16", () => {
  it("regression #16.9: a refund whose answer was lost is recorded against its obligation, never made twice", async () => {
    const s = await cheaperMoveWithLostRefund();
    const pi = (await booking(s.bookingId)).stripePaymentIntentId ?? "";
    const refundsOfPi = () => [...standIns.stripe.refunds.values()].filter((r) => r.payment_intent === pi).map((r) => r.amount);
    expect(refundsOfPi()).toEqual([4_000]);
    expect((await booking(s.bookingId)).refundsOwed).toHaveLength(1);

    s.later();
    const out = await reconcileBooking(s.bookingId, { dryRun: false, runId: "r16-9" }, s.deps);
    expect(kinds(out)).toEqual(["refund-not-recorded"]);
    expect(await booking(s.bookingId)).toMatchObject({ refundedCents: 4_000, refundsOwed: [] });

    // Past Stripe's 24 h idempotency window the key no longer protects: the obligation must.
    s.clock.now = new Date(Date.now() + 25 * 3_600_000);
    standIns.stripe.forgetIdempotencyKeys();
    await runBookingEffects(s.bookingId, s.deps);
    expect(refundsOfPi()).toEqual([4_000]);
  });

  it("regression #16.9: a refund the ledger already holds still settles the obligation it paid", async () => {
    const s = await cheaperMoveWithLostRefund();
    const refund = [...standIns.stripe.refunds.values()][0];
    // Recorded meanwhile without its obligation (as a refund found outside our flow used to be).
    await getDb().runTransaction(async (tx) => {
      const current = await tx.get(bookingDoc(s.bookingId));
      const b = current.data();
      if (!b || !refund) throw new Error("setup");
      tx.update(bookingDoc(s.bookingId), { refundedCents: 4_000, charges: b.charges.map((c) => ({ ...c, refundedCents: 4_000 })) });
      tx.set(getDb().collection("bookings").doc(s.bookingId).collection("ledger").doc(refund.id), {
        bookingId: s.bookingId,
        coachId: s.coachId,
        kind: "refunded",
        amountCents: -4_000,
        currency: "eur",
        stripeObjectId: refund.id,
        paymentIntentId: refund.payment_intent,
        cause: "outside-flow",
        at: new Date(),
      });
    });
    await runBookingEffects(s.bookingId, s.deps); // the key replays the same refund
    expect(await booking(s.bookingId)).toMatchObject({ refundedCents: 4_000, refundsOwed: [] });
    expect(standIns.stripe.refunds.size).toBe(1);
  });
});

const NEW_START = "2030-01-07T11:00:00.000Z";
const NEW_END = "2030-01-07T12:00:00.000Z";

/** A confirmed booking whose student moves it to 11:00 on a dearer offering (150.00): 50.00 to pay. */
async function movingToDearer() {
  const s = await setup();
  await payAndConfirm(s.bookingId, standIns.stripe, s.deps);
  await saveOffering(
    { offering: { id: "deep", title: "Deep dive", durationMinutes: 60, priceCents: 15_000, currency: "eur" } },
    { uid: s.coachId, isAdmin: false },
  );
  await syncOfferingEventTypes(s.coachId, s.deps);
  const deepEventTypeId = (await coachDoc(s.coachId).get()).data()?.customOfferings.find((o) => o.id === "deep")?.calcomEventTypeId ?? 0;
  await rescheduleBooking(
    { bookingId: s.bookingId, newStartTime: NEW_START, newEndTime: NEW_END, newOfferingId: "deep", refundDifference: true, reason: "" },
    s.student,
    s.deps,
  );
  const sessionId = (await booking(s.bookingId)).reschedule?.checkoutSessionId ?? "";
  /** Pays the difference; the event reaches us only when `deliver`. */
  const payDifference = async (deliver: boolean) => {
    const session = standIns.stripe.pay(sessionId);
    if (deliver)
      await applyStripeEvent(
        {
          id: uniqueId("evt"),
          type: "checkout.session.completed",
          data: { object: standIns.stripe.sessionOut(session) },
        } as unknown as Stripe.Event,
        s.deps,
      );
    return session;
  };
  return { ...s, deepEventTypeId, sessionId, payDifference };
}

async function intervalsOf(coachId: string) {
  const data = (await getDb().collection("coachCalendars").doc(coachId).get()).data() as { intervals: { start: string }[] } | undefined;
  return (data?.intervals ?? []).map((i) => i.start).sort();
}

describe("regression #16.3: stuck states are repaired", () => {
  it("regression #16.3: a paid move whose Cal.com move failed 3 times is retried with a fresh budget", async () => {
    const s = await movingToDearer();
    standIns.calcom.failNext(1_000, 503, "createBooking");
    await s.payDifference(true);
    for (let i = 0; i < 3; i++) await runBookingEffects(s.bookingId, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({
      startTime: START,
      reschedule: { state: "ready" },
      sideEffectAttempts: { "calcom-reschedule": 3 },
    });
    standIns.calcom.clearFaults();
    s.later();
    const out = await reconcileBooking(s.bookingId, { dryRun: false, runId: "r16-3a" }, s.deps);
    expect(kinds(out)).toEqual(["move-stuck"]);
    expect(await booking(s.bookingId)).toMatchObject({
      startTime: NEW_START,
      offeringId: "deep",
      reschedule: null,
      amountCents: 15_000,
      refundedCents: 0,
    });
    expect(await intervalsOf(s.coachId)).toEqual([NEW_START]);
  });

  it("regression #16.3: a paid move Cal.com no longer has room for is abandoned and its difference refunded", async () => {
    const s = await movingToDearer();
    standIns.calcom.failNext(1_000, 503, "createBooking");
    await s.payDifference(true);
    for (let i = 0; i < 3; i++) await runBookingEffects(s.bookingId, s.deps);
    standIns.calcom.clearFaults();
    standIns.calcom.seedBooking({ eventTypeId: s.deepEventTypeId, start: NEW_START, status: "accepted" });
    s.later();
    const out = await reconcileBooking(s.bookingId, { dryRun: false, runId: "r16-3a2" }, s.deps);
    expect(kinds(out)).toEqual(["move-stuck"]);
    expect(await booking(s.bookingId)).toMatchObject({
      startTime: START,
      offeringId: "sixty",
      reschedule: null,
      amountCents: 15_000,
      refundedCents: 5_000,
      refundsOwed: [],
    });
    expect(await intervalsOf(s.coachId)).toEqual([START]);
  });

  it("regression #16.3: a paid booking rejected in Cal.com while the webhook was lost is cancelled as the coach's and refunded in full", async () => {
    const s = await setup();
    const client = new CalcomClient({ baseUrl: standIns.calcom.url, baseDelayMs: 5, maxDelayMs: 20 });
    standIns.calcom.failNext(1_000, 503, "confirmBooking");
    await payAndConfirm(s.bookingId, standIns.stripe, s.deps);
    standIns.calcom.clearFaults();
    await calcomApi.declineBooking(
      client,
      standIns.calcom.orgAdminKey,
      (await booking(s.bookingId)).calcomBookingUid ?? "",
      "Not available",
    );
    s.later();
    const out = await reconcileBooking(s.bookingId, { dryRun: false, runId: "r16-3b" }, s.deps);
    expect(out.drifts).toEqual([{ kind: "cancelled-in-calcom", by: "coach", calcomStatus: "rejected" }]);
    expect(await booking(s.bookingId)).toMatchObject({
      status: "cancelled",
      paymentStatus: "refunded",
      refundedCents: 10_000,
      calcomStatus: "rejected",
      cancellation: { by: "coach" },
    });
    expect(kinds(await reconcileBooking(s.bookingId, { dryRun: false, runId: "r16-3b2" }, s.deps))).toEqual([]);
  });

  it("regression #16.3: confirming a booking Cal.com has rejected cancels it as the coach's, without counting attempts", async () => {
    const s = await setup();
    const client = new CalcomClient({ baseUrl: standIns.calcom.url, baseDelayMs: 5, maxDelayMs: 20 });
    await calcomApi.declineBooking(
      client,
      standIns.calcom.orgAdminKey,
      (await booking(s.bookingId)).calcomBookingUid ?? "",
      "Not available",
    );
    await payAndConfirm(s.bookingId, standIns.stripe, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    const b = await booking(s.bookingId);
    expect(b).toMatchObject({
      status: "cancelled",
      paymentStatus: "refunded",
      refundedCents: 10_000,
      calcomStatus: "rejected",
      cancellation: { by: "coach" },
    });
    expect(b.sideEffectAttempts["calcom-confirm"] ?? 0).toBe(0);
  });

  it("regression #16.3: a cancel that failed 3 times in Cal.com is retried with a fresh budget", async () => {
    const s = await setup();
    await payAndConfirm(s.bookingId, standIns.stripe, s.deps);
    standIns.calcom.failNext(1_000, 503, "cancelBooking");
    await cancelBooking({ bookingId: s.bookingId, reason: "Coach unwell" }, { uid: s.coachId, isAdmin: false }, s.deps);
    for (let i = 0; i < 3; i++) await runBookingEffects(s.bookingId, s.deps);
    const uid = (await booking(s.bookingId)).calcomBookingUid ?? "";
    expect(standIns.calcom.booking(uid)?.status).toBe("accepted");
    standIns.calcom.clearFaults();
    s.later();
    const out = await reconcileBooking(s.bookingId, { dryRun: false, runId: "r16-3c" }, s.deps);
    expect(kinds(out)).toEqual(["release-undone"]);
    expect(standIns.calcom.booking(uid)?.status).toBe("cancelled");
    expect(await booking(s.bookingId)).toMatchObject({ calcomStatus: "cancelled" });
  });

  it("regression #16.3: a move awaiting payment whose expiry event was lost frees its slot; one paid meanwhile is carried out", async () => {
    const s = await movingToDearer();
    const expiresAt = Date.parse((await booking(s.bookingId)).reschedule?.holdExpiresAt ?? "");
    s.clock.now = new Date(expiresAt + 3 * MINUTE);
    const out = await reconcileBooking(s.bookingId, { dryRun: false, runId: "r16-3d" }, s.deps);
    expect(kinds(out)).toEqual(["move-hold-expired"]);
    expect(await booking(s.bookingId)).toMatchObject({ startTime: START, reschedule: null, amountCents: 10_000 });
    expect(standIns.stripe.sessions.get(s.sessionId)?.status).toBe("expired");
    expect(await intervalsOf(s.coachId)).toEqual([START]);

    const p = await movingToDearer();
    await p.payDifference(false);
    const paidExpiry = Date.parse((await booking(p.bookingId)).reschedule?.holdExpiresAt ?? "");
    p.clock.now = new Date(paidExpiry + 3 * MINUTE);
    expect(kinds(await reconcileBooking(p.bookingId, { dryRun: false, runId: "r16-3d2" }, p.deps))).toEqual(["move-hold-expired"]);
    expect(await booking(p.bookingId)).toMatchObject({ startTime: NEW_START, offeringId: "deep", reschedule: null, amountCents: 15_000 });
  });
});

describe("regression #16.16: a move made in Cal.com whose webhook was lost is followed, never taken for a cancellation", () => {
  const NEW_START = "2030-01-07T11:00:00.000Z";

  /** A paid, confirmed booking the coach moves in Cal.com itself; its BOOKING_RESCHEDULED never reaches us. */
  async function movedByCoachInCalcom() {
    const s = await setup();
    await payAndConfirm(s.bookingId, standIns.stripe, s.deps);
    const oldUid = (await booking(s.bookingId)).calcomBookingUid ?? "";
    const client = new CalcomClient({ baseUrl: standIns.calcom.url, baseDelayMs: 5, maxDelayMs: 20 });
    const moved = await calcomApi.rescheduleBooking(client, standIns.calcom.orgAdminKey, oldUid, {
      start: "2030-01-07T11:00:00Z",
      rescheduledBy: `${s.coachId}@example.com`,
      reschedulingReason: "Coach moved it",
    });
    return { ...s, oldUid, newUid: moved.uid };
  }

  async function expectFollowed(s: Awaited<ReturnType<typeof movedByCoachInCalcom>>) {
    expect(await booking(s.bookingId)).toMatchObject({
      status: "confirmed",
      paymentStatus: "paid",
      refundedCents: 0,
      startTime: NEW_START,
      endTime: "2030-01-07T12:00:00.000Z",
      calcomBookingUid: s.newUid,
      calcomStatus: "accepted",
      previousCalcomBookingUids: [s.oldUid],
      cancellation: null,
      escalations: [],
    });
    expect(standIns.stripe.refunds.size).toBe(0);
    expect(standIns.calcom.booking(s.newUid)?.status).toBe("accepted");
    expect(standIns.calcom.booking(s.oldUid)?.status).toBe("cancelled");
  }

  it("regression #16.16: reconcileBooking follows the coach's move: new time and uid, still confirmed and paid, no refund", async () => {
    const s = await movedByCoachInCalcom();
    s.later();
    const out = await reconcileBooking(s.bookingId, { dryRun: false, runId: "r16-16a" }, s.deps);
    expect(out.drifts).toEqual([{ kind: "moved-in-calcom", fromUid: s.oldUid, toUid: s.newUid, by: "coach" }]);
    await expectFollowed(s);
    expect(kinds(await reconcileBooking(s.bookingId, { dryRun: false, runId: "r16-16a2" }, s.deps))).toEqual([]);
    await expectFollowed(s);
  });

  it("regression #16.16: the scheduled pass follows it too, and does not cancel the new Cal.com booking as an orphan", async () => {
    const s = await movedByCoachInCalcom();
    // Poll Cal.com from 48 h back, whatever an earlier test's pass left as its cursor.
    await getDb().collection("system").doc("reconciliation").delete();
    s.later();
    const run = await reconcileRecent({ dryRun: false }, s.deps);
    expect(run.orphanCalcomBookings).toEqual([]);
    expect(run.bookings.find((b) => b.bookingId === s.bookingId)?.drifts.map((d) => d.kind)).toEqual(["moved-in-calcom"]);
    await expectFollowed(s);
    expect(standIns.calcom.callsTo("cancelBooking")).toHaveLength(0);
    const again = await reconcileRecent({ dryRun: false }, s.deps);
    expect(again.orphanCalcomBookings).toEqual([]);
    await expectFollowed(s);
  });
});

describe("a hold released before its payment's event arrived", () => {
  it("regression #16.24: the payment made meanwhile, its event lost, is found by the scheduled pass, recorded as late and refunded in full", async () => {
    const s = await setup();
    standIns.stripe.pay((await booking(s.bookingId)).stripeCheckoutSessionId ?? ""); // no webhook reaches us
    // The student lets the hold go (or it expires) before we hear of the payment.
    await cancelBooking({ bookingId: s.bookingId, reason: "Changed my mind" }, s.student, s.deps);
    expect(await booking(s.bookingId)).toMatchObject({ status: "cancelled", paymentStatus: "pending" });
    s.later();
    await reconcileRecent({ dryRun: false }, s.deps);
    const paymentIntentId = (await booking(s.bookingId)).stripePaymentIntentId ?? "";
    expect(await booking(s.bookingId)).toMatchObject({
      status: "cancelled",
      paymentStatus: "refunded",
      refundedCents: 10_000,
      cancellation: { tier: "late-payment" },
    });
    expect([...standIns.stripe.refunds.values()].filter((r) => r.payment_intent === paymentIntentId).map((r) => r.amount)).toEqual([
      10_000,
    ]);
  });
});

describe("a dispute whose closing event never came", () => {
  it("regression #16.26: reconciliation re-reads a dispute still open here, records it won, and the refund it held back is made", async () => {
    const s = await setup();
    await payAndConfirm(s.bookingId, standIns.stripe, s.deps);
    const paymentIntentId = (await booking(s.bookingId)).stripePaymentIntentId ?? "";
    const opened = standIns.stripe.openDispute(paymentIntentId);
    await applyStripeEvent(
      { id: uniqueId("evt"), type: "charge.dispute.created", data: { object: opened } } as unknown as Stripe.Event,
      s.deps,
    );
    // The coach cancels: the full refund waits for the dispute; Stripe's closing event is lost.
    await cancelBooking({ bookingId: s.bookingId, reason: "Coach unwell" }, { uid: s.coachId, isAdmin: false }, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    standIns.stripe.closeDispute(opened.id, "won");
    s.later();
    const out = await reconcileBooking(s.bookingId, { dryRun: false, runId: uniqueId("r") }, s.deps);
    expect(kinds(out)).toContain("dispute-stale");
    expect(await booking(s.bookingId)).toMatchObject({
      status: "cancelled",
      paymentStatus: "refunded",
      refundedCents: 10_000,
      disputedCents: 0,
      disputes: [{ id: opened.id, status: "won", fundsWithdrawn: false }],
    });
    expect([...standIns.stripe.refunds.values()].filter((r) => r.payment_intent === paymentIntentId).map((r) => r.amount)).toEqual([
      10_000,
    ]);
  });
});
