import { FieldValue, Timestamp, type QueryDocumentSnapshot, type Transaction } from "firebase-admin/firestore";
import type { Booking } from "../../domain/booking.js";
import { AppError, errorCodeOf } from "../../domain/errors.js";
import {
  payoutRecordOf,
  transferredByPayment,
  type PayoutRecord,
  type PayoutTransfer,
  type PendingPayout,
} from "../../domain/payout-record.js";
import { keptCents, paymentsKept, payoutBlock, payoutReleaseAt, type PayoutBlock } from "../../domain/payout-timing.js";
import type { PayoutAccount } from "../../domain/payout-account.js";
import { feeFor, payoutSteps, shareByPayment, splitKept, type PayoutStep, type PlatformFee } from "../../domain/payouts.js";
import type { Dependencies } from "../../ports/dependencies.js";
import type { TransferOut } from "../../ports/payments.port.js";
import { bookingsCollection, coachDebtDoc, coachDoc, getDb } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import { appendAudit } from "../audit.js";
import { patchBooking, readBooking, requireBooking } from "../bookings.repository.js";
import { writeLedgerEntry } from "../ledger.js";
import { notifyParties } from "../notifications.js";
import { formatMoney } from "../../domain/money.js";

export type PayoutRun = { transferred: number; reversed: number; netted: number; debt: number; heldBy: PayoutBlock | null };

/**
 * Brings what a booking's coach received to their share of what the booking kept (payouts.ts):
 * reversals at once (a refund or a lost dispute after payout), transfers only once nothing blocks
 * them (payout-timing.ts). Each transfer names its payment's charge as source and the booking as
 * transfer group. Every Stripe call has an idempotency key fixed by the booking's recorded state
 * (a transfer's is its intent, recorded before the call), so a run that died after Stripe
 * answered repeats the same call and gets the same object. What the coach owes from a reversal
 * their balance could not cover is taken from their next transfers.
 */
export async function runPayouts(bookingId: string, deps: Dependencies): Promise<PayoutRun> {
  const out: PayoutRun = { transferred: 0, reversed: 0, netted: 0, debt: 0, heldBy: null };
  const first = await readBooking(bookingId);
  if (!first || first.charges.length === 0) return out;
  for (const intent of payoutRecordOf(first).pending) {
    const done = await finishTransfer(bookingId, intent, deps, { madeBefore: true });
    out.transferred += done.transferred;
    out.netted += done.netted;
  }
  // Re-read only when finishing intents changed the booking.
  const booking = payoutRecordOf(first).pending.length > 0 ? await requireBooking(bookingId) : first;
  const holdHours = deps.config.payoutHoldHours;
  const record = payoutRecordOf(booking);
  const settled = payoutReleaseAt(booking, holdHours) !== null;
  // Nothing settled and nothing recorded: nothing to do. A fee recorded on money kept then given
  // back (a late refund, a lost dispute of a cancelled booking) still goes back to zero below.
  if (!settled && record.transfers.length === 0 && record.feeCents === 0) return out;
  const coach = (await coachDoc(booking.coachId).get()).data();
  const account = coach?.payoutAccount ?? null;
  let block = payoutBlock(booking, account, deps.now(), holdHours);
  for (const step of stepsOf(booking, deps)) {
    if (step.kind === "reverse") {
      const r = await reverse(bookingId, step.paymentIntentId, step.amountCents, deps);
      out.reversed += r.reversed;
      out.debt += r.debt;
    } else if (block === null && account) {
      const intent = await recordIntent(bookingId, step.paymentIntentId, account, deps);
      if (intent === null) continue;
      const t = await finishTransfer(bookingId, intent, deps, { madeBefore: false });
      out.transferred += t.transferred;
      out.netted += t.netted;
      if (t.refused) block = "payouts-disabled";
    }
  }
  out.heldBy = block;
  await recordRun(bookingId, block, deps);
  return out;
}

function feeOf(booking: Booking, deps: Dependencies): PlatformFee {
  return booking.platformFee ?? feeFor(deps.config.platformFee, undefined, booking.currency);
}

