import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../src/domain/errors.js";
import { createStripeClient } from "../../src/integrations/stripe/stripe-client.js";
import { StripePaymentsGateway } from "../../src/integrations/stripe/stripe-payments.gateway.js";
import { FakeStripe } from "../stand-ins/fake-stripe.server.js";
import { answerProblems, answerSchema } from "../stand-ins/stripe-answer-check.js";
import { STRIPE_FULL_DESCRIPTION_PATH } from "../stand-ins/stripe-description-path.js";
import { findStripeOperation } from "../stand-ins/stripe-request-schema.js";
import { pathInFullDescription, stripeSubset, type OpenApiDocument } from "../stand-ins/stripe-subset.js";

/**
 * Stripe Connect through the project's gateway and the real SDK against the Stripe stand-in
 * (docs/payments.md, "Connect in the stand-in"): onboarding, transfers of a charge's funds,
 * reversals, the balance; every refusal the core must tell apart reaches it as its AppError; every
 * request, answer and event is held against Stripe's description (the repository's copy, and the
 * full one where present).
 */

const available = existsSync(STRIPE_FULL_DESCRIPTION_PATH);
const full: OpenApiDocument | null = available
  ? (JSON.parse(gunzipSync(readFileSync(STRIPE_FULL_DESCRIPTION_PATH)).toString("utf8")) as OpenApiDocument)
  : null;
const skipReason = `skipped, ${STRIPE_FULL_DESCRIPTION_PATH} not found (set STRIPE_OPENAPI_PATH to Stripe's description, ../shared/contracts/stripe/ in CI)`;

/** The object each Connect event the stand-in sends carries (Stripe's `x-stripe-event-types`). */
const CONNECT_EVENT_OBJECTS: Record<string, string> = {
  "account.updated": "account",
  "transfer.created": "transfer",
  "transfer.reversed": "transfer",
};

let fake: FakeStripe;
let stripe: Stripe;
let gateway: StripePaymentsGateway;

beforeAll(async () => {
  fake = await FakeStripe.start();
  stripe = createStripeClient({ secretKey: "sk_test_connect", apiBaseUrl: fake.url });
  gateway = new StripePaymentsGateway(stripe);
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => {
  fake.reset();
  fake.holdWebhooks();
});

/** A booking's payment of `amountCents`, paid by card: its PaymentIntent. */
async function paidBooking(bookingId: string, amountCents = 6_000): Promise<string> {
  const session = await gateway.createCheckoutSession({
    bookingId,
    amountCents,
    currency: "eur",
    title: "60 min",
    description: "60 min with a coach",
    customerEmail: "stu@example.com",
    expiresAt: new Date(Date.now() + 35 * 60_000),
    transferGroup: bookingId,
    successUrl: "https://app.example.com/ok",
    cancelUrl: "https://app.example.com/cancel",
    idempotencyKey: `checkout-${bookingId}`,
  });
  fake.pay(session.id);
  return (await gateway.retrieveCheckoutSession(session.id)).paymentIntentId ?? "";
}

/** A coach's account, onboarded unless said otherwise. */
async function coachAccount(coachId: string, onboarded = true): Promise<string> {
  const account = await gateway.createConnectedAccount({
    coachId,
    email: `${coachId}@example.com`,
    country: "DE",
    idempotencyKey: `acct-${coachId}`,
  });
  if (onboarded) fake.completeOnboarding(account.accountId);
  return account.accountId;
}

const transferInput = (destination: string, sourceTransaction: string | null, amountCents: number, key: string) => ({
  amountCents,
  currency: "eur",
  destination,
  sourceTransaction,
  transferGroup: "b-1",
  metadata: { bookingId: "b-1" },
  idempotencyKey: key,
});

async function failure(call: () => Promise<unknown>): Promise<AppError> {
  const err = await call().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "the call is refused").toBeInstanceOf(AppError);
  return err as AppError;
}

