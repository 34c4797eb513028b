import { z } from "zod";

/** Largest amount we accept in minor units: well inside Number.MAX_SAFE_INTEGER / 100. */
export const MAX_CENTS = 99_999_999;

/** Integer minor units (cents), never negative. */
export const CentsSchema = z.int().min(0).max(MAX_CENTS);

/** ISO 4217 code, stored lowercase as Stripe writes it. */
export const CurrencySchema = z
  .string()
  .regex(/^[A-Za-z]{3}$/, "must be a three-letter ISO 4217 currency code")
  .transform((code) => code.toLowerCase());
export type Currency = z.output<typeof CurrencySchema>;

export const MoneySchema = z.object({ amountCents: CentsSchema, currency: CurrencySchema });
export type Money = z.output<typeof MoneySchema>;

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
