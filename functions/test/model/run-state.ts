import type { Booking } from "../../src/domain/booking.js";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { bookingDoc, bookingsCollection } from "../../src/shared/firestore.js";
import { AppError } from "../../src/domain/errors.js";
import { markEventTypesWanted } from "../../src/core/event-types/event-type-sync.js";
import { handleCoachWritten } from "../../src/core/event-types/coach-written.js";
import { baseOfferings, type Delivery, type OfferingId, type World } from "./world.js";
import {
  GRACE_MS,
  afterCancellation,
  cancelInModel,
  completionOutcome,
  movedTo,
  studentRefundPercent,
  type ModelBooking,
  type ModelOffering,
} from "./reference.js";

/** What the code knew of payouts after a step: the transfers Stripe had, whether the coach could be paid, which bookings a dispute or a no-show claim held. */
export interface PayoutSnapshot {
  transferIds: Set<string>;
  coachPayable: boolean;
  accountUpdates: number;
  blocked: Map<string, string>;
}

/** One execution of the model: its students, the bookings it made, the events not yet delivered. */
export interface RunState {
  day: number;
  /** The clock when the run began (its coach statement starts there). */
  startMs: number;
  students: string[];
  bookings: ModelBooking[];
  pending: Delivery[];
  disputes: { id: string; bookingId: string; outcome: "won" | "lost"; closed: boolean }[];
  violations: string[];
  steps: number;
  /** The commands run so far, for the report of a failing run. */
  trail: string[];
  /** The coach's offerings as the coach has set them in this run. */
  offerings: Record<OfferingId, ModelOffering>;
  /** A coach write whose trigger (the event-type sync) has not run yet: it runs with the next step's triggers. */
  coachTriggerPending: boolean;
  /** The coach's buffers before and after each session, in minutes. */
  buffers: { before: number; after: number };
  /** What the code knew of payouts after the last step (payout-invariants.ts). */
  payoutSnapshot: PayoutSnapshot | null;
}

/** What the runs really did (a command whose target does not exist does nothing), over every run. */
export const coverage: Record<string, number> = {};
export function covered(what: string): void {
  coverage[what] = (coverage[what] ?? 0) + 1;
}

export function newRunState(day: number, startMs: number, students: string[]): RunState {
  return {
    day,
    startMs,
    students,
    bookings: [],
    pending: [],
    disputes: [],
    violations: [],
    steps: 0,
    trail: [],
    offerings: baseOfferings(),
    coachTriggerPending: false,
    buffers: { before: 0, after: 0 },
    payoutSnapshot: null,
  };
}

export function slotStart(run: RunState, slot: number, hours: readonly number[]): string {
  return new Date(run.day + (hours[slot % hours.length] ?? 8) * 3_600_000).toISOString();
}

export function pick<T>(items: readonly T[], index: number): T | undefined {
  return items.length === 0 ? undefined : items[index % items.length];
}

/** Every booking document of the run, the ones whose create failed half way included. */
export async function runDocs(run: RunState): Promise<{ id: string; booking: Booking | null; error: string | null }[]> {
  const ids = new Set(run.bookings.map((b) => b.id));
  const byStudent = await bookingsCollection().withConverter(null).where("userId", "in", run.students).get();
  for (const d of byStudent.docs) ids.add(d.id);
  const out: { id: string; booking: Booking | null; error: string | null }[] = [];
  for (const id of ids) {
    try {
      out.push({ id, booking: (await bookingDoc(id).get()).data() ?? null, error: null });
    } catch (err) {
      out.push({ id, booking: null, error: err instanceof Error ? err.message.slice(0, 200) : String(err) });
    }
  }
  return out;
}

