import { AppError } from "./errors.js";

/** One payment captured for a booking: the first Checkout, then any reschedule difference. */
export interface Charge {
  paymentIntentId: string;
  amountCents: number;
  refundedCents: number;
}

export interface RefundPart {
  paymentIntentId: string;
  amountCents: number;
}

/**
 * Splits a refund across a booking's payments, newest first: a refund can only go back through
 * the payment that took the money, and each part is at most what that payment still holds. The
 * split is deterministic, and recording one part leaves the others unchanged, so a retried
 * refund asks Stripe for exactly the same parts (same idempotency keys, same amounts).
 */
export function allocateRefund(charges: readonly Charge[], amountCents: number): RefundPart[] {
  if (!Number.isInteger(amountCents) || amountCents < 0)
    throw new AppError("request/invalid", "A refund must be a whole, non-negative amount.");
  const parts: RefundPart[] = [];
  let left = amountCents;
  for (let i = charges.length - 1; i >= 0 && left > 0; i--) {
    const charge = charges[i];
    if (!charge) continue;
    const room = Math.max(0, charge.amountCents - charge.refundedCents);
    const part = Math.min(room, left);
    if (part > 0) parts.push({ paymentIntentId: charge.paymentIntentId, amountCents: part });
    left -= part;
  }
  if (left > 0)
    throw new AppError("request/invalid", `Cannot refund ${amountCents}: the payments of this booking hold only ${amountCents - left}.`);
  return parts;
}
