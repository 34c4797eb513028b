import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { handleStripeWebhook } from "../../src/features/webhooks/stripe-webhook.endpoint.js";
import { stripeTestSignature } from "../../src/integrations/stripe/stripe-webhook.js";
import { bookingDoc, getDb } from "../../src/shared/firestore.js";
import { initAdminFor, uniqueId } from "../helpers/admin.js";
import { expectLedgersBalanced } from "../helpers/ledger.js";
import { testDependencies } from "../helpers/deps.js";
import { readyCoach } from "../helpers/in-process.js";
import { FakeCalcom } from "../stand-ins/fake-calcom.server.js";
import { FakeStripe } from "../stand-ins/fake-stripe.server.js";

// The webhook handler in-process, fed by the Stripe stand-in's own signed deliveries through a
// tiny loopback receiver, so each Stripe event type meets the real code path.

let calcom: FakeCalcom;
let stripe: FakeStripe;
const SECRET = "whsec_int_test";
let receiver: { url: string; close(): Promise<void> };

beforeAll(async () => {
  initAdminFor("demo-coachify-int");
  calcom = await FakeCalcom.start();
  stripe = await FakeStripe.start();
  const { listenOnLoopback } = await import("../stand-ins/loopback-server.js");
  const deps = () => testDependencies(calcom, { stripe, stripeWebhookSecret: SECRET });
  const server = await listenOnLoopback(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks);
    const out = await handleStripeWebhook(
      { method: req.method ?? "POST", rawBody, header: (name: string) => req.headers[name.toLowerCase()] as string | undefined } as never,
      deps(),
    );
    res.writeHead(out.status, { "content-type": "application/json" }).end(JSON.stringify(out.body));
  });
  receiver = { url: `http://127.0.0.1:${server.port}/stripe`, close: () => server.close() };
});
afterAll(async () => {
  await calcom.stop();
  await stripe.stop();
  await receiver.close();
});
afterEach(async () => {
  await expectLedgersBalanced(stripe);
  calcom.reset();
  stripe.reset();
});

async function heldBooking() {
  const deps = testDependencies(calcom, { stripe });
  const { coachId, eventTypeId } = await readyCoach(deps, { priceCents: 4_200, currency: "usd" });
  const studentId = uniqueId("student");
  const { bookingId } = await createBooking(
    {
      coachId,
      eventTypeId,
      offeringId: "sixty",
      userId: studentId,
      startTime: "2030-01-07T09:00:00.000Z",
      endTime: "2030-01-07T10:00:00.000Z",
    },
    { uid: studentId, isAdmin: false },
    deps,
  );
  stripe.subscribe(receiver.url, SECRET);
  return { bookingId, sessionId: (await bookingDoc(bookingId).get()).data()?.stripeCheckoutSessionId ?? "" };
}

describe("stripeWebhook (in-process) with the stand-in's signed events", () => {
  it("keeps the hold on payment_intent.payment_failed (Checkout stays open for another card), recording the decline", async () => {
    const { bookingId, sessionId } = await heldBooking();
    stripe.failPayment(sessionId);
    await stripe.flushWebhooks();
    expect(stripe.webhookDeliveries.map((d) => [d.type, d.status])).toEqual([["payment_intent.payment_failed", 200]]);
    expect((await bookingDoc(bookingId).get()).data()).toMatchObject({ status: "requested", paymentStatus: "pending", cancellation: null });
    expect((await getDb().collection(`bookings/${bookingId}/events`).where("type", "==", "payment-declined").get()).size).toBe(1);
  });

  it("records checkout.session.completed once, even when Stripe delivers it twice", async () => {
    const { bookingId, sessionId } = await heldBooking();
    stripe.duplicateNextWebhooks(1);
    stripe.pay(sessionId);
    await stripe.flushWebhooks();
    expect(stripe.webhookDeliveries.every((d) => d.status === 200)).toBe(true);
    const markers = await getDb().collection("webhookEvents").where("bookingId", "==", bookingId).get();
    expect(markers.docs.map((d) => String(d.get("outcome")))).toEqual(["processed"]);
    expect((await bookingDoc(bookingId).get()).data()).toMatchObject({ status: "requested", paymentStatus: "paid" });
  });

  it("regression #16.25: a dispute that arrives before its payment's event is sent back for redelivery, then recorded", async () => {
    const { bookingId, sessionId } = await heldBooking();
    stripe.holdWebhooks();
    stripe.pay(sessionId);
    const paymentIntentId = stripe.sessions.get(sessionId)?.payment_intent ?? "";
    stripe.openDispute(paymentIntentId);
    const held = stripe.takeHeldWebhooks();
    const post = async (type: string) => {
      const e = held.find((x) => x.type === type);
      if (!e) throw new Error(`no ${type} held`);
      return (
        await fetch(receiver.url, {
          method: "POST",
          headers: { "stripe-signature": stripeTestSignature(e.rawBody, SECRET), "content-type": "application/json" },
          body: e.rawBody,
        })
      ).status;
    };
    expect(await post("charge.dispute.created")).toBe(500);
    expect(
      (await getDb().collection("webhookEvents").where("type", "==", "charge.dispute.created").where("bookingId", "==", bookingId).get())
        .size,
    ).toBe(0);
    expect(await post("checkout.session.completed")).toBe(200);
    expect(await post("charge.dispute.created")).toBe(200);
    expect((await bookingDoc(bookingId).get()).data()).toMatchObject({
      paymentStatus: "paid",
      disputedCents: 4_200,
      disputes: [{ paymentIntentId, status: "needs_response", fundsWithdrawn: true }],
    });
  });

  it("answers 200 for a session that belongs to no booking of ours, writing only the marker", async () => {
    const { rawBody, signature, eventId } = stripe.signedEvent(
      "checkout.session.completed",
      {
        id: "cs_test_orphan",
        object: "checkout.session",
        metadata: { bookingId: "no-such-booking" },
        payment_status: "paid",
        payment_intent: "pi_test_x",
      },
      SECRET,
    );
    const res = await fetch(receiver.url, {
      method: "POST",
      headers: { "stripe-signature": signature, "content-type": "application/json" },
      body: rawBody,
    });
    expect(res.status).toBe(200);
    expect((await getDb().doc(`webhookEvents/stripe_${eventId}`).get()).get("outcome")).toBe("unknown-booking");
  });
});
