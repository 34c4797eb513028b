import fc from "fast-check";
import { AppError } from "../../src/domain/errors.js";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { expireStaleHolds } from "../../src/core/effects/hold-expiry.js";
import { completeDueSessions } from "../../src/core/effects/attendance.js";
import { payOutDueSessions } from "../../src/core/effects/payouts.js";
import { completeBooking, markNoShow, resolveNoShow } from "../../src/features/attendance/attendance.service.js";
import { cancelBooking, refundSession } from "../../src/features/cancellations/cancellations.service.js";
import { quoteCancellation } from "../../src/features/money/money.service.js";
import { reconcileRecent } from "../../src/features/reconciliation/reconciliation.service.js";
import { rescheduleBooking } from "../../src/features/reschedules/reschedules.service.js";
import { markEventTypesWanted } from "../../src/core/event-types/event-type-sync.js";
import { calcomApi } from "../../src/integrations/calcom/calcom-api.js";
import { CalcomClient } from "../../src/integrations/calcom/calcom-client.js";
import { saveSchedulingLimits } from "../../src/features/limits/limits.service.js";
import { removeOffering, saveOffering } from "../../src/features/offerings/offerings.service.js";
import { bookingDoc, coachDoc } from "../../src/shared/firestore.js";
import type { Booking } from "../../src/domain/booking.js";
import {
  GRACE_MS,
  afterCancellation,
  cancelInModel,
  expectedNetRange,
  moveTerms,
  newModelBooking,
  refundSessionInModel,
  studentRefundPercent,
  type ModelBooking,
} from "./reference.js";
import { coachTrigger, covered, observe, pick, processingSessions, runDocs, slotStart, triggers, type RunState } from "./run-state.js";
import { stepViolations, stripeMoney } from "./invariants.js";
import { payoutStepViolations } from "./payout-invariants.js";
import { OFFERING_IDS, SLOT_HOURS, type OfferingId, type World } from "./world.js";

const MINUTE = 60_000;
const ADMIN = { uid: "model-admin", isAdmin: true };

/** Runs a callable's service; an `internal` answer is a defect (a client must get a code it can act on). */
async function call<T>(run: RunState, name: string, work: () => Promise<T>): Promise<T | AppError> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AppError && err.code !== "booking/unstorable") return err;
    run.violations.push(`${name} answered internal: ${err instanceof Error ? err.message : String(err)}`);
    return new AppError("upstream/rejected", "unexpected");
  }
}

/** One step of a run: what it does, then the trigger's work, the model brought up to date, the step invariants. */
abstract class Step implements fc.AsyncCommand<RunState, World> {
  /**
   * What follows the step: as usual, the booking trigger runs and the far ends' events are
   * delivered at once; or both come late (the trigger with the next step, the events with later
   * Deliver commands).
   */
  delivery: "now" | "held" = "now";
  abstract label(): string;
  abstract act(run: RunState, world: World): Promise<void>;
  check(run: Readonly<RunState>): boolean {
    return run.steps >= 0;
  }
  async run(run: RunState, world: World): Promise<void> {
    run.steps += 1;
    run.trail.push(this.toString());
    await this.act(run, world);
    const before = run.pending.length;
    if (this.delivery === "held") run.pending.push(...world.collect());
    else {
      await triggers(world, run);
      for (let round = 0; round < 4 && run.pending.length > before; round++) {
        for (const d of run.pending.splice(before)) {
          const status = await world.deliver(d);
          if (status >= 500 && d.far === "stripe") run.pending.push(d);
        }
        await triggers(world, run);
      }
    }
    const docs = await runDocs(run);
    observe(run, docs, world.clockMs);
    run.violations.push(
      ...[...stepViolations(world, run, docs), ...(await payoutStepViolations(world, run, docs))].map((v) => `after ${this.label()}: ${v}`),
    );
  }
  toString(): string {
    return `${this.delivery === "held" ? "[events held] " : ""}${this.label()}`;
  }
}

class Book extends Step {
  constructor(
    readonly student: number,
    readonly offering: OfferingId,
    readonly slot: number,
    readonly payNow: boolean,
  ) {
    super();
  }
  label() {
    return `book(s${this.student}, ${this.offering}, slot ${this.slot}${this.payNow ? ", paid by card at once" : ""})`;
  }
  /** A few bookings per run, so that the other commands act on them in depth. */
  override check(run: Readonly<RunState>): boolean {
    return run.bookings.length < 3;
  }
  async act(run: RunState, world: World) {
    const userId = run.students[this.student] ?? "";
    const startTime = slotStart(run, this.slot, SLOT_HOURS);
    const offering = run.offerings[this.offering];
    const endTime = new Date(Date.parse(startTime) + offering.lengthMinutes * MINUTE).toISOString();
    // The event type a student's client reads from the coach's catalog.
    const listed = (await coachDoc(world.coachId).get()).data()?.customOfferings.find((o) => o.id === this.offering);
    const out = await call(run, "createBooking", () =>
      createBooking(
        { coachId: world.coachId, eventTypeId: listed?.calcomEventTypeId ?? 1, offeringId: this.offering, userId, startTime, endTime },
        { uid: userId, isAdmin: false },
        world.deps,
      ),
    );
    if (out instanceof AppError) {
      if (out.code === "offering/not-found" && !offering.removed)
        run.violations.push(`${this.offering} is on sale, yet booking it was refused (offering/not-found)`);
      if (out.code === "offering/not-found" || out.code === "coach/not-synced") covered(`book refused (${out.code})`);
      if (out.code === "request/invalid" && /lasts exactly|does not belong/.test(out.message))
        run.violations.push(`booking ${this.offering} for ${offering.lengthMinutes} min was refused: ${out.message}`);
      return;
    }
    if (offering.removed) run.violations.push(`${out.bookingId}: ${this.offering} was removed, yet it was booked`);
    covered(`booked ${this.offering}`);
    const b = newModelBooking(out.bookingId, this.student, this.offering, startTime, offering);
    run.bookings.push(b);
    // Most students pay as soon as they have booked: the run then spends its commands on what follows.
    const session = this.payNow ? await openSessionOf(world, b.id) : null;
    if (session) {
      world.stripe.pay(session);
      b.paidAtStripe = true;
      covered("paid by card");
    }
  }
}