/** What brings each payment's transfers to the coach's share of what the booking, as it now stands, kept. */
function stepsOf(booking: Booking, deps: Dependencies): PayoutStep[] {
  const settled = payoutReleaseAt(booking, deps.config.payoutHoldHours) !== null;
  const { coachCents } = splitKept(keptCents(booking), feeOf(booking, deps), booking.currency);
  const due = shareByPayment(paymentsKept(booking), settled ? coachCents : 0);
  return payoutSteps(due, transferredByPayment(payoutRecordOf(booking)));
}

/** One part of a booking's payout, written in the transaction that changes its record: the audit line and the ledger entry. */
interface PayoutEntry {
  id: string;
  kind: "transfer" | "transfer-reversal" | "coach-debt" | "platform-fee";
  /** Signed, as the ledger counts it (statement.ts). */
  amountCents: number;
  stripeObjectId: string;
  audit: Record<string, unknown>;
}

/** What the coach is told of a payout entry: money sent to them, taken back, or owed by them (a fee change is not theirs to hear of). */
function coachTold(e: PayoutEntry, currency: string): { title: string; body: string } | null {
  const money = formatMoney(Math.abs(e.amountCents), currency);
  if (e.kind === "transfer") return { title: "Paid out", body: `${money} for this session is on its way to your Stripe account.` };
  if (e.kind === "transfer-reversal")
    return { title: "Payout taken back", body: `${money} of this session's payout was taken back: the student got money back after it.` };
  if (e.kind === "coach-debt" && e.amountCents > 0)
    return {
      title: "Payout owed back",
      body: `${money} of this session's payout could not be taken back from your Stripe balance: it will be taken from your next payouts.`,
    };
  return null;
}

/** Writes a booking's new payout record with its entries, in one transaction. */
function recordPayoutEntries(
  tx: Transaction,
  bookingId: string,
  current: Booking,
  record: PayoutRecord,
  entries: readonly PayoutEntry[],
  now: Date,
): void {
  patchBooking(tx, bookingId, current, { payout: record }, now);
  for (const e of entries) {
    const told = coachTold(e, current.currency);
    if (told)
      notifyParties(
        tx,
        bookingId,
        current,
        {
          kind: `payout-${e.id}`,
          topic: "payout",
          ...told,
          amount: { amountCents: Math.abs(e.amountCents), currency: current.currency },
          only: "coach",
        },
        now,
      );
    appendAudit(tx, bookingId, `payout-${e.id}`, { type: `payout-${e.kind}`, ...e.audit, amountCents: e.amountCents }, now);
    writeLedgerEntry(
      tx,
      bookingId,
      e.id,
      {
        bookingId,
        coachId: current.coachId,
        kind: e.kind,
        amountCents: e.amountCents,
        currency: current.currency,
        stripeObjectId: e.stripeObjectId,
        cause: "payout",
      },
      now,
    );
  }
}

/**
 * Records the intent to pay what is still due of one payment's share: first against the coach's
 * debt in that currency (taken off it now), the rest to transfer. One transaction, before any
 * call. What is due is decided again from the booking read in it: a run at the same time (the
 * sweep, an admin's payOutBooking, the booking's trigger) may have recorded its intent since this
 * run read the booking, and a refund or a dispute may have come. Null: nothing is due now.
 */
async function recordIntent(
  bookingId: string,
  paymentIntentId: string,
  account: PayoutAccount,
  deps: Dependencies,
): Promise<PendingPayout | null> {
  const now = deps.now();
  return getDb().runTransaction(async (tx) => {
    const current = await requireBooking(bookingId, tx);
    if (payoutBlock(current, account, now, deps.config.payoutHoldHours) !== null) return null;
    const step = stepsOf(current, deps).find((x) => x.kind === "transfer" && x.paymentIntentId === paymentIntentId);
    if (!step) return null;
    const amountCents = step.amountCents;
    const destination = account.accountId;
    const owed = Number((await tx.get(coachDebtDoc(current.coachId))).get(`cents.${current.currency}`) ?? 0);
    const record = payoutRecordOf(current);
    const nettedCents = Math.max(0, Math.min(owed, amountCents));
    const intent: PendingPayout = {
      intentId: `${paymentIntentId}-p${record.intents}`,
      paymentIntentId,
      nettedCents,
      transferCents: amountCents - nettedCents,
      destination,
      at: now.toISOString(),
    };
    if (nettedCents > 0) changeCoachDebt(tx, current, -nettedCents);
    patchBooking(tx, bookingId, current, { payout: { ...record, intents: record.intents + 1, pending: [...record.pending, intent] } }, now);
    return intent;
  });
}