describe("onboarding a coach", () => {
  it("creates an Express account that cannot be paid until its account link is visited, then can", async () => {
    const created = await gateway.createConnectedAccount({
      coachId: "c-1",
      email: "c1@example.com",
      country: "DE",
      idempotencyKey: "acct-c-1",
    });
    expect(created).toMatchObject({ chargesEnabled: false, payoutsEnabled: false, detailsSubmitted: false, transfersActive: false });
    expect(created.requirementsDue).toContain("external_account");
    expect(created.disabledReason).toBe("requirements.past_due");
    const sent = fake.requests.find((r) => r.method === "POST" && r.path === "/v1/accounts");
    expect(sent?.params).toMatchObject({
      controller: { stripe_dashboard: { type: "express" }, fees: { payer: "application" }, losses: { payments: "application" } },
      capabilities: { transfers: { requested: "true" }, card_payments: { requested: "true" } },
      metadata: { coachId: "c-1" },
    });
    expect(fake.accounts.get(created.accountId)?.type).toBe("express");
    // The same key makes no second account.
    expect(
      (await gateway.createConnectedAccount({ coachId: "c-1", email: "c1@example.com", country: "DE", idempotencyKey: "acct-c-1" }))
        .accountId,
    ).toBe(created.accountId);
    expect(fake.accounts.size).toBe(1);

    const link = await gateway.createAccountLink({
      accountId: created.accountId,
      refreshUrl: "https://app.example.com/payouts/refresh",
      returnUrl: "https://app.example.com/payouts/done",
    });
    expect(link.url.startsWith(`${fake.url}/__standin/connect/onboard/${created.accountId}`)).toBe(true);
    expect(Date.parse(link.expiresAt)).toBeGreaterThan(Date.now());
    const visit = await fetch(link.url, { redirect: "manual" });
    expect(visit.status).toBe(302);
    expect(visit.headers.get("location")).toBe("https://app.example.com/payouts/done");

    expect(await gateway.retrieveConnectedAccount(created.accountId)).toEqual({
      accountId: created.accountId,
      chargesEnabled: true,
      payoutsEnabled: true,
      detailsSubmitted: true,
      transfersActive: true,
      requirementsDue: [],
      disabledReason: null,
    });
    const updated = fake.takeHeldWebhooks().map((h) => JSON.parse(h.rawBody) as Stripe.Event);
    expect(updated.map((e) => [e.type, e.account])).toEqual([["account.updated", created.accountId]]);
    expect((updated[0]?.data.object as Stripe.Account).payouts_enabled).toBe(true);
  });

  it("reports payouts disabled with a requirement due, by account.updated", async () => {
    const accountId = await coachAccount("c-2");
    fake.takeHeldWebhooks();
    fake.disablePayouts(accountId, "requirements.past_due");
    const account = await gateway.retrieveConnectedAccount(accountId);
    expect(account).toMatchObject({ payoutsEnabled: false, transfersActive: true, disabledReason: "requirements.past_due" });
    expect(account.requirementsDue).toEqual(["external_account"]);
    const events = fake.takeHeldWebhooks().map((h) => JSON.parse(h.rawBody) as Stripe.Event);
    expect(events.map((e) => [e.type, e.account, (e.data.object as Stripe.Account).payouts_enabled])).toEqual([
      ["account.updated", accountId, false],
    ]);
  });

  it("refuses a link for an account Stripe does not have", async () => {
    const err = await failure(() =>
      gateway.createAccountLink({ accountId: "acct_test_000000", refreshUrl: "https://a.example/r", returnUrl: "https://a.example/d" }),
    );
    expect(err.code).toBe("upstream/rejected");
  });
});