/** The `index`-th booking of the run (wrapping) among those whose document passes `wanted`: commands aim at bookings they can act on. */
async function choose(
  run: RunState,
  index: number,
  wanted: (b: Booking) => boolean,
  only: string | null = null,
): Promise<{ model: ModelBooking; doc: Booking } | undefined> {
  const docs = await runDocs(run);
  const fit = run.bookings.flatMap((model) => {
    const doc = docs.find((d) => d.id === model.id)?.booking;
    return doc && wanted(doc) && (only === null || only === model.id) ? [{ model, doc }] : [];
  });
  return pick(fit, index);
}
const isLive = (b: Booking) => b.status === "requested" || b.status === "confirmed";
const isLivePaid = (b: Booking) => isLive(b) && b.paymentStatus === "paid";

/** The session a booking waits on: its first Checkout, or its move's difference. */
async function openSessionOf(world: World, bookingId: string): Promise<string | null> {
  // An unreadable booking is reported by the step invariants; here it simply has no session to pay.
  const b = await bookingDoc(bookingId)
    .get()
    .then((s) => s.data())
    .catch(() => undefined);
  for (const id of [b?.reschedule?.checkoutSessionId, b?.stripeCheckoutSessionId]) {
    if (id && world.stripe.sessions.get(id)?.status === "open") return id;
  }
  return null;
}

class Pay extends Step {
  constructor(
    readonly booking: number,
    readonly method: "card" | "card declined first" | "delayed",
  ) {
    super();
  }
  label() {
    return `pay(b${this.booking}, ${this.method})`;
  }
  async act(run: RunState, world: World) {
    const sessions = new Map<string, string>();
    for (const b of run.bookings) {
      const session = await openSessionOf(world, b.id);
      if (session) sessions.set(b.id, session);
    }
    const b = pick(
      run.bookings.filter((x) => sessions.has(x.id)),
      this.booking,
    );
    const session = b ? sessions.get(b.id) : undefined;
    if (!b || !session) return;
    if (this.method === "card declined first") world.stripe.failPayment(session);
    if (this.method === "delayed") world.stripe.payDelayed(session);
    else world.stripe.pay(session);
    covered(`paid by ${this.method}`);
    b.paidAtStripe = true;
  }
}

/** A delayed payment method's outcome arrives (days later, in reality). */
class Settle extends Step {
  constructor(
    readonly index: number,
    readonly outcome: "succeeded" | "failed",
  ) {
    super();
  }
  label() {
    return `delayed payment #${this.index} ${this.outcome}`;
  }
  act(run: RunState, world: World) {
    const session = pick(processingSessions(world, run), this.index);
    if (session) {
      world.stripe.settleDelayedPayment(session.id, this.outcome);
      covered(`delayed payment ${this.outcome}`);
      const b = run.bookings.find((x) => x.id === session.metadata.bookingId);
      if (b && this.outcome === "failed") b.mayEnd = true;
    }
    return Promise.resolve();
  }
}

class Cancel extends Step {
  constructor(
    readonly booking: number,
    readonly who: "student" | "coach" | "admin",
    readonly longReason: boolean,
    readonly quoted: boolean,
    readonly adminRefund: number | null,
  ) {
    super();
  }
  label() {
    return `cancel(b${this.booking} by ${this.who}${this.longReason ? ", long reason" : ""}${this.quoted ? ", quoted" : ""}${this.adminRefund !== null ? `, refund ${this.adminRefund}%` : ""})`;
  }
  async act(run: RunState, world: World) {
    const chosen = await choose(run, this.booking, isLive);
    if (!chosen) return;
    const { model: b, doc } = chosen;
    const caller =
      this.who === "student"
        ? { uid: run.students[b.student] ?? "", isAdmin: false }
        : this.who === "coach"
          ? { uid: world.coachId, isAdmin: false }
          : ADMIN;
    const paid = doc.paymentStatus === "paid" && b.paidSeen;
    const percent = this.who === "student" ? studentRefundPercent(Date.parse(doc.startTime) - world.clockMs) : 100;
    // Only an admin may choose the refund; a coach who asks for less still refunds in full.
    const refundAmount =
      this.who !== "student" && this.adminRefund !== null && paid ? Math.floor((b.entitled * this.adminRefund) / 100) : undefined;
    const keep = !paid
      ? 0
      : refundAmount !== undefined && this.who === "admin"
        ? b.entitled - refundAmount
        : afterCancellation(b.entitled, percent);
    let expectedRefundCents: number | undefined;
    let quoteBlocked: string | null = null;
    if (this.quoted) {
      const quote = await call(run, "quoteCancellation", () => quoteCancellation({ bookingId: b.id }, caller, world.deps));
      if (!(quote instanceof AppError)) {
        expectedRefundCents = refundAmount === undefined ? quote.refundCents : undefined;
        quoteBlocked = quote.blockedBy;
      }
    }
    const reason = this.longReason ? "r".repeat(500) : "Cannot make it";
    const out = await call(run, "cancelBooking", () =>
      cancelBooking(
        {
          bookingId: b.id,
          reason,
          ...(this.longReason ? { refundReason: "x".repeat(500) } : {}),
          ...(refundAmount !== undefined ? { refundAmount } : {}),
          ...(expectedRefundCents !== undefined ? { expectedRefundCents } : {}),
        },
        caller,
        world.deps,
      ),
    );
    if (out instanceof AppError) {
      if (this.quoted && quoteBlocked === null && (out.code === "booking/cutoff-passed" || out.code === "payment/disputed")) {
        run.violations.push(`${b.id}: quoted with nothing blocking, then the cancel was refused (${out.code})`);
      }
      // A session nobody can give must be cancellable while its payment is disputed.
      if (out.code === "payment/disputed") run.violations.push(`${b.id}: a cancel by the ${this.who} was refused while a dispute is open`);
      return;
    }
    covered(`cancelled by ${this.who}${paid ? " (paid)" : " (unpaid)"}`);
    b.mayEnd = true;
    cancelInModel(b, keep);
  }
}

