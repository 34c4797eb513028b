import { disputeOpen, type Booking } from "../../src/domain/booking.js";
import { feeFor, splitKept, type PlatformFee } from "../../src/domain/payouts.js";
import { coachStatement } from "../../src/features/money/money.service.js";
import { allLedgerEntries, coachDebtDoc, coachDoc, getDb } from "../../src/shared/firestore.js";
import { stripeMoney } from "./invariants.js";
import type { PayoutSnapshot, RunState, runDocs } from "./run-state.js";
import type { World } from "./world.js";

type Docs = Awaited<ReturnType<typeof runDocs>>;
const HOUR_MS = 3_600_000;

/**
 * A booking's ledger summed by kind (src/domain/statement.ts), each as a positive amount: what
 * the student's payments left (captured − refunded − disputed), the platform's fee kept, what
 * was transferred to the coach and reversed, the coach's debt from it (reversals their balance
 * could not cover) and what was netted of earlier debt from its share; `total` is the ledger's
 * sum, what the platform still holds for the coach.
 */
export interface LedgerSums {
  captured: number;
  refunded: number;
  disputed: number;
  payments: number;
  fee: number;
  transferred: number;
  reversed: number;
  debt: number;
  netted: number;
  total: number;
}

export async function ledgerSums(bookingId: string): Promise<LedgerSums> {
  const s: LedgerSums = {
    captured: 0,
    refunded: 0,
    disputed: 0,
    payments: 0,
    fee: 0,
    transferred: 0,
    reversed: 0,
    debt: 0,
    netted: 0,
    total: 0,
  };
  for (const d of (await getDb().collection(`bookings/${bookingId}/ledger`).get()).docs) {
    const a = Number(d.get("amountCents"));
    const kind = String(d.get("kind"));
    s.total += a;
    if (kind === "captured") s.captured += a;
    else if (kind === "refunded") s.refunded -= a;
    else if (kind === "dispute-withdrawn" || kind === "dispute-reinstated") s.disputed -= a;
    else if (kind === "platform-fee") s.fee -= a;
    else if (kind === "transfer") s.transferred -= a;
    else if (kind === "transfer-reversal") s.reversed += a;
    else if (kind === "coach-debt" && a > 0) s.debt += a;
    else if (kind === "coach-debt") s.netted -= a;
  }
  s.payments = s.captured - s.refunded - s.disputed;
  return s;
}

/** What the coach got of a booking's money: transferred − reversed, plus earlier debt paid off with it, less what they owe from it. */
const received = (s: LedgerSums) => s.transferred - s.reversed + s.netted - s.debt;

/** The stand-in's transfers of a booking (its transfer group), net of what was reversed of them. */
function stripeTransferred(world: World, bookingId: string): number {
  return [...world.stripe.transfers.values()]
    .filter((t) => t.transfer_group === bookingId)
    .reduce((sum, t) => sum + t.amount - t.amount_reversed, 0);
}

function feeOf(world: World, b: Booking): PlatformFee {
  return b.platformFee ?? feeFor(world.deps.config.platformFee, undefined, b.currency);
}

/** The coach's share of `keptCents`, as the platform's fee frozen on the booking splits it. */
function shareOf(world: World, b: Booking, keptCents: number): number {
  return splitKept(Math.max(0, keptCents), feeOf(world, b), b.currency).coachCents;
}

async function payoutSnapshot(world: World, docs: Docs): Promise<PayoutSnapshot> {
  const account = (await coachDoc(world.coachId).get()).data()?.payoutAccount ?? null;
  const blocked = new Map<string, string>();
  for (const { id, booking } of docs) {
    if (!booking) continue;
    if (disputeOpen(booking)) blocked.set(id, "a dispute is open");
    else if (booking.attendance?.awaitingAdminSince) blocked.set(id, "a no-show claim is open");
  }
  return {
    transferIds: new Set(world.stripe.transfers.keys()),
    coachPayable: account !== null && account.payoutsEnabled && account.transfersActive,
    accountUpdates: world.accountUpdatesDelivered,
    blocked,
  };
}

