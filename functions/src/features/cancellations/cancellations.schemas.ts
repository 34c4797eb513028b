import { z } from "zod";
import { CentsSchema } from "../../domain/money.js";
import { REASON_MAX_CHARS } from "../../domain/text.js";

export const CancelBookingInputSchema = z.object({
  bookingId: z.string().min(1).max(128),
  reason: z.string().trim().min(1, "give a reason: the other side sees it").max(REASON_MAX_CHARS),
  /** Coach or admin only: refund this much instead of what the policy gives (never more than refundable). */
  refundAmount: CentsSchema.optional(),
  refundReason: z.string().trim().max(500).optional(),
  /** The refund the caller was quoted (`quoteCancellation`); if cancelling now would refund another amount, nothing is cancelled. */
  expectedRefundCents: CentsSchema.optional(),
});
export type CancelBookingInput = z.output<typeof CancelBookingInputSchema>;

export const RefundSessionInputSchema = z.object({
  bookingId: z.string().min(1).max(128),
  reason: z.string().trim().min(1, "give a reason: the student sees it").max(REASON_MAX_CHARS),
});
export type RefundSessionInput = z.output<typeof RefundSessionInputSchema>;