describe("transfers of a coach's share", () => {
  it("names the booking as the payment's transfer group and finds its charge", async () => {
    const pi = await paidBooking("b-1");
    expect(fake.paymentIntents.get(pi)?.transfer_group).toBe("b-1");
    const charge = await gateway.chargeOfPayment(pi);
    expect(charge).toEqual({ chargeId: fake.paymentIntents.get(pi)?.latest_charge, amountCents: 6_000, currency: "eur" });
    // Without a transfer group nothing is sent (the callers that pass none are unchanged).
    expect(fake.requests.filter((r) => r.path === "/v1/checkout/sessions").map((r) => r.params.payment_intent_data)).toEqual([
      expect.objectContaining({ transfer_group: "b-1" }),
    ]);
  });

  it("has no charge while a delayed payment is processing", async () => {
    const session = await gateway.createCheckoutSession({
      bookingId: "b-2",
      amountCents: 6_000,
      currency: "eur",
      title: "60 min",
      description: "60 min",
      customerEmail: null,
      expiresAt: new Date(Date.now() + 35 * 60_000),
      successUrl: "https://app.example.com/ok",
      cancelUrl: "https://app.example.com/cancel",
      idempotencyKey: "checkout-b-2",
    });
    fake.payDelayed(session.id);
    const pi = (await gateway.retrieveCheckoutSession(session.id)).paymentIntentId ?? "";
    expect(await gateway.chargeOfPayment(pi)).toBeNull();
    expect(fake.requests.find((r) => r.path === "/v1/checkout/sessions")?.params.payment_intent_data).not.toHaveProperty("transfer_group");
  });

  it("transfers from a charge whose funds are still pending, once per key, and never beyond the charge", async () => {
    const pi = await paidBooking("b-1");
    const charge = (await gateway.chargeOfPayment(pi))?.chargeId ?? "";
    const accountId = await coachAccount("c-1");
    expect(fake.platformBalance().pending.get("eur")).toBe(6_000);
    const transfer = await gateway.createTransfer(transferInput(accountId, charge, 5_100, "payout-b-1"));
    expect(transfer).toMatchObject({
      amountCents: 5_100,
      currency: "eur",
      destination: accountId,
      sourceTransaction: charge,
      transferGroup: "b-1",
      reversedCents: 0,
      metadata: { bookingId: "b-1" },
    });
    expect((await gateway.createTransfer(transferInput(accountId, charge, 5_100, "payout-b-1"))).transferId).toBe(transfer.transferId);
    expect(fake.transfers.size).toBe(1);
    // It waits with the charge's funds: the pending balance gave it, the available one is untouched.
    expect(fake.platformBalance()).toEqual({ available: new Map([["eur", 0]]), pending: new Map([["eur", 900]]) });
    const over = await failure(() => gateway.createTransfer(transferInput(accountId, charge, 901, "payout-b-1-more")));
    expect(over.code).toBe("upstream/rejected");
    expect(fake.transfers.size).toBe(1);
    await gateway.createTransfer(transferInput(accountId, charge, 900, "payout-b-1-rest"));
    expect((await gateway.listTransfers("b-1")).map((t) => t.amountCents)).toEqual([900, 5_100]);
    expect(await gateway.listTransfers("b-other")).toEqual([]);
  });

  it("refuses a transfer without a source beyond the available balance (payment/insufficient-funds), then makes it once funds are available", async () => {
    const pi = await paidBooking("b-1");
    const accountId = await coachAccount("c-1");
    const err = await failure(() => gateway.createTransfer(transferInput(accountId, null, 5_100, "payout-nosource")));
    expect(err.code).toBe("payment/insufficient-funds");
    expect(err.details).toMatchObject({ stripeCode: "balance_insufficient" });
    // A refund takes from the charge's funds.
    await gateway.refund({
      paymentIntentId: pi,
      amountCents: 1_000,
      bookingId: "b-1",
      obligationKey: "o",
      cause: "test",
      idempotencyKey: "refund-1",
    });
    fake.makeAvailable();
    expect(fake.platformBalance().available.get("eur")).toBe(5_000);
    expect(await failure(() => gateway.createTransfer(transferInput(accountId, null, 5_001, "payout-nosource-2")))).toMatchObject({
      code: "payment/insufficient-funds",
    });
    await gateway.createTransfer(transferInput(accountId, null, 5_000, "payout-nosource-3"));
    expect(fake.platformBalance().available.get("eur")).toBe(0);
  });

  it("refuses a transfer to an account whose transfers capability is not active (payment/account-not-ready)", async () => {
    const pi = await paidBooking("b-1");
    const charge = (await gateway.chargeOfPayment(pi))?.chargeId ?? "";
    const fresh = await coachAccount("c-1", false);
    const err = await failure(() => gateway.createTransfer(transferInput(fresh, charge, 5_100, "payout-fresh")));
    expect(err.code).toBe("payment/account-not-ready");
    expect(err.details).toMatchObject({ accountId: fresh });
    // The stand-in refuses it as Stripe does, with no code (Stripe's is not known): the gateway read the account back.
    const refused = fake.requests.find((r) => r.path === "/v1/transfers" && r.method === "POST");
    expect(refused?.status).toBe(400);
    expect((refused?.answer as { error: Record<string, unknown> }).error).toMatchObject({
      type: "invalid_request_error",
      param: "destination",
    });
    expect((refused?.answer as { error: Record<string, unknown> }).error).not.toHaveProperty("code");
    expect(fake.requests.some((r) => r.method === "GET" && r.path === `/v1/accounts/${fresh}`)).toBe(true);
    const later = await coachAccount("c-2");
    fake.disablePayouts(later, "requirements.past_due", { transfers: "inactive" });
    expect(await failure(() => gateway.createTransfer(transferInput(later, charge, 5_100, "payout-disabled")))).toMatchObject({
      code: "payment/account-not-ready",
    });
    expect(fake.transfers.size).toBe(0);
    fake.completeOnboarding(later);
    expect((await gateway.createTransfer(transferInput(later, charge, 5_100, "payout-enabled"))).destination).toBe(later);
  });
});

