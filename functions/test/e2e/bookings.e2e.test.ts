import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Booking } from "../../src/domain/booking.js";
import type { AvailableSlotsOut } from "../../src/features/availability/availability.schemas.js";
import { bookingDoc, getDb } from "../../src/shared/firestore.js";
import { initAdminFor } from "../helpers/admin.js";
import { expectLedgersBalanced } from "../helpers/ledger.js";
import { callCallable, functionsBaseUrl } from "../helpers/call-callable.js";
import { coachWithOfferings, newUser, ok } from "../helpers/scenario.js";
import { waitFor } from "../helpers/wait-for.js";
import { startLocalStandIns, type LocalStandIns } from "../helpers/e2e-stand-ins.js";
import type { FakeCalcom } from "../stand-ins/fake-calcom.server.js";
import type { FakeStripe } from "../stand-ins/fake-stripe.server.js";
import { stripeTestSignature } from "../../src/integrations/stripe/stripe-webhook.js";

// Both stand-ins listen on the fixed loopback ports of functions/.env.local; the Stripe stand-in
// delivers its signed events to the emulated stripeWebhook with the secret of .secret.local.
const WEBHOOK_SECRET = "whsec_standin_webhook_secret";
const webhookUrl = () => `${functionsBaseUrl()}/stripeWebhook`;
let calcom: FakeCalcom;
let stripe: FakeStripe;
let standIns: LocalStandIns;

beforeAll(async () => {
  initAdminFor(process.env.GCLOUD_PROJECT ?? "demo-coachify");
  ({ calcom, stripe } = standIns = await startLocalStandIns());
});
afterAll(async () => {
  await standIns.stop();
});
afterEach(async () => {
  expect(calcom.violations).toEqual([]);
  await expectLedgersBalanced(stripe);
  calcom.clearFaults();
});

interface Created {
  bookingId: string;
  checkoutUrl: string;
}

const MONDAY_9 = { startTime: "2030-01-07T08:00:00.000Z", endTime: "2030-01-07T09:00:00.000Z" }; // 09:00 Paris

async function readBooking(id: string): Promise<Booking> {
  const booking = (await bookingDoc(id).get()).data();
  if (!booking) throw new Error(`booking ${id} missing`);
  return booking;
}

function bookingWhere(id: string, predicate: (b: Booking) => boolean, what: string, timeoutMs?: number) {
  return waitFor(
    async () => {
      const b = await readBooking(id);
      return predicate(b) ? b : undefined;
    },
    what,
    timeoutMs,
  );
}

async function bookedAndHeld() {
  const { coach, sixty, thirty } = await coachWithOfferings();
  const student = await newUser("student");
  const created = await ok<Created>(
    "createBooking",
    { coachId: coach.uid, eventTypeId: sixty, offeringId: "sixty", userId: student.uid, timeZone: "America/New_York", ...MONDAY_9 },
    student.idToken,
  );
  const booking = await readBooking(created.bookingId);
  return { coach, student, sixty, thirty, created, booking };
}

/**
 * The Functions emulator runs each concurrent request in its own worker process, and 20 workers
 * cold-starting at once on a 2-core machine can miss the emulator's load deadline. Warm the pool
 * with rounds of cheap, refused calls until one round is answered in full, so the concurrency
 * tests measure our reservation, not the emulator's process start-up.
 */
async function warmWorkers(name: string, count: number, idToken: string): Promise<void> {
  for (let round = 0; round < 6; round++) {
    const results = await Promise.all(Array.from({ length: count }, () => callCallable(name, { warmUp: true }, idToken)));
    if (results.every((r) => !r.ok && r.error.status === "INVALID_ARGUMENT")) return;
  }
}

async function post(rawBody: string, signature: string | null) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== null) headers["stripe-signature"] = signature;
  return fetch(webhookUrl(), { method: "POST", headers, body: rawBody });
}

