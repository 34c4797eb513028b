import type { Booking } from "../../domain/booking.js";
import { AppError, errorCodeOf } from "../../domain/errors.js";
import { rateLimitedUntil } from "../../ports/calcom-queue.port.js";
import { getDb } from "../../shared/firestore.js";
import { log } from "../../shared/logger.js";
import { patchBooking, requireBooking } from "../bookings.repository.js";

/** Automatic attempts of one side effect before it is left to reconciliation (or a person). */
export const MAX_AUTOMATIC_ATTEMPTS = 3;

export type Action = "calcom-confirm" | "calcom-release" | "calcom-reschedule" | "calcom-absent" | "stripe-refund";

export function exhausted(booking: Booking, action: Action): boolean {
  return (booking.sideEffectAttempts[action] ?? 0) >= MAX_AUTOMATIC_ATTEMPTS;
}

/**
 * Records a failed side effect on the booking. The write fires the booking trigger again, which
 * is what retries the effect; after MAX_AUTOMATIC_ATTEMPTS the booking is marked for
 * reconciliation and the trigger leaves it alone. Cal.com's rate limit is no failure: nothing is
 * recorded and the block's end is returned, for the queue to run the write again then.
 */
export async function recordFailure(
  bookingId: string,
  action: Action,
  err: unknown,
  now: Date,
  patch: (booking: Booking) => Partial<Booking> = () => ({}),
): Promise<Date | null> {
  const blockEnds = action === "stripe-refund" ? null : rateLimitedUntil(err, now);
  if (blockEnds !== null) {
    log.info("booking.side-effect-rate-limited", { bookingId, action, until: blockEnds.toISOString() });
    return blockEnds;
  }
  const code = errorCodeOf(err);
  const message = err instanceof AppError ? err.message : "Unexpected failure";
  log.warn("booking.side-effect-failed", { bookingId, action, code });
  await getDb().runTransaction(async (tx) => {
    const booking = await requireBooking(bookingId, tx);
    const attempts = (booking.sideEffectAttempts[action] ?? 0) + 1;
    patchBooking(
      tx,
      bookingId,
      booking,
      {
        sideEffectAttempts: { ...booking.sideEffectAttempts, [action]: attempts },
        lastError: { action, code, message },
        needsReconciliation: attempts >= MAX_AUTOMATIC_ATTEMPTS || booking.needsReconciliation,
        ...patch(booking),
      },
      now,
    );
  });
  return null;
}