class Reschedule extends Step {
  constructor(
    readonly booking: number,
    readonly who: "student" | "coach",
    readonly offering: OfferingId | "back" | null,
    readonly slot: number,
  ) {
    super();
  }
  label() {
    return `move(b${this.booking} by ${this.who} to ${this.offering === "back" ? "the offering before its last move" : (this.offering ?? "same")}, slot ${this.slot})`;
  }
  async act(run: RunState, world: World) {
    const chosen = await choose(run, this.booking, isLivePaid);
    if (!chosen) return;
    const b = chosen.model;
    const caller = this.who === "student" ? { uid: run.students[b.student] ?? "", isAdmin: false } : { uid: world.coachId, isAdmin: false };
    const newStartTime = slotStart(run, this.slot, SLOT_HOURS);
    const offering = this.offering === "back" ? b.previousOfferingId : this.offering;
    // The terms the model gives the move now, as it is asked for: they are what it must cost.
    const terms = moveTerms(b, offering ?? b.offeringId, run.offerings);
    const lengthMinutes = terms.ok
      ? terms.sale.lengthMinutes
      : ((run.offerings[(offering ?? b.offeringId) as OfferingId].lengthMinutes as number | undefined) ?? 60);
    const newEndTime = new Date(Date.parse(newStartTime) + lengthMinutes * MINUTE).toISOString();
    const out = await call(run, "rescheduleBooking", () =>
      rescheduleBooking(
        {
          bookingId: b.id,
          newStartTime,
          newEndTime,
          ...(offering ? { newOfferingId: offering } : {}),
          refundDifference: true,
          reason: "Moved",
        },
        caller,
        world.deps,
      ),
    );
    if (out instanceof AppError) {
      if (out.code === "request/invalid" && /lasts exactly/.test(out.message))
        run.violations.push(`${b.id}: a move for ${lengthMinutes} min was refused: ${out.message}`);
      if (terms.ok && (out.code === "offering/not-found" || out.code === "booking/currency-mismatch"))
        run.violations.push(`${b.id}: a move to ${offering ?? "its own offering"} was refused (${out.code})`);
      if (!terms.ok) covered(`move refused (${terms.why})`);
      return;
    }
    if (!terms.ok) {
      run.violations.push(`${b.id}: a move to ${offering ?? b.offeringId} (${terms.why}) was accepted`);
      return;
    }
    if (terms.same && out.difference.kind !== "none")
      run.violations.push(`${b.id}: a move within its offering costs ${out.difference.kind} ${out.difference.amountCents}`);
    // A move already under way answers a repeated request with itself, on its own terms.
    if (!terms.same && chosen.doc.reschedule === null) b.moves.push({ offeringId: offering ?? b.offeringId, ...terms.sale });
    covered(`move ${out.status} (${out.difference.kind})`);
  }
}

/**
 * The coach's trigger after a coach command: at once, with the next step's triggers (the step's
 * delivery held), or lost by the queue (the write counted, the sync left to reconciliation).
 */
async function afterCoachWrite(run: RunState, world: World, step: Step, queueGaveUp: boolean): Promise<void> {
  if (queueGaveUp) {
    await markEventTypesWanted(world.coachId, world.deps.now());
    covered("coach sync left to reconciliation");
  } else if (step.delivery === "now") await coachTrigger(world, run);
  else run.coachTriggerPending = true;
}

type OfferingChange = "price up" | "price down" | "price 0" | "other currency" | "length 30" | "length 45" | "length 60";

/** The coach edits an offering while sessions are booked (on an offering removed, it is added again with the change). */
class CoachSave extends Step {
  constructor(
    readonly offering: OfferingId,
    readonly change: OfferingChange,
    readonly queueGaveUp: boolean,
  ) {
    super();
  }
  label() {
    return `coach saves ${this.offering} (${this.change}${this.queueGaveUp ? ", sync task lost" : ""})`;
  }
  async act(run: RunState, world: World) {
    const o = run.offerings[this.offering];
    const next = { ...o };
    if (this.change === "price up") next.priceCents = o.priceCents + 2_500;
    else if (this.change === "price down") next.priceCents = Math.max(0, o.priceCents - 2_500);
    else if (this.change === "price 0") next.priceCents = 0;
    else if (this.change === "other currency") next.currency = o.currency === "eur" ? "usd" : "eur";
    else next.lengthMinutes = Number(this.change.slice("length ".length));
    const out = await call(run, "saveOffering", () =>
      saveOffering(
        {
          offering: {
            id: this.offering,
            title: this.offering,
            durationMinutes: next.lengthMinutes,
            priceCents: next.priceCents,
            currency: next.currency,
          },
        },
        { uid: world.coachId, isAdmin: false },
      ),
    );
    if (out instanceof AppError) {
      run.violations.push(`saveOffering(${this.offering}) refused: ${out.code}`);
      return;
    }
    covered(o.removed ? `offering added again (${this.change})` : `offering changed (${this.change})`);
    run.offerings[this.offering] = { ...next, removed: false };
    await afterCoachWrite(run, world, this, this.queueGaveUp);
  }
}

