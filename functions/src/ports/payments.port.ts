import type Stripe from "stripe";
import type { CheckoutSessionOut, OurRefund } from "../domain/stripe-views.js";

/** The Stripe operations the features need, in our own types. Implemented by the Stripe gateway. */
export interface PaymentsGateway {
  /** One call; `idempotencyKey` makes a retried create return the same session. */
  createCheckoutSession(input: {
    bookingId: string;
    /** What the payment is for: the booking itself (default) or the difference of a move. */
    purpose?: { kind: "reschedule"; rescheduleId: string };
    amountCents: number;
    currency: string;
    title: string;
    description: string;
    customerEmail: string | null;
    expiresAt: Date;
    successUrl: string;
    cancelUrl: string;
    idempotencyKey: string;
  }): Promise<CheckoutSessionOut>;
  retrieveCheckoutSession(sessionId: string): Promise<CheckoutSessionOut>;
  /** A dispute as Stripe has it now (reconciliation re-reads one whose events may be lost). */
  retrieveDispute(disputeId: string): Promise<Stripe.Dispute>;
  /** Expires an open session; a session no longer open is returned as it is. */
  expireCheckoutSession(sessionId: string, idempotencyKey: string): Promise<CheckoutSessionOut>;
  /**
   * Every refund of a payment, ours or made elsewhere (the Dashboard). `ours` is what our own
   * refunds carry in their metadata: the booking and the obligation they pay.
   */
  listRefunds(paymentIntentId: string): Promise<{ refundId: string; amountCents: number; status: string; ours: OurRefund | null }[]>;
  /** Checkout Sessions still open that were created since `createdSince`, with their metadata. */
  listOpenCheckoutSessions(createdSince: Date): Promise<(CheckoutSessionOut & { metadata: Record<string, string>; createdAt: string })[]>;
  /** Names the booking and the obligation in the refund's metadata, so that reconciliation can tell it is ours. */
  refund(input: {
    paymentIntentId: string;
    amountCents: number;
    bookingId: string;
    obligationKey: string;
    cause: string;
    idempotencyKey: string;
  }): Promise<{ refundId: string; amountCents: number; status: string }>;
}
