import { epochMs } from "./time.js";

/**
 * Delayed payment methods (SEPA debit and the like): a Checkout Session completes with its
 * payment still processing, and Stripe says days later whether it succeeded. A hold (a first
 * booking's, or a move's new slot) waits for that verdict, but only until the session would take
 * place: past that the slot cannot be used any more, so a slot is never held for ever.
 */

/**
 * The instant until which a hold may wait for a processing payment: the session's start, or for
 * a move the earlier of the booking's current start and the new one (past either, the move can
 * no longer be made as asked).
 */
export function processingDeadline(startTimes: readonly [string, ...string[]]): string {
  return startTimes.reduce((earliest, t) => (epochMs(t) < epochMs(earliest) ? t : earliest));
}

/** Whether a hold may still wait for a processing payment at `now`. */
export function mayWaitForProcessing(deadline: string, now: Date): boolean {
  return now.getTime() < epochMs(deadline);
}

/** The hold's new expiry while its payment processes: the deadline, never earlier than the expiry it had. */
export function processingHoldExpiry(holdExpiresAt: string | null, deadline: string): string {
  return holdExpiresAt !== null && epochMs(holdExpiresAt) > epochMs(deadline) ? holdExpiresAt : deadline;
}