/** The coach takes an offering off sale, booked or not. */
class CoachRemove extends Step {
  constructor(
    readonly offering: OfferingId,
    readonly queueGaveUp: boolean,
  ) {
    super();
  }
  label() {
    return `coach removes ${this.offering}${this.queueGaveUp ? " (sync task lost)" : ""}`;
  }
  async act(run: RunState, world: World) {
    const o = run.offerings[this.offering];
    const out = await call(run, "removeOffering", () =>
      removeOffering({ offeringId: this.offering }, { uid: world.coachId, isAdmin: false }, world.deps),
    );
    if (out instanceof AppError) {
      if (!(o.removed && out.code === "offering/not-found")) run.violations.push(`removeOffering(${this.offering}) refused: ${out.code}`);
      return;
    }
    if (o.removed) run.violations.push(`removeOffering(${this.offering}) removed an offering already removed`);
    covered(out.liveBookings > 0 ? "offering removed with live bookings" : "offering removed");
    run.offerings[this.offering] = { ...o, removed: true };
    await afterCoachWrite(run, world, this, this.queueGaveUp);
  }
}

/** The coach changes the buffers around sessions: new event-type settings, new limits for what is booked or moved next. */
class CoachBuffers extends Step {
  constructor(
    readonly before: number,
    readonly after: number,
  ) {
    super();
  }
  label() {
    return `coach sets buffers ${this.before}/${this.after} min`;
  }
  async act(run: RunState, world: World) {
    const out = await call(run, "saveSchedulingLimits", () =>
      saveSchedulingLimits(
        { limits: { bufferBeforeMinutes: this.before, bufferAfterMinutes: this.after } },
        { uid: world.coachId, isAdmin: false },
      ),
    );
    if (out instanceof AppError) {
      run.violations.push(`saveSchedulingLimits refused: ${out.code}`);
      return;
    }
    covered("buffers changed");
    run.buffers = { before: this.before, after: this.after };
    await afterCoachWrite(run, world, this, false);
  }
}

/** Somebody acts in Cal.com itself: the coach (host) cancels or rejects, or the student (attendee) cancels. */
class CalcomAct extends Step {
  constructor(
    readonly booking: number,
    readonly act_: "host-cancel" | "attendee-cancel" | "host-reject" | "host-move" | "attendee-move",
    readonly slot = 0,
  ) {
    super();
  }
  label() {
    return `calcom ${this.act_}(b${this.booking}${this.act_.endsWith("move") ? `, slot ${this.slot}` : ""})`;
  }
  async act(run: RunState, world: World) {
    const chosen = await choose(
      run,
      this.booking,
      (x) => x.calcomBookingUid !== null && world.calcom.booking(x.calcomBookingUid)?.status !== "cancelled",
    );
    if (!chosen) return;
    const { model: b, doc } = chosen;
    const uid = doc.calcomBookingUid ?? "";
    const client = new CalcomClient({ baseUrl: world.calcom.url, baseDelayMs: 1, maxDelayMs: 2 });
    const move = this.act_ === "host-move" || this.act_ === "attendee-move";
    const host = this.act_.startsWith("host");
    try {
      if (this.act_ === "host-reject") await calcomApi.declineBooking(client, world.calcom.orgAdminKey, uid, "Not available");
      else if (move) {
        const start = slotStart(run, this.slot, SLOT_HOURS);
        await calcomApi.rescheduleBooking(client, host ? world.calcom.orgAdminKey : null, uid, {
          start,
          ...(host ? { rescheduledBy: `${world.coachId}@example.com` } : {}),
          reschedulingReason: "Moved in Cal.com",
        });
      } else await calcomApi.cancelBooking(client, host ? world.calcom.orgAdminKey : null, uid, "Changed plans");
    } catch {
      // Cal.com refused, or a fault injected for our backend took the answer: what counts is what Cal.com now holds.
    }
    const now = world.calcom.booking(uid);
    if (now?.status !== "cancelled" && now?.status !== "rejected") return;
    if (move) {
      covered(`calcom ${this.act_}`);
      return; // the time changes, the money does not: the invariants say the rest
    }
    covered(`calcom ${this.act_}`);
    b.mayEnd = true;
    b.calcomCancel = {
      by: this.act_ === "attendee-cancel" ? "attendee" : "host",
      percentThen: studentRefundPercent(Date.parse(doc.startTime) - world.clockMs),
    };
  }
}

/** A held event reaches its webhook: once, twice at once, or never. Stripe redelivers what it got a 5xx for; Cal.com does not. */
class Deliver extends Step {
  constructor(
    readonly index: number,
    readonly mode: "once" | "twice" | "never",
  ) {
    super();
  }
  label() {
    return `deliver(#${this.index}, ${this.mode})`;
  }
  async act(run: RunState, world: World) {
    if (run.pending.length === 0) return;
    const [d] = run.pending.splice(this.index % run.pending.length, 1);
    if (!d) return;
    covered(`${d.label} ${this.mode}`);
    if (this.mode === "never") return;
    const statuses = this.mode === "twice" ? await Promise.all([world.deliver(d), world.deliver(d)]) : [await world.deliver(d)];
    if (statuses.some((s) => s >= 500) && d.far === "stripe") run.pending.push(d);
    if (statuses.some((s) => s >= 400 && s < 500)) run.violations.push(`a genuine ${d.label} was refused with ${statuses.join(",")}`);
  }
}

/** Time passes; Stripe expires the sessions whose time has come, as it does on its own. */
class Clock extends Step {
  constructor(readonly minutes: number) {
    super();
  }
  label() {
    return `clock(+${this.minutes} min)`;
  }
  async act(run: RunState, world: World) {
    await advance(run, world, this.minutes);
  }
}

export async function advance(run: RunState, world: World, minutes: number): Promise<void> {
  await sweepWaitingIntents(run, world, minutes);
  world.clockMs += minutes * MINUTE;
  for (const s of world.stripe.sessions.values()) {
    if (s.status === "open" && s.expires_at * 1000 <= world.clockMs && run.bookings.some((b) => b.id === s.metadata.bookingId))
      world.stripe.expire(s.id);
  }
  for (const b of run.bookings) {
    const doc = (await bookingDoc(b.id).get()).data();
    // A hold past its expiry, or a move's unpaid difference, may now lapse.
    if (doc?.holdExpiresAt && Date.parse(doc.holdExpiresAt) <= world.clockMs) b.mayEnd = true;
  }
}

