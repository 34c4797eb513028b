import Stripe from "stripe";
import { z } from "zod";
import { AppError } from "../../domain/errors.js";
import type { PaymentsGateway } from "../../ports/payments.port.js";
import * as connect from "./stripe-connect.js";
import type { CheckoutSessionOut, OurRefund } from "../../domain/stripe-views.js";
import { log } from "../../shared/logger.js";

/** The metadata our refunds carry (see `refund`); a refund made elsewhere does not match. */
const OurRefundMetadataSchema = z.object({ bookingId: z.string().min(1), obligationKey: z.string().min(1) });

const SessionStatusSchema = z.enum(["open", "complete", "expired"]);
const SessionPaymentStatusSchema = z.enum(["paid", "unpaid", "no_payment_required"]);

/** The part of a PaymentIntent we read: whether a delayed payment is still processing. */
const PaymentIntentStatusSchema = z.looseObject({ status: z.string().min(1) });

function sessionOut(s: Stripe.Checkout.Session, paymentProcessing = false): CheckoutSessionOut {
  const paymentIntent = s.payment_intent;
  return {
    id: s.id,
    url: s.url,
    status: SessionStatusSchema.parse(s.status),
    paymentStatus: SessionPaymentStatusSchema.parse(s.payment_status),
    paymentIntentId: typeof paymentIntent === "string" ? paymentIntent : (paymentIntent?.id ?? null),
    paymentProcessing,
    expiresAt: new Date(s.expires_at * 1000).toISOString(),
  };
}

/** Translates Stripe's errors by class and code, never by message. */
export function stripeToAppError(err: unknown): unknown {
  if (!(err instanceof Stripe.errors.StripeError)) return err;
  const details = { stripeCode: err.code ?? null, requestId: err.requestId };
  if (err instanceof Stripe.errors.StripeCardError) {
    return new AppError("payment/card-declined", "The card was declined.", {
      details: { ...details, declineCode: err.decline_code },
      cause: err,
    });
  }
  if (err.code === "charge_disputed") {
    return new AppError("payment/disputed", "This payment is disputed: no refund can be made while the dispute is open.", {
      details,
      cause: err,
    });
  }
  // A transfer the platform's available balance cannot cover (Stripe's documented code for it).
  if (err.code === "balance_insufficient") {
    return new AppError("payment/insufficient-funds", "The balance this payout draws on cannot cover it now.", { details, cause: err });
  }
  if (err.code === "charge_already_refunded") {
    return new AppError("payment/already-refunded", "This payment has already been refunded in full.", { details, cause: err });
  }
  if (
    err instanceof Stripe.errors.StripeRateLimitError ||
    err instanceof Stripe.errors.StripeConnectionError ||
    err instanceof Stripe.errors.StripeAPIError
  ) {
    return new AppError("upstream/unavailable", "Stripe is not answering right now. Please try again shortly.", { details, cause: err });
  }
  log.error("stripe.rejected", { code: err.code ?? null, requestId: err.requestId ?? null, type: err.type });
  return new AppError("upstream/rejected", "Stripe refused the request.", { details, cause: err });
}

/** PaymentsGateway on the Stripe SDK; every write carries the caller's idempotency key. */
const DisputeAnswerSchema = z.looseObject({
  id: z.string().min(1),
  object: z.literal("dispute"),
  status: z.string().min(1),
  amount: z.int().min(0),
  currency: z.string().length(3),
  reason: z.string(),
  evidence_details: z.looseObject({ due_by: z.int().nullable() }),
});

export class StripePaymentsGateway implements PaymentsGateway {
  constructor(private readonly stripe: Stripe) {}

