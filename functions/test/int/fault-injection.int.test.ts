import { PAYMENT_KINDS } from "../../src/domain/statement.js";
import { mkdirSync, writeFileSync } from "node:fs";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { cancelBooking } from "../../src/features/cancellations/cancellations.service.js";
import { cancellationRefundTarget } from "../../src/domain/cancellation-decision.js";
import { reconcileBooking, reconcileRecent } from "../../src/features/reconciliation/reconciliation.service.js";
import { rescheduleBooking } from "../../src/features/reschedules/reschedules.service.js";
import { handleCalcomWebhook } from "../../src/features/webhooks/calcom-webhook.endpoint.js";
import { applyStripeEvent, handleStripeWebhook } from "../../src/features/webhooks/stripe-webhook.endpoint.js";
import { calcomApi } from "../../src/integrations/calcom/calcom-api.js";
import { CalcomClient } from "../../src/integrations/calcom/calcom-client.js";
import { createStripeClient } from "../../src/integrations/stripe/stripe-client.js";
import { StripePaymentsGateway } from "../../src/integrations/stripe/stripe-payments.gateway.js";
import type { Dependencies } from "../../src/ports/dependencies.js";
import { bookingsCollection, getDb } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { testDependencies } from "../helpers/deps.js";
import { clearDatabase } from "../helpers/fingerprint.js";
import { readyCoach, useStandIns } from "../helpers/in-process.js";

/**
 * Fault injection: every side effect of every flow meets a far end that fails before acting, acts
 * and loses its answer, times out, or answers 429; triggers and webhooks arrive twice and out of
 * order. Each scenario is then left to what production has (the trigger's retries, the queue's,
 * reconciliation) and the invariants of docs/reliability.md ("Fault injection") are checked: one
 * live Cal.com booking per live booking, money captured = paid, refunded ≤ captured and exactly
 * what is owed (no refund twice), and Firestore, Cal.com, Stripe and the ledger agree. The figures go to
 * test-results/fault-injection.json, which the test command prints.
 */
const standIns = useStandIns();
const START = "2030-01-07T09:00:00.000Z";
const END = "2030-01-07T10:00:00.000Z";
const MINUTE = 60_000;
const CALCOM_SECRET = "calcom_test_secret";
const STRIPE_SECRET = "whsec_test_x";

interface Ctx {
  deps: Dependencies;
  clock: { now: Date };
  coachId: string;
  eventTypeId: number;
  student: { uid: string; isAdmin: boolean };
  coach: { uid: string; isAdmin: boolean };
  sessionsBefore: Set<string>;
}

const figures = { scenarios: 0, faultsInjected: 0, violations: [] as string[] };

beforeAll(async () => {
  await clearDatabase();
});

afterAll(() => {
  mkdirSync("test-results", { recursive: true });
  writeFileSync(
    "test-results/fault-injection.json",
    JSON.stringify(
      {
        scenarios: figures.scenarios,
        faultsInjected: figures.faultsInjected,
        violations: figures.violations.length,
        details: figures.violations,
      },
      null,
      2,
    ),
  );
  expect(figures.violations).toEqual([]);
});

async function fresh(): Promise<Ctx> {
  const clock = { now: new Date() };
  const base = testDependencies(standIns.calcom, {
    stripe: standIns.stripe,
    now: () => clock.now,
    calcomWebhookSecret: CALCOM_SECRET,
    stripeWebhookSecret: STRIPE_SECRET,
  });
  // A short Stripe timeout, so that a far end slower than it is a timeout here.
  const payments = new StripePaymentsGateway(
    createStripeClient({ secretKey: "sk_test_x", apiBaseUrl: standIns.stripe.url, timeoutMs: 500 }),
  );
  const deps = Object.assign(base, { payments: () => Promise.resolve(payments) });
  const { coachId, eventTypeId } = await readyCoach(deps, { priceCents: 10_000, currency: "eur" });
  return {
    deps,
    clock,
    coachId,
    eventTypeId,
    student: { uid: uniqueId("student"), isAdmin: false },
    coach: { uid: coachId, isAdmin: false },
    sessionsBefore: new Set(standIns.stripe.sessions.keys()),
  };
}

