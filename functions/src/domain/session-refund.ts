import { stillPaidCents, type Booking } from "./booking.js";
import { AppError } from "./errors.js";
import { DAY_MS, epochMs } from "./time.js";

/** How long after its end a session can still be refunded by its coach (a card refund is refused after about 180 days). */
export const SESSION_REFUND_WINDOW_DAYS = 90;

/** The obligation a session's refund records (refundsOwed key): the refund machinery pays it. */
export const SESSION_REFUND_OBLIGATION = "session-refund";

/**
 * What refunding a session after it ended gives back: everything the student paid and has not had
 * back (a coach's cancellation after the fact is refunded in full, like one before). Only its
 * coach or an admin may, within SESSION_REFUND_WINDOW_DAYS of its end. A session not ended yet is
 * cancelled instead. Throws an AppError saying why it cannot be done.
 */
export function decideSessionRefund(booking: Booking, by: "student" | "coach" | "admin", now: Date): { refundCents: number } {
  if (by === "student")
    throw new AppError("auth/permission-denied", "Only the coach of this session or an admin can refund it after it ended.");
  if (booking.status === "cancelled")
    throw new AppError("booking/already-settled", "This booking was cancelled: its refund followed the cancellation.");
  if (booking.status !== "completed" && booking.status !== "no-show")
    throw new AppError(
      "booking/not-started",
      "This session has not ended yet: cancel it instead (cancelBooking), which refunds the student in full when the coach cancels.",
    );
  if (now.getTime() > epochMs(booking.endTime) + SESSION_REFUND_WINDOW_DAYS * DAY_MS)
    throw new AppError("booking/already-settled", `A session can be refunded up to ${SESSION_REFUND_WINDOW_DAYS} days after it ended.`);
  const refundCents = stillPaidCents(booking);
  if (refundCents <= 0)
    throw new AppError("booking/already-settled", "Everything the student paid for this session has already been given back.");
  return { refundCents };
}
