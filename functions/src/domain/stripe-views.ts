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
