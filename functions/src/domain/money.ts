import { z } from "zod";

/** Largest amount we accept in minor units: well inside Number.MAX_SAFE_INTEGER / 100. */
export const MAX_CENTS = 99_999_999;

/** Integer minor units (cents), never negative. */
export const CentsSchema = z.int().min(0).max(MAX_CENTS);

/**
 * A total over several payments (a booking's captured, refunded and disputed sums, what a
 * cancellation or an obligation adds up to): each payment is bounded by CentsSchema, but moves
 * down and back up add a payment each time, so the total has only the bound of exact integers.
 */
export const TotalCentsSchema = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** ISO 4217 code, stored lowercase as Stripe writes it. */
export const CurrencySchema = z
  .string()
  .regex(/^[A-Za-z]{3}$/, "must be a three-letter ISO 4217 currency code")
  .transform((code) => code.toLowerCase());

export const MoneySchema = z.object({ amountCents: CentsSchema, currency: CurrencySchema });

/**
 * `percent` % of `cents`, rounded down to a whole minor unit, so that a computed refund never
 * exceeds the share it stands for (50 % of 1999 is 999).
 */
export function percentOf(cents: number, percent: number): number {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError(`cents must be a non-negative integer: ${cents}`);
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new RangeError(`percent must be 0..100: ${percent}`);
  return Math.floor((cents * percent) / 100);
}

/** What is left to refund of a payment: captured minus already refunded, never below zero. */
export function refundableCents(capturedCents: number, refundedCents: number): number {
  return Math.max(0, capturedCents - refundedCents);
}

/** Formats minor units for people: `€12.50`, `¥1,250` (Intl knows each currency's decimals). */
export function formatMoney(cents: number, currency: string): string {
  const format = new Intl.NumberFormat("en", { style: "currency", currency: currency.toUpperCase() });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(cents / 10 ** digits);
}

/** Three-decimal currencies: Stripe takes amounts in thousandths but only in steps of 10. */
const STEP_10 = new Set(["bhd", "jod", "kwd", "omr", "tnd"]);
/**
 * Written with two decimals for backwards compatibility, but only whole units are accepted: the
 * amount must be divisible by 100. (HUF and TWD are restricted to whole units for payouts only,
 * so their refunds take any minor unit.)
 */
const STEP_100 = new Set(["isk", "ugx"]);

/** The smallest step, in minor units, of an amount Stripe accepts in `currency`. */
export function stripeAmountStep(currency: string): number {
  const code = currency.toLowerCase();
  return STEP_10.has(code) ? 10 : STEP_100.has(code) ? 100 : 1;
}

/**
 * `cents` rounded DOWN to an amount Stripe accepts in `currency`, so that a computed refund (a
 * policy percentage, an admin's amount) can always be made and never exceeds what it stands for:
 * 50 % of 10.010 KWD is 5.000, not 5.005.
 */
export function roundDownForStripe(cents: number, currency: string): number {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError(`cents must be a non-negative integer: ${cents}`);
  const step = stripeAmountStep(currency);
  return cents - (cents % step);
}

/**
 * Stripe's minimum charge per currency, in the currency's smallest unit ("Minimum and maximum
 * charge amounts"; docs/stand-ins.md shows the table). A currency not listed has none here.
 * Refunds have no minimum.
 */
const MINIMUM_CHARGE: Readonly<Record<string, number>> = {
  usd: 50,
  aed: 200,
  aud: 50,
  bgn: 100,
  brl: 50,
  cad: 50,
  chf: 50,
  czk: 1500,
  dkk: 250,
  eur: 50,
  gbp: 30,
  hkd: 400,
  huf: 17500,
  inr: 50,
  jpy: 50,
  mxn: 1000,
  myr: 200,
  nok: 300,
  nzd: 50,
  pln: 200,
  ron: 200,
  sek: 300,
  sgd: 50,
  thb: 1000,
};

/** The smallest amount Stripe charges in `currency` (0: none known). */
export function minimumChargeCents(currency: string): number {
  return MINIMUM_CHARGE[currency.toLowerCase()] ?? 0;
}

/**
 * Whether a refund Stripe answered with is made: `succeeded`, or `pending` (accepted, the money
 * on its way). `failed` and `canceled` returned nothing; `requires_action` waits for someone.
 */
export function isRefundMade(status: string): boolean {
  return status === "succeeded" || status === "pending";
}
