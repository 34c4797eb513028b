import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { syncAvailability } from "../../src/features/availability/availability.service.js";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { expireStaleHolds } from "../../src/core/effects/hold-expiry.js";
import { saveOffering } from "../../src/features/offerings/offerings.service.js";
import { syncOfferingEventTypes } from "../../src/core/event-types/event-type-sync.js";
import { bookingDoc, coachDoc, getDb } from "../../src/shared/firestore.js";
import { initAdminFor, uniqueId } from "../helpers/admin.js";
import { testDependencies } from "../helpers/deps.js";
import { FakeCalcom } from "../stand-ins/fake-calcom.server.js";
import { FakeStripe } from "../stand-ins/fake-stripe.server.js";

let calcom: FakeCalcom;
let stripe: FakeStripe;

beforeAll(async () => {
  initAdminFor("demo-coachify-int");
  calcom = await FakeCalcom.start();
  stripe = await FakeStripe.start();
});
afterAll(async () => {
  await calcom.stop();
  await stripe.stop();
});
afterEach(() => {
  expect(calcom.violations).toEqual([]);
  calcom.reset();
  stripe.reset();
});

const START = { startTime: "2030-01-07T08:00:00.000Z", endTime: "2030-01-07T09:00:00.000Z" };

async function coachReady(now?: () => Date) {
  const coachId = uniqueId("coach");
  const deps = testDependencies(calcom, { stripe, ...(now ? { now } : {}) });
  await syncAvailability(
    { coachId, availability: { timeZone: "Europe/Paris", slots: [{ day: "monday", startTime: "09:00", endTime: "12:00" }] } },
    { uid: coachId, isAdmin: false },
    deps,
  );
  await saveOffering(
    { offering: { id: "sixty", title: "60 min", durationMinutes: 60, priceCents: 6_000, currency: "eur" } },
    { uid: coachId, isAdmin: false },
  );
  await syncOfferingEventTypes(coachId, deps);
  const eventTypeId = (await coachDoc(coachId).get()).data()?.customOfferings[0]?.calcomEventTypeId ?? 0;
  return { coachId, eventTypeId, deps };
}

async function book(coachId: string, eventTypeId: number, deps: ReturnType<typeof testDependencies>) {
  const studentId = uniqueId("student");
  const out = await createBooking(
    { coachId, eventTypeId, offeringId: "sixty", userId: studentId, ...START },
    { uid: studentId, isAdmin: false },
    deps,
  );
  return { studentId, ...out };
}

describe("createBooking leaves nothing half-made", () => {
  it("releases the hold when Cal.com refuses the booking, and creates no session", async () => {
    const { coachId, eventTypeId, deps } = await coachReady();
    calcom.failNext(1, 400, "createBooking");
    const studentId = uniqueId("student");
    await expect(
      createBooking({ coachId, eventTypeId, offeringId: "sixty", userId: studentId, ...START }, { uid: studentId, isAdmin: false }, deps),
    ).rejects.toMatchObject({ code: "booking/slot-unavailable" });
    const bookings = await getDb().collection("bookings").where("coachId", "==", coachId).get();
    expect(bookings.docs.map((d) => `${String(d.get("status"))}/${String(d.get("paymentStatus"))}`)).toEqual(["cancelled/pending"]);
    expect(stripe.sessions.size).toBe(0);
    // The slot is free again for the next student.
    const next = await book(coachId, eventTypeId, deps);
    expect(next.checkoutUrl).toContain("checkout.stripe.com");
  });

  it("cancels the Cal.com booking and releases the hold when the Checkout Session cannot be made", async () => {
    const { coachId, eventTypeId, deps } = await coachReady();
    stripe.failNext(10, 500, "POST /v1/checkout/sessions");
    const studentId = uniqueId("student");
    await expect(
      createBooking({ coachId, eventTypeId, offeringId: "sixty", userId: studentId, ...START }, { uid: studentId, isAdmin: false }, deps),
    ).rejects.toMatchObject({ code: "upstream/unavailable" });
    expect(calcom.listBookings().map((b) => b.status)).toEqual(["cancelled"]);
    const [booking] = (await getDb().collection("bookings").where("coachId", "==", coachId).get()).docs;
    expect(booking?.data()).toMatchObject({ status: "cancelled", paymentStatus: "pending", calcomStatus: "cancelled" });
  });

  it("makes one Checkout Session per booking, whatever the retries (idempotency key)", async () => {
    const { coachId, eventTypeId, deps } = await coachReady();
    const { bookingId } = await book(coachId, eventTypeId, deps);
    const creates = stripe.requests.filter((r) => r.method === "POST" && r.path === "/v1/checkout/sessions");
    expect(creates.map((r) => r.idempotencyKey)).toEqual([`booking-${bookingId}-checkout`]);
  });

  it("freezes the cancellation policy in force at booking", async () => {
    const { coachId, eventTypeId, deps } = await coachReady();
    const { bookingId } = await book(coachId, eventTypeId, deps);
    expect((await bookingDoc(bookingId).get()).data()?.cancellationPolicy).toEqual({
      version: 1,
      tiers: [
        { minNoticeHours: 24, refundPercent: 100 },
        { minNoticeHours: 2, refundPercent: 50 },
        { minNoticeHours: 0, refundPercent: 0 },
      ],
    });
  });
});

describe("expireStaleHolds", () => {
  it("releases a hold past its expiry when Stripe's expiry event never came", async () => {
    let clock = Date.now();
    const { coachId, eventTypeId, deps } = await coachReady(() => new Date(clock));
    stripe.dropNextWebhooks(10);
    const { bookingId } = await book(coachId, eventTypeId, deps);
    // Holds other test files left behind may expire here; this one, still in its time, must not.
    await expireStaleHolds(deps);
    expect((await bookingDoc(bookingId).get()).data()).toMatchObject({ status: "requested", paymentStatus: "pending" });

    clock += 36 * 60_000; // past the 35-minute hold
    const counts = await expireStaleHolds(deps);
    expect(counts.released).toBeGreaterThanOrEqual(1);
    expect((await bookingDoc(bookingId).get()).data()).toMatchObject({
      status: "cancelled",
      paymentStatus: "pending",
      calcomStatus: "cancelled",
    });
    const sessionId = (await bookingDoc(bookingId).get()).data()?.stripeCheckoutSessionId ?? "";
    expect(stripe.sessions.get(sessionId)?.status).toBe("expired");
    // The slot is free again.
    await expect(book(coachId, eventTypeId, deps)).resolves.toBeDefined();
  });

  it("records the payment instead when the session was paid but the event was lost", async () => {
    let clock = Date.now();
    const { coachId, eventTypeId, deps } = await coachReady(() => new Date(clock));
    stripe.dropNextWebhooks(10);
    const { bookingId } = await book(coachId, eventTypeId, deps);
    stripe.pay((await bookingDoc(bookingId).get()).data()?.stripeCheckoutSessionId ?? "");
    clock += 36 * 60_000;
    const counts = await expireStaleHolds(deps);
    expect(counts.paid).toBeGreaterThanOrEqual(1);
    await runBookingEffects(bookingId, deps);
    expect((await bookingDoc(bookingId).get()).data()).toMatchObject({ status: "confirmed", paymentStatus: "paid" });
  });
});
