import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createStripeClient } from "../../src/integrations/stripe/stripe-client.js";
import { StripePaymentsGateway } from "../../src/integrations/stripe/stripe-payments.gateway.js";
import { FakeStripe } from "../stand-ins/fake-stripe.server.js";
import { answerProblems, answerSchema } from "../stand-ins/stripe-answer-check.js";
import { STRIPE_FULL_DESCRIPTION_PATH } from "../stand-ins/stripe-description-path.js";
import { findStripeOperation } from "../stand-ins/stripe-request-schema.js";
import type { STRIPE_OBJECTS } from "../stand-ins/stripe-subset.js";
import { extractStripeSubset, stripeSubset, type OpenApiDocument } from "../stand-ins/stripe-subset.js";

/**
 * The Stripe stand-in held to Stripe's description (docs/stand-ins.md): the repository's copy of
 * the part we use is still what the full description says (skipped, saying why, where the full
 * description is absent, as on a user's clone); the stand-in refuses, with Stripe's status and
 * error envelope, the requests Stripe refuses; and the project's own gateway, driven through the
 * real stripe-node SDK over every call it makes, sends nothing Stripe refuses and gets answers and
 * events that carry every field Stripe always sends, of the types Stripe's description gives.
 */

const available = existsSync(STRIPE_FULL_DESCRIPTION_PATH);
const full: OpenApiDocument | null = available
  ? (JSON.parse(gunzipSync(readFileSync(STRIPE_FULL_DESCRIPTION_PATH)).toString("utf8")) as OpenApiDocument)
  : null;
const skipReason = `skipped, ${STRIPE_FULL_DESCRIPTION_PATH} not found (set STRIPE_OPENAPI_PATH to Stripe's description, ../shared/contracts/stripe/ in CI)`;

let fake: FakeStripe;
let stripe: Stripe;
let gateway: StripePaymentsGateway;

beforeAll(async () => {
  fake = await FakeStripe.start();
  stripe = createStripeClient({ secretKey: "sk_test_conformance", apiBaseUrl: fake.url });
  gateway = new StripePaymentsGateway(stripe);
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => {
  fake.reset();
});

describe("the repository's copy of Stripe's description", () => {
  it.skipIf(!full)(
    `is what the full description says for the operations we use (${available ? STRIPE_FULL_DESCRIPTION_PATH : skipReason})`,
    () => {
      expect(stripeSubset()).toEqual(extractStripeSubset(full as OpenApiDocument));
    },
  );

  it.skipIf(!full)(
    `maps each event type the stand-in sends to the object the full description says (${available ? "present" : skipReason})`,
    () => {
      const types = (full as unknown as { "x-stripe-event-types": Record<string, string[]> })["x-stripe-event-types"];
      for (const [type, object] of Object.entries(EVENT_OBJECTS)) expect(types[type], type).toEqual([object]);
    },
  );
});

/** The object each event type the stand-in sends carries (Stripe's `x-stripe-event-types`). */
const EVENT_OBJECTS: Record<string, (typeof STRIPE_OBJECTS)[number]> = {
  "checkout.session.completed": "checkout.session",
  "checkout.session.expired": "checkout.session",
  "checkout.session.async_payment_succeeded": "checkout.session",
  "checkout.session.async_payment_failed": "checkout.session",
  "payment_intent.succeeded": "payment_intent",
  "payment_intent.payment_failed": "payment_intent",
  "charge.refunded": "charge",
  "charge.dispute.created": "dispute",
  "charge.dispute.updated": "dispute",
  "charge.dispute.closed": "dispute",
};

// ---- refusals ----

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
/** A session create Stripe accepts; each refusal test breaks one thing of it. */
function goodSession(): Record<string, unknown> {
  return {
    mode: "payment",
    line_items: [{ quantity: 1, price_data: { currency: "eur", unit_amount: 5_000, product_data: { name: "60 min" } } }],
    success_url: "https://app.example.com/ok",
    cancel_url: "https://app.example.com/cancel",
    customer_email: "stu@example.com",
    metadata: { bookingId: "b-1" },
    expires_at: inAnHour(),
  };
}

async function refusal(call: () => Promise<unknown>): Promise<Stripe.errors.StripeError> {
  const err = await call().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "Stripe refuses this request").toBeInstanceOf(Stripe.errors.StripeError);
  return err as Stripe.errors.StripeError;
}