async function attempt<T>(work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch {
    return undefined; // the caller sees an error; what matters is what is left behind
  }
}

const book = (c: Ctx) =>
  attempt(() =>
    createBooking(
      { coachId: c.coachId, eventTypeId: c.eventTypeId, offeringId: "sixty", userId: c.student.uid, startTime: START, endTime: END },
      c.student,
      c.deps,
    ),
  );

async function bookingData(id: string) {
  const b = (await bookingsCollection().doc(id).get()).data();
  if (!b) throw new Error(`no booking ${id}`);
  return b;
}

function completedEvent(sessionId: string, eventId = uniqueId("evt")) {
  return {
    id: eventId,
    object: "event",
    type: "checkout.session.completed",
    data: { object: standIns.stripe.sessionOut(standIns.stripe.sessions.get(sessionId) ?? standIns.stripe.pay(sessionId)) },
  } as unknown as Stripe.Event;
}

/** The student pays and Stripe's event is recorded. */
async function pay(c: Ctx, id: string) {
  const sessionId = (await bookingData(id)).stripeCheckoutSessionId ?? "";
  standIns.stripe.pay(sessionId);
  await applyStripeEvent(completedEvent(sessionId), c.deps);
}

/** Runs the booking trigger as the platform does after each write, a few times. */
async function effects(c: Ctx, id: string, times = 3) {
  for (let i = 0; i < times; i++) await attempt(() => runBookingEffects(id, c.deps));
}

async function confirmed(c: Ctx): Promise<string> {
  const out = await book(c);
  if (!out) throw new Error("setup: booking failed");
  await pay(c, out.bookingId);
  await effects(c, out.bookingId, 1);
  return out.bookingId;
}

/** What production has after the fault: the trigger's retries, then reconciliation's passes. */
async function heal(c: Ctx) {
  const ids = (await bookingsCollection().where("coachId", "==", c.coachId).get()).docs.map((d) => d.id);
  for (const id of ids) await effects(c, id);
  c.clock.now = new Date(Math.max(Date.now(), c.clock.now.getTime()) + 11 * MINUTE);
  await getDb().collection("system").doc("reconciliation").delete();
  await reconcileRecent({ dryRun: false }, c.deps);
  for (const id of ids) await attempt(() => reconcileBooking(id, { dryRun: false, runId: uniqueId("heal") }, c.deps));
  for (const id of ids) await effects(c, id);
}

/**
 * The invariants of docs/reliability.md ("Fault injection") over every booking of the scenario's
 * coach; the violations, named.
 */