/** What the booking trigger does after every write: the booking's effects, for every booking of the run. */
export async function triggers(world: World, run: RunState): Promise<void> {
  if (run.coachTriggerPending) await coachTrigger(world, run);
  for (const { id } of await runDocs(run)) {
    try {
      await runBookingEffects(id, world.deps);
    } catch (err) {
      // A trigger that throws is retried by the platform: the next step runs it again.
      if (!(err instanceof AppError)) run.violations.push(`trigger for ${id} threw ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  run.pending.push(...world.collect());
}

/**
 * The coach document's trigger as production runs it: the write counted, then the event-type
 * sync (through the queue, inline here). A transient failure is retried by the platform: the
 * trigger stays pending for the next step.
 */
export async function coachTrigger(world: World, run: RunState): Promise<void> {
  try {
    await markEventTypesWanted(world.coachId, world.deps.now());
    await handleCoachWritten(world.coachId, world.deps);
    run.coachTriggerPending = false;
  } catch (err) {
    if (!(err instanceof AppError)) run.violations.push(`the coach trigger threw ${err instanceof Error ? err.message : String(err)}`);
    run.coachTriggerPending = true;
  }
}

/**
 * Brings the model up to what the documents show happened without a command of ours deciding it:
 * a payment recorded, a move made, a cancellation that came from Cal.com, reconciliation or
 * expiry. What the model expects is decided here from its own rules, never from the document's
 * amounts.
 */
export function observe(run: RunState, docs: Awaited<ReturnType<typeof runDocs>>, nowMs: number): void {
  for (const b of run.bookings) {
    const doc = docs.find((d) => d.id === b.id)?.booking;
    if (!doc) continue;
    const live = doc.status !== "cancelled";
    if ((doc.status === "completed" || doc.status === "no-show") && !b.endedSeen) {
      b.endedSeen = true;
      const outcome = doc.attendance?.outcome ?? null;
      const due = Date.parse(doc.endTime) + GRACE_MS <= nowMs;
      const expected = b.admin !== null && b.admin !== "complete" ? b.admin : completionOutcome(b.marks);
      if (doc.attendance?.decidedBy === "completion" && !due)
        run.violations.push(`${b.id}: completed by the sweep before its grace period was over`);
      if (doc.attendance?.decidedBy === "admin" && b.admin === null) run.violations.push(`${b.id}: decided by an admin nobody asked`);
      if (outcome !== expected)
        run.violations.push(
          `${b.id}: settled as ${outcome ?? "nothing"}; the marks (${JSON.stringify(b.marks)}) say ${expected ?? "an admin decides"}`,
        );
      // A coach's no-show gives the student everything back; otherwise the session is paid for.
      if (outcome === "coach-absent") cancelInModel(b, 0);
    }
    if (live && doc.paymentStatus === "paid" && !b.paidSeen) {
      b.paidSeen = true;
      if (!b.sessionRefunded) b.entitled = b.entitledLow = b.sold.priceCents;
    }
    if (doc.offeringId !== b.offeringId) {
      // Moved to another offering: on the terms the move was asked for at (never the document's).
      const sale = movedTo(b, doc.offeringId);
      if (!sale) run.violations.push(`${b.id}: now holds ${doc.offeringId}, though no move to it was accepted`);
      else b.sold = sale;
      if (live && b.paidSeen) b.entitled = b.entitledLow = b.sold.priceCents;
      b.previousOfferingId = b.offeringId;
    }
    b.offeringId = doc.offeringId;
    b.startTime = doc.startTime;
    // A booking keeps the length and currency it was sold (checked, never taken from the document).
    const length = Math.round((Date.parse(doc.endTime) - Date.parse(doc.startTime)) / 60_000);
    if (length !== b.sold.lengthMinutes) run.violations.push(`${b.id}: lasts ${length} min, sold for ${b.sold.lengthMinutes}`);
    if (doc.currency !== b.sold.currency) run.violations.push(`${b.id}: in ${doc.currency}, sold in ${b.sold.currency}`);
    if (doc.priceCents !== null && doc.priceCents !== b.sold.priceCents)
      run.violations.push(`${b.id}: price ${doc.priceCents} recorded, sold at ${b.sold.priceCents}`);
    if (!live && !b.cancelled && !b.endedSeen) {
      const c = b.calcomCancel;
      if (c?.by === "attendee") {
        // The student cancelled in Cal.com: the tier of that moment, or of the moment we heard of it.
        const percentNow = studentRefundPercent(Date.parse(doc.startTime) - nowMs);
        cancelInModel(
          b,
          afterCancellation(b.entitled, Math.min(c.percentThen, percentNow)),
          afterCancellation(b.entitled, Math.max(c.percentThen, percentNow)),
        );
      } else {
        if (!b.mayEnd) run.violations.push(`${b.id}: cancelled (${doc.cancellation?.tier ?? "?"}) though nothing asked for it to end`);
        // The host, Cal.com's rejection, a released hold, or the system: the student keeps nothing owed.
        cancelInModel(b, 0);
      }
    }
  }
}

/** The run's Checkout Sessions whose delayed payment is still processing. */
export function processingSessions(world: World, run: RunState) {
  return [...world.stripe.sessions.values()].filter(
    (s) =>
      s.status === "complete" &&
      s.payment_status === "unpaid" &&
      world.stripe.paymentIntents.get(s.payment_intent ?? "")?.status === "processing" &&
      run.bookings.some((b) => b.id === s.metadata.bookingId),
  );
}

/** Delivers every held event in the order it was sent (Stripe again after a 5xx, a few times). */
export async function deliverAll(world: World, run: RunState): Promise<void> {
  run.pending.push(...world.collect());
  for (let round = 0; round < 5 && run.pending.length > 0; round++) {
    const batch = run.pending.splice(0);
    for (const d of batch) {
      const status = await world.deliver(d);
      if (status >= 500 && d.far === "stripe") run.pending.push(d);
      observe(run, await runDocs(run), world.clockMs);
    }
    await triggers(world, run);
    observe(run, await runDocs(run), world.clockMs);
  }
}