const create = (params: Record<string, unknown>, options?: Stripe.RequestOptions) => stripe.checkout.sessions.create(params, options);

function expectInvalidRequest(err: Stripe.errors.StripeError, expected: { code?: string; param?: string }) {
  expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  expect(err.statusCode).toBe(400);
  expect(err.type).toBe("StripeInvalidRequestError");
  expect(err.raw).toMatchObject({ type: "invalid_request_error", ...expected });
  // Nothing was made, and the refusal is recorded as one.
  expect(fake.sessions.size).toBe(0);
  expect(fake.requests.at(-1)?.refusal).not.toBeNull();
}

describe("the stand-in refuses what Stripe refuses, with Stripe's status and error envelope", () => {
  it("accepts the well-formed session the refusals below are made from", async () => {
    const session = await create(goodSession());
    expect(session.status).toBe("open");
    expect(fake.requests.at(-1)?.refusal).toBeNull();
  });

  it("refuses an unknown parameter at the top level (parameter_unknown)", async () => {
    const err = await refusal(() => create({ ...goodSession(), colour: "blue" }));
    expectInvalidRequest(err, { code: "parameter_unknown", param: "colour" });
    expect(err.message).toBe("Received unknown parameter: colour");
  });

  it("refuses an unknown nested parameter (parameter_unknown, named with its path)", async () => {
    const p = goodSession();
    p.line_items = [{ quantity: 1, price_data: { currency: "eur", unit_amount: 5_000, product_data: { name: "x", colour: "blue" } } }];
    expectInvalidRequest(await refusal(() => create(p)), {
      code: "parameter_unknown",
      param: "line_items[0][price_data][product_data][colour]",
    });
  });

  it("refuses price_data without currency (parameter_missing)", async () => {
    const p = goodSession();
    p.line_items = [{ quantity: 1, price_data: { unit_amount: 5_000, product_data: { name: "x" } } }];
    expectInvalidRequest(await refusal(() => create(p)), { code: "parameter_missing", param: "line_items[0][price_data][currency]" });
  });

  it("refuses product_data without name (parameter_missing)", async () => {
    const p = goodSession();
    p.line_items = [{ quantity: 1, price_data: { currency: "eur", unit_amount: 5_000, product_data: { description: "x" } } }];
    expectInvalidRequest(await refusal(() => create(p)), {
      code: "parameter_missing",
      param: "line_items[0][price_data][product_data][name]",
    });
  });

  it("refuses a line item without quantity (parameter_missing)", async () => {
    const p = goodSession();
    p.line_items = [{ price_data: { currency: "eur", unit_amount: 5_000, product_data: { name: "x" } } }];
    expectInvalidRequest(await refusal(() => create(p)), { code: "parameter_missing", param: "line_items[0][quantity]" });
  });

  it("refuses a total under the currency's minimum charge (0.50 EUR)", async () => {
    const p = goodSession();
    p.line_items = [{ quantity: 1, price_data: { currency: "eur", unit_amount: 49, product_data: { name: "x" } } }];
    expectInvalidRequest(await refusal(() => create(p)), { code: "amount_too_small" });
    // At the minimum it goes through.
    p.line_items = [{ quantity: 1, price_data: { currency: "eur", unit_amount: 50, product_data: { name: "x" } } }];
    expect((await create(p)).amount_total).toBe(50);
  });

  it("refuses an invalid customer_email (email_invalid)", async () => {
    expectInvalidRequest(await refusal(() => create({ ...goodSession(), customer_email: "not-an-email" })), {
      code: "email_invalid",
      param: "customer_email",
    });
  });

  it("refuses a metadata key over 40 characters", async () => {
    const key = "k".repeat(41);
    expectInvalidRequest(await refusal(() => create({ ...goodSession(), metadata: { [key]: "v" } })), { param: `metadata[${key}]` });
  });

  it("refuses a metadata value over 500 characters", async () => {
    expectInvalidRequest(await refusal(() => create({ ...goodSession(), metadata: { bookingId: "v".repeat(501) } })), {
      param: "metadata[bookingId]",
    });
  });

  it("refuses more than 50 metadata keys (also nested, in payment_intent_data)", async () => {
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]));
    expectInvalidRequest(await refusal(() => create({ ...goodSession(), payment_intent_data: { metadata: many } })), {
      param: "payment_intent_data[metadata]",
    });
  });

  it("refuses expires_at more than 24 hours ahead, and less than 30 minutes ahead", async () => {
    const now = Math.floor(Date.now() / 1000);
    const late = await refusal(() => create({ ...goodSession(), expires_at: now + 24 * 3600 + 60 }));
    expectInvalidRequest(late, { param: "expires_at" });
    expect(late.message).toBe("The expires_at timestamp must be less than 24 hours from Checkout Session creation.");
    expectInvalidRequest(await refusal(() => create({ ...goodSession(), expires_at: now + 29 * 60 })), { param: "expires_at" });
  });

  it("refuses a list limit of 500 (1 to 100)", async () => {
    const err = await refusal(() => stripe.refunds.list({ limit: 500 }));
    expectInvalidRequest(err, { param: "limit" });
    expect(err.message).toBe("This value must be less than or equal to 100.");
  });

  it("refuses Stripe-Version: latest (only the pinned version is spoken)", async () => {
    const err = await refusal(() => create(goodSession(), { apiVersion: "latest" }));
    expectInvalidRequest(err, {});
    expect(err.message).toMatch(/^Invalid Stripe API version: latest/);
  });

  it("refuses a non-integer amount and an unknown enum value", async () => {
    const p = goodSession();
    p.line_items = [{ quantity: 1, price_data: { currency: "eur", unit_amount: "12.5", product_data: { name: "x" } } }];
    expectInvalidRequest(await refusal(() => create(p)), {
      code: "parameter_invalid_integer",
      param: "line_items[0][price_data][unit_amount]",
    });
    expectInvalidRequest(await refusal(() => create({ ...goodSession(), submit_type: "gift" })), { param: "submit_type" });
  });

  it("stores nothing under the idempotency key of a refused request", async () => {
    await refusal(() => create({ ...goodSession(), colour: "blue" }, { idempotencyKey: "refused-once" }));
    const session = await create(goodSession(), { idempotencyKey: "refused-once" });
    expect(session.status).toBe("open");
  });
});

