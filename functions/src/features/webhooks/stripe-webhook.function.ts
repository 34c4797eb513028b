import { onRequest } from "firebase-functions/v2/https";
import { STRIPE_CONNECT_WEBHOOK_SECRET, STRIPE_WEBHOOK_SECRET, STRIPE_SECRET_KEY } from "../../config/params.js";

/**
 * `stripeWebhook`: receives Stripe's events (POST), from the platform's endpoint (signed with
 * STRIPE_WEBHOOK_SECRET) and the Connect endpoint (STRIPE_CONNECT_WEBHOOK_SECRET).
 */
export const stripeWebhook = onRequest(
  { secrets: [STRIPE_WEBHOOK_SECRET, STRIPE_CONNECT_WEBHOOK_SECRET, STRIPE_SECRET_KEY] },
  async (req, res) => {
    // Imported on the first request, not at start-up (cold start, BENCHMARKS.md).
    const [{ handleStripeWebhook }, { getDependencies }] = await Promise.all([
      import("./stripe-webhook.endpoint.js"),
      import("../../composition-root.js"),
    ]);
    const out = await handleStripeWebhook(req, getDependencies());
    res.status(out.status).json(out.body);
  },
);
