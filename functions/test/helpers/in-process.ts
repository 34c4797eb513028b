import type Stripe from "stripe";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { syncAvailability } from "../../src/features/availability/availability.service.js";
import { runBookingEffects } from "../../src/features/bookings/booking-effects.js";
import { saveOffering, syncOfferingEventTypes } from "../../src/features/offerings/offerings.service.js";
import { applyStripeEvent } from "../../src/features/payments/stripe-events.js";
import type { Dependencies } from "../../src/shared/dependencies.js";
import { bookingDoc, coachDoc } from "../../src/shared/firestore.js";
import { FakeCalcom } from "../stand-ins/fake-calcom.server.js";
import { FakeStripe } from "../stand-ins/fake-stripe.server.js";
import { initAdminFor, uniqueId } from "./admin.js";
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

/** A coach synced (Monday 08:00-12:00 UTC) with one 60-minute offering linked to its event type. */
export async function readyCoach(deps: Dependencies, offering: { priceCents: number; currency: string }): Promise<{ coachId: string; eventTypeId: number }> {
  const coachId = uniqueId("coach");
  const coach = { uid: coachId, isAdmin: false };
  await syncAvailability({ coachId, availability: { timeZone: "UTC", slots: [{ day: "monday", startTime: "08:00", endTime: "12:00" }] } }, coach, deps);
  await saveOffering({ offering: { id: "sixty", title: "60 min", durationMinutes: 60, ...offering } }, coach);
  await syncOfferingEventTypes(coachId, deps);
  const eventTypeId = (await coachDoc(coachId).get()).data()?.customOfferings[0]?.calcomEventTypeId ?? 0;
  return { coachId, eventTypeId };
}

/** Pays a booking's session in the stand-in, records the event, and runs the trigger's work. */
export async function payAndConfirm(bookingId: string, stripe: FakeStripe, deps: Dependencies): Promise<void> {
  const session = stripe.pay((await bookingDoc(bookingId).get()).data()?.stripeCheckoutSessionId ?? "");
  await applyStripeEvent({ id: uniqueId("evt"), type: "checkout.session.completed", data: { object: stripe.sessionOut(session) } } as unknown as Stripe.Event, deps);
  await runBookingEffects(bookingId, deps);
}
