import { Timestamp } from "firebase-admin/firestore";
import type { Booking } from "../../domain/booking.js";
import { SETTLE_MS } from "../../domain/drift.js";
import { formatMoney } from "../../domain/money.js";
import { findPayoutDrifts, transfersToDisabledAccount, type PayoutDrift } from "../../domain/payout-drift.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { adminAlertDoc, coachDoc, getDb, ledgerCollection } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import { appendAudit } from "../../core/audit.js";
import { requireBooking } from "../../core/bookings.repository.js";
import { runPayouts } from "../../core/effects/payouts.js";

/**
 * Per transfer, what its reversals left as the coach's debt (`coach-debt` ledger entries
 * `debt-<transferId>-r<n>`, written by runPayouts when the coach's balance could not cover one).
 */
async function debtByTransfer(bookingId: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const doc of (await ledgerCollection(bookingId).where("kind", "==", "coach-debt").get()).docs) {
    const m = /^debt-(.+)-r\d+$/.exec(doc.id);
    const amount: unknown = doc.get("amountCents");
    if (m?.[1] && typeof amount === "number") out.set(m[1], (out.get(m[1]) ?? 0) + amount);
  }
  return out;
}

/**
 * Compares a booking's payout record with Stripe's transfers of its group. A booking with no
 * payout, or changed in the last moments (runPayouts may be between Stripe's answer and its
 * record), is not looked at.
 */
export async function findBookingPayoutDrifts(bookingId: string, booking: Booking, deps: Dependencies): Promise<PayoutDrift[]> {
  const record = booking.payout;
  if (record === null || (record.transfers.length === 0 && record.pending.length === 0)) return [];
  if (deps.now().getTime() - Date.parse(booking.updatedAt) < SETTLE_MS) return [];
  const payments = await deps.payments();
  const atStripe = await payments.listTransfers(bookingId);
  const payoutAccount = (await coachDoc(booking.coachId).get()).data()?.payoutAccount ?? null;
  const account = payoutAccount && { accountId: payoutAccount.accountId, payoutsEnabled: payoutAccount.payoutsEnabled };
  const view = { record, atStripe, account, debtByTransfer: await debtByTransfer(bookingId), accountBalanceCents: null };
  // The account's balance costs a call: read only when money went to an account Stripe no longer pays out.
  const accountBalanceCents =
    account && transfersToDisabledAccount(view).length > 0 ? await payments.connectedBalance(account.accountId, booking.currency) : null;
  return findPayoutDrifts({ ...view, accountBalanceCents });
}

function alertMessage(drift: Exclude<PayoutDrift, { kind: "transfer-unfinished" }>, currency: string): string {
  switch (drift.kind) {
    case "transfer-missing":
      return `The transfer ${drift.transferId} of ${formatMoney(drift.amountCents, currency)} to the coach is recorded, but Stripe does not have it: check whether the coach was paid.`;
    case "transfer-not-recorded":
      return `Stripe has a transfer ${drift.transferId} of ${formatMoney(drift.amountCents, currency)} for this booking that is not recorded here: the coach may have been paid twice.`;
    case "reversal-missing":
      return `${formatMoney(drift.recordedCents, currency)} is recorded as taken back from the transfer ${drift.transferId}, but Stripe shows ${formatMoney(drift.atStripeCents, currency)} reversed.`;
    case "transfer-to-disabled-account":
      return `Stripe no longer pays out the coach's account ${drift.accountId}, which still holds ${formatMoney(drift.balanceCents, currency)} including money of this booking.`;
  }
}

function alertKey(drift: PayoutDrift): string {
  return drift.kind === "transfer-to-disabled-account" ? drift.accountId : drift.transferId;
}

/**
 * Acts on what was found: an intent Stripe carried out but the record did not finish is finished
 * by runPayouts (its job, with the same idempotency key); every other finding is handed to an
 * admin in `adminAlerts/{bookingId}_payout-<kind>-<transfer or account>`, written once, with an
 * audit line on the booking.
 */
export async function actOnPayoutDrifts(
  bookingId: string,
  drifts: readonly PayoutDrift[],
  runId: string,
  deps: Dependencies,
): Promise<void> {
  if (drifts.some((d) => d.kind === "transfer-unfinished")) await runPayouts(bookingId, deps);
  const now = deps.now();
  for (const drift of drifts) {
    if (drift.kind === "transfer-unfinished") continue;
    const key = alertKey(drift);
    const opened = await getDb().runTransaction(async (tx) => {
      const booking = await requireBooking(bookingId, tx);
      const alert = adminAlertDoc(`${bookingId}_payout-${drift.kind}-${key}`);
      if ((await tx.get(alert)).exists) return false;
      tx.create(alert, {
        bookingId,
        kind: `payout-${drift.kind}`,
        message: alertMessage(drift, booking.currency),
        detail: drift,
        createdAt: Timestamp.fromDate(now),
        resolvedAt: null,
      });
      appendAudit(tx, bookingId, `reconcile-${drift.kind}-${key}`, { type: "reconciled", runId, ...drift }, now);
      return true;
    });
    if (opened) log.warn("reconcile.payout-alert", { bookingId, kind: drift.kind, key, runId });
  }
}
