import { z } from "zod";
import { REASON_MAX_CHARS } from "../../domain/text.js";
import { InstantSchema } from "../../domain/time.js";

export const RescheduleBookingInputSchema = z.object({
  bookingId: z.string().min(1).max(128),
  newStartTime: InstantSchema,
  newEndTime: InstantSchema,
  /** Move to another of the coach's offerings (its price may differ); the same offering when omitted. */
  newOfferingId: z.string().min(1).max(40).optional(),
  /** When the new offering is cheaper: refund the difference (default) or, admins only, keep it. */
  refundDifference: z.boolean().default(true),
  reason: z.string().trim().max(REASON_MAX_CHARS).default(""),
  /** The difference the caller was quoted (positive: to pay, negative: to refund); a different one refuses the move. */
  expectedDifferenceCents: z.int().min(-99_999_999).max(99_999_999).optional(),
});
export type RescheduleBookingInput = z.output<typeof RescheduleBookingInputSchema>;

export interface RescheduleBookingOut {
  bookingId: string;
  /** `rescheduled`: done; `awaiting-payment`: pay the difference at `checkoutUrl`, the move completes on payment; `moving`: Cal.com is slow, the move completes shortly. */
  status: "rescheduled" | "awaiting-payment" | "moving";
  startTime: string;
  endTime: string;
  offeringId: string;
  difference: { kind: "none" | "charge" | "refund"; amountCents: number; currency: string };
  checkoutUrl: string | null;
  calcomBookingUid: string | null;
}
