import { PayoutRecordSchema } from "./payout-record.js";
import { PlatformFeeSchema } from "./payouts.js";
import { z } from "zod";
import { AttendanceSchema } from "./attendance.js";
import { BookingStatusSchema, PaymentStatusSchema } from "./booking-state.js";
import { CalcomAccountRefSchema } from "./calcom-account.js";
import { isDisputeClosed } from "./dispute-status.js";
import { CentsSchema, CurrencySchema, TotalCentsSchema } from "./money.js";
import { SchedulingLimitsSchema } from "./limits.js";
import { CancellationPolicySchema } from "./policy.js";
import { REASON_MAX_CHARS } from "./text.js";
import { InstantSchema, TimeZoneSchema, epochMs } from "./time.js";

export const CancellationSchema = z.object({
  by: z.enum(["student", "coach", "admin", "system"]),
  reason: z.string().min(1).max(REASON_MAX_CHARS),
  at: InstantSchema,
  /**
   * What the student gets back in all once this cancellation is carried out, a lost dispute's
   * return included: the trigger refunds up to it less that return, once (stripeRefundTargetCents).
   */
  refundCents: TotalCentsSchema,
  /** What was already refunded or owed when it was cancelled: this cancellation adds the difference. */
  refundedBeforeCents: TotalCentsSchema.default(0),
  tier: z.string(),
});

/** A payment captured for the booking (the first Checkout, then any reschedule difference). */
export const ChargeSchema = z.object({
  paymentIntentId: z.string().min(1),
  amountCents: CentsSchema,
  refundedCents: CentsSchema,
  cause: z.enum(["checkout", "price-difference"]),
});

/** A chargeback on one of the booking's payments, as Stripe last reported it. */
export const DisputeSchema = z.object({
  id: z.string().min(1),
  paymentIntentId: z.string().min(1),
  amountCents: CentsSchema,
  currency: CurrencySchema,
  reason: z.string(),
  /** Stripe's dispute status (`needs_response`, `under_review`, `won`, `lost`, `warning_*` …). */
  status: z.string().min(1),
  evidenceDueBy: InstantSchema.nullable(),
  /** Whether Stripe has taken the disputed amount back from us (not for inquiries, `warning_*`). */
  fundsWithdrawn: z.boolean(),
});
export type Dispute = z.output<typeof DisputeSchema>;

/** A refund owed outside a cancellation (a cheaper reschedule, a late difference payment), carried out once by the trigger. */
export const RefundOwedSchema = z.object({
  key: z.string().regex(/^[a-z0-9-]+$/),
  amountCents: TotalCentsSchema,
  refundedCents: TotalCentsSchema,
  cause: z.string().min(1),
});
export type RefundOwed = z.output<typeof RefundOwedSchema>;

/** What the booking still owes back outside a cancellation: it counts as refunded in every price and refund decision. */
export function openRefundsOwedCents(refundsOwed: readonly RefundOwed[]): number {
  return refundsOwed.reduce((sum, o) => sum + Math.max(0, o.amountCents - o.refundedCents), 0);
}

/**
 * A move to another time (and maybe another offering) under way. The new interval is already
 * reserved in the coach's calendar; the Cal.com move happens once nothing is left to pay.
 */
