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
export type PayoutTransfer = z.output<typeof PayoutTransferSchema>;

/**
 * A payment's share about to reach the coach, recorded before Stripe is called: the part settled
 * against their debt (already taken off it) and the part to transfer. Its id is the transfer's
 * idempotency key, so a run that died after Stripe answered makes the same call and gets the same
 * transfer; a run that finds it pending finishes it before deciding anything else.
 */
export const PendingPayoutSchema = z.object({
  intentId: z.string().min(1).max(200),
  paymentIntentId: z.string().min(1),
  nettedCents: CentsSchema,
  transferCents: CentsSchema,
  destination: z.string().startsWith("acct_"),
  at: InstantSchema,
});
export type PendingPayout = z.output<typeof PendingPayoutSchema>;

/** A booking's payouts to its coach: what went to them per payment, the fee recorded, and why the last run transferred nothing. */
export const PayoutRecordSchema = z.object({
  transfers: z.array(PayoutTransferSchema).max(200).default([]),
  pending: z.array(PendingPayoutSchema).max(20).default([]),
  /** How many payout intents were ever made for the booking: the next one's number. */
  intents: z.int().min(0).default(0),
  /** How many platform-fee ledger entries were written: the next one's number. */
  feeEntries: z.int().min(0).default(0),
  /** The platform's fee as last recorded in the ledger (it follows what the booking kept). */
  feeCents: z.int().min(0).default(0),
  /** Why the last run made no transfer that was due (payout-timing.ts's blocks), or null. */
  heldBy: z.string().nullable().default(null),
});
export type PayoutRecord = z.output<typeof PayoutRecordSchema>;

/** The record of a booking not paid out yet. */
export function payoutRecordOf(booking: { payout: PayoutRecord | null }): PayoutRecord {
  return booking.payout ?? PayoutRecordSchema.parse({});
}

/** What went to the coach per payment, as payoutSteps reads it (a pending intent counts as gone: it is finished first). */
export function transferredByPayment(record: PayoutRecord | null): PaymentTransferred[] {
  const by = new Map<string, PaymentTransferred>();
  const pending = (record?.pending ?? []).map((p) => ({
    paymentIntentId: p.paymentIntentId,
    amountCents: p.nettedCents + p.transferCents,
    reversedCents: 0,
  }));
  for (const t of [...(record?.transfers ?? []), ...pending]) {
    const p = by.get(t.paymentIntentId) ?? { paymentIntentId: t.paymentIntentId, transferredCents: 0, reversedCents: 0 };
    p.transferredCents += t.amountCents;
    p.reversedCents += t.reversedCents;
    by.set(t.paymentIntentId, p);
  }
  return [...by.values()];
}
