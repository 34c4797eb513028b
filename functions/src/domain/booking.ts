import { z } from "zod";
import { BookingStatusSchema, PaymentStatusSchema } from "./booking-state.js";
import { CentsSchema, CurrencySchema } from "./money.js";
import { CancellationPolicySchema } from "./policy.js";
import { InstantSchema, TimeZoneSchema, epochMs } from "./time.js";

export const CancellationSchema = z.object({
  by: z.enum(["student", "coach", "admin", "system"]),
  reason: z.string().min(1).max(500),
  at: InstantSchema,
  /** The booking's total refunded once this cancellation is carried out (the trigger refunds up to it, once). */
  refundCents: CentsSchema,
  /** What was already refunded when it was cancelled: this cancellation refunds the difference. */
  refundedBeforeCents: CentsSchema.default(0),
  tier: z.string(),
});
export type Cancellation = z.output<typeof CancellationSchema>;

/**
 * `bookings/{bookingId}`. Field names are the brief's and clients rely on them. Instants are UTC
 * ISO strings here; the Firestore layer stores them as Timestamps.
 */
export const BookingSchema = z
  .object({
    coachId: z.string().min(1),
    userId: z.string().min(1),
    offeringId: z.string().min(1),
    calcomEventTypeId: z.int().positive().nullable(),
    startTime: InstantSchema,
    endTime: InstantSchema,
    timeZone: TimeZoneSchema,
    calcomBookingId: z.int().positive().nullable(),
    calcomBookingUid: z.string().min(1).nullable(),
    status: BookingStatusSchema,
    paymentStatus: PaymentStatusSchema,
    amountCents: CentsSchema,
    currency: CurrencySchema,
    refundedCents: CentsSchema,
    stripeCheckoutSessionId: z.string().min(1).nullable(),
    stripePaymentIntentId: z.string().min(1).nullable(),
    /** The policy in force when the booking was made: later policy changes never touch it. */
    cancellationPolicy: CancellationPolicySchema,
    /** Until when an unpaid hold keeps its slot (the Checkout Session's expiry). */
    holdExpiresAt: InstantSchema.nullable().default(null),
    stripeCheckoutUrl: z.string().nullable().default(null),
    paidAt: InstantSchema.nullable().default(null),
    /** What we last know of the Cal.com booking (lowercase REST statuses). */
    calcomStatus: z.enum(["pending", "accepted", "cancelled", "rejected"]).nullable().default(null),
    /** The recorded cancellation: who, why, and the refund it owes (carried out by the trigger). */
    cancellation: CancellationSchema.nullable().default(null),
    /** Automatic attempts of a side effect that keeps failing; past the limit reconciliation takes over. */
    sideEffectAttempts: z.record(z.string(), z.int().min(0)).default({}),
    needsReconciliation: z.boolean().default(false),
    lastError: z.object({ action: z.string(), code: z.string(), message: z.string() }).nullable().default(null),
    createdAt: InstantSchema,
    updatedAt: InstantSchema,
  })
  .refine((b) => epochMs(b.endTime) > epochMs(b.startTime), { path: ["endTime"], message: "must be after startTime" })
  .refine((b) => b.refundedCents <= b.amountCents, { path: ["refundedCents"], message: "cannot exceed amountCents" });
export type Booking = z.output<typeof BookingSchema>;

/** Fields of a booking that hold instants (stored as Firestore Timestamps). */
export const BOOKING_INSTANT_FIELDS = ["startTime", "endTime", "createdAt", "updatedAt", "holdExpiresAt", "paidAt"] as const;
