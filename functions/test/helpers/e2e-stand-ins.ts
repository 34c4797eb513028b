import { FakeCalcom } from "../stand-ins/fake-calcom.server.js";
import { FakeStripe } from "../stand-ins/fake-stripe.server.js";
import { functionsBaseUrl } from "./call-callable.js";

/** The webhook secret of functions/.secret.local.example, which the emulated stripeWebhook uses. */
export const LOCAL_STRIPE_WEBHOOK_SECRET = "whsec_standin_webhook_secret";

/**
 * Both stand-ins where functions/.env.local points the emulated functions (Cal.com on 5601, with a
 * rate limit no test reaches; Stripe on 5602, its signed events delivered to stripeWebhook).
 */
export async function startLocalStandIns(): Promise<{ calcom: FakeCalcom; stripe: FakeStripe }> {
  const calcom = await FakeCalcom.start({ port: 5601, rateLimit: { limit: 10_000, windowMs: 60_000, blockMs: 60_000 } });
  const stripe = await FakeStripe.start({ port: 5602 });
  stripe.subscribe(`${functionsBaseUrl()}/stripeWebhook`, LOCAL_STRIPE_WEBHOOK_SECRET);
  return { calcom, stripe };
}