export const RescheduleSchema = z.object({
  id: z.string().regex(/^r[0-9]+$/),
  state: z.enum(["awaiting-payment", "ready"]),
  by: z.enum(["student", "coach", "admin"]),
  reason: z.string().max(REASON_MAX_CHARS),
  requestedAt: InstantSchema,
  newStartTime: InstantSchema,
  newEndTime: InstantSchema,
  newOfferingId: z.string().min(1),
  newEventTypeId: z.int().positive(),
  newPriceCents: CentsSchema,
  /**
   * The limits the new time was reserved under (its buffers, notice and window are the ones the
   * slot list showed; the student's cut-off stays the booking's): the booking takes them once moved.
   */
  newLimits: SchedulingLimitsSchema.nullable().default(null),
  difference: z.object({ kind: z.enum(["none", "charge", "refund"]), amountCents: CentsSchema }),
  /** False when the caller chose to keep a cheaper offering's difference (no refund). */
  refundDifference: z.boolean(),
  checkoutSessionId: z.string().nullable(),
  checkoutUrl: z.string().nullable(),
  /** Until when the new slot is held while the difference is unpaid. */
  holdExpiresAt: InstantSchema.nullable(),
  /**
   * The difference's Checkout Session is complete but its payment (a delayed method) is still
   * processing: the new slot is held until the earlier of the two starts.
   */
  paymentProcessing: z.boolean().default(false),
  /** The new Cal.com booking, once created (a move to another event type creates one, then cancels the old). */
  newCalcomBookingUid: z.string().nullable(),
  newCalcomBookingId: z.int().positive().nullable(),
  /**
   * Who makes the Cal.com move: the callable while its caller waits (the trigger steps in only
   * after a recorded failure), or the trigger (a move whose difference was paid later).
   */
  driver: z.enum(["caller", "trigger"]).default("trigger"),
});
export type Reschedule = z.output<typeof RescheduleSchema>;

/**
 * Something done outside our rules that we followed (a move made in Cal.com that breaks them)
 * and left to an admin to settle: recorded here, in the audit trail, and in `adminAlerts`.
 */
export const EscalationSchema = z.object({
  id: z.string().min(1).max(200),
  kind: z.enum(["calcom-move"]),
  at: InstantSchema,
  /** The rules broken (see domain/calcom-move.ts). */
  rules: z.array(z.string().min(1).max(50)).max(10),
  message: z.string().max(2_000),
});
export type Escalation = z.output<typeof EscalationSchema>;

/** Escalations kept on a booking: the most recent ones (the full history is in the audit trail and `adminAlerts`). */
export const MAX_ESCALATIONS = 50;

/** The booking's escalations with `escalation` added, the oldest dropped beyond MAX_ESCALATIONS. */
export function withEscalation(escalations: readonly Escalation[], escalation: Escalation): Escalation[] {
  return [...escalations, escalation].slice(-MAX_ESCALATIONS);
}

/** Who refunded a session after it ended, and why: the student gets back everything, the coach's share is taken back. */
export const SessionRefundSchema = z.object({
  by: z.enum(["coach", "admin"]),
  reason: z.string().max(500),
  /** What it gave back (the obligation recorded in refundsOwed). */
  refundCents: CentsSchema,
  at: InstantSchema,
});

/**
 * `bookings/{bookingId}`. Field names are the brief's and clients rely on them. Instants are UTC
 * ISO strings here; the Firestore layer stores them as Timestamps.
 */
