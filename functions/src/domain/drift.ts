import { disputeOpen, disputesOf, refundsOwedThroughStripe, type Booking } from "./booking.js";
import { isDisputeClosed } from "./dispute-status.js";
import { calcomCanceller } from "./calcom-cancellation.js";
import { calcomMover } from "./calcom-move.js";
import { mayWaitForProcessing, processingDeadline } from "./delayed-payment.js";
import type { CalcomBookingListed, CalcomBookingRef } from "./calcom-views.js";
import type { CheckoutSessionOut, OurRefund } from "./stripe-views.js";
import { cancellationRefundTarget } from "./cancellation-decision.js";

/**
 * What reconciliation may find wrong with one booking, from Firestore's, Cal.com's and Stripe's
 * views of it. Pure: the service gathers the views and carries out the fixes.
 */
export type Drift =
  | { kind: "paid-not-recorded"; sessionId: string; paymentIntentId: string }
  /** A dispute open here that Stripe has moved on (its event lost): recorded as Stripe has it. */
  | { kind: "dispute-stale"; disputeId: string; paymentIntentId: string; status: string }
  /** A hold's session complete with its payment processing (a delayed method) while the event was late or lost: the hold waits for it. */
  | { kind: "payment-processing-not-recorded"; sessionId: string; paymentIntentId: string | null }
  | { kind: "paid-not-confirmed" }
  | { kind: "refund-missing"; owedCents: number }
  | { kind: "cancelled-in-calcom"; by: "coach" | "student"; calcomStatus: "cancelled" | "rejected" }
  /** Moved in Cal.com (its booking cancelled because it was rescheduled) while the webhook was lost: followed, never refunded. */
  | { kind: "moved-in-calcom"; fromUid: string; toUid: string; by: "coach" | "student" }
  | { kind: "refund-outside-flow"; refundId: string; paymentIntentId: string; amountCents: number }
  /** One of our refunds whose answer was lost: recorded against the obligation it paid. */
  | { kind: "refund-not-recorded"; refundId: string; paymentIntentId: string; amountCents: number; obligationKey: string }
  | { kind: "hold-expired" }
  /** A paid move left undone (its automatic attempts spent, or never run): tried again, or given up and refunded. */
  | { kind: "move-stuck" }
  /** A move waiting for its difference past its hold (the expiry event lost): recorded if paid, else given up. */
  | { kind: "move-hold-expired" }
  /** A cancelled booking still live in Cal.com, or a Cal.com booking a move left behind, before the session ends. */
  | { kind: "release-undone" }
  /** No-show marks Cal.com has not been shown (mark-absent) while its automatic attempts are spent, or never made. */
  | { kind: "absence-unmirrored" };

/**
 * Work under way is not drift: a booking the trigger or the queue may still be working on (it
 * changed less than this long ago) is left to them.
 */
export const SETTLE_MS = 2 * 60_000;
/** A Checkout Session this young may belong to a booking whose write has not landed yet. */
export const SESSION_GRACE_MS = 10 * 60_000;

export interface BookingView {
  bookingId: string;
  booking: Booking;
  now: Date;
  /** The current Cal.com booking, or null when there is none (or it could not be read). */
  calcom: CalcomBookingRef | null;
  /** The booking's Checkout Session while it waits for payment. */
  session: CheckoutSessionOut | null;
  /** Stripe's refunds of each of the booking's payments; `ours` from the metadata our refunds carry. */
  refunds: { paymentIntentId: string; refundId: string; amountCents: number; ours: OurRefund | null }[];
  /** The refund ids our ledger has recorded. */
  recordedRefundIds: ReadonlySet<string>;
  /** Stripe's current status of each dispute still open here, by id. */
  openDisputesAtStripe: ReadonlyMap<string, string>;
}