describe("a paid booking, end to end", () => {
  it("holds the slot in Cal.com, takes payment through Checkout, and confirms on the signed webhook", async () => {
    const { coach, student, created, booking } = await bookedAndHeld();
    expect(created.checkoutUrl).toMatch(/^https:\/\/checkout\.stripe\.com\//);
    expect(booking).toMatchObject({
      status: "requested",
      paymentStatus: "pending",
      amountCents: 6_000,
      currency: "eur",
      userId: student.uid,
      coachId: coach.uid,
    });
    const calcomBooking = calcom.booking(booking.calcomBookingUid ?? "");
    expect(calcomBooking).toMatchObject({ status: "pending", metadata: { bookingId: created.bookingId }, id: booking.calcomBookingId });
    const session = stripe.sessions.get(booking.stripeCheckoutSessionId ?? "");
    expect(session).toMatchObject({
      amount_total: 6_000,
      currency: "eur",
      metadata: { bookingId: created.bookingId },
      client_reference_id: created.bookingId,
    });

    stripe.pay(session?.id ?? "");
    const confirmed = await bookingWhere(created.bookingId, (b) => b.status === "confirmed", "the booking to be confirmed");
    expect(confirmed).toMatchObject({
      status: "confirmed",
      paymentStatus: "paid",
      calcomStatus: "accepted",
      stripePaymentIntentId: session?.payment_intent,
    });
    expect(calcom.booking(booking.calcomBookingUid ?? "")?.status).toBe("accepted");

    const notes = await getDb().collection("notifications").where("bookingId", "==", created.bookingId).get();
    expect(notes.docs.map((d) => String(d.get("recipientId"))).sort()).toEqual([coach.uid, student.uid].sort());
    const audit = await getDb().collection(`bookings/${created.bookingId}/events`).get();
    expect(audit.docs.map((d) => String(d.get("type"))).sort()).toEqual(["confirmed", "payment-received"]);
    const ledger = await getDb().collection(`bookings/${created.bookingId}/ledger`).get();
    expect(ledger.docs.map((d) => d.data())).toMatchObject([{ kind: "captured", amountCents: 6_000, currency: "eur" }]);
  });

  it("gives one live booking to 20 concurrent requests for the same slot", async () => {
    const { coach, sixty } = await coachWithOfferings();
    const students = await Promise.all(Array.from({ length: 20 }, () => newUser("student")));
    await warmWorkers("createBooking", 20, students[0]?.idToken ?? "");
    const results = await Promise.all(
      students.map((s) =>
        callCallable<Created>(
          "createBooking",
          { coachId: coach.uid, eventTypeId: sixty, offeringId: "sixty", userId: s.uid, ...MONDAY_9 },
          s.idToken,
        ),
      ),
    );
    const wins = results.filter((r) => r.ok);
    expect(wins).toHaveLength(1);
    for (const r of results) if (!r.ok) expect(["ALREADY_EXISTS", "FAILED_PRECONDITION"]).toContain(r.error.status);
    const live = await getDb()
      .collection("bookings")
      .where("coachId", "==", coach.uid)
      .where("status", "in", ["requested", "confirmed"])
      .get();
    expect(live.size).toBe(1);
    expect(calcom.listBookings().filter((b) => b.eventTypeId === sixty)).toHaveLength(1);
    expect([...stripe.sessions.values()].filter((s) => s.metadata.bookingId === live.docs[0]?.id)).toHaveLength(1);
  }, 180_000);

  it("gives one live booking to 20 concurrent requests for overlapping slots of two offerings", async () => {
    const { coach, sixty, thirty } = await coachWithOfferings();
    const students = await Promise.all(Array.from({ length: 20 }, () => newUser("student")));
    await warmWorkers("createBooking", 20, students[0]?.idToken ?? "");
    const results = await Promise.all(
      students.map((s, i) =>
        i % 2 === 0
          ? callCallable<Created>(
              "createBooking",
              { coachId: coach.uid, eventTypeId: sixty, offeringId: "sixty", userId: s.uid, ...MONDAY_9 },
              s.idToken,
            )
          : callCallable<Created>(
              "createBooking",
              {
                coachId: coach.uid,
                eventTypeId: thirty,
                offeringId: "thirty",
                userId: s.uid,
                startTime: "2030-01-07T08:30:00.000Z",
                endTime: "2030-01-07T09:00:00.000Z",
              },
              s.idToken,
            ),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results) if (!r.ok) expect(["ALREADY_EXISTS", "FAILED_PRECONDITION"]).toContain(r.error.status);
    const live = await getDb()
      .collection("bookings")
      .where("coachId", "==", coach.uid)
      .where("status", "in", ["requested", "confirmed"])
      .get();
    expect(live.size).toBe(1);
    const hostBookings = calcom
      .listBookings()
      .filter((b) => (b.eventTypeId === sixty || b.eventTypeId === thirty) && b.status !== "cancelled");
    expect(hostBookings).toHaveLength(1);
  }, 180_000);

  it("confirms once when the same checkout.session.completed arrives five times, some at once", async () => {
    const { created, booking } = await bookedAndHeld();
    stripe.dropNextWebhooks(2); // Stripe's own deliveries of completed and payment_intent.succeeded
    const session = stripe.pay(booking.stripeCheckoutSessionId ?? "");
    const confirmsBefore = calcom.callsTo("confirmBooking").length;
    const event = stripe.signedEvent("checkout.session.completed", stripe.sessionOut(session), WEBHOOK_SECRET);
    const concurrent = await Promise.all([
      post(event.rawBody, event.signature),
      post(event.rawBody, event.signature),
      post(event.rawBody, event.signature),
    ]);
    const sequential = [await post(event.rawBody, event.signature), await post(event.rawBody, event.signature)];
    for (const res of [...concurrent, ...sequential]) expect(res.status).toBe(200);
    const outcomes = await Promise.all([...concurrent, ...sequential].map(async (r) => ((await r.json()) as { outcome: string }).outcome));
    expect(outcomes.filter((o) => o === "processed")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "duplicate")).toHaveLength(4);

    await bookingWhere(created.bookingId, (b) => b.status === "confirmed", "the booking to be confirmed");
    await new Promise((r) => setTimeout(r, 1_500)); // let any stray trigger run finish
    expect(calcom.callsTo("confirmBooking").length - confirmsBefore).toBe(1);
    const notes = await getDb().collection("notifications").where("bookingId", "==", created.bookingId).get();
    expect(notes.size).toBe(2);
    const payments = (await getDb().collection(`bookings/${created.bookingId}/events`).get()).docs.filter(
      (d) => d.get("type") === "payment-received",
    );
    expect(payments).toHaveLength(1);
  });

  it.each([
    ["a bad signature", (raw: string) => stripeTestSignature(raw, "whsec_wrong")],
    ["no signature", () => null],
    ["a stale timestamp", (raw: string) => stripeTestSignature(raw, WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 3_600)],
  ])("answers 400 and writes nothing for %s", async (_label, sign) => {
    const { created, booking } = await bookedAndHeld();
    stripe.dropNextWebhooks(2);
    const session = stripe.pay(booking.stripeCheckoutSessionId ?? "");
    const event = stripe.signedEvent("checkout.session.completed", stripe.sessionOut(session), WEBHOOK_SECRET);
    const res = await post(event.rawBody, sign(event.rawBody));
    expect(res.status).toBe(400);
    expect((await getDb().doc(`webhookEvents/stripe_${event.eventId}`).get()).exists).toBe(false);
    expect(await readBooking(created.bookingId)).toMatchObject({ status: "requested", paymentStatus: "pending" });
    // The same event, properly signed, is still applied afterwards.
    expect((await post(event.rawBody, stripeTestSignature(event.rawBody, WEBHOOK_SECRET))).status).toBe(200);
    await bookingWhere(created.bookingId, (b) => b.status === "confirmed", "the booking to be confirmed");
  });

  it("releases the hold when the session expires, freeing the slot", async () => {
    const { coach, student, sixty, created, booking } = await bookedAndHeld();
    const slotsWhileHeld = await ok<AvailableSlotsOut>(
      "getAvailableSlots",
      { coachId: coach.uid, eventTypeId: sixty, dateFrom: "2030-01-07", dateTo: "2030-01-07" },
      student.idToken,
    );
    expect(slotsWhileHeld.slots.map((s) => s.localStart)).not.toContain("09:00");

    stripe.expire(booking.stripeCheckoutSessionId ?? "");
    const released = await bookingWhere(
      created.bookingId,
      (b) => b.status === "cancelled" && b.calcomStatus === "cancelled",
      "the hold to be released",
    );
    expect(released).toMatchObject({
      status: "cancelled",
      paymentStatus: "pending",
      cancellation: { by: "system", reason: "Payment not completed in time" },
    });
    expect(calcom.booking(booking.calcomBookingUid ?? "")).toMatchObject({
      status: "cancelled",
      cancellationReason: "Payment not completed in time",
    });
    const slots = await ok<AvailableSlotsOut>(
      "getAvailableSlots",
      { coachId: coach.uid, eventTypeId: sixty, dateFrom: "2030-01-07", dateTo: "2030-01-07" },
      student.idToken,
    );
    expect(slots.slots.map((s) => s.localStart)).toContain("09:00");
  });

  it("refunds in full a payment that completes after its hold was released", async () => {
    const { created, booking } = await bookedAndHeld();
    // The hold is released (our expiry ran) while the student was still on the payment page.
    stripe.expire(booking.stripeCheckoutSessionId ?? "");
    await bookingWhere(created.bookingId, (b) => b.status === "cancelled", "the hold to be released");
    // Stripe still completes the payment (reported for sessions expired through the API).
    const session = stripe.sessions.get(booking.stripeCheckoutSessionId ?? "")!;
    session.status = "open";
    stripe.pay(session.id);
    const refunded = await bookingWhere(created.bookingId, (b) => b.paymentStatus === "refunded", "the late payment to be refunded");
    expect(refunded).toMatchObject({ status: "cancelled", refundedCents: 6_000 });
    expect([...stripe.refunds.values()].filter((r) => r.payment_intent === refunded.stripePaymentIntentId).map((r) => r.amount)).toEqual([
      6_000,
    ]);
  });
});

describe("Cal.com confirmation failures", () => {
  it("ends confirmed when Cal.com answers 503 twice then succeeds", async () => {
    const { created, booking } = await bookedAndHeld();
    calcom.failNext(2, 503, "confirmBooking");
    stripe.pay(booking.stripeCheckoutSessionId ?? "");
    const confirmed = await bookingWhere(created.bookingId, (b) => b.status === "confirmed", "the booking to be confirmed");
    expect(confirmed.calcomStatus).toBe("accepted");
  });

  it("keeps the booking paid and marked for reconciliation when Cal.com fails for good, without charging twice", async () => {
    const { coach, created, booking } = await bookedAndHeld();
    calcom.failNext(1_000, 503, "confirmBooking");
    stripe.pay(booking.stripeCheckoutSessionId ?? "");
    const stuck = await bookingWhere(
      created.bookingId,
      (b) => b.needsReconciliation,
      "the booking to be marked for reconciliation",
      40_000,
    );
    expect(stuck).toMatchObject({
      status: "requested",
      paymentStatus: "paid",
      lastError: { action: "calcom-confirm", code: "upstream/unavailable" },
    });
    expect([...stripe.paymentIntents.values()].filter((pi) => pi.metadata.bookingId === created.bookingId)).toHaveLength(1);
    expect([...stripe.refunds.values()].filter((r) => r.payment_intent === stuck.stripePaymentIntentId)).toHaveLength(0);

    // Once Cal.com is back, the coach confirms it by hand.
    calcom.clearFaults();
    const out = await ok<{ status: string }>(
      "confirmBooking",
      { bookingId: created.bookingId, calcomBookingId: booking.calcomBookingId },
      coach.idToken,
    );
    expect(out.status).toBe("confirmed");
  }, 60_000);
});

describe("cancelBooking through the Functions emulator", () => {
  it("refunds the student in full when the coach cancels, through the deployed trigger", async () => {
    const { coach, created, booking } = await bookedAndHeld();
    stripe.pay(booking.stripeCheckoutSessionId ?? "");
    await bookingWhere(created.bookingId, (b) => b.status === "confirmed", "the booking to be confirmed");
    const out = await ok<{ refundCents: number; tier: string }>(
      "cancelBooking",
      { bookingId: created.bookingId, reason: "Coach is ill" },
      coach.idToken,
    );
    expect(out).toMatchObject({ refundCents: 6_000, tier: "coach-cancellation" });
    const refunded = await bookingWhere(
      created.bookingId,
      (b) => b.paymentStatus === "refunded" && b.calcomStatus === "cancelled",
      "the refund and the Cal.com cancellation",
    );
    expect(refunded.refundedCents).toBe(6_000);
    expect([...stripe.refunds.values()].filter((r) => r.payment_intent === refunded.stripePaymentIntentId).map((r) => r.amount)).toEqual([
      6_000,
    ]);
    expect(calcom.booking(booking.calcomBookingUid ?? "")).toMatchObject({ status: "cancelled", cancellationReason: "Coach is ill" });
  });

  it("refuses an anonymous caller and a stranger", async () => {
    const { created } = await bookedAndHeld();
    const anonymous = await callCallable("cancelBooking", { bookingId: created.bookingId, reason: "x" });
    expect(anonymous.ok || anonymous.error.status).toBe("UNAUTHENTICATED");
    const stranger = await newUser("student");
    const res = await callCallable("cancelBooking", { bookingId: created.bookingId, reason: "x" }, stranger.idToken);
    expect(res.ok || res.error.status).toBe("PERMISSION_DENIED");
  });
});

describe("rescheduleBooking through the Functions emulator", () => {
  it("refunds a cheaper move's difference and completes a dearer move on payment, through the deployed trigger", async () => {
    const { coach, student, created, booking } = await bookedAndHeld();
    stripe.pay(booking.stripeCheckoutSessionId ?? "");
    await bookingWhere(created.bookingId, (b) => b.status === "confirmed", "the booking to be confirmed");

    // To the 30 min offering (35.00 instead of 60.00) at 10:00 Paris: 25.00 back.
    const cheaper = await ok<{ status: string; difference: { kind: string; amountCents: number } }>(
      "rescheduleBooking",
      {
        bookingId: created.bookingId,
        newOfferingId: "thirty",
        newStartTime: "2030-01-07T09:00:00.000Z",
        newEndTime: "2030-01-07T09:30:00.000Z",
        reason: "Shorter",
      },
      student.idToken,
    );
    expect(cheaper).toMatchObject({ status: "rescheduled", difference: { kind: "refund", amountCents: 2_500 } });
    const refunded = await bookingWhere(
      created.bookingId,
      (b) => b.refundedCents === 2_500 && b.calcomUidsToCancel.length === 0,
      "the difference refund and the old Cal.com booking's cancellation",
    );
    expect(refunded).toMatchObject({
      status: "confirmed",
      paymentStatus: "paid",
      offeringId: "thirty",
      startTime: "2030-01-07T09:00:00.000Z",
      previousCalcomBookingUids: [booking.calcomBookingUid],
    });
    expect(calcom.booking(booking.calcomBookingUid ?? "")?.status).toBe("cancelled");
    expect(calcom.booking(refunded.calcomBookingUid ?? "")?.status).toBe("accepted");

    // Back to 60 min at 11:00 Paris, moved by the coach: 25.00 to pay through Checkout first.
    const dearer = await ok<{ status: string; checkoutUrl: string; difference: { amountCents: number } }>(
      "rescheduleBooking",
      {
        bookingId: created.bookingId,
        newOfferingId: "sixty",
        newStartTime: "2030-01-07T10:00:00.000Z",
        newEndTime: "2030-01-07T11:00:00.000Z",
      },
      coach.idToken,
    );
    expect(dearer).toMatchObject({ status: "awaiting-payment", difference: { amountCents: 2_500 } });
    const waiting = await readBooking(created.bookingId);
    expect(waiting.startTime).toBe("2030-01-07T09:00:00.000Z");
    stripe.pay(waiting.reschedule?.checkoutSessionId ?? "");
    const moved = await bookingWhere(
      created.bookingId,
      (b) => b.reschedule === null && b.offeringId === "sixty" && b.calcomUidsToCancel.length === 0,
      "the paid move to complete",
    );
    expect(moved).toMatchObject({
      status: "confirmed",
      startTime: "2030-01-07T10:00:00.000Z",
      amountCents: 8_500,
      refundedCents: 2_500,
      calcomStatus: "accepted",
    });
    expect(moved.previousCalcomBookingUids).toHaveLength(2);
    expect(
      calcom
        .listBookings()
        .filter(
          (b) =>
            [booking.calcomBookingUid, ...moved.previousCalcomBookingUids, moved.calcomBookingUid].includes(b.uid) &&
            b.status !== "cancelled",
        )
        .map((b) => b.uid),
    ).toEqual([moved.calcomBookingUid]);
  }, 60_000);
});

describe("who may book and confirm", () => {
  it("refuses a booking made for another user", async () => {
    const { coach, sixty } = await coachWithOfferings();
    const student = await newUser("student");
    const other = await newUser("student");
    const res = await callCallable(
      "createBooking",
      { coachId: coach.uid, eventTypeId: sixty, offeringId: "sixty", userId: other.uid, ...MONDAY_9 },
      student.idToken,
    );
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.status).toBe("PERMISSION_DENIED");
  });

  it("refuses confirmation by the student, and of an unpaid booking by the coach", async () => {
    const { coach, student, created, booking } = await bookedAndHeld();
    const byStudent = await callCallable(
      "confirmBooking",
      { bookingId: created.bookingId, calcomBookingId: booking.calcomBookingId },
      student.idToken,
    );
    expect(byStudent.ok).toBe(false);
    if (!byStudent.ok) expect(byStudent.error.status).toBe("PERMISSION_DENIED");
    const unpaid = await callCallable(
      "confirmBooking",
      { bookingId: created.bookingId, calcomBookingId: booking.calcomBookingId },
      coach.idToken,
    );
    expect(unpaid.ok).toBe(false);
    if (!unpaid.ok) expect(unpaid.error.status).toBe("FAILED_PRECONDITION");
  });
});
