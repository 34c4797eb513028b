import { Timestamp } from "firebase-admin/firestore";
import type Stripe from "stripe";
import { z } from "zod";
import { AppError } from "../../domain/errors.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { retryingContention } from "../../shared/contention.js";
import { getDb, webhookEventDoc } from "../../shared/firestore.js";
import type { HttpResponse, RawRequest } from "../../shared/http.js";
import { log } from "../../shared/logger.js";
import { applyStripeEventInTx } from "./stripe-events.js";

/**
 * What every Stripe event has: a signed body that is not an event (a signature is only as good as
 * the body it covers) is refused before anything is recorded.
 */
const StripeEventEnvelopeSchema = z.looseObject({
  id: z
    .string()
    .regex(/^evt_\w+$/)
    .max(255),
  object: z.literal("event"),
  type: z.string().min(1).max(255),
  /** Set on a Connect event: the connected account it happened on. */
  account: z.string().startsWith("acct_").max(255).optional(),
  data: z.looseObject({ object: z.looseObject({}) }),
});

/**
 * Claims a verified event and applies it, once: the claim `webhookEvents/stripe_{event.id}` is
 * written in the same transaction as the booking change (applying it is Firestore writes only), so
 * a redelivered event (or two deliveries racing) changes nothing the second time.
 */
export async function applyStripeEvent(
  event: Stripe.Event,
  deps: Dependencies,
): Promise<"duplicate" | "processed" | "ignored" | "unknown-booking"> {
  const now = deps.now();
  const marker = webhookEventDoc(`stripe_${event.id}`);
  // Deliveries of one event arriving at once contend for its claim: the losers run again and find it taken.
  return retryingContention(() =>
    getDb().runTransaction(async (tx) => {
      if ((await tx.get(marker)).exists) return "duplicate";
      const { outcome, bookingId, detail } = await applyStripeEventInTx(tx, event, now);
      tx.create(marker, { source: "stripe", type: event.type, bookingId, outcome, detail, receivedAt: Timestamp.fromDate(now) });
      log.info("stripe.event", { eventId: event.id, type: event.type, bookingId, outcome, detail });
      return outcome;
    }),
  );
}

/**
 * Whether Stripe should deliver a failed event again (answered 500): every failure but an event
 * that cannot apply to its booking's state (Stripe retrying would not help). Wider than the error
 * table's `isRetryable`, which holds for three transient codes only and for nothing not ours: kept
 * as it was (a redelivery is harmless behind the claim, and Stripe gives up after three days).
 */
function worthRedelivering(err: unknown): boolean {
  return !(err instanceof AppError && err.code === "booking/illegal-transition");
}

/**
 * The Stripe webhook, as a plain function of the raw request: the signature is verified on the
 * raw bytes before anything is read (400 otherwise), then the envelope, then the event is claimed
 * and applied once (stripe-events holds what each event changes).
 *
 * Two Stripe endpoints deliver here, each with its own signing secret: the platform's
 * (STRIPE_WEBHOOK_SECRET: payments, refunds, disputes, transfers) and the Connect endpoint
 * (STRIPE_CONNECT_WEBHOOK_SECRET: events of coaches' connected accounts, which name the `account`).
 * An event verifies with either; a Connect event only with the Connect secret, since a
 * platform-signed event naming an account is not one Stripe sends.
 */
export async function handleStripeWebhook(req: RawRequest, deps: Dependencies): Promise<HttpResponse> {
  if (req.method !== "POST") return { status: 405, body: { error: "POST only" } };
  const secrets = [
    { endpoint: "platform" as const, secret: deps.config.stripeWebhookSecret },
    { endpoint: "connect" as const, secret: deps.config.stripeConnectWebhookSecret },
  ].filter((s): s is { endpoint: "platform" | "connect"; secret: string } => s.secret !== null);
  if (secrets.length === 0) {
    log.error("stripe.webhook-secret-missing");
    return { status: 500, body: { error: "webhook secret not configured" } };
  }
  // The SDK is loaded here, not at module load, so other functions' cold starts skip it.
  const { verifyStripeEvent } = await import("../../integrations/stripe/stripe-webhook.js");
  let event: Stripe.Event | null = null;
  const verifiedBy = new Set<"platform" | "connect">();
  for (const { endpoint, secret } of secrets) {
    try {
      event = verifyStripeEvent(req.rawBody, req.header("stripe-signature"), secret);
      verifiedBy.add(endpoint);
    } catch {
      // Not this endpoint's signature: the other may verify it.
    }
  }
  if (event === null) {
    log.warn("stripe.webhook-signature-rejected");
    return { status: 400, body: { error: "invalid signature" } };
  }
  const envelope = StripeEventEnvelopeSchema.safeParse(event);
  if (!envelope.success) {
    log.warn("stripe.webhook-not-an-event");
    return { status: 400, body: { error: "not a Stripe event" } };
  }
  if (envelope.data.account !== undefined && !verifiedBy.has("connect")) {
    log.warn("stripe.connect-event-without-connect-secret", { eventId: envelope.data.id, type: envelope.data.type });
    return { status: 400, body: { error: "a Connect event must be signed with the Connect endpoint's secret" } };
  }
  try {
    const outcome = await applyStripeEvent(event, deps);
    return { status: 200, body: { received: true, outcome } };
  } catch (err) {
    if (!worthRedelivering(err)) {
      log.warn("stripe.event-not-applicable", { eventId: event.id, type: event.type });
      return { status: 200, body: { received: true, outcome: "not-applicable" } };
    }
    log.error("stripe.event-failed", { eventId: event.id, type: event.type }, err);
    return { status: 500, body: { error: "temporary failure, please retry" } };
  }
}