/**
 * Makes an intent's transfer (the same call each time: its intent id is the idempotency key) and
 * moves the intent into the record: the netted part and the transfer. A transfer Stripe refuses
 * (the account cannot take it) drops the intent and gives its netted part back to the debt. An
 * intent found pending (`madeBefore`: an earlier run may have made its transfer) is first looked
 * for among the booking's transfers by its id: Stripe forgets an idempotency key after 24 hours,
 * and the same key then makes a second transfer.
 */
async function finishTransfer(
  bookingId: string,
  intent: PendingPayout,
  deps: Dependencies,
  options: { madeBefore: boolean },
): Promise<{ transferred: number; netted: number; refused: boolean }> {
  const booking = await requireBooking(bookingId);
  let made: TransferOut | null = null;
  if (intent.transferCents > 0 && options.madeBefore) {
    const transfers = await (await deps.payments()).listTransfers(bookingId);
    made = transfers.find((t) => t.metadata.intentId === intent.intentId) ?? null;
  }
  if (intent.transferCents > 0 && made === null) {
    try {
      const payments = await deps.payments();
      const charge = await payments.chargeOfPayment(intent.paymentIntentId);
      if (!charge) throw new AppError("upstream/unavailable", `The payment ${intent.paymentIntentId} has no charge at Stripe yet.`);
      made = await payments.createTransfer({
        amountCents: intent.transferCents,
        currency: booking.currency,
        destination: intent.destination,
        sourceTransaction: charge.chargeId,
        transferGroup: bookingId,
        metadata: { bookingId, paymentIntentId: intent.paymentIntentId, coachId: booking.coachId, intentId: intent.intentId },
        idempotencyKey: `payout-${bookingId}-${intent.intentId}`,
      });
    } catch (err) {
      if (errorCodeOf(err) !== "payment/account-not-ready") throw err;
      await dropIntent(bookingId, intent, deps);
      log.warn("payout.refused", { bookingId, intentId: intent.intentId, code: errorCodeOf(err) });
      return { transferred: 0, netted: 0, refused: true };
    }
  }
  const now = deps.now();
  const finished = await getDb().runTransaction(async (tx) => {
    const current = await requireBooking(bookingId, tx);
    const record = payoutRecordOf(current);
    if (!record.pending.some((p) => p.intentId === intent.intentId)) return false;
    const parts: PayoutTransfer[] = [];
    const entries: PayoutEntry[] = [];
    if (intent.nettedCents > 0) {
      const id = `netted-${intent.intentId}`;
      parts.push({
        transferId: id,
        paymentIntentId: intent.paymentIntentId,
        amountCents: intent.nettedCents,
        reversedCents: 0,
        at: now.toISOString(),
      });
      entries.push({
        id,
        kind: "coach-debt",
        amountCents: -intent.nettedCents,
        stripeObjectId: id,
        audit: { paymentIntentId: intent.paymentIntentId },
      });
    }
    if (made) {
      parts.push({
        transferId: made.transferId,
        paymentIntentId: intent.paymentIntentId,
        amountCents: made.amountCents,
        reversedCents: 0,
        at: now.toISOString(),
      });
      entries.push({
        id: made.transferId,
        kind: "transfer",
        amountCents: -made.amountCents,
        stripeObjectId: made.transferId,
        audit: { paymentIntentId: intent.paymentIntentId, destination: made.destination },
      });
    }
    const next = {
      ...record,
      pending: record.pending.filter((p) => p.intentId !== intent.intentId),
      transfers: [...record.transfers, ...parts],
    };
    recordPayoutEntries(tx, bookingId, current, next, entries, now);
    return true;
  });
  if (!finished) return { transferred: 0, netted: 0, refused: false };
  if (made) log.info("payout.transferred", { bookingId, transferId: made.transferId, amountCents: made.amountCents });
  return { transferred: made?.amountCents ?? 0, netted: intent.nettedCents, refused: false };
}