describe("reversals", () => {
  it("reverses part of a transfer, and refuses what the coach's balance cannot cover (payment/insufficient-funds)", async () => {
    const pi = await paidBooking("b-1");
    const charge = (await gateway.chargeOfPayment(pi))?.chargeId ?? "";
    const accountId = await coachAccount("c-1");
    const transfer = await gateway.createTransfer(transferInput(accountId, charge, 5_100, "payout-b-1"));
    expect(fake.connectedBalance(accountId, "eur")).toBe(5_100);
    const part = await gateway.createTransferReversal({
      transferId: transfer.transferId,
      amountCents: 2_550,
      metadata: { bookingId: "b-1" },
      idempotencyKey: "reverse-1",
    });
    expect(part).toEqual({ reversalId: expect.stringMatching(/^trr_/) as unknown, transferId: transfer.transferId, amountCents: 2_550 });
    expect(
      (
        await gateway.createTransferReversal({
          transferId: transfer.transferId,
          amountCents: 2_550,
          metadata: { bookingId: "b-1" },
          idempotencyKey: "reverse-1",
        })
      ).reversalId,
    ).toBe(part.reversalId);
    expect(fake.connectedBalance(accountId, "eur")).toBe(2_550);
    expect(fake.platformBalance().available.get("eur")).toBe(2_550);

    // The coach was paid out: only 1,000 is left on their account.
    fake.setConnectedBalance(accountId, 1_000);
    const short = await failure(() =>
      gateway.createTransferReversal({ transferId: transfer.transferId, amountCents: 2_550, metadata: {}, idempotencyKey: "reverse-2" }),
    );
    expect(short.code).toBe("payment/insufficient-funds");
    await gateway.createTransferReversal({
      transferId: transfer.transferId,
      amountCents: 1_000,
      metadata: {},
      idempotencyKey: "reverse-3",
    });
    expect(fake.connectedBalance(accountId, "eur")).toBe(0);
    const [listed] = await gateway.listTransfers("b-1");
    expect(listed?.reversedCents).toBe(3_550);
    // More than is left of the transfer is refused as malformed, not as a balance matter.
    fake.setConnectedBalance(accountId, 10_000);
    expect(
      await failure(() =>
        gateway.createTransferReversal({ transferId: transfer.transferId, amountCents: 1_551, metadata: {}, idempotencyKey: "reverse-4" }),
      ),
    ).toMatchObject({ code: "upstream/rejected" });
  });
});