async function violations(c: Ctx): Promise<string[]> {
  const out: string[] = [];
  const docs = (await bookingsCollection().where("coachId", "==", c.coachId).get()).docs;
  const live = standIns.calcom
    .listBookings()
    .filter((x) => x.eventTypeId === c.eventTypeId && (x.status === "pending" || x.status === "accepted"));
  for (const doc of docs) {
    const b = doc.data();
    const id = doc.id;
    const mine = live.filter((x) => x.metadata.bookingId === id);
    const isLive = b.status === "requested" || b.status === "confirmed";
    if (mine.length !== (isLive ? 1 : 0)) out.push(`${id}: ${mine.length} live Cal.com bookings for a ${b.status} booking`);
    if (b.status === "confirmed" && (mine[0]?.status !== "accepted" || mine[0].uid !== b.calcomBookingUid || b.calcomStatus !== "accepted"))
      out.push(`${id}: confirmed here, not accepted in Cal.com (${mine[0]?.status ?? "none"})`);
    const pis = [...standIns.stripe.paymentIntents.values()].filter((pi) => pi.metadata.bookingId === id && pi.status === "succeeded");
    const captured = pis.reduce((s, pi) => s + pi.amount, 0);
    const recorded = b.charges.reduce((s, ch) => s + ch.amountCents, 0);
    if (b.paymentStatus !== "pending" && captured !== recorded) out.push(`${id}: captured ${captured} at Stripe, ${recorded} recorded`);
    if (b.paymentStatus === "pending" && captured > 0) out.push(`${id}: paid ${captured} at Stripe, pending here`);
    const refunds = [...standIns.stripe.refunds.values()].filter((r) => pis.some((pi) => pi.id === r.payment_intent));
    const refunded = refunds.reduce((s, r) => s + r.amount, 0);
    if (refunded > captured) out.push(`${id}: refunded ${refunded} of ${captured}`);
    if (refunded !== b.refundedCents) out.push(`${id}: ${refunded} refunded at Stripe, ${b.refundedCents} recorded`);
    const owed = b.status === "cancelled" ? cancellationRefundTarget(b) : 0;
    if (b.paymentStatus !== "pending" && refunded !== owed)
      out.push(`${id}: refunded ${refunded}, owed ${owed} (a refund twice, or one missing)`);
    if (b.status === "cancelled" && owed > 0 && b.paymentStatus !== "refunded")
      out.push(`${id}: cancelled and refunded, still ${b.paymentStatus}`);
    const ledger = await getDb().collection(`bookings/${id}/ledger`).get();
    // The payment entries: what Stripe holds (the payout kinds follow the money on to the coach).
    const inLedger = ledger.docs
      .filter((d) => (PAYMENT_KINDS as readonly string[]).includes(String(d.get("kind"))))
      .reduce((s, d) => s + Number(d.get("amountCents")), 0);
    if (b.paymentStatus !== "pending" && inLedger !== captured - refunded)
      out.push(`${id}: ledger ${inLedger}, Stripe holds ${captured - refunded}`);
  }
  const known = new Set(docs.map((d) => d.id));
  for (const x of live)
    if (!known.has(x.metadata.bookingId ?? "")) out.push(`Cal.com booking ${x.uid} is live and names no booking of ours`);
  for (const s of standIns.stripe.sessions.values()) {
    if (c.sessionsBefore.has(s.id) || s.status !== "open") continue;
    const owner = docs.find((d) => d.id === s.metadata.bookingId)?.data();
    const waits =
      owner &&
      ((owner.status === "requested" && owner.paymentStatus === "pending" && owner.stripeCheckoutSessionId === s.id) ||
        owner.reschedule?.checkoutSessionId === s.id);
    if (!waits) out.push(`Checkout Session ${s.id} is open and no booking waits on it`);
  }
  return out;
}

type Kind = "fails before acting" | "acts, answer lost" | "times out" | "answers 429";
const KINDS: Kind[] = ["fails before acting", "acts, answer lost", "times out", "answers 429"];

/** Injects one fault on a Cal.com operation (the client tries 4 times; a timed-out write is not retried). */
function calcomFault(kind: Kind, operationId: string) {
  if (kind === "fails before acting") standIns.calcom.failNext(4, 503, operationId);
  else if (kind === "acts, answer lost") standIns.calcom.loseNextResponses(1, operationId);
  else if (kind === "times out") standIns.calcom.timeoutNext(1, operationId);
  else standIns.calcom.rateLimitNext(1, 1, operationId);
}

/** Injects one fault on a Stripe route, on every attempt the SDK makes (1 + 2 retries). */
function stripeFault(kind: Kind, route: string) {
  if (kind === "fails before acting") standIns.stripe.failNext(3, 500, route);
  else if (kind === "acts, answer lost") standIns.stripe.loseNextResponses(3, route);
  else if (kind === "times out") standIns.stripe.slowNextResponses(3, 1_500, route);
  else standIns.stripe.failNext(3, 429, route);
}