/**
 * After every step: no transfer was made for a booking a dispute or a no-show claim held all
 * through the step, nor to a coach whose payouts were disabled all through it (as far as the
 * code knew: no account.updated came in between); Stripe's transfers of each booking agree with
 * its ledger (outside an intent not yet finished); the coach never got more than their share of
 * everything captured (what was refunded may be reversed later in the same trigger).
 */
export async function payoutStepViolations(world: World, run: RunState, docs: Docs): Promise<string[]> {
  const out: string[] = [];
  const before = run.payoutSnapshot;
  const after = await payoutSnapshot(world, docs);
  run.payoutSnapshot = after;
  if (before) {
    for (const t of world.stripe.transfers.values()) {
      if (before.transferIds.has(t.id)) continue;
      const group = t.transfer_group ?? "";
      if (!before.coachPayable && !after.coachPayable && before.accountUpdates === after.accountUpdates)
        out.push(`${group}: transfer ${t.id} (${t.amount}) made while the coach's payouts were disabled`);
      const why = before.blocked.get(group);
      if (why !== undefined && after.blocked.has(group)) out.push(`${group}: transfer ${t.id} (${t.amount}) made while ${why}`);
    }
  }
  for (const { id, booking } of docs) {
    if (!booking || !run.bookings.some((b) => b.id === id)) continue;
    const s = await ledgerSums(id);
    const atStripe = stripeTransferred(world, id);
    if ((booking.payout?.pending.length ?? 0) === 0 && atStripe !== s.transferred - s.reversed)
      out.push(`${id}: Stripe's transfers net ${atStripe}, the ledger ${s.transferred} transferred − ${s.reversed} reversed`);
    const cap = shareOf(world, booking, stripeMoney(world, id).captured);
    if (received(s) > cap) out.push(`${id}: the coach received ${received(s)}, more than their share ${cap} of all that was captured`);
  }
  return out;
}

/** Nothing keeps a settled booking's money from its coach now: past its hold, no dispute or no-show claim open, the coach payable (as we know it and at Stripe). */
function nothingBlocks(world: World, b: Booking, keptCents: number, coachPayable: boolean): boolean {
  const hold = world.deps.config.payoutHoldHours * HOUR_MS;
  let releaseMs: number | null = null;
  if (b.status === "completed" || b.status === "no-show")
    releaseMs = Math.max(Date.parse(b.attendance?.decidedAt ?? b.endTime), Date.parse(b.endTime)) + hold;
  else if (b.status === "cancelled" && keptCents > 0) releaseMs = Date.parse(b.endTime) + hold;
  if (releaseMs === null || releaseMs > world.clockMs) return false;
  const account = world.stripe.accounts.get(world.accountId);
  return coachPayable && account?.capabilities.transfers === "active" && !disputeOpen(b) && !b.attendance?.awaitingAdminSince;
}

/**
 * Once settled, for every booking of the run: its ledger's payments are Stripe's (captured −
 * refunded − lost) and split as fee kept + transferred − reversed − the coach's debt + held,
 * with nothing held below zero and no intent left unfinished; Stripe's transfers agree; the coach
 * got no more than their share of what was kept, and all of it when nothing blocks their payout.
 * For the coach: their debt is the sum of their coach-debt entries, and their statement's lines
 * are the ledgers'.
 */