describe("Connect against Stripe's description", () => {
  const docs: [string, OpenApiDocument][] = [
    ["the repository's copy", stripeSubset()],
    ...(full ? [["the full description", full] as [string, OpenApiDocument]] : []),
  ];

  it.skipIf(!full)(`maps each Connect event type to the object the full description says (${available ? "present" : skipReason})`, () => {
    const types = (full as unknown as { "x-stripe-event-types": Record<string, string[]> })["x-stripe-event-types"];
    for (const [type, object] of Object.entries(CONNECT_EVENT_OBJECTS)) expect(types[type], type).toEqual([object]);
  });

  it("refuses a parameter Stripe does not know on a transfer (parameter_unknown)", async () => {
    const err = await stripe.transfers
      .create({ amount: 100, currency: "eur", destination: "acct_test_x", payout_after: "2d" } as Stripe.TransferCreateParams)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((err as Stripe.errors.StripeError).raw).toMatchObject({ code: "parameter_unknown", param: "payout_after" });
  });

  it("sends nothing Stripe refuses, and every answer and event carries what Stripe's description requires", async () => {
    const pi = await paidBooking("b-1");
    const charge = (await gateway.chargeOfPayment(pi))?.chargeId ?? "";
    const accountId = await coachAccount("c-1", false);
    const link = await gateway.createAccountLink({ accountId, refreshUrl: "https://a.example/r", returnUrl: "https://a.example/d" });
    await fetch(link.url, { redirect: "manual" });
    await gateway.retrieveConnectedAccount(accountId);
    await stripe.accounts.list({ limit: 3 });
    await stripe.accounts.update(accountId, { metadata: { coachId: "c-1", note: "x" } });
    const transfer = await gateway.createTransfer(transferInput(accountId, charge, 5_100, "payout-b-1"));
    await gateway.createTransferReversal({
      transferId: transfer.transferId,
      amountCents: 100,
      metadata: { bookingId: "b-1" },
      idempotencyKey: "rev",
    });
    // Reconciliation pages through a group; the SDK asks for the next page with starting_after.
    await gateway.createTransfer(transferInput(accountId, charge, 100, "payout-b-1-2"));
    await gateway.createTransfer(transferInput(accountId, charge, 100, "payout-b-1-3"));
    expect(await stripe.transfers.list({ transfer_group: "b-1", limit: 2 }).autoPagingToArray({ limit: 10 })).toHaveLength(3);
    expect(fake.requests.some((r) => r.path === "/v1/transfers" && r.method === "GET" && typeof r.params.starting_after === "string")).toBe(
      true,
    );
    await stripe.balance.retrieve();
    await stripe.balance.retrieve({}, { stripeAccount: accountId });
    fake.disablePayouts(accountId, "requirements.past_due");

    const api = fake.requests.filter((r) => r.path.startsWith("/v1/"));
    expect(api.filter((r) => r.refusal !== null).map((r) => `${r.method} ${r.path}: ${r.refusal?.message ?? ""}`)).toEqual([]);
    const problems: string[] = [];
    for (const r of api.filter((x) => x.status === 200)) {
      const operation = findStripeOperation(r.method, r.path);
      expect(operation, `${r.method} ${r.path} is an operation of the description`).toBeDefined();
      for (const [name, doc] of docs) {
        const template = operation?.template ?? "";
        const schema = answerSchema(doc, r.method, doc === full ? pathInFullDescription(r.method, template) : template);
        expect(schema, `${r.method} ${operation?.template ?? ""} answers a schema in ${name}`).toBeDefined();
        problems.push(...answerProblems(doc, schema ?? {}, r.answer, `${name}: ${r.method} ${operation?.template ?? ""}`));
      }
    }
    const events = fake.takeHeldWebhooks().map((h) => JSON.parse(h.rawBody) as Stripe.Event);
    const connect = events.filter((e) => e.type in CONNECT_EVENT_OBJECTS);
    expect(new Set(connect.map((e) => e.type))).toEqual(new Set(Object.keys(CONNECT_EVENT_OBJECTS)));
    for (const event of connect) {
      for (const [name, doc] of docs) {
        problems.push(...answerProblems(doc, { $ref: "#/components/schemas/event" }, event, `${name}: event ${event.type}`));
        const object = CONNECT_EVENT_OBJECTS[event.type] ?? "?";
        problems.push(
          ...answerProblems(doc, { $ref: `#/components/schemas/${object}` }, event.data.object, `${name}: ${event.type} ${object}`),
        );
      }
    }
    expect(problems).toEqual([]);
    // account.updated is a Connect event (it names the account); transfer events are the platform's, caused by our calls.
    expect(connect.filter((e) => e.type === "account.updated").every((e) => e.account === accountId)).toBe(true);
    const created = connect.filter((e) => e.type === "transfer.created");
    expect(created.map((e) => e.request?.idempotency_key)).toEqual(["payout-b-1", "payout-b-1-2", "payout-b-1-3"]);
    expect(connect.filter((e) => e.type.startsWith("transfer.")).every((e) => e.account === undefined)).toBe(true);
  });
});