async function scenario(name: string, run: (c: Ctx) => Promise<void>) {
  const before = standIns.calcom.faultsInjected + standIns.stripe.faultsInjected;
  const c = await fresh();
  await run(c);
  standIns.calcom.clearFaults();
  await heal(c);
  const found = await violations(c);
  figures.scenarios += 1;
  figures.faultsInjected += standIns.calcom.faultsInjected + standIns.stripe.faultsInjected - before;
  figures.violations.push(...found.map((v) => `${name}: ${v}`));
  expect(found, name).toEqual([]);
}

const SLOW = { timeout: 60_000 };

describe("fault injection: far-end faults on every side effect", () => {
  for (const kind of KINDS) {
    it(`create: Cal.com's booking ${kind}`, SLOW, () =>
      scenario(`create/calcom ${kind}`, async (c) => {
        calcomFault(kind, "createBooking");
        const out = await book(c);
        if (out) await pay(c, out.bookingId);
      }),
    );
    it(`create: Stripe's Checkout Session ${kind}`, SLOW, () =>
      scenario(`create/stripe ${kind}`, async (c) => {
        stripeFault(kind, "POST /v1/checkout/sessions");
        const out = await book(c);
        if (out) await pay(c, out.bookingId);
      }),
    );
    it(`confirm: Cal.com's confirm ${kind}`, SLOW, () =>
      scenario(`confirm/calcom ${kind}`, async (c) => {
        const out = await book(c);
        if (!out) throw new Error("setup");
        calcomFault(kind, "confirmBooking");
        await pay(c, out.bookingId);
        await effects(c, out.bookingId, 1);
      }),
    );
    it(`cancel: Cal.com's cancel ${kind}`, SLOW, () =>
      scenario(`cancel/calcom ${kind}`, async (c) => {
        const id = await confirmed(c);
        calcomFault(kind, "cancelBooking");
        await cancelBooking({ bookingId: id, reason: "Coach unwell" }, c.coach, c.deps);
        await effects(c, id, 1);
      }),
    );
    it(`refund: Stripe's refund ${kind}`, SLOW, () =>
      scenario(`refund/stripe ${kind}`, async (c) => {
        const id = await confirmed(c);
        stripeFault(kind, "POST /v1/refunds");
        // The student, 23 h before: half back. A partial refund is where a refund made twice would go through.
        c.clock.now = new Date(Date.parse(START) - 23 * 60 * MINUTE);
        await cancelBooking({ bookingId: id, reason: "Plans changed" }, c.student, c.deps);
        await effects(c, id, 1);
      }),
    );
    it(`reschedule: Cal.com's move ${kind}`, SLOW, () =>
      scenario(`reschedule/calcom ${kind}`, async (c) => {
        const id = await confirmed(c);
        calcomFault(kind, "rescheduleBooking");
        await attempt(() =>
          rescheduleBooking(
            {
              bookingId: id,
              newStartTime: "2030-01-07T11:00:00.000Z",
              newEndTime: "2030-01-07T12:00:00.000Z",
              refundDifference: true,
              reason: "Clash",
            },
            c.student,
            c.deps,
          ),
        );
        await effects(c, id, 1);
      }),
    );
  }
});

