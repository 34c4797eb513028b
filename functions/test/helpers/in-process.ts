import type Stripe from "stripe";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { syncAvailability } from "../../src/features/availability/availability.service.js";
import { connectCalcomAccount } from "../../src/features/calcom-accounts/calcom-accounts.service.js";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { saveOffering } from "../../src/features/offerings/offerings.service.js";
import { syncOfferingEventTypes } from "../../src/core/event-types/event-type-sync.js";
import { rescheduleBooking } from "../../src/features/reschedules/reschedules.service.js";
import { applyStripeEvent, handleStripeWebhook } from "../../src/features/webhooks/stripe-webhook.endpoint.js";
import type { Dependencies } from "../../src/ports/dependencies.js";
import type { PushSender } from "../../src/ports/push.port.js";
import type { ReminderQueue } from "../../src/ports/reminder-queue.port.js";
import { bookingDoc, coachDoc } from "../../src/shared/firestore.js";
import { FakeCalcom } from "../stand-ins/fake-calcom.server.js";
import { FakeStripe } from "../stand-ins/fake-stripe.server.js";
import { initAdminFor, uniqueId } from "./admin.js";
import { testDependencies } from "./deps.js";
import { expectLedgersBalanced } from "./ledger.js";

/**
 * Both stand-ins on port 0 for an in-process test file, started once, reset after each test, and
 * the Cal.com contract and the money invariant (booking = ledger = Stripe) checked after each test. Read `.calcom` / `.stripe` inside tests.
 */
export function useStandIns(): { calcom: FakeCalcom; stripe: FakeStripe } {
  const standIns = {} as { calcom: FakeCalcom; stripe: FakeStripe };
  beforeAll(async () => {
    initAdminFor("demo-coachify-int");
    standIns.calcom = await FakeCalcom.start();
    standIns.stripe = await FakeStripe.start();
  });
  afterAll(async () => {
    await standIns.calcom.stop();
    await standIns.stripe.stop();
  });
  afterEach(async () => {
    expect(standIns.calcom.violations).toEqual([]);
    await expectLedgersBalanced(standIns.stripe);
    standIns.calcom.reset();
    standIns.stripe.reset();
  });
  return standIns;
}

/**
 * A coach synced (Monday 08:00-12:00 UTC) with one 60-minute offering linked to its event type;
 * with `connectedIn`, through their own Cal.com account made in that stand-in, else the organization.
 */
export async function readyCoach(
  deps: Dependencies,
  offering: { priceCents: number; currency: string },
  connectedIn?: FakeCalcom,
): Promise<{ coachId: string; eventTypeId: number }> {
  const coachId = uniqueId("coach");
  const coach = { uid: coachId, isAdmin: false };
  if (connectedIn) {
    const { apiKey } = connectedIn.addUser({ email: `${coachId}@example.com`, timeZone: "UTC" });
    await connectCalcomAccount({ apiKey }, coach, deps);
  }
  await syncAvailability(
    { coachId, availability: { timeZone: "UTC", slots: [{ day: "monday", startTime: "08:00", endTime: "12:00" }] } },
    coach,
    deps,
  );
  await saveOffering({ offering: { id: "sixty", title: "60 min", durationMinutes: 60, ...offering } }, coach);
  await syncOfferingEventTypes(coachId, deps);
  const eventTypeId = (await coachDoc(coachId).get()).data()?.customOfferings[0]?.calcomEventTypeId ?? 0;
  return { coachId, eventTypeId };
}

/** Pays a booking's session in the stand-in, records the event, and runs the trigger's work. */
export async function payAndConfirm(bookingId: string, stripe: FakeStripe, deps: Dependencies): Promise<void> {
  const session = stripe.pay((await bookingDoc(bookingId).get()).data()?.stripeCheckoutSessionId ?? "");
  await applyStripeEvent(
    { id: uniqueId("evt"), type: "checkout.session.completed", data: { object: stripe.sessionOut(session) } } as unknown as Stripe.Event,
    deps,
  );
  await runBookingEffects(bookingId, deps);
}

export type CalcomMode = "organization" | "connected";

export interface ConfirmedBookingOptions {
  /** How the coach is reached in Cal.com; the organization unless given. */
  mode?: CalcomMode;
  /** The booked `sixty` offering's price and currency; 100.00 EUR unless given. */
  price?: { priceCents: number; currency: string };
  /** Prices (in the same currency) of offerings saved beside it: `deep` (60 min) and `thirty` (30 min). */
  beside?: { deep?: number; thirty?: number };
  /** The session's interval; Monday 2030-01-07 09:00-10:00 UTC unless given. */
  startTime?: string;
  endTime?: string;
  /** Config for the dependencies, e.g. the webhook secrets a test signs with. */
  config?: { stripeWebhookSecret?: string; stripeConnectWebhookSecret?: string; calcomWebhookSecret?: string };
  /** Where pushes and reminders go (the dependencies' inert defaults unless given). */
  push?: PushSender;
  reminderQueue?: ReminderQueue;
}

