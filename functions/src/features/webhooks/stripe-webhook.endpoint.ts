import type { Request } from "firebase-functions/v2/https";
import type Stripe from "stripe";
import { z } from "zod";
import { AppError } from "../../domain/errors.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { log } from "../../shared/logger.js";
import { applyStripeEvent } from "../payments/stripe-events.js";

/**
 * What every Stripe event has: a signed body that is not an event (a signature is only as good as
 * the body it covers) is refused before anything is recorded.
 */
const StripeEventEnvelopeSchema = z.looseObject({
  id: z.string().regex(/^evt_\w+$/).max(255),
  object: z.literal("event"),
  type: z.string().min(1).max(255),
  data: z.looseObject({ object: z.looseObject({}) }),
});

export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
}

/**
 * The Stripe webhook, as a plain function of the raw request: the signature is verified on the
 * raw bytes before anything is read (400 otherwise), then the event is recorded once. Transient
 * failures answer 500 so Stripe delivers again; the de-duplication makes that safe.
 */
export async function handleStripeWebhook(req: Pick<Request, "method" | "rawBody" | "header">, deps: Dependencies): Promise<WebhookResponse> {
  if (req.method !== "POST") return { status: 405, body: { error: "POST only" } };
  const secret = deps.config.stripeWebhookSecret;
  if (secret === null) {
    log.error("stripe.webhook-secret-missing");
    return { status: 500, body: { error: "webhook secret not configured" } };
  }
  let event: Stripe.Event;
  try {
    // The SDK is loaded here, not at module load, so other functions' cold starts skip it.
    const { verifyStripeEvent } = await import("../../integrations/stripe/stripe-webhook.js");
    event = verifyStripeEvent(req.rawBody, req.header("stripe-signature"), secret);
  } catch {
    log.warn("stripe.webhook-signature-rejected");
    return { status: 400, body: { error: "invalid signature" } };
  }
  if (!StripeEventEnvelopeSchema.safeParse(event).success) {
    log.warn("stripe.webhook-not-an-event");
    return { status: 400, body: { error: "not a Stripe event" } };
  }
  try {
    const outcome = await applyStripeEvent(event, deps);
    return { status: 200, body: { received: true, outcome } };
  } catch (err) {
    if (err instanceof AppError && err.code === "booking/illegal-transition") {
      // Permanent: the event cannot apply to this booking; Stripe retrying would not help.
      log.warn("stripe.event-not-applicable", { eventId: event.id, type: event.type });
      return { status: 200, body: { received: true, outcome: "not-applicable" } };
    }
    log.error("stripe.event-failed", { eventId: event.id, type: event.type }, err);
    return { status: 500, body: { error: "temporary failure, please retry" } };
  }
}