/** Adds `cents` (negative: takes them off) to what the booking's coach owes in its currency (`coachDebts/{coachId}`). */
function changeCoachDebt(tx: Transaction, booking: Booking, cents: number): void {
  tx.set(coachDebtDoc(booking.coachId), { cents: { [booking.currency]: FieldValue.increment(cents) } }, { merge: true });
}

/** Forgets an intent Stripe refused, giving back to the coach's debt what it had taken from it. */
async function dropIntent(bookingId: string, intent: PendingPayout, deps: Dependencies): Promise<void> {
  await getDb().runTransaction(async (tx) => {
    const current = await requireBooking(bookingId, tx);
    const record = payoutRecordOf(current);
    if (!record.pending.some((p) => p.intentId === intent.intentId)) return;
    if (intent.nettedCents > 0) changeCoachDebt(tx, current, intent.nettedCents);
    patchBooking(
      tx,
      bookingId,
      current,
      { payout: { ...record, pending: record.pending.filter((p) => p.intentId !== intent.intentId) } },
      deps.now(),
    );
  });
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
  const candidates = [...payoutRecordOf(booking).transfers]
    .filter((t) => t.paymentIntentId === paymentIntentId && t.amountCents > t.reversedCents)
    .reverse();
  for (const t of candidates) {
    if (left <= 0) break;
    const take = Math.min(left, t.amountCents - t.reversedCents);
    const id = `${t.transferId}-r${t.reversedCents}`;
    let reversalId: string | null = null;
    if (!t.transferId.startsWith("netted-")) {
      try {
        const payments = await deps.payments();
        const made = await payments.createTransferReversal({
          transferId: t.transferId,
          amountCents: take,
          metadata: { bookingId, paymentIntentId },
          idempotencyKey: `payout-${bookingId}-${id}`,
        });
        reversalId = made.reversalId;
      } catch (err) {
        if (errorCodeOf(err) !== "payment/insufficient-funds") throw err;
      }
    }
    const done = await getDb().runTransaction(async (tx) => {
      const current = await requireBooking(bookingId, tx);
      const record = payoutRecordOf(current);
      const at = record.transfers.findIndex((x) => x.transferId === t.transferId);
      const recorded = record.transfers[at];
      if (!recorded || recorded.reversedCents !== t.reversedCents) return false;
      if (reversalId === null) changeCoachDebt(tx, current, take);
      const transfers = record.transfers.map((x, i) => (i === at ? { ...x, reversedCents: x.reversedCents + take } : x));
      const entry: PayoutEntry =
        reversalId === null
          ? { id: `debt-${id}`, kind: "coach-debt", amountCents: take, stripeObjectId: t.transferId, audit: { transferId: t.transferId } }
          : {
              id: reversalId,
              kind: "transfer-reversal",
              amountCents: take,
              stripeObjectId: reversalId,
              audit: { transferId: t.transferId },
            };
      recordPayoutEntries(tx, bookingId, current, { ...record, transfers }, [entry], deps.now());
      return true;
    });
    if (done) {
      if (reversalId === null) debt += take;
      else reversed += take;
    }
    left -= take;
  }
  return { reversed, debt };
}

/**
 * Records the platform's fee as it now stands on a settled booking (what was kept, split: a
 * ledger entry for the change) and why the run transferred nothing, when something blocked it.
 */