export const BookingSchema = z
  .object({
    coachId: z.string().min(1),
    userId: z.string().min(1),
    offeringId: z.string().min(1),
    /**
     * The Cal.com event type the booking lives in. Frozen like its price, currency and length: a
     * later change to the offering makes a new event type and leaves this one to its bookings.
     */
    calcomEventTypeId: z.int().positive().nullable(),
    startTime: InstantSchema,
    endTime: InstantSchema,
    timeZone: TimeZoneSchema,
    calcomBookingId: z.int().positive().nullable(),
    calcomBookingUid: z.string().min(1).nullable(),
    status: BookingStatusSchema,
    paymentStatus: PaymentStatusSchema,
    /** Totals over every payment of the booking (each payment is in `charges`). */
    amountCents: TotalCentsSchema,
    currency: CurrencySchema,
    /**
     * The price the booking was sold at (its offering's when booked, or the offering it last
     * moved to): a later change of the offering's price never touches it. Null on bookings stored
     * before it was recorded (their `amountCents` is the price).
     */
    priceCents: CentsSchema.nullable().default(null),
    refundedCents: TotalCentsSchema,
    stripeCheckoutSessionId: z.string().min(1).nullable(),
    stripePaymentIntentId: z.string().min(1).nullable(),
    /** The policy in force when the booking was made: later policy changes never touch it. */
    cancellationPolicy: CancellationPolicySchema,
    /**
     * The platform's fee, frozen when the booking was made (the coach's override, else the
     * platform's); null on bookings made before fees existed (the platform's fee when they are paid out).
     */
    platformFee: PlatformFeeSchema.nullable().default(null),
    /** The scheduling limits in force when the booking was made (its student cut-off, its buffers). */
    limits: SchedulingLimitsSchema.nullable().default(null),
    /** Until when an unpaid hold keeps its slot (the Checkout Session's expiry). */
    holdExpiresAt: InstantSchema.nullable().default(null),
    /**
     * The Checkout Session is complete but its payment (a delayed method: SEPA debit and the
     * like) is still processing: the hold is kept until the session's start time.
     */
    paymentProcessing: z.boolean().default(false),
    stripeCheckoutUrl: z.string().nullable().default(null),
    paidAt: InstantSchema.nullable().default(null),
    /** What we last know of the Cal.com booking (lowercase REST statuses). */
    calcomStatus: z.enum(["pending", "accepted", "cancelled", "rejected"]).nullable().default(null),
    /** The recorded cancellation: who, why, and the refund it owes (carried out by the trigger). */
    cancellation: CancellationSchema.nullable().default(null),
    /** Automatic attempts of a side effect that keeps failing; past the limit reconciliation takes over. */
    sideEffectAttempts: z.record(z.string(), z.int().min(0)).default({}),
    /**
     * Per refund obligation and payment (`<key>-<paymentIntentId>`): how many of its refunds Stripe
     * answered `failed` or `canceled`. It is part of the next attempt's idempotency key, so the
     * retry is a new refund rather than Stripe replaying the failed one.
     */
    refundKeyGenerations: z.record(z.string(), z.int().min(0)).default({}),
    needsReconciliation: z.boolean().default(false),
    lastError: z.object({ action: z.string(), code: z.string(), message: z.string() }).nullable().default(null),
    /** Every payment captured for this booking; refunds are taken from them newest first. */
    charges: z.array(ChargeSchema).default([]),
    /** The ids of `charges`, for finding a booking by any of its payments. */
    paymentIntentIds: z.array(z.string()).default([]),
    /** The dispute Stripe reported on last (kept for clients; `disputes` has them all). */
    dispute: DisputeSchema.nullable().default(null),
    /** Every dispute on the booking's payments (one per payment at most), by id; read through `disputesOf`. */
    disputes: z.array(DisputeSchema).default([]),
    /** Taken back by disputes and not reinstated: captured − refunded − disputed is what we hold. */
    disputedCents: TotalCentsSchema.default(0),
    refundsOwed: z.array(RefundOwedSchema).default([]),
    reschedule: RescheduleSchema.nullable().default(null),
    /** How many reschedules were started (ids r1, r2, …), and the Cal.com uids this booking had before its current one, oldest first. */
    rescheduleCount: z.int().min(0).default(0),
    previousCalcomBookingUids: z.array(z.string()).default([]),
    /** Cal.com bookings of ours still to cancel there (the old one of a move to another event type). */
    calcomUidsToCancel: z.array(z.string()).default([]),
    escalations: z.array(EscalationSchema).max(MAX_ESCALATIONS).default([]),
    /**
     * The Cal.com account the booking lives in, recorded with its Cal.com booking: every later
     * Cal.com call for it goes there. Null on bookings stored before it existed (the coach's current account).
     */
    calcomAccount: CalcomAccountRefSchema.nullable().default(null),
    /** What went to the coach of this booking's money (core/effects/payouts.ts); null before the first payout. */
    payout: PayoutRecordSchema.nullable().default(null),
    /** Who came to the session, once either side reported a no-show or it ended (domain/attendance.ts). */
    attendance: AttendanceSchema.nullable().default(null),
    /** A session that ended, refunded in full afterwards by its coach or an admin (`refundSession`). */
    sessionRefund: SessionRefundSchema.nullable().default(null),
    createdAt: InstantSchema,
    updatedAt: InstantSchema,
  })
  .refine((b) => epochMs(b.endTime) > epochMs(b.startTime), { path: ["endTime"], message: "must be after startTime" })
  .refine((b) => b.refundedCents <= b.amountCents, { path: ["refundedCents"], message: "cannot exceed amountCents" });
