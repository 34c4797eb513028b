import Stripe from "stripe";

/** Verifies `Stripe-Signature` over the raw body (default 300 s tolerance) and returns the event. */
export function verifyStripeEvent(rawBody: Buffer | string, signature: string | undefined, secret: string): Stripe.Event {
  // An empty header fails inside constructEvent like any other bad signature.
  return Stripe.webhooks.constructEvent(rawBody, signature ?? "", secret);
}

/** For tests and the stand-in: a valid header for exactly these bytes. */
export function stripeTestSignature(payload: string, secret: string, timestamp?: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp === undefined ? {} : { timestamp }) });
}
