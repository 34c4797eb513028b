import { z } from "zod";

/** What Stripe tells us about a booking's payments, in our terms (the payments port answers with these). */

/** A Checkout Session as we use it. */
export interface CheckoutSessionOut {
  id: string;
  url: string | null;
  status: "open" | "complete" | "expired";
  paymentStatus: "paid" | "unpaid" | "no_payment_required";
  paymentIntentId: string | null;
  /**
   * Complete, unpaid, its PaymentIntent `processing`: paid by a delayed method (SEPA debit and
   * the like) whose outcome Stripe reports later. Always false for a session still open.
   */
  paymentProcessing: boolean;
  expiresAt: string;
}

/** What one of our refunds says of itself: the booking and the obligation (cancellation or owed refund) it pays. */
export interface OurRefund {
  bookingId: string;
  obligationKey: string;
}

/** A connected account (a coach's), in our terms: what onboarding still needs and whether Stripe pays it. */
export interface ConnectedAccountOut {
  accountId: string;
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
  detailsSubmitted: boolean;
  /** `capabilities.transfers === "active"`: only then does Stripe accept a transfer to it. */
  transfersActive: boolean;
  /** `requirements.currently_due` and `past_due`, without repeats. */
  requirementsDue: string[];
  disabledReason: string | null;
}

const AccountAnswerSchema = z.looseObject({
  id: z.string().min(1),
  object: z.literal("account"),
  charges_enabled: z.boolean(),
  payouts_enabled: z.boolean(),
  details_submitted: z.boolean(),
  capabilities: z.looseObject({ transfers: z.string().optional() }).optional(),
  requirements: z
    .looseObject({
      currently_due: z.array(z.string()).nullable(),
      past_due: z.array(z.string()).nullable(),
      disabled_reason: z.string().nullable(),
    })
    .optional(),
});

/** A Stripe account object (an API answer, or an `account.updated` event's), parsed into our terms. */
export function connectedAccountOf(raw: unknown): ConnectedAccountOut {
  const a = AccountAnswerSchema.parse(raw);
  const due = [...(a.requirements?.currently_due ?? []), ...(a.requirements?.past_due ?? [])];
  return {
    accountId: a.id,
    chargesEnabled: a.charges_enabled,
    payoutsEnabled: a.payouts_enabled,
    detailsSubmitted: a.details_submitted,
    transfersActive: a.capabilities?.transfers === "active",
    requirementsDue: [...new Set(due)],
    disabledReason: a.requirements?.disabled_reason ?? null,
  };
}
