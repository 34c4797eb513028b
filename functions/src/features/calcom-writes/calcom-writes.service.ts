import { z } from "zod";
import { CalcomAccountRefSchema } from "../../domain/calcom-account.js";
import { rateLimitedUntil, retryAfterBlock, type CalcomWrite } from "../../shared/calcom-queue.port.js";
import type { Dependencies } from "../../shared/dependencies.js";
import { log } from "../../shared/logger.js";
import { runCalcomBookingWrites, type CalcomWriteOutcome } from "../bookings/booking-effects.js";
import { handleCoachWritten } from "../offerings/offerings.triggers.js";

export const CalcomWriteSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("booking"), bookingId: z.string().min(1).max(128), key: z.string().min(1) }),
  z.object({ action: z.literal("coach-event-types"), coachId: z.string().min(1).max(128), key: z.string().min(1) }),
  z.object({
    action: z.literal("calcom-orphan"),
    calcomBookingUid: z.string().min(1).max(128),
    coachId: z.string().min(1).max(128).nullable(),
    /** The account it was listed in (absent on writes queued before it existed: the coach's current one, or the organization's). */
    calcomAccount: CalcomAccountRefSchema.optional(),
    key: z.string().min(1),
  }),
]);

/** Why an orphan is cancelled: Cal.com shows the host's reason to the attendee. */
export const ORPHAN_REASON = "This booking was not completed on the marketplace and has been released.";

/**
 * Carries out one queued Cal.com write; `retry` asks the queue to run it again after its backoff.
 * A write Cal.com's rate limit refused is no failure: it is enqueued again for the block's end
 * (its own task id) and this task is done, so no retry of the queue is spent on it.
 */
export async function runCalcomWrite(write: CalcomWrite, deps: Dependencies): Promise<"done" | "retry"> {
  let outcome: CalcomWriteOutcome;
  try {
    outcome = await carryOut(write, deps);
  } catch (err) {
    const blockEnds = rateLimitedUntil(err, deps.now());
    if (blockEnds === null) throw err;
    outcome = { retryAt: blockEnds };
  }
  if (typeof outcome === "object") {
    await deps.calcomQueue.enqueue(retryAfterBlock(write, outcome.retryAt), { scheduleTime: outcome.retryAt });
    log.info("calcom-write.rate-limited", { key: write.key, retryAt: outcome.retryAt.toISOString() });
    return "done";
  }
  return outcome;
}

async function carryOut(write: CalcomWrite, deps: Dependencies): Promise<CalcomWriteOutcome> {
  if (write.action === "booking") {
    const outcome = await runCalcomBookingWrites(write.bookingId, deps);
    log.info("calcom-write.done", { key: write.key, outcome: typeof outcome === "object" ? "rate-limited" : outcome });
    return outcome;
  }
  if (write.action === "calcom-orphan") {
    const { accountForCalcomWrite, accountOfRef } = await import("../calcom-accounts/calcom-accounts.repository.js");
    const account = write.calcomAccount && write.coachId !== null ? await accountOfRef(write.coachId, write.calcomAccount, deps.config) : await accountForCalcomWrite(write.coachId, deps.config);
    // Already cancelled counts as done (the gateway reads it back); other failures are retried.
    await deps.bookingCalendar.cancelBooking(account, write.calcomBookingUid, ORPHAN_REASON);
    log.info("calcom-write.done", { key: write.key, outcome: "orphan-cancelled" });
    return "done";
  }
  // Transient failures are rethrown by the handler: the queue retries them.
  await handleCoachWritten(write.coachId, deps);
  log.info("calcom-write.done", { key: write.key, outcome: "done" });
  return "done";
}