/**
 * Production sweeps payouts every 15 minutes: a transfer intent left unfinished (Stripe's answer
 * lost) is finished long before Stripe forgets its idempotency key (24 h). Before the clock jumps
 * hours ahead, the sweeps of those hours run (a few, as the schedule's would).
 */
async function sweepWaitingIntents(run: RunState, world: World, minutes: number): Promise<void> {
  if (minutes < 60) return;
  for (let i = 0; i < 4; i++) {
    const docs = await runDocs(run);
    if (!docs.some((d) => (d.booking?.payout?.pending.length ?? 0) > 0)) return;
    await call(run, "payOutSessions", () => payOutDueSessions(world.deps));
  }
}

class Housekeeping extends Step {
  constructor(
    readonly what: "expire-holds" | "reconcile" | "trigger-twice" | "complete-sessions",
    readonly booking: number,
  ) {
    super();
  }
  label() {
    return this.what === "trigger-twice" ? `trigger twice at once(b${this.booking})` : this.what;
  }
  async act(run: RunState, world: World) {
    if (this.what === "expire-holds") await call(run, "expireHolds", () => expireStaleHolds(world.deps));
    else if (this.what === "complete-sessions") await call(run, "completeSessions", () => completeDueSessions(world.deps));
    else if (this.what === "reconcile") await call(run, "reconcileBookings", () => reconcileRecent({ dryRun: false }, world.deps));
    else {
      const b = pick(run.bookings, this.booking);
      if (b)
        await Promise.all([
          runBookingEffects(b.id, world.deps).catch(() => undefined),
          runBookingEffects(b.id, world.deps).catch(() => undefined),
        ]);
    }
  }
}

type FaultKind = "fails before acting" | "answer lost" | "429";
class Fault extends Step {
  constructor(
    readonly target:
      | "calcom:createBooking"
      | "calcom:confirmBooking"
      | "calcom:cancelBooking"
      | "calcom:rescheduleBooking"
      | "stripe:POST /v1/refunds"
      | "stripe:POST /v1/checkout/sessions"
      | "stripe:POST /v1/transfers",
    readonly kind: FaultKind,
  ) {
    super();
  }
  label() {
    return `fault(${this.target}: ${this.kind})`;
  }
  act(_run: RunState, world: World) {
    const [far, op] = this.target.split(/:(.*)/s) as ["calcom" | "stripe", string];
    if (far === "calcom") {
      if (this.kind === "fails before acting") world.calcom.failNext(4, 503, op);
      else if (this.kind === "answer lost") world.calcom.loseNextResponses(1, op);
      else world.calcom.rateLimitNext(1, 1, op);
    } else if (this.kind === "fails before acting") world.stripe.failNext(3, 500, op);
    else if (this.kind === "answer lost") world.stripe.loseNextResponses(3, op);
    else world.stripe.failNext(3, 429, op);
    return Promise.resolve();
  }
}

class Dispute extends Step {
  constructor(
    readonly booking: number,
    readonly payment: number,
    readonly outcome: "won" | "lost",
  ) {
    super();
  }
  label() {
    return `dispute(b${this.booking} payment ${this.payment}, will be ${this.outcome})`;
  }
  act(run: RunState, world: World) {
    const pis = [...world.stripe.paymentIntents.values()].filter(
      (pi) => run.bookings.some((b) => b.id === pi.metadata.bookingId) && pi.status === "succeeded",
    );
    const pi = pick(pis, this.booking + this.payment);
    const b = run.bookings.find((x) => x.id === pi?.metadata.bookingId);
    const charge = pi ? world.stripe.charges.get(pi.latest_charge) : undefined;
    if (!b || !pi || !charge || charge.disputed || charge.amount_refunded >= charge.amount) return Promise.resolve();
    const d = world.stripe.openDispute(pi.id);
    covered("dispute opened");
    run.disputes.push({ id: d.id, bookingId: b.id, outcome: this.outcome, closed: false });
    return Promise.resolve();
  }
}

class DisputeMoves extends Step {
  constructor(
    readonly dispute: number,
    readonly move: "update" | "close",
  ) {
    super();
  }
  label() {
    return `dispute #${this.dispute} ${this.move}`;
  }
  act(run: RunState, world: World) {
    const open = run.disputes.filter((d) => !d.closed);
    const d = pick(open, this.dispute);
    if (!d) return Promise.resolve();
    covered(`dispute ${this.move === "update" ? "updated" : d.outcome}`);
    if (this.move === "update") world.stripe.updateDispute(d.id);
    else {
      world.stripe.closeDispute(d.id, d.outcome);
      d.closed = true;
    }
    return Promise.resolve();
  }
}

/** Time goes to a booking's session: a few minutes into it, or past its end and grace period. */
class ToSession extends Step {
  constructor(
    readonly booking: number,
    readonly when: "started" | "grace over",
    readonly only: string | null = null,
  ) {
    super();
  }
  label() {
    return `to session(b${this.booking}, ${this.when})`;
  }
  async act(run: RunState, world: World) {
    const chosen = await choose(run, this.booking, (b) => b.status === "confirmed", this.only);
    if (!chosen) {
      covered("to session: nothing confirmed");
      return;
    }
    const target =
      this.when === "started" ? Date.parse(chosen.doc.startTime) + 10 * MINUTE : Date.parse(chosen.doc.endTime) + GRACE_MS + MINUTE;
    if (target <= world.clockMs) return;
    covered(`to session (${this.when})`);
    await advance(run, world, Math.ceil((target - world.clockMs) / MINUTE));
  }
}