describe("fault injection: deliveries twice and out of order", () => {
  const stripeDelivery = (c: Ctx, event: Stripe.Event) => {
    const signed = standIns.stripe.signedEvent(event.type, (event.data as { object: unknown }).object, STRIPE_SECRET, {
      eventId: event.id,
    });
    return handleStripeWebhook(
      {
        method: "POST",
        rawBody: Buffer.from(signed.rawBody),
        header: (n: string) => (n.toLowerCase() === "stripe-signature" ? signed.signature : undefined),
      } as never,
      c.deps,
    );
  };
  const calcomDelivery = (c: Ctx, trigger: "BOOKING_CANCELLED" | "BOOKING_CREATED", uid: string) => {
    const signed = standIns.calcom.signedWebhook(trigger, uid, CALCOM_SECRET);
    return handleCalcomWebhook(
      {
        method: "POST",
        rawBody: Buffer.from(signed.rawBody),
        header: (n: string) => (n.toLowerCase() === "x-cal-signature-256" ? signed.signature : undefined),
      } as never,
      c.deps,
    );
  };

  it("the booking trigger runs twice at once, for the confirm and for the cancellation", SLOW, () =>
    scenario("trigger twice", async (c) => {
      const out = await book(c);
      if (!out) throw new Error("setup");
      await pay(c, out.bookingId);
      await Promise.all([runBookingEffects(out.bookingId, c.deps), runBookingEffects(out.bookingId, c.deps)]);
      await cancelBooking({ bookingId: out.bookingId, reason: "Plans changed" }, c.student, c.deps);
      await Promise.all([runBookingEffects(out.bookingId, c.deps), runBookingEffects(out.bookingId, c.deps)]);
    }),
  );

  it("Stripe's payment event twice, at once", SLOW, () =>
    scenario("stripe webhook twice", async (c) => {
      const out = await book(c);
      if (!out) throw new Error("setup");
      const sessionId = (await bookingData(out.bookingId)).stripeCheckoutSessionId ?? "";
      standIns.stripe.pay(sessionId);
      const event = completedEvent(sessionId);
      await Promise.all([stripeDelivery(c, event), stripeDelivery(c, event)]);
      await stripeDelivery(c, event);
      await effects(c, out.bookingId, 1);
    }),
  );

  it("Stripe's events out of order: a failed attempt's event after the payment's", SLOW, () =>
    scenario("stripe webhook out of order", async (c) => {
      const out = await book(c);
      if (!out) throw new Error("setup");
      const sessionId = (await bookingData(out.bookingId)).stripeCheckoutSessionId ?? "";
      const session = standIns.stripe.sessions.get(sessionId);
      standIns.stripe.pay(sessionId);
      await stripeDelivery(c, completedEvent(sessionId));
      const failed = {
        id: uniqueId("evt"),
        type: "payment_intent.payment_failed",
        data: { object: { id: "pi_test_earlier", object: "payment_intent", metadata: session?.payment_intent_metadata ?? {} } },
      } as unknown as Stripe.Event;
      await stripeDelivery(c, failed);
      await effects(c, out.bookingId, 1);
    }),
  );

  it("Cal.com's cancellation twice, at once", SLOW, () =>
    scenario("calcom webhook twice", async (c) => {
      const id = await confirmed(c);
      const uid = (await bookingData(id)).calcomBookingUid ?? "";
      await calcomApi.cancelBooking(new CalcomClient({ baseUrl: standIns.calcom.url }), null, uid, "Cannot make it");
      await Promise.all([calcomDelivery(c, "BOOKING_CANCELLED", uid), calcomDelivery(c, "BOOKING_CANCELLED", uid)]);
      await effects(c, id, 1);
    }),
  );

  it("Cal.com's events out of order: the confirmation arrives after the cancellation", SLOW, () =>
    scenario("calcom webhook out of order", async (c) => {
      const id = await confirmed(c);
      const uid = (await bookingData(id)).calcomBookingUid ?? "";
      await calcomApi.cancelBooking(new CalcomClient({ baseUrl: standIns.calcom.url }), standIns.calcom.orgAdminKey, uid, "Double-booked");
      await calcomDelivery(c, "BOOKING_CANCELLED", uid);
      await calcomDelivery(c, "BOOKING_CREATED", uid);
      await effects(c, id, 1);
    }),
  );

  it("Cal.com's cancellation is lost altogether: reconciliation finds it", SLOW, () =>
    scenario("calcom webhook lost", async (c) => {
      const id = await confirmed(c);
      const uid = (await bookingData(id)).calcomBookingUid ?? "";
      await calcomApi.cancelBooking(new CalcomClient({ baseUrl: standIns.calcom.url }), null, uid, "Cannot make it");
    }),
  );
});