  async createCheckoutSession(input: Parameters<PaymentsGateway["createCheckoutSession"]>[0]): Promise<CheckoutSessionOut> {
    return this.mapped(async () => {
      const metadata: Record<string, string> = input.purpose
        ? { bookingId: input.bookingId, purpose: input.purpose.kind, rescheduleId: input.purpose.rescheduleId }
        : { bookingId: input.bookingId };
      const session = await this.stripe.checkout.sessions.create(
        {
          mode: "payment",
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: input.currency,
                unit_amount: input.amountCents,
                product_data: { name: input.title, description: input.description },
              },
            },
          ],
          client_reference_id: input.bookingId,
          metadata,
          payment_intent_data: {
            metadata,
            description: input.description,
            ...(input.transferGroup === undefined ? {} : { transfer_group: input.transferGroup }),
          },
          ...(input.customerEmail ? { customer_email: input.customerEmail } : {}),
          expires_at: Math.floor(input.expiresAt.getTime() / 1000),
          success_url: input.successUrl,
          cancel_url: input.cancelUrl,
        },
        { idempotencyKey: input.idempotencyKey },
      );
      return sessionOut(session);
    });
  }

  async retrieveDispute(disputeId: string): Promise<Stripe.Dispute> {
    return this.mapped(async () => {
      const dispute = await this.stripe.disputes.retrieve(disputeId);
      // The fields recording a dispute relies on, checked: the rest is Stripe's own type.
      DisputeAnswerSchema.parse(dispute);
      return dispute;
    });
  }

  async retrieveCheckoutSession(sessionId: string): Promise<CheckoutSessionOut> {
    return this.mapped(async () => this.withPaymentState(await this.stripe.checkout.sessions.retrieve(sessionId)));
  }

  /**
   * The session as we see it, with whether its payment is processing: a complete unpaid session
   * says nothing of that itself (a failed delayed payment leaves it complete and unpaid too), so
   * its PaymentIntent is read.
   */
  private async withPaymentState(s: Stripe.Checkout.Session): Promise<CheckoutSessionOut> {
    const out = sessionOut(s);
    if (out.status !== "complete" || out.paymentStatus !== "unpaid" || out.paymentIntentId === null) return out;
    const intent = PaymentIntentStatusSchema.parse(await this.stripe.paymentIntents.retrieve(out.paymentIntentId));
    return { ...out, paymentProcessing: intent.status === "processing" };
  }

  async expireCheckoutSession(sessionId: string, idempotencyKey: string): Promise<CheckoutSessionOut> {
    return this.mapped(async () => {
      let current: Stripe.Checkout.Session;
      try {
        current = await this.stripe.checkout.sessions.retrieve(sessionId);
      } catch (err) {
        // No such session (never made, or another account): nothing can be paid through it.
        if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === "resource_missing") {
          return {
            id: sessionId,
            url: null,
            status: "expired" as const,
            paymentStatus: "unpaid" as const,
            paymentIntentId: null,
            paymentProcessing: false,
            expiresAt: new Date().toISOString(),
          };
        }
        throw err;
      }
      if (current.status !== "open") return this.withPaymentState(current);
      return sessionOut(await this.stripe.checkout.sessions.expire(sessionId, {}, { idempotencyKey }));
    });
  }

  async refund(input: Parameters<PaymentsGateway["refund"]>[0]) {
    return this.mapped(async () => {
      const refund = await this.stripe.refunds.create(
        {
          payment_intent: input.paymentIntentId,
          amount: input.amountCents,
          reason: "requested_by_customer",
          metadata: {
            bookingId: input.bookingId,
            obligationKey: input.obligationKey,
            paymentIntentId: input.paymentIntentId,
            cause: input.cause,
          },
        },
        { idempotencyKey: input.idempotencyKey },
      );
      return { refundId: refund.id, amountCents: refund.amount, status: refund.status ?? "pending" };
    });
  }

  async listRefunds(paymentIntentId: string) {
    return this.mapped(async () => {
      const out: { refundId: string; amountCents: number; status: string; ours: OurRefund | null }[] = [];
      for await (const r of this.stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 })) {
        const ours = OurRefundMetadataSchema.safeParse(r.metadata ?? {});
        out.push({ refundId: r.id, amountCents: r.amount, status: r.status ?? "pending", ours: ours.success ? ours.data : null });
      }
      return out;
    });
  }

  async listOpenCheckoutSessions(createdSince: Date) {
    return this.mapped(async () => {
      const out: (CheckoutSessionOut & { metadata: Record<string, string>; createdAt: string })[] = [];
      for await (const s of this.stripe.checkout.sessions.list({
        status: "open",
        created: { gte: Math.floor(createdSince.getTime() / 1000) },
        limit: 100,
      })) {
        out.push({ ...sessionOut(s), metadata: s.metadata ?? {}, createdAt: new Date(s.created * 1000).toISOString() });
      }
      return out;
    });
  }

  async createConnectedAccount(input: Parameters<PaymentsGateway["createConnectedAccount"]>[0]) {
    return this.mapped(() => connect.createConnectedAccount(this.stripe, input));
  }

  async retrieveConnectedAccount(accountId: string) {
    return this.mapped(() => connect.retrieveConnectedAccount(this.stripe, accountId));
  }

  async createAccountLink(input: Parameters<PaymentsGateway["createAccountLink"]>[0]) {
    return this.mapped(() => connect.createAccountLink(this.stripe, input));
  }

  async chargeOfPayment(paymentIntentId: string) {
    return this.mapped(() => connect.chargeOfPayment(this.stripe, paymentIntentId));
  }

  async createTransfer(input: Parameters<PaymentsGateway["createTransfer"]>[0]) {
    return this.mapped(() => connect.createTransfer(this.stripe, input));
  }

  async createTransferReversal(input: Parameters<PaymentsGateway["createTransferReversal"]>[0]) {
    return this.mapped(() => connect.createTransferReversal(this.stripe, input));
  }

  async listTransfers(transferGroup: string) {
    return this.mapped(() => connect.listTransfers(this.stripe, transferGroup));
  }

  async connectedBalance(accountId: string, currency: string) {
    return this.mapped(() => connect.connectedBalance(this.stripe, accountId, currency));
  }

  private async mapped<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw stripeToAppError(err);
    }
  }
}
