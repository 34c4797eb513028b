import { z } from "zod";
import { CentsSchema } from "./money.js";
import type { PaymentTransferred } from "./payouts.js";
import { InstantSchema } from "./time.js";

/**
 * One part of the coach's share of a payment that reached them: a Stripe transfer (`tr_…`), or
 * an amount settled against what the coach owed from an earlier reversal (`netted-…`: no money
 * moved, their debt went down). `reversedCents`: taken back since, by a transfer reversal or, when
 * the coach's balance could not cover one, as a debt.
 */
export const PayoutTransferSchema = z.object({
  transferId: z.string().min(1),
  paymentIntentId: z.string().min(1),
  amountCents: CentsSchema,
  reversedCents: CentsSchema,
  at: InstantSchema,
});

/** A booking's payouts to its coach: what went to them per payment, the fee recorded, and why the last run transferred nothing. */
export const PayoutRecordSchema = z.object({
  transfers: z.array(PayoutTransferSchema).max(200).default([]),
  /** The platform's fee as last recorded in the ledger (it follows what the booking kept). */
  feeCents: z.int().min(0).default(0),
  /** Why the last run made no transfer that was due (payout-timing.ts's blocks), or null. */
  heldBy: z.string().nullable().default(null),
});
export type PayoutRecord = z.output<typeof PayoutRecordSchema>;

/** What went to the coach per payment, as payoutSteps reads it. */
export function transferredByPayment(record: PayoutRecord | null): PaymentTransferred[] {
  const by = new Map<string, PaymentTransferred>();
  for (const t of record?.transfers ?? []) {
    const p = by.get(t.paymentIntentId) ?? { paymentIntentId: t.paymentIntentId, transferredCents: 0, reversedCents: 0 };
    p.transferredCents += t.amountCents;
    p.reversedCents += t.reversedCents;
    by.set(t.paymentIntentId, p);
  }
  return [...by.values()];
}