// ---- the project's own requests, and the answers and events they get ----

describe("the project's gateway against the stand-in, checked against Stripe's description", () => {
  const docs: [string, OpenApiDocument][] = [
    ["the repository's copy", stripeSubset()],
    ...(full ? [["the full description", full] as [string, OpenApiDocument]] : []),
  ];

  it("sends nothing Stripe refuses, and every answer and event carries what Stripe's description requires", async () => {
    fake.holdWebhooks();
    const input = (key: string, extra: Partial<Parameters<StripePaymentsGateway["createCheckoutSession"]>[0]> = {}) => ({
      bookingId: "b-1",
      amountCents: 6_000,
      currency: "eur",
      title: "60 min",
      description: "60 min with a coach",
      customerEmail: "stu@example.com",
      expiresAt: new Date(Date.now() + 35 * 60_000),
      successUrl: "https://app.example.com/ok",
      cancelUrl: "https://app.example.com/cancel",
      idempotencyKey: key,
      ...extra,
    });
    // A booking paid by card, refunded in two parts, disputed.
    const paid = await gateway.createCheckoutSession(input("create-1"));
    fake.pay(paid.id);
    const pi = (await gateway.retrieveCheckoutSession(paid.id)).paymentIntentId ?? "";
    await gateway.refund({
      paymentIntentId: pi,
      amountCents: 1_000,
      bookingId: "b-1",
      obligationKey: "o1",
      cause: "test",
      idempotencyKey: "refund-1",
    });
    await gateway.refund({
      paymentIntentId: pi,
      amountCents: 5_000,
      bookingId: "b-1",
      obligationKey: "o2",
      cause: "test",
      idempotencyKey: "refund-2",
    });
    expect((await gateway.listRefunds(pi)).map((r) => r.amountCents).sort()).toEqual([1_000, 5_000]);
    await gateway.expireCheckoutSession(paid.id, "expire-paid");
    // A move's difference, without an email, paid by a delayed method; a declined card; a dispute.
    const moved = await gateway.createCheckoutSession(
      input("create-2", { purpose: { kind: "reschedule", rescheduleId: "r-1" }, customerEmail: null, amountCents: 2_500 }),
    );
    fake.payDelayed(moved.id);
    expect((await gateway.retrieveCheckoutSession(moved.id)).paymentProcessing).toBe(true);
    fake.settleDelayedPayment(moved.id, "succeeded");
    const movedPi = (await gateway.retrieveCheckoutSession(moved.id)).paymentIntentId ?? "";
    const dispute = fake.openDispute(movedPi);
    fake.updateDispute(dispute.id);
    fake.closeDispute(dispute.id, "lost");
    expect((await gateway.retrieveDispute(dispute.id)).status).toBe("lost");
    // A delayed payment that fails.
    const failing = await gateway.createCheckoutSession(input("create-4", { bookingId: "b-4" }));
    fake.payDelayed(failing.id);
    fake.settleDelayedPayment(failing.id, "failed");
    expect((await gateway.retrieveCheckoutSession(failing.id)).paymentProcessing).toBe(false);
    // Sessions left open, listed by reconciliation, then expired by us; one declined.
    const open = await gateway.createCheckoutSession(input("create-3", { bookingId: "b-3" }));
    fake.failPayment(open.id);
    expect((await gateway.listOpenCheckoutSessions(new Date(Date.now() - 60_000))).map((s) => s.id)).toEqual([open.id]);
    expect((await gateway.expireCheckoutSession(open.id, "expire-open")).status).toBe("expired");
    expect((await gateway.expireCheckoutSession("cs_test_000000000000000000000000", "expire-missing")).status).toBe("expired");

    const api = fake.requests.filter((r) => r.path.startsWith("/v1/"));
    expect(api.filter((r) => r.refusal !== null).map((r) => `${r.method} ${r.path}: ${r.refusal?.message ?? ""}`)).toEqual([]);
    const problems: string[] = [];
    for (const r of api.filter((x) => x.status === 200)) {
      const operation = findStripeOperation(r.method, r.path);
      expect(operation, `${r.method} ${r.path} is an operation of the description`).toBeDefined();
      for (const [name, doc] of docs) {
        const schema = answerSchema(doc, r.method, operation?.template ?? "");
        expect(schema, `${r.method} ${operation?.template ?? ""} answers a schema in ${name}`).toBeDefined();
        problems.push(...answerProblems(doc, schema ?? {}, r.answer, `${name}: ${r.method} ${operation?.template ?? ""}`));
      }
    }
    const events = fake.takeHeldWebhooks().map((h) => JSON.parse(h.rawBody) as Stripe.Event);
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(Object.keys(EVENT_OBJECTS)));
    for (const event of events) {
      for (const [name, doc] of docs) {
        problems.push(...answerProblems(doc, { $ref: "#/components/schemas/event" }, event, `${name}: event ${event.type}`));
        const object = EVENT_OBJECTS[event.type] ?? "?";
        problems.push(
          ...answerProblems(doc, { $ref: `#/components/schemas/${object}` }, event.data.object, `${name}: ${event.type} ${object}`),
        );
      }
    }
    expect(problems).toEqual([]);

    // An event an API call caused names the request and its key; what Stripe does by itself names none.
    const refunded = events.filter((e) => e.type === "charge.refunded");
    expect(refunded.map((e) => e.request?.idempotency_key)).toEqual(["refund-1", "refund-2"]);
    expect(refunded.every((e) => /^req_/.test(e.request?.id ?? ""))).toBe(true);
    const expired = events.find((e) => e.type === "checkout.session.expired");
    expect(expired?.request).toMatchObject({ id: expect.stringMatching(/^req_/) as unknown, idempotency_key: "expire-open" });
    for (const type of [
      "checkout.session.completed",
      "payment_intent.succeeded",
      "charge.dispute.created",
      "checkout.session.async_payment_succeeded",
    ]) {
      expect(
        events.filter((e) => e.type === type).every((e) => e.request?.id === null && e.request.idempotency_key === null),
        type,
      ).toBe(true);
    }
  });

  it("refuses, so the run fails, a parameter of ours Stripe does not know", async () => {
    // What would happen if the gateway started to send one: the stand-in refuses it and records the refusal.
    const err = await refusal(() =>
      stripe.refunds.create({
        payment_intent: "pi_test_x",
        amount: 100,
        reason: "requested_by_customer",
        bookingId: "b-1",
      } as Stripe.RefundCreateParams),
    );
    expect(err.code).toBe("parameter_unknown");
    expect(fake.requests.filter((r) => r.refusal !== null)).toHaveLength(1);
  });
});