export type Booking = z.output<typeof BookingSchema>;

/**
 * Every dispute of a booking. A booking stored before `disputes` existed has only `dispute`: it
 * counts as the one dispute.
 */
export function disputesOf(booking: Pick<Booking, "dispute" | "disputes">): Dispute[] {
  if (booking.disputes.length > 0 || booking.dispute === null) return booking.disputes;
  return [booking.dispute];
}

/** Whether any dispute of the booking is open (Stripe refuses refunds of a disputed payment until it closes). */
export function disputeOpen(booking: Pick<Booking, "dispute" | "disputes">): boolean {
  return disputesOf(booking).some((d) => !isDisputeClosed(d.status));
}

/** What closed disputes took back for good (lost): no longer ours to refund. */
export function lostDisputeCents(booking: Pick<Booking, "dispute" | "disputes">): number {
  return disputesOf(booking).reduce((sum, d) => sum + (isDisputeClosed(d.status) && d.fundsWithdrawn ? d.amountCents : 0), 0);
}

/**
 * What Stripe refunds in total (the booking's `refundedCents` to reach) for a booking whose
 * student should get `returnedCents` back in all. A lost dispute is money already returned to
 * the student (by their bank): it is taken off, never below 0 and never above what the payments
 * hold once lost disputes have taken theirs. The one rule for turning what is owed into what Stripe refunds.
 */
export function stripeRefundTargetCents(booking: Pick<Booking, "amountCents" | "dispute" | "disputes">, returnedCents: number): number {
  // An open dispute is left out: no refund is made while it is open (Stripe refuses one), and
  // once it is closed it is lost (counted here) or won (the money is ours again).
  const lost = lostDisputeCents(booking);
  return Math.max(0, Math.min(returnedCents - lost, booking.amountCents - lost));
}

/**
 * What each open refund obligation still owes through Stripe, by key: what lost disputes returned
 * pays the obligations first (oldest first), so each is reduced by what the bank returned beyond
 * the obligations before it.
 */
export function refundsOwedThroughStripe(booking: Pick<Booking, "refundsOwed" | "dispute" | "disputes">): Map<string, number> {
  let returned = lostDisputeCents(booking);
  const owed = new Map<string, number>();
  for (const o of booking.refundsOwed) {
    const open = Math.max(0, o.amountCents - o.refundedCents);
    const paidByBank = Math.min(open, returned);
    returned -= paidByBank;
    owed.set(o.key, open - paidByBank);
  }
  return owed;
}

/** What the student paid and has not had back, from us (done or owed) or from their bank (a lost dispute). */
export function stillPaidCents(booking: Pick<Booking, "amountCents" | "refundedCents" | "refundsOwed" | "dispute" | "disputes">): number {
  return booking.amountCents - booking.refundedCents - openRefundsOwedCents(booking.refundsOwed) - lostBeyondOwedCents(booking);
}

/** What lost disputes returned beyond the open refund obligations: it pays a later refund first. */
export function lostBeyondOwedCents(booking: Pick<Booking, "refundsOwed" | "dispute" | "disputes">): number {
  return Math.max(0, lostDisputeCents(booking) - openRefundsOwedCents(booking.refundsOwed));
}

/**
 * The booking's payments as far as a refund is concerned: what a dispute took back (and did not
 * give back) is no longer there to refund, and Stripe refuses a refund of it.
 */
export function refundableCharges(booking: Pick<Booking, "charges" | "dispute" | "disputes">): Booking["charges"] {
  const disputes = disputesOf(booking);
  return booking.charges.map((c) => ({
    ...c,
    refundedCents:
      c.refundedCents +
      disputes.reduce((sum, d) => sum + (d.paymentIntentId === c.paymentIntentId && d.fundsWithdrawn ? d.amountCents : 0), 0),
  }));
}

/** Fields of a booking that hold instants (stored as Firestore Timestamps). */
export const BOOKING_INSTANT_FIELDS = ["startTime", "endTime", "createdAt", "updatedAt", "holdExpiresAt", "paidAt"] as const;