/**
 * A coach ready, a student, and a booking of `sixty` created, paid and confirmed in both stand-ins,
 * with a clock the test moves (`clock.now`).
 */
export async function confirmedBooking(standIns: { calcom: FakeCalcom; stripe: FakeStripe }, options: ConfirmedBookingOptions = {}) {
  const { calcom, stripe } = standIns;
  const {
    mode = "organization",
    price = { priceCents: 10_000, currency: "eur" },
    beside = {},
    startTime = "2030-01-07T09:00:00.000Z",
    endTime = "2030-01-07T10:00:00.000Z",
    config = {},
    push,
    reminderQueue,
  } = options;
  const clock = { now: new Date() };
  const deps = testDependencies(calcom, {
    ...config,
    stripe,
    now: () => clock.now,
    ...(push ? { push } : {}),
    ...(reminderQueue ? { reminderQueue } : {}),
  });
  const { coachId, eventTypeId } = await readyCoach(deps, price, mode === "connected" ? calcom : undefined);
  const coach = { uid: coachId, isAdmin: false };
  if (beside.deep !== undefined)
    await saveOffering(
      { offering: { id: "deep", title: "Deep dive", durationMinutes: 60, priceCents: beside.deep, currency: price.currency } },
      coach,
    );
  if (beside.thirty !== undefined)
    await saveOffering(
      { offering: { id: "thirty", title: "Check-in", durationMinutes: 30, priceCents: beside.thirty, currency: price.currency } },
      coach,
    );
  if (beside.deep !== undefined || beside.thirty !== undefined) await syncOfferingEventTypes(coachId, deps);
  const studentId = uniqueId("student");
  const student = { uid: studentId, isAdmin: false };
  const { bookingId } = await createBooking(
    { coachId, eventTypeId, offeringId: "sixty", userId: studentId, startTime, endTime },
    student,
    deps,
  );
  await payAndConfirm(bookingId, stripe, deps);
  const b = (await bookingDoc(bookingId).get()).data();
  expect(b).toMatchObject({ status: "confirmed", paymentStatus: "paid", calcomStatus: "accepted" });
  return {
    deps,
    clock,
    coachId,
    eventTypeId,
    coach,
    studentId,
    student,
    bookingId,
    paymentIntentId: b?.stripePaymentIntentId ?? "",
    calcomUid: b?.calcomBookingUid ?? "",
  };
}

export type ConfirmedBooking = Awaited<ReturnType<typeof confirmedBooking>>;

/** The booking read through its schema; a test that expects one fails plainly when it is missing. */
export async function storedBooking(id: string) {
  const b = (await bookingDoc(id).get()).data();
  if (!b) throw new Error("missing booking");
  return b;
}

/** Posts the stand-in's signed Stripe event through the real webhook handler, which must accept it. */
export async function postSignedStripe(stripe: FakeStripe, secret: string, type: string, object: unknown, deps: Dependencies) {
  const signed = stripe.signedEvent(type, structuredClone(object), secret);
  const out = await handleStripeWebhook(
    {
      method: "POST",
      rawBody: Buffer.from(signed.rawBody),
      header: (n: string) => (n.toLowerCase() === "stripe-signature" ? signed.signature : undefined),
    } as never,
    deps,
  );
  expect(out.status).toBe(200);
  return out;
}

/** Moves a confirmed booking, as its student, to a dearer offering and pays the difference through Checkout (its signed event). */
export async function moveAndPay(
  stripe: FakeStripe,
  secret: string,
  s: ConfirmedBooking,
  to: { offeringId: string; start: string; end: string },
): Promise<void> {
  const out = await rescheduleBooking(
    {
      bookingId: s.bookingId,
      newStartTime: to.start,
      newEndTime: to.end,
      newOfferingId: to.offeringId,
      refundDifference: true,
      reason: "",
    },
    s.student,
    s.deps,
  );
  expect(out.status).toBe("awaiting-payment");
  const sessionId = (await storedBooking(s.bookingId)).reschedule?.checkoutSessionId ?? "";
  await postSignedStripe(stripe, secret, "checkout.session.completed", stripe.sessionOut(stripe.pay(sessionId)), s.deps);
  await runBookingEffects(s.bookingId, s.deps);
  expect(await storedBooking(s.bookingId)).toMatchObject({ reschedule: null, offeringId: to.offeringId });
}
