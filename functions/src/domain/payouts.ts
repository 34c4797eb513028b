import { z } from "zod";
import { roundDownForStripe } from "./money.js";

/**
 * The platform's fee on a booking: a share in basis points (1500 = 15 %) and a fixed amount in
 * the booking's currency, taken once per booking. Frozen on the booking when it is made, like its
 * cancellation policy: a later change of the platform's or the coach's fee never touches it.
 */
export const PlatformFeeSchema = z.object({
  basisPoints: z.int().min(0).max(10_000),
  fixedCents: z.int().min(0).max(99_999_999),
});
export type PlatformFee = z.output<typeof PlatformFeeSchema>;

/**
 * A fee schedule: the platform's (PLATFORM_FEE_PERCENT, PLATFORM_FEE_FIXED), or one coach's
 * override of it (set by an admin on the coach). The fixed part is per currency.
 */
export const FeeScheduleSchema = z.object({
  basisPoints: z.int().min(0).max(10_000),
  fixedCents: z.record(z.string().regex(/^[a-z]{3}$/), z.int().min(0).max(99_999_999)).default({}),
});
export type FeeSchedule = z.output<typeof FeeScheduleSchema>;

/** The fee a new booking in `currency` freezes: the coach's override when they have one, else the platform's. */
export function feeFor(platform: FeeSchedule, coachOverride: FeeSchedule | undefined, currency: string): PlatformFee {
  const schedule = coachOverride ?? platform;
  return { basisPoints: schedule.basisPoints, fixedCents: schedule.fixedCents[currency.toLowerCase()] ?? 0 };
}

/** "15" or "12.5" (percent, at most two decimals) as basis points; empty: none. */
export function parseFeePercent(text: string): number {
  const t = text.trim();
  if (t === "") return 0;
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(t)) throw new RangeError(`a fee percent is a number such as 15 or 12.5: "${text}" is not`);
  const bps = Math.round(Number(t) * 100);
  if (bps > 10_000) throw new RangeError(`a fee percent is at most 100: "${text}"`);
  return bps;
}

/** "eur:50,usd:50": the fixed part of the fee per currency, in minor units (a currency not listed: none). */
export function parseFixedFees(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "")) {
    const m = /^([a-zA-Z]{3}):(\d{1,8})$/.exec(part);
    if (!m) throw new RangeError(`a fixed fee is <currency>:<minor units>, e.g. eur:50: "${part}" is not`);
    out.set((m[1] ?? "").toLowerCase(), Number(m[2]));
  }
  return out;
}

/**
 * The split of what the platform keeps of a booking (captured − refunded − lost to disputes):
 * the coach's share is what remains after the fee, rounded down to an amount Stripe transfers in
 * that currency; the fee is the rest, so fee + share is always exactly what was kept. The fee
 * applies to what was kept: a booking refunded in half pays half the percentage, and one refunded
 * in full pays nothing (nor its fixed part).
 */
export function splitKept(keptCents: number, fee: PlatformFee, currency: string): { feeCents: number; coachCents: number } {
  if (!Number.isSafeInteger(keptCents) || keptCents < 0) throw new RangeError(`kept must be a non-negative integer: ${keptCents}`);
  if (keptCents === 0) return { feeCents: 0, coachCents: 0 };
  // Half up on the percentage: 15 % of 0.05 is 0.01 (the platform never takes less than its rate rounds to).
  const percentPart = Math.floor((keptCents * fee.basisPoints + 5_000) / 10_000);
  const wanted = Math.min(keptCents, percentPart + fee.fixedCents);
  const coachCents = roundDownForStripe(keptCents - wanted, currency);
  return { feeCents: keptCents - coachCents, coachCents };
}

/** One payment of a booking as payouts see it: what it captured, what was refunded of it and lost to a dispute. */
export interface PaymentKept {
  paymentIntentId: string;
  capturedCents: number;
  refundedCents: number;
  lostCents: number;
}

/**
 * The coach's share of a booking spread over its payments in proportion to what each kept (the
 * remainder to the payments that kept the most), so each transfer can name its own charge as
 * source and never exceeds it.
 */
export function shareByPayment(payments: readonly PaymentKept[], coachCents: number): Map<string, number> {
  const kept = payments.map((p) => ({ id: p.paymentIntentId, kept: Math.max(0, p.capturedCents - p.refundedCents - p.lostCents) }));
  const total = kept.reduce((s, p) => s + p.kept, 0);
  const out = new Map<string, number>(kept.map((p) => [p.id, 0]));
  if (total === 0 || coachCents === 0) return out;
  if (coachCents > total) throw new RangeError(`the coach's share ${coachCents} exceeds what the payments kept ${total}`);
  let given = 0;
  for (const p of kept) {
    const part = Math.floor((p.kept * coachCents) / total);
    out.set(p.id, part);
    given += part;
  }
  const byKept = [...kept].sort((a, b) => b.kept - a.kept);
  for (let i = 0; given < coachCents; i = (i + 1) % byKept.length) {
    const p = byKept[i];
    if (!p) break;
    const now = out.get(p.id) ?? 0;
    if (now < p.kept) {
      out.set(p.id, now + 1);
      given++;
    }
  }
  return out;
}

/** What has gone to the coach from one payment: transfers made minus what was reversed of them. */
export interface PaymentTransferred {
  paymentIntentId: string;
  transferredCents: number;
  reversedCents: number;
}

export type PayoutStep =
  { kind: "transfer"; paymentIntentId: string; amountCents: number } | { kind: "reverse"; paymentIntentId: string; amountCents: number };

/**
 * What brings each payment's transfers to the coach's share of it: a transfer of what is still
 * due, or a reversal of what was transferred beyond it (a refund or a lost dispute after payout).
 * Nothing when they agree. Reversals come first, so a coach's balance is never counted twice.
 */
export function payoutSteps(due: ReadonlyMap<string, number>, done: readonly PaymentTransferred[]): PayoutStep[] {
  const net = new Map(done.map((d) => [d.paymentIntentId, d.transferredCents - d.reversedCents]));
  const ids = [...new Set([...due.keys(), ...net.keys()])];
  const reversals: PayoutStep[] = [];
  const transfers: PayoutStep[] = [];
  for (const id of ids) {
    const diff = (due.get(id) ?? 0) - (net.get(id) ?? 0);
    if (diff > 0) transfers.push({ kind: "transfer", paymentIntentId: id, amountCents: diff });
    if (diff < 0) reversals.push({ kind: "reverse", paymentIntentId: id, amountCents: -diff });
  }
  return [...reversals, ...transfers];
}
