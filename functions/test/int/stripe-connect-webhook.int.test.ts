import { describe, expect, it } from "vitest";
import { startPayoutOnboarding } from "../../src/features/payouts/payouts.service.js";
import { handleStripeWebhook } from "../../src/features/webhooks/stripe-webhook.endpoint.js";
import { stripeTestSignature } from "../../src/integrations/stripe/stripe-webhook.js";
import type { Dependencies } from "../../src/ports/dependencies.js";
import { coachDoc, webhookEventDoc } from "../../src/shared/firestore.js";
import { testDependencies } from "../helpers/deps.js";
import { confirmedBooking, storedBooking, useStandIns } from "../helpers/in-process.js";

// Two Stripe endpoints deliver to stripeWebhook, each signing with its own secret: the platform's
// and Connect's. A Connect event (it names the connected `account`) is taken only under the latter.

const standIns = useStandIns();
const PLATFORM_SECRET = "whsec_connect_test_platform";
const CONNECT_SECRET = "whsec_connect_test_connect";
const config = { stripeWebhookSecret: PLATFORM_SECRET, stripeConnectWebhookSecret: CONNECT_SECRET };

function post(rawBody: string, secret: string, deps: Dependencies) {
  const signature = stripeTestSignature(rawBody, secret);
  return handleStripeWebhook(
    { method: "POST", rawBody: Buffer.from(rawBody), header: (n: string) => (n === "stripe-signature" ? signature : undefined) } as never,
    deps,
  );
}

/** A coach with an account, and the account.updated Stripe sends when their onboarding completes (held, unsigned). */
async function onboardingEvent() {
  const s = await confirmedBooking(standIns, { config });
  const { accountId } = await startPayoutOnboarding(s.coach, s.deps);
  standIns.stripe.holdWebhooks();
  standIns.stripe.completeOnboarding(accountId);
  const [event] = standIns.stripe.takeHeldWebhooks();
  if (!event) throw new Error("no account.updated");
  expect(event.type).toBe("account.updated");
  expect(JSON.parse(event.rawBody)).toMatchObject({ account: accountId });
  return { s, event, accountId };
}