export async function payoutSettledViolations(world: World, run: RunState, docs: Docs): Promise<string[]> {
  const out: string[] = [];
  const coach = (await coachDoc(world.coachId).get()).data();
  const account = coach?.payoutAccount ?? null;
  const coachPayable = account !== null && account.payoutsEnabled && account.transfersActive;
  const sums = new Map<string, LedgerSums>();
  for (const { id, booking: b } of docs) {
    if (!b) continue;
    const s = await ledgerSums(id);
    sums.set(id, s);
    const m = stripeMoney(world, id);
    const paid = m.captured - m.refunded - m.lost;
    if (s.payments !== m.held) out.push(`${id}: the ledger's payments ${s.payments}, Stripe holds ${m.held}`);
    if (paid !== s.fee + s.transferred - s.reversed - (s.debt - s.netted) + s.total)
      out.push(
        `${id}: Stripe kept ${paid}, the ledger splits it as fee ${s.fee} + transferred ${s.transferred} − reversed ${s.reversed} − debt ${s.debt - s.netted} + held ${s.total}`,
      );
    if (s.total < 0) out.push(`${id}: the ledger holds ${s.total} for the coach, below nothing`);
    if ((b.payout?.pending.length ?? 0) > 0) out.push(`${id}: payout intents left unfinished ${JSON.stringify(b.payout?.pending)}`);
    if (b.payout && b.payout.feeCents !== s.fee) out.push(`${id}: fee ${b.payout.feeCents} recorded, ${s.fee} in the ledger`);
    const atStripe = stripeTransferred(world, id);
    if (atStripe !== s.transferred - s.reversed)
      out.push(`${id}: Stripe's transfers net ${atStripe}, the ledger ${s.transferred} transferred − ${s.reversed} reversed`);
    const kept = Math.max(0, paid);
    const share = shareOf(world, b, kept);
    if (received(s) > share) out.push(`${id}: the coach received ${received(s)}, more than their share ${share} of ${kept} kept`);
    if (run.bookings.find((x) => x.id === id)?.sessionRefunded && received(s) !== 0)
      out.push(`${id}: refunded after the session, yet the coach keeps ${received(s)} of it`);
    if (nothingBlocks(world, b, kept, coachPayable) && s.total !== 0)
      out.push(
        `${id}: nothing blocks its payout, yet the platform still holds ${s.total} for the coach (received ${received(s)} of ${share})`,
      );
  }
  out.push(...(await coachDebtViolations(world)));
  out.push(...(await statementViolations(world, run, sums)));
  return out;
}

/** `coachDebts/{coachId}` is, per currency, the sum of the coach's coach-debt entries over every booking. */
async function coachDebtViolations(world: World): Promise<string[]> {
  const entries = await allLedgerEntries().where("coachId", "==", world.coachId).where("kind", "==", "coach-debt").get();
  const want = new Map<string, number>();
  for (const d of entries.docs)
    want.set(String(d.get("currency")), (want.get(String(d.get("currency"))) ?? 0) + Number(d.get("amountCents")));
  const recorded = ((await coachDebtDoc(world.coachId).get()).get("cents") ?? {}) as Record<string, number>;
  const out: string[] = [];
  for (const currency of new Set([...want.keys(), ...Object.keys(recorded)])) {
    if ((recorded[currency] ?? 0) !== (want.get(currency) ?? 0))
      out.push(`the coach owes ${recorded[currency] ?? 0} ${currency} in coachDebts, ${want.get(currency) ?? 0} by their ledgers`);
  }
  return out;
}

/** The coach's statement over the run shows each of its bookings as its ledger does. */
async function statementViolations(world: World, run: RunState, sums: ReadonlyMap<string, LedgerSums>): Promise<string[]> {
  const statement = await coachStatement(
    { coachId: world.coachId, from: new Date(run.startMs - HOUR_MS).toISOString(), to: new Date(world.clockMs + HOUR_MS).toISOString() },
    { uid: "model-admin", isAdmin: true },
  );
  const out: string[] = [];
  for (const [id, s] of sums) {
    if (s.captured === 0 && s.total === 0) continue;
    const lines = statement.bookings.filter((l) => l.bookingId === id);
    const line = lines[0];
    if (lines.length !== 1 || !line) {
      out.push(`${id}: ${lines.length} lines in the coach's statement`);
      continue;
    }
    const want = {
      capturedCents: s.captured,
      refundedCents: s.refunded,
      disputedCents: s.disputed,
      feesCents: s.fee,
      transferredCents: s.transferred,
      reversedCents: s.reversed,
      owedCents: s.debt - s.netted,
      heldCents: s.total,
    };
    for (const [k, v] of Object.entries(want)) {
      if (line[k as keyof typeof want] !== v)
        out.push(`${id}: the coach's statement shows ${k} ${line[k as keyof typeof want]}, the ledger ${v}`);
    }
  }
  return out;
}
