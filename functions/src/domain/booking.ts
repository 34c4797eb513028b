import { z } from "zod";
import { BookingStatusSchema, PaymentStatusSchema } from "./booking-state.js";
import { CentsSchema, CurrencySchema } from "./money.js";
import { CancellationPolicySchema } from "./policy.js";
import { InstantSchema, TimeZoneSchema, epochMs } from "./time.js";

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
    createdAt: InstantSchema,
    updatedAt: InstantSchema,
  })
  .refine((b) => epochMs(b.endTime) > epochMs(b.startTime), { path: ["endTime"], message: "must be after startTime" })
  .refine((b) => b.refundedCents <= b.amountCents, { path: ["refundedCents"], message: "cannot exceed amountCents" });
export type Booking = z.output<typeof BookingSchema>;

/** Fields of a booking that hold instants (stored as Firestore Timestamps). */
export const BOOKING_INSTANT_FIELDS = ["startTime", "endTime", "createdAt", "updatedAt"] as const;