async function recordRun(bookingId: string, block: PayoutBlock | null, deps: Dependencies): Promise<void> {
  await getDb().runTransaction(async (tx) => {
    const current = await requireBooking(bookingId, tx);
    const record = payoutRecordOf(current);
    const settled = payoutReleaseAt(current, deps.config.payoutHoldHours) !== null;
    // Unsettled after being settled means nothing was kept (a cancellation refunded in full): no fee.
    const feeCents = settled ? splitKept(keptCents(current), feeOf(current, deps), current.currency).feeCents : 0;
    if (record.feeCents === feeCents && record.heldBy === block) return;
    const entries: PayoutEntry[] = [];
    if (feeCents !== record.feeCents) {
      const id = `platform-fee-${record.feeEntries}`;
      entries.push({ id, kind: "platform-fee", amountCents: record.feeCents - feeCents, stripeObjectId: id, audit: { feeCents } });
    }
    recordPayoutEntries(
      tx,
      bookingId,
      current,
      { ...record, feeCents, heldBy: block, feeEntries: record.feeEntries + entries.length },
      entries,
      deps.now(),
    );
  });
}

/** One sweep looks at up to SWEEP_PAGES × SWEEP_PAGE_SIZE settled sessions; the rest wait for the next run. */
const SWEEP_PAGE_SIZE = 200;
const SWEEP_PAGES = 25;
/** Sessions that ended longer ago than this are looked at only while their coach's account holds them back. */
const SWEEP_WINDOW_DAYS = 60;
/** What a coach's account holds back: such a booking is swept whatever its age, so a coach who onboards late is still paid. */
const WAITING_FOR_ACCOUNT: readonly PayoutBlock[] = ["not-onboarded", "payouts-disabled"];

/**
 * Pays out every settled session whose hold may be over (completed, no-show, or cancelled keeping
 * money) that ended within the sweep window, and every older one still waiting for its coach's
 * account: each run of runPayouts does only what is left. One booking's failure does not stop the
 * others.
 */
export async function payOutDueSessions(deps: Dependencies): Promise<{ transferred: number; held: number; failed: number }> {
  const now = deps.now();
  const endedBefore = new Date(now.getTime() - deps.config.payoutHoldHours * 3_600_000);
  const endedAfter = new Date(now.getTime() - SWEEP_WINDOW_DAYS * 24 * 3_600_000);
  const counts = { transferred: 0, held: 0, failed: 0 };
  const seen = new Set<string>();
  const runOne = async (doc: QueryDocumentSnapshot<Booking>) => {
    const b = doc.data();
    if (seen.has(doc.id) || b.charges.length === 0) return;
    seen.add(doc.id);
    // Paid out with nothing left: a later refund or dispute reaches runPayouts through the booking's effects.
    if (b.payout && b.payout.heldBy === null && b.payout.pending.length === 0 && b.payout.transfers.length > 0) return;
    try {
      const run = await runPayouts(doc.id, deps);
      if (run.transferred > 0) counts.transferred += 1;
      if (run.heldBy !== null) counts.held += 1;
    } catch (err) {
      counts.failed += 1;
      log.error("payouts.run-failed", { bookingId: doc.id, code: errorCodeOf(err) }, err);
    }
  };
  let after: QueryDocumentSnapshot<Booking> | undefined;
  for (let page = 0; page < SWEEP_PAGES; page++) {
    let query = bookingsCollection()
      .where("status", "in", ["completed", "no-show", "cancelled"])
      .where("endTime", "<=", Timestamp.fromDate(endedBefore))
      .where("endTime", ">=", Timestamp.fromDate(endedAfter))
      .orderBy("endTime")
      .limit(SWEEP_PAGE_SIZE);
    if (after) query = query.startAfter(after);
    const due = await query.get();
    for (const doc of due.docs) await runOne(doc);
    if (due.docs.length < SWEEP_PAGE_SIZE) break;
    after = due.docs.at(-1);
  }
  const waiting = await bookingsCollection()
    .where("payout.heldBy", "in", [...WAITING_FOR_ACCOUNT])
    .limit(SWEEP_PAGE_SIZE * 5)
    .get();
  for (const doc of waiting.docs) await runOne(doc);
  return counts;
}
