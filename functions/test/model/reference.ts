/**
 * The reference model of the model-based test: what each booking should end up costing the
 * student, written independently of the code under test (no import from src/ but types). It is
 * deliberately small: the rules of the README's cancellation policy, move pricing and disputes.
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
}

export function newModelBooking(id: string, student: number, offeringId: string, startTime: string): ModelBooking {
  return { id, student, entitled: 0, entitledLow: 0, paidSeen: false, cancelled: false, mayEnd: false, offeringId, previousOfferingId: offeringId, startTime, calcomCancel: null, paidAtStripe: false };
}

/** Sets what a cancellation leaves the student paying, once. */
export function cancelInModel(b: ModelBooking, keep: number, keepLow = keep): void {
  if (b.cancelled) return;
  b.cancelled = true;
  b.entitled = keep;
  b.entitledLow = keepLow;
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
