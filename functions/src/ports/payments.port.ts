import type Stripe from "stripe";
import type { CheckoutSessionOut, ConnectedAccountOut, OurRefund } from "../domain/stripe-views.js";

/** A transfer from the platform to a connected account. */
export interface TransferOut {
  transferId: string;
  amountCents: number;
  currency: string;
  destination: string;
  sourceTransaction: string | null;
  transferGroup: string | null;
  reversedCents: number;
  metadata: Record<string, string>;
  createdAt: string;
}

export interface TransferReversalOut {
  reversalId: string;
  transferId: string;
  amountCents: number;
}

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
    /** Becomes `payment_intent_data.transfer_group`: the booking's payments are paid out to the coach as one group. */
    transferGroup?: string;
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

  /** An Express connected account for a coach (`metadata.coachId`), asking for the `transfers` capability. */
  createConnectedAccount(input: {
    coachId: string;
    email: string | null;
    country: string | null;
    idempotencyKey: string;
  }): Promise<ConnectedAccountOut>;
  retrieveConnectedAccount(accountId: string): Promise<ConnectedAccountOut>;
  /** A one-time onboarding link (`account_onboarding`); it expires within minutes, so make a fresh one each time. */
  createAccountLink(input: { accountId: string; refreshUrl: string; returnUrl: string }): Promise<{ url: string; expiresAt: string }>;
  /** The charge of a payment (its PaymentIntent's `latest_charge`), or null while it has none. */
  chargeOfPayment(paymentIntentId: string): Promise<{ chargeId: string; amountCents: number; currency: string } | null>;
  /**
   * A transfer to a connected account. `payment/account-not-ready` when the account cannot receive
   * transfers yet; `payment/insufficient-funds` when the platform's available balance cannot cover
   * a transfer without `sourceTransaction`.
   */
  createTransfer(input: {
    amountCents: number;
    currency: string;
    destination: string;
    sourceTransaction: string | null;
    transferGroup: string;
    metadata: Record<string, string>;
    idempotencyKey: string;
  }): Promise<TransferOut>;
  /** Takes back part or all of a transfer; `payment/insufficient-funds` when the connected account's balance cannot cover it. */
  createTransferReversal(input: {
    transferId: string;
    amountCents: number;
    metadata: Record<string, string>;
    idempotencyKey: string;
  }): Promise<TransferReversalOut>;
  /** Every transfer of a group (reconciliation), newest first. */
  listTransfers(transferGroup: string): Promise<TransferOut[]>;
  /** What a connected account holds in `currency`, available and pending (reconciliation: money left on an account Stripe no longer pays out). */
  connectedBalance(accountId: string, currency: string): Promise<number>;
}
