import { disputesOf, refundsOwedThroughStripe, type Booking } from "../../src/domain/booking.js";
import { coachDoc } from "../../src/shared/firestore.js";
import { expectedNetRange } from "./reference.js";
import type { RunState, runDocs } from "./run-state.js";
import type { World } from "./world.js";

type Docs = Awaited<ReturnType<typeof runDocs>>;

/** Stripe's truth about one booking's money, from the stand-in. */
export function stripeMoney(world: World, bookingId: string) {
  const pis = [...world.stripe.paymentIntents.values()].filter((pi) => pi.metadata.bookingId === bookingId && pi.status === "succeeded");
  const captured = pis.reduce((s, pi) => s + pi.amount, 0);
  const refunds = [...world.stripe.refunds.values()].filter((r) => pis.some((pi) => pi.id === r.payment_intent));
  const refunded = refunds.reduce((s, r) => s + r.amount, 0);
  const charges = new Set(pis.map((pi) => pi.latest_charge));
  const disputes = [...world.stripe.disputes.values()].filter((d) => charges.has(d.charge));
  const lost = disputes.filter((d) => d.status === "lost").reduce((s, d) => s + d.amount, 0);
  const held = pis.reduce((s, pi) => s + world.stripe.heldFor(pi.id), 0);
  const perPaymentOver = pis
    .filter((pi) => refunds.filter((r) => r.payment_intent === pi.id).reduce((s, r) => s + r.amount, 0) > pi.amount)
    .map((pi) => pi.id);
  return { captured, refunded, lost, held, perPaymentOver };
}

function overlaps(a: Booking, b: Booking): boolean {
  const before = (x: Booking) => (x.limits?.bufferBeforeMinutes ?? 0) * 60_000;
  const after = (x: Booking) => (x.limits?.bufferAfterMinutes ?? 0) * 60_000;
  return (
    Date.parse(a.startTime) - before(a) < Date.parse(b.endTime) + after(b) &&
    Date.parse(b.startTime) - before(b) < Date.parse(a.endTime) + after(a)
  );
}

/** The invariants that hold after every step, whatever is still in flight. */
export function stepViolations(world: World, run: RunState, docs: Docs): string[] {
  const out: string[] = [];
  for (const d of docs) if (d.error !== null) out.push(`${d.id}: unreadable (${d.error})`);
  for (const b of run.bookings) {
    const m = stripeMoney(world, b.id);
    if (m.perPaymentOver.length > 0) out.push(`${b.id}: refunded more than captured on ${m.perPaymentOver.join(",")}`);
    const net = m.captured - m.refunded - m.lost;
    const [floor] = expectedNetRange(b.entitledLow, b.entitled, m.captured, m.lost);
    if (net < floor)
      out.push(`${b.id}: the student holds ${floor} of value but has paid net ${net} (refunded ${m.refunded} of ${m.captured})`);
  }
  const live = docs.map((d) => d.booking).filter((b): b is Booking => b !== null && b.status !== "cancelled");
  out.push(...calendarViolations(world, live));
  for (let i = 0; i < live.length; i++) {
    for (let j = i + 1; j < live.length; j++) {
      const [a, b] = [live[i], live[j]];
      if (a && b && overlaps(a, b)) out.push(`two live bookings overlap: ${a.startTime} and ${b.startTime}`);
    }
  }
  return out;
}

const lengthOf = (x: { start: string; end: string }) => Math.round((Date.parse(x.end) - Date.parse(x.start)) / 60_000);

/**
 * A live booking's event type is never deleted under it (nor the one a move under way goes to),
 * and its Cal.com booking lasts what the booking does (outside a move under way, whose Cal.com
 * side may be ahead of the document).
 */
function calendarViolations(world: World, live: Booking[]): string[] {
  const out: string[] = [];
  for (const b of live) {
    if (Date.parse(b.endTime) <= world.clockMs) continue;
    for (const id of [b.calcomEventTypeId, b.reschedule?.newEventTypeId ?? null]) {
      if (id !== null && !world.calcom.eventType(id))
        out.push(`${b.startTime} (${b.offeringId}): its event type ${id} is gone from Cal.com`);
    }
    const c = b.calcomBookingUid ? world.calcom.booking(b.calcomBookingUid) : undefined;
    if (!b.reschedule && c && (c.status === "accepted" || c.status === "pending")) {
      const mine = lengthOf({ start: b.startTime, end: b.endTime });
      if (lengthOf(c) !== mine) out.push(`${b.startTime} (${b.offeringId}): ${mine} min here, ${lengthOf(c)} min in Cal.com`);
    }
  }
  return out;
}

/**
 * Once settled and the event types synced: Cal.com holds one event type per offering on sale,
 * of its length, and besides them only retired ones a live booking still needs.
 */
