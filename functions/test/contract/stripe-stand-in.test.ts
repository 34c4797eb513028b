import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createStripeClient } from "../../src/integrations/stripe/stripe-client.js";
import { StripePaymentsGateway, stripeToAppError } from "../../src/integrations/stripe/stripe-payments.gateway.js";
import { verifyStripeEvent } from "../../src/integrations/stripe/stripe-webhook.js";
import { FakeStripe } from "../stand-ins/fake-stripe.server.js";

// The real SDK against the Stripe stand-in: the stand-in answers the way Stripe does (docs/payments.md,
// "What Stripe does"), so the adapter is tested on its real code paths.

let fake: FakeStripe;
let stripe: Stripe;
let gateway: StripePaymentsGateway;

beforeAll(async () => {
  fake = await FakeStripe.start();
  stripe = createStripeClient({ secretKey: "sk_test_contract", apiBaseUrl: fake.url });
  gateway = new StripePaymentsGateway(stripe);
});
afterAll(async () => {
  await fake.stop();
});
afterEach(() => {
  fake.reset();
});

const sessionInput = (key: string, amountCents = 5_000) => ({
  bookingId: "b-1",
  amountCents,
  currency: "eur",
  title: "60 min",
  description: "60 min session",
  customerEmail: "stu@example.com",
  expiresAt: new Date(Date.now() + 35 * 60_000),
  successUrl: "https://app.example.com/ok",
  cancelUrl: "https://app.example.com/cancel",
  idempotencyKey: key,
});

describe("the Stripe stand-in with the official SDK", () => {
  it("creates a session whose payment intent appears only once paid", async () => {
    const session = await gateway.createCheckoutSession(sessionInput("k1"));
    expect(session).toMatchObject({ status: "open", paymentStatus: "unpaid", paymentIntentId: null });
    expect(session.url).toMatch(/^https:\/\/checkout\.stripe\.com\//);
    fake.pay(session.id);
    expect(await gateway.retrieveCheckoutSession(session.id)).toMatchObject({
      status: "complete",
      paymentStatus: "paid",
      paymentIntentId: expect.stringMatching(/^pi_test_/) as unknown,
    });
  });

  it("answers the same session for the same key and parameters, and an idempotency error for others", async () => {
    const first = await gateway.createCheckoutSession(sessionInput("same-key"));
    const replay = await gateway.createCheckoutSession(sessionInput("same-key"));
    expect(replay.id).toBe(first.id);
    expect(fake.sessions.size).toBe(1);
    const err = await stripe.checkout.sessions
      .create(
        {
          mode: "payment",
          line_items: [{ quantity: 1, price_data: { currency: "eur", unit_amount: 9_999, product_data: { name: "x" } } }],
        },
        { idempotencyKey: "same-key" },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it("refuses an expiry under 30 minutes", async () => {
    const err = await gateway
      .createCheckoutSession({ ...sessionInput("k2"), expiresAt: new Date(Date.now() + 10 * 60_000) })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "upstream/rejected" });
  });

  it("refunds in parts but never more than captured, and one refund per idempotency key", async () => {
    const session = await gateway.createCheckoutSession(sessionInput("k3"));
    fake.pay(session.id);
    const pi = (await gateway.retrieveCheckoutSession(session.id)).paymentIntentId ?? "";
    const part = await gateway.refund({
      paymentIntentId: pi,
      amountCents: 2_000,
      bookingId: "b-1",
      obligationKey: "test",
      cause: "test",
      idempotencyKey: "r1",
    });
    const again = await gateway.refund({
      paymentIntentId: pi,
      amountCents: 2_000,
      bookingId: "b-1",
      obligationKey: "test",
      cause: "test",
      idempotencyKey: "r1",
    });
    expect(again.refundId).toBe(part.refundId);
    expect(fake.refunds.size).toBe(1);
    const tooMuch = await gateway
      .refund({ paymentIntentId: pi, amountCents: 3_001, bookingId: "b-1", obligationKey: "test", cause: "test", idempotencyKey: "r2" })
      .catch((e: unknown) => e);
    expect(tooMuch).toMatchObject({ code: "upstream/rejected" });
    await gateway.refund({
      paymentIntentId: pi,
      amountCents: 3_000,
      bookingId: "b-1",
      obligationKey: "test",
      cause: "test",
      idempotencyKey: "r3",
    });
    const done = await gateway
      .refund({ paymentIntentId: pi, amountCents: 1, bookingId: "b-1", obligationKey: "test", cause: "test", idempotencyKey: "r4" })
      .catch((e: unknown) => e);
    expect(done).toMatchObject({ code: "payment/already-refunded" });
  });

  it("expires an open session and leaves a completed one as it is", async () => {
    const open = await gateway.createCheckoutSession(sessionInput("k5"));
    expect((await gateway.expireCheckoutSession(open.id, "e1")).status).toBe("expired");
    const paid = await gateway.createCheckoutSession(sessionInput("k6"));
    fake.pay(paid.id);
    expect((await gateway.expireCheckoutSession(paid.id, "e2")).status).toBe("complete");
  });

  it("maps a 5xx that outlasts the SDK's retries to upstream/unavailable, and a bad key to rejected", async () => {
    fake.failNext(3, 500);
    expect(await gateway.retrieveCheckoutSession("cs_test_missing").catch((e: unknown) => e)).toMatchObject({
      code: "upstream/unavailable",
    });
    const badKey = new StripePaymentsGateway(createStripeClient({ secretKey: "rk_live_nope", apiBaseUrl: fake.url }));
    expect(await badKey.retrieveCheckoutSession("cs_test_x").catch((e: unknown) => e)).toMatchObject({ code: "upstream/rejected" });
    expect(stripeToAppError(new Error("not stripe"))).toBeInstanceOf(Error);
  });

  it("signs events that verify with the secret, and fail with another", () => {
    const { rawBody, signature } = fake.signedEvent(
      "checkout.session.completed",
      { id: "cs_test_1", object: "checkout.session" },
      "whsec_a",
    );
    expect(verifyStripeEvent(rawBody, signature, "whsec_a").type).toBe("checkout.session.completed");
    expect(() => verifyStripeEvent(rawBody, signature, "whsec_b")).toThrow();
    expect(() => verifyStripeEvent(rawBody, undefined, "whsec_a")).toThrow();
  });
});