export function findDrifts(view: BookingView): Drift[] {
  const { booking, now, calcom, session } = view;
  const settled = now.getTime() - Date.parse(booking.updatedAt) >= SETTLE_MS;
  const drifts: Drift[] = [];

  // First, so that what waits on a dispute (a refund) is decided on its real state.
  for (const d of disputesOf(booking)) {
    const atStripe = view.openDisputesAtStripe.get(d.id);
    if (!isDisputeClosed(d.status) && atStripe !== undefined && atStripe !== d.status)
      drifts.push({ kind: "dispute-stale", disputeId: d.id, paymentIntentId: d.paymentIntentId, status: atStripe });
  }

  // A hold released before its payment's event arrived (the event lost) is paid all the same:
  // recorded, the payment is late and refunded in full.
  if (
    booking.paymentStatus === "pending" &&
    booking.status === "cancelled" &&
    session?.status === "complete" &&
    session.paymentStatus === "paid" &&
    session.paymentIntentId !== null
  ) {
    drifts.push({ kind: "paid-not-recorded", sessionId: session.id, paymentIntentId: session.paymentIntentId });
  }
  if (booking.paymentStatus === "pending" && booking.status === "requested") {
    // A complete session whose payment processes is not an expired hold while the session may
    // still take place (the same bound as when its event arrives in time).
    const processing =
      session?.status === "complete" && session.paymentProcessing && mayWaitForProcessing(processingDeadline([booking.startTime]), now);
    if (session?.status === "complete" && session.paymentStatus === "paid" && session.paymentIntentId !== null) {
      drifts.push({ kind: "paid-not-recorded", sessionId: session.id, paymentIntentId: session.paymentIntentId });
    } else if (processing) {
      if (!booking.paymentProcessing)
        drifts.push({ kind: "payment-processing-not-recorded", sessionId: session.id, paymentIntentId: session.paymentIntentId });
    } else if (booking.holdExpiresAt !== null && Date.parse(booking.holdExpiresAt) <= now.getTime()) {
      drifts.push({ kind: "hold-expired" });
    }
  }
  const current = calcom !== null && calcom.calcomBookingUid === booking.calcomBookingUid ? calcom : null;
  // Cal.com cancels the old booking of a move: one pointing to its successor was moved, not cancelled.
  const movedTo = current?.status === "cancelled" ? (current.rescheduledToUid ?? null) : null;
  const goneInCalcom = current !== null && (current.status === "cancelled" || current.status === "rejected") && movedTo === null;
  const paidNotConfirmed = booking.status === "requested" && booking.paymentStatus === "paid";
  // A session that ended is settled: a later move in Cal.com is not followed.
  const live = booking.status === "requested" || booking.status === "confirmed";
  if (current !== null && movedTo !== null && live) {
    const by = calcomMover({ rescheduledBy: current.rescheduledByEmail, hostEmails: current.hostEmails ?? [] });
    drifts.push({ kind: "moved-in-calcom", fromUid: current.calcomBookingUid, toUid: movedTo, by });
  } else if (goneInCalcom && (paidNotConfirmed || booking.status === "confirmed")) {
    // Rejected is the host's doing, and so is anything done to a paid booking still waiting for
    // the coach's confirmation; otherwise a cancellation is the student's only when Cal.com names
    // an attendee.
    const by =
      paidNotConfirmed || current.status === "rejected"
        ? "coach"
        : calcomCanceller({ cancelledBy: current.cancelledByEmail, attendeeEmails: current.attendeeEmails ?? [] });
    drifts.push({ kind: "cancelled-in-calcom", by, calcomStatus: current.status === "rejected" ? "rejected" : "cancelled" });
  } else if (paidNotConfirmed && settled) {
    drifts.push({ kind: "paid-not-confirmed" });
  }

  const move = booking.status === "cancelled" ? null : booking.reschedule;
  if (move?.state === "ready" && settled) drifts.push({ kind: "move-stuck" });
  if (move?.state === "awaiting-payment" && move.holdExpiresAt !== null && Date.parse(move.holdExpiresAt) <= now.getTime())
    drifts.push({ kind: "move-hold-expired" });

  const liveInCalcom =
    booking.status === "cancelled" &&
    booking.calcomBookingUid !== null &&
    (booking.calcomStatus === "pending" || booking.calcomStatus === "accepted");
  // Cal.com refuses to cancel a booking that has ended: past its end there is nothing to free.
  if ((liveInCalcom || booking.calcomUidsToCancel.length > 0) && settled && Date.parse(booking.endTime) > now.getTime())
    drifts.push({ kind: "release-undone" });

  const attendance = booking.attendance;
  if (
    attendance !== null &&
    attendance.revision > attendance.mirroredRevision &&
    booking.calcomBookingUid !== null &&
    booking.status !== "cancelled" &&
    settled
  )
    drifts.push({ kind: "absence-unmirrored" });

  for (const r of view.refunds) {
    if (view.recordedRefundIds.has(r.refundId) || !settled) continue;
    const { refundId, paymentIntentId, amountCents } = r;
    if (r.ours !== null && r.ours.bookingId === view.bookingId)
      drifts.push({ kind: "refund-not-recorded", refundId, paymentIntentId, amountCents, obligationKey: r.ours.obligationKey });
    else drifts.push({ kind: "refund-outside-flow", refundId, paymentIntentId, amountCents });
  }
  const outside = drifts.reduce(
    (sum, d) => sum + (d.kind === "refund-outside-flow" || d.kind === "refund-not-recorded" ? d.amountCents : 0),
    0,
  );
  if (booking.status === "cancelled" && !disputeOpen(booking) && settled) {
    const owed = cancellationRefundTarget(booking) - booking.refundedCents - outside;
    if (owed > 0) drifts.push({ kind: "refund-missing", owedCents: owed });
  }
  // A live booking's owed refund (a cheaper move's difference) whose automatic attempts ran out.
  if (booking.status !== "cancelled" && !disputeOpen(booking) && settled && outside === 0) {
    const owed = [...refundsOwedThroughStripe(booking).values()].reduce((sum, c) => sum + c, 0);
    if (owed > 0) drifts.push({ kind: "refund-missing", owedCents: owed });
  }
  return drifts;
}