/** One side of a session reports a no-show (a coach may name themselves: agreeing to refund). */
class MarkNoShow extends Step {
  constructor(
    readonly booking: number,
    readonly by: "coach" | "student",
    readonly absent: "coach" | "student",
    readonly only: string | null = null,
  ) {
    super();
  }
  label() {
    return `no-show(b${this.booking}: the ${this.by} says the ${this.absent} was absent)`;
  }
  async act(run: RunState, world: World) {
    // A session under way when there is one (most marks are made then), else any.
    const started = (b: Booking) => (b.status === "confirmed" || b.status === "completed") && Date.parse(b.startTime) <= world.clockMs;
    const chosen =
      (await choose(run, this.booking, started, this.only)) ??
      (await choose(run, this.booking, (b) => b.status === "confirmed" || b.status === "completed", this.only));
    if (!chosen) return;
    const { model: b, doc } = chosen;
    const caller = this.by === "student" ? { uid: run.students[b.student] ?? "", isAdmin: false } : { uid: world.coachId, isAdmin: false };
    const out = await call(run, "markNoShow", () => markNoShow({ bookingId: b.id, absent: this.absent }, caller, world.deps));
    const open =
      doc.status === "confirmed" &&
      doc.reschedule === null &&
      Date.parse(doc.startTime) <= world.clockMs &&
      world.clockMs < Date.parse(doc.endTime) + GRACE_MS &&
      !doc.attendance?.awaitingAdminSince &&
      !doc.attendance?.outcome &&
      !(this.by === "student" && this.absent === "student");
    if (out instanceof AppError) {
      if (open) run.violations.push(`${b.id}: a no-show the ${this.by} could report was refused (${out.code}: ${out.message})`);
      covered(`no-show refused (${out.code})`);
      return;
    }
    if (!open) run.violations.push(`${b.id}: a no-show was accepted outside its window (${doc.status}, ${doc.startTime})`);
    covered(`no-show by ${this.by} (${this.absent} absent)`);
    if (this.by === "coach") b.marks.coach = this.absent;
    else b.marks.student = "coach";
  }
}

/**
 * A session plays out in one step (the generated runs seldom reach a session's time otherwise):
 * time goes to a few minutes into a confirmed session, each given mark is made, and then the
 * grace period passes and the sweep runs, or an admin decides, or nothing more happens yet.
 */
class SessionPlays extends Step {
  constructor(
    readonly booking: number,
    readonly marks: readonly (readonly ["coach" | "student", "coach" | "student"])[],
    readonly then: "sweep" | "attended" | "student-absent" | "coach-absent" | "complete" | "nothing",
  ) {
    super();
  }
  label() {
    return `session plays(b${this.booking}: ${this.marks.map(([by, absent]) => `${by} says ${absent} absent`).join(", ") || "no marks"}; then ${this.then})`;
  }
  async act(run: RunState, world: World) {
    const chosen = await choose(run, this.booking, (b) => b.status === "confirmed" && b.reschedule === null);
    if (!chosen) return;
    covered("session plays");
    const id = chosen.model.id;
    await new ToSession(0, "started", id).act(run, world);
    for (const [by, absent] of this.marks) await new MarkNoShow(0, by, absent, id).act(run, world);
    if (this.then === "sweep") {
      await new ToSession(0, "grace over", id).act(run, world);
      await call(run, "completeSessions", () => completeDueSessions(world.deps));
    } else if (this.then !== "nothing") await new AdminSettles(0, this.then, id).act(run, world);
  }
}

/** An admin decides who came, or completes a session early. */
class AdminSettles extends Step {
  constructor(
    readonly booking: number,
    readonly decision: "attended" | "student-absent" | "coach-absent" | "complete",
    readonly only: string | null = null,
  ) {
    super();
  }
  label() {
    return `admin ${this.decision === "complete" ? "completes" : `decides ${this.decision}`}(b${this.booking})`;
  }
  async act(run: RunState, world: World) {
    const started = (b: Booking) => b.status === "confirmed" && Date.parse(b.startTime) <= world.clockMs;
    const chosen =
      (await choose(run, this.booking, started, this.only)) ??
      (await choose(run, this.booking, (b) => b.status === "confirmed", this.only));
    if (!chosen) return;
    const { model: b } = chosen;
    const out = await call(run, this.decision, () =>
      this.decision === "complete"
        ? completeBooking({ bookingId: b.id }, ADMIN, world.deps)
        : resolveNoShow({ bookingId: b.id, outcome: this.decision, reason: "Looked at it" }, ADMIN, world.deps),
    );
    if (out instanceof AppError) {
      covered(`admin ${this.decision} refused (${out.code})`);
      return;
    }
    covered(`admin ${this.decision}`);
    b.admin = this.decision;
  }
}

/**
 * Stripe changes what the coach's connected account can do (account.updated follows, delivered
 * like every Stripe event): onboarding completed (or payouts enabled again), payouts disabled
 * until Stripe has more from the coach, or also its transfers capability turned off (Stripe then
 * refuses transfers to it).
 */
class PayoutAccountChange extends Step {
  constructor(readonly change: "onboarded" | "payouts disabled" | "transfers disabled") {
    super();
  }
  label() {
    return `coach's Stripe account: ${this.change}`;
  }
  act(_run: RunState, world: World) {
    if (this.change === "onboarded") world.stripe.completeOnboarding(world.accountId);
    else
      world.stripe.disablePayouts(
        world.accountId,
        "requirements.past_due",
        this.change === "transfers disabled" ? { transfers: "inactive" } : {},
      );
    covered(`account ${this.change}`);
    return Promise.resolve();
  }
}

/** Stripe paid the coach's balance out to their bank: nothing is left on it for a reversal, which becomes their debt. */
class DrainBalance extends Step {
  label() {
    return "coach's Stripe balance paid out (empty)";
  }
  act(_run: RunState, world: World) {
    for (const currency of ["eur", "usd"]) world.stripe.setConnectedBalance(world.accountId, 0, currency);
    covered("balance drained");
    return Promise.resolve();
  }
}

