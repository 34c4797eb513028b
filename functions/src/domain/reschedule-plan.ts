import { lostBeyondOwedCents, openRefundsOwedCents, type Booking } from "./booking.js";
import type { Coach } from "./coach.js";
import { AppError } from "./errors.js";
import { priceDifference, type PriceDifference } from "./price-difference.js";
import { decideReschedule } from "./reschedule-policy.js";
import { DEFAULT_SCHEDULING_LIMITS, bookingRefusal, effectiveLimits, studentCutoffRefusal, type SchedulingLimits } from "./limits.js";
import { MINUTE_MS, epochMs } from "./time.js";
import { OFFERING_NOT_SYNCED_MESSAGE } from "./offering.js";

export type Role = "student" | "coach" | "admin";

export interface MovePlan {
  offeringId: string;
  eventTypeId: number;
  priceCents: number;
  difference: PriceDifference;
  /** Signed, as quotes and `expectedDifferenceCents` carry it: positive to pay, negative to refund. */
  signedDifferenceCents: number;
  tier: string;
  /** The limits of the offering moved to (its buffers are kept around the new time). */
  limits: SchedulingLimits;
}

/**
 * Decides whether a booking may move to a new time (and offering) and what it costs, without any
 * I/O: the same function answers a quote and the move itself. Refusals are AppErrors a person can
 * read.
 */
export function planMove(input: {
  booking: Booking;
  coach: Coach;
  role: Role;
  now: Date;
  newStartTime: string;
  newEndTime: string;
  newOfferingId?: string | undefined;
}): MovePlan {
  const { booking, coach, role, now } = input;
  if (booking.status === "cancelled")
    throw new AppError("booking/cannot-reschedule", "This booking is cancelled: book a new session instead.");
  if (booking.status === "completed" || booking.status === "no-show")
    throw new AppError("booking/cannot-reschedule", `This session has ended (${booking.status}): book a new session instead.`);
  if (booking.attendance?.coachMark || booking.attendance?.studentMark)
    throw new AppError("booking/cannot-reschedule", "A no-show was reported for this session: it can no longer be moved.");
  if (booking.paymentStatus !== "paid")
    throw new AppError("booking/cannot-reschedule", "This booking is not paid yet: cancel it and book the new time instead.");
  if (role === "student") {
    const cutoff = studentCutoffRefusal({
      startTime: booking.startTime,
      now,
      cutoffMinutes: booking.limits?.studentCutoffMinutes ?? 0,
      action: "move",
    });
    if (cutoff) throw new AppError("booking/cutoff-passed", cutoff);
  }
  const window = decideReschedule({
    by: role === "student" ? "student" : "coach",
    now: now.toISOString(),
    startTime: booking.startTime,
    policy: booking.cancellationPolicy,
  });
  if (!window.allowed)
    throw new AppError("booking/cannot-reschedule", window.reason, { details: { tier: window.tier, refundPercent: window.refundPercent } });
  const offeringId = input.newOfferingId ?? booking.offeringId;
  const target = offeringId === booking.offeringId ? sameOfferingTarget(booking, coach) : otherOfferingTarget(booking, coach, offeringId);
  if (epochMs(input.newEndTime) - epochMs(input.newStartTime) !== target.durationMinutes * MINUTE_MS) {
    throw new AppError(
      "request/invalid",
      `${target.sameOffering ? "This session" : "A session of this offering"} lasts exactly ${target.durationMinutes} minutes.`,
    );
  }
  if (epochMs(input.newStartTime) <= now.getTime()) throw new AppError("request/invalid", "The new time has already passed.");
  if (epochMs(input.newStartTime) === epochMs(booking.startTime) && target.sameOffering) {
    throw new AppError("request/invalid", "The booking is already at this time.");
  }
  const { limits } = target;
  const refusal = bookingRefusal({ start: input.newStartTime, now, limits, coachTimeZone: coach.timeZone });
  if (refusal) throw new AppError("booking/outside-limits", refusal.message, { details: { limit: refusal.limit } });
  if (target.sameOffering) {
    // What was sold is kept: a move within the offering costs nothing, whatever its price is now.
    const difference: PriceDifference = { kind: "none", amountCents: 0, currency: booking.currency };
    return {
      offeringId,
      eventTypeId: target.eventTypeId,
      priceCents: target.priceCents,
      difference,
      signedDifferenceCents: 0,
      tier: window.tier,
      limits,
    };
  }
  // A refund still owed (a cheaper move's difference not yet paid back) is as good as made: the
  // student has paid only what is left of it.
  const refundedCents = booking.refundedCents + openRefundsOwedCents(booking.refundsOwed);
  const priced = priceDifference({
    capturedCents: booking.amountCents,
    refundedCents,
    currency: booking.currency,
    newPriceCents: target.priceCents,
    newCurrency: target.currency,
  });
  const difference = lessLostDisputes(priced, lostBeyondOwedCents(booking));
  const signedDifferenceCents = difference.kind === "refund" ? -difference.amountCents : difference.amountCents;
  return {
    offeringId,
    eventTypeId: target.eventTypeId,
    priceCents: target.priceCents,
    difference,
    signedDifferenceCents,
    tier: window.tier,
    limits,
  };
}

