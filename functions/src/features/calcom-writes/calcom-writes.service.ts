import { z } from "zod";
import type { CalcomWrite } from "../../shared/calcom-queue.port.js";
import type { Dependencies } from "../../shared/dependencies.js";
import { log } from "../../shared/logger.js";
import { runCalcomBookingWrites } from "../bookings/booking-effects.js";
import { handleCoachWritten } from "../offerings/offerings.triggers.js";

export const CalcomWriteSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("booking"), bookingId: z.string().min(1).max(128), key: z.string().min(1) }),
  z.object({ action: z.literal("coach-event-types"), coachId: z.string().min(1).max(128), key: z.string().min(1) }),
  z.object({ action: z.literal("calcom-orphan"), calcomBookingUid: z.string().min(1).max(128), coachId: z.string().min(1).max(128).nullable(), key: z.string().min(1) }),
]);

/** Why an orphan is cancelled: Cal.com shows the host's reason to the attendee. */
export const ORPHAN_REASON = "This booking was not completed on the marketplace and has been released.";

/** Carries out one queued Cal.com write; `retry` asks the queue to run it again after its backoff. */
export async function runCalcomWrite(write: CalcomWrite, deps: Dependencies): Promise<"done" | "retry"> {
  if (write.action === "booking") {
    const outcome = await runCalcomBookingWrites(write.bookingId, deps);
    log.info("calcom-write.done", { key: write.key, outcome });
    return outcome;
  }
  if (write.action === "calcom-orphan") {
    const { accountForCalcomWrite } = await import("../calcom-accounts/calcom-accounts.repository.js");
    const account = await accountForCalcomWrite(write.coachId, deps.config);
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
