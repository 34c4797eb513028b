/**
 * The reference model of the model-based test: what each booking should end up costing the
 * student, written independently of the code under test (no import from src/ but types). It is
 * deliberately small: the rules of the cancellation policy, move pricing and disputes of
 * docs/domain.md and docs/payments.md.
 */

export const HOUR_MS = 3_600_000;

/** The default policy's share refunded to a student who cancels `noticeMs` before the start. */
export function studentRefundPercent(noticeMs: number): number {
  if (noticeMs >= 24 * HOUR_MS) return 100;
  if (noticeMs >= 2 * HOUR_MS) return 50;
  return 0;
}

/** What the student keeps paying after a cancellation that refunds `percent` % of `entitled`. */
export function afterCancellation(entitled: number, percent: number): number {
  return entitled - Math.floor((entitled * percent) / 100);
}

/**
 * One booking as the model sees it. `entitled` is what the student should have paid, net of
 * refunds, once everything settles: the price of the offering they hold while the booking is
 * live, what the policy leaves after a cancellation, 0 for an unpaid hold. After a student's
 * cancellation in Cal.com whose tier changed before we heard of it, any value between
 * `entitledLow` and `entitled` is right.
 */
export interface ModelBooking {
  id: string;
  student: number;
  entitled: number;
  entitledLow: number;
  /** The payment has been seen recorded on a live booking (from then on `entitled` is a price). */
  paidSeen: boolean;
  /** The cancellation has been taken into `entitled`. */
  cancelled: boolean;
  /** Something happened that may end the booking (a cancel asked for, a hold past its expiry, Cal.com). */
  mayEnd: boolean;
  offeringId: string;
  /** The offering it had before its last move (a move back is a command of its own). */
  previousOfferingId: string;
  startTime: string;
  /** A cancellation made in Cal.com and not yet seen recorded: by whom, and the student's tier then. */
  calcomCancel: { by: "host" | "attendee"; percentThen: number } | null;
  /** A payment the student made while the hold was still ours (Stripe holds it; the event may be pending). */
  paidAtStripe: boolean;
  /** What it was sold: the offering's price, currency and length when booked (or moved to another offering). */
  sold: Sale;
  /** The moves to another offering the code accepted, each priced as the offering was when asked for. */
  moves: (Sale & { offeringId: string })[];
  /** The no-show marks the code accepted: the coach's (who was absent) and the student's (the coach). */
  marks: { coach: "student" | "coach" | null; student: "coach" | null };
  /** What an admin decided or asked for (an early completion), and when a command did. */
  admin: "attended" | "student-absent" | "coach-absent" | "complete" | null;
  /** The session's end was seen settled (completed or no-show). */
  endedSeen: boolean;
  /** Its coach or an admin refunded the session after it ended: the student owes nothing, the coach gets nothing of it. */
  sessionRefunded: boolean;
}

/** The grace period after a session's end (the default COMPLETION_GRACE_HOURS). */
export const GRACE_MS = 24 * HOUR_MS;

/**
 * What completion decides on its own, from the marks: the student reported the coach and the coach
 * did not agree → an admin decides (null); the coach's word on the student stands; no word, the
 * session took place. A coach who said they were absent settled it before completion.
 */
export function completionOutcome(marks: ModelBooking["marks"]): "attended" | "student-absent" | "coach-absent" | null {
  if (marks.coach === "coach") return "coach-absent";
  if (marks.student === "coach") return null;
  return marks.coach === "student" ? "student-absent" : "attended";
}

/** The terms a booking holds: what it costs, in which currency, for how long. */
export interface Sale {
  priceCents: number;
  currency: string;
  lengthMinutes: number;
}

/** An offering as the coach has it now (`removed`: taken off sale, maybe added again later). */
export interface ModelOffering extends Sale {
  removed: boolean;
}

export function newModelBooking(id: string, student: number, offeringId: string, startTime: string, sold: Sale): ModelBooking {
  return {
    id,
    student,
    entitled: 0,
    entitledLow: 0,
    paidSeen: false,
    cancelled: false,
    mayEnd: false,
    offeringId,
    previousOfferingId: offeringId,
    startTime,
    calcomCancel: null,
    paidAtStripe: false,
    sold: { ...sold },
    moves: [],
    marks: { coach: null, student: null },
    admin: null,
    endedSeen: false,
    sessionRefunded: false,
  };
}

/**
 * The terms of a move, decided when it is asked for: within the booking's offering, what it was
 * sold (whatever the offering costs or lasts now); to another offering, that offering as it is
 * now, or a refusal: a removed offering cannot be sold, and a booking paid in one currency cannot
 * move to an offering priced in another.
 */
export function moveTerms(
  b: ModelBooking,
  offeringId: string,
  offerings: Readonly<Record<string, ModelOffering>>,
): { ok: true; sale: Sale; same: boolean } | { ok: false; why: string } {
  if (offeringId === b.offeringId) return { ok: true, sale: b.sold, same: true };
  const o = offerings[offeringId];
  if (!o || o.removed) return { ok: false, why: "removed" };
  if (o.currency !== b.sold.currency) return { ok: false, why: "another currency" };
  return { ok: true, sale: { priceCents: o.priceCents, currency: o.currency, lengthMinutes: o.lengthMinutes }, same: false };
}

/** The booking now holds another offering: the terms of the latest accepted move to it (null: no move to it was accepted). */
export function movedTo(b: ModelBooking, offeringId: string): Sale | null {
  const m = [...b.moves].reverse().find((x) => x.offeringId === offeringId);
  return m ? { priceCents: m.priceCents, currency: m.currency, lengthMinutes: m.lengthMinutes } : null;
}

/** Sets what a cancellation leaves the student paying, once. */
export function cancelInModel(b: ModelBooking, keep: number, keepLow = keep): void {
  if (b.cancelled) return;
  b.cancelled = true;
  b.entitled = keep;
  b.entitledLow = keepLow;
}

/** A session refunded after it ended (in full): the student keeps paying nothing, whatever it was sold at. */
export function refundSessionInModel(b: ModelBooking): void {
  b.sessionRefunded = true;
  b.entitled = b.entitledLow = 0;
}

/**
 * What the platform may end up holding of the student's money (captured − refunded − lost to
 * disputes), given what the model says the student owes in total (`entitled`). Without a lost
 * dispute, exactly that. A lost dispute is money already returned to the student: it counts
 * towards a refund not yet made (the platform then holds what is owed, or what the bank left), but
 * a refund made before the dispute stands (the bank's return comes on top, beyond our reach).
 * Never less than nothing.
 */
export function expectedNetRange(entitledLow: number, entitled: number, capturedCents: number, lostCents: number): [number, number] {
  if (lostCents === 0) return [Math.max(0, entitledLow), Math.max(0, entitled)];
  return [Math.max(0, entitledLow - lostCents), Math.max(0, Math.min(entitled, capturedCents - lostCents))];
}