export interface MoveTarget {
  sameOffering: boolean;
  eventTypeId: number;
  durationMinutes: number;
  priceCents: number;
  currency: string;
  limits: SchedulingLimits;
}

/**
 * A move within the booking's own offering keeps what was sold: its event type, length, price
 * and currency, even when the coach has changed (or archived) the offering since.
 */
export function sameOfferingTarget(booking: Booking, coach: Coach): MoveTarget {
  if (booking.calcomEventTypeId === null)
    throw new AppError("coach/not-synced", "This booking is not in the coach's Cal.com calendar yet. Please try again shortly.");
  const offering = coach.customOfferings.find((o) => o.id === booking.offeringId);
  return {
    sameOffering: true,
    eventTypeId: booking.calcomEventTypeId,
    durationMinutes: Math.round((epochMs(booking.endTime) - epochMs(booking.startTime)) / MINUTE_MS),
    priceCents: booking.priceCents ?? booking.amountCents,
    currency: booking.currency,
    limits: moveLimits(booking, offering ? effectiveLimits(coach.schedulingLimits, offering.schedulingLimits) : booking.limits),
  };
}

/** A move to another offering is sold anew at that offering's current settings. */
function otherOfferingTarget(booking: Booking, coach: Coach, offeringId: string): MoveTarget {
  const offering = coach.customOfferings.find((o) => o.id === offeringId);
  if (!offering) throw new AppError("offering/not-found", "This coach has no such offering.");
  if (offering.calcomEventTypeId === null) throw new AppError("coach/not-synced", OFFERING_NOT_SYNCED_MESSAGE);
  return {
    sameOffering: false,
    eventTypeId: offering.calcomEventTypeId,
    durationMinutes: offering.durationMinutes,
    priceCents: offering.priceCents,
    currency: offering.currency,
    limits: moveLimits(booking, effectiveLimits(coach.schedulingLimits, offering.schedulingLimits)),
  };
}

/**
 * The limits a moved booking lands under: the offering's current buffers, notice and window (what
 * the slot list shows; the booking's own when its offering is archived), and the student's
 * cut-off the booking was sold with, a term of the sale like its cancellation policy.
 */
function moveLimits(booking: Booking, current: SchedulingLimits | null): SchedulingLimits {
  const base = current ?? DEFAULT_SCHEDULING_LIMITS;
  return { ...base, studentCutoffMinutes: booking.limits?.studentCutoffMinutes ?? base.studentCutoffMinutes };
}

/**
 * A lost dispute is money already returned to the student (by their bank), as for a
 * cancellation: a cheaper move's refund is reduced by what lost disputes returned beyond the
 * refunds already owed, and is none once they cover it. A dearer move's charge is left as it is:
 * the student pays the new price's difference on what they paid, whatever the bank did.
 */
function lessLostDisputes(difference: PriceDifference, lostCents: number): PriceDifference {
  if (difference.kind !== "refund" || lostCents === 0) return difference;
  const amountCents = difference.amountCents - lostCents;
  return amountCents > 0 ? { ...difference, amountCents } : { kind: "none", amountCents: 0, currency: difference.currency };
}

/** Who the caller is to this booking: its coach, its student, an admin, or nobody. */
export function roleOf(booking: Booking, uid: string, isAdmin: boolean): Role | null {
  return booking.coachId === uid ? "coach" : booking.userId === uid ? "student" : isAdmin ? "admin" : null;
}
