import { z } from "zod";
import { InstantSchema, TimeZoneSchema } from "../../domain/time.js";

export const CreateBookingInputSchema = z.object({
  coachId: z.string().min(1).max(128),
  eventTypeId: z.coerce.number().int().positive(),
  startTime: InstantSchema,
  endTime: InstantSchema,
  /** The student: must be the caller (the brief's field, kept for its clients). */
  userId: z.string().min(1).max(128),
  offeringId: z.string().min(1).max(40),
  /** The student's zone, for Cal.com's attendee and our notifications; UTC when omitted. */
  timeZone: TimeZoneSchema.optional(),
});
export type CreateBookingInput = z.output<typeof CreateBookingInputSchema>;

export const ConfirmBookingInputSchema = z.object({
  bookingId: z.string().min(1).max(128),
  calcomBookingId: z.coerce.number().int().positive(),
});
export type ConfirmBookingInput = z.output<typeof ConfirmBookingInputSchema>;