async function eventTypeViolations(world: World, run: RunState, docs: Docs): Promise<string[]> {
  const out: string[] = [];
  const offerings = (await coachDoc(world.coachId).get()).data()?.customOfferings ?? [];
  const current = new Set<number>();
  for (const [id, m] of Object.entries(run.offerings)) {
    const o = offerings.find((x) => x.id === id);
    if (m.removed) {
      if (o) out.push(`${id}: removed, yet still an offering`);
      continue;
    }
    if (!o) {
      out.push(`${id}: on sale, yet not an offering`);
      continue;
    }
    if (o.priceCents !== m.priceCents || o.currency !== m.currency || o.durationMinutes !== m.lengthMinutes)
      out.push(
        `${id}: ${o.priceCents} ${o.currency} ${o.durationMinutes} min, the coach saved ${m.priceCents} ${m.currency} ${m.lengthMinutes} min`,
      );
    const et = o.calcomEventTypeId !== null ? world.calcom.eventType(o.calcomEventTypeId) : undefined;
    if (!et) out.push(`${id}: no event type in Cal.com (${o.calcomEventTypeId ?? "unlinked"})`);
    else if (et.lengthInMinutes !== m.lengthMinutes)
      out.push(`${id}: its event type lasts ${et.lengthInMinutes} min, the offering ${m.lengthMinutes}`);
    else if (et.beforeEventBuffer !== run.buffers.before || et.afterEventBuffer !== run.buffers.after)
      out.push(
        `${id}: its event type has buffers ${et.beforeEventBuffer}/${et.afterEventBuffer}, the coach set ${run.buffers.before}/${run.buffers.after}`,
      );
    if (o.calcomEventTypeId !== null) current.add(o.calcomEventTypeId);
  }
  if (current.size !== offerings.length) out.push(`${offerings.length} offerings share ${current.size} event types`);
  const needed = new Set(
    docs
      .map((d) => d.booking)
      .filter((b): b is Booking => b !== null && b.status !== "cancelled" && Date.parse(b.endTime) > world.clockMs)
      .flatMap((b) => [b.calcomEventTypeId, b.reschedule?.newEventTypeId ?? null]),
  );
  for (const et of world.calcom.listEventTypes()) {
    if (!current.has(et.id) && !needed.has(et.id))
      out.push(`event type ${et.id} (${et.slug}, ${et.lengthInMinutes} min) left in Cal.com, retired and needed by no live booking`);
  }
  return out;
}

/** The invariants that hold once nothing is in flight and reconciliation has run: nothing stuck, everything agrees. */
export async function settledViolations(world: World, run: RunState, docs: Docs): Promise<string[]> {
  const out: string[] = await eventTypeViolations(world, run, docs);
  const calcomLive = world.calcom.listBookings().filter((x) => x.status === "pending" || x.status === "accepted");
  for (const { id, booking: b } of docs) {
    if (!b) continue;
    const model = run.bookings.find((x) => x.id === id);
    const m = stripeMoney(world, id);
    const net = m.captured - m.refunded - m.lost;
    if (model) {
      const [low, high] = expectedNetRange(model.entitledLow, model.entitled, m.captured, m.lost);
      if (net < low || net > high)
        out.push(
          `${id}: the student paid net ${net} (captured ${m.captured}, refunded ${m.refunded}, lost ${m.lost}); owed ${low === high ? low : `${low}..${high}`}`,
        );
      // A session refunded after it ended keeps its outcome and reads refunded.
      if (model.sessionRefunded && ((b.status !== "completed" && b.status !== "no-show") || b.paymentStatus !== "refunded"))
        out.push(`${id}: refunded after the session, yet reads ${b.status}/${b.paymentStatus}`);
    } else if (net !== 0) out.push(`${id}: a booking whose creation failed holds ${net} of the student's money`);
    if (b.status === "requested")
      out.push(`${id}: still requested/${b.paymentStatus} (${b.lastError?.action ?? ""} ${b.lastError?.code ?? ""})`);
    if (b.reschedule) out.push(`${id}: a move (${b.reschedule.state}) still under way`);
    // Work left for Stripe: what the bank returned through a lost dispute needs no refund (the
    // amounts themselves are checked against the model above).
    const stillToRefund = [...refundsOwedThroughStripe(b).values()].reduce((sum, c) => sum + c, 0);
    if (stillToRefund > 0 && b.status !== "cancelled") out.push(`${id}: refunds still owed ${JSON.stringify(b.refundsOwed)}`);
    if (m.refunded !== b.refundedCents) out.push(`${id}: ${m.refunded} refunded at Stripe, ${b.refundedCents} recorded`);
    const recorded = b.charges.reduce((s, c) => s + c.amountCents, 0);
    if (m.captured !== recorded) out.push(`${id}: captured ${m.captured} at Stripe, ${recorded} recorded`);
    // The ledger's payments against Stripe: payout-invariants.ts, with the rest of the ledger.
    const mine = calcomLive.filter((x) => x.metadata.bookingId === id);
    if (b.status === "confirmed") {
      if (mine.length !== 1 || mine[0]?.uid !== b.calcomBookingUid || mine[0].status !== "accepted")
        out.push(`${id}: confirmed, Cal.com has ${mine.map((x) => `${x.uid}:${x.status}`).join(",") || "nothing"} live`);
      else if (mine[0].eventTypeId !== b.calcomEventTypeId)
        out.push(`${id}: of event type ${b.calcomEventTypeId ?? "none"}, in Cal.com of ${mine[0].eventTypeId}`);
    } else if (mine.some((x) => Date.parse(x.end) > world.clockMs)) {
      // Cal.com refuses to cancel a booking that has ended: only one still to come must be gone.
      out.push(`${id}: ${b.status}, yet live in Cal.com (${mine.map((x) => x.status).join(",")})`);
    }
    // Every dispute Stripe has on the booking's payments, with the status Stripe gives it.
    const charges = new Set(
      [...world.stripe.paymentIntents.values()].filter((pi) => pi.metadata.bookingId === id).map((pi) => pi.latest_charge),
    );
    for (const d of [...world.stripe.disputes.values()].filter((x) => charges.has(x.charge))) {
      const recorded = disputesOf(b).find((x) => x.id === d.id);
      if (recorded?.status !== d.status) out.push(`${id}: dispute ${d.id} is ${d.status} at Stripe, ${recorded?.status ?? "unknown"} here`);
    }
    const open = [...world.stripe.sessions.values()].filter((s) => s.metadata.bookingId === id && s.status === "open");
    if (open.length > 0) out.push(`${id}: ${open.length} Checkout Session(s) still open`);
  }
  return out;
}