describe("the Connect webhook endpoint", () => {
  it("account.updated signed with the Connect secret is applied", async () => {
    const { s, event, accountId } = await onboardingEvent();
    const out = await post(event.rawBody, CONNECT_SECRET, s.deps);
    expect(out).toMatchObject({ status: 200, body: { outcome: "processed" } });
    expect((await coachDoc(s.coachId).get()).data()?.payoutAccount).toMatchObject({ accountId, payoutsEnabled: true });
  });

  it("a Connect event signed with the platform's secret is refused and changes nothing", async () => {
    const { s, event } = await onboardingEvent();
    const out = await post(event.rawBody, PLATFORM_SECRET, s.deps);
    expect(out.status).toBe(400);
    expect((await coachDoc(s.coachId).get()).data()?.payoutAccount?.payoutsEnabled).toBe(false);
    expect((await webhookEventDoc(`stripe_${event.eventId}`).get()).exists).toBe(false);
  });

  it("with one secret for both endpoints (stripe listen), Connect events are taken", async () => {
    const { s, event } = await onboardingEvent();
    const deps = testDependencies(standIns.calcom, {
      stripe: standIns.stripe,
      now: () => s.clock.now,
      stripeWebhookSecret: PLATFORM_SECRET,
      stripeConnectWebhookSecret: PLATFORM_SECRET,
    });
    expect((await post(event.rawBody, PLATFORM_SECRET, deps)).status).toBe(200);
  });

  it("an event signed with neither secret is refused; none configured is a 500", async () => {
    const { s, event } = await onboardingEvent();
    expect((await post(event.rawBody, "whsec_someone_else", s.deps)).status).toBe(400);
    const bare = testDependencies(standIns.calcom, {
      stripe: standIns.stripe,
      stripeWebhookSecret: null,
      stripeConnectWebhookSecret: null,
    });
    expect((await post(event.rawBody, CONNECT_SECRET, bare)).status).toBe(500);
  });

  it("transfer.* events are noted against their booking and change nothing", async () => {
    const s = await confirmedBooking(standIns, { config });
    const payments = await s.deps.payments();
    const { accountId } = await startPayoutOnboarding(s.coach, s.deps);
    standIns.stripe.completeOnboarding(accountId);
    const before = await storedBooking(s.bookingId);
    const charge = await payments.chargeOfPayment(before.paymentIntentIds[0] ?? "");
    standIns.stripe.holdWebhooks();
    const transfer = await payments.createTransfer({
      amountCents: 1_000,
      currency: before.currency,
      destination: accountId,
      sourceTransaction: charge?.chargeId ?? null,
      transferGroup: s.bookingId,
      metadata: { bookingId: s.bookingId },
      idempotencyKey: `t-${s.bookingId}`,
    });
    await payments.createTransferReversal({
      transferId: transfer.transferId,
      amountCents: 400,
      metadata: {},
      idempotencyKey: `r-${s.bookingId}`,
    });
    const held = standIns.stripe.takeHeldWebhooks();
    expect(held.map((e) => e.type)).toEqual(["transfer.created", "transfer.reversed"]);
    for (const e of held) {
      // Transfers are the platform's own objects: their events come from the platform's endpoint, with no `account`.
      expect(JSON.parse(e.rawBody)).not.toHaveProperty("account");
      expect(await post(e.rawBody, PLATFORM_SECRET, s.deps)).toMatchObject({ status: 200, body: { outcome: "ignored" } });
      expect((await webhookEventDoc(`stripe_${e.eventId}`).get()).data()).toMatchObject({
        bookingId: s.bookingId,
        detail: "transfer-left-to-reconciliation",
      });
    }
    const after = await storedBooking(s.bookingId);
    expect(after.payout).toEqual(before.payout);
    expect(after.updatedAt).toBe(before.updatedAt);
  });

  it("the stand-in delivers Connect events to the Connect endpoint only, the others to the platform's", async () => {
    const s = await confirmedBooking(standIns, { config });
    const { accountId } = await startPayoutOnboarding(s.coach, s.deps);
    const { listenOnLoopback } = await import("../stand-ins/loopback-server.js");
    const received: { path: string; status: number; type: string }[] = [];
    const server = await listenOnLoopback(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const rawBody = Buffer.concat(chunks);
      const out = await handleStripeWebhook(
        { method: "POST", rawBody, header: (n: string) => req.headers[n.toLowerCase()] as string | undefined } as never,
        s.deps,
      );
      received.push({ path: req.url ?? "", status: out.status, type: (JSON.parse(rawBody.toString()) as { type: string }).type });
      res.writeHead(out.status).end();
    });
    try {
      standIns.stripe.subscribe(`http://127.0.0.1:${server.port}/platform`, PLATFORM_SECRET, "platform");
      standIns.stripe.subscribe(`http://127.0.0.1:${server.port}/connect`, CONNECT_SECRET, "connect");
      standIns.stripe.completeOnboarding(accountId);
      const payments = await s.deps.payments();
      const charge = await payments.chargeOfPayment((await storedBooking(s.bookingId)).paymentIntentIds[0] ?? "");
      await payments.createTransfer({
        amountCents: 1_000,
        currency: "eur",
        destination: accountId,
        sourceTransaction: charge?.chargeId ?? null,
        transferGroup: s.bookingId,
        metadata: {},
        idempotencyKey: `t2-${s.bookingId}`,
      });
      await standIns.stripe.flushWebhooks();
      expect(received.map((r) => `${r.path} ${r.type} ${r.status}`).sort()).toEqual([
        "/connect account.updated 200",
        "/platform transfer.created 200",
      ]);
      expect((await coachDoc(s.coachId).get()).data()?.payoutAccount?.payoutsEnabled).toBe(true);
    } finally {
      await server.close();
    }
  });
});
