import type { PayoutRecord } from "./payout-record.js";

/**
 * What reconciliation may find wrong with a booking's payouts, from its payout record and
 * Stripe's transfers of its transfer group (the booking id). Pure: the service gathers the views
 * and acts. Only `transfer-unfinished` is healed (by runPayouts, whose job finishing an intent
 * is); the others move money or need a person, so they are reported to an admin.
 */
export type PayoutDrift =
  /** Recorded as made, and Stripe has no such transfer in the booking's group. */
  | { kind: "transfer-missing"; transferId: string; amountCents: number }
  /** At Stripe, not recorded, made for an intent still pending here (the run died after Stripe answered). */
  | { kind: "transfer-unfinished"; transferId: string; intentId: string }
  /** At Stripe, not recorded, and no pending intent names it: made twice, or its record lost. */
  | { kind: "transfer-not-recorded"; transferId: string; amountCents: number; intentId: string | null }
  /** A reversal recorded against the transfer that Stripe does not show (its `amount_reversed` is smaller). */
  | { kind: "reversal-missing"; transferId: string; recordedCents: number; atStripeCents: number }
  /** Money transferred to the coach's account, which Stripe no longer pays out, is still on that account. */
  | { kind: "transfer-to-disabled-account"; accountId: string; transferIds: string[]; balanceCents: number };

/** A transfer as Stripe lists it, in the fields reconciliation compares. */
export interface TransferAtStripe {
  transferId: string;
  amountCents: number;
  reversedCents: number;
  destination: string;
  metadata: Readonly<Record<string, string>>;
}

export interface PayoutView {
  record: PayoutRecord;
  /** Stripe's transfers whose `transfer_group` is the booking. */
  atStripe: readonly TransferAtStripe[];
  /** Per transfer, what its reversals left as the coach's debt (the balance could not cover them): no Stripe reversal exists for that part. */
  debtByTransfer: ReadonlyMap<string, number>;
  /** The coach's payout account as last reported, or null. */
  account: { accountId: string; payoutsEnabled: boolean } | null;
  /** The coach's account balance (available and pending) in the booking's currency, when it was read (a disabled account only). */
  accountBalanceCents: number | null;
}

/** A transfer that moved money (a `netted-…` part moved none and is not at Stripe). */
function isStripeTransfer(transferId: string): boolean {
  return transferId.startsWith("tr_");
}

/** The transfers to the coach's account, now without payouts, whose money was not all taken back. */
export function transfersToDisabledAccount(view: Pick<PayoutView, "atStripe" | "account">): string[] {
  const { account } = view;
  if (account === null || account.payoutsEnabled) return [];
  return view.atStripe.filter((t) => t.destination === account.accountId && t.amountCents > t.reversedCents).map((t) => t.transferId);
}

export function findPayoutDrifts(view: PayoutView): PayoutDrift[] {
  const drifts: PayoutDrift[] = [];
  const atStripe = new Map(view.atStripe.map((t) => [t.transferId, t]));
  const recorded = new Set(view.record.transfers.map((t) => t.transferId));

  for (const t of view.record.transfers) {
    if (!isStripeTransfer(t.transferId)) continue;
    const there = atStripe.get(t.transferId);
    if (!there) {
      drifts.push({ kind: "transfer-missing", transferId: t.transferId, amountCents: t.amountCents });
      continue;
    }
    // What Stripe should show as reversed: the record's reversals less the parts that became debt.
    const reversedAtStripe = t.reversedCents - (view.debtByTransfer.get(t.transferId) ?? 0);
    if (there.reversedCents < reversedAtStripe)
      drifts.push({
        kind: "reversal-missing",
        transferId: t.transferId,
        recordedCents: reversedAtStripe,
        atStripeCents: there.reversedCents,
      });
  }

  const pending = new Set(view.record.pending.map((p) => p.intentId));
  for (const t of view.atStripe) {
    if (recorded.has(t.transferId)) continue;
    const intentId = t.metadata.intentId ?? null;
    if (intentId !== null && pending.has(intentId)) drifts.push({ kind: "transfer-unfinished", transferId: t.transferId, intentId });
    else drifts.push({ kind: "transfer-not-recorded", transferId: t.transferId, amountCents: t.amountCents, intentId });
  }

  const stuck = transfersToDisabledAccount(view);
  if (view.account !== null && stuck.length > 0 && view.accountBalanceCents !== null && view.accountBalanceCents > 0)
    drifts.push({
      kind: "transfer-to-disabled-account",
      accountId: view.account.accountId,
      transferIds: stuck,
      balanceCents: view.accountBalanceCents,
    });
  return drifts;
}
