import { FieldValue, Timestamp, type QueryDocumentSnapshot } from "firebase-admin/firestore";
import type { Booking } from "../../domain/booking.js";
import { AppError, errorCodeOf } from "../../domain/errors.js";
import { PayoutRecordSchema, transferredByPayment, type PayoutRecord } from "../../domain/payout-record.js";
import { keptCents, paymentsKept, payoutBlock, payoutReleaseAt } from "../../domain/payout-timing.js";
import { feeFor, payoutSteps, shareByPayment, splitKept } from "../../domain/payouts.js";
import type { Dependencies } from "../../ports/dependencies.js";
import { bookingsCollection, coachDebtDoc, coachDoc, getDb } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import { appendAudit } from "../audit.js";
import { patchBooking, readBooking, requireBooking } from "../bookings.repository.js";

export type PayoutRun = { transferred: number; reversed: number; netted: number; debt: number; heldBy: string | null };

/**
 * Brings what a booking's coach received to their share of what the booking kept (payouts.ts):
 * reversals at once (a refund or a lost dispute after payout), transfers only once nothing blocks
 * them (payout-timing.ts). Each transfer names its payment's charge as source and the booking as
 * transfer group; each Stripe call has an idempotency key fixed by the booking's recorded state,
 * so a run that died after Stripe answered repeats the same call and gets the same object. What
 * the coach owes from a reversal their balance could not cover is taken from their next transfers.
 */
export async function runPayouts(bookingId: string, deps: Dependencies): Promise<PayoutRun> {
  const out: PayoutRun = { transferred: 0, reversed: 0, netted: 0, debt: 0, heldBy: null };
  const booking = await readBooking(bookingId);
  if (!booking || booking.charges.length === 0) return out;
  const holdHours = deps.config.payoutHoldHours;
  const record = booking.payout ?? PayoutRecordSchema.parse({});
  const settled = payoutReleaseAt(booking, holdHours) !== null;
  if (!settled && record.transfers.length === 0) return out;
  const fee = booking.platformFee ?? feeFor(deps.config.platformFee, undefined, booking.currency);
  const { coachCents } = splitKept(keptCents(booking), fee, booking.currency);
  const due = shareByPayment(paymentsKept(booking), settled ? coachCents : 0);
  const coach = (await coachDoc(booking.coachId).get()).data();
  const block = payoutBlock(booking, coach?.payoutAccount ?? null, deps.now(), holdHours);
  for (const step of payoutSteps(due, transferredByPayment(record))) {
    if (step.kind === "reverse") {
      const r = await reverse(bookingId, step.paymentIntentId, step.amountCents, deps);
      out.reversed += r.reversed;
      out.debt += r.debt;
    } else if (block === null && coach?.payoutAccount) {
      const t = await transfer(bookingId, step.paymentIntentId, step.amountCents, coach.payoutAccount.accountId, deps);
      out.transferred += t.transferred;
      out.netted += t.netted;
    }
  }
  out.heldBy = block;
  await recordFee(bookingId, deps);
  return out;
}

function nextRecord(booking: Booking): PayoutRecord {
  return booking.payout ?? PayoutRecordSchema.parse({});
}