/**
 * The payout schedule runs: now, or once the clock has gone past a booking's hold
 * (PAYOUT_HOLD_HOURS after it was settled, or after a late cancellation's scheduled end); a
 * confirmed session is first played out and completed by the sweep (the generated runs seldom
 * get that far otherwise).
 */
class PayoutSweep extends Step {
  constructor(
    readonly booking: number,
    readonly when: "now" | "past the hold",
  ) {
    super();
  }
  label() {
    return this.when === "now" ? "payout sweep" : `payout sweep past the hold(b${this.booking})`;
  }
  async act(run: RunState, world: World) {
    if (this.when === "past the hold") {
      const fit = (b: Booking) =>
        b.charges.length > 0 &&
        (b.status === "completed" ||
          b.status === "no-show" ||
          b.status === "cancelled" ||
          (b.status === "confirmed" && b.reschedule === null));
      const chosen = await choose(run, this.booking, fit);
      if (chosen?.doc.status === "confirmed") {
        // A session still to come plays out first, as the completion sweep settles it.
        await new ToSession(0, "grace over", chosen.model.id).act(run, world);
        await call(run, "completeSessions", () => completeDueSessions(world.deps));
      }
      const doc = chosen
        ? await bookingDoc(chosen.model.id)
            .get()
            .then((d) => d.data())
        : undefined;
      if (doc && doc.status !== "confirmed") {
        const settledAt = Math.max(Date.parse(doc.attendance?.decidedAt ?? doc.endTime), Date.parse(doc.endTime));
        const target = settledAt + world.deps.config.payoutHoldHours * 3_600_000 + MINUTE;
        if (target > world.clockMs) await advance(run, world, Math.ceil((target - world.clockMs) / MINUTE));
        covered(`payout sweep past the hold (${doc.status})`);
      }
    }
    const out = await call(run, "payOutSessions", () => payOutDueSessions(world.deps));
    if (!(out instanceof AppError)) {
      if (out.transferred > 0) covered("payout sweep transferred");
      if (out.held > 0) covered("payout sweep held");
      if (out.failed > 0) covered("payout sweep failed");
    }
  }
}

/**
 * The coach or an admin refunds a session that ended (`refundSession`), paid out or not, perhaps
 * asking twice: the student gets back everything they still had paid, the booking's effects
 * refund it and reverse the coach's share, or record it as their debt when their balance cannot
 * cover it. The session keeps its outcome; a session with nothing left to give back is refused.
 */
class RefundAfterSession extends Step {
  constructor(
    readonly booking: number,
    readonly by: "coach" | "admin",
    readonly twice: boolean,
  ) {
    super();
  }
  label() {
    return `${this.by} refunds the session${this.twice ? " twice" : ""}(b${this.booking})`;
  }
  async act(run: RunState, world: World) {
    const ended = (b: Booking) => (b.status === "completed" || b.status === "no-show") && b.charges.length > 0;
    const chosen = await choose(run, this.booking, ended);
    if (!chosen) return;
    const { model: b, doc } = chosen;
    const caller = this.by === "admin" ? ADMIN : { uid: world.coachId, isAdmin: false };
    const ask = () =>
      call(run, "refundSession", () => refundSession({ bookingId: b.id, reason: "The session did not help" }, caller, world.deps));
    const out = await ask();
    if (out instanceof AppError) {
      // Refused only when nothing the student paid is left to give back (or it was given back already).
      const m = stripeMoney(world, b.id);
      const stillOwed = expectedNetRange(b.entitledLow, b.entitled, m.captured, m.lost)[1] > 0;
      if (out.code !== "booking/already-settled" || (stillOwed && doc.sessionRefund === null))
        run.violations.push(`${b.id}: refundSession as the ${this.by} refused: ${out.code} ${out.message}`);
      return;
    }
    if (this.twice) {
      const again = await ask();
      if (again instanceof AppError || again.refundCents !== out.refundCents || again.refundedAt !== out.refundedAt)
        run.violations.push(`${b.id}: refundSession asked again answered otherwise`);
    }
    covered(`session refunded by the ${this.by}${(doc.payout?.transfers.length ?? 0) > 0 ? " (paid out)" : ""}`);
    refundSessionInModel(b);
  }
}

const index = fc.nat({ max: 7 });
/** How often the coach edits an offering, against the other commands' weights. */
const COACH_WEIGHT = 2;

