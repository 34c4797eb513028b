import { z } from "zod";
import { AttendanceOutcomeSchema } from "../../domain/attendance.js";
import { REASON_MAX_CHARS } from "../../domain/text.js";

export const MarkNoShowInputSchema = z.object({
  bookingId: z.string().min(1).max(128),
  /** Who did not come: a coach marks the student (or themselves, agreeing to a full refund); a student reports the coach. */
  absent: z.enum(["student", "coach"]),
});
export type MarkNoShowInput = z.output<typeof MarkNoShowInputSchema>;

export const ResolveNoShowInputSchema = z.object({
  bookingId: z.string().min(1).max(128),
  outcome: AttendanceOutcomeSchema,
  reason: z.string().trim().min(1, "give a reason: both sides see it").max(REASON_MAX_CHARS),
});
export type ResolveNoShowInput = z.output<typeof ResolveNoShowInputSchema>;

export const CompleteBookingInputSchema = z.object({ bookingId: z.string().min(1).max(128) });
export type CompleteBookingInput = z.output<typeof CompleteBookingInputSchema>;