/** Pays `amountCents` of one payment's share: first against the coach's debt in that currency, the rest by a Stripe transfer. */
async function transfer(
  bookingId: string,
  paymentIntentId: string,
  amountCents: number,
  destination: string,
  deps: Dependencies,
): Promise<{ transferred: number; netted: number }> {
  const now = deps.now();
  const booking = await requireBooking(bookingId);
  const k = nextRecord(booking).transfers.filter((t) => t.paymentIntentId === paymentIntentId).length;
  // What the coach owes is settled first, in a transaction with the booking's record of it.
  const netted = await getDb().runTransaction(async (tx) => {
    const current = await requireBooking(bookingId, tx);
    const debtRef = coachDebtDoc(current.coachId);
    const owed = Number((await tx.get(debtRef)).get(`cents.${current.currency}`) ?? 0);
    const take = Math.min(owed, amountCents);
    if (take <= 0) return 0;
    const record = nextRecord(current);
    const transferId = `netted-${paymentIntentId}-${k}`;
    if (record.transfers.some((t) => t.transferId === transferId)) return 0;
    tx.set(debtRef, { cents: { [current.currency]: FieldValue.increment(-take) } }, { merge: true });
    patchBooking(
      tx,
      bookingId,
      current,
      {
        payout: {
          ...record,
          transfers: [...record.transfers, { transferId, paymentIntentId, amountCents: take, reversedCents: 0, at: now.toISOString() }],
        },
      },
      now,
    );
    appendAudit(tx, bookingId, `payout-${transferId}`, { type: "payout-netted", paymentIntentId, amountCents: take }, now);
    return take;
  });
  const rest = amountCents - netted;
  if (rest <= 0) return { transferred: 0, netted };
  const payments = await deps.payments();
  const charge = await payments.chargeOfPayment(paymentIntentId);
  if (!charge) throw new AppError("upstream/unavailable", `The payment ${paymentIntentId} has no charge at Stripe yet.`);
  const made = await payments.createTransfer({
    amountCents: rest,
    currency: booking.currency,
    destination,
    sourceTransaction: charge.chargeId,
    transferGroup: bookingId,
    metadata: { bookingId, paymentIntentId, coachId: booking.coachId },
    idempotencyKey: `payout-${bookingId}-${paymentIntentId}-t${k}`,
  });
  await getDb().runTransaction(async (tx) => {
    const current = await requireBooking(bookingId, tx);
    const record = nextRecord(current);
    if (record.transfers.some((t) => t.transferId === made.transferId)) return;
    patchBooking(
      tx,
      bookingId,
      current,
      {
        payout: {
          ...record,
          heldBy: null,
          transfers: [
            ...record.transfers,
            { transferId: made.transferId, paymentIntentId, amountCents: made.amountCents, reversedCents: 0, at: now.toISOString() },
          ],
        },
      },
      now,
    );
    appendAudit(
      tx,
      bookingId,
      `payout-${made.transferId}`,
      { type: "payout-transferred", transferId: made.transferId, paymentIntentId, amountCents: made.amountCents },
      now,
    );
  });
  log.info("payout.transferred", { bookingId, transferId: made.transferId, amountCents: made.amountCents });
  return { transferred: made.amountCents, netted };
}

/**
 * Takes back `amountCents` of what went to the coach from one payment, newest transfer first: by
 * a Stripe transfer reversal, or, when the coach's balance cannot cover it, as a debt of theirs
 * (taken from their next transfers). A netted part is put back on their debt.
 */
async function reverse(
  bookingId: string,
  paymentIntentId: string,
  amountCents: number,
  deps: Dependencies,
): Promise<{ reversed: number; debt: number }> {
  let left = amountCents;
  let reversed = 0;
  let debt = 0;
  const booking = await requireBooking(bookingId);
  const candidates = [...nextRecord(booking).transfers]
    .filter((t) => t.paymentIntentId === paymentIntentId && t.amountCents > t.reversedCents)
    .reverse();
  for (const t of candidates) {
    if (left <= 0) break;
    const take = Math.min(left, t.amountCents - t.reversedCents);
    let asDebt = t.transferId.startsWith("netted-");
    if (!asDebt) {
      try {
        const payments = await deps.payments();
        await payments.createTransferReversal({
          transferId: t.transferId,
          amountCents: take,
          metadata: { bookingId, paymentIntentId },
          idempotencyKey: `payout-${bookingId}-${t.transferId}-r${t.reversedCents}`,
        });
        reversed += take;
      } catch (err) {
        if (errorCodeOf(err) !== "payment/insufficient-funds") throw err;
        asDebt = true;
      }
    }
    if (asDebt) debt += take;
    await getDb().runTransaction(async (tx) => {
      const current = await requireBooking(bookingId, tx);
      const record = nextRecord(current);
      const at = record.transfers.findIndex((x) => x.transferId === t.transferId);
      const recorded = record.transfers[at];
      if (!recorded || recorded.reversedCents !== t.reversedCents) return;
      if (asDebt) tx.set(coachDebtDoc(current.coachId), { cents: { [current.currency]: FieldValue.increment(take) } }, { merge: true });
      const transfers = record.transfers.map((x, i) => (i === at ? { ...x, reversedCents: x.reversedCents + take } : x));
      patchBooking(tx, bookingId, current, { payout: { ...record, transfers } }, deps.now());
      appendAudit(
        tx,
        bookingId,
        `payout-${t.transferId}-r${t.reversedCents}`,
        { type: asDebt ? "payout-debt" : "payout-reversed", transferId: t.transferId, amountCents: take },
        deps.now(),
      );
    });
    left -= take;
  }
  return { reversed, debt };
}

