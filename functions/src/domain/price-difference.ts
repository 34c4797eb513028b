import { AppError } from "./errors.js";
import { minimumChargeCents, refundableCents } from "./money.js";

export type PriceDifference =
  { kind: "none"; amountCents: 0; currency: string } | { kind: "charge" | "refund"; amountCents: number; currency: string };

export interface PriceDifferenceInput {
  /** What the student has paid for the booking so far, and what was refunded of it. */
  capturedCents: number;
  refundedCents: number;
  currency: string;
  /** The price of the offering the booking moves to. */
  newPriceCents: number;
  newCurrency: string;
}

/**
 * What a reschedule to another price costs: the new price against what the student has paid net
 * of refunds. Dearer → the student pays the difference; cheaper → we refund it. A difference to
 * pay under Stripe's minimum charge for the currency is waived: Stripe would refuse to charge it,
 * and refusing the move over a few cents would serve nobody. Moving between currencies is
 * refused: there is no honest exchange rate to apply.
 */
export function priceDifference(input: PriceDifferenceInput): PriceDifference {
  const currency = input.currency.toLowerCase();
  if (currency !== input.newCurrency.toLowerCase()) {
    throw new AppError(
      "booking/currency-mismatch",
      `A booking paid in ${currency.toUpperCase()} cannot move to an offering priced in ${input.newCurrency.toUpperCase()}.`,
    );
  }
  const netPaid = refundableCents(input.capturedCents, input.refundedCents);
  const delta = input.newPriceCents - netPaid;
  if (delta === 0 || (delta > 0 && delta < minimumChargeCents(currency))) return { kind: "none", amountCents: 0, currency };
  return delta > 0 ? { kind: "charge", amountCents: delta, currency } : { kind: "refund", amountCents: -delta, currency };
}