/** Every command, with its arguments generated; the weights favour the steps that move money. */
const who = fc.constantFrom("student" as const, "coach" as const);
const payment = fc.constantFrom("card" as const, "card" as const, "card declined first" as const, "delayed" as const);
const weighted = <T>(weight: number, arb: fc.Arbitrary<T>): fc.Arbitrary<T>[] => Array.from({ length: weight }, () => arb);
const steps: fc.Arbitrary<Step>[] = [
  ...weighted(
    2,
    fc
      .tuple(
        fc.nat({ max: 2 }),
        fc.constantFrom<OfferingId>("sixty", "sixty", "dear", "half", "free"),
        index,
        fc.constantFrom(true, true, true, false),
      )
      .map(([s, o, slot, payNow]) => new Book(s, o, slot, payNow)),
  ),
  ...weighted(
    3,
    fc.tuple(index, payment).map(([b, m]) => new Pay(b, m)),
  ),
  fc.tuple(index, fc.constantFrom("succeeded" as const, "succeeded" as const, "failed" as const)).map(([i, o]) => new Settle(i, o)),
  ...weighted(
    2,
    fc
      .tuple(
        index,
        fc.constantFrom("student" as const, "coach" as const, "admin" as const),
        fc.boolean(),
        fc.boolean(),
        fc.option(fc.constantFrom(0, 30, 100), { nil: null }),
      )
      .map(([b, w, long, quoted, refund]) => new Cancel(b, w, long, quoted, refund)),
  ),
  ...weighted(
    3,
    fc
      .tuple(index, who, fc.option(fc.constantFrom(...OFFERING_IDS), { nil: null }), index)
      .map(([b, w, o, slot]) => new Reschedule(b, w, o, slot)),
  ),
  ...weighted(
    2,
    fc.tuple(index, who, index).map(([b, w, slot]) => new Reschedule(b, w, "back", slot)),
  ),
  fc
    .tuple(
      index,
      fc.constantFrom(
        "host-cancel" as const,
        "attendee-cancel" as const,
        "host-reject" as const,
        "host-move" as const,
        "attendee-move" as const,
      ),
      index,
    )
    .map(([b, a, slot]) => new CalcomAct(b, a, slot)),
  ...weighted(
    3,
    fc
      .tuple(index, fc.constantFrom("once" as const, "once" as const, "twice" as const, "never" as const))
      .map(([i, m]) => new Deliver(i, m)),
  ),
  fc.constantFrom(1, 10, 40, 6 * 60, 22 * 60).map((m) => new Clock(m)),
  ...weighted(
    3,
    fc.tuple(index, fc.constantFrom("started" as const, "started" as const, "grace over" as const)).map(([b, w]) => new ToSession(b, w)),
  ),
  ...weighted(
    4,
    fc
      .tuple(
        index,
        fc.constantFrom(
          ["coach", "student"] as const,
          ["coach", "student"] as const,
          ["coach", "coach"] as const,
          ["student", "coach"] as const,
          ["student", "coach"] as const,
          ["student", "student"] as const,
        ),
      )
      .map(([b, [by, absent]]) => new MarkNoShow(b, by, absent)),
  ),
  ...weighted(
    2,
    fc
      .tuple(index, fc.constantFrom("attended" as const, "student-absent" as const, "coach-absent" as const, "complete" as const))
      .map(([b, d]) => new AdminSettles(b, d)),
  ),
  ...weighted(
    3,
    fc
      .tuple(
        index,
        fc.array(
          fc.constantFrom(
            ["coach", "student"] as const,
            ["coach", "coach"] as const,
            ["student", "coach"] as const,
            ["student", "student"] as const,
          ),
          { maxLength: 3 },
        ),
        fc.constantFrom(
          "sweep" as const,
          "sweep" as const,
          "attended" as const,
          "student-absent" as const,
          "coach-absent" as const,
          "complete" as const,
          "nothing" as const,
        ),
      )
      .map(([b, marks, then]) => new SessionPlays(b, marks, then)),
  ),
  fc
    .tuple(fc.constantFrom("expire-holds" as const, "reconcile" as const, "trigger-twice" as const, "complete-sessions" as const), index)
    .map(([w, b]) => new Housekeeping(w, b)),
  ...weighted(
    2,
    fc
      .tuple(
        // Refunds weigh most: they are where a fault costs money.
        fc.constantFrom(
          "stripe:POST /v1/refunds" as const,
          "stripe:POST /v1/refunds" as const,
          "stripe:POST /v1/refunds" as const,
          "calcom:createBooking" as const,
          "calcom:confirmBooking" as const,
          "calcom:cancelBooking" as const,
          "calcom:rescheduleBooking" as const,
          "stripe:POST /v1/checkout/sessions" as const,
          "stripe:POST /v1/transfers" as const,
        ),
        fc.constantFrom("fails before acting" as const, "answer lost" as const, "answer lost" as const, "429" as const),
      )
      .map(([t, k]) => new Fault(t, k)),
  ),
  ...weighted(
    2,
    fc.tuple(index, fc.nat({ max: 1 }), fc.constantFrom("won" as const, "lost" as const)).map(([b, p, o]) => new Dispute(b, p, o)),
  ),
  ...weighted(
    2,
    fc.tuple(index, fc.constantFrom("update" as const, "close" as const)).map(([d, m]) => new DisputeMoves(d, m)),
  ),
  ...weighted(
    COACH_WEIGHT,
    fc
      .tuple(
        fc.constantFrom<OfferingId>("sixty", "sixty", "dear", "half", "free"),
        fc.constantFrom<OfferingChange>(
          "price up",
          "price down",
          "price 0",
          "other currency",
          "length 30",
          "length 45",
          "length 60",
          "length 60",
        ),
        fc.constantFrom(false, false, false, true),
      )
      .map(([o, c, lost]) => new CoachSave(o, c, lost)),
  ),
  fc
    .tuple(fc.constantFrom<OfferingId>("sixty", "sixty", "dear", "half", "free"), fc.constantFrom(false, false, false, true))
    .map(([o, lost]) => new CoachRemove(o, lost)),
  fc.tuple(fc.constantFrom(0, 0, 15), fc.constantFrom(0, 15, 30)).map(([before, after]) => new CoachBuffers(before, after)),
  ...weighted(
    2,
    fc
      .constantFrom("onboarded" as const, "onboarded" as const, "payouts disabled" as const, "transfers disabled" as const)
      .map((c) => new PayoutAccountChange(c)),
  ),
  ...weighted(
    4,
    fc
      .tuple(index, fc.constantFrom("now" as const, "past the hold" as const, "past the hold" as const))
      .map(([b, w]) => new PayoutSweep(b, w)),
  ),
  fc.constant(null).map(() => new DrainBalance()),
  ...weighted(
    2,
    fc
      .tuple(index, fc.constantFrom("coach" as const, "admin" as const), fc.boolean())
      .map(([b, by, twice]) => new RefundAfterSession(b, by, twice)),
  ),
];

/** Each step's trigger and events come at once two times in three; otherwise late (the next step, Deliver commands). */
export const commands = steps.map((arb) =>
  fc.tuple(arb, fc.constantFrom("now" as const, "now" as const, "held" as const)).map(([step, delivery]) => {
    step.delivery = delivery;
    return step;
  }),
);