/** Records the platform's fee as it now stands on the booking (what was kept, split). */
async function recordFee(bookingId: string, deps: Dependencies): Promise<void> {
  await getDb().runTransaction(async (tx) => {
    const current = await requireBooking(bookingId, tx);
    if (payoutReleaseAt(current, deps.config.payoutHoldHours) === null) return;
    const fee = current.platformFee ?? feeFor(deps.config.platformFee, undefined, current.currency);
    const { feeCents } = splitKept(keptCents(current), fee, current.currency);
    const record = nextRecord(current);
    if (record.feeCents === feeCents) return;
    patchBooking(tx, bookingId, current, { payout: { ...record, feeCents } }, deps.now());
  });
}

/** One sweep looks at up to SWEEP_PAGES × SWEEP_PAGE_SIZE settled sessions; the rest wait for the next run. */
const SWEEP_PAGE_SIZE = 200;
const SWEEP_PAGES = 25;
/** Sessions that ended longer ago than this are left to reconciliation (their payouts are long done). */
const SWEEP_WINDOW_DAYS = 60;

/**
 * Pays out every settled session whose hold is over (completed, no-show, or cancelled keeping
 * money), ended within the sweep window: each run of runPayouts does only what is left, so a
 * session paid out already costs a read. One booking's failure does not stop the others.
 */
export async function payOutDueSessions(deps: Dependencies): Promise<{ transferred: number; held: number; failed: number }> {
  const now = deps.now();
  const endedBefore = new Date(now.getTime() - deps.config.payoutHoldHours * 3_600_000);
  const endedAfter = new Date(now.getTime() - SWEEP_WINDOW_DAYS * 24 * 3_600_000);
  const counts = { transferred: 0, held: 0, failed: 0 };
  let after: QueryDocumentSnapshot | undefined;
  for (let page = 0; page < SWEEP_PAGES; page++) {
    let query = bookingsCollection()
      .where("status", "in", ["completed", "no-show", "cancelled"])
      .where("endTime", "<=", Timestamp.fromDate(endedBefore))
      .where("endTime", ">=", Timestamp.fromDate(endedAfter))
      .orderBy("endTime")
      .limit(SWEEP_PAGE_SIZE);
    if (after) query = query.startAfter(after);
    const due = await query.get();
    for (const doc of due.docs) {
      if (doc.data().charges.length === 0) continue;
      try {
        const run = await runPayouts(doc.id, deps);
        if (run.transferred > 0) counts.transferred += 1;
        if (run.heldBy !== null) counts.held += 1;
      } catch (err) {
        counts.failed += 1;
        log.error("payouts.run-failed", { bookingId: doc.id, code: errorCodeOf(err) }, err);
      }
    }
    if (due.docs.length < SWEEP_PAGE_SIZE) break;
    after = due.docs.at(-1);
  }
  return counts;
}