/**
 * A live Cal.com booking that names one of ours but is not that booking's current Cal.com
 * booking (or names a booking we do not have): left by a create whose answer was lost, or by a
 * move. Bookings without our metadata are the coach's own and are never touched. The booking a
 * move made in Cal.com created (its `rescheduledFromUid` is our current uid) is the booking's
 * next one, to be followed, not an orphan.
 */
export function isOrphanCalcomBooking(listed: CalcomBookingListed, booking: Booking | undefined, now: Date): boolean {
  if (listed.bookingId === null || (listed.status !== "pending" && listed.status !== "accepted")) return false;
  if (listed.updatedAt !== null && now.getTime() - Date.parse(listed.updatedAt) < SETTLE_MS) return false;
  if (!booking) return true;
  if (booking.status === "cancelled") return true;
  if (listed.rescheduledFromUid != null && listed.rescheduledFromUid === booking.calcomBookingUid) return false;
  return listed.calcomBookingUid !== booking.calcomBookingUid && listed.calcomBookingUid !== booking.reschedule?.newCalcomBookingUid;
}

/** An open Checkout Session for a booking that no longer waits for it (or that we do not have). */
export function isOrphanSession(
  session: CheckoutSessionOut & { metadata: Record<string, string>; createdAt: string },
  booking: Booking | undefined,
  now: Date,
): boolean {
  const bookingId = session.metadata.bookingId;
  if (!bookingId || session.status !== "open") return false;
  if (now.getTime() - Date.parse(session.createdAt) < SESSION_GRACE_MS) return false;
  if (!booking) return true;
  const waitingFirst =
    booking.status === "requested" && booking.paymentStatus === "pending" && booking.stripeCheckoutSessionId === session.id;
  const waitingMove =
    booking.status !== "cancelled" &&
    booking.reschedule?.state === "awaiting-payment" &&
    booking.reschedule.checkoutSessionId === session.id;
  return !waitingFirst && !waitingMove;
}
